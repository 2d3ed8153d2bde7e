import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import SearchFilterSet

from .models import Channel, Customer, PriceLevel, SalesPrice


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
