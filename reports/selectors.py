"""The computations behind the stock reports: set-based reads of the ledger, the balances and the
month-end summaries and consumption that closing a month stores, a fixed number of queries
whatever the number of items.

Cost of goods sold (COGS, 销货成本) — the consumption every stock report measures demand by — is
the value that left stock through posted sales shipments and goods issues (领料/出库单 of kind
"issue"), less what customer returns brought back into stock; reversals of those documents net
out because they post under the same document kinds (inventory.services.periods.consumption_q).
Transfers, purchase returns, stock losses and stocktake differences are not consumption. Values
are the moving average costs the ledger carried."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.rules import sees_all_warehouses
from inventory.models import (
    Category,
    Item,
    ItemValuation,
    PeriodClose,
    PeriodConsumption,
    PeriodSummary,
    StockBalance,
    StockMove,
    Warehouse,
)
from inventory.selectors import warehouses_for
from inventory.services.periods import boundary, consumption_q, month_end, month_start

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
#
# Closing a month stores its consumption per item × warehouse (PeriodConsumption) and its closing
# stock (PeriodSummary). A figure over a period reads the closed months that lie wholly inside it
# from those and only the rest (a part month, months not closed yet) from the ledger. Each source
# is an ORM query compiled to SQL; they are put together with UNION ALL and grouped in one
# statement, so the rows come back summed per item (category, warehouse), never as one row per
# month and key to be summed in Python.

Key = tuple[str, ...]  # the fields rows are grouped by, as the ORM names them ("item_id", …)
Range = tuple[datetime | None, datetime]  # [from, to) in time; None: from the beginning


def closed_months(end: date) -> dict[date, int]:
    """The closed months that end on or before `end`: {month end: PeriodClose id}. One query."""
    return dict(PeriodClose.objects.filter(end_date__lte=end).values_list("end_date", "pk"))


def whole_months(start: date, end: date, closed: dict[date, int]) -> list[date]:
    """The ends of the closed months that lie wholly inside start … end, ascending."""
    return sorted(day for day in closed if day.replace(day=1) >= start and day <= end)


def ledger_ranges(start: date, end: date, months: list[date]) -> list[Range]:
    """start … end less the given months, as half-open ranges of instants."""
    ranges, since = [], boundary(start - timedelta(days=1))
    for day in months:
        if since < month_start(day):
            ranges.append((since, month_start(day)))
        since = boundary(day)
    if since < boundary(end):
        ranges.append((since, boundary(end)))
    return ranges


def _in(ranges: list[Range]) -> Q:
    """Moves in any of the (nonempty list of) ranges."""
    return reduce(
        or_, [Q(moved_at__lt=hi) if lo is None else Q(moved_at__gte=lo, moved_at__lt=hi) for lo, hi in ranges]
    )


def _merged(ranges: list[Range]) -> list[Range]:
    """The same instants in as few ranges as possible (None sorts first: the beginning)."""
    out: list[list] = []
    for lo, hi in sorted(ranges, key=lambda r: (r[0] is not None, r[0] or r[1])):
        if out and (lo is None or lo <= out[-1][1]):
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


@dataclass
class _Part:
    """One source of a grouped statement: a compiled `.values(k0=…, …).annotate(column=…)`
    query and, per output column, the expression that reads it (or nothing: NULL)."""

    sql: str
    params: list
    columns: dict[str, str]  # output column → expression, "{p}" standing for the part's alias


def _part(queryset: QuerySet, by: Key, aggregates: dict, signs: dict[str, str] | None = None) -> _Part:
    keys = {f"k{i}": F(name) for i, name in enumerate(by)}
    sql, params = queryset.values(**keys).annotate(**aggregates).order_by().query.sql_with_params()
    signs = signs or {}
    return _Part(sql, list(params), {name: f"{signs.get(name, '')}{{p}}.{name}" for name in aggregates})


def _grouped(parts: list[_Part], by: Key, columns: list[str]) -> tuple[str, list]:
    """SELECT k0…, SUM(column)… over the parts' rows, grouped by the keys (NULL where nothing)."""
    keys = [f"k{i}" for i in range(len(by))]
    branches, params = [], []
    for part in parts:
        select = ", ".join(
            [f"p.{k}" for k in keys]
            + [
                f"{part.columns[c].format(p='p')} AS {c}"
                if c in part.columns
                else f"CAST(NULL AS NUMERIC) AS {c}"
                for c in columns
            ]
        )
        branches.append(f"SELECT {select} FROM ({part.sql}) p")  # noqa: S608 (SQL from the ORM)
        params += part.params
    sums = ", ".join([f"u.{k}" for k in keys] + [f"SUM(u.{c}) AS {c}" for c in columns])
    group = ", ".join(f"u.{k}" for k in keys)
    union = " UNION ALL ".join(branches)
    return f"SELECT {sums} FROM ({union}) u GROUP BY {group}", params  # noqa: S608


def _joined(parts: list[_Part], columns: list[str]) -> tuple[str, list, dict[str, str], str]:
    """Each part LEFT JOINed on its key k0 to the table of the rows (aliased t): the joins, their
    parameters, per column the expression adding it up over the parts (0 where none has it), and
    a condition that holds where any part has a row. Joined to the row table rather than summed
    over a UNION: each part is one row per key, so the joins are hash joins, and no second
    aggregation (whose size the planner cannot estimate) spills to disk."""
    joins, params, terms = [], [], {c: [] for c in columns}
    for i, part in enumerate(parts):
        joins.append(f"LEFT JOIN ({part.sql}) p{i} ON p{i}.k0 = t.id")
        params += part.params
        for c, expr in part.columns.items():
            terms[c].append(f"COALESCE({expr.format(p=f'p{i}')}, 0)")
    sums = {c: " + ".join(terms[c]) or "0" for c in columns}
    found = " OR ".join(f"p{i}.k0 IS NOT NULL" for i in range(len(parts))) or "FALSE"
    return " ".join(joins), params, sums, found


def _consumption_parts(start: date, end: date, scope: Scope, by: Key, closed: dict[date, int]) -> list[_Part]:
    """Consumption (columns qty and value, positive when stock went out) per `by` key: the whole
    closed months from PeriodConsumption, the rest from the ledger."""
    months = whole_months(start, end, closed)
    parts = []
    if months:
        stored = PeriodConsumption.objects.filter(scope.q(), period_id__in=[closed[day] for day in months])
        parts.append(_part(stored, by, {"qty": Sum("qty"), "value": Sum("value")}))
    ranges = ledger_ranges(start, end, months)
    if ranges:
        moves = StockMove.objects.filter(consumption_q(), _in(ranges), scope.q())
        parts.append(_part(moves, by, {"qty": Sum("qty"), "value": Sum("value")}, {"qty": "-", "value": "-"}))
    return parts


def _fetch(sql: str, params: list, chunk: int = 2000):
    """The statement's rows, converted `chunk` at a time. One query.

    A plain (client-side) cursor on purpose: a server-side cursor (DECLARE … CURSOR) would stream
    the rows and save ≈10–20 MB on 100,000 rows, but PostgreSQL never runs a cursor's query in
    parallel, and a pass over the ledger then took about twice as long as the raw statement's."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


class _Shared(dict):
    """One object per distinct rounded figure (same sign, digits and exponent): 100,000 rows hold
    few distinct shares, turnovers or days of inventory."""

    def __call__(self, value: Decimal | None) -> Decimal | None:
        return None if value is None else self.setdefault(value.as_tuple(), value)


def _decimal(value, places: Decimal) -> Decimal:
    """A figure from a plain cursor: PostgreSQL hands Decimals back; SQLite (the embedded default)
    sums decimals as int/float, which are made what the ORM would have made them."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal) or connection.vendor == "postgresql":
        return value
    return Decimal(str(value)).quantize(places)


def consumption(
    start: date, end: date, scope: Scope, *, by: Key = ("item_id", "warehouse_id")
) -> dict[tuple, tuple[Decimal, Decimal]]:
    """Quantity and value consumed (positive: what went out, net of returns) per `by` key, for
    the days start … end inclusive: a key for everything that has consumption moves in the
    period, even when they net to zero. Two queries."""
    parts = _consumption_parts(start, end, scope, by, closed_months(end))
    sql, params = _grouped(parts, by, ["qty", "value"])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            tuple(row[: len(by)]): (_decimal(row[-2], QTY_PLACES), _decimal(row[-1], FEN))
            for row in cursor.fetchall()
        }


# Turnover --------------------------------------------------------------------------------------


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


def point_sources(points: list[date], closed: dict[date, int]) -> list[tuple[int | None, Range | None]]:
    """Where the stock value at the end of each point comes from: (the month-end summaries of a
    closed month, or None; the moves of a range added to them, or None). A closed month end is its
    summaries; a point after the last closed point is that point's summaries plus the moves since;
    any other point (an opening that is no month end) the last closed month before it (if any) plus
    the moves since (or all moves before it)."""
    anchor = max((i for i, day in enumerate(points) if day in closed), default=None)
    base = max((day for day in closed if day <= points[0]), default=None)
    sources: list[tuple[int | None, Range | None]] = []
    for i, day in enumerate(points):
        if day in closed:
            sources.append((closed[day], None))
            continue
        ref = points[anchor] if anchor is not None and i > anchor else base
        sources.append((closed[ref] if ref else None, (boundary(ref) if ref else None, boundary(day))))
    return sources


def _turnover_parts(start: date, end: date, scope: Scope, by: Key, n: int) -> list[_Part]:
    """Columns v0 … v{n-1} (stock value at each point) and cogs, per `by` key, from at most three
    sources: month-end summaries, PeriodConsumption, and one pass over the ledger for the rest
    (the values' moves and the consumption outside whole closed months together)."""
    closed = closed_months(end)
    sources = point_sources(period_points(start, end), closed)
    parts = []
    summaries = {period for period, _r in sources if period is not None}
    if summaries:
        stored = PeriodSummary.objects.filter(scope.q(), period_id__in=sorted(summaries))
        values = {
            f"v{i}": Sum("value", filter=Q(period_id=period))
            for i, (period, _r) in enumerate(sources)
            if period is not None
        }
        parts.append(_part(stored, by, values))
    months = whole_months(start, end, closed)
    if months:
        stored = PeriodConsumption.objects.filter(scope.q(), period_id__in=[closed[day] for day in months])
        parts.append(_part(stored, by, {"cogs": Sum("value")}))
    value_ranges = {f"v{i}": moves for i, (_p, moves) in enumerate(sources) if moves is not None}
    cogs_ranges = ledger_ranges(start, end, months)
    if value_ranges or cogs_ranges:
        aggregates = {name: Sum("value", filter=_in([moves])) for name, moves in value_ranges.items()}
        if cogs_ranges:
            aggregates["cogs"] = Sum("value", filter=consumption_q() & _in(cogs_ranges))
        moves = StockMove.objects.filter(_in(_merged([*value_ranges.values(), *cogs_ranges])), scope.q())
        parts.append(_part(moves, by, aggregates, {"cogs": "-"}))
    return parts


# what a turnover row is grouped by, and the table, code and name of its label
TURNOVER_GROUPS = {
    "item": ("item_id", Item, "sku", "name"),
    "category": ("item__category_id", Category, "code", "path"),
    "warehouse": ("warehouse_id", Warehouse, "code", "name"),
}


@dataclass(slots=True)
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
    """Turnover and days of inventory per item, category or warehouse over start … end.

    One statement sums, per group, the stock value at each of the period's points and the cost
    of goods sold (see _turnover_parts), and returns the opening, the closing, the sum of the
    values and COGS of the groups with any nonzero figure. Two queries (and the scope's)."""
    field, label_model, code, name = TURNOVER_GROUPS[group_by]
    n = len(period_points(start, end))
    columns = [f"v{i}" for i in range(n)] + ["cogs"]
    joins, params, sums, _found = _joined(_turnover_parts(start, end, scope, (field,), n), columns)
    # SQLite sums decimals as floats: a zero may come back as 1e-13
    nonzero = "g.{} <> 0" if connection.vendor == "postgresql" else "ROUND(g.{}, 2) <> 0"
    sql = f"""
        SELECT g.code, g.name, g.v0, g.v{n - 1}, {" + ".join(f"g.v{i}" for i in range(n))}, g.cogs
          FROM (SELECT t.{code} AS code, t.{name} AS name, {", ".join(f"{sums[c]} AS {c}" for c in columns)}
                  FROM {label_model._meta.db_table} t {joins}) g
         WHERE {" OR ".join(nonzero.format(c) for c in columns)}
    """  # noqa: S608 (table and column names from the models, values as parameters)
    days = (end - start).days + 1
    rows, shared = [], _Shared()
    for label, title, opening, closing, total, cost in _fetch(sql, params):
        average = _decimal(total, FEN) / n
        cost = _decimal(cost, FEN)
        turns, days_of = turnover_figures(cost, average, days)
        rows.append(
            TurnoverRow(
                label,
                title,
                _decimal(opening, FEN),
                _decimal(closing, FEN),
                rounded(average, FEN),
                cost,
                shared(turns),
                shared(days_of),
            )
        )
    rows.sort(key=lambda r: (r.code, r.name))
    return rows


# ABC classification ----------------------------------------------------------------------------


@dataclass(slots=True)
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
    C the rest, including every item that consumed nothing (inactive items only if they have
    consumption in the period). Two queries (and the scope's): the closed months, and one
    statement joining the items to their consumption."""
    parts = _consumption_parts(start, end, scope, ("item_id",), closed_months(end))
    joins, params, sums, consumed = _joined(parts, ["qty", "value"])
    params.append(True)
    in_scope = ""
    if scope.items is not None:
        items_sql, items_params = scope.items.values("pk").query.sql_with_params()
        in_scope = f" AND t.id IN ({items_sql})"
        params += items_params
    sql = f"""
        SELECT t.id, t.sku, t.name, cat.path, cat.name, t.abc_class,
               CASE WHEN {consumed} THEN 1 ELSE 0 END, {sums["qty"]}, {sums["value"]}
          FROM {Item._meta.db_table} t
          JOIN {Category._meta.db_table} cat ON cat.id = t.category_id
          {joins}
         WHERE (t.is_active = %s OR {consumed}){in_scope}
    """  # noqa: S608 (table names from the models, values as parameters)
    rows = [
        AbcRow(
            pk,
            sku,
            name,
            path or cat_name,
            _decimal(qty, QTY_PLACES) if found else ZERO,
            _decimal(value, FEN) if found else ZERO,
            current=current,
        )
        for pk, sku, name, path, cat_name, current, found, qty, value in _fetch(sql, params)
    ]
    rows.sort(key=lambda r: (-max(r.value, ZERO), r.sku))
    total = sum((max(r.value, ZERO) for r in rows), ZERO)
    a_limit, b_limit = total * a_share / HUNDRED, total * (a_share + b_share) / HUNDRED
    before, shared = ZERO, _Shared()
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
        value = max(row.value, ZERO)
        if total > 0:  # fractions (0.125 is 12.5 %), as percent columns hold them
            row.share = shared(rounded(value / total, SHARE_PLACES))
            row.cumulative = shared(rounded((before + value) / total, SHARE_PLACES))
        if value > 0 and before < a_limit:
            row.klass = "A"
        elif value > 0 and before < b_limit:
            row.klass = "B"
        before += value
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
