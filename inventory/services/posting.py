"""The one posting service: the only code that writes stock moves, balances and valuations.

A posting runs in one transaction and costs a constant number of SQL statements whatever its
line count:

  1. INSERT the Posting row (unique per document: a second attempt fails here, whatever the race)
  2. read items, locations and batches of the lines (validation)
  3. INSERT missing ItemValuation rows, then SELECT … FOR UPDATE them in item order
  4. INSERT missing StockBalance rows for inbound keys, then SELECT … FOR UPDATE all keys in
     key order — every posting locks valuations before balances, each in a fixed order, so
     two postings cannot deadlock
  5. check availability (all shortages reported at once, nothing written)
  6. bulk INSERT the moves, bulk UPDATE balances and valuations

On PostgreSQL these steps run in the database function jxc_post_moves (posting_pg.py, migration
0007): one round trip, the same locks in the same order, the same results to the fen and to the
hash character, the same errors (tests/inventory/test_posting_fastpath.py compares the two paths).
settings.INVENTORY_POSTING_FASTPATH = False runs the ORM path there too; SQLite always runs it.

Costing is the moving weighted average per item (移动加权平均). Values are money to the fen;
an outbound line takes its share of the item's value, round(V × q / Q, 2), and the last units out
take exactly what is left, so item value == SUM(move.value) holds to the fen forever.

A reversal carries the value the original move had, with one limit: an outbound line never takes
more than the item is worth, and the last units out take exactly what is left. Reversing a receipt
after the average has spread its cost over units already issued therefore gives back less than it
brought in; the item's value never goes negative and is zero when nothing is on hand.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import AlreadyPosted, InsufficientStock, InventoryError
from ..models import Batch, Item, ItemValuation, Location, Posting, StockBalance, StockMove, Tracking
from .periods import check_open
from .posting_pg import post_moves_pg

ZERO = Decimal("0")
FEN = Decimal("0.01")
QTY_PLACES = Decimal("0.0001")
COST_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class MoveLine:
    """One change of stock, in the item's base unit. `qty` is signed: + in, − out.

    Value of the move, in order of precedence:
      value      an exact signed value to carry (reversals give back what the original took)
      mirror_of  index of an earlier line in the same posting whose value this line negates
                 (the receiving side of a transfer carries exactly what left the source)
      unit_cost  inbound at this cost (a receipt): changes the moving average
      (none)     at the item's current average cost
    """

    item_id: int
    location_id: int
    qty: Decimal
    batch_id: int | None = None
    unit_cost: Decimal | None = None
    value: Decimal | None = None
    mirror_of: int | None = None
    line_ref: int | None = None

    @property
    def key(self) -> tuple[int, int, int | None]:
        return (self.item_id, self.location_id, self.batch_id)


@dataclass(frozen=True)
class Shortage:
    item: object
    location: object
    batch: object
    wanted: Decimal
    available: Decimal


def _money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _sort_key(key: tuple[int, int, int | None]) -> tuple[int, int, int]:
    return (key[0], key[1], key[2] or 0)


def _plain(value: Decimal) -> Decimal:
    """Decimal keeps a sign on zero (-0.00) that the database does not store: drop it, so a move
    hashes the same before and after a round trip."""
    return abs(value) if value == 0 else value


def move_hash(prev: str, move: StockMove) -> str:
    """The chain link of one move: its content and the previous move's hash of the same item."""
    moved = move.moved_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = "|".join(
        [
            prev,
            str(move.seq),
            str(move.item_id),
            str(move.warehouse_id),
            str(move.location_id),
            str(move.batch_id or ""),
            f"{move.qty:.4f}",
            f"{_plain(move.unit_cost):.6f}",
            f"{_plain(move.value):.2f}",
            str(move.posting_id),
            str(move.line_ref or ""),
            moved,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def post_moves(
    *,
    doc_type: str,
    doc_id: int,
    doc_number: str,
    lines: Sequence[MoveLine],
    user,
    moved_at: datetime | None = None,
    reverses: Posting | None = None,
) -> Posting:
    """Post a document's stock changes, all or nothing.

    Raises AlreadyPosted if (doc_type, doc_id) was posted before, InsufficientStock (naming item,
    location, batch, wanted and available quantity) if an outbound line exceeds on hand − reserved,
    InventoryError for invalid lines. On any error nothing is written.

    On PostgreSQL (unless settings.INVENTORY_POSTING_FASTPATH is off) the posting is one call of
    the database function jxc_post_moves (posting_pg.py), which follows exactly the rules below;
    elsewhere (SQLite) it runs through the ORM.
    """
    if connection.vendor == "postgresql" and getattr(settings, "INVENTORY_POSTING_FASTPATH", True):
        if not lines:
            raise InventoryError(_("A document without lines cannot be posted."))
        moved_at = moved_at or timezone.now()
        if timezone.is_aware(moved_at):
            return post_moves_pg(
                doc_type=doc_type,
                doc_id=doc_id,
                doc_number=doc_number,
                lines=[_checked(line, index) for index, line in enumerate(lines)],
                user=user,
                moved_at=moved_at,
                reverses=reverses,
            )
    return _post_moves_orm(
        doc_type=doc_type,
        doc_id=doc_id,
        doc_number=doc_number,
        lines=lines,
        user=user,
        moved_at=moved_at,
        reverses=reverses,
    )


@transaction.atomic
def _post_moves_orm(
    *,
    doc_type: str,
    doc_id: int,
    doc_number: str,
    lines: Sequence[MoveLine],
    user,
    moved_at: datetime | None = None,
    reverses: Posting | None = None,
) -> Posting:
    """post_moves through the ORM (SQLite, or PostgreSQL with the fast path switched off)."""
    if not lines:
        raise InventoryError(_("A document without lines cannot be posted."))
    moved_at = moved_at or timezone.now()
    lines = [_checked(line, index) for index, line in enumerate(lines)]
    check_open(moved_at)  # refuses a date in a closed month; interlocks with a close in progress

    try:
        with transaction.atomic():
            posting = Posting.objects.create(
                doc_type=doc_type,
                doc_id=doc_id,
                doc_number=doc_number,
                posted_at=timezone.now(),
                posted_by=user,
                reverses=reverses,
            )
    except IntegrityError as exc:
        if reverses is not None and Posting.objects.filter(reverses=reverses).exists():
            raise AlreadyPosted(
                _("%(number)s has already been reversed.") % {"number": reverses.doc_number}
            ) from exc
        raise AlreadyPosted(_("%(number)s has already been posted.") % {"number": doc_number}) from exc

    warehouse_of = _validate_references(lines)
    item_ids = sorted({line.item_id for line in lines})
    valuations = _lock_valuations(item_ids)
    balances = _lock_balances(lines, warehouse_of)
    _check_availability(lines, balances)

    moves = _build_moves(posting, lines, valuations, warehouse_of, moved_at)
    StockMove.objects.bulk_create(moves)
    for move in moves:
        balance = balances[(move.item_id, move.location_id, move.batch_id)]
        balance.on_hand += move.qty
        balance.value += move.value
        balance.last_moved_at = moved_at
    StockBalance.objects.bulk_update(balances.values(), ["on_hand", "value", "last_moved_at"])
    ItemValuation.objects.bulk_update(
        valuations.values(), ["qty", "value", "avg_cost", "chain_seq", "chain_head"]
    )
    return posting


def reverse_posting(posting: Posting, *, doc_type: str, doc_id: int, doc_number: str, user) -> Posting:
    """Post the exact opposite of `posting` (红字冲销): every move negated with the value it
    carried, so balances and item values return to what they were. A posting is reversed once."""
    lines = [
        MoveLine(
            item_id=m.item_id,
            location_id=m.location_id,
            batch_id=m.batch_id,
            qty=-m.qty,
            value=-m.value,
            line_ref=m.line_ref,
        )
        # Give back inbound moves last, so a reversed transfer frees the source before taking
        # from the destination in the running valuation.
        for m in sorted(posting.moves.all(), key=lambda m: (m.qty < 0, m.pk))
    ]
    return post_moves(
        doc_type=doc_type, doc_id=doc_id, doc_number=doc_number, lines=lines, user=user, reverses=posting
    )


def _checked(line: MoveLine, index: int) -> MoveLine:
    qty = Decimal(line.qty)
    if qty == 0:
        raise InventoryError(_("Line %(n)s has a zero quantity.") % {"n": index + 1})
    if qty != qty.quantize(QTY_PLACES):
        raise InventoryError(_("Line %(n)s has more than 4 decimal places.") % {"n": index + 1})
    if line.unit_cost is not None and Decimal(line.unit_cost) < 0:
        raise InventoryError(_("Line %(n)s has a negative unit cost.") % {"n": index + 1})
    if line.mirror_of is not None and not (0 <= line.mirror_of < index):
        raise InventoryError(_("Line %(n)s mirrors a line that does not precede it.") % {"n": index + 1})
    return line


def _validate_references(lines: Sequence[MoveLine]) -> dict[int, int]:
    """Items exist and are batch-tracked exactly when a batch is given; batches belong to their
    item; locations exist. Returns location id → warehouse id. Three reads whatever the lines."""
    items = dict(
        Item.objects.filter(pk__in={ln.item_id for ln in lines}).order_by().values_list("pk", "tracking")
    )
    warehouse_of = dict(
        Location.objects.filter(pk__in={ln.location_id for ln in lines})
        .order_by()
        .values_list("pk", "warehouse_id")
    )
    batch_ids = {ln.batch_id for ln in lines if ln.batch_id is not None}
    batch_item = (
        dict(Batch.objects.filter(pk__in=batch_ids).order_by().values_list("pk", "item_id"))
        if batch_ids
        else {}
    )
    for n, line in enumerate(lines, start=1):
        tracking = items.get(line.item_id)
        if tracking is None:
            raise _reference_error(UNKNOWN_ITEM, n)
        if line.location_id not in warehouse_of:
            raise _reference_error(UNKNOWN_LOCATION, n)
        if tracking == Tracking.NONE and line.batch_id is not None:
            raise _reference_error(NOT_BATCH_TRACKED, n)
        if tracking != Tracking.NONE and line.batch_id is None:
            raise _reference_error(BATCH_REQUIRED, n)
        if line.batch_id is not None and batch_item.get(line.batch_id) != line.item_id:
            raise _reference_error(BATCH_OF_ANOTHER_ITEM, n)
    return warehouse_of


# What is wrong with a line's references, in the order the checks run (jxc_post_moves returns the
# same codes).
UNKNOWN_ITEM, UNKNOWN_LOCATION, NOT_BATCH_TRACKED, BATCH_REQUIRED, BATCH_OF_ANOTHER_ITEM = 1, 2, 3, 4, 5


def _reference_error(code: int, n: int) -> InventoryError:
    if code == UNKNOWN_ITEM:
        message = _("Line %(n)s: unknown item.")
    elif code == UNKNOWN_LOCATION:
        message = _("Line %(n)s: unknown location.")
    elif code == NOT_BATCH_TRACKED:
        message = _("Line %(n)s: this item is not tracked by batch.")
    elif code == BATCH_REQUIRED:
        message = _("Line %(n)s: this item is tracked by batch; choose a batch.")
    else:
        message = _("Line %(n)s: the batch belongs to another item.")
    return InventoryError(message % {"n": n})


def _lock_valuations(item_ids: list[int]) -> dict[int, ItemValuation]:
    ItemValuation.objects.bulk_create([ItemValuation(item_id=i) for i in item_ids], ignore_conflicts=True)
    locked = ItemValuation.objects.select_for_update().filter(item_id__in=item_ids).order_by("item_id")
    return {v.item_id: v for v in locked}


def _lock_balances(lines: Sequence[MoveLine], warehouse_of: dict[int, int]) -> dict[tuple, StockBalance]:
    keys = sorted({line.key for line in lines}, key=_sort_key)
    inbound = {line.key for line in lines if line.qty > 0}
    if inbound:
        StockBalance.objects.bulk_create(
            [
                StockBalance(item_id=i, location_id=loc, batch_id=b, warehouse_id=warehouse_of[loc])
                for (i, loc, b) in sorted(inbound, key=_sort_key)
            ],
            ignore_conflicts=True,
        )
    condition = Q()
    for item_id, location_id, batch_id in keys:
        condition |= (
            Q(item_id=item_id, location_id=location_id, batch_id=batch_id)
            if batch_id
            else Q(item_id=item_id, location_id=location_id, batch__isnull=True)
        )
    locked = (
        StockBalance.objects.select_for_update()
        .filter(condition)
        .order_by("item_id", "location_id", "batch_id")
    )
    return {(b.item_id, b.location_id, b.batch_id): b for b in locked}


def _check_availability(lines: Sequence[MoveLine], balances: dict[tuple, StockBalance]) -> None:
    net: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        net[line.key] += line.qty
    short = []
    for key, change in net.items():
        if change >= 0:
            continue
        balance = balances.get(key)
        available = balance.available if balance else ZERO
        if available + change < 0:
            short.append((key, -change, available))
    if short:
        raise InsufficientStock([_shortage(key, wanted, available) for key, wanted, available in short])


def _shortage(key, wanted: Decimal, available: Decimal) -> Shortage:
    item_id, location_id, batch_id = key
    return Shortage(
        item=Item.objects.get(pk=item_id),
        location=Location.objects.get(pk=location_id),
        batch=Batch.objects.get(pk=batch_id).batch_no if batch_id else None,
        wanted=wanted,
        available=available,
    )


def _build_moves(posting, lines, valuations, warehouse_of, moved_at) -> list[StockMove]:
    moves: list[StockMove] = []
    for line in lines:
        val = valuations[line.item_id]
        qty = Decimal(line.qty)
        if line.value is not None and qty < 0 and -qty == val.qty:
            value = -val.value  # a carried value never leaves value behind with nothing on hand
        elif line.value is not None and qty < 0:
            value = max(_money(Decimal(line.value)), -val.value)  # nor takes more than is there
        elif line.value is not None:
            value = _money(Decimal(line.value))
        elif line.mirror_of is not None:
            value = -moves[line.mirror_of].value
        elif qty > 0 and line.unit_cost is not None:
            value = _money(qty * Decimal(line.unit_cost))
        elif qty < 0 and -qty == val.qty:
            value = -val.value  # the last units out take exactly what is left
        elif val.qty > 0:
            value = _money(val.value * qty / val.qty)
        else:
            value = _money(qty * val.avg_cost)
        unit_cost = (
            Decimal(line.unit_cost)
            if line.unit_cost is not None and qty > 0
            else abs(value / qty).quantize(COST_PLACES, rounding=ROUND_HALF_UP)
        )
        val.qty += qty
        val.value += value
        if val.qty > 0:
            val.avg_cost = (val.value / val.qty).quantize(COST_PLACES, rounding=ROUND_HALF_UP)
        val.chain_seq += 1
        value, unit_cost = _plain(value), _plain(unit_cost)
        move = StockMove(
            posting=posting,
            item_id=line.item_id,
            warehouse_id=warehouse_of[line.location_id],
            location_id=line.location_id,
            batch_id=line.batch_id,
            qty=qty,
            unit_cost=unit_cost.quantize(COST_PLACES, rounding=ROUND_HALF_UP),
            value=value,
            line_ref=line.line_ref,
            moved_at=moved_at,
            seq=val.chain_seq,
        )
        move.hash = move_hash(val.chain_head, move)
        val.chain_head = move.hash
        moves.append(move)
    return moves
