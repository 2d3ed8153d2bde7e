"""存货估值: quantity, value and average cost per item × warehouse as of a chosen day, read from
the latest closed month's summaries plus the later moves (services.stock_as_of), never by summing
the whole ledger; on screen a page at a time, or downloaded as Excel/CSV."""

from __future__ import annotations

import tempfile
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
from .services import stock_as_of
from .spreadsheets import csv_lines, write_xlsx

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


@dataclass
class ValuationRow:
    item: Item
    warehouse: Warehouse
    qty: Decimal
    value: Decimal

    @property
    def average(self) -> Decimal | None:
        return (self.value / self.qty).quantize(COST_PLACES) if self.qty else None


@dataclass
class Valuation:
    day: date
    keys: list[tuple[int, int]]  # (item id, warehouse id), sorted by SKU then warehouse code
    figures: dict[tuple[int, int], tuple[Decimal, Decimal]]
    total_value: Decimal


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


def valuation_as_of(user, data: dict) -> Valuation:
    """Every nonzero item × warehouse the user may see, for the filters in `data`. Four queries:
    three in stock_as_of, one for the SKUs and warehouse codes to sort by."""
    day = data["day"]
    if data.get("warehouse"):
        warehouse_ids = [data["warehouse"].pk]
    elif sees_all_warehouses(user):
        warehouse_ids = None
    else:
        warehouse_ids = list(warehouses_for(user).values_list("pk", flat=True))
    figures = stock_as_of(day, warehouse_ids=warehouse_ids, items=_items(data))
    skus = dict(Item.objects.filter(pk__in={i for i, _w in figures}).values_list("pk", "sku"))
    codes = dict(Warehouse.objects.values_list("pk", "code"))
    keys = sorted(figures, key=lambda key: (skus.get(key[0], ""), codes.get(key[1], ""), key))
    total = sum((value for _qty, value in figures.values()), Decimal("0"))
    return Valuation(day=day, keys=keys, figures=figures, total_value=total)


def rows_for(valuation: Valuation, keys: list[tuple[int, int]]) -> list[ValuationRow]:
    """The rows of some keys with their items and warehouses: two queries."""
    items = Item.objects.select_related("category", "base_unit").in_bulk({i for i, _w in keys})
    warehouses = Warehouse.objects.in_bulk({w for _i, w in keys})
    return [ValuationRow(items[i], warehouses[w], *valuation.figures[(i, w)]) for i, w in keys]


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
        valuation = valuation_as_of(request.user, data)
        start = (page - 1) * PAGE_SIZE
        rows = rows_for(valuation, valuation.keys[start : start + PAGE_SIZE])
        has_next = len(valuation.keys) > start + PAGE_SIZE
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


def _export_rows(rows: list[ValuationRow]):
    for row in rows:
        yield [
            row.item.sku,
            row.item.name,
            row.item.category.path or row.item.category.name,
            row.item.get_item_type_display(),
            row.warehouse.code,
            row.warehouse.name,
            row.item.base_unit.code,
            row.qty,
            row.value,
            row.average,
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
    valuation = valuation_as_of(request.user, data)
    rows = rows_for(valuation, valuation.keys)
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
    name = _("Stock valuation as of %(day)s") % {"day": valuation.day.isoformat()}
    if request.GET.get("format") == "csv":
        body = _in_language(translation.get_language(), csv_lines(headers, _export_rows(rows)))
        response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
        return response
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(out, headers, _export_rows(rows), title=_("Stock valuation"))
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)
