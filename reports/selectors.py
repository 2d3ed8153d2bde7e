"""The computations behind the stock reports: set-based reads of the ledger, the balances and the
month-end summaries, a fixed number of queries whatever the number of items.

Cost of goods sold (COGS, 销货成本) — the consumption every stock report measures demand by — is
the value that left stock through posted sales shipments and goods issues (领料/出库单 of kind
"issue"), less what customer returns brought back into stock; reversals of those documents net
out because they post under the same document kinds. Transfers, purchase returns, stock losses
and stocktake differences are not consumption. Values are the moving average costs the ledger
carried."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Case, IntegerField, Max, Min, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.rules import sees_all_warehouses
from inventory.models import (
    Category,
    DocumentKind,
    Item,
    ItemValuation,
    PeriodClose,
    PeriodSummary,
    StockBalance,
    StockDocument,
    StockMove,
    Warehouse,
)
from inventory.selectors import warehouses_for
from inventory.services import stock_as_of
from inventory.services.documents import DOC_TYPE as STOCK_DOCUMENT
from inventory.services.periods import boundary, month_end
from sales.services import RETURN_DOC_TYPE as CUSTOMER_RETURN
from sales.services import SHIPMENT_DOC_TYPE as SHIPMENT

from .forms import items_in_scope

ZERO = Decimal("0")
FEN = Decimal("0.01")
HUNDREDTH = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal("100")
QTY_PLACES = Decimal("0.0001")  # inventory.models.QTY
SHARE_PLACES = Decimal("0.001")  # a tenth of a percent


def rounded(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


# Scope: what the user may see and has filtered --------------------------------------------------


@dataclass(frozen=True)
class Scope:
    warehouse_ids: list[int] | None  # None: every warehouse
    items: QuerySet[Item] | None  # None: every item; else a queryset used as a subquery

    def q(self, prefix: str = "") -> Q:
        condition = Q()
        if self.warehouse_ids is not None:
            condition &= Q(**{f"{prefix}warehouse_id__in": self.warehouse_ids})
        if self.items is not None:
            condition &= Q(**{f"{prefix}item__in": self.items.values("pk")})
        return condition


def scope_for(user, filters: dict) -> Scope:
    """The warehouses of the filter (the form offers only the user's) or all the user may see,
    and the items of the category / item-type filters."""
    if filters.get("warehouse"):
        warehouse_ids = [filters["warehouse"].pk]
    elif sees_all_warehouses(user):
        warehouse_ids = None
    else:
        warehouse_ids = list(warehouses_for(user).values_list("pk", flat=True))
    return Scope(warehouse_ids=warehouse_ids, items=items_in_scope(filters))


# Consumption (COGS) ----------------------------------------------------------------------------


def consumption_q() -> Q:
    """The moves that are consumption: sales shipments, customer returns taken back into stock,
    and goods issues (with their reversals, which are goods issues too)."""
    issues = StockDocument.objects.filter(kind=DocumentKind.ISSUE).values("pk")
    return Q(posting__doc_type__in=[SHIPMENT, CUSTOMER_RETURN]) | Q(
        posting__doc_type=STOCK_DOCUMENT, posting__doc_id__in=issues
    )


def consumption(
    start: date, end: date, scope: Scope, *, by: tuple[str, ...] = ("item_id", "warehouse_id")
) -> dict[tuple, tuple[Decimal, Decimal]]:
    """Quantity and value consumed (positive: what went out, net of returns) per `by` key, for
    the days start … end inclusive. One query."""
    rows = (
        StockMove.objects.filter(
            consumption_q(),
            scope.q(),
            moved_at__gte=boundary(start - timedelta(days=1)),
            moved_at__lt=boundary(end),
        )
        .values(*by)
        .annotate(qty=Sum("qty"), value=Sum("value"))
        .order_by()
    )
    return {tuple(row[k] for k in by): (-row["qty"], -row["value"]) for row in rows}


# Stock value at several days -------------------------------------------------------------------


def period_points(start: date, end: date) -> list[date]:
    """The days whose closing stock value the turnover averages: the day before the period (its
    opening), the end of each month that ends inside the period, and the period's last day."""
    points = [start - timedelta(days=1)]
    year, month = start.year, start.month
    while True:
        last = month_end(year, month)
        if last >= end:
            break
        points.append(last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    points.append(end)
    return points


def values_at(points: list[date], scope: Scope) -> dict[tuple[int, int], list[Decimal]]:
    """Stock value per (item, warehouse) at the end of each day in `points` (ascending).

    Closed month ends are read from their month-end summaries; the rest is the latest of those
    (or stock as of the first day) plus the moves after it, summed month by month in one grouped
    query. At most seven queries, whatever the length of the period."""
    n = len(points)
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO] * n)
    closed = set(PeriodClose.objects.filter(end_date__in=points).values_list("end_date", flat=True))
    index = {day: i for i, day in enumerate(points) if day in closed}
    if index:
        summaries = PeriodSummary.objects.filter(scope.q(), period__end_date__in=list(index)).values_list(
            "item_id", "warehouse_id", "period__end_date", "value"
        )
        for item_id, warehouse_id, end_date, value in summaries:
            values[(item_id, warehouse_id)][index[end_date]] = value
    anchor = max(index.values(), default=0)
    if points[0] not in index:  # the opening is not a closed month end: as of that day
        opening = stock_as_of(points[0], warehouse_ids=scope.warehouse_ids, items=scope.items)
        for key, (_qty, value) in opening.items():
            values[key][0] = value
    if anchor < n - 1:
        bucket = Case(
            *[When(moved_at__lt=boundary(points[i]), then=Value(i)) for i in range(anchor + 1, n)],
            output_field=IntegerField(),
        )
        changes: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
        moves = (
            StockMove.objects.filter(
                scope.q(), moved_at__gte=boundary(points[anchor]), moved_at__lt=boundary(points[-1])
            )
            .annotate(bucket=bucket)
            .values("item_id", "warehouse_id", "bucket")
            .annotate(value=Sum("value"))
            .order_by()
        )
        for row in moves:
            changes[(row["item_id"], row["warehouse_id"])][row["bucket"]] = row["value"]
        for key in list(values) + [k for k in changes if k not in values]:
            running, change = values[key][anchor], changes.get(key, {})
            for i in range(anchor + 1, n):
                running += change.get(i, ZERO)
                values[key][i] = running
    return dict(values)


# Turnover --------------------------------------------------------------------------------------


@dataclass
class TurnoverRow:
    code: str
    name: str
    opening: Decimal  # stock value at the end of the day before the period
    closing: Decimal  # … at the end of the period
    average: Decimal  # the mean of the values at the period's points
    cogs: Decimal
    turnover: Decimal | None  # None: no stock to turn (average 0)
    days: Decimal | None  # None: nothing consumed

    def as_tuple(self) -> tuple:
        return (
            self.code,
            self.name,
            self.opening,
            self.closing,
            self.average,
            self.cogs,
            self.turnover,
            self.days,
        )


def turnover_figures(cogs: Decimal, average: Decimal, days: int) -> tuple[Decimal | None, Decimal | None]:
    """Turnover = COGS ÷ average value (2 places); days of inventory = days ÷ turnover
    = days × average ÷ COGS (1 place), both from the unrounded figures."""
    turnover = rounded(cogs / average, HUNDREDTH) if average > 0 else None
    days_of = rounded(days * average / cogs, TENTH) if cogs > 0 else None
    return turnover, days_of


def turnover(start: date, end: date, scope: Scope, *, group_by: str) -> list[TurnoverRow]:
    """Turnover and days of inventory per item, category or warehouse over start … end."""
    points = period_points(start, end)
    values = values_at(points, scope)
    cogs = consumption(start, end, scope)
    group_of = _grouping(group_by, {item_id for item_id, _w in (*values, *cogs)})
    groups: dict[int, dict] = defaultdict(lambda: {"values": [ZERO] * len(points), "cogs": ZERO})
    for key, series in values.items():
        group = groups[group_of(key)]
        group["values"] = [a + b for a, b in zip(group["values"], series, strict=True)]
    for key, (_qty, value) in cogs.items():
        groups[group_of(key)]["cogs"] += value
    labels = _labels(group_by, set(groups))
    days = (end - start).days + 1
    rows = []
    for group_id, group in groups.items():
        series, cost = group["values"], group["cogs"]
        if not any(series) and not cost:
            continue
        average = sum(series, ZERO) / len(series)
        turns, days_of = turnover_figures(cost, average, days)
        code, name = labels[group_id]
        rows.append(
            TurnoverRow(code, name, series[0], series[-1], rounded(average, FEN), cost, turns, days_of)
        )
    rows.sort(key=lambda r: (r.code, r.name))
    return rows


def total_turnover(start: date, end: date) -> tuple[Decimal | None, Decimal]:
    """Turnover of all warehouses over start … end, as the turnover report's total computes it
    for a period inside one month (the average of the stock value at the end of the day before
    and at the end of the period), in three aggregate queries: the values are today's value less
    the moves after each point, so the cost does not grow with the number of items. Returns the
    turnover (None when there was no stock) and the cost of goods sold."""
    now = ItemValuation.objects.aggregate(v=Sum("value"))["v"] or ZERO
    opening_at, closing_at = boundary(start - timedelta(days=1)), boundary(end)
    later = StockMove.objects.filter(moved_at__gte=opening_at).aggregate(
        after_opening=Sum("value"), after_closing=Sum("value", filter=Q(moved_at__gte=closing_at))
    )
    opening = now - (later["after_opening"] or ZERO)
    closing = now - (later["after_closing"] or ZERO)
    consumed = StockMove.objects.filter(
        consumption_q(), moved_at__gte=opening_at, moved_at__lt=closing_at
    ).aggregate(v=Sum("value"))["v"]
    cogs = -(consumed or ZERO)
    turns, _days = turnover_figures(cogs, (opening + closing) / 2, (end - start).days + 1)
    return turns, cogs


def _grouping(group_by: str, item_ids: set[int]):
    if group_by == "warehouse":
        return lambda key: key[1]
    if group_by == "category":
        category_of = dict(Item.objects.filter(pk__in=item_ids).values_list("pk", "category_id"))
        return lambda key: category_of[key[0]]
    return lambda key: key[0]


def _labels(group_by: str, ids: set[int]) -> dict[int, tuple[str, str]]:
    if group_by == "warehouse":
        rows = Warehouse.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    elif group_by == "category":
        rows = Category.objects.filter(pk__in=ids).values_list("pk", "code", "path")
    else:
        rows = Item.objects.filter(pk__in=ids).values_list("pk", "sku", "name")
    return {pk: (code, name) for pk, code, name in rows}


# ABC classification ----------------------------------------------------------------------------


@dataclass
class AbcRow:
    item_id: int
    sku: str
    name: str
    category: str
    qty: Decimal
    value: Decimal
    share: Decimal | None = None  # of the total consumption value, as a fraction
    cumulative: Decimal | None = None  # the same, this item and those above it
    klass: str = "C"
    current: str = ""
    rank: int = 0

    def as_tuple(self) -> tuple:
        return (
            self.rank,
            self.sku,
            self.name,
            self.category,
            self.qty,
            self.value,
            self.share,
            self.cumulative,
            self.klass,
            self.current,
        )


def abc_classes(start: date, end: date, scope: Scope, *, a_share: Decimal, b_share: Decimal) -> list[AbcRow]:
    """Rank the active items in scope by consumption value over the period. Class A is the
    smallest set of top items whose value reaches `a_share` % of the total (an item is A while
    the items above it make up less than that), B the next items up to `a_share + b_share` %,
    C the rest, including every item that consumed nothing. Two queries."""
    consumed = consumption(start, end, scope, by=("item_id",))
    items = Item.objects.filter(Q(is_active=True) | Q(pk__in=[k[0] for k in consumed]))
    if scope.items is not None:
        items = items.filter(pk__in=scope.items.values("pk"))
    rows = [
        AbcRow(pk, sku, name, path or cat_name, *consumed.get((pk,), (ZERO, ZERO)), current=current)
        for pk, sku, name, path, cat_name, current in items.values_list(
            "pk", "sku", "name", "category__path", "category__name", "abc_class"
        )
    ]
    rows.sort(key=lambda r: (-max(r.value, ZERO), r.sku))
    total = sum((max(r.value, ZERO) for r in rows), ZERO)
    a_limit, b_limit = total * a_share / HUNDRED, total * (a_share + b_share) / HUNDRED
    before = ZERO
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
        value = max(row.value, ZERO)
        if total > 0:  # fractions (0.125 is 12.5 %), as percent columns hold them
            row.share = rounded(value / total, SHARE_PLACES)
            row.cumulative = rounded((before + value) / total, SHARE_PLACES)
        if value > 0 and before < a_limit:
            row.klass = "A"
        elif value > 0 and before < b_limit:
            row.klass = "B"
        before += value
    return rows


# Ageing ----------------------------------------------------------------------------------------

BUCKETS = ((0, 30), (31, 60), (61, 90), (91, 180), (181, None))


def bucket_of(age_days: int) -> int:
    for i, (_low, high) in enumerate(BUCKETS):
        if high is None or age_days <= high:
            return i
    return len(BUCKETS) - 1


@dataclass
class AgeingRow:
    item_id: int
    warehouse_id: int
    qty: list[Decimal] = field(default_factory=lambda: [ZERO] * len(BUCKETS))
    age_qty_days: Decimal = ZERO  # Σ qty × age, for the average age


def ageing(scope: Scope, *, today: date | None = None) -> list[AgeingRow]:
    """Stock on hand per item × warehouse, split by age into BUCKETS. Batch-tracked stock is aged
    from its batch's first receipt (the batch's first inbound move in the ledger); stock without batches is aged first-in-first-out: what is on hand is taken to be
    what came in last, so it is aged by the newest inbound postings into that warehouse that
    cover the quantity. Three queries."""
    today = today or timezone.localdate()
    rows: dict[tuple[int, int], AgeingRow] = {}

    def add(item_id: int, warehouse_id: int, received, qty: Decimal) -> None:
        age = max((today - timezone.localdate(received)).days, 0) if received else 0
        row = rows.setdefault((item_id, warehouse_id), AgeingRow(item_id, warehouse_id))
        row.qty[bucket_of(age)] += qty
        row.age_qty_days += qty * age

    batched = list(
        StockBalance.objects.filter(scope.q(), batch__isnull=False, on_hand__gt=0)
        .values_list("item_id", "warehouse_id", "batch_id", "batch__first_received_at")
        .annotate(qty=Sum("on_hand"))
        .order_by()
    )
    # The ledger's first inbound move of the batch is when it was first received: the batch's
    # first_received_at is stamped when its row is created (a draft saved, a back-dated receipt
    # entered today), so it is only the fallback.
    batch_ids = {batch_id for _i, _w, batch_id, _r, _q in batched}
    first_in = (
        dict(
            StockMove.objects.filter(batch_id__in=batch_ids, qty__gt=0)
            .values_list("batch_id")
            .annotate(first=Min("moved_at"))
            .order_by()
        )
        if batch_ids
        else {}
    )
    for item_id, warehouse_id, batch_id, received, qty in batched:
        add(item_id, warehouse_id, first_in.get(batch_id) or received, qty)
    for item_id, warehouse_id, received, qty in _fifo_layers(scope):
        add(item_id, warehouse_id, received, qty)
    return sorted(rows.values(), key=lambda r: (r.item_id, r.warehouse_id))


def _fifo_layers(scope: Scope) -> list[tuple]:
    """(item, warehouse, received at, qty) of the inbound postings that make up the stock without
    batches, newest first until the on-hand quantity is covered. A posting counts as inbound to a
    warehouse when it brought in more of the item than it took out (so a move between two bins
    of one warehouse does not make the stock look new)."""
    balances = StockBalance.objects.filter(scope.q(), batch__isnull=True, on_hand__gt=0)
    bal_sql, bal_params = (
        balances.values("item_id", "warehouse_id")
        .annotate(on_hand=Sum("on_hand"))
        .order_by()
        .query.sql_with_params()
    )
    move = StockMove._meta.db_table
    sql = f"""
        WITH bal AS ({bal_sql}),
        inbound AS (
            SELECT m.item_id, m.warehouse_id, m.posting_id, MIN(m.moved_at) AS moved_at,
                   SUM(m.qty) AS qty, MAX(bal.on_hand) AS on_hand
            FROM {move} m
            JOIN bal ON bal.item_id = m.item_id AND bal.warehouse_id = m.warehouse_id
            WHERE m.batch_id IS NULL
            GROUP BY m.item_id, m.warehouse_id, m.posting_id
            HAVING SUM(m.qty) > 0
        ),
        layered AS (
            SELECT item_id, warehouse_id, moved_at, qty, on_hand,
                   SUM(qty) OVER (PARTITION BY item_id, warehouse_id
                                  ORDER BY moved_at DESC, posting_id DESC) - qty AS newer
            FROM inbound
        )
        SELECT item_id, warehouse_id, moved_at,
               CASE WHEN qty < on_hand - newer THEN qty ELSE on_hand - newer END
        FROM layered WHERE newer < on_hand
    """  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, bal_params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return rows
    # SQLite (the embedded default) hands a plain cursor's datetimes back as text and sums of
    # decimals as int/float: make them what the ORM would have made them.
    return [(i, w, _as_datetime(at), _as_qty(qty)) for i, w, at, qty in rows]


def _as_datetime(value) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value


def _as_qty(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(QTY_PLACES)


def average_costs(item_ids) -> dict[int, Decimal]:
    return dict(ItemValuation.objects.filter(item_id__in=item_ids).values_list("item_id", "avg_cost"))


# Slow-moving and dead stock --------------------------------------------------------------------


@dataclass
class IdleRow:
    item_id: int
    warehouse_id: int
    qty: Decimal
    last_moved: date | None  # any move
    last_out: date | None  # the last consumption
    idle_days: int  # since the last consumption, or since the stock first came in
    dead: bool


def slow_moving(scope: Scope, *, slow_days: int, dead_days: int, today: date | None = None) -> list[IdleRow]:
    """Item × warehouse with stock on hand that nothing consumed for at least `slow_days`
    (dead from `dead_days`): idle days count from the last consumption (sale or goods issue)
    in that warehouse or, for stock that never went out, from its first inbound move there.
    Two queries: the balances, and one grouped pass over the ledger of what is in stock."""
    today = today or timezone.localdate()
    stock = {
        (r["item_id"], r["warehouse_id"]): r
        for r in StockBalance.objects.filter(scope.q(), on_hand__gt=0)
        .values("item_id", "warehouse_id")
        .annotate(qty=Sum("on_hand"), last_moved=Max("last_moved_at"))
        .order_by()
    }
    if not stock:
        return []
    history = (
        StockMove.objects.filter(scope.q())
        .filter(Q(qty__gt=0) | consumption_q())
        .filter(
            item__in=StockBalance.objects.filter(scope.q(), on_hand__gt=0).values("item_id"),
        )
        .values("item_id", "warehouse_id")
        .annotate(
            last_out=Max("moved_at", filter=Q(qty__lt=0) & consumption_q()),
            first_in=Min("moved_at", filter=Q(qty__gt=0)),
        )
        .order_by()
    )
    seen = {(r["item_id"], r["warehouse_id"]): r for r in history}
    rows = []
    for key, balance in stock.items():
        moves = seen.get(key, {})
        last_out = moves.get("last_out")
        since = last_out or moves.get("first_in") or balance["last_moved"]
        idle = (today - timezone.localdate(since)).days if since else 0
        if idle < slow_days:
            continue
        rows.append(
            IdleRow(
                key[0],
                key[1],
                balance["qty"],
                timezone.localdate(balance["last_moved"]) if balance["last_moved"] else None,
                timezone.localdate(last_out) if last_out else None,
                idle,
                idle >= dead_days,
            )
        )
    rows.sort(key=lambda r: (-r.idle_days, r.item_id, r.warehouse_id))
    return rows
