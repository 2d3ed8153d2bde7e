"""Every write of the selling cycle: sales orders (prices from the customer's level, discount,
tax, credit check), confirming with reservations, shipments that consume them first-expiry-
first-out, and customer returns (restock or scrap).

Stock is written only through the inventory service layer (reservations, ship_reserved,
post_moves). Lock order: the order header first, then shipment/return headers, then (inside the
inventory services) valuations and balances.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.formatting import fmt_money, fmt_qty
from inventory.exceptions import AlreadyPosted, DomainError
from inventory.models import Batch, Item, Location, LocationKind, StockMove
from inventory.pricing import MAX_QTY, PRICE_PLACES, line_amounts, line_factor, money
from inventory.selectors import fefo_candidates
from inventory.services import MoveLine, next_number, post_moves
from inventory.services.documents import _moved_at
from inventory.services.reservations import ReserveLine, release, reserve, ship_reserved
from inventory.services.retry import retry_on_conflict
from settlement import services as settlement
from settlement.selectors import party_balance

from . import receivables
from .models import (
    OPEN_STATUSES,
    Customer,
    CustomerReturn,
    CustomerReturnLine,
    DocStatus,
    OrderStatus,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
)
from .pricing import sales_price
from .receivables import BOOK as RECEIVABLES

ORDER_DOC_TYPE = "salesorder"  # the reservations' document
SHIPMENT_DOC_TYPE = "shipment"
RETURN_DOC_TYPE = "customer-return"
ZERO = Decimal("0")

ALLOWED = {
    OrderStatus.DRAFT: {OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.PENDING: {OrderStatus.CONFIRMED, OrderStatus.DRAFT, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.PARTIAL, OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.PARTIAL: {OrderStatus.PARTIAL, OrderStatus.SHIPPED, OrderStatus.CLOSED},
    OrderStatus.SHIPPED: {OrderStatus.CLOSED},
}


class SalesError(DomainError):
    pass


class InvalidTransition(SalesError):
    pass


def _event(order: SalesOrder, old: str, new: str, user, note: str = "") -> None:
    SalesOrderEvent.objects.create(order=order, old_status=old, new_status=new, by=user, note=note[:300])


def _transition(order: SalesOrder, new: str, user, note: str = "") -> None:
    if new not in ALLOWED.get(order.status, set()):
        raise InvalidTransition(
            _("%(number)s is %(status)s and cannot become %(new)s.")
            % {"number": order.number, "status": order.get_status_display(), "new": OrderStatus(new).label}
        )
    old, order.status = order.status, new
    if old != new:
        _event(order, old, new, user, note)


def _locked(order_id: int) -> SalesOrder:
    return SalesOrder.objects.select_for_update().select_related("customer", "warehouse").get(pk=order_id)


# Orders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesLineInput:
    """A line as entered. price None: from the customer's price level; tax_rate None: default."""

    item: Item
    unit_id: int
    qty: Decimal
    price: Decimal | None = None
    discount: Decimal = ZERO
    tax_rate: Decimal | None = None
    allow_backorder: bool = False
    note: str = ""


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    warehouse,
    user,
    order_date: date | None = None,
    requested_date: date | None = None,
    reference: str = "",
    note: str = "",
) -> SalesOrder:
    if not customer.is_active:
        raise SalesError(_("%(customer)s is inactive.") % {"customer": customer})
    order_date = order_date or timezone.localdate()
    if requested_date and requested_date < order_date:
        raise SalesError(_("The requested delivery date cannot be before the order date."))
    order = SalesOrder.objects.create(
        number=next_number("SO", year=order_date.year),
        customer=customer,
        warehouse=warehouse,
        order_date=order_date,
        requested_date=requested_date,
        reference=reference,
        note=note,
        created_by=user,
    )
    _event(order, "", OrderStatus.DRAFT, user)
    return order


@transaction.atomic
def order_update(*, order_id: int, user, **fields) -> SalesOrder:
    """Change a draft's header (customer, warehouse, dates, reference, note) with the checks of
    order_create. Prices already on the lines stay; saving the lines again re-prices them."""
    order = _locked(order_id)
    _require_draft(order)
    for name, value in fields.items():
        setattr(order, name, value)
    if not order.customer.is_active:
        raise SalesError(_("%(customer)s is inactive.") % {"customer": order.customer})
    if order.requested_date and order.requested_date < order.order_date:
        raise SalesError(_("The requested delivery date cannot be before the order date."))
    order.save()
    return order


def _require_draft(order: SalesOrder) -> None:
    if order.status != OrderStatus.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be edited; %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()}
        )


@transaction.atomic
def order_set_lines(*, order_id: int, lines: list[SalesLineInput], user=None) -> SalesOrder:
    """Replace a draft's lines and totals: amount = quantity × price less the discount, to the
    fen; tax = amount × rate, to the fen; the header sums them."""
    order = _locked(order_id)
    _require_draft(order)
    rows = []
    for n, line in enumerate(lines, start=1):
        qty = Decimal(line.qty)
        factor = line_factor(n=n, item=line.item, unit_id=line.unit_id, qty=qty, error=SalesError)
        quote = sales_price(order.customer, line.item, line.unit_id, qty)
        price = line.price if line.price is not None else (quote.price if quote else None)
        if price is None:
            raise SalesError(
                _("Line %(n)s: %(customer)s's price level has no price for %(item)s; enter the price.")
                % {"n": n, "customer": order.customer, "item": line.item}
            )
        discount = Decimal(line.discount or 0)
        base_qty, rate, amount, tax = line_amounts(
            n=n,
            qty=qty,
            factor=factor,
            price=price,
            tax_rate=line.tax_rate,
            discount=discount,
            error=SalesError,
        )
        rows.append(
            SalesOrderLine(
                order=order,
                item=line.item,
                unit_id=line.unit_id,
                factor=factor,
                qty=qty,
                base_qty=base_qty,
                price=Decimal(price).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP),
                list_price=quote.price if quote else None,
                discount=discount,
                tax_rate=rate,
                amount=amount,
                tax=tax,
                allow_backorder=line.allow_backorder,
                note=line.note[:200],
            )
        )
    order.lines.all().delete()
    SalesOrderLine.objects.bulk_create(rows)
    order.total_net = sum((r.amount for r in rows), ZERO)
    order.total_tax = sum((r.tax for r in rows), ZERO)
    order.total = order.total_net + order.total_tax
    order.save(update_fields=["total_net", "total_tax", "total", "updated_at"])
    return order


def customer_exposure(customer: Customer, *, excluding: SalesOrder | None = None) -> Decimal:
    """What the customer owes or has on order, with tax: the unshipped part of confirmed and
    partly shipped orders, plus the open receivable (shipped, less returned, less money received;
    money paid ahead lowers it)."""
    open_value = ZERO
    lines = SalesOrderLine.objects.filter(order__customer=customer, order__status__in=OPEN_STATUSES)
    if excluding is not None:
        lines = lines.exclude(order=excluding)
    for amount, tax, base, shipped in lines.values_list("amount", "tax", "base_qty", "shipped_base_qty"):
        open_value += money((amount + tax) * (base - shipped) / base)
    return open_value + party_balance(RECEIVABLES, customer)


def _reserve(order: SalesOrder) -> None:
    lines = list(order.lines.all())
    if not lines:
        raise SalesError(_("%(number)s has no lines.") % {"number": order.number})
    reserve(
        doc_type=ORDER_DOC_TYPE,
        doc_id=order.pk,
        lines=[
            ReserveLine(
                ln.item_id, order.warehouse_id, ln.base_qty, line_ref=ln.pk, allow_short=ln.allow_backorder
            )
            for ln in lines
        ],
    )


@transaction.atomic
def order_confirm(*, order_id: int, user) -> SalesOrder:
    """Confirm a draft: over the customer's credit limit (what they owe and have on order plus
    this order) it waits for a manager; otherwise the quantities are reserved in the warehouse,
    all or nothing — a line that cannot be covered is refused with what is short, unless it
    allows a backorder (then what there is is reserved)."""
    order = _locked(order_id)
    if not order.lines.exists():
        raise SalesError(_("%(number)s has no lines.") % {"number": order.number})
    exposure = customer_exposure(order.customer, excluding=order) + order.total
    if exposure > order.customer.credit_limit:
        _transition(
            order,
            OrderStatus.PENDING,
            user,
            _("Credit limit %(limit)s; with this order %(exposure)s.")
            % {"limit": fmt_money(order.customer.credit_limit), "exposure": fmt_money(exposure)},
        )
        order.save()
        return order
    _transition(order, OrderStatus.CONFIRMED, user)
    _reserve(order)
    order.confirmed_by, order.confirmed_at = user, timezone.now()
    order.save()
    return order


@transaction.atomic
def order_approve(*, order_id: int, user) -> SalesOrder:
    """A manager confirms an order over the credit limit (not one they created)."""
    order = _locked(order_id)
    if order.status != OrderStatus.PENDING:
        raise InvalidTransition(_("%(number)s is not awaiting credit approval.") % {"number": order.number})
    if order.created_by_id == user.pk:
        raise InvalidTransition(_("You cannot approve an order you created."))
    _transition(order, OrderStatus.CONFIRMED, user, _("Credit approved."))
    _reserve(order)
    order.approved_by = order.confirmed_by = user
    order.confirmed_at = timezone.now()
    order.save()
    return order


@transaction.atomic
def order_reject(*, order_id: int, user, note: str) -> SalesOrder:
    order = _locked(order_id)
    if order.status != OrderStatus.PENDING:
        raise InvalidTransition(_("%(number)s is not awaiting credit approval.") % {"number": order.number})
    if not note.strip():
        raise SalesError(_("Say why the order is sent back."))
    _transition(order, OrderStatus.DRAFT, user, note.strip())
    order.save()
    return order


@transaction.atomic
def order_cancel(*, order_id: int, user, note: str = "") -> SalesOrder:
    """Cancel an order nothing of which has shipped; its reservation is released."""
    order = _locked(order_id)
    if order.status == OrderStatus.PARTIAL:
        raise InvalidTransition(
            _("Goods have been shipped for %(number)s; close it to drop what is still open.")
            % {"number": order.number}
        )
    if order.shipments.filter(status=DocStatus.DRAFT).exists():
        order.shipments.filter(status=DocStatus.DRAFT).update(
            status=DocStatus.CANCELLED, updated_at=timezone.now()
        )
    _transition(order, OrderStatus.CANCELLED, user, note)
    release(doc_type=ORDER_DOC_TYPE, doc_id=order.pk)
    order.save()
    return order


@transaction.atomic
def order_close(*, order_id: int, user, note: str = "") -> SalesOrder:
    """Close a shipped order, or a partly shipped one whose rest will not ship (its reservation
    is released)."""
    order = _locked(order_id)
    if order.shipments.filter(status=DocStatus.DRAFT).exists():
        raise SalesError(
            _("%(number)s has a shipment in progress; post or cancel it first.") % {"number": order.number}
        )
    _transition(order, OrderStatus.CLOSED, user, note)
    release(doc_type=ORDER_DOC_TYPE, doc_id=order.pk)
    order.save()
    return order


# Shipments ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickInput:
    """Take base_qty of the order line's item from a location (and batch)."""

    order_line_id: int
    location_id: int
    base_qty: Decimal
    batch_id: int | None = None


def pick_proposal(order: SalesOrder, *, today: date | None = None) -> list[PickInput]:
    """Where to take each open line from: its reservations first (they were placed first-expiry-
    first-out), skipping a batch that has expired since; the rest first-expiry-first-out from
    what is available. Never an expired batch; what nothing covers is left out (a short pick)."""
    from inventory.models import Reservation

    today = today or timezone.localdate()
    picks: list[PickInput] = []
    taken: dict[tuple, Decimal] = defaultdict(Decimal)
    reservations = Reservation.objects.filter(doc_type=ORDER_DOC_TYPE, doc_id=order.pk).select_related(
        "balance__batch", "balance__location"
    )
    by_line = defaultdict(list)
    for r in reservations:
        by_line[r.line_ref].append(r)
    for line in order.lines.select_related("item"):
        left = line.open_base_qty
        for r in sorted(
            by_line[line.pk],
            key=lambda r: (
                r.balance.batch.expiry_date if r.balance.batch and r.balance.batch.expiry_date else date.max,
                r.balance.location.path,
            ),
        ):
            batch = r.balance.batch
            if left <= 0 or (batch and batch.expiry_date and batch.expiry_date < today):
                continue
            take = min(r.qty, left)
            picks.append(PickInput(line.pk, r.balance.location_id, take, r.balance.batch_id))
            left -= take
        if left <= 0:
            continue
        for candidate in fefo_candidates(line.item, order.warehouse, today=today):
            key = (line.item_id, candidate.location.pk, candidate.batch.pk if candidate.batch else None)
            take = min(candidate.qty - taken[key], left)
            if take > 0:
                picks.append(PickInput(line.pk, candidate.location.pk, take, key[2]))
                taken[key] += take
                left -= take
            if left <= 0:
                break
    return picks


@transaction.atomic
def shipment_create(
    *, order_id: int, user, posting_date: date | None = None, propose: bool = True
) -> Shipment:
    """A draft shipment of an order's open lines with the proposed picks (editable); with
    propose=False it starts empty (the scanner screen counts picks up from nothing)."""
    order = _locked(order_id)
    if order.status not in OPEN_STATUSES:
        raise InvalidTransition(
            _("%(number)s is %(status)s; only confirmed orders are shipped.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    shipment = Shipment.objects.create(
        number=next_number("DN"),
        order=order,
        posting_date=posting_date or timezone.localdate(),
        created_by=user,
    )
    if propose:
        _set_picks(order, shipment, pick_proposal(order, today=shipment.posting_date))
    return shipment


def _set_picks(order: SalesOrder, shipment: Shipment, picks: list[PickInput]) -> None:
    lines = {ln.pk: ln for ln in order.lines.select_related("item")}
    locations = Location.objects.in_bulk({p.location_id for p in picks})
    batches = Batch.objects.in_bulk({p.batch_id for p in picks if p.batch_id})
    rows = []
    for n, pick in enumerate(picks, start=1):
        line = lines.get(pick.order_line_id)
        if line is None:
            raise SalesError(_("Line %(n)s is not a line of %(number)s.") % {"n": n, "number": order.number})
        qty = Decimal(pick.base_qty)
        if qty <= 0 or qty >= MAX_QTY:
            raise SalesError(_("Line %(n)s: the quantity must be greater than zero.") % {"n": n})
        location = locations.get(pick.location_id)
        if (
            location is None
            or location.warehouse_id != order.warehouse_id
            or location.kind == LocationKind.TRANSIT
        ):
            raise SalesError(
                _("Line %(n)s: pick from a location of %(wh)s.") % {"n": n, "wh": order.warehouse}
            )
        batch = batches.get(pick.batch_id) if pick.batch_id else None
        if line.item.tracks_batches and batch is None:
            raise SalesError(
                _("Line %(n)s: %(item)s is tracked by batch; say which batch.") % {"n": n, "item": line.item}
            )
        if batch is not None and batch.item_id != line.item_id:
            raise SalesError(_("Line %(n)s: the batch is not of %(item)s.") % {"n": n, "item": line.item})
        rows.append(
            ShipmentLine(shipment=shipment, order_line=line, location=location, batch=batch, base_qty=qty)
        )
    shipment.lines.all().delete()
    ShipmentLine.objects.bulk_create(rows)


@transaction.atomic
def shipment_set_picks(*, shipment_id: int, picks: list[PickInput], user=None) -> Shipment:
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    order = _locked(order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    _require_draft_shipment(shipment)
    _set_picks(order, shipment, picks)
    return shipment


def _require_draft_shipment(shipment: Shipment) -> None:
    if shipment.status == DocStatus.POSTED:
        raise AlreadyPosted(_("%(number)s has already been posted.") % {"number": shipment.number})
    if shipment.status != DocStatus.DRAFT:
        raise InvalidTransition(
            _("%(number)s is %(status)s.")
            % {"number": shipment.number, "status": shipment.get_status_display()}
        )


@retry_on_conflict
def shipment_post(*, shipment_id: int, user) -> Shipment:
    """Ship: outbound moves at the current moving average (the cost of goods sold, kept per
    line), consuming the order's reservation; never more than is open on a line, never an
    expired batch. The order becomes partly shipped or shipped (then its processing time is
    known). Posting twice ships once."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    order = _locked(order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    _require_draft_shipment(shipment)
    if order.status not in OPEN_STATUSES:
        raise InvalidTransition(
            _("%(number)s is %(status)s; only confirmed orders are shipped.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if shipment.posting_date > timezone.localdate():
        raise SalesError(_("The shipping date cannot be in the future."))
    if shipment.posting_date < order.order_date:
        raise SalesError(_("The shipping date cannot be before the order date."))
    picks = list(shipment.lines.select_related("order_line__item", "batch").order_by("id"))
    if not picks:
        raise SalesError(_("%(number)s has nothing to ship.") % {"number": shipment.number})
    order_lines = {ln.pk: ln for ln in order.lines.select_related("item__base_unit")}
    now: dict[int, Decimal] = defaultdict(Decimal)
    for n, pick in enumerate(picks, start=1):
        line = order_lines[pick.order_line_id]
        now[line.pk] += pick.base_qty
        if now[line.pk] > line.open_base_qty:
            raise SalesError(
                _(
                    "Line %(n)s: %(item)s — %(now)s to ship, but only %(open)s %(unit)s are still open on the order."
                )
                % {
                    "n": n,
                    "item": line.item,
                    "now": fmt_qty(now[line.pk]),
                    "open": fmt_qty(line.open_base_qty),
                    "unit": line.item.base_unit.name,
                }
            )
        if pick.batch and pick.batch.expiry_date and pick.batch.expiry_date < shipment.posting_date:
            raise SalesError(
                _("Line %(n)s: batch %(batch)s of %(item)s expired on %(date)s and cannot be shipped.")
                % {
                    "n": n,
                    "batch": pick.batch.batch_no,
                    "item": line.item,
                    "date": pick.batch.expiry_date.isoformat(),
                }
            )
    posting = ship_reserved(
        reservation_doc_type=ORDER_DOC_TYPE,
        reservation_doc_id=order.pk,
        doc_type=SHIPMENT_DOC_TYPE,
        doc_id=shipment.pk,
        doc_number=shipment.number,
        lines=[
            MoveLine(p.order_line.item_id, p.location_id, -p.base_qty, p.batch_id, line_ref=p.order_line_id)
            for p in picks
        ],
        user=user,
        moved_at=_moved_at(shipment.posting_date),
    )
    moves = list(StockMove.objects.filter(posting=posting).order_by("id").values_list("value", flat=True))
    billed: dict[int, tuple[Decimal, Decimal]] = {}
    for pick, value in zip(picks, moves, strict=True):
        line = order_lines[pick.order_line_id]
        pick.cost = -value
        before_amount, before_tax = billed.get(line.pk) or _billed(line)
        line.shipped_base_qty += pick.base_qty
        if line.shipped_base_qty == line.base_qty:  # the last units take exactly what is left
            pick.amount, pick.tax = line.amount - before_amount, line.tax - before_tax
        else:
            pick.amount = money(line.amount * pick.base_qty / line.base_qty)
            pick.tax = money(line.tax * pick.base_qty / line.base_qty)
        billed[line.pk] = (before_amount + pick.amount, before_tax + pick.tax)
    ShipmentLine.objects.bulk_update(picks, ["cost", "amount", "tax"])
    SalesOrderLine.objects.bulk_update(list(order_lines.values()), ["shipped_base_qty"])
    shipment.status, shipment.posting = DocStatus.POSTED, posting
    shipment.posted_by, shipment.posted_at = user, timezone.now()
    shipment.save()
    settlement.add_document(
        RECEIVABLES,
        party=order.customer,
        source_type=receivables.SHIPMENT,
        source_id=shipment.pk,
        number=shipment.number,
        day=shipment.posting_date,
        amount=sum((p.amount + p.tax for p in picks), ZERO),
    )
    done = all(ln.shipped_base_qty >= ln.base_qty for ln in order_lines.values())
    _transition(
        order,
        OrderStatus.SHIPPED if done else OrderStatus.PARTIAL,
        user,
        _("Shipment %(number)s") % {"number": shipment.number},
    )
    if done:
        order.shipped_at = shipment.posted_at
    order.save()
    return shipment


def _billed(line: SalesOrderLine) -> tuple[Decimal, Decimal]:
    """What earlier shipments of the line charged."""
    sums = ShipmentLine.objects.filter(order_line=line, shipment__status=DocStatus.POSTED).aggregate(
        amount=Sum("amount"), tax=Sum("tax")
    )
    return sums["amount"] or ZERO, sums["tax"] or ZERO


@transaction.atomic
def shipment_cancel(*, shipment_id: int, user) -> Shipment:
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    _require_draft_shipment(shipment)
    shipment.status = DocStatus.CANCELLED
    shipment.save()
    return shipment


# Customer returns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLineInput:
    shipment_line_id: int
    base_qty: Decimal
    restock: bool = True
    location_id: int | None = None


@retry_on_conflict
def return_post(
    *, shipment_id: int, user, reason: str, lines: list[ReturnLineInput], posting_date: date | None = None
) -> CustomerReturn:
    """Take goods back from a posted shipment: restocked lines come back into a location of the
    order's warehouse at the cost they left with (the last units take exactly what is left of it);
    scrapped lines bring no stock back. Either way the customer is credited the shipped amount
    with tax in proportion. Never more than shipped and not yet returned."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    order = _locked(order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    if shipment.status != DocStatus.POSTED:
        raise InvalidTransition(_("Only goods of a posted shipment can be taken back."))
    if not reason.strip():
        raise SalesError(_("Say why the goods come back."))
    day = posting_date or timezone.localdate()
    if day < shipment.posting_date or day > timezone.localdate():
        raise SalesError(
            _("The return date must lie between the shipping date %(day)s and today.")
            % {"day": shipment.posting_date.isoformat()}
        )
    shipped = {ln.pk: ln for ln in shipment.lines.select_related("order_line__item")}
    ret = CustomerReturn.objects.create(
        number=next_number("SR"), shipment=shipment, posting_date=day, reason=reason.strip(), created_by=user
    )
    rows, moves = [], []
    for n, line in enumerate(lines, start=1):
        sl = shipped.get(line.shipment_line_id)
        if sl is None:
            raise SalesError(
                _("Line %(n)s is not a line of %(number)s.") % {"n": n, "number": shipment.number}
            )
        qty = Decimal(line.base_qty)
        if qty == 0:
            continue
        left = sl.base_qty - sl.returned_base_qty
        if qty < 0 or qty > left:
            raise SalesError(
                _(
                    "Line %(n)s: %(item)s — %(wanted)s to take back, but only %(left)s of this shipment are left."
                )
                % {"n": n, "item": sl.order_line.item, "wanted": fmt_qty(qty), "left": fmt_qty(left)}
            )
        last = qty == left
        cost = sl.cost - _returned(sl, "cost") if last else money(sl.cost * qty / sl.base_qty)
        total = sl.amount + sl.tax
        amount = total - _returned(sl, "amount") if last else money(total * qty / sl.base_qty)
        location = None
        if line.restock:
            location = (
                Location.objects.filter(pk=line.location_id, warehouse=order.warehouse)
                .exclude(kind=LocationKind.TRANSIT)
                .first()
            )
            if location is None:
                raise SalesError(
                    _("Line %(n)s: restock into a location of %(wh)s.") % {"n": n, "wh": order.warehouse}
                )
        sl.returned_base_qty += qty
        rows.append(
            CustomerReturnLine(
                customer_return=ret,
                shipment_line=sl,
                base_qty=qty,
                restock=line.restock,
                location=location,
                cost=cost,
                amount=amount,
            )
        )
        if line.restock:
            moves.append(
                MoveLine(
                    sl.order_line.item_id,
                    location.pk,
                    qty,
                    sl.batch_id,
                    unit_cost=(cost / qty).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
                    value=cost,
                )
            )
    if not rows:
        raise SalesError(_("Enter the quantity to take back on at least one line."))
    CustomerReturnLine.objects.bulk_create(rows)
    if moves:
        ret.posting = post_moves(
            doc_type=RETURN_DOC_TYPE,
            doc_id=ret.pk,
            doc_number=ret.number,
            lines=moves,
            user=user,
            moved_at=_moved_at(day),
        )
    ShipmentLine.objects.bulk_update([r.shipment_line for r in rows], ["returned_base_qty"])
    ret.amount = sum((r.amount for r in rows), ZERO)
    ret.status, ret.posted_by, ret.posted_at = DocStatus.POSTED, user, timezone.now()
    ret.save()
    settlement.add_return(
        RECEIVABLES,
        party=order.customer,
        source_type=receivables.RETURN,
        source_id=ret.pk,
        number=ret.number,
        day=ret.posting_date,
        amount=ret.amount,
        against=(receivables.SHIPMENT, shipment.pk),
        user=user,
    )
    return ret


def _returned(sl: ShipmentLine, field: str) -> Decimal:
    return (
        CustomerReturnLine.objects.filter(
            shipment_line=sl, customer_return__status=DocStatus.POSTED
        ).aggregate(total=Sum(field))["total"]
        or ZERO
    )
