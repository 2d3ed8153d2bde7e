"""Forms of the shipping screens: the shipment list's filters, a pick's quantity and the header
of a customer return. The return's lines are read from the POST by the view (one row per
shipment line)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DocStatus, Shipment

MAX_QTY = Decimal("1e14")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ShipmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number, order or customer"), method="filter_q")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DocStatus.choices)
    date_from = django_filters.DateFilter(
        label=_("Shipping date from"),
        field_name="posting_date",
        lookup_expr="gte",
        widget=DATE,
    )
    date_to = django_filters.DateFilter(
        label=_("Shipping date until"),
        field_name="posting_date",
        lookup_expr="lte",
        widget=DATE,
    )

    class Meta:
        model = Shipment
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(order__number__icontains=value)
            | Q(order__customer__name__icontains=value)
            | Q(order__customer__code__iexact=value)
        )


def parse_qty(raw: str | None) -> Decimal | None:
    """A typed quantity of zero or more (base unit), or None when it is not one."""
    try:
        value = Decimal((raw or "").strip() or "0")
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= MAX_QTY:
        return None
    return value


class ReturnHeaderForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    posting_date = forms.DateField(label=_("Return date"), widget=DATE, initial=timezone.localdate)
