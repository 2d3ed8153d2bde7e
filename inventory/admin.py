from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Batch, Category, Item, ItemBarcode, ItemUnit, Location, Unit, Warehouse


class ItemUnitInline(admin.TabularInline):
    model = ItemUnit
    extra = 0


class ItemBarcodeInline(admin.TabularInline):
    model = ItemBarcode
    extra = 0


@admin.register(Item)
class ItemAdmin(SimpleHistoryAdmin):
    list_display = ("sku", "name", "category", "item_type", "base_unit", "tracking", "is_active")
    list_filter = ("item_type", "tracking", "is_active")
    search_fields = ("sku", "name", "barcodes__barcode")
    inlines = [ItemUnitInline, ItemBarcodeInline]
    list_select_related = ("category", "base_unit")


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ("code", "path", "is_active")
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "is_active")


@admin.register(Warehouse)
class WarehouseAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "is_active")
    filter_horizontal = ("members",)


@admin.register(Location)
class LocationAdmin(SimpleHistoryAdmin):
    list_display = ("warehouse", "path", "name", "kind", "is_active")
    list_filter = ("warehouse", "kind")
    readonly_fields = ("path",)


@admin.register(Batch)
class BatchAdmin(SimpleHistoryAdmin):
    list_display = ("item", "batch_no", "production_date", "expiry_date", "is_active")
    search_fields = ("batch_no", "item__sku")
