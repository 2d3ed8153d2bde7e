"""Warehouse documents: goods receipt, goods issue, transfer, stock loss and gain.

A transfer between two warehouses posts twice: shipping moves the goods from the source
locations into the receiving warehouse's in-transit location (status "in transit"); receiving
moves them from there to the destination locations (status "posted"). Goods in transit count
in the receiving warehouse's stock but cannot be issued or moved by hand.

Every transition locks the document header first (header → lines → balances, the project's
lock order), checks the allowed-moves table and records who did it. Posting goes through
post_moves(), which makes a second post of the same document fail at the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import AlreadyPosted, InventoryError
from ..models import (
    DOCUMENT_PREFIX,
    NEEDS_APPROVAL,
    Batch,
    DocumentKind,
    DocumentStatus,
    Item,
    Location,
    LocationKind,
    StockDocument,
    StockDocumentLine,
    Tracking,
    unit_factor,
)
from .numbering import next_number
from .posting import MoveLine, post_moves, reverse_posting
from .retry import retry_on_conflict

DOC_TYPE = "stockdoc"
ARRIVAL_DOC_TYPE = "stockdoc-arrival"  # the second posting of a transfer between warehouses
COST_PLACES = Decimal("0.000001")
QTY_PLACES = Decimal("0.0001")
MAX_QTY = Decimal("1e14")  # what the quantity columns hold (18 digits, 4 decimals)
MAX_MONEY = Decimal("1e16")  # and the value columns (18 digits, 2 decimals)

ALLOWED = {
    DocumentStatus.DRAFT: {
        DocumentStatus.POSTED,
        DocumentStatus.IN_TRANSIT,
        DocumentStatus.SUBMITTED,
        DocumentStatus.CANCELLED,
    },
    DocumentStatus.SUBMITTED: {DocumentStatus.POSTED, DocumentStatus.DRAFT, DocumentStatus.CANCELLED},
    DocumentStatus.IN_TRANSIT: {DocumentStatus.POSTED, DocumentStatus.REVERSED},
    DocumentStatus.POSTED: {DocumentStatus.REVERSED},
}


class InvalidTransition(InventoryError):
    pass


@dataclass(frozen=True)
class LineInput:
    """A line as entered: quantity in `unit`; batch by number (created on save when new)."""

    item: Item
    location_id: int
    unit_id: int
    qty: Decimal
    to_location_id: int | None = None
    batch_no: str = ""
    expiry_date: date | None = None
    production_date: date | None = None
    unit_cost: Decimal | None = None
    note: str = ""


def _transition(doc: StockDocument, new: str) -> None:
    if new not in ALLOWED.get(doc.status, set()):
        raise InvalidTransition(
            _("%(number)s is %(status)s and cannot become %(new)s.")
            % {"number": doc.number, "status": doc.get_status_display(), "new": DocumentStatus(new).label}
        )
    doc.status = new


def _locked(doc_id: int) -> StockDocument:
    return StockDocument.objects.select_for_update().get(pk=doc_id)


@transaction.atomic
def document_create(
    *, kind: str, warehouse, user, posting_date: date | None = None, **fields
) -> StockDocument:
    """A new draft with its number allocated now (not on the posting path)."""
    return StockDocument.objects.create(
        kind=kind,
        warehouse=warehouse,
        created_by=user,
        number=next_number(DOCUMENT_PREFIX[kind]),
        posting_date=posting_date or timezone.localdate(),
        **fields,
    )


@transaction.atomic
def document_set_lines(*, document: StockDocument, lines: list[LineInput]) -> None:
    """Replace a draft's lines. Converts to base units, resolves batch numbers (creating new
    batches for receipts and gains) and checks what can be checked before posting."""
    doc = _locked(document.pk)
    if doc.status != DocumentStatus.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be edited; %(number)s is %(status)s.")
            % {"number": doc.number, "status": doc.get_status_display()}
        )
    rows = []
    located = {
        pk: (warehouse_id, kind)
        for pk, warehouse_id, kind in Location.objects.filter(
            pk__in={ln.location_id for ln in lines} | {ln.to_location_id for ln in lines}
        )
        .order_by()
        .values_list("pk", "warehouse_id", "kind")
    }
    warehouse_of = {pk: warehouse_id for pk, (warehouse_id, _kind) in located.items()}
    target = doc.to_warehouse_id or doc.warehouse_id
    for n, line in enumerate(lines, start=1):
        if any(
            located.get(pk, (None, None))[1] == LocationKind.TRANSIT
            for pk in (line.location_id, line.to_location_id)
        ):
            raise InventoryError(
                _("Line %(n)s: goods in transit are received with their transfer, not moved by hand.")
                % {"n": n}
            )
        if warehouse_of.get(line.location_id) != doc.warehouse_id:
            raise InventoryError(
                _("Line %(n)s: the location is not in %(wh)s.") % {"n": n, "wh": doc.warehouse}
            )
        if line.to_location_id and warehouse_of.get(line.to_location_id) != target:
            raise InventoryError(
                _("Line %(n)s: the location to transfer to is not in the receiving warehouse.") % {"n": n}
            )
        factor = _factor(line.item, line.unit_id)
        base_qty = (Decimal(line.qty) * factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
        if base_qty <= 0:
            raise InventoryError(_("Line %(n)s: the quantity must be greater than zero.") % {"n": n})
        if base_qty >= MAX_QTY or Decimal(line.qty) * (line.unit_cost or 0) >= MAX_MONEY:
            raise InventoryError(_("Line %(n)s: the quantity or its value is too large.") % {"n": n})
        if doc.kind == DocumentKind.TRANSFER and not line.to_location_id:
            raise InventoryError(_("Line %(n)s: choose the location to transfer to.") % {"n": n})
        if doc.kind == DocumentKind.RECEIPT and line.unit_cost is None:
            raise InventoryError(_("Line %(n)s: a receipt needs the unit cost.") % {"n": n})
        rows.append(
            StockDocumentLine(
                document=doc,
                item=line.item,
                location_id=line.location_id,
                to_location_id=line.to_location_id,
                batch=_batch(doc, line, n),
                unit_id=line.unit_id,
                qty=line.qty,
                factor=factor,
                base_qty=base_qty,
                unit_cost=line.unit_cost,
                note=line.note,
            )
        )
    doc.lines.all().delete()
    StockDocumentLine.objects.bulk_create(rows)
    doc.save(update_fields=["updated_at"])


def _factor(item: Item, unit_id: int) -> Decimal:
    factor = unit_factor(item, unit_id)
    if factor is None:
        raise InventoryError(_("%(item)s has no conversion for this unit.") % {"item": item})
    return factor


def _batch(doc: StockDocument, line: LineInput, n: int) -> Batch | None:
    if line.item.tracking == Tracking.NONE:
        return None
    number = line.batch_no.strip()
    if not number:
        raise InventoryError(
            _("Line %(n)s: %(item)s is tracked by batch; enter the batch number.")
            % {"n": n, "item": line.item}
        )
    batch = Batch.objects.filter(item=line.item, batch_no=number).first()
    # Expired goods are never issued: they are written off (报损) or moved (to a returns zone, or
    # back to the central warehouse for disposal). They are judged on the posting date, the day
    # the goods move, so a back-dated issue of then-fresh goods still passes.
    if (
        batch is not None
        and doc.kind == DocumentKind.ISSUE
        and batch.expiry_date is not None
        and batch.expiry_date < doc.posting_date
    ):
        raise InventoryError(
            _(
                "Line %(n)s: batch %(batch)s of %(item)s expired on %(date)s and cannot be issued; "
                "write it off with a stock loss."
            )
            % {"n": n, "batch": number, "item": line.item, "date": batch.expiry_date.isoformat()}
        )
    if batch is not None:
        return batch
    if doc.kind not in (DocumentKind.RECEIPT, DocumentKind.GAIN):
        raise InventoryError(
            _("Line %(n)s: batch %(batch)s of %(item)s does not exist.")
            % {"n": n, "batch": number, "item": line.item}
        )
    return inbound_batch(
        item=line.item,
        batch_no=number,
        expiry_date=line.expiry_date,
        production_date=line.production_date,
        n=n,
    )


def inbound_batch(
    *, item: Item, batch_no: str, expiry_date=None, production_date=None, n: int
) -> Batch | None:
    """The batch goods arrive in (receipts, gains, purchase receipts): the item's batch of that
    number, or a new one; an item tracked by expiry needs the expiry date of a new batch.
    None for an item not tracked by batch. `n` is the line number for messages."""
    if item.tracking == Tracking.NONE:
        return None
    number = batch_no.strip()
    if not number:
        raise InventoryError(
            _("Line %(n)s: %(item)s is tracked by batch; enter the batch number.") % {"n": n, "item": item}
        )
    batch = Batch.objects.filter(item=item, batch_no=number).first()
    if batch is not None:
        return batch
    if item.tracking == Tracking.BATCH_EXPIRY and not expiry_date:
        raise InventoryError(
            _("Line %(n)s: %(item)s is tracked by expiry date; enter it.") % {"n": n, "item": item}
        )
    if expiry_date and production_date and expiry_date < production_date:
        raise InventoryError(_("Line %(n)s: the expiry date lies before the production date.") % {"n": n})
    return Batch.objects.create(
        item=item,
        batch_no=number,
        expiry_date=expiry_date,
        production_date=production_date,
        first_received_at=timezone.now(),
    )


def is_between_warehouses(doc: StockDocument) -> bool:
    return (
        doc.kind == DocumentKind.TRANSFER
        and doc.to_warehouse_id is not None
        and doc.to_warehouse_id != doc.warehouse_id
    )


def transit_location(warehouse_id: int) -> Location:
    """The receiving warehouse's in-transit location, created the first time goods travel to it."""
    location = Location.objects.filter(warehouse_id=warehouse_id, kind=LocationKind.TRANSIT).first()
    if location is None:
        location, _created = Location.objects.get_or_create(
            warehouse_id=warehouse_id,
            code="IN-TRANSIT",
            defaults={"kind": LocationKind.TRANSIT, "path": "IN-TRANSIT"},
        )
        if location.kind != LocationKind.TRANSIT:
            raise InventoryError(
                _("Location code IN-TRANSIT is taken by an ordinary location in %(wh)s; rename it.")
                % {"wh": location.warehouse}
            )
    return location


def _transfer_moves(doc: StockDocument, source, destination) -> list[MoveLine]:
    """What leaves `source(line)` arrives at `destination(line)`, at the same value."""
    moves: list[MoveLine] = []
    for line in doc.lines.all():
        moves.append(MoveLine(line.item_id, source(line), -line.base_qty, line.batch_id, line_ref=line.pk))
        moves.append(
            MoveLine(
                line.item_id,
                destination(line),
                line.base_qty,
                line.batch_id,
                mirror_of=len(moves) - 1,
                line_ref=line.pk,
            )
        )
    return moves


def _move_lines(doc: StockDocument) -> list[MoveLine]:
    if is_between_warehouses(doc):  # the first leg: into the receiving warehouse's transit location
        transit = transit_location(doc.to_warehouse_id).pk
        return _transfer_moves(doc, lambda line: line.location_id, lambda line: transit)
    moves: list[MoveLine] = []
    for line in doc.lines.select_related("item"):
        cost = (line.unit_cost / line.factor).quantize(COST_PLACES) if line.unit_cost is not None else None
        if doc.kind == DocumentKind.RECEIPT or doc.kind == DocumentKind.GAIN:
            moves.append(
                MoveLine(
                    line.item_id,
                    line.location_id,
                    line.base_qty,
                    line.batch_id,
                    unit_cost=cost,
                    line_ref=line.pk,
                )
            )
        elif doc.kind in (DocumentKind.ISSUE, DocumentKind.LOSS):
            moves.append(
                MoveLine(line.item_id, line.location_id, -line.base_qty, line.batch_id, line_ref=line.pk)
            )
        else:  # transfer: what leaves the source arrives at the destination, at the same value
            moves.append(
                MoveLine(line.item_id, line.location_id, -line.base_qty, line.batch_id, line_ref=line.pk)
            )
            moves.append(
                MoveLine(
                    line.item_id,
                    line.to_location_id,
                    line.base_qty,
                    line.batch_id,
                    mirror_of=len(moves) - 1,
                    line_ref=line.pk,
                )
            )
    return moves


def _post(doc: StockDocument, user) -> None:
    # refuse before any stock moves
    _transition(doc, DocumentStatus.IN_TRANSIT if is_between_warehouses(doc) else DocumentStatus.POSTED)
    if not doc.lines.exists():
        raise InventoryError(_("%(number)s has no lines.") % {"number": doc.number})
    if doc.kind == DocumentKind.ISSUE:  # a draft saved while its batch was fresh, posted later
        expired = (
            doc.lines.filter(batch__expiry_date__lt=doc.posting_date).select_related("item", "batch").first()
        )
        if expired is not None:
            raise InventoryError(
                _(
                    "Line %(n)s: batch %(batch)s of %(item)s expired on %(date)s and cannot be issued; "
                    "write it off with a stock loss."
                )
                % {
                    "n": list(doc.lines.values_list("pk", flat=True)).index(expired.pk) + 1,
                    "batch": expired.batch.batch_no,
                    "item": expired.item,
                    "date": expired.batch.expiry_date.isoformat(),
                }
            )
    posting = post_moves(
        doc_type=DOC_TYPE,
        doc_id=doc.pk,
        doc_number=doc.number,
        lines=_move_lines(doc),
        user=user,
        moved_at=_moved_at(doc.posting_date),
    )
    doc.posting, doc.posted_by, doc.posted_at = posting, user, timezone.now()
    doc.save(update_fields=["status", "posting", "posted_by", "posted_at", "approved_by", "updated_at"])


def _moved_at(posting_date: date) -> datetime:
    """Moves of a back-dated document are dated on its posting date (noon, local time)."""
    if posting_date >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(posting_date, time(12)))


@retry_on_conflict
def document_post(*, document_id: int, user) -> StockDocument:
    """Post a receipt, issue or transfer. Losses and gains go through approval instead.
    A second post (double click, two clerks) raises AlreadyPosted and changes nothing."""
    doc = _locked(document_id)
    if doc.status in (DocumentStatus.POSTED, DocumentStatus.IN_TRANSIT):
        raise AlreadyPosted(_("%(number)s has already been posted.") % {"number": doc.number})
    if doc.kind in NEEDS_APPROVAL:
        raise InvalidTransition(
            _("%(number)s needs a manager's approval; submit it.") % {"number": doc.number}
        )
    _post(doc, user)
    return doc


@retry_on_conflict
def document_receive(*, document_id: int, user, arrival_date: date | None = None) -> StockDocument:
    """Receive a transfer that is in transit: its goods move from the receiving warehouse's
    transit location to the lines' destination locations, dated `arrival_date` (default today;
    not before the shipment). Receiving twice receives once."""
    doc = _locked(document_id)
    if doc.status == DocumentStatus.POSTED and doc.arrival_posting_id:
        raise AlreadyPosted(_("%(number)s has already been received.") % {"number": doc.number})
    if doc.status != DocumentStatus.IN_TRANSIT:
        raise InvalidTransition(_("%(number)s is not in transit.") % {"number": doc.number})
    arrival_date = arrival_date or timezone.localdate()
    if not doc.posting_date <= arrival_date <= timezone.localdate():
        raise InventoryError(
            _("The arrival date must lie between the shipping date %(shipped)s and today.")
            % {"shipped": doc.posting_date.isoformat()}
        )
    transit = transit_location(doc.to_warehouse_id).pk
    doc.status = DocumentStatus.POSTED
    doc.arrival_posting = post_moves(
        doc_type=ARRIVAL_DOC_TYPE,
        doc_id=doc.pk,
        doc_number=doc.number,
        lines=_transfer_moves(doc, lambda line: transit, lambda line: line.to_location_id),
        user=user,
        moved_at=_moved_at(arrival_date),
    )
    doc.received_by, doc.received_at = user, timezone.now()
    doc.save(update_fields=["status", "arrival_posting", "received_by", "received_at", "updated_at"])
    return doc


@transaction.atomic
def document_submit(*, document_id: int, user) -> StockDocument:
    doc = _locked(document_id)
    if doc.kind not in NEEDS_APPROVAL:
        raise InvalidTransition(_("%(number)s needs no approval; post it.") % {"number": doc.number})
    if not doc.lines.exists():
        raise InventoryError(_("%(number)s has no lines.") % {"number": doc.number})
    _transition(doc, DocumentStatus.SUBMITTED)
    doc.save(update_fields=["status", "updated_at"])
    return doc


@retry_on_conflict
def document_approve(*, document_id: int, user) -> StockDocument:
    """A manager approves a submitted loss or gain, which posts it. Nobody approves their own."""
    doc = _locked(document_id)
    if doc.status == DocumentStatus.POSTED:
        raise AlreadyPosted(_("%(number)s has already been posted.") % {"number": doc.number})
    if doc.status != DocumentStatus.SUBMITTED:
        raise InvalidTransition(_("%(number)s is not awaiting approval.") % {"number": doc.number})
    if doc.created_by_id == user.pk:
        raise InvalidTransition(_("You cannot approve a document you created."))
    doc.approved_by = user
    _post(doc, user)
    return doc


@transaction.atomic
def document_return_to_draft(*, document_id: int, user) -> StockDocument:
    doc = _locked(document_id)
    _transition(doc, DocumentStatus.DRAFT)
    doc.save(update_fields=["status", "updated_at"])
    return doc


@transaction.atomic
def document_cancel(*, document_id: int, user) -> StockDocument:
    doc = _locked(document_id)
    _transition(doc, DocumentStatus.CANCELLED)
    doc.save(update_fields=["status", "updated_at"])
    return doc


@retry_on_conflict
def document_reverse(*, document_id: int, user) -> StockDocument:
    """Reverse a posted document with a linked document of the same kind (红字冲销) that gives
    back exactly what the original moved, at the values it carried."""
    doc = _locked(document_id)
    if doc.status == DocumentStatus.REVERSED:
        raise AlreadyPosted(_("%(number)s has already been reversed.") % {"number": doc.number})
    if doc.reversal_of_id is not None:
        raise InvalidTransition(_("%(number)s is itself a reversal.") % {"number": doc.number})
    _transition(doc, DocumentStatus.REVERSED)
    reversal = StockDocument.objects.create(
        kind=doc.kind,
        warehouse=doc.warehouse,
        to_warehouse=doc.to_warehouse,
        reason=doc.reason,
        reference=doc.number,
        note=_("Reversal of %(number)s") % {"number": doc.number},
        reversal_of=doc,
        created_by=user,
        number=next_number(DOCUMENT_PREFIX[doc.kind]),
        posting_date=timezone.localdate(),
    )
    StockDocumentLine.objects.bulk_create(
        [
            StockDocumentLine(
                document=reversal,
                item_id=ln.item_id,
                location_id=ln.location_id,
                to_location_id=ln.to_location_id,
                batch_id=ln.batch_id,
                unit_id=ln.unit_id,
                qty=ln.qty,
                factor=ln.factor,
                base_qty=ln.base_qty,
                unit_cost=ln.unit_cost,
                note=ln.note,
            )
            for ln in doc.lines.all()
        ]
    )
    if doc.arrival_posting_id:  # a received transfer: back into transit first, then to the source
        reversal.posting = reverse_posting(
            doc.arrival_posting, doc_type=DOC_TYPE, doc_id=reversal.pk, doc_number=reversal.number, user=user
        )
        reversal.arrival_posting = reverse_posting(
            doc.posting, doc_type=ARRIVAL_DOC_TYPE, doc_id=reversal.pk, doc_number=reversal.number, user=user
        )
    else:  # includes a transfer still in transit: its goods go back from transit to the source
        reversal.posting = reverse_posting(
            doc.posting, doc_type=DOC_TYPE, doc_id=reversal.pk, doc_number=reversal.number, user=user
        )
    reversal.status = DocumentStatus.POSTED
    reversal.posted_by, reversal.posted_at = user, timezone.now()
    if reversal.arrival_posting_id:
        reversal.received_by, reversal.received_at = user, reversal.posted_at
    reversal.save()
    doc.save(update_fields=["status", "updated_at"])
    return reversal
