import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import SearchFilterSet

from .models import Supplier, SupplierItem


class SupplierFilter(SearchFilterSet):
    search_fields = ("code", "name", "contact_person", "phone")

    class Meta:
        model = Supplier
        fields = []


class SupplierItemFilter(SearchFilterSet):
    search_fields = ("item__sku", "item__name", "supplier_sku", "supplier__name")
    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=Supplier.objects.all())
    is_preferred = django_filters.BooleanFilter(label=_("Preferred supplier"))

    class Meta:
        model = SupplierItem
        fields = []
