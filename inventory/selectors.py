"""Reads shared by views: what a user may see."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import NamedTuple

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.rules import sees_all_warehouses

from .models import Batch, Item, Location, Warehouse


def warehouses_for(user) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.all()
    if sees_all_warehouses(user):
        return qs
    return qs.filter(members=user)


def locations_for(user) -> QuerySet[Location]:
    return Location.objects.filter(warehouse__in=warehouses_for(user)).select_related("warehouse", "parent")


# The stock list filter's three choice lists, labelled as the models' __str__ label them and in
# their Meta orderings (warehouse: code; location: warehouse code, path; category: path).
_FILTER_CHOICES = """
SELECT 0, w.id, w.name, w.code, '' FROM inventory_warehouse w WHERE true{scope}
 UNION ALL
SELECT 1, l.id, w.code || ':' || l.code, w.code, l.path
  FROM inventory_location l JOIN inventory_warehouse w ON w.id = l.warehouse_id
 WHERE l.is_active{scope}
 UNION ALL
SELECT 2, c.id, coalesce(nullif(c.path, ''), c.name), c.path, '' FROM inventory_category c
 ORDER BY 1, 4, 5
"""


def stock_filter_choices(user) -> dict[str, list[tuple[int, str]]]:
    """(id, label) of the warehouses and active locations the user may see and of every category,
    for the stock list's filter: one statement. The form's own ModelChoiceIterators ran a
    server-side cursor and built a model instance per option — three cursors, ≈5 ms a page."""
    scope, params = "", []
    if not sees_all_warehouses(user):
        sql, params = warehouses_for(user).values("pk").query.sql_with_params()
        scope, params = f" AND w.id IN ({sql})", list(params) * 2
    out: dict[str, list[tuple[int, str]]] = {"warehouse": [], "location": [], "category": []}
    lists = list(out.values())
    with connection.cursor() as cursor:
        cursor.execute(_FILTER_CHOICES.format(scope=scope), params)  # only our fragment and Django's SQL
        for kind, pk, label, _code, _path in cursor.fetchall():
            lists[kind].append((pk, label))
    return out


def stock_documents_for(user) -> QuerySet:
    """Documents of the warehouses the user works in (source or destination of a transfer)."""
    from .models import StockDocument

    qs = StockDocument.objects.all()
    if sees_all_warehouses(user):
        return qs
    mine = warehouses_for(user)
    return qs.filter(Q(warehouse__in=mine) | Q(to_warehouse__in=mine))


def stock_on_hand(user) -> QuerySet:
    """Balances with stock in the user's warehouses, read from the balance table (never summed
    from the ledger), in the list's default order. Filters narrow it; stock_on_hand_page reads a
    page of it."""
    from .models import StockBalance

    qs = StockBalance.objects.exclude(on_hand=0, reserved=0)
    if not sees_all_warehouses(user):  # for everyone else `warehouse IN (all)` only costs planning
        qs = qs.filter(warehouse__in=warehouses_for(user))
    return qs.order_by(*STOCK_KEY)


# The list's default order; every sort ends with it so that the order is total — a keyset page
# needs a unique order, and ties on a sorted column would page unstably with OFFSET too.
STOCK_KEY = ("item__sku", "warehouse__code", "location__path", "batch__batch_no", "id")
# ?sort= name -> the field it orders by (the columns users could sort before keyset paging)
STOCK_SORTS = {
    "item": "item__sku",
    "warehouse": "warehouse__code",
    "location": "location__path",
    "batch": "batch__batch_no",
    "expiry": "batch__expiry_date",
    "on_hand": "on_hand",
    "reserved": "reserved",
}
_NULLABLE = {"batch__batch_no", "batch__expiry_date"}  # balances without a batch
# Only an ascending or descending SKU order walks an index (inventory_item's unique SKU index,
# then each item's balances): a page is then as cheap deep in the list as on top. The other sorts
# keep the keyset (exact, no OFFSET) but PostgreSQL reads every matching row for its top-50 sort.
_INDEXED = {"item__sku"}
_STOCK_FIELDS = (
    "id",
    "item_id",
    "warehouse_id",
    "location_id",
    "batch_id",
    "item__sku",
    "item__name",
    "warehouse__code",
    "warehouse__name",
    "location__path",
    "batch__batch_no",
    "batch__expiry_date",
    "on_hand",
    "reserved",
)


class Key(NamedTuple):
    field: str
    descending: bool


def stock_sort_keys(sort: str) -> list[Key]:
    """The full order of a ?sort= value ("on_hand", "-item"; unknown: the default order)."""
    field = STOCK_SORTS.get(sort.removeprefix("-"))
    if field is None:
        return [Key(f, False) for f in STOCK_KEY]
    return [Key(field, sort.startswith("-"))] + [Key(f, False) for f in STOCK_KEY if f != field]


@dataclass(frozen=True)
class KeysetPage:
    """One page of rows (dicts) and what the links around it need: `has_previous`/`has_next`,
    and the key values of the first and last row (the cursors of the pages before and after)."""

    rows: list[dict]
    has_previous: bool
    has_next: bool
    first_key: tuple | None
    last_key: tuple | None


def _later(field: str, descending: bool, value) -> Q | None:
    """Rows after `value` in one key's order (ascending: NULLS LAST, descending: NULLS FIRST, as
    PostgreSQL sorts by default); None when nothing can come after it."""
    nullable = field in _NULLABLE
    if descending:
        if value is None:
            return Q(**{f"{field}__isnull": False})
        return Q(**{f"{field}__lt": value})
    if value is None:
        return None
    later = Q(**{f"{field}__gt": value})
    return later | Q(**{f"{field}__isnull": True}) if nullable else later


def _beyond(keys: list[Key], values: Sequence, *, backwards: bool) -> Q | None:
    """Rows strictly after (backwards: before) the row with `values` in the order of `keys`:
    (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … with NULLs where PostgreSQL sorts them."""
    lead, value = keys[0], values[0]
    # among the rows of the cursor's lead value, those after it: (k2 > v2) OR (k2 = v2 AND k3 > v3) …
    tail, same = [], Q()
    for key, v in zip(keys[1:], values[1:], strict=True):
        later = _later(key.field, key.descending != backwards, v)
        if later is not None:
            tail.append(same & later)
        same &= Q(**{f"{key.field}__isnull": True}) if v is None else Q(**{key.field: v})
    if lead.field in _INDEXED and value is not None:
        # The same rows written as a plain range PostgreSQL can start an index scan at, minus the
        # rows of the cursor's own lead value that do not come after it:
        #     k1 >= v1 AND NOT (k1 = v1 AND NOT (<tail>))
        # ("(k1 > v1 OR …) AND k1 >= v1" selects the same rows, but the planner multiplies the two
        # estimates: deep in the list it expected a tenth of the rows there are, gave up on
        # stopping the index walk after a page, and started a parallel worker — ≈10 ms of 15 for a
        # page whose rows take 1 ms to read.)
        lookup = "lte" if lead.descending != backwards else "gte"
        at_lead = Q(**{lead.field: value})
        rest = at_lead & ~reduce(or_, tail) if tail else at_lead
        return Q(**{f"{lead.field}__{lookup}": value}) & ~rest
    first = _later(lead.field, lead.descending != backwards, value)
    at_lead = Q(**{f"{lead.field}__isnull": True}) if value is None else Q(**{lead.field: value})
    parts = ([first] if first is not None else []) + [at_lead & part for part in tail]
    return reduce(or_, parts) if parts else None


def stock_on_hand_page(
    rows: QuerySet,
    *,
    sort: str = "",
    after: Sequence | None = None,
    before: Sequence | None = None,
    size: int = 50,
    with_value: bool = False,
) -> KeysetPage:
    """A page of `rows` (stock_on_hand, filtered) by keyset: the `size` rows after the row whose
    key values are `after` (or before `before`; neither: the first page), in the order of `sort`
    (see stock_sort_keys). Two queries, however deep the page — no OFFSET. Rows are dicts of
    _STOCK_FIELDS and the item's base unit (`unit`), plus avg_cost and stock_value (on hand ×
    average cost) with `with_value`. Key values come from
    stock_sort_keys(sort) in that order (the view's cursors)."""
    keys = stock_sort_keys(sort)
    qs = rows.values(*_STOCK_FIELDS)
    backwards = before is not None and after is None
    cursor = before if backwards else after
    if cursor is not None:
        beyond = _beyond(keys, cursor, backwards=backwards)
        qs = qs.filter(beyond) if beyond is not None else qs.none()

    def ordered(qs: QuerySet, reverse: bool) -> QuerySet:
        return qs.order_by(
            *(
                F(k.field).desc(nulls_first=True)
                if k.descending != reverse
                else F(k.field).asc(nulls_last=True)
                for k in keys
            )
        )

    page = list(ordered(qs, backwards)[: size + 1])
    more = len(page) > size
    page = page[:size]
    if backwards:
        if not more:  # fewer than a page before the cursor: that is the first page
            return stock_on_hand_page(rows, sort=sort, size=size, with_value=with_value)
        page.reverse()
        has_previous, has_next = True, True
    else:
        has_previous, has_next = cursor is not None, more

    # The unit and the average cost come from a second, small query: two more joins in the page
    # query cost PostgreSQL 7–12 ms more planning (seven tables) than this query costs in all.
    of_item = (
        {
            pk: (unit, cost)
            for pk, unit, cost in Item.objects.filter(pk__in={r["item_id"] for r in page}).values_list(
                "pk", "base_unit__name", "valuation__avg_cost"
            )
        }
        if page
        else {}
    )
    for row in page:
        row["unit"], cost = of_item[row["item_id"]]
        if with_value:
            row["avg_cost"] = cost
            row["stock_value"] = None if cost is None else row["on_hand"] * cost

    def key_of(row: dict) -> tuple:
        return tuple(row[k.field] for k in keys)

    return KeysetPage(
        rows=page,
        has_previous=has_previous,
        has_next=has_next,
        first_key=key_of(page[0]) if page else None,
        last_key=key_of(page[-1]) if page else None,
    )


@dataclass
class StockCard:
    opening_qty: Decimal
    opening_value: Decimal
    rows: list[dict]
    closing_qty: Decimal
    closing_value: Decimal
    truncated: bool


STOCK_CARD_MAX_ROWS = 2000


def _as_day(value) -> date | None:
    """A date from a date or an ISO text (the stock card's query string); None when empty or
    not a date, so a mistyped URL shows the whole history instead of failing."""
    if value is None:
        return value
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return None
    # the card reaches a day beyond each end (boundary(), start − 1): no room at the calendar's ends
    return day if date.min < day < date.max else None


def _opening_balance(
    moves: QuerySet, *, item, warehouse, start: date, by_place: bool
) -> tuple[Decimal, Decimal]:
    """Quantity and value before `start`: the latest closed month at or before the day before,
    plus only the moves after it — two queries, however long the history. Summaries are per item
    × warehouse, so a card narrowed to a location or batch sums its earlier moves instead."""
    from .models import PeriodClose, PeriodSummary
    from .services.periods import boundary

    earlier = moves.filter(moved_at__lt=boundary(start - timedelta(days=1)))
    qty, value = Decimal("0"), Decimal("0")
    if not by_place:
        summaries = PeriodSummary.objects.filter(period=OuterRef("pk"), item=item)
        if warehouse is not None:
            summaries = summaries.filter(warehouse=warehouse)
        summaries = summaries.order_by().values("period")
        base = (
            PeriodClose.objects.filter(end_date__lt=start)
            .order_by("-end_date")
            .annotate(
                summary_qty=Subquery(summaries.annotate(total=Sum("qty")).values("total")),
                summary_value=Subquery(summaries.annotate(total=Sum("value")).values("total")),
            )
            .values("end_date", "summary_qty", "summary_value")
            .first()
        )
        if base is not None:
            qty, value = base["summary_qty"] or qty, base["summary_value"] or value
            earlier = earlier.filter(moved_at__gte=boundary(base["end_date"]))
    later = earlier.aggregate(qty=Sum("qty"), value=Sum("value"))
    return qty + (later["qty"] or 0), value + (later["value"] or 0)


def stock_card(*, item, warehouse=None, start=None, end=None, location_id=None, batch_id=None) -> StockCard:
    """One item's moves in a date range with running quantity and value (库存台账).
    The opening balance starts from the latest closed month's summary (see _opening_balance);
    a card costs the same few queries on a long history as on a short one."""
    from .models import StockMove
    from .services.periods import boundary

    start, end = _as_day(start), _as_day(end)
    moves = StockMove.objects.filter(item=item)
    if warehouse is not None:
        moves = moves.filter(warehouse=warehouse)
    if location_id:
        moves = moves.filter(location_id=location_id)
    if batch_id:
        moves = moves.filter(batch_id=batch_id)
    qty, value = Decimal("0"), Decimal("0")
    if start:
        qty, value = _opening_balance(
            moves, item=item, warehouse=warehouse, start=start, by_place=bool(location_id or batch_id)
        )
        moves = moves.filter(moved_at__gte=boundary(start - timedelta(days=1)))
    if end:
        moves = moves.filter(moved_at__lt=boundary(end))
    opening_qty, opening_value = qty, value
    rows = []
    page = list(
        moves.select_related("posting", "posting__posted_by", "location", "batch", "warehouse").order_by(
            "seq"
        )[: STOCK_CARD_MAX_ROWS + 1]
    )
    for move in page[:STOCK_CARD_MAX_ROWS]:
        qty += move.qty
        value += move.value
        rows.append({"move": move, "qty": qty, "value": value})
    return StockCard(opening_qty, opening_value, rows, qty, value, truncated=len(page) > STOCK_CARD_MAX_ROWS)


# First-expiry-first-out (FEFO) -------------------------------------------------------------
# Shared by the warehouse documents' line entry and, later, by sales shipments' pick lists.


class FefoPick(NamedTuple):
    """Take `qty` (base unit) of the item from `batch` at `location`. Unpacks as a tuple."""

    location: Location
    batch: Batch | None
    qty: Decimal


@dataclass(frozen=True)
class FefoProposal:
    """Picks in the order to take them, what was wanted and what no unexpired stock covers."""

    picks: list[FefoPick]
    wanted: Decimal
    shortfall: Decimal

    @property
    def complete(self) -> bool:
        return self.shortfall == 0


def fefo_candidates(item, warehouse, *, today: date | None = None) -> list[FefoPick]:
    """Every place the item can be taken from in `warehouse`, in FEFO order, each with its whole
    available quantity (on hand − reserved, base unit). One query.

    Order: expiry date (batches without one last), then first receipt (none last), then
    location path, so ties go to the bin a picker meets first. Never offered: expired batches
    (expiry_date < today; a batch expiring today may still go out), in-transit locations
    (stock on its way belongs to nobody's shelf), inactive locations and batches, balances with
    nothing available, and, for a batch-tracked item, stock without a batch (a document line
    could not name it)."""
    from .models import LocationKind, StockBalance

    today = today or timezone.localdate()
    balances = (
        StockBalance.objects.filter(item=item, warehouse=warehouse, on_hand__gt=F("reserved"))
        .exclude(location__kind=LocationKind.TRANSIT)
        .filter(location__is_active=True)
        .filter(Q(batch__isnull=True) | Q(batch__is_active=True))
        .filter(Q(batch__expiry_date__isnull=True) | Q(batch__expiry_date__gte=today))
        .select_related("location__warehouse", "batch")
        .order_by(
            F("batch__expiry_date").asc(nulls_last=True),
            F("batch__first_received_at").asc(nulls_last=True),
            "location__path",
            "batch__batch_no",
            "pk",
        )
    )
    if item.tracks_batches:
        balances = balances.filter(batch__isnull=False)
    return [FefoPick(b.location, b.batch, b.on_hand - b.reserved) for b in balances]


def fefo_allocate(candidates: Iterable[FefoPick], qty: Decimal) -> FefoProposal:
    """Take `qty` from `candidates` in their order, each as far as it goes. No queries: callers
    that must leave out what other lines already take lower the candidates' quantities first."""
    wanted = Decimal(qty)
    left = wanted
    picks = []
    for candidate in candidates:
        if left <= 0:
            break
        take = min(candidate.qty, left)
        if take > 0:
            picks.append(candidate._replace(qty=take))
            left -= take
    return FefoProposal(picks=picks, wanted=wanted, shortfall=max(left, Decimal("0")))


def fefo_allocation(item, warehouse, qty: Decimal, *, today: date | None = None) -> FefoProposal:
    """Propose where to take `qty` (base unit) of `item` in `warehouse` from, earliest expiry
    first, never from an expired batch, splitting over batches and locations when one is not
    enough; `shortfall` says how much all of them together lack. One query whatever the number
    of batches (see fefo_candidates for the order and what is never offered). A proposal, not a
    reservation: posting checks availability again under its locks."""
    return fefo_allocate(fefo_candidates(item, warehouse, today=today), qty)
