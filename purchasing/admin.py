from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Supplier, SupplierItem, SupplierPriceBreak


class PriceBreakInline(admin.TabularInline):
    model = SupplierPriceBreak
    extra = 0


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "contact_person", "phone", "is_active")
    search_fields = ("code", "name")


@admin.register(SupplierItem)
class SupplierItemAdmin(SimpleHistoryAdmin):
    list_display = ("supplier", "item", "unit", "price", "is_preferred", "is_active")
    list_filter = ("supplier",)
    inlines = [PriceBreakInline]
