"""Screens of shipping (发货): orders waiting to ship, the clerk's pick screen (scan a bin, then
items), posting, the delivery note (送货单) and customer returns.

The picks ARE the shipment's lines: what the clerk has picked so far. The proposal (where to take
each open line from, first-expiry-first-out, never an expired batch) is recomputed from the
order by services.pick_proposal and shown beside them as "to pick". Every scan or edit replaces
the lines through services.shipment_set_picks; views parse, call a service, and put a domain
error back on the page; they never write.

Clerks never see prices, amounts or costs; sales staff never see costs (cost of goods sold is
shown only with inventory.view_stock_value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from accounts.formatting import fmt_qty
from inventory.exceptions import DomainError
from inventory.line_entry import item_for_code, qty_text
from inventory.models import Batch, Location, LocationKind, unit_factor
from inventory.selectors import fefo_candidates, warehouses_for

from . import services
from .forms_shipping import ReturnHeaderForm, ShipmentFilter, parse_qty
from .models import (
    OPEN_STATUSES,
    CustomerReturn,
    DocStatus,
    SalesOrder,
    SalesOrderLine,
    Shipment,
)

SHIP_PERM = "sales.ship_salesorder"
PRICE_PERM = "sales.view_salesorder"  # sees the order's prices and amounts
COST_PERM = "inventory.view_stock_value"  # sees the cost of goods sold
QTY_PLACES = Decimal("0.0001")


def shipments_for(user):
    """Shipments of the warehouses the user works in (all for office roles and managers)."""
    return Shipment.objects.filter(order__warehouse__in=warehouses_for(user))


def returns_for(user):
    return CustomerReturn.objects.filter(shipment__order__warehouse__in=warehouses_for(user))


def _may_ship(user, order: SalesOrder) -> bool:
    return user.has_perm(SHIP_PERM) and warehouses_for(user).filter(pk=order.warehouse_id).exists()


def _order_url(user, order: SalesOrder) -> str | None:
    """The order's page for those who may read it (the order screens live in another module)."""
    if not user.has_perm(PRICE_PERM):
        return None
    try:
        return reverse("sales:order_detail", args=[order.pk])
    except NoReverseMatch:
        return None


# The list ----------------------------------------------------------------------------------------


class ShipmentList(LoginRequiredMixin, PermissionRequiredMixin, FilterView):
    """Shipments, and above them the confirmed orders waiting to ship in the user's warehouses
    (no prices: clerks work from this list)."""

    permission_required = "sales.view_shipment"
    template_name = "sales/shipment_list.html"
    filterset_class = ShipmentFilter
    paginate_by = 25

    def get_queryset(self):
        return shipments_for(self.request.user).select_related(
            "order__customer", "order__warehouse", "created_by"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["may_ship"] = user.has_perm(SHIP_PERM)
        if ctx["may_ship"]:
            ctx["to_ship"] = (
                SalesOrder.objects.filter(status__in=OPEN_STATUSES, warehouse__in=warehouses_for(user))
                .select_related("customer", "warehouse")
                .annotate(drafts=Count("shipments", filter=Q(shipments__status=DocStatus.DRAFT)))
                .order_by("requested_date", "order_date", "number")[:50]
            )
        return ctx


@require_POST
@login_required
@permission_required(SHIP_PERM, raise_exception=True)
def shipment_start_view(request: HttpRequest) -> HttpResponse:
    """Start shipping an order: by its number (scanned or typed) or its id. A draft shipment of
    the order this user started is continued instead of starting another. A new one starts with
    nothing picked; the proposal says where to pick."""
    code = request.POST.get("order", "").strip()
    mine = SalesOrder.objects.filter(warehouse__in=warehouses_for(request.user))
    order = mine.filter(Q(number__iexact=code) | Q(pk=int(code) if code.isdecimal() else None)).first()
    if order is None:
        messages.error(request, _("No order %(code)s to ship in your warehouses.") % {"code": code})
        return redirect("sales:shipment_list")
    draft = order.shipments.filter(status=DocStatus.DRAFT, created_by=request.user).first()
    if draft is not None:
        return redirect("sales:shipment_pick", draft.pk)
    try:
        with transaction.atomic():
            shipment = services.shipment_create(order_id=order.pk, user=request.user, propose=False)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:shipment_list")
    return redirect("sales:shipment_pick", shipment.pk)


# The pick screen ---------------------------------------------------------------------------------


@dataclass
class PickRow:
    """One place to take an order line from: proposed (to pick) and picked (a shipment line)."""

    line: SalesOrderLine
    location: Location
    batch: Batch | None
    proposed: Decimal = Decimal("0")
    picked: Decimal = Decimal("0")
    entered: str | None = None  # what was typed, when it was refused
    error: str = ""

    @property
    def key(self) -> tuple[int, int, int | None]:
        return (self.line.pk, self.location.pk, self.batch.pk if self.batch else None)

    @property
    def dom_id(self) -> str:
        return f"pick-{self.line.pk}-{self.location.pk}-{self.batch.pk if self.batch else 0}"

    @property
    def place(self) -> str:
        return f"{self.location.pk}:{self.batch.pk if self.batch else ''}"

    @property
    def value(self) -> str:
        """The quantity input's value: what was typed when refused, else what is picked."""
        return self.entered if self.entered is not None else qty_text(self.picked)

    @property
    def left(self) -> Decimal:
        return max(self.proposed - self.picked, Decimal("0"))

    @property
    def complete(self) -> bool:
        return self.proposed > 0 and self.picked >= self.proposed


@dataclass
class LineGroup:
    """An order line with its picks."""

    line: SalesOrderLine
    rows: list[PickRow] = field(default_factory=list)
    candidates: list = field(default_factory=list)
    error: str = ""

    @property
    def picked(self) -> Decimal:
        return sum((r.picked for r in self.rows), Decimal("0"))

    @property
    def proposed(self) -> Decimal:
        return sum((r.proposed for r in self.rows), Decimal("0"))

    @property
    def open(self) -> Decimal:
        return self.line.open_base_qty

    @property
    def complete(self) -> bool:
        return self.picked >= self.open

    @property
    def ordered_in_unit(self) -> Decimal:
        return self.line.qty


def _pick_groups(shipment: Shipment, *, candidates: bool = False) -> list[LineGroup]:
    """The order's lines still open (or picked here), each with the proposal and the picks
    merged by (line, location, batch): proposal order first, then picks beyond it."""
    order = shipment.order
    lines = {ln.pk: ln for ln in order.lines.select_related("item__base_unit", "unit").order_by("id")}
    proposal = services.pick_proposal(order, today=shipment.posting_date)
    picks = list(shipment.lines.select_related("location", "batch").order_by("id"))
    locations = Location.objects.in_bulk({p.location_id for p in proposal})
    batches = Batch.objects.in_bulk({p.batch_id for p in proposal if p.batch_id})
    for p in picks:
        locations[p.location_id] = p.location
        if p.batch_id:
            batches[p.batch_id] = p.batch
    rows: dict[tuple, PickRow] = {}
    for p in proposal:
        key = (p.order_line_id, p.location_id, p.batch_id)
        if key not in rows:
            rows[key] = PickRow(
                lines[p.order_line_id],
                locations[p.location_id],
                batches.get(p.batch_id) if p.batch_id else None,
            )
        rows[key].proposed += p.base_qty
    for p in picks:
        key = (p.order_line_id, p.location_id, p.batch_id)
        if key not in rows:
            rows[key] = PickRow(lines[p.order_line_id], p.location, p.batch)
        rows[key].picked += p.base_qty
    groups = {pk: LineGroup(ln) for pk, ln in lines.items()}
    for row in rows.values():
        groups[row.line.pk].rows.append(row)
    shown = [g for g in groups.values() if g.open > 0 or g.rows]
    if candidates:
        for g in shown:
            g.candidates = fefo_candidates(g.line.item, order.warehouse, today=shipment.posting_date)
    return shown


def _shipment_to_work_on(user, pk: int) -> Shipment:
    shipment = get_object_or_404(
        shipments_for(user).select_related("order__warehouse", "order__customer"), pk=pk
    )
    if not _may_ship(user, shipment.order):
        raise PermissionDenied
    return shipment


def _save_picks(shipment: Shipment, change) -> None:
    """Read the picks, let `change` edit them ({(line, location, batch): qty}) and store them.
    The order is locked first (the services' lock order: order, then shipment), so two edits of
    one shipment cannot lose each other's counts."""
    with transaction.atomic():
        SalesOrder.objects.select_for_update().filter(pk=shipment.order_id).first()
        current: dict[tuple, Decimal] = {}
        for ln in shipment.lines.order_by("id"):
            key = (ln.order_line_id, ln.location_id, ln.batch_id)
            current[key] = current.get(key, Decimal("0")) + ln.base_qty
        change(current)
        services.shipment_set_picks(
            shipment_id=shipment.pk,
            picks=[
                services.PickInput(line_id, location_id, qty, batch_id)
                for (line_id, location_id, batch_id), qty in current.items()
                if qty > 0
            ],
        )


@login_required
@permission_required(SHIP_PERM, raise_exception=True)
def shipment_pick_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The pick screen: scan a bin label (the current bin), then items; each scan counts one
    (a case barcode a case) on that item's pick at the current bin. Quantities can be typed."""
    shipment = _shipment_to_work_on(request.user, pk)
    if shipment.status != DocStatus.DRAFT:
        return redirect(shipment)
    return render(
        request,
        "sales/shipment_pick.html",
        {
            "shipment": shipment,
            "order": shipment.order,
            "groups": _pick_groups(shipment, candidates=True),
        },
    )


@dataclass
class ScanAnswer:
    ok: bool
    message: str
    location: Location | None = None
    row_key: tuple | None = None


def _scan(shipment: Shipment, code: str, location_id: int | None) -> ScanAnswer:
    order = shipment.order
    code = code.strip()
    bins = Location.objects.filter(warehouse=order.warehouse, is_active=True).exclude(
        kind=LocationKind.TRANSIT
    )
    current = bins.filter(pk=location_id).first() if location_id else None
    if not code:
        return ScanAnswer(False, _("Scan a barcode, a SKU or a bin label."), current)
    location = bins.filter(code__iexact=code).first() or bins.filter(path__iexact=code).first()
    if location is not None:
        return ScanAnswer(True, _("Picking from %(path)s.") % {"path": location.path}, location)
    found = item_for_code(code)
    if found is None:
        return ScanAnswer(False, _("No item or bin has the code %(code)s.") % {"code": code}, current)
    item, unit_id = found
    rows = [r for g in _pick_groups(shipment) for r in g.rows if r.line.item_id == item.pk]
    if not rows and not order.lines.filter(item=item).exists():
        return ScanAnswer(
            False, _("%(item)s is not on %(order)s.") % {"item": item, "order": order.number}, current
        )
    open_rows = [r for r in rows if r.left > 0]
    here = [r for r in open_rows if current is not None and r.location.pk == current.pk]
    row = (here or open_rows or [None])[0]
    if row is None:
        return ScanAnswer(False, _("%(item)s: everything proposed is picked.") % {"item": item}, current)
    scanned = unit_factor(item, unit_id) or Decimal("1")
    if scanned > row.left:
        return ScanAnswer(
            False,
            _(
                "%(item)s: one scan counts %(n)s, but only %(left)s are left to pick at %(path)s; type the quantity."
            )
            % {"item": item, "n": fmt_qty(scanned), "left": fmt_qty(row.left), "path": row.location.path},
            current,
        )

    def add(picks):
        picks[row.key] = picks.get(row.key, Decimal("0")) + scanned

    _save_picks(shipment, add)
    return ScanAnswer(
        True,
        _("%(item)s: %(picked)s of %(proposed)s %(unit)s picked at %(path)s.")
        % {
            "item": item,
            "picked": fmt_qty(row.picked + scanned),
            "proposed": fmt_qty(row.proposed),
            "unit": item.base_unit.name,
            "path": row.location.path,
        },
        current,
        row.key,
    )


def _group_of(shipment: Shipment, line_id: int, *, candidates: bool = True) -> LineGroup | None:
    return next((g for g in _pick_groups(shipment, candidates=candidates) if g.line.pk == line_id), None)


@require_POST
@login_required
@permission_required(SHIP_PERM, raise_exception=True)
def shipment_scan_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A scan: answers with the scan panel (the current bin, the message) and, when a pick
    counted up, its row and its line's head out of band. A refused scan answers 422 and
    changes nothing."""
    shipment = _shipment_to_work_on(request.user, pk)
    location_id = request.POST.get("location", "")
    try:
        if shipment.status != DocStatus.DRAFT:
            answer = ScanAnswer(
                False,
                _("%(number)s is %(status)s.")
                % {"number": shipment.number, "status": shipment.get_status_display()},
            )
        else:
            answer = _scan(
                shipment, request.POST.get("code", ""), int(location_id) if location_id.isdecimal() else None
            )
    except DomainError as exc:
        answer = ScanAnswer(False, exc.message)
    ctx = {"shipment": shipment, "answer": answer, "group": None, "row": None}
    if answer.row_key is not None:
        ctx["group"] = _group_of(shipment, answer.row_key[0], candidates=False)
        ctx["row"] = next((r for r in ctx["group"].rows if r.key == answer.row_key), None)
    response = render(request, "sales/_ship_scan_answer.html", ctx)
    if not answer.ok:
        response.status_code = 422
    return response


def _parse_place(raw: str) -> tuple[int, int | None] | None:
    location, _sep, batch = raw.partition(":")
    if not location.isdecimal() or (batch and not batch.isdecimal()):
        return None
    return int(location), int(batch) if batch else None


@require_POST
@login_required
@permission_required(SHIP_PERM, raise_exception=True)
def shipment_pick_line_view(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Set (or, with add=1, add to) the quantity picked of an order line at one place
    ("location:batch"); 0 drops the pick; all=1 takes what is proposed there. Answers with the
    row and the line's head out of band (the whole line when a pick was added); a refusal
    answers 422 with the error in the row and changes nothing."""
    shipment = _shipment_to_work_on(request.user, pk)
    line = get_object_or_404(
        SalesOrderLine.objects.select_related("item__base_unit"), order=shipment.order, pk=line_pk
    )
    adding = request.POST.get("add") == "1"
    place = _parse_place(request.POST.get("place", ""))
    group = _group_of(shipment, line.pk)
    if place is None or group is None:
        raise Http404
    key = (line.pk, *place)
    row = next((r for r in group.rows if r.key == key), None)
    qty = parse_qty(request.POST.get("qty"))
    error = ""
    if row is None and not any(
        (c.location.pk, c.batch.pk if c.batch else None) == place for c in group.candidates
    ):
        error = _("%(item)s cannot be picked there: choose a place that has it.") % {"item": line.item}
    elif request.POST.get("all") == "1":
        qty = row.proposed if row is not None else Decimal("0")
    elif qty is None:
        error = _("Enter a quantity of zero or more.")
    if not error:
        qty = qty.quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
        before = row.picked if row is not None else Decimal("0")
        new = before + qty if adding else qty
        total = group.picked - before + new
        if total > line.open_base_qty:
            error = _(
                "%(item)s: %(total)s would be picked, but only %(open)s %(unit)s are still open on the order."
            ) % {
                "item": line.item,
                "total": fmt_qty(total),
                "open": fmt_qty(line.open_base_qty),
                "unit": line.item.base_unit.name,
            }
    if not error:
        try:

            def put(picks):
                picks[key] = new

            _save_picks(shipment, put)
        except DomainError as exc:
            error = exc.message
    if error:
        if adding or row is None:
            group.error = error
            ctx = {"shipment": shipment, "group": group, "row": None}
        else:
            row.error, row.entered = error, request.POST.get("qty", "")
            ctx = {"shipment": shipment, "group": group, "row": row}
        response = render(request, "sales/_ship_line_saved.html", ctx)
        response.status_code = 422
        return response
    group = _group_of(shipment, line.pk)
    row = next((r for r in group.rows if r.key == key), None)
    whole = adding or row is None
    return render(
        request,
        "sales/_ship_line_saved.html",
        {"shipment": shipment, "group": group, "row": None if whole else row},
    )


@require_POST
@login_required
@permission_required(SHIP_PERM, raise_exception=True)
def shipment_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("post", "cancel"):
        raise Http404
    shipment = _shipment_to_work_on(request.user, pk)
    try:
        if action == "post":
            shipment = services.shipment_post(shipment_id=shipment.pk, user=request.user)
            messages.success(request, _("%(number)s is posted.") % {"number": shipment.number})
        else:
            shipment = services.shipment_cancel(shipment_id=shipment.pk, user=request.user)
            messages.success(request, _("%(number)s is cancelled.") % {"number": shipment.number})
    except DomainError as exc:
        messages.error(request, exc.message)
        if shipment.status == DocStatus.DRAFT:
            return redirect("sales:shipment_pick", shipment.pk)
        return redirect(shipment)
    if action == "cancel":
        return redirect("sales:shipment_list")
    return redirect(shipment)


# Reading and printing ----------------------------------------------------------------------------


def _shipment_lines(shipment: Shipment):
    lines = list(
        shipment.lines.select_related("order_line__item__base_unit", "order_line__unit", "location", "batch")
    )
    for ln in lines:
        ln.qty_in_unit = (ln.base_qty / ln.order_line.factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
    return lines


def _totals(lines) -> dict[str, Decimal]:
    zero = Decimal("0")
    amount = sum((ln.amount for ln in lines), zero)
    tax = sum((ln.tax for ln in lines), zero)
    return {
        "amount": amount,
        "tax": tax,
        "total": amount + tax,
        "cost": sum((ln.cost for ln in lines), zero),
    }


@login_required
@permission_required("sales.view_shipment", raise_exception=True)
def shipment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_object_or_404(
        shipments_for(request.user).select_related(
            "order__customer", "order__warehouse", "created_by", "posted_by"
        ),
        pk=pk,
    )
    lines = _shipment_lines(shipment)
    posted = shipment.status == DocStatus.POSTED
    return render(
        request,
        "sales/shipment_detail.html",
        {
            "shipment": shipment,
            "order": shipment.order,
            "order_url": _order_url(request.user, shipment.order),
            "lines": lines,
            "totals": _totals(lines),
            "returns": shipment.returns.all(),
            # amounts are set when posting; a draft has none yet
            "show_money": posted and request.user.has_perm(PRICE_PERM),
            "show_cost": posted and request.user.has_perm(COST_PERM),
            "can_pick": shipment.status == DocStatus.DRAFT and _may_ship(request.user, shipment.order),
            "can_return": posted
            and request.user.has_perm("sales.return_salesorder")
            and request.user.has_perm("sales.add_customerreturn")
            and any(ln.base_qty > ln.returned_base_qty for ln in lines),
        },
    )


@login_required
@permission_required("sales.view_shipment", raise_exception=True)
def shipment_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The delivery note (送货单) for the customer: A4, or ?width=narrow for a receipt printer.
    Prices and amounts only on A4 and only for those who may see the order's prices."""
    shipment = get_object_or_404(
        shipments_for(request.user).select_related(
            "order__customer", "order__warehouse", "created_by", "posted_by"
        ),
        pk=pk,
    )
    narrow = request.GET.get("width") == "narrow"
    lines = _shipment_lines(shipment)
    return render(
        request,
        "sales/shipment_print.html",
        {
            "shipment": shipment,
            "order": shipment.order,
            "customer": shipment.order.customer,
            "lines": lines,
            "totals": _totals(lines),
            "narrow": narrow,
            "show_money": not narrow
            and shipment.status == DocStatus.POSTED
            and request.user.has_perm(PRICE_PERM),
            "company": settings.JXC_COMPANY_NAME,
            "company_address": settings.JXC_COMPANY_ADDRESS,
        },
    )


# Customer returns --------------------------------------------------------------------------------


@login_required
@permission_required(["sales.return_salesorder", "sales.add_customerreturn"], raise_exception=True)
def return_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take goods back from a posted shipment: per line a quantity (base unit), restocked into
    a location of the order's warehouse or scrapped; the customer is credited with tax."""
    shipment = get_object_or_404(
        shipments_for(request.user).select_related("order__customer", "order__warehouse"), pk=pk
    )
    if shipment.status != DocStatus.POSTED:
        raise Http404
    lines = _shipment_lines(shipment)
    for ln in lines:
        ln.left = ln.base_qty - ln.returned_base_qty
    locations = list(
        Location.objects.filter(warehouse=shipment.order.warehouse, is_active=True)
        .exclude(kind=LocationKind.TRANSIT)
        .order_by("path")
    )
    header = ReturnHeaderForm(request.POST or None)
    errors: dict[int, str] = {}
    if request.method == "POST":
        wanted = []
        for ln in lines:
            qty = parse_qty(request.POST.get(f"qty-{ln.pk}"))
            if qty is None:
                errors[ln.pk] = _("Enter a quantity of zero or more.")
                continue
            if qty == 0:
                continue
            restock = request.POST.get(f"restock-{ln.pk}", "1") == "1"
            location = request.POST.get(f"location-{ln.pk}", "")
            wanted.append(
                services.ReturnLineInput(
                    shipment_line_id=ln.pk,
                    base_qty=qty,
                    restock=restock,
                    location_id=int(location) if restock and location.isdecimal() else None,
                )
            )
        if header.is_valid() and not errors:
            try:
                ret = services.return_post(
                    shipment_id=shipment.pk,
                    user=request.user,
                    reason=header.cleaned_data["reason"],
                    lines=wanted,
                    posting_date=header.cleaned_data["posting_date"],
                )
            except DomainError as exc:
                header.add_error(None, exc.message)
            else:
                messages.success(request, _("%(number)s is posted.") % {"number": ret.number})
                return redirect(ret)
    for ln in lines:
        ln.error = errors.get(ln.pk, "")
        ln.entered = request.POST.get(f"qty-{ln.pk}", "")
        ln.restock_chosen = request.POST.get(f"restock-{ln.pk}", "1")
        chosen = request.POST.get(f"location-{ln.pk}", "")
        ln.location_chosen = int(chosen) if chosen.isdecimal() else ln.location_id
    return render(
        request,
        "sales/return_form.html",
        {
            "shipment": shipment,
            "order": shipment.order,
            "lines": lines,
            "locations": locations,
            "header": header,
        },
    )


@login_required
@permission_required("sales.view_customerreturn", raise_exception=True)
def return_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    ret = get_object_or_404(
        returns_for(request.user).select_related(
            "shipment__order__customer", "shipment__order__warehouse", "created_by", "posted_by"
        ),
        pk=pk,
    )
    lines = list(
        ret.lines.select_related(
            "shipment_line__order_line__item__base_unit", "shipment_line__batch", "location"
        )
    )
    return render(
        request,
        "sales/return_detail.html",
        {
            "ret": ret,
            "shipment": ret.shipment,
            "order": ret.shipment.order,
            "order_url": _order_url(request.user, ret.shipment.order),
            "lines": lines,
            "show_cost": request.user.has_perm(COST_PERM),
            "cost": sum((ln.cost for ln in lines), Decimal("0")),
        },
    )
