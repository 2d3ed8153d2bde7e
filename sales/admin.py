from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Customer, PriceLevel, SalesPrice, SalesPriceBreak


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "channel", "price_level", "credit_limit", "is_active")
    list_filter = ("channel", "price_level")
    search_fields = ("code", "name")


@admin.register(PriceLevel)
class PriceLevelAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "is_active")


class SalesPriceBreakInline(admin.TabularInline):
    model = SalesPriceBreak
    extra = 0


@admin.register(SalesPrice)
class SalesPriceAdmin(SimpleHistoryAdmin):
    list_display = ("price_level", "item", "unit", "price", "is_active")
    list_filter = ("price_level",)
    inlines = [SalesPriceBreakInline]
    search_fields = ("item__sku", "item__name")
