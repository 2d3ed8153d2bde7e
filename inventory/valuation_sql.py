"""The valuation's figures as of a day, set-based: each item × warehouse's quantity and value are
the last closed month's summary plus the moves after it, summed and joined to the names in one
statement on PostgreSQL (as a raw GROUP BY over balances would read them), sorted by SKU then
warehouse code.

As of today (and no move dated later) the statement reads the balances instead, which hold
today's quantities and values (see _TODAY). Not simply quantity × average cost: the value column
is the sum of the moves' values in that warehouse, which differs from it as soon as an item came
into two warehouses at different costs (10 @ 3.00 in A and 10 @ 4.00 in B: A holds 30.00, B
40.00, not 35.00 each) and with every rounded issue value.

Elsewhere than PostgreSQL (SQLite: `make run`) the same rows come from services.stock_as_of, the
path the period close itself uses; the tests hold the two to the same rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Item, Warehouse
from .services import stock_as_of
from .services.periods import boundary

CHUNK = 5000  # rows fetched at a time from the server-side cursor
NAMES_CHUNK = 500  # keys per lookup of names on the ORM path


class Line(NamedTuple):
    """One item × warehouse: ids, the names a report shows, and its figures as of the day."""

    item_id: int
    warehouse_id: int
    sku: str
    name: str
    category: str  # the category's full path, or its name
    item_type: str  # the stored value; label it with item_type_labels()
    warehouse_code: str
    warehouse_name: str
    unit: str
    qty: Decimal
    value: Decimal


_LINE = """
SELECT f.item_id, f.warehouse_id, i.sku, i.name, coalesce(nullif(c.path, ''), c.name), i.item_type,
       w.code, w.name, u.code, f.qty, f.value
"""
_GROUPED = """
SELECT item_id, warehouse_id, sum(qty) AS qty, sum(value) AS value
  FROM ({parts}) x
 GROUP BY item_id, warehouse_id
HAVING sum(qty) <> 0 OR sum(value) <> 0
"""
_JOINS = """
  JOIN inventory_item i ON i.id = f.item_id
  JOIN inventory_category c ON c.id = i.category_id
  JOIN inventory_unit u ON u.id = i.base_unit_id
  JOIN inventory_warehouse w ON w.id = f.warehouse_id
"""
# Python compares str by code point, as the "C" collation compares UTF-8 bytes: the order of the
# ORM path (and of the page before this statement existed), whatever the database's collation.
_ORDER = ' ORDER BY i.sku COLLATE "C", w.code COLLATE "C"'


# Today's figures from what the ledger keeps current, exact by the invariants that ledger_check
# verifies: a balance's on_hand and value are the sums of its moves' quantities and values, every
# move has its balance row, and a move's warehouse is its balance's. So an item's quantity and
# value in a warehouse are sums over its balances there — one pass over the balance table, as
# the raw GROUP BY reads it.
_TODAY = """
SELECT b.item_id, b.warehouse_id, sum(b.on_hand) AS qty, sum(b.value) AS value
  FROM inventory_stockbalance b
 WHERE true{items}{warehouses}
 GROUP BY b.item_id, b.warehouse_id
HAVING sum(b.on_hand) <> 0 OR sum(b.value) <> 0
"""
FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)  # "since the close" when no month is closed: every move


def _base(day: date) -> tuple[int | None, date | None, bool]:
    """The last month closed on or before the day (id, last day), and whether any move is dated
    after the day. One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.end_date, EXISTS (SELECT 1 FROM inventory_stockmove WHERE moved_at >= %s) "
            "FROM (SELECT 1) one LEFT JOIN (SELECT id, end_date FROM inventory_periodclose "
            "WHERE end_date <= %s ORDER BY end_date DESC LIMIT 1) p ON true",
            [boundary(day), day],
        )
        return cursor.fetchone()


def _figures(
    day: date, warehouse_ids: Iterable[int] | None, items: QuerySet | None, *, today: bool | None = None
) -> tuple[str, list]:
    """SQL and parameters of (item_id, warehouse_id, qty, value) per nonzero key as of the day.
    `today` None: from the balances when the day is today and no move is dated after it (the
    tests force either path)."""
    period_id, end_date, later_moves = _base(day)
    since = boundary(end_date) if end_date is not None else FAR_PAST
    warehouses = list(warehouse_ids) if warehouse_ids is not None else None
    subquery = items.values("pk").query.sql_with_params() if items is not None else None
    if today is None:
        today = day == timezone.localdate() and not later_moves
    if today:
        items_sql, items_params = (
            (f" AND b.item_id IN ({subquery[0]})", list(subquery[1])) if subquery else ("", [])
        )
        warehouses_sql, warehouses_params = (
            (" AND b.warehouse_id = ANY(%s)", [warehouses]) if warehouses is not None else ("", [])
        )
        sql = _TODAY.format(items=items_sql, warehouses=warehouses_sql)
        return sql, [*items_params, *warehouses_params]

    def scope(alias: str) -> tuple[str, list]:
        sql, params = "", []
        if warehouses is not None:
            sql += f" AND {alias}.warehouse_id = ANY(%s)"
            params.append(warehouses)
        if subquery is not None:
            sql += f" AND {alias}.item_id IN ({subquery[0]})"
            params.extend(subquery[1])
        return sql, params

    moves_scope, moves_params = scope("m")
    summaries_scope, summaries_params = scope("s")
    # only our own fragments and Django's compiled subquery are formatted in
    parts = (
        "SELECT m.item_id, m.warehouse_id, m.qty, m.value FROM inventory_stockmove m "  # noqa: S608
        f"WHERE m.moved_at < %s AND m.moved_at >= %s{moves_scope} UNION ALL "
        "SELECT s.item_id, s.warehouse_id, s.qty, s.value FROM inventory_periodsummary s "
        f"WHERE s.period_id = %s{summaries_scope}"
    )
    params = [boundary(day), since, *moves_params, period_id, *summaries_params]
    return _GROUPED.format(parts=parts), params


def valuation_lines(
    day: date,
    *,
    warehouse_ids: Iterable[int] | None = None,
    items: QuerySet | None = None,
    today: bool | None = None,
) -> Iterator[Line]:
    """Every item × warehouse with a nonzero quantity or value at the end of `day`, sorted by SKU
    then warehouse code; `warehouse_ids` and `items` (a queryset, used as a subquery) narrow it.
    Two queries on PostgreSQL; the rows become Python objects a chunk at a time."""
    if connection.vendor != "postgresql":
        yield from _lines_from_stock_as_of(day, warehouse_ids=warehouse_ids, items=items)
        return
    grouped, params = _figures(day, warehouse_ids, items, today=today)
    yield from map(Line._make, _stream(f"{_LINE} FROM ({grouped}) f {_JOINS} {_ORDER}", params))  # noqa: S608


def valuation_report_lines(
    day: date,
    labels: dict[str, str],
    *,
    warehouse_ids: Iterable[int] | None = None,
    items: QuerySet | None = None,
) -> Iterator[tuple]:
    """The same rows as valuation_lines, shaped as the valuation report shows them: SKU, name,
    category, item type (its label from `labels`, else the stored value), warehouse name, unit,
    quantity, value. Only what is shown crosses the wire; no Python per column."""
    if connection.vendor != "postgresql":
        for line in valuation_lines(day, warehouse_ids=warehouse_ids, items=items):
            label = labels.get(line.item_type, line.item_type)
            yield (*line[2:5], label, line.warehouse_name, line.unit, line.qty, line.value)
        return
    grouped, params = _figures(day, warehouse_ids, items)
    cases = " ".join("WHEN %s THEN %s" for _label in labels)
    sql = f"""
    SELECT i.sku, i.name, coalesce(nullif(c.path, ''), c.name),
           CASE i.item_type {cases} ELSE i.item_type END, w.name, u.code, f.qty, f.value
      FROM ({grouped}) f {_JOINS} {_ORDER}
    """  # noqa: S608 — only our own fragments are formatted in
    label_params = [p for pair in labels.items() for p in pair]
    yield from _stream(sql, [*label_params, *params])


def _stream(sql: str, params: list) -> Iterator[tuple]:
    """The rows of a statement run with JIT compilation off, fetched CHUNK at a time through a
    server-side cursor.

    JIT is off because these statements' estimated cost (a subquery per key) makes PostgreSQL
    spend ≈1.6 s compiling one that runs in about as long; SET LOCAL keeps that to the
    transaction. The cursor is created outside it, so in autocommit it is WITH HOLD: the rows are
    computed when the transaction commits, before the first is read, and kept by the server —
    no transaction stays open while the caller works through them (an export being written)."""
    cursor = connection.chunked_cursor()
    try:
        with transaction.atomic(), connection.cursor() as setting:
            setting.execute("SET LOCAL jit = off")
            cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows
    finally:
        cursor.close()


def valuation_page(
    day: date,
    *,
    warehouse_ids: Iterable[int] | None = None,
    items: QuerySet | None = None,
    offset: int = 0,
    limit: int = 50,
    today: bool | None = None,
) -> tuple[list[Line], Decimal]:
    """`limit` lines from `offset` of valuation_lines, and the total value of all of them. Two
    queries on PostgreSQL whatever the page."""
    if connection.vendor != "postgresql":
        lines = list(_lines_from_stock_as_of(day, warehouse_ids=warehouse_ids, items=items))
        return lines[offset : offset + limit], sum((line.value for line in lines), Decimal("0"))
    grouped, params = _figures(day, warehouse_ids, items, today=today)
    sql = f"""
    WITH f AS MATERIALIZED ({grouped})
    SELECT t.total, p.* FROM (SELECT coalesce(sum(value), 0) AS total FROM f) t
      LEFT JOIN LATERAL ({_LINE} FROM f {_JOINS} {_ORDER} LIMIT %s OFFSET %s) p ON true
    """  # noqa: S608 — only our own fragments are formatted in
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # see _stream
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
    total = rows[0][0]
    return [Line._make(row[1:]) for row in rows if row[1] is not None], total


def _lines_from_stock_as_of(
    day: date, *, warehouse_ids: Iterable[int] | None = None, items: QuerySet | None = None
) -> Iterator[Line]:
    """The same lines from services.stock_as_of (summaries + later moves summed per key in
    Python) and the names read per chunk of keys."""
    figures = stock_as_of(day, warehouse_ids=warehouse_ids, items=items)
    warehouses = {pk: (code, name) for pk, code, name in Warehouse.objects.values_list("pk", "code", "name")}
    item_ids = sorted({item_id for item_id, _w in figures})
    names = {}
    for start in range(0, len(item_ids), NAMES_CHUNK):
        for pk, *rest in Item.objects.filter(pk__in=item_ids[start : start + NAMES_CHUNK]).values_list(
            "pk", "sku", "name", "category__path", "category__name", "item_type", "base_unit__code"
        ):
            names[pk] = rest
    keys = sorted(figures, key=lambda key: (names[key[0]][0], warehouses[key[1]][0]))
    for item_id, warehouse_id in keys:
        sku, name, path, category, item_type, unit = names[item_id]
        code, warehouse = warehouses[warehouse_id]
        qty, value = figures[(item_id, warehouse_id)]
        yield Line(
            item_id, warehouse_id, sku, name, path or category, item_type, code, warehouse, unit, qty, value
        )
