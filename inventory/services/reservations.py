"""Reservations: stock promised to document lines (confirmed sales orders) before it is shipped.

A reservation sits on a balance row (item × location × batch), chosen first-expiry-first-out among
what is available (on hand − reserved), never on an expired batch or in transit. The balance's
`reserved` is the sum of its reservations, kept in the same transaction; since every posting
checks on hand − reserved, reserved stock cannot be issued by anything else.

Locks, as a posting takes them: the items' valuation rows first (in item order), then their
balance rows in the posting service's key order (item, location, batch). Every writer of an
item's balances holds its valuation first, so reserving, releasing, shipping (which releases,
then posts) and posting never deadlock. Many connections reserving the last units of an item
serialize on it: together they reserve at most what is there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import InventoryError
from ..models import Item, ItemValuation, Location, LocationKind, Reservation, StockBalance, Warehouse
from .posting import MoveLine, post_moves

ZERO = Decimal("0")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ReserveLine:
    """Reserve `qty` (base unit) of the item in the warehouse for one document line. With
    allow_short, what is not available stays unreserved (a backorder) instead of refusing."""

    item_id: int
    warehouse_id: int
    qty: Decimal
    line_ref: int
    allow_short: bool = False


@dataclass
class LineReservation:
    line_ref: int
    wanted: Decimal
    reserved: Decimal = ZERO

    @property
    def short(self) -> Decimal:
        return self.wanted - self.reserved


@dataclass(frozen=True)
class ReservationShortage:
    item: Item
    warehouse: Warehouse
    wanted: Decimal
    available: Decimal


class NotEnoughToReserve(InventoryError):
    """Not enough available to reserve; `shortages` names item, warehouse, wanted, available."""

    def __init__(self, shortages: list[ReservationShortage]):
        from accounts.formatting import fmt_qty

        self.shortages = shortages
        parts = [
            _("%(item)s in %(warehouse)s: wanted %(wanted)s %(unit)s, available %(available)s")
            % {
                "item": s.item,
                "warehouse": s.warehouse,
                "wanted": fmt_qty(s.wanted),
                "unit": s.item.base_unit.name,
                "available": fmt_qty(s.available),
            }
            for s in shortages
        ]
        super().__init__(_("Not enough available to reserve: %(list)s.") % {"list": "; ".join(parts)})


def _fefo_key(balance: StockBalance):
    """First expiry first (none last), then first received (none last), then the bin's path."""
    batch = balance.batch
    expiry = batch.expiry_date if batch else None
    received = batch.first_received_at if batch else None
    return (
        expiry is None,
        expiry or date.min,
        received is None,
        received or EPOCH,
        balance.location.path,
        batch.batch_no if batch else "",
        balance.pk,
    )


def _lock_valuations(item_ids) -> None:
    list(ItemValuation.objects.select_for_update().filter(item_id__in=sorted(item_ids)).order_by("item_id"))


def _lock_item_balances(pairs: set[tuple[int, int]]) -> list[StockBalance]:
    """Every balance of the (item, warehouse) pairs, locked in the posting service's key order."""
    items = {i for i, _w in pairs}
    warehouses = {w for _i, w in pairs}
    rows = list(
        StockBalance.objects.select_for_update(of=("self",))
        .filter(item_id__in=items, warehouse_id__in=warehouses)
        .select_related("location", "batch")
        .order_by("item_id", "location_id", "batch_id")
    )
    return [b for b in rows if (b.item_id, b.warehouse_id) in pairs]


def _usable(balance: StockBalance, item: Item, today: date) -> bool:
    batch = balance.batch
    return (
        balance.on_hand > balance.reserved
        and balance.location.kind != LocationKind.TRANSIT
        and balance.location.is_active
        and (batch is None or (batch.is_active and (batch.expiry_date is None or batch.expiry_date >= today)))
        and (batch is not None or not item.tracks_batches)
    )


@transaction.atomic
def reserve(
    *, doc_type: str, doc_id: int, lines: list[ReserveLine], today: date | None = None
) -> list[LineReservation]:
    """Reserve each line's quantity first-expiry-first-out in its warehouse. All or nothing:
    when a line without allow_short cannot be covered, raises NotEnoughToReserve naming every
    such line and reserves nothing. Returns what each line got (short only with allow_short)."""
    today = today or timezone.localdate()
    for line in lines:
        if Decimal(line.qty) <= 0:
            raise InventoryError(_("A reservation needs a quantity greater than zero."))
    pairs = {(ln.item_id, ln.warehouse_id) for ln in lines}
    items = Item.objects.select_related("base_unit").in_bulk({i for i, _w in pairs})
    _lock_valuations(items)
    balances = _lock_item_balances(pairs)
    candidates: dict[tuple[int, int], list[StockBalance]] = defaultdict(list)
    for b in sorted(balances, key=_fefo_key):
        if _usable(b, items[b.item_id], today):
            candidates[(b.item_id, b.warehouse_id)].append(b)
    taken: dict[int, Decimal] = defaultdict(Decimal)  # balance id -> reserved now
    results, rows, shortages = [], [], []
    for line in lines:
        result = LineReservation(line.line_ref, Decimal(line.qty))
        left = result.wanted
        for b in candidates[(line.item_id, line.warehouse_id)]:
            if left <= 0:
                break
            take = min(b.on_hand - b.reserved - taken[b.pk], left)
            if take > 0:
                taken[b.pk] += take
                left -= take
                result.reserved += take
                rows.append((b, line, take))
        if left > 0 and not line.allow_short:
            available = sum(
                (b.on_hand - b.reserved for b in candidates[(line.item_id, line.warehouse_id)]), ZERO
            )
            shortages.append(
                ReservationShortage(
                    items[line.item_id], Warehouse.objects.get(pk=line.warehouse_id), result.wanted, available
                )
            )
        results.append(result)
    if shortages:
        raise NotEnoughToReserve(shortages)
    by_balance = {b.pk: b for b in balances}
    for balance_id, qty in taken.items():
        by_balance[balance_id].reserved += qty
    StockBalance.objects.bulk_update([by_balance[pk] for pk in sorted(taken)], ["reserved"])
    merged: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    meta = {}
    for b, line, qty in rows:
        merged[(line.line_ref, b.pk)] += qty
        meta[(line.line_ref, b.pk)] = (b, line)
    existing = {
        (r.line_ref, r.balance_id): r
        for r in Reservation.objects.filter(doc_type=doc_type, line_ref__in={k[0] for k in merged})
    }
    new, changed = [], []
    for key, qty in merged.items():
        if key in existing:
            existing[key].qty += qty
            changed.append(existing[key])
        else:
            b, line = meta[key]
            new.append(
                Reservation(
                    balance=b,
                    item_id=b.item_id,
                    warehouse_id=b.warehouse_id,
                    doc_type=doc_type,
                    doc_id=doc_id,
                    line_ref=line.line_ref,
                    qty=qty,
                )
            )
    Reservation.objects.bulk_create(new)
    Reservation.objects.bulk_update(changed, ["qty"])
    return results


@dataclass
class Released:
    by_line: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    @property
    def total(self) -> Decimal:
        return sum(self.by_line.values(), ZERO)


def _release(
    doc_type: str,
    doc_id: int,
    limits: dict[int, Decimal] | None,
    taken: dict[tuple[int, tuple], Decimal] | None = None,
) -> Released:
    """Release the document's reservations (all, or per line at most limits[line_ref]); the
    balances are locked in key order first. With `taken` ({(line_ref, (item, location, batch)):
    qty} — what a shipment takes where), the reservations on those very keys go first; then the
    latest-expiry ones, so what stays reserved is what should leave first."""
    reservations = list(
        Reservation.objects.filter(doc_type=doc_type, doc_id=doc_id).select_related(
            "balance__location", "balance__batch"
        )
    )
    if limits is not None:
        reservations = [r for r in reservations if r.line_ref in limits]
    released = Released()
    if not reservations:
        return released
    _lock_valuations({r.item_id for r in reservations})
    locked = {
        b.pk: b
        for b in StockBalance.objects.select_for_update()
        .filter(pk__in={r.balance_id for r in reservations})
        .order_by("item_id", "location_id", "batch_id")
    }
    left = dict(limits) if limits is not None else None
    here = dict(taken or {})
    remaining = {r.pk: r.qty for r in reservations}

    def give_back(r, qty: Decimal) -> None:
        if qty <= 0:
            return
        locked[r.balance_id].reserved -= qty
        released.by_line[r.line_ref] += qty
        remaining[r.pk] -= qty
        if left is not None:
            left[r.line_ref] -= qty

    def room(r) -> Decimal:
        return remaining[r.pk] if left is None else min(remaining[r.pk], left[r.line_ref])

    # first what the shipment takes on each very key (no more than it takes there), then the rest
    # latest expiry first
    for r in reservations:
        b = r.balance
        where = (r.line_ref, (b.item_id, b.location_id, b.batch_id))
        qty = min(room(r), here.get(where, ZERO))
        if qty > 0:
            here[where] -= qty
            give_back(r, qty)
    for r in sorted(reservations, key=lambda r: _fefo_key(r.balance), reverse=True):
        give_back(r, room(r))
    gone = [r.pk for r in reservations if remaining[r.pk] == 0]
    shrunk = []
    for r in reservations:
        if 0 < remaining[r.pk] < r.qty:
            r.qty = remaining[r.pk]
            shrunk.append(r)
    StockBalance.objects.bulk_update(list(locked.values()), ["reserved"])
    Reservation.objects.filter(pk__in=gone).delete()
    Reservation.objects.bulk_update(shrunk, ["qty"])
    return released


@transaction.atomic
def release(*, doc_type: str, doc_id: int, line_refs: dict[int, Decimal] | None = None) -> Released:
    """Give back what a document reserved: everything (cancel), or per line at most the given
    quantity (a line reduced). Releasing what is not reserved does nothing."""
    return _release(doc_type, doc_id, line_refs)


@transaction.atomic
def ship_reserved(
    *,
    reservation_doc_type: str,
    reservation_doc_id: int,
    doc_type: str,
    doc_id: int,
    doc_number: str,
    lines: list[MoveLine],
    user,
    moved_at=None,
):
    """Post outbound `lines` (negative quantities, line_ref = the reserving line) that consume
    the document's reservations: each line's reservation shrinks by what it ships, then the moves
    are posted (at the current moving average), all in one transaction. The valuations are
    locked before the balances, as posting does."""
    _lock_valuations({ln.item_id for ln in lines})  # before any balance, as posting does
    # every balance of these items in these warehouses in one statement, in key order: releasing
    # and posting below then only re-enter locks already held
    warehouse_of = dict(
        Location.objects.filter(pk__in={ln.location_id for ln in lines}).values_list("pk", "warehouse_id")
    )
    _lock_item_balances({(ln.item_id, warehouse_of.get(ln.location_id)) for ln in lines})
    shipped: dict[int, Decimal] = defaultdict(Decimal)
    taken: dict[tuple[int, tuple], Decimal] = defaultdict(Decimal)
    for ln in lines:
        if ln.line_ref is None or ln.qty >= 0:
            raise InventoryError(_("A shipment line must take stock out for an order line."))
        shipped[ln.line_ref] += -Decimal(ln.qty)
        taken[(ln.line_ref, ln.key)] += -Decimal(ln.qty)
    _release(reservation_doc_type, reservation_doc_id, dict(shipped), taken)
    return post_moves(
        doc_type=doc_type, doc_id=doc_id, doc_number=doc_number, lines=lines, user=user, moved_at=moved_at
    )


def reserved_by_line(doc_type: str, doc_id: int) -> dict[int, Decimal]:
    rows = Reservation.objects.filter(doc_type=doc_type, doc_id=doc_id).values_list("line_ref", "qty")
    out: dict[int, Decimal] = defaultdict(Decimal)
    for line_ref, qty in rows:
        out[line_ref] += qty
    return dict(out)


def availability(item_id: int, warehouse_id: int) -> tuple[Decimal, Decimal]:
    """(on hand, reserved) of the item in the warehouse, read from the balances."""
    from django.db.models import Sum

    sums = StockBalance.objects.filter(item_id=item_id, warehouse_id=warehouse_id).aggregate(
        on_hand=Sum("on_hand"), reserved=Sum("reserved")
    )
    return sums["on_hand"] or ZERO, sums["reserved"] or ZERO


__all__ = [
    "LineReservation",
    "NotEnoughToReserve",
    "ReserveLine",
    "availability",
    "release",
    "reserve",
    "reserved_by_line",
    "ship_reserved",
]
