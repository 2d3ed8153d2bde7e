from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Customer, PriceLevel


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "channel", "price_level", "credit_limit", "is_active")
    list_filter = ("channel", "price_level")
    search_fields = ("code", "name")


@admin.register(PriceLevel)
class PriceLevelAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "is_active")
