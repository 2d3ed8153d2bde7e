"""Screens of the stocktake (盘点单): list, create, detail with progress and actions, the counting
sheet (phone-first, a keyboard-wedge scanner through htmx), the variance review and print views.

Every view checks its permission (403) and reads counts only of the warehouses the user works
in (another warehouse's count is 404, as if it did not exist). Writes go through the services."""

from __future__ import annotations

from decimal import Decimal

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.tables import MasterTable, TablePagesMixin

from . import services
from .exceptions import DomainError
from .forms_count import CountQtyForm, ScanForm, StockCountFilter, StockCountForm
from .line_entry import item_for_code
from .models import CountStatus, Item, Location, StockCount, StockCountLine
from .selectors import warehouses_for
from .services.stocktake import location_scope, variances

ZERO = Decimal("0")
LINE_RELATED = ("item", "item__base_unit", "location", "batch", "counted_by")


def counts_for(user) -> QuerySet[StockCount]:
    """Stocktakes of the warehouses the user works in."""
    return StockCount.objects.filter(warehouse__in=warehouses_for(user))


def _count_for(user, pk: int) -> StockCount:
    return get_object_or_404(
        counts_for(user).select_related("warehouse", "location", "category", "created_by"), pk=pk
    )


def book_visible(count: StockCount) -> bool:
    """Blind counting hides the book quantity, the moves and the variance until submitted."""
    return not count.blind or count.status not in (CountStatus.DRAFT, CountStatus.COUNTING)


def may_review(user, count: StockCount) -> bool:
    return book_visible(count) or user.has_perm("inventory.approve_stockcount")


def _progress(count: StockCount) -> dict:
    totals = count.lines.aggregate(
        total=Count("id"), counted=Count("id", filter=Q(counted_qty__isnull=False))
    )
    totals["percent"] = round(100 * totals["counted"] / totals["total"]) if totals["total"] else 0
    return totals


# List ---------------------------------------------------------------------------------------


class StockCountTable(MasterTable):
    number = tables.Column(linkify=True)
    status = tables.Column()
    warehouse = tables.Column()
    location = tables.Column(accessor="location__path", default=gettext_lazy("whole warehouse"))
    category = tables.Column(default="—")
    blind = tables.BooleanColumn()
    progress = tables.Column(verbose_name=gettext_lazy("Counted"), empty_values=(), orderable=False)
    started_at = tables.DateTimeColumn(short=True, default="—")
    created_by = tables.Column()

    class Meta(MasterTable.Meta):
        model = StockCount
        fields = ["number", "status", "warehouse", "location", "category", "blind", "progress", "started_at"]
        sequence = [*fields, "created_by"]
        order_by = "-number"

    def render_progress(self, record):
        return f"{record.n_counted}/{record.n_lines}"


class StockCountList(
    LoginRequiredMixin, PermissionRequiredMixin, TablePagesMixin, SingleTableMixin, FilterView
):
    permission_required = "inventory.view_stockcount"
    template_name = "inventory/stockcount_list.html"
    table_class = StockCountTable
    filterset_class = StockCountFilter
    paginate_by = 25

    def get_queryset(self):
        return (
            counts_for(self.request.user)
            .select_related("warehouse", "location", "category", "created_by")
            .annotate(
                n_lines=Count("lines"), n_counted=Count("lines", filter=Q(lines__counted_qty__isnull=False))
            )
            .order_by("-created_at", "-id")  # Meta.ordering does not apply to GROUP BY queries
        )


# Create and detail --------------------------------------------------------------------------


@login_required
@permission_required("inventory.add_stockcount", raise_exception=True)
def stock_count_create_view(request: HttpRequest) -> HttpResponse:
    form = StockCountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.count_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved %(number)s.") % {"number": count.number})
            return redirect(count)
    return render(request, "inventory/stockcount_form.html", {"form": form})


# action -> permission, service
ACTIONS = {
    "start": ("inventory.change_stockcount", services.count_start),
    "submit": ("inventory.count_stockcount", services.count_submit),
    "approve": ("inventory.approve_stockcount", services.count_approve),
    "return": ("inventory.approve_stockcount", services.count_return),
    "cancel": ("inventory.change_stockcount", services.count_cancel),
}


def _actions(user, count: StockCount) -> list[str]:
    possible = {
        CountStatus.DRAFT: ["start", "cancel"],
        CountStatus.COUNTING: ["submit", "cancel"],
        CountStatus.SUBMITTED: ["approve", "return", "cancel"],
    }.get(count.status, [])
    return [a for a in possible if user.has_perm(ACTIONS[a][0])]


@login_required
@permission_required("inventory.view_stockcount", raise_exception=True)
def stock_count_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    count = _count_for(request.user, pk)
    return render(
        request,
        "inventory/stockcount_detail.html",
        {
            "count": count,
            "progress": _progress(count),
            "actions": _actions(request.user, count),
            "may_review": may_review(request.user, count),
            "by_location": count.lines.values("location", "location__path")
            .annotate(total=Count("id"), counted=Count("id", filter=Q(counted_qty__isnull=False)))
            .order_by("location__path"),
        },
    )


@require_POST
@login_required
def stock_count_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    perm, service = ACTIONS[action]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    count = _count_for(request.user, pk)
    kwargs = {"zero_uncounted": request.POST.get("zero_uncounted") == "on"} if action == "submit" else {}
    try:
        count = service(count_id=count.pk, user=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(count)
    if action == "submit" and count.status == CountStatus.SUBMITTED:
        done = _("%(number)s is waiting for a manager's approval.")
    elif action == "submit":
        done = _("%(number)s is posted.")
    else:
        done = {
            "start": _("%(number)s: the snapshot is taken; counting can begin."),
            "approve": _("%(number)s is approved and posted."),
            "return": _("%(number)s is back to counting."),
            "cancel": _("%(number)s is cancelled."),
        }[action]
    messages.success(request, done % {"number": count.number})
    if action == "start":
        return redirect("inventory:stockcount_sheet", pk=count.pk)
    return redirect(count)


# The counting sheet -------------------------------------------------------------------------


def _counter_count(request: HttpRequest, pk: int) -> StockCount:
    if not request.user.has_perm("inventory.count_stockcount"):
        raise PermissionDenied
    return _count_for(request.user, pk)


def _current_location(count: StockCount, value) -> Location | None:
    if not str(value or "").isdecimal():
        return None
    return Location.objects.filter(location_scope(count), pk=int(value)).first()


def _row_context(count: StockCount, line: StockCountLine, **extra) -> dict:
    return {"count": count, "ln": line, "show_book": book_visible(count), **extra}


@login_required
def stock_count_sheet_view(request: HttpRequest, pk: int) -> HttpResponse:
    count = _counter_count(request, pk)
    current = _current_location(count, request.GET.get("location"))
    lines = count.lines.select_related(*LINE_RELATED)
    if current is not None:
        lines = lines.filter(location=current)
    return render(
        request,
        "inventory/stockcount_sheet.html",
        {
            "count": count,
            "lines": lines,
            "current": current,
            "show_book": book_visible(count),
            "editable": count.status == CountStatus.COUNTING,
            "progress": _progress(count),
        },
    )


@require_POST
@login_required
def stock_count_line_view(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """A quantity typed on a line: saved, and the row comes back (htmx) with what was saved."""
    count = _counter_count(request, pk)
    line = get_object_or_404(count.lines, pk=line_pk)
    form = CountQtyForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            line = services.count_record(
                count_id=count.pk, line_id=line.pk, qty=form.cleaned_data["qty"], user=request.user
            )
        except DomainError as exc:
            error = exc.message
    else:
        error = _("Enter a quantity of 0 or more.")
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or _("Saved."))
        return redirect(
            reverse("inventory:stockcount_sheet", args=[count.pk]) + f"?location={line.location_id}"
        )
    line = StockCountLine.objects.select_related(*LINE_RELATED).get(pk=line.pk)
    return render(
        request,
        "inventory/stockcount_row.html",
        _row_context(count, line, error=error, editable=count.status == CountStatus.COUNTING),
    )


def _lookup(code: str) -> tuple[Item | None, Decimal]:
    """The item a scanned code stands for (the document screens' rule: barcode, else SKU) and how
    many base units one scan adds: a pack's barcode adds the pack's factor (1 箱 = 24), the
    item's own barcode or SKU adds 1."""
    found = item_for_code(code)
    if found is None:
        return None, Decimal("1")
    item, unit_id = found
    if unit_id != item.base_unit_id:
        conversion = item.units.filter(unit_id=unit_id).first()
        return item, conversion.factor if conversion else Decimal("1")
    return item, Decimal("1")


@require_POST
@login_required
def stock_count_scan_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One scan (Enter-terminated): a location code sets the current location, an item barcode
    or SKU adds its pack factor to the item's line there. A wrong scan changes nothing."""
    count = _counter_count(request, pk)
    form = ScanForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    code = (data.get("code") or "").strip()
    current = _current_location(count, data.get("location"))
    result = {
        "count": count,
        "current": current,
        "error": "",
        "message": "",
        "show_book": book_visible(count),
    }

    location = (
        Location.objects.filter(location_scope(count))
        .filter(Q(code__iexact=code) | Q(path__iexact=code))
        .first()
        if code
        else None
    )
    if not code:
        result["error"] = _("Scan or type a code.")
    elif location is not None:
        result["current"] = location
        result["message"] = _("Counting at %(location)s.") % {"location": location.path}
        result["location_lines"] = count.lines.filter(location=location).select_related(*LINE_RELATED)
    else:
        item, factor = _lookup(code)
        if item is None:
            elsewhere = Location.objects.filter(warehouse=count.warehouse, code__iexact=code).exists()
            result["error"] = (
                _("%(code)s is not in the scope of %(number)s.") % {"code": code, "number": count.number}
                if elsewhere
                else _("No item or location has the code %(code)s.") % {"code": code}
            )
        elif current is None:
            result["error"] = _("Scan the location first.")
        else:
            _scan_item(request, count, current, item, factor, data, result)
    if not request.htmx:
        if result["error"]:
            messages.error(request, result["error"])
        elif result["message"]:
            messages.success(request, result["message"])
        url = reverse("inventory:stockcount_sheet", args=[count.pk])
        return redirect(url + (f"?location={result['current'].pk}" if result["current"] else ""))
    return render(request, "inventory/stockcount_scan.html", result)


def _scan_item(request, count, location, item, factor, data, result) -> None:
    existing = count.lines.filter(item=item, location=location)
    known = set(existing.values_list("pk", flat=True))
    batch_no = (data.get("batch_no") or "").strip()
    line_id = None
    if item.tracks_batches and not batch_no and len(known) == 1:
        line_id = next(iter(known))  # one batch of it here: the scan counts that one
    try:
        line = services.count_record(
            count_id=count.pk,
            user=request.user,
            qty=factor,
            mode="add",
            line_id=line_id,
            item=item,
            location_id=location.pk,
            batch_no=batch_no,
            expiry_date=data.get("expiry_date"),
        )
    except DomainError as exc:
        result["error"] = exc.message
        return
    line = StockCountLine.objects.select_related(*LINE_RELATED).get(pk=line.pk)
    result["line"], result["new_line"] = line, line.pk not in known
    result["message"] = _("%(item)s: %(qty)s counted at %(location)s.") % {
        "item": item,
        "qty": _fmt(line.counted_qty),
        "location": location.path,
    }


def _fmt(value) -> str:
    from accounts.formatting import fmt_qty

    return fmt_qty(value)


# Review and print ---------------------------------------------------------------------------


@login_required
@permission_required("inventory.view_stockcount", raise_exception=True)
def stock_count_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Variances by value, largest first; lines over a threshold flagged; gain and loss totals."""
    count = _count_for(request.user, pk)
    if not may_review(request.user, count):
        raise PermissionDenied
    rows = variances(count)
    gain = sum((v.value for v in rows if v.value > 0), ZERO)
    loss = sum((v.value for v in rows if v.value < 0), ZERO)
    return render(
        request,
        "inventory/stockcount_review.html",
        {
            "count": count,
            "rows": rows,
            "gain": gain,
            "loss": loss,
            "over": sum(1 for v in rows if v.over_threshold),
            "progress": _progress(count),
            "actions": _actions(request.user, count),
            "show_value": request.user.has_perm("inventory.view_stock_value"),
        },
    )


@login_required
@permission_required("inventory.view_stockcount", raise_exception=True)
def stock_count_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    count = _count_for(request.user, pk)
    return render(
        request,
        "inventory/stockcount_print.html",
        {
            "count": count,
            "lines": count.lines.select_related(*LINE_RELATED),
            "narrow": request.GET.get("width") == "narrow",
            "show_book": book_visible(count),
        },
    )
