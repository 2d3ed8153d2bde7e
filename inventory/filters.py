import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import SearchFilterSet

from .models import Batch, Category, Item, ItemType, Location, LocationKind, Tracking, Unit, Warehouse


class UnitFilter(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = Unit
        fields = []


class CategoryFilter(SearchFilterSet):
    search_fields = ("code", "name", "path")

    class Meta:
        model = Category
        fields = []


class ItemFilter(SearchFilterSet):
    search_fields = ("sku", "name", "spec", "barcodes__barcode")
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all(), method="filter_category"
    )
    item_type = django_filters.ChoiceFilter(label=_("Item type"), choices=ItemType.choices)
    tracking = django_filters.ChoiceFilter(label=_("Tracking"), choices=Tracking.choices)

    class Meta:
        model = Item
        fields = []

    def filter_category(self, queryset, name, value):
        # A category includes its sub-categories: their path continues with " / ". A bare prefix
        # would also match a sibling whose name merely starts alike (饮料 and 饮料酒).
        return queryset.filter(Q(category=value) | Q(category__path__startswith=f"{value.path} / "))

    def filter_search(self, queryset, name, value):
        return super().filter_search(queryset, name, value).distinct()


class WarehouseFilter(SearchFilterSet):
    search_fields = ("code", "name", "address")

    class Meta:
        model = Warehouse
        fields = []


class LocationFilter(SearchFilterSet):
    search_fields = ("code", "name", "path")
    warehouse = django_filters.ModelChoiceFilter(label=_("Warehouse"), queryset=Warehouse.objects.none())
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=LocationKind.choices)

    class Meta:
        model = Location
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import warehouses_for

        self.filters["warehouse"].queryset = warehouses_for(self.request.user)


class BatchFilter(SearchFilterSet):
    search_fields = ("batch_no", "item__sku", "item__name")
    expires_before = django_filters.DateFilter(
        label=_("Expires before"),
        field_name="expiry_date",
        lookup_expr="lt",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Batch
        fields = []
