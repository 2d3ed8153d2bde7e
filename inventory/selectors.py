"""Reads shared by views: what a user may see."""

from django.db.models import QuerySet

from accounts.rules import sees_all_warehouses

from .models import Location, Warehouse


def warehouses_for(user) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.all()
    if sees_all_warehouses(user):
        return qs
    return qs.filter(members=user)


def locations_for(user) -> QuerySet[Location]:
    return Location.objects.filter(warehouse__in=warehouses_for(user)).select_related("warehouse", "parent")
