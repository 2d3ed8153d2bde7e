"""Every write of the buying cycle: purchase orders and their status flow, receipts against them
(inspection, put-away, over-receipt tolerance) and returns to the supplier.

Stock is written only through inventory.services.post_moves. Lock order, everywhere: the order
header first, then the receipt or return header, then (inside post_moves) balances — so two
clerks receiving the same order serialize on its header, and the over-receipt check sees what
the other one posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.formatting import fmt_qty
from inventory.exceptions import AlreadyPosted, DomainError
from inventory.models import Item, Location, LocationKind, unit_factor
from inventory.pricing import MAX_QTY, PRICE_PLACES, QTY_PLACES, break_price, line_amounts, line_factor, money
from inventory.services import MoveLine, inbound_batch, next_number, post_moves
from inventory.services.retry import retry_on_conflict
from settlement import services as settlement

from . import payables
from .models import (
    OrderEvent,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseReturn,
    PurchaseReturnLine,
    ReceiptStatus,
    ReturnStatus,
    Supplier,
    SupplierItem,
)
from .payables import BOOK as PAYABLES

COST_PLACES = Decimal("0.000001")
RECEIPT_DOC_TYPE = "purchase-receipt"
RETURN_DOC_TYPE = "purchase-return"

ALLOWED = {
    OrderStatus.DRAFT: {OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.CANCELLED},
    OrderStatus.SUBMITTED: {OrderStatus.APPROVED, OrderStatus.DRAFT, OrderStatus.CANCELLED},
    OrderStatus.APPROVED: {OrderStatus.PARTIAL, OrderStatus.RECEIVED, OrderStatus.CANCELLED},
    OrderStatus.PARTIAL: {OrderStatus.PARTIAL, OrderStatus.RECEIVED, OrderStatus.CLOSED},
    OrderStatus.RECEIVED: {OrderStatus.CLOSED},
}


class PurchasingError(DomainError):
    pass


class InvalidTransition(PurchasingError):
    pass


# Prices -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPrice:
    """The price list's price per the order line's unit for a quantity, and where it came from."""

    price: Decimal
    supplier_item: SupplierItem


def list_price(supplier: Supplier, item: Item, unit_id: int, qty: Decimal) -> ListPrice | None:
    """What the supplier's price list asks per `unit_id` when `qty` of them are ordered: the
    supplier item in that unit, else in another unit converted; the highest quantity break not
    above the quantity replaces the base price."""
    candidates = list(
        SupplierItem.objects.filter(supplier=supplier, item=item, is_active=True).prefetch_related(
            "price_breaks"
        )
    )
    if not candidates:
        return None
    candidates.sort(key=lambda si: (si.unit_id != unit_id, not si.is_preferred, si.pk))
    si = candidates[0]
    order_factor = unit_factor(item, unit_id)
    list_factor = unit_factor(item, si.unit_id)
    if order_factor is None or list_factor is None:
        return None
    price = break_price(si, Decimal(qty) * order_factor / list_factor)
    per_order_unit = (price * order_factor / list_factor).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)
    return ListPrice(per_order_unit, si)


# Orders -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLineInput:
    """A line as entered. price None: from the supplier's price list (an error if it has none);
    tax_rate None: the default rate; expected_date None: the order's."""

    item: Item
    unit_id: int
    qty: Decimal
    price: Decimal | None = None
    tax_rate: Decimal | None = None
    expected_date: date | None = None
    note: str = ""


def _event(order: PurchaseOrder, old: str, new: str, user, note: str = "") -> None:
    OrderEvent.objects.create(order=order, old_status=old, new_status=new, by=user, note=note[:200])


def _transition(order: PurchaseOrder, new: str, user, note: str = "") -> None:
    if new not in ALLOWED.get(order.status, set()):
        raise InvalidTransition(
            _("%(number)s is %(status)s and cannot become %(new)s.")
            % {"number": order.number, "status": order.get_status_display(), "new": OrderStatus(new).label}
        )
    old = order.status
    order.status = new
    if old != new:
        _event(order, old, new, user, note)


def _locked(order_id: int) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().select_related("supplier", "warehouse").get(pk=order_id)


@transaction.atomic
def order_create(
    *,
    supplier: Supplier,
    warehouse,
    user,
    order_date: date | None = None,
    expected_date: date | None = None,
    reference: str = "",
    note: str = "",
) -> PurchaseOrder:
    """A new draft with its number; the expected date defaults to the supplier's lead time."""
    if not supplier.is_active:
        raise PurchasingError(_("%(supplier)s is inactive.") % {"supplier": supplier})
    order_date = order_date or timezone.localdate()
    expected_date = expected_date or order_date + timedelta(days=supplier.default_lead_time_days)
    if expected_date < order_date:
        raise PurchasingError(_("The expected date cannot be before the order date."))
    order = PurchaseOrder.objects.create(
        number=next_number("PO", year=order_date.year),
        supplier=supplier,
        warehouse=warehouse,
        order_date=order_date,
        expected_date=expected_date,
        reference=reference,
        note=note,
        created_by=user,
    )
    _event(order, "", OrderStatus.DRAFT, user)
    return order


@transaction.atomic
def order_update(*, order_id: int, user, **fields) -> PurchaseOrder:
    """Change a draft's header (supplier, warehouse, dates, reference, note)."""
    order = _locked(order_id)
    _require_draft(order)
    for name, value in fields.items():
        setattr(order, name, value)
    if order.expected_date < order.order_date:
        raise PurchasingError(_("The expected date cannot be before the order date."))
    order.save()
    return order


def _require_draft(order: PurchaseOrder) -> None:
    if order.status != OrderStatus.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be edited; %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()}
        )


@transaction.atomic
def order_set_lines(*, order_id: int, lines: list[OrderLineInput], user=None) -> PurchaseOrder:
    """Replace a draft's lines and recompute its totals: each line's amount is quantity × price
    rounded to the fen, its tax amount × rate rounded to the fen; the header sums them."""
    order = _locked(order_id)
    _require_draft(order)
    rows = []
    for n, line in enumerate(lines, start=1):
        qty = Decimal(line.qty)
        factor = line_factor(n=n, item=line.item, unit_id=line.unit_id, qty=qty, error=PurchasingError)
        listed = list_price(order.supplier, line.item, line.unit_id, qty)
        price = line.price if line.price is not None else (listed.price if listed else None)
        if price is None:
            raise PurchasingError(
                _("Line %(n)s: %(supplier)s has no price for %(item)s; enter the price.")
                % {"n": n, "supplier": order.supplier, "item": line.item}
            )
        base_qty, rate, amount, tax = line_amounts(
            n=n, qty=qty, factor=factor, price=price, tax_rate=line.tax_rate, error=PurchasingError
        )
        expected = line.expected_date or order.expected_date
        if expected < order.order_date:
            raise PurchasingError(
                _("Line %(n)s: the expected date cannot be before the order date.") % {"n": n}
            )
        rows.append(
            PurchaseOrderLine(
                order=order,
                item=line.item,
                unit_id=line.unit_id,
                factor=factor,
                qty=qty,
                base_qty=base_qty,
                price=Decimal(price).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP),
                list_price=listed.price if listed else None,
                tax_rate=rate,
                amount=amount,
                tax=tax,
                expected_date=expected,
                note=line.note[:200],
            )
        )
    order.lines.all().delete()
    PurchaseOrderLine.objects.bulk_create(rows)
    order.total_net = sum((r.amount for r in rows), Decimal("0"))
    order.total_tax = sum((r.tax for r in rows), Decimal("0"))
    order.total = order.total_net + order.total_tax
    order.save(update_fields=["total_net", "total_tax", "total", "updated_at"])
    return order


def needs_approval(order: PurchaseOrder) -> bool:
    return order.total > settings.PURCHASE_APPROVAL_THRESHOLD


@transaction.atomic
def order_submit(*, order_id: int, user) -> PurchaseOrder:
    """Submit a draft: above the approval threshold it waits for a manager; at or below it is
    approved at once (recorded as such)."""
    order = _locked(order_id)
    if not order.lines.exists():
        raise PurchasingError(_("%(number)s has no lines.") % {"number": order.number})
    _transition(order, OrderStatus.SUBMITTED, user)
    order.submitted_by, order.submitted_at = user, timezone.now()
    if not needs_approval(order):
        _transition(order, OrderStatus.APPROVED, user, _("Within the approval limit."))
        order.approved_by, order.approved_at = user, order.submitted_at
    order.save()
    return order


@transaction.atomic
def order_approve(*, order_id: int, user) -> PurchaseOrder:
    """A manager approves a submitted order; nobody approves an order they created or submitted."""
    order = _locked(order_id)
    if order.status != OrderStatus.SUBMITTED:
        raise InvalidTransition(_("%(number)s is not awaiting approval.") % {"number": order.number})
    if user.pk in (order.created_by_id, order.submitted_by_id):
        raise InvalidTransition(_("You cannot approve an order you created or submitted."))
    _transition(order, OrderStatus.APPROVED, user)
    order.approved_by, order.approved_at = user, timezone.now()
    order.save()
    return order


@transaction.atomic
def order_reject(*, order_id: int, user, note: str) -> PurchaseOrder:
    """Send a submitted order back to its author as a draft, saying why."""
    order = _locked(order_id)
    if order.status != OrderStatus.SUBMITTED:
        raise InvalidTransition(_("%(number)s is not awaiting approval.") % {"number": order.number})
    if not note.strip():
        raise PurchasingError(_("Say why the order is sent back."))
    _transition(order, OrderStatus.DRAFT, user, note.strip())
    order.submitted_by = order.submitted_at = None
    order.save()
    return order


@transaction.atomic
def order_cancel(*, order_id: int, user, note: str = "") -> PurchaseOrder:
    """Cancel an order of which nothing has been received; its draft receipts are cancelled too.
    An order partly received is closed instead (its backorder is dropped)."""
    order = _locked(order_id)
    if order.status == OrderStatus.PARTIAL:
        raise InvalidTransition(
            _("Goods have been received against %(number)s; close it to drop what is still outstanding.")
            % {"number": order.number}
        )
    _transition(order, OrderStatus.CANCELLED, user, note)
    order.receipts.filter(status=ReceiptStatus.DRAFT).update(
        status=ReceiptStatus.CANCELLED, updated_at=timezone.now()
    )
    order.save()
    return order


@transaction.atomic
def order_close(*, order_id: int, user, note: str = "") -> PurchaseOrder:
    """Close a received order, or a partly received one whose remainder will not come."""
    order = _locked(order_id)
    if order.receipts.filter(status=ReceiptStatus.DRAFT).exists():
        raise PurchasingError(
            _("%(number)s has a receipt in progress; post or cancel it first.") % {"number": order.number}
        )
    _transition(order, OrderStatus.CLOSED, user, note)
    order.save()
    return order


# Receipts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLineInput:
    """Per order line, in the order line's unit: accepted and rejected (received is their sum)."""

    order_line_id: int
    location_id: int
    accepted_qty: Decimal
    rejected_qty: Decimal = Decimal("0")
    reject_reason: str = ""
    batch_no: str = ""
    expiry_date: date | None = None
    production_date: date | None = None


def _receivable(order: PurchaseOrder) -> None:
    if order.status not in (OrderStatus.APPROVED, OrderStatus.PARTIAL):
        raise InvalidTransition(
            _("%(number)s is %(status)s; goods are received only against approved orders.")
            % {"number": order.number, "status": order.get_status_display()}
        )


def default_location(warehouse) -> Location | None:
    """Where goods are put away unless the clerk scans a bin: the warehouse's first location."""
    return (
        Location.objects.filter(warehouse=warehouse, is_active=True)
        .exclude(kind=LocationKind.TRANSIT)
        .order_by("path")
        .first()
    )


@transaction.atomic
def receipt_create(
    *, order_id: int, user, posting_date: date | None = None, delivery_note: str = ""
) -> PurchaseReceipt:
    """A draft receipt for an approved order, one line per order line still outstanding, all
    quantities zero, put away at the warehouse's first location until the clerk says otherwise."""
    order = _locked(order_id)
    _receivable(order)
    location = default_location(order.warehouse)
    if location is None:
        raise PurchasingError(_("%(wh)s has no location to put goods away in.") % {"wh": order.warehouse})
    receipt = PurchaseReceipt.objects.create(
        number=next_number("PR"),
        order=order,
        posting_date=posting_date or timezone.localdate(),
        delivery_note=delivery_note,
        created_by=user,
    )
    PurchaseReceiptLine.objects.bulk_create(
        [
            PurchaseReceiptLine(receipt=receipt, order_line=line, location=location)
            for line in order.lines.all()
            if line.received_base_qty < line.base_qty
        ]
    )
    return receipt


def _locked_receipt(receipt_id: int) -> tuple[PurchaseOrder, PurchaseReceipt]:
    """Lock the order, then the receipt (the project's header-first order)."""
    order_id = PurchaseReceipt.objects.values_list("order_id", flat=True).get(pk=receipt_id)
    order = _locked(order_id)
    receipt = PurchaseReceipt.objects.select_for_update().get(pk=receipt_id)
    return order, receipt


def _require_draft_receipt(receipt: PurchaseReceipt) -> None:
    if receipt.status == ReceiptStatus.POSTED:
        raise AlreadyPosted(_("%(number)s has already been posted.") % {"number": receipt.number})
    if receipt.status != ReceiptStatus.DRAFT:
        raise InvalidTransition(
            _("%(number)s is %(status)s.")
            % {"number": receipt.number, "status": receipt.get_status_display()}
        )


def _receipt_row(
    order: PurchaseOrder, ol: PurchaseOrderLine | None, line: ReceiptLineInput, n: int, location
):
    """Check one counted line; returns the field values of its receipt line."""
    if ol is None:
        raise PurchasingError(_("Line %(n)s is not a line of %(number)s.") % {"n": n, "number": order.number})
    accepted, rejected = Decimal(line.accepted_qty), Decimal(line.rejected_qty or 0)
    if accepted < 0 or rejected < 0:
        raise PurchasingError(_("Line %(n)s: quantities cannot be negative.") % {"n": n})
    if accepted * ol.factor >= MAX_QTY or rejected * ol.factor >= MAX_QTY:
        raise PurchasingError(_("Line %(n)s: the quantity or its value is too large.") % {"n": n})
    if rejected > 0 and not line.reject_reason:
        raise PurchasingError(
            _("Line %(n)s: say why %(qty)s of %(item)s were rejected.")
            % {"n": n, "qty": fmt_qty(rejected), "item": ol.item}
        )
    if (
        location is None
        or location.warehouse_id != order.warehouse_id
        or location.kind == LocationKind.TRANSIT
    ):
        raise PurchasingError(
            _("Line %(n)s: put the goods away in a location of %(wh)s.") % {"n": n, "wh": order.warehouse}
        )
    return {
        "order_line": ol,
        "location_id": location.pk,
        "batch_no": line.batch_no.strip(),
        "expiry_date": line.expiry_date,
        "production_date": line.production_date,
        "received_qty": accepted + rejected,
        "accepted_qty": accepted,
        "rejected_qty": rejected,
        "reject_reason": line.reject_reason,  # kept while editing (chosen before the quantity); cleared on posting
    }


@transaction.atomic
def receipt_set_lines(*, receipt_id: int, lines: list[ReceiptLineInput], user=None) -> PurchaseReceipt:
    """Save what the clerk counted on a draft receipt (replaces its lines). Checks what can be
    checked now; posting checks again under the order's lock."""
    order, receipt = _locked_receipt(receipt_id)
    _require_draft_receipt(receipt)
    order_lines = {ln.pk: ln for ln in order.lines.select_related("item")}
    locations = Location.objects.in_bulk({ln.location_id for ln in lines})
    rows = [
        PurchaseReceiptLine(
            receipt=receipt,
            **_receipt_row(
                order, order_lines.get(line.order_line_id), line, n, locations.get(line.location_id)
            ),
        )
        for n, line in enumerate(lines, start=1)
    ]
    receipt.lines.all().delete()
    PurchaseReceiptLine.objects.bulk_create(rows)
    receipt.save(update_fields=["updated_at"])
    return receipt


@transaction.atomic
def receipt_update_line(
    *, receipt_id: int, line_id: int, line: ReceiptLineInput, user=None
) -> PurchaseReceiptLine:
    """Save one line of a draft receipt as the clerk edits it on the receiving screen."""
    order, receipt = _locked_receipt(receipt_id)
    _require_draft_receipt(receipt)
    row = receipt.lines.select_related("order_line__item").filter(pk=line_id).first()
    if row is None:
        raise PurchasingError(_("This line is not on %(number)s.") % {"number": receipt.number})
    n = list(receipt.lines.values_list("pk", flat=True)).index(row.pk) + 1
    location = Location.objects.filter(pk=line.location_id).first()
    for name, value in _receipt_row(order, row.order_line, line, n, location).items():
        setattr(row, name, value)
    row.save()
    return row


@dataclass
class ScanResult:
    """What a scan on the receiving screen did: counted a line, chose a bin, or was refused."""

    ok: bool
    message: str
    line: PurchaseReceiptLine | None = None
    location: Location | None = None


def outstanding(ol: PurchaseOrderLine) -> Decimal:
    """What is still to come on an order line, in its own unit."""
    return (max(ol.base_qty - ol.received_base_qty, Decimal("0")) / ol.factor).quantize(
        QTY_PLACES, rounding=ROUND_HALF_UP
    )


@transaction.atomic
def receipt_scan(*, receipt_id: int, code: str, location_id: int | None = None, user=None) -> ScanResult:
    """A scan on the receiving screen: a bin label of the order's warehouse chooses where the
    next goods go; an item's barcode or SKU adds one of the scanned unit (a case barcode adds a
    case) to the accepted quantity of that item's line, put away in the chosen bin. A code that
    is neither, or an item not on the order, is refused and changes nothing."""
    from inventory.line_entry import item_for_code

    order, receipt = _locked_receipt(receipt_id)
    _require_draft_receipt(receipt)
    code = code.strip()
    if not code:
        return ScanResult(False, _("Scan a barcode, a SKU or a bin label."))
    bins = Location.objects.filter(warehouse=order.warehouse, is_active=True).exclude(
        kind=LocationKind.TRANSIT
    )
    location = bins.filter(code__iexact=code).first() or bins.filter(path__iexact=code).first()
    if location is not None:
        return ScanResult(True, _("Putting away in %(path)s.") % {"path": location.path}, location=location)
    found = item_for_code(code)
    if found is None:
        return ScanResult(False, _("No item or bin has the code %(code)s.") % {"code": code})
    item, unit_id = found
    lines = list(receipt.lines.select_related("order_line__item", "order_line__unit", "location"))
    mine = [ln for ln in lines if ln.order_line.item_id == item.pk]
    if not mine:
        return ScanResult(False, _("%(item)s is not on %(order)s.") % {"item": item, "order": order.number})
    open_lines = [ln for ln in mine if ln.accepted_qty < outstanding(ln.order_line)]
    row = (open_lines or mine)[0]
    ol = row.order_line
    scanned = unit_factor(item, unit_id) or Decimal("1")
    row.accepted_qty = (row.accepted_qty + scanned / ol.factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
    row.received_qty = row.accepted_qty + row.rejected_qty
    if location_id:
        chosen = bins.filter(pk=location_id).first()
        if chosen is not None:
            row.location = chosen
    row.save()
    return ScanResult(
        True,
        _("%(item)s: %(qty)s of %(due)s %(unit)s.")
        % {
            "item": item,
            "qty": fmt_qty(row.accepted_qty),
            "due": fmt_qty(outstanding(ol)),
            "unit": ol.unit.name,
        },
        line=row,
    )


def tolerance() -> Decimal:
    return Decimal(settings.PURCHASE_OVER_RECEIPT_TOLERANCE)


def allowed_base_qty(line: PurchaseOrderLine) -> Decimal:
    """The most that may be accepted on an order line in all: ordered plus the tolerance."""
    return (line.base_qty * (1 + tolerance() / 100)).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)


@retry_on_conflict
def receipt_post(*, receipt_id: int, user) -> PurchaseReceipt:
    """Post a receipt: the accepted quantities enter stock at the order price (per base unit),
    rejected ones never do; the order's received quantities and status follow. Posting twice
    posts once (AlreadyPosted); two receipts of one order serialize on the order's lock, so
    together they cannot accept more than ordered plus the tolerance."""
    order, receipt = _locked_receipt(receipt_id)
    _require_draft_receipt(receipt)
    _receivable(order)
    lines = [ln for ln in receipt.lines.select_related("order_line__item", "location") if ln.received_qty > 0]
    if not lines:
        raise PurchasingError(
            _("%(number)s has nothing received; count the goods first.") % {"number": receipt.number}
        )
    if receipt.posting_date < order.order_date:
        raise PurchasingError(_("The receipt date cannot be before the order date."))
    if receipt.posting_date > timezone.localdate():
        raise PurchasingError(_("The receipt date cannot be in the future."))
    order_lines = {ol.pk: ol for ol in order.lines.select_related("item__base_unit")}
    accepted_now: dict[int, Decimal] = {}
    moves: list[MoveLine] = []
    for n, ln in enumerate(lines, start=1):
        ol = order_lines[ln.order_line_id]
        ln.accepted_base_qty = (ln.accepted_qty * ol.factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
        ln.rejected_base_qty = (ln.rejected_qty * ol.factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
        if ln.rejected_qty == 0:
            ln.reject_reason = ""
        accepted_now[ol.pk] = accepted_now.get(ol.pk, Decimal("0")) + ln.accepted_base_qty
        if ol.received_base_qty + accepted_now[ol.pk] > allowed_base_qty(ol):
            raise PurchasingError(
                _(
                    "Line %(n)s: %(item)s ordered %(ordered)s %(unit)s, received before %(before)s, now "
                    "%(now)s — more than the %(tol)s%% over-receipt tolerance allows (at most %(allowed)s in all)."
                )
                % {
                    "n": n,
                    "item": ol.item,
                    "unit": ol.item.base_unit.name,
                    "ordered": fmt_qty(ol.base_qty),
                    "before": fmt_qty(ol.received_base_qty),
                    "now": fmt_qty(accepted_now[ol.pk]),
                    "tol": fmt_qty(tolerance()),
                    "allowed": fmt_qty(allowed_base_qty(ol)),
                }
            )
        ln.unit_cost = (ol.price / ol.factor).quantize(COST_PLACES, rounding=ROUND_HALF_UP)
        ln.amount = money(ln.accepted_qty * ol.price)
        ln.tax = money(ln.amount * ol.tax_rate / 100)
        ln.value = ln.amount  # stock is valued at the price excluding (deductible) VAT
        if ln.accepted_base_qty > 0:
            ln.batch = inbound_batch(
                item=ol.item,
                batch_no=ln.batch_no,
                expiry_date=ln.expiry_date,
                production_date=ln.production_date,
                n=n,
            )
            moves.append(
                MoveLine(
                    item_id=ol.item_id,
                    location_id=ln.location_id,
                    qty=ln.accepted_base_qty,
                    batch_id=ln.batch.pk if ln.batch else None,
                    unit_cost=ln.unit_cost,
                    value=ln.value,
                    line_ref=ln.pk,
                )
            )
        ol.received_base_qty += ln.accepted_base_qty
        ol.rejected_base_qty += ln.rejected_base_qty
    if moves:
        receipt.posting = post_moves(
            doc_type=RECEIPT_DOC_TYPE,
            doc_id=receipt.pk,
            doc_number=receipt.number,
            lines=moves,
            user=user,
            moved_at=_moved_at(receipt.posting_date),
        )
    receipt.lines.exclude(pk__in=[ln.pk for ln in lines]).delete()  # lines with nothing received
    PurchaseReceiptLine.objects.bulk_update(
        lines,
        [
            "accepted_base_qty",
            "rejected_base_qty",
            "reject_reason",
            "unit_cost",
            "amount",
            "tax",
            "value",
            "batch",
        ],
    )
    PurchaseOrderLine.objects.bulk_update(
        list(order_lines.values()), ["received_base_qty", "rejected_base_qty"]
    )
    receipt.status = ReceiptStatus.POSTED
    receipt.posted_by, receipt.posted_at = user, timezone.now()
    receipt.save()
    settlement.add_document(
        PAYABLES,
        party=order.supplier,
        source_type=payables.RECEIPT,
        source_id=receipt.pk,
        number=receipt.number,
        day=receipt.posting_date,
        amount=sum((ln.amount + ln.tax for ln in lines), Decimal("0")),
    )
    complete = all(ol.received_base_qty >= ol.base_qty for ol in order_lines.values())
    _transition(
        order,
        OrderStatus.RECEIVED if complete else OrderStatus.PARTIAL,
        user,
        _("Receipt %(number)s") % {"number": receipt.number},
    )
    order.save()
    return receipt


def _moved_at(day: date):
    from inventory.services.documents import _moved_at as moved_at

    return moved_at(day)


@transaction.atomic
def receipt_cancel(*, receipt_id: int, user) -> PurchaseReceipt:
    _order, receipt = _locked_receipt(receipt_id)
    _require_draft_receipt(receipt)
    receipt.status = ReceiptStatus.CANCELLED
    receipt.save()
    return receipt


# Returns to supplier ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLineInput:
    receipt_line_id: int
    qty: Decimal  # in the order line's unit


@transaction.atomic
def return_create(
    *,
    receipt_id: int,
    user,
    reason: str,
    lines: list[ReturnLineInput],
    posting_date: date | None = None,
    note: str = "",
) -> PurchaseReturn:
    """A draft return of goods from a posted receipt. Quantities are checked again on posting."""
    order, receipt = _locked_receipt(receipt_id)
    if receipt.status != ReceiptStatus.POSTED:
        raise InvalidTransition(_("Only goods of a posted receipt can be returned."))
    ret = PurchaseReturn.objects.create(
        number=next_number("RT"),
        receipt=receipt,
        posting_date=posting_date or timezone.localdate(),
        reason=reason,
        note=note,
        created_by=user,
    )
    _set_return_lines(ret, receipt, lines)
    return ret


def _set_return_lines(ret: PurchaseReturn, receipt: PurchaseReceipt, lines: list[ReturnLineInput]) -> None:
    receipt_lines = {ln.pk: ln for ln in receipt.lines.select_related("order_line__item")}
    rows = []
    for n, line in enumerate(lines, start=1):
        rl = receipt_lines.get(line.receipt_line_id)
        if rl is None:
            raise PurchasingError(
                _("Line %(n)s is not a line of %(number)s.") % {"n": n, "number": receipt.number}
            )
        qty = Decimal(line.qty)
        if qty == 0:
            continue
        if qty < 0:
            raise PurchasingError(_("Line %(n)s: the quantity must be greater than zero.") % {"n": n})
        ol = rl.order_line
        # Size before places: quantizing 10^30 raises InvalidOperation instead of a message.
        if qty >= MAX_QTY or qty * ol.factor >= MAX_QTY:
            raise PurchasingError(_("Line %(n)s: the quantity or its value is too large.") % {"n": n})
        if qty != qty.quantize(QTY_PLACES):  # the column would round it silently
            raise PurchasingError(_("Line %(n)s has more than 4 decimal places.") % {"n": n})
        base_qty = (qty * ol.factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
        amount = money(qty * ol.price)
        rows.append(
            PurchaseReturnLine(
                purchase_return=ret,
                receipt_line=rl,
                qty=qty,
                base_qty=base_qty,
                value=Decimal("0"),  # fixed when posted, from what is left of the receipt line
                amount=amount + money(amount * ol.tax_rate / 100),
            )
        )
    if not rows:
        raise PurchasingError(_("Enter the quantity to return on at least one line."))
    ret.lines.all().delete()
    PurchaseReturnLine.objects.bulk_create(rows)
    ret.amount = sum((r.amount for r in rows), Decimal("0"))
    ret.save(update_fields=["amount", "updated_at"])


@retry_on_conflict
def return_post(*, return_id: int, user) -> PurchaseReturn:
    """Send the goods back: outbound moves at the value they came in with (the receipt line's
    value in proportion; the last units take exactly what is left of it), from the location and
    batch they were put away in. Never more than was accepted and not yet returned."""
    receipt_id = PurchaseReturn.objects.values_list("receipt_id", flat=True).get(pk=return_id)
    order, receipt = _locked_receipt(receipt_id)
    ret = PurchaseReturn.objects.select_for_update().get(pk=return_id)
    if ret.status == ReturnStatus.POSTED:
        raise AlreadyPosted(_("%(number)s has already been posted.") % {"number": ret.number})
    if ret.status != ReturnStatus.DRAFT:
        raise InvalidTransition(
            _("%(number)s is %(status)s.") % {"number": ret.number, "status": ret.get_status_display()}
        )
    lines = list(ret.lines.select_related("receipt_line__order_line__item"))
    if not lines:
        raise PurchasingError(_("%(number)s has no lines.") % {"number": ret.number})
    if ret.posting_date < receipt.posting_date or ret.posting_date > timezone.localdate():
        raise PurchasingError(
            _("The return date must lie between the receipt date %(day)s and today.")
            % {"day": receipt.posting_date.isoformat()}
        )
    moves = []
    touched = {}
    for n, ln in enumerate(lines, start=1):
        rl = touched.setdefault(ln.receipt_line_id, ln.receipt_line)
        left = rl.accepted_base_qty - rl.returned_base_qty
        if ln.base_qty > left:
            raise PurchasingError(
                _(
                    "Line %(n)s: %(item)s — %(wanted)s to return, but only %(left)s of this receipt are left to return."
                )
                % {"n": n, "item": rl.order_line.item, "wanted": fmt_qty(ln.base_qty), "left": fmt_qty(left)}
            )
        value_left = rl.value - rl.returned_value
        ln.value = value_left if ln.base_qty == left else money(rl.value * ln.base_qty / rl.accepted_base_qty)
        rl.returned_base_qty += ln.base_qty
        rl.returned_value += ln.value
        moves.append(
            MoveLine(
                item_id=rl.order_line.item_id,
                location_id=rl.location_id,
                qty=-ln.base_qty,
                batch_id=rl.batch_id,
                value=-ln.value,
                line_ref=ln.pk,
            )
        )
    ret.posting = post_moves(
        doc_type=RETURN_DOC_TYPE,
        doc_id=ret.pk,
        doc_number=ret.number,
        lines=moves,
        user=user,
        moved_at=_moved_at(ret.posting_date),
    )
    PurchaseReturnLine.objects.bulk_update(lines, ["value"])
    PurchaseReceiptLine.objects.bulk_update(list(touched.values()), ["returned_base_qty", "returned_value"])
    ret.status = ReturnStatus.POSTED
    ret.posted_by, ret.posted_at = user, timezone.now()
    ret.save()
    settlement.add_return(
        PAYABLES,
        party=order.supplier,
        source_type=payables.RETURN,
        source_id=ret.pk,
        number=ret.number,
        day=ret.posting_date,
        amount=ret.amount,
        against=(payables.RECEIPT, receipt.pk),
        user=user,
    )
    return ret


@transaction.atomic
def return_cancel(*, return_id: int, user) -> PurchaseReturn:
    ret = PurchaseReturn.objects.select_for_update().get(pk=return_id)
    if ret.status != ReturnStatus.DRAFT:
        raise InvalidTransition(
            _("%(number)s is %(status)s.") % {"number": ret.number, "status": ret.get_status_display()}
        )
    ret.status = ReturnStatus.CANCELLED
    ret.save()
    return ret


# Rounding helpers shared with reorder suggestions -----------------------------------------------


def round_up_to_pack(qty: Decimal, *, min_order: Decimal, pack: Decimal) -> Decimal:
    """At least the minimum order, then up to a whole number of packs."""
    qty = max(Decimal(qty), Decimal(min_order))
    if pack and pack > 0:
        qty = (qty / pack).to_integral_value(rounding=ROUND_CEILING) * pack
    return qty.quantize(QTY_PLACES)
