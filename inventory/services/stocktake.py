"""Stocktake (盘点单): snapshot a scope, count it, review the variances, post the adjustments.

Life of a count: DRAFT → COUNTING (count_start takes the snapshot) → SUBMITTED (variances above
a threshold wait for a manager) → POSTED; CANCELLED from any state before POSTED; a manager can
send a submitted count back to COUNTING for recounts.

Lock order, as everywhere in the project: count header → count lines → stock balances. Every
service locks the header first. Recording a count takes the header FOR SHARE only, so several
clerks count one stocktake at once while submitting (FOR UPDATE) waits for them to finish.

Moves during the count are accounted for. The snapshot locks the balances in scope FOR SHARE,
so postings in flight on them finish first and the book quantity is what the ledger says at
that moment. Recording a line locks its balance FOR SHARE again and keeps
moved_qty = on_hand now − snapshot_qty: the net of the moves posted between snapshot and count.
By the ledger invariant (on_hand == SUM(move.qty)) that equals the sum of the key's moves with
snapshot_move_id < id <= count_move_id, but unlike a range of sequence ids it cannot miss a
posting that drew its ids before the snapshot and committed after it (ids are not handed out
in commit order). The variance is counted − (snapshot + moved); moves after the count stay in
the book, so after posting the book holds counted + what moved since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import DataError, connection, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import AlreadyPosted, InventoryError
from ..models import (
    Batch,
    Category,
    CountStatus,
    Item,
    ItemValuation,
    Location,
    LocationKind,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMove,
    Tracking,
    Warehouse,
)
from .documents import InvalidTransition
from .numbering import next_number
from .posting import MoveLine, post_moves
from .retry import retry_on_conflict

DOC_TYPE = "stockcount"
PREFIX = "SC"
ZERO = Decimal("0")
QTY_PLACES = Decimal("0.0001")
MAX_QTY = Decimal("1e14")  # quantity columns: 18 digits, 4 after the point
# the posting service's lock order (item, location, batch): row locks never wait in a cycle
KEY_ORDER = "ORDER BY item_id, location_id, batch_id"


def _for_share() -> str:
    """Row locks are PostgreSQL's; SQLite (the newcomer's default) has none and needs none, as
    it runs one writing transaction at a time."""
    return " FOR SHARE" if connection.vendor == "postgresql" else ""


ALLOWED = {
    CountStatus.DRAFT: {CountStatus.COUNTING, CountStatus.CANCELLED},
    CountStatus.COUNTING: {CountStatus.SUBMITTED, CountStatus.POSTED, CountStatus.CANCELLED},
    CountStatus.SUBMITTED: {CountStatus.POSTED, CountStatus.COUNTING, CountStatus.CANCELLED},
}
IN_PROGRESS = (CountStatus.COUNTING, CountStatus.SUBMITTED)


@dataclass(frozen=True)
class Variance:
    line: StockCountLine
    qty: Decimal
    value: Decimal
    over_threshold: bool


# Scope --------------------------------------------------------------------------------------


def location_scope(count: StockCount) -> Q:
    """The locations a count covers, as a filter on Location: its warehouse, the location subtree
    if one is chosen, never the in-transit locations."""
    q = Q(warehouse_id=count.warehouse_id) & ~Q(kind=LocationKind.TRANSIT)
    if count.location_id:
        path = count.location.path
        q &= Q(path=path) | Q(path__startswith=f"{path}/")
    return q


def category_scope(count: StockCount) -> Q:
    """The items a count covers, as a filter on Item: everything, or a category subtree."""
    if not count.category_id:
        return Q()
    path = count.category.path
    return Q(category_id=count.category_id) | Q(category__path__startswith=f"{path} / ")


def _scopes_overlap(a: StockCount, b: StockCount) -> bool:
    if a.warehouse_id != b.warehouse_id:
        return False
    if not a.location_id or not b.location_id:
        return True
    pa, pb = a.location.path, b.location.path
    return pa == pb or pa.startswith(f"{pb}/") or pb.startswith(f"{pa}/")


# Helpers ------------------------------------------------------------------------------------


def _locked(count_id: int) -> StockCount:
    return (
        StockCount.objects.select_for_update(of=("self",))
        .select_related("location", "category")
        .get(pk=count_id)
    )


def _shared(count_id: int) -> StockCount:
    """The header FOR SHARE: recorders run side by side; submit, approve and cancel (FOR UPDATE)
    wait until they are done, and they wait for those."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM inventory_stockcount WHERE id = %s FOR SHARE"
            if connection.vendor == "postgresql"
            else "SELECT id FROM inventory_stockcount WHERE id = %s",
            [count_id],
        )
        if cursor.fetchone() is None:
            raise StockCount.DoesNotExist
    return StockCount.objects.select_related("location", "category", "warehouse").get(pk=count_id)


def _transition(count: StockCount, new: str) -> None:
    if new not in ALLOWED.get(count.status, set()):
        raise InvalidTransition(
            _("%(number)s is %(status)s and cannot become %(new)s.")
            % {"number": count.number, "status": count.get_status_display(), "new": CountStatus(new).label}
        )
    count.status = new


def _key_order(key: tuple) -> tuple[int, int, int]:
    return (key[0], key[1], key[2] or 0)


def _share_balances(keys) -> dict[tuple, Decimal]:
    """Lock the balances of `keys` FOR SHARE in the posting service's key order (so postings in
    flight finish first and new ones wait) and return their on-hand quantities."""
    keys = sorted(set(keys), key=_key_order)
    if not keys:
        return {}
    condition = Q()
    for item_id, location_id, batch_id in keys:
        condition |= (
            Q(item_id=item_id, location_id=location_id, batch_id=batch_id)
            if batch_id
            else Q(item_id=item_id, location_id=location_id, batch__isnull=True)
        )
    return _share_query(StockBalance.objects.filter(condition))


def _share_query(balances) -> dict[tuple, Decimal]:
    inner, params = balances.order_by().values("id").query.sql_with_params()
    # `inner` is SQL the ORM generated, its parameters kept apart: nothing user-typed in it.
    head = "SELECT id, item_id, location_id, batch_id, on_hand FROM inventory_stockbalance WHERE id IN"
    sql = f"{head} ({inner}) {KEY_ORDER}{_for_share()}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # SQLite hands a raw decimal column back as a float: go through its text, exactly
        return {
            (item, loc, batch): Decimal(str(on_hand)).quantize(QTY_PLACES)
            for _id, item, loc, batch, on_hand in cursor.fetchall()
        }


def _last_move_id() -> int:
    return StockMove.objects.aggregate(last=Max("id"))["last"] or 0


def _qty(value) -> Decimal:
    qty = Decimal(value)
    if qty != qty.quantize(QTY_PLACES):
        raise InventoryError(_("A quantity has at most 4 decimal places."))
    return qty


def _avg_costs(item_ids) -> dict[int, Decimal]:
    return dict(ItemValuation.objects.filter(item_id__in=item_ids).values_list("item_id", "avg_cost"))


def check_thresholds(user, qty_threshold: Decimal, value_threshold: Decimal) -> None:
    """The thresholds decide which variances wait for a manager: only someone who may approve
    them may set them above the settings (a clerk could otherwise post any loss unapproved)."""
    if user.has_perm("inventory.approve_stockcount"):
        return
    limits = (
        (qty_threshold, Decimal(settings.STOCKTAKE_QTY_THRESHOLD)),
        (value_threshold, Decimal(settings.STOCKTAKE_VALUE_THRESHOLD)),
    )
    for threshold, limit in limits:
        if threshold > limit:
            raise InventoryError(
                _("Only a manager can set a threshold above %(limit)s.") % {"limit": _plain(limit)}
            )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


# Services -----------------------------------------------------------------------------------


@transaction.atomic
def count_create(
    *,
    warehouse: Warehouse,
    user,
    location: Location | None = None,
    category: Category | None = None,
    blind: bool = True,
    qty_threshold: Decimal | None = None,
    value_threshold: Decimal | None = None,
    note: str = "",
) -> StockCount:
    """A new draft stocktake with its number (SC-2026-000001). Thresholds default to the
    settings STOCKTAKE_QTY_THRESHOLD / STOCKTAKE_VALUE_THRESHOLD."""
    if location is not None and location.warehouse_id != warehouse.pk:
        raise InventoryError(_("The location is not in %(wh)s.") % {"wh": warehouse})
    if location is not None and location.kind == LocationKind.TRANSIT:
        raise InventoryError(_("Goods in transit cannot be counted."))
    qty_threshold = Decimal(settings.STOCKTAKE_QTY_THRESHOLD if qty_threshold is None else qty_threshold)
    value_threshold = Decimal(
        settings.STOCKTAKE_VALUE_THRESHOLD if value_threshold is None else value_threshold
    )
    if qty_threshold < 0 or value_threshold < 0:
        raise InventoryError(_("A threshold cannot be negative."))
    check_thresholds(user, qty_threshold, value_threshold)
    return StockCount.objects.create(
        number=next_number(PREFIX),
        warehouse=warehouse,
        location=location,
        category=category,
        blind=blind,
        qty_threshold=qty_threshold,
        value_threshold=value_threshold,
        note=note,
        created_by=user,
    )


@transaction.atomic
def count_start(*, count_id: int, user) -> StockCount:
    """Take the snapshot: one line per balance in scope with stock, at the item's average cost.

    Locks: header, then the warehouse row (FOR NO KEY UPDATE: two starts in one warehouse
    serialize, postings are not blocked), then the balances in scope FOR SHARE in key order.
    Raises InvalidTransition unless DRAFT; InventoryError if a location in scope is already in a
    count in progress, or nothing in scope is on hand."""
    count = _locked(count_id)
    _transition(count, CountStatus.COUNTING)
    Warehouse.objects.select_for_update(no_key=True).filter(pk=count.warehouse_id).exists()
    others = StockCount.objects.filter(warehouse_id=count.warehouse_id, status__in=IN_PROGRESS).exclude(
        pk=count.pk
    )
    for other in others.select_related("location"):
        if _scopes_overlap(count, other):
            raise InventoryError(
                _("%(scope)s is already being counted in %(number)s; finish or cancel that count first.")
                % {
                    "scope": other.location.path if other.location_id else other.warehouse,
                    "number": other.number,
                }
            )
    balances = StockBalance.objects.filter(
        location__in=Location.objects.filter(location_scope(count)),
        item__in=Item.objects.filter(category_scope(count)),
    ).exclude(on_hand=0)
    book = _share_query(balances)
    book = {key: qty for key, qty in book.items() if qty != 0}
    if not book:
        raise InventoryError(
            _("Nothing is on hand in the scope of %(number)s; choose another location or category.")
            % {"number": count.number}
        )
    costs = _avg_costs({key[0] for key in book})
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(
                count=count,
                item_id=item_id,
                location_id=location_id,
                batch_id=batch_id,
                snapshot_qty=qty,
                unit_cost=costs.get(item_id, ZERO),
            )
            for (item_id, location_id, batch_id), qty in sorted(
                book.items(), key=lambda kv: _key_order(kv[0])
            )
        ]
    )
    count.snapshot_move_id = _last_move_id()
    count.started_at = timezone.now()
    count.save(update_fields=["status", "snapshot_move_id", "started_at", "updated_at"])
    return count


@transaction.atomic
def count_record(
    *,
    count_id: int,
    user,
    qty: Decimal,
    mode: str = "set",
    line_id: int | None = None,
    item: Item | None = None,
    location_id: int | None = None,
    batch_no: str = "",
    expiry_date: date | None = None,
    production_date: date | None = None,
) -> StockCountLine:
    """Record what was found on a line: `set` the counted quantity or `add` to it (a scan).

    The line is given by `line_id`, or by item, location and batch number; stock found where the
    sheet has no line adds one (book quantity 0) if the item and location are in scope — a new
    batch number creates the batch (expiry date required for expiry-tracked items).
    Locks: header FOR SHARE, the line FOR UPDATE (concurrent `add`s serialize and none is lost),
    its balance FOR SHARE. Raises InvalidTransition unless COUNTING, InventoryError otherwise."""
    if mode not in ("set", "add"):
        raise ValueError(mode)
    count = _shared(count_id)
    if count.status != CountStatus.COUNTING:
        raise InvalidTransition(
            _("%(number)s is %(status)s: counts can be entered only while counting.")
            % {"number": count.number, "status": count.get_status_display()}
        )
    qty = _qty(qty)
    if line_id is not None:
        line = StockCountLine.objects.select_for_update().filter(pk=line_id, count_id=count.pk).first()
        if line is None:
            raise InventoryError(_("This line is not on %(number)s.") % {"number": count.number})
    else:
        line = _line_for_key(count, item, location_id, batch_no, expiry_date, production_date)
    counted = qty if mode == "set" else (line.counted_qty or ZERO) + qty
    if counted < 0:
        raise InventoryError(_("The counted quantity cannot be negative (%(item)s).") % {"item": line.item})
    if counted >= MAX_QTY:  # beyond the quantity column
        raise InventoryError(_("The counted quantity of %(item)s is too large.") % {"item": line.item})
    book = _share_balances([(line.item_id, line.location_id, line.batch_id)])
    on_hand = book.get((line.item_id, line.location_id, line.batch_id), ZERO)
    line.counted_qty = counted
    line.moved_qty = on_hand - line.snapshot_qty
    line.counted_by = user
    line.counted_at = timezone.now()
    line.count_move_id = _last_move_id()
    line.save(update_fields=["counted_qty", "moved_qty", "counted_by", "counted_at", "count_move_id"])
    return line


def _line_for_key(count, item, location_id, batch_no, expiry_date, production_date) -> StockCountLine:
    if item is None or location_id is None:
        raise InventoryError(_("Choose the item and the location."))
    location = Location.objects.filter(location_scope(count), pk=location_id).first()
    if location is None:
        raise InventoryError(_("This location is not in the scope of %(number)s.") % {"number": count.number})
    if not Item.objects.filter(category_scope(count), pk=item.pk).exists():
        raise InventoryError(
            _("%(item)s is not in the scope of %(number)s.") % {"item": item, "number": count.number}
        )
    batch = _batch(item, batch_no, expiry_date, production_date)
    key = Q(count=count, item=item, location=location) & (Q(batch=batch) if batch else Q(batch__isnull=True))
    line = StockCountLine.objects.select_for_update().filter(key).first()
    if line is not None:
        return line
    # Found stock: add the line; two clerks finding it at once create it once.
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(
                count=count,
                item=item,
                location=location,
                batch=batch,
                snapshot_qty=ZERO,
                unit_cost=_avg_costs([item.pk]).get(item.pk, ZERO),
            )
        ],
        ignore_conflicts=True,
    )
    return StockCountLine.objects.select_for_update().get(key)


def _batch(item: Item, batch_no: str, expiry_date, production_date) -> Batch | None:
    if item.tracking == Tracking.NONE:
        return None
    number = (batch_no or "").strip()
    if not number:
        raise InventoryError(_("%(item)s is tracked by batch; enter the batch number.") % {"item": item})
    batch = Batch.objects.filter(item=item, batch_no=number).first()
    if batch is not None:
        return batch
    if item.tracking == Tracking.BATCH_EXPIRY and not expiry_date:
        raise InventoryError(
            _("Batch %(batch)s of %(item)s is new; enter its expiry date.") % {"batch": number, "item": item}
        )
    Batch.objects.bulk_create(
        [
            Batch(
                item=item,
                batch_no=number,
                expiry_date=expiry_date,
                production_date=production_date,
                first_received_at=timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
    return Batch.objects.get(item=item, batch_no=number)


def variances(count: StockCount) -> list[Variance]:
    """The counted lines that differ from the book, largest value first."""
    rows = []
    for line in count.lines.filter(counted_qty__isnull=False).select_related(
        "item", "item__base_unit", "location", "batch", "counted_by"
    ):
        qty = line.variance
        if not qty:
            continue
        value = (qty * line.unit_cost).quantize(Decimal("0.01"))
        rows.append(Variance(line, qty, value, _over(count, qty, value)))
    rows.sort(key=lambda v: (-abs(v.value), -abs(v.qty), v.line.pk))
    return rows


def _over(count: StockCount, qty: Decimal, value: Decimal) -> bool:
    return abs(qty) > count.qty_threshold or abs(value) > count.value_threshold


@transaction.atomic
def count_submit(*, count_id: int, user, zero_uncounted: bool = False) -> StockCount:
    """Finish counting. Uncounted lines are refused unless `zero_uncounted` records them as 0.
    If any variance exceeds a threshold the count waits for a manager (SUBMITTED); otherwise it
    posts now. Locks: header, uncounted lines, their balances FOR SHARE (then the posting's)."""
    count = _locked(count_id)
    if count.status != CountStatus.COUNTING:
        _transition(count, CountStatus.SUBMITTED)  # raises with the reason
    uncounted = list(count.lines.select_for_update().filter(counted_qty__isnull=True).order_by("pk"))
    if uncounted and not zero_uncounted:
        raise InventoryError(
            _("%(n)s lines of %(number)s are not counted yet: count them, or submit the rest as zero.")
            % {"n": len(uncounted), "number": count.number}
        )
    if uncounted:
        book = _share_balances([(ln.item_id, ln.location_id, ln.batch_id) for ln in uncounted])
        now, last = timezone.now(), _last_move_id()
        for line in uncounted:
            line.counted_qty = ZERO
            line.moved_qty = (
                book.get((line.item_id, line.location_id, line.batch_id), ZERO) - line.snapshot_qty
            )
            line.counted_by, line.counted_at, line.count_move_id = user, now, last
        StockCountLine.objects.bulk_update(
            uncounted, ["counted_qty", "moved_qty", "counted_by", "counted_at", "count_move_id"]
        )
    count.submitted_by = user
    if any(v.over_threshold for v in variances(count)):
        _transition(count, CountStatus.SUBMITTED)
        count.save(update_fields=["status", "submitted_by", "updated_at"])
    else:
        _post(count, user)
    return count


@retry_on_conflict
def count_approve(*, count_id: int, user) -> StockCount:
    """A manager approves a submitted count, which posts its adjustments. Nobody approves a
    count they submitted. A second approval raises AlreadyPosted and posts nothing."""
    count = _locked(count_id)
    if count.status == CountStatus.POSTED:
        raise AlreadyPosted(_("%(number)s has already been posted.") % {"number": count.number})
    if count.status != CountStatus.SUBMITTED:
        raise InvalidTransition(_("%(number)s is not awaiting approval.") % {"number": count.number})
    if not user.has_perm("inventory.approve_stockcount"):
        raise InvalidTransition(_("Only a manager can approve stocktake variances."))
    if count.submitted_by_id == user.pk:
        raise InvalidTransition(_("You cannot approve a count you submitted."))
    count.approved_by = user
    _post(count, user)
    return count


def _post(count: StockCount, user) -> None:
    """One posting of every non-zero variance (gains at the item's average, losses out), then
    the count is POSTED and each counted location remembers when it was counted."""
    _transition(count, CountStatus.POSTED)
    lines = [ln for ln in count.lines.all() if ln.counted_qty is not None and ln.variance]
    if lines:
        held = set(
            ItemValuation.objects.filter(item_id__in={ln.item_id for ln in lines}, qty__gt=0).values_list(
                "item_id", flat=True
            )
        )
        moves = [
            MoveLine(
                item_id=ln.item_id,
                location_id=ln.location_id,
                qty=ln.variance,
                batch_id=ln.batch_id,
                # A gain enters at the item's average; with nothing on hand there is no average
                # to speak of, so at the cost the count was valued at.
                unit_cost=ln.unit_cost if ln.variance > 0 and ln.item_id not in held else None,
                line_ref=ln.pk,
            )
            for ln in lines
        ]
        try:
            with transaction.atomic():
                count.posting = post_moves(
                    doc_type=DOC_TYPE, doc_id=count.pk, doc_number=count.number, lines=moves, user=user
                )
        except DataError as exc:  # a value beyond the money columns (a barcode typed as a count)
            raise InventoryError(
                _("%(number)s has a counted quantity too large to post: check the counts.")
                % {"number": count.number}
            ) from exc
    latest = (
        StockCountLine.objects.filter(count=count, location=OuterRef("pk"), counted_at__isnull=False)
        .order_by()
        .values("location")
        .annotate(last=Max("counted_at"))
        .values("last")
    )
    Location.objects.filter(pk__in=count.lines.filter(counted_at__isnull=False).values("location")).update(
        last_counted_at=Greatest(Coalesce("last_counted_at", Subquery(latest)), Subquery(latest))
    )
    count.posted_by, count.posted_at = user, timezone.now()
    count.save(
        update_fields=[
            "status",
            "posting",
            "posted_by",
            "posted_at",
            "approved_by",
            "submitted_by",
            "updated_at",
        ]
    )


@transaction.atomic
def count_return(*, count_id: int, user) -> StockCount:
    """A manager sends a submitted count back to counting, for recounts of doubtful lines."""
    count = _locked(count_id)
    if count.status != CountStatus.SUBMITTED:
        raise InvalidTransition(_("%(number)s is not awaiting approval.") % {"number": count.number})
    _transition(count, CountStatus.COUNTING)
    count.submitted_by = None
    count.save(update_fields=["status", "submitted_by", "updated_at"])
    return count


@transaction.atomic
def count_cancel(*, count_id: int, user) -> StockCount:
    """Cancel a count that has not been posted; nothing moves."""
    count = _locked(count_id)
    _transition(count, CountStatus.CANCELLED)
    count.save(update_fields=["status", "updated_at"])
    return count
