"""供应商绩效 on screen: the sortable list of suppliers over a chosen period, and the card for one
supplier (last 90 days) that the supplier page includes. Figures come from performance.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import django_tables2 as tables
from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tables2.data import TableListData
from django_tables2.utils import OrderBy

from accounts.formatting import fmt_money, fmt_qty
from accounts.tables import MasterTable

from .models import Supplier
from .performance import SupplierPerformance, default_period, supplier_performance, supplier_performance_get

PERMISSION = "purchasing.view_purchaseorder"
DASH = "—"


# Formatting ---------------------------------------------------------------------------------------


def fmt_rate(value: Decimal | None, *, signed: bool = False) -> str:
    """75.0%; with signed=True a positive value gets a plus sign (+0.6%)."""
    if value is None:
        return DASH
    text = number_format(value, 1, use_l10n=True, force_grouping=True)
    return f"+{text}%" if signed and value > 0 else f"{text}%"


def fmt_signed_rate(value: Decimal | None) -> str:
    return fmt_rate(value, signed=True)


def fmt_days(value: Decimal | None) -> str:
    return DASH if value is None else number_format(value, 1, use_l10n=True, force_grouping=True)


def on_time_detail(row: SupplierPerformance) -> str:
    return _("%(on_time)s of %(lines)s receipt lines on time") % {
        "on_time": row.on_time_lines,
        "lines": row.receipt_lines,
    }


def fill_detail(row: SupplierPerformance) -> str:
    return _("%(filled)s accepted of %(ordered)s ordered (base units)") % {
        "filled": fmt_qty(row.filled_base_qty),
        "ordered": fmt_qty(row.ordered_base_qty),
    }


def reject_detail(row: SupplierPerformance) -> str:
    return _("%(rejected)s rejected of %(inspected)s received (base units)") % {
        "rejected": fmt_qty(row.rejected_base_qty),
        "inspected": fmt_qty(row.inspected_base_qty),
    }


def lead_detail(row: SupplierPerformance) -> str:
    return ngettext("%(count)s receipt", "%(count)s receipts", row.receipts) % {"count": row.receipts}


def variance_detail(row: SupplierPerformance) -> str:
    return _("%(amount)s compared with %(listed)s at list prices") % {
        "amount": ("+" if row.over_list_value > 0 else "") + fmt_money(row.over_list_value),
        "listed": fmt_money(row.list_value),
    }


# The definitions, shown as help text on the list and the card.
HELP = {
    "on_time": gettext_lazy(
        "Receipt lines dated in the period that arrived by their order line's expected date, "
        "out of all receipt lines in the period."
    ),
    "fill": gettext_lazy(
        "Quantity accepted (up to the quantity ordered) out of the quantity ordered, over order "
        "lines expected in the period of approved, partly received, received or closed orders."
    ),
    "reject": gettext_lazy(
        "Quantity rejected at receipt out of the quantity received (accepted + rejected), over "
        "receipts dated in the period."
    ),
    "lead": gettext_lazy(
        "Average days from the order date to the receipt date, over receipts in the period."
    ),
    "variance": gettext_lazy(
        "Paid above (+) or below (−) the supplier's price list, weighted by quantity, over order "
        "lines with a list price of orders dated in the period (not drafts or cancelled)."
    ),
}


# The list -------------------------------------------------------------------------------------------


class PerformanceFilter(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    supplier = forms.ModelChoiceField(
        label=gettext_lazy("Supplier"), queryset=Supplier.objects.order_by("code"), required=False
    )

    def clean(self):
        data = super().clean()
        default_start, default_end = default_period()
        data["start"] = data.get("start") or default_start
        data["end"] = data.get("end") or default_end
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("The start of the period cannot be after its end."))
        return data


class NoneLastRows(TableListData):
    """Rows sorted by one column, those without a figure last in either direction (django-tables2
    would put them first when ascending), ties by supplier code."""

    def order_by(self, aliases):
        if not aliases:
            return
        alias = OrderBy(aliases[0])
        accessor = self.table.columns[alias.bare].accessor
        rows = sorted(self.data, key=lambda row: row.supplier.code)
        known = [row for row in rows if accessor.resolve(row, quiet=True) is not None]
        unknown = [row for row in rows if accessor.resolve(row, quiet=True) is None]
        known.sort(key=lambda row: accessor.resolve(row), reverse=alias.is_descending)
        self.data[:] = known + unknown


class RateColumn(tables.Column):
    def __init__(self, *args, signed: bool = False, **kwargs):
        self.signed = signed
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        kwargs.setdefault("default", DASH)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return fmt_rate(value, signed=self.signed)


class SupplierPerformanceTable(MasterTable):
    code = tables.Column(verbose_name=gettext_lazy("Code"), accessor="supplier__code")
    name = tables.Column(verbose_name=gettext_lazy("Supplier"), accessor="supplier__name")
    on_time_rate = RateColumn(verbose_name=gettext_lazy("On-time rate"))
    fill_rate = RateColumn(verbose_name=gettext_lazy("Fill rate"))
    reject_rate = RateColumn(verbose_name=gettext_lazy("Reject rate"))
    lead_time_days = tables.Column(
        verbose_name=gettext_lazy("Average lead time (days)"),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        default=DASH,
    )
    price_variance = RateColumn(verbose_name=gettext_lazy("Price variance"), signed=True)
    receipts = tables.Column(
        verbose_name=gettext_lazy("Receipts"), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )

    class Meta(MasterTable.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "performance-table"}
        row_attrs = {"data-supplier": lambda record: record.supplier.code}

    def render_code(self, value, record):
        return format_html('<a href="{}">{}</a>', record.supplier.get_absolute_url(), value)

    def render_on_time_rate(self, value, record):
        return format_html('<span title="{}">{}</span>', on_time_detail(record), fmt_rate(value))

    def render_fill_rate(self, value, record):
        return format_html('<span title="{}">{}</span>', fill_detail(record), fmt_rate(value))

    def render_reject_rate(self, value, record):
        return format_html('<span title="{}">{}</span>', reject_detail(record), fmt_rate(value))

    def render_lead_time_days(self, value, record):
        return format_html('<span title="{}">{}</span>', lead_detail(record), fmt_days(value))

    def render_price_variance(self, value, record):
        return format_html(
            '<span title="{}">{}</span>', variance_detail(record), fmt_rate(value, signed=True)
        )


@login_required
@permission_required(PERMISSION, raise_exception=True)
def supplier_performance_view(request: HttpRequest) -> HttpResponse:
    start, end = default_period()
    query = request.GET.copy()
    # The dates in use always show in the filter, the default ones included.
    for name, day in (("start", start), ("end", end)):
        if not query.get(name):
            query[name] = day.isoformat()
    form = PerformanceFilter(query)
    table = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = supplier_performance(start, end, supplier=form.cleaned_data["supplier"])
        table = SupplierPerformanceTable(NoneLastRows(rows), order_by=request.GET.get("sort"))
    return render(
        request,
        "purchasing/supplier_performance.html",
        {"form": form, "table": table, "start": start, "end": end, "help": HELP},
    )


# The card on the supplier page ---------------------------------------------------------------------


def supplier_performance_card(supplier: Supplier, today: date | None = None) -> dict:
    """What purchasing/_supplier_performance.html shows: the five measures over the last 90 days,
    each with its figure, what it is made of and its definition."""
    start, end = default_period(today)
    row = supplier_performance_get(supplier, start, end)
    measures = [
        ("on-time", _("On-time rate"), row.on_time_rate, fmt_rate, on_time_detail, HELP["on_time"]),
        ("fill", _("Fill rate"), row.fill_rate, fmt_rate, fill_detail, HELP["fill"]),
        ("reject", _("Reject rate"), row.reject_rate, fmt_rate, reject_detail, HELP["reject"]),
        ("lead-time", _("Average lead time (days)"), row.lead_time_days, fmt_days, lead_detail, HELP["lead"]),
        (
            "price-variance",
            _("Price variance"),
            row.price_variance,
            fmt_signed_rate,
            variance_detail,
            HELP["variance"],
        ),
    ]
    return {
        "row": row,
        "start": start,
        "end": end,
        "measures": [
            {
                "key": key,
                "label": label,
                "value": fmt(value),
                # "0 of 0" says nothing: a measure without data shows only the dash
                "detail": detail(row) if value is not None else "",
                "help": help_text,
            }
            for key, label, value, fmt, detail, help_text in measures
        ],
        "list_url": f"{reverse('purchasing:supplier_performance')}?supplier={supplier.pk}",
    }
