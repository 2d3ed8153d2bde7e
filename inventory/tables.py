import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.tables import ActiveColumn, LinkColumn, MasterTable, NumberColumn

from .models import Batch, Category, Item, Location, Unit, Warehouse


class UnitTable(MasterTable):
    code = LinkColumn()
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Unit
        fields = ["code", "name", "is_active"]


class CategoryTable(MasterTable):
    path = LinkColumn(verbose_name=_("category"))
    items = tables.Column(
        verbose_name=_("items"),
        accessor="item_count",
        orderable=True,
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Category
        fields = ["code", "path", "items", "is_active"]


class ItemTable(MasterTable):
    sku = LinkColumn()
    safety_stock = NumberColumn()
    reorder_point = NumberColumn()
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Item
        fields = [
            "sku",
            "name",
            "spec",
            "category",
            "item_type",
            "base_unit",
            "tracking",
            "safety_stock",
            "reorder_point",
            "is_active",
        ]
        order_by = "sku"


class WarehouseTable(MasterTable):
    code = LinkColumn()
    locations = tables.Column(
        verbose_name=_("locations"),
        accessor="location_count",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Warehouse
        fields = ["code", "name", "address", "locations", "is_active"]


class LocationTable(MasterTable):
    path = LinkColumn(verbose_name=_("location"))
    capacity = NumberColumn()
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Location
        fields = ["warehouse", "path", "name", "kind", "capacity", "is_active"]


class BatchTable(MasterTable):
    batch_no = LinkColumn()
    is_active = ActiveColumn()

    class Meta(MasterTable.Meta):
        model = Batch
        fields = ["batch_no", "item", "production_date", "expiry_date", "first_received_at", "is_active"]
