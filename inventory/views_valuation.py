"""存货估值: quantity, value and average cost per item × warehouse as of a chosen day, read from
the latest closed month's summaries plus the later moves (valuation_sql: one statement on
PostgreSQL), never by summing the whole ledger; on screen a page at a time, downloaded as
Excel/CSV, and as the "valuation" report (report_rows)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.dataio import XLSX_TYPE
from accounts.rules import sees_all_warehouses

from .models import Category, Item, ItemType, Warehouse
from .selectors import warehouses_for
from .spreadsheets import csv_lines, write_xlsx
from .valuation_sql import Line, valuation_lines, valuation_page, valuation_report_lines

PAGE_SIZE = 50
COST_PLACES = Decimal("0.000001")


class ValuationFilter(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.none(), required=False
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.filter(is_active=True), required=False
    )
    item_type = forms.ChoiceField(
        label=gettext_lazy("Item type"), choices=[("", "---------"), *ItemType.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses_for(user)

    def clean_day(self):
        day = self.cleaned_data["day"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choose today or a day in the past."))
        return day


def item_type_labels() -> dict[str, str]:
    """Each item type's label in the active language, looked up per row: an Item's
    get_item_type_display() translates every choice label on every call."""
    return {value: str(label) for value, label in ItemType.choices}


@dataclass
class ValuationRow:
    item: Item
    warehouse: Warehouse
    qty: Decimal
    value: Decimal

    @property
    def average(self) -> Decimal | None:
        return average_cost(self.qty, self.value)


@dataclass
class Valuation:
    day: date
    total_value: Decimal


def average_cost(qty: Decimal, value: Decimal) -> Decimal | None:
    return (value / qty).quantize(COST_PLACES) if qty else None


def _items(data: dict) -> QuerySet[Item] | None:
    items = None
    if data.get("category"):
        category = data["category"]
        items = Item.objects.filter(
            Q(category=category) | Q(category__path__startswith=f"{category.path} / ")
        )
    if data.get("item_type"):
        items = (items if items is not None else Item.objects.all()).filter(item_type=data["item_type"])
    return items


def _scope(user, data: dict) -> dict:
    """The arguments of valuation_lines/valuation_page for a user and the cleaned filters: the
    filter's warehouse (the form offers only the user's), else every warehouse the user sees."""
    if data.get("warehouse"):
        warehouse_ids = [data["warehouse"].pk]
    elif sees_all_warehouses(user):
        warehouse_ids = None
    else:
        warehouse_ids = list(warehouses_for(user).values_list("pk", flat=True))
    return {"warehouse_ids": warehouse_ids, "items": _items(data)}


def lines_for(user, data: dict) -> Iterator[Line]:
    """Every nonzero item × warehouse the user may see as of data["day"], for the filters in
    `data`, sorted by SKU then warehouse code (streamed: see valuation_sql)."""
    return valuation_lines(data["day"], **_scope(user, data))


def report_rows(user, data: dict) -> Iterator[tuple]:
    """The rows of the "valuation" report (reports.reports_stock): SKU, name, category, item type
    (labelled in the language active when the rows are read), warehouse, unit, quantity, value,
    average cost."""
    lines = valuation_report_lines(data["day"], item_type_labels(), **_scope(user, data))
    # Category, type, warehouse and unit names repeat on every row: one str object each, not one
    # per row (a report held as a list of 155k rows is ≈30 MB smaller).
    names: dict[str, str] = {}
    intern = names.setdefault
    for sku, name, category, item_type, warehouse, unit, qty, value in lines:
        yield (
            sku,
            name,
            intern(category, category),
            intern(item_type, item_type),
            intern(warehouse, warehouse),
            intern(unit, unit),
            qty,
            value,
            (value / qty).quantize(COST_PLACES) if qty else None,
        )


def page_of(user, data: dict, page: int) -> tuple[Valuation, list[ValuationRow], bool]:
    """One page of the valuation with its items and warehouses, the total of every page, and
    whether there is a next page: four queries whatever the page."""
    lines, total = valuation_page(
        data["day"], **_scope(user, data), offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1
    )
    items = Item.objects.select_related("category", "base_unit").in_bulk({line.item_id for line in lines})
    warehouses = Warehouse.objects.in_bulk({line.warehouse_id for line in lines})
    rows = [
        ValuationRow(items[line.item_id], warehouses[line.warehouse_id], line.qty, line.value)
        for line in lines[:PAGE_SIZE]
    ]
    return Valuation(day=data["day"], total_value=total), rows, len(lines) > PAGE_SIZE


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@login_required
@permission_required("inventory.view_stock_value", raise_exception=True)
def stock_valuation_view(request: HttpRequest) -> HttpResponse:
    form = ValuationFilter(request.GET or None, user=request.user)
    valuation, rows, page, has_next = None, [], _page_number(request), False
    data = form.cleaned_data if form.is_bound and form.is_valid() else None
    if not form.is_bound:
        data = {"day": timezone.localdate()}
    if data is not None:
        valuation, rows, has_next = page_of(request.user, data, page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inventory/valuation.html",
        {
            "form": form,
            "valuation": valuation,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
        },
    )


def _export_rows(lines: Iterator[Line]) -> Iterator[list]:
    labels = item_type_labels()  # read when the first row is, inside the response's language
    for line in lines:
        yield [
            line.sku,
            line.name,
            line.category,
            labels.get(line.item_type, line.item_type),
            line.warehouse_code,
            line.warehouse_name,
            line.unit,
            line.qty,
            line.value,
            average_cost(line.qty, line.value),
        ]


def _in_language(language: str, lines):
    with translation.override(language):
        yield from lines


@login_required
@permission_required("inventory.view_stock_value", raise_exception=True)
def stock_valuation_export_view(request: HttpRequest) -> HttpResponse:
    """The same rows as the screen (every page), as .xlsx or ?format=csv; numbers stay numbers."""
    form = ValuationFilter(request.GET, user=request.user)
    data = form.cleaned_data if form.is_valid() else {"day": timezone.localdate()}
    rows = _export_rows(lines_for(request.user, data))
    headers = [
        _("SKU"),
        _("Name"),
        _("Category"),
        _("Item type"),
        _("Warehouse code"),
        _("Warehouse"),
        _("Unit"),
        _("Quantity"),
        pgettext("money", "Value"),
        _("Average cost"),
    ]
    name = _("Stock valuation as of %(day)s") % {"day": data["day"].isoformat()}
    if request.GET.get("format") == "csv":
        body = _in_language(translation.get_language(), csv_lines(headers, rows))
        response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
        return response
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(out, headers, rows, title=_("Stock valuation"))
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)
