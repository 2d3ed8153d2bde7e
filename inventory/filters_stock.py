import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .models import (
    Category,
    DocumentKind,
    DocumentStatus,
    ItemType,
    Location,
    StockBalance,
    StockDocument,
    Warehouse,
)
from .selectors import locations_for, warehouses_for


class StockDocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number or reference"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=DocumentKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DocumentStatus.choices)
    warehouse = django_filters.ModelChoiceFilter(label=_("Warehouse"), queryset=Warehouse.objects.none())

    class Meta:
        model = StockDocument
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["warehouse"].queryset = warehouses_for(self.request.user)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(number__icontains=value) | Q(reference__icontains=value)) if value else queryset
        )


class StockBalanceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Item"), method="filter_q")
    warehouse = django_filters.ModelChoiceFilter(label=_("Warehouse"), queryset=Warehouse.objects.none())
    location = django_filters.ModelChoiceFilter(label=_("Location"), queryset=Location.objects.none())
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all(), method="filter_category"
    )
    item_type = django_filters.ChoiceFilter(
        label=_("Item type"), field_name="item__item_type", choices=ItemType.choices
    )
    batch = django_filters.CharFilter(label=_("Batch"), field_name="batch__batch_no", lookup_expr="icontains")
    below_safety = django_filters.BooleanFilter(label=_("Below safety stock"), method="filter_below_safety")

    class Meta:
        model = StockBalance
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["warehouse"].queryset = warehouses_for(self.request.user)
        self.filters["location"].queryset = locations_for(self.request.user).filter(is_active=True)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(item__sku__icontains=value) | Q(item__name__icontains=value))

    def filter_category(self, queryset, name, value):
        return queryset.filter(
            Q(item__category=value) | Q(item__category__path__startswith=f"{value.path} / ")
        )

    def filter_below_safety(self, queryset, name, value):
        # Per balance row: a quick look. The alerts (issue 7) compare each item's total per warehouse.
        if value:
            return queryset.filter(on_hand__lt=F("item__safety_stock"))
        return queryset
