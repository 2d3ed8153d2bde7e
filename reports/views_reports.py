"""The report pages: the list of reports a user may open, and one generic page per report (filters,
the sentence that says how it is computed, a chart, the table a page at a time with its totals,
and the Excel button that asks the export task for the same rows). Plus the ABC write-back.

Every report module is a file reports/reports_*.py that registers its Report classes; the app's
ready() loads them (reports.base.load_reports), so a new report needs no wiring."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.formatting import fmt_money, fmt_qty
from inventory.services.abc import items_set_abc_class

from . import base
from .base import REGISTRY, Column, Report
from .models import ExportJob

PAGE_SIZE = 100
NUMERIC = {"int", "qty", "money", "percent", "days"}


def report_permissions() -> list[str]:
    """The reports app's own permissions (view_stock_reports, view_sales_reports, …): holding one
    opens the list of reports."""
    return [f"reports.{codename}" for codename, _label in ExportJob._meta.permissions]


def reports_for(user) -> list[Report]:
    return [report for report in REGISTRY.values() if user.has_perm(report.permission)]


def _report_or_403(user, slug: str) -> Report:
    report = base.get(slug)  # the URL converter lets only registered slugs through
    if not user.has_perm(report.permission):
        raise PermissionDenied
    return report


def _export_url() -> str | None:
    """The Excel export's URL, if that part of the app is there yet."""
    try:
        return reverse("reports:export_start")
    except NoReverseMatch:
        return None


def cell(column: Column, value) -> str:
    """How a value reads on screen, by the column's kind."""
    if value is None:
        return "—" if column.kind != "text" else ""
    kind = column.kind
    if kind == "qty":
        return fmt_qty(value)
    if kind == "money":
        return fmt_money(value)
    if kind == "percent":  # a fraction: 0.125 reads 12.5%
        return f"{fmt_money(Decimal(value) * 100, 1)}%"
    if kind == "int":
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    if kind == "days":
        return fmt_qty(value) if isinstance(value, Decimal) else str(value)
    if kind == "date":
        if isinstance(value, datetime):
            value = timezone.localdate(value)
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def _table(columns: list[Column], rows, *, blank_none: bool = False) -> list[list[dict]]:
    """Display cells; in a totals row a column without a total stays empty rather than "—"."""
    return [
        [
            {"text": "" if v is None and blank_none else cell(c, v), "num": c.kind in NUMERIC}
            for c, v in zip(columns, row, strict=True)
        ]
        for row in rows
    ]


def filter_params(form) -> list[tuple[str, str]]:
    """The form's fields as the request sent them (or their defaults): for links and the export."""
    return [
        (name, str(form.data.get(name, ""))) for name in form.fields if form.data.get(name) not in (None, "")
    ]


def _page(request: HttpRequest, count: int) -> tuple[int, int]:
    pages = max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    return min(max(page, 1), pages), pages


@login_required
def report_index_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not any(user.has_perm(p) for p in report_permissions()):
        raise PermissionDenied
    return render(request, "reports/report_index.html", {"reports": reports_for(user)})


@login_required
def report_view(request: HttpRequest, slug: str) -> HttpResponse:
    user = request.user
    report = _report_or_403(user, slug)
    form = report.filter_form(request.GET, user=user)
    context = {"report": report, "form": form, "export_url": _export_url(), "chart": None, "table": None}
    params = filter_params(form)
    context["params"] = params
    context["query"] = urlencode(params)
    if form.is_valid():
        filters = form.cleaned_data
        rows = list(report.rows(user, filters))
        columns = report.columns_for(user)
        page, pages = _page(request, len(rows))
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        totals_of = getattr(report, "totals", None)
        totals = list(report.visible(user, [totals_of(rows, filters)])) if totals_of and rows else []
        context.update(
            columns=[{"label": c.label, "key": c.key, "num": c.kind in NUMERIC} for c in columns],
            table=_table(columns, report.visible(user, shown)),
            totals=_table(columns, totals, blank_none=True)[0] if totals else None,
            count=len(rows),
            page=page,
            pages=pages,
            chart=report.chart(user, rows, filters) if rows else None,
            actions=[
                {"label": label, "url": reverse(url_name)}
                for label, url_name, perm in getattr(report, "actions", ())
                if user.has_perm(perm)
            ],
        )
    return render(request, "reports/report.html", context)


@require_POST
@login_required
def report_abc_apply_view(request: HttpRequest) -> HttpResponse:
    """Work the ABC classes out again for the posted filters (never trusting posted classes) and
    write them to the items: one UPDATE per class."""
    user = request.user
    report = _report_or_403(user, "abc")
    if not user.has_perm("inventory.change_item"):
        raise PermissionDenied
    form = report.filter_form(request.POST, user=user)
    back = reverse("reports:report", args=[report.slug])
    if not form.is_valid():
        messages.error(request, _("The classes were not written: correct the filters first."))
        return redirect(f"{back}?{urlencode(filter_params(form))}")
    classes: dict[str, list[int]] = {"A": [], "B": [], "C": []}
    for row in report.classes(user, form.cleaned_data):
        classes[row.klass].append(row.item_id)
    done = items_set_abc_class(classes=classes)
    messages.success(
        request,
        _("ABC classes written to %(n)s items: %(a)s in A, %(b)s in B, %(c)s in C.")
        % {"n": sum(done.values()), "a": done["A"], "b": done["B"], "c": done["C"]},
    )
    return redirect(f"{back}?{urlencode(filter_params(form))}")
