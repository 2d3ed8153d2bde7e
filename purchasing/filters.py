import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import SearchFilterSet
from inventory.models import Warehouse

from .models import OrderStatus, PurchaseOrder, PurchaseReceipt, ReceiptStatus, Supplier, SupplierItem


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


class PurchaseOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number or reference"), method="filter_q")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=Supplier.objects.all())
    warehouse = django_filters.ModelChoiceFilter(label=_("Warehouse"), queryset=Warehouse.objects.all())

    class Meta:
        model = PurchaseOrder
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(number__icontains=value) | Q(reference__icontains=value)) if value else queryset
        )


class PurchaseReceiptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number, order or delivery note"), method="filter_q")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReceiptStatus.choices)

    class Meta:
        model = PurchaseReceipt
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(order__number__icontains=value) | Q(delivery_note__icontains=value)
        )
