import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import SearchFilterSet
from inventory.models import Warehouse

from .models import Channel, Customer, OrderStatus, PriceLevel, SalesOrder, SalesPrice


class PriceLevelFilter(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = PriceLevel
        fields = []


class CustomerFilter(SearchFilterSet):
    search_fields = ("code", "name", "contact_person", "phone")
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    price_level = django_filters.ModelChoiceFilter(label=_("Price level"), queryset=PriceLevel.objects.all())

    class Meta:
        model = Customer
        fields = []


class SalesPriceFilter(SearchFilterSet):
    search_fields = ("item__sku", "item__name")
    price_level = django_filters.ModelChoiceFilter(label=_("Price level"), queryset=PriceLevel.objects.all())

    class Meta:
        model = SalesPrice
        fields = []


class SalesOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number or reference"), method="filter_q")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        widget=forms.Select(attrs={"data-searchable": ""}),
    )
    warehouse = django_filters.ModelChoiceFilter(label=_("Warehouse"), queryset=Warehouse.objects.all())

    class Meta:
        model = SalesOrder
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(number__icontains=value) | Q(reference__icontains=value)) if value else queryset
        )
