"""Generate the benchmarks' data set: 100k items, 3 warehouses, 10M stock moves over a year.

Run from the project root (PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/seed.py                                  # 100k items, 10M moves
    .venv/bin/python bench/seed.py --items 5000 --moves 200000      # a small data set
    .venv/bin/python bench/seed.py --items 2000 --moves 50000 --ledger-check

It drops and re-creates its own database `jxc_bench_data` (a database given with --database-url
must be new or empty), migrates it, and writes a ledger that the app's own invariants accept:

- items, categories, 3 warehouses with 4 bins each, one batch per batch-tracked item, a superuser
  `bench` (see benchdb.py for the password: a bench-only account);
- moves from the first day of the month twelve months ago until an hour ago: per (item, bin)
  an opening receipt, then groups of one receipt of 30 and five issues of 1–6, so no balance is
  ever negative at any point of its history; receipts post as purchase receipts, issues as sales
  shipments (so they are consumption for turnover and ABC); the moves of one document share its
  posting and its time (postings group ~10 lines, by time);
- one constant unit cost per item: the moving average cost is that cost, every value is
  qty × cost exactly;
- each item's hash chain (seq 1..n, sha256 of the previous hash and the move, as
  inventory.services.posting.move_hash computes it) and its head on the valuation;
- balances summed from the moves in SQL, valuations from the same numbers, and every full month
  closed (PeriodClose + PeriodSummary: cumulative quantity and value per item × warehouse at each
  month end, nonzero rows only; PeriodConsumption: each month's shipments per item × warehouse;
  as period_close writes them).

Moves are generated in Python per item (the hash chain is sequential per item) and streamed with
COPY; the ledger's indexes and foreign keys are dropped during the load and re-created after it.
Everything else is set-based SQL. The end checks (set-based SQL) compare balances, valuations,
month-end summaries and month consumption with the moves, and recompute the hash chains of a sample of items with the
app's move_hash; --ledger-check also runs inventory.ledger_check.ledger_differences() in full
(minutes per million moves: it reads every move through the ORM).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from benchdb import (
    BENCH_PASSWORD,
    BENCH_USER,
    DEFAULT_URL,
    MARKER,
    create_database,
    dbname,
    setup_django,
)

WAREHOUSES = (("WH1", "华东仓"), ("WH2", "华南仓"), ("WH3", "华北仓"))
BINS_PER_WAREHOUSE = 4
ROOT_CATEGORIES = ("五金", "电子", "食品", "日化", "办公", "服装", "建材", "包装")
SUBCATEGORIES = 6
ITEM_TYPES = ("merchandise", "finished", "raw", "spare", "semi")
LINES_PER_SHIPMENT = 10  # sets the posting time bucket: moves of one bucket and kind share a posting
RECEIPT_QTY, ISSUES_PER_RECEIPT, ISSUE_MAX = 30, 5, 6
RECEIPT, SHIPMENT = "purchase-receipt", "shipment"
COPY_CHUNK = 1 << 20


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument(
        "--moves", type=int, default=10_000_000, help="about this many moves (a few per cent fewer)"
    )
    p.add_argument("--seed", type=int, default=20261123, help="random seed (the data set is reproducible)")
    p.add_argument(
        "--database-url",
        default=None,
        help=f"default {DEFAULT_URL} (dropped and re-created); a database given here is created if "
        "missing, and must be empty if it exists",
    )
    p.add_argument("--ledger-check", action="store_true", help="also run ledger_differences() in full")
    p.add_argument("--no-check", action="store_true", help="skip the end checks")
    return p.parse_args()


def log(t0: float, text: str) -> None:
    print(f"[{time.perf_counter() - t0:7.1f} s] {text}", flush=True)


# --- the plan: master data -------------------------------------------------------------------


class Plan:
    def __init__(self, args, tz: ZoneInfo):
        self.n_items, self.n_moves = args.items, args.moves
        self.rng = random.Random(args.seed)
        now = datetime.now(tz)
        first = date(now.year, now.month, 1)
        self.start = datetime(now.year - 1, now.month, 1, tzinfo=tz)  # this month's first day, a year ago
        self.end = now - timedelta(hours=1)
        self.t0 = int(self.start.timestamp())
        self.span = int(self.end.timestamp()) - self.t0
        shipments = max(
            1, round(self.n_moves * ISSUES_PER_RECEIPT / (ISSUES_PER_RECEIPT + 1) / LINES_PER_SHIPMENT)
        )
        self.bucket = max(1, self.span // shipments)
        self.n_buckets = self.span // self.bucket + 1
        # closed months: every whole month from the start to the one before this month
        self.months = []
        d = self.start.date()
        while d < first:
            self.months.append(d)
            d = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
        self.tz = tz


def master_data(conn: psycopg.Connection, plan: Plan, user_id: int) -> dict:
    rng = plan.rng
    created = plan.start.isoformat()
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO inventory_unit (code, name, is_active) VALUES ('PCS', '个', true) RETURNING id"
        )
        unit_id = cur.fetchone()[0]
        categories = []
        cid = 0
        for r, root in enumerate(ROOT_CATEGORIES, start=1):
            cid += 1
            root_id = cid
            categories.append((root_id, f"C{r:02d}", root, None, root, 0))
            for s in range(1, SUBCATEGORIES + 1):
                cid += 1
                categories.append(
                    (cid, f"C{r:02d}{s:02d}", f"{root}{s}类", root_id, f"{root} / {root}{s}类", 1)
                )
        with cur.copy(
            "COPY inventory_category (id, code, name, parent_id, path, depth, is_active) FROM STDIN"
        ) as copy:
            for row in categories:
                copy.write_row((*row, True))
        leaves = [c[0] for c in categories if c[3] is not None]
        warehouses, locations = [], {}
        for n, (code, name) in enumerate(WAREHOUSES, start=1):
            warehouses.append(n)
            cur.execute(
                "INSERT INTO inventory_warehouse (id, code, name, address, is_active) "
                "VALUES (%s, %s, %s, '', true)",
                [n, code, name],
            )
            locations[n] = []
            for b in range(1, BINS_PER_WAREHOUSE + 1):
                lid = (n - 1) * BINS_PER_WAREHOUSE + b
                code_ = f"A-{b:02d}"
                cur.execute(
                    "INSERT INTO inventory_location (id, warehouse_id, code, name, kind, path, is_active) "
                    "VALUES (%s, %s, %s, '', 'bin', %s, true)",
                    [lid, n, code_, code_],
                )
                locations[n].append(lid)
        cur.execute(
            "INSERT INTO inventory_warehouse_members (warehouse_id, user_id) SELECT id, %s FROM inventory_warehouse",
            [user_id],
        )

        items = []  # (id, cost in fen, batch id or None, moves, [(warehouse, location), …])
        today = datetime.now(plan.tz).date()
        batch_rows = []
        with cur.copy(
            "COPY inventory_item (id, sku, name, spec, item_type, tracking, safety_stock, reorder_point, "
            "min_stock, max_stock, lead_time_days, shelf_life_days, notes, is_active, created_at, updated_at, "
            "category_id, base_unit_id, abc_class) FROM STDIN"
        ) as copy:
            avg = plan.n_moves / plan.n_items
            for i in range(1, plan.n_items + 1):
                batch = i % 20 == 0
                safety = rng.randint(5, 60) if i % 10 < 3 else 0
                reorder = safety + rng.randint(0, 20) if safety else 0
                maximum = 150 if i % 10 == 9 else 0
                copy.write_row(
                    (
                        i,
                        f"SKU{i:07d}",
                        f"商品{i:06d}",
                        f"规格{rng.randint(1, 99)}",
                        ITEM_TYPES[i % len(ITEM_TYPES)],
                        "batch_expiry" if batch else "none",
                        safety,
                        reorder,
                        0,
                        maximum,
                        rng.randint(1, 30),
                        365 if batch else None,
                        "",
                        i % 50 != 0,
                        created,
                        created,
                        leaves[i % len(leaves)],
                        unit_id,
                        "",
                    )
                )
                if batch:
                    expiry = today + timedelta(days=rng.randint(-30, 400))
                    batch_rows.append(
                        (len(batch_rows) + 1, i, f"B{i:07d}", expiry - timedelta(days=365), expiry, created)
                    )
                r = rng.random()
                n = max(2, round(avg * (0.2 + 2.4 * r * r)))
                w = 1 + (rng.random() < 0.4) + (rng.random() < 0.15)
                w = max(1, min(w, n // 2))
                keys = [(wh, rng.choice(locations[wh])) for wh in rng.sample(warehouses, w)]
                items.append((i, rng.randint(100, 100_000), len(batch_rows) if batch else None, n, keys))
        with cur.copy(
            "COPY inventory_batch (id, item_id, batch_no, production_date, expiry_date, first_received_at, "
            "notes, is_active) FROM STDIN"
        ) as copy:
            for row in batch_rows:
                copy.write_row((*row, "", True))
        for table in (
            "inventory_category",
            "inventory_warehouse",
            "inventory_location",
            "inventory_item",
            "inventory_batch",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
    return {"items": items}


# --- the moves -------------------------------------------------------------------------------


def money(fen: int) -> str:
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def write_moves(
    conn: psycopg.Connection, plan: Plan, items: list, t_start: float
) -> tuple[bytearray, list, int]:
    """Stream every move with COPY, item by item; returns the postings used (a flag per posting
    id), the valuation rows and the number of moves."""
    rng = plan.rng
    t0, span, bucket = plan.t0, plan.span, plan.bucket
    used = bytearray(2 * plan.n_buckets + 3)
    # moved_at as text without datetime per move: a day table and a time-of-day table (UTC)
    day0 = t0 - t0 % 86400
    days = [
        (datetime.fromtimestamp(day0, UTC) + timedelta(days=d)).strftime("%Y-%m-%d")
        for d in range((span + t0 - day0) // 86400 + 2)
    ]
    hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
    valuations = []
    total = 0
    sha = hashlib.sha256
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY inventory_stockmove (qty, unit_cost, value, moved_at, seq, hash, batch_id, item_id, "
            "location_id, posting_id, warehouse_id) FROM STDIN"
        ) as copy,
    ):
        buf: list[str] = []
        size = 0
        for n_item, (item, cost, batch, n, keys) in enumerate(items, start=1):
            # split the item's moves over its keys (the first key the busiest)
            shares = [rng.random() + (1.0 if k == 0 else 0.0) for k in range(len(keys))]
            whole = sum(shares)
            counts = [max(2, round(n * s / whole)) for s in shares]
            moves = []
            for key_no, count in enumerate(counts):
                for k in range(count):
                    b = int(span * (k + rng.random()) / count) // bucket
                    if k % (ISSUES_PER_RECEIPT + 1) == 0:
                        q = RECEIPT_QTY + (rng.randint(10, 200) if k == 0 else 0)
                    else:
                        q = -rng.randint(1, ISSUE_MAX)
                    moves.append((b, key_no, k, q))
            moves.sort()
            cost_s = f"{cost // 100}.{cost % 100:02d}0000"
            item_s = str(item)
            batch_h = str(batch) if batch else ""
            batch_c = batch_h or "\\N"
            prev = ""
            qty_total = 0
            for seq, (b, key_no, _k, q) in enumerate(moves, start=1):
                wh, loc = keys[key_no]
                posting = 2 * b + (1 if q > 0 else 2)
                used[posting] = 1
                t = t0 + b * bucket
                d, s = divmod(t - day0, 86400)
                day, clock = days[d], hms[s]
                qty_s = f"{q}.0000"
                value_s = money(q * cost)
                prev = sha(
                    f"{prev}|{seq}|{item_s}|{wh}|{loc}|{batch_h}|{qty_s}|{cost_s}|{value_s}|{posting}||"
                    f"{day}T{clock}.000000".encode()
                ).hexdigest()
                line = (
                    f"{qty_s}\t{cost_s}\t{value_s}\t{day} {clock}+00\t{seq}\t{prev}\t{batch_c}\t{item_s}\t"
                    f"{loc}\t{posting}\t{wh}\n"
                )
                buf.append(line)
                size += len(line)
                qty_total += q
            if size >= COPY_CHUNK:
                copy.write("".join(buf))
                buf, size = [], 0
            total += len(moves)
            valuations.append((item, qty_total, money(qty_total * cost), cost_s, len(moves), prev))
            if n_item % 10_000 == 0:
                log(t_start, f"  {n_item:,} items, {total:,} moves")
        if buf:
            copy.write("".join(buf))
    return used, valuations, total


def ledger_constraints(conn: psycopg.Connection) -> tuple[list[str], list[str]]:
    """The foreign keys / unique constraint and the plain indexes of the ledger table, as SQL."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'inventory_stockmove'::regclass AND contype IN ('f', 'u') ORDER BY contype DESC"
    ).fetchall()
    indexes = conn.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = 'inventory_stockmove'::regclass AND NOT indisprimary AND indexrelid NOT IN "
        "(SELECT conindid FROM pg_constraint WHERE conrelid = 'inventory_stockmove'::regclass)"
    ).fetchall()
    drop = [f'ALTER TABLE inventory_stockmove DROP CONSTRAINT "{name}"' for name, _d in constraints]
    drop += [f'DROP INDEX "{name}"' for name, _d in indexes]
    create = [definition for _n, definition in indexes]
    create += [f'ALTER TABLE inventory_stockmove ADD CONSTRAINT "{name}" {d}' for name, d in constraints]
    return drop, create


# --- balances, valuations, postings, periods ---------------------------------------------------


def write_postings(conn: psycopg.Connection, plan: Plan, used: bytearray, user_id: int) -> int:
    n = 0
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY inventory_posting (id, doc_type, doc_id, doc_number, posted_at, posted_by_id) FROM STDIN"
        ) as copy,
    ):
        for pid in range(1, len(used)):
            if not used[pid]:
                continue
            b, kind = divmod(pid - 1, 2)
            at = datetime.fromtimestamp(plan.t0 + b * plan.bucket, UTC).isoformat()
            doc_type, prefix = (RECEIPT, "GR") if kind == 0 else (SHIPMENT, "SH")
            copy.write_row((pid, doc_type, pid, f"BENCH-{prefix}-{b:07d}", at, user_id))
            n += 1
    with conn.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('inventory_posting', 'id'), (SELECT max(id) FROM inventory_posting))"
        )
    return n


def write_valuations(conn: psycopg.Connection, valuations: list) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY inventory_itemvaluation (item_id, qty, value, avg_cost, chain_seq, chain_head) FROM STDIN"
        ) as copy,
    ):
        for item, qty, value, cost, seq, head in valuations:
            copy.write(f"{item}\t{qty}\t{value}\t{cost}\t{seq}\t{head}\n")


BALANCES = """
INSERT INTO inventory_stockbalance (item_id, warehouse_id, location_id, batch_id, on_hand, reserved, value, last_moved_at)
SELECT item_id, warehouse_id, location_id, batch_id, sum(qty), 0, sum(value), max(moved_at)
  FROM inventory_stockmove GROUP BY item_id, warehouse_id, location_id, batch_id
"""

# Cumulative quantity and value per item × warehouse at the end of each closed month: the month's
# changes grouped once, then a running sum over the months from each key's first month on.
SUMMARIES = """
WITH d AS (
    SELECT item_id, warehouse_id, date_trunc('month', moved_at AT TIME ZONE %(tz)s)::date AS m,
           sum(qty) AS q, sum(value) AS v
      FROM inventory_stockmove WHERE moved_at < %(last)s
     GROUP BY 1, 2, 3
), k AS (
    SELECT item_id, warehouse_id, min(m) AS first_m FROM d GROUP BY 1, 2
), s AS (
    SELECT k.item_id, k.warehouse_id, p.id AS period_id,
           sum(coalesce(d.q, 0)) OVER w AS q, sum(coalesce(d.v, 0)) OVER w AS v
      FROM k
      JOIN inventory_periodclose p ON make_date(p.year, p.month, 1) >= k.first_m
      LEFT JOIN d ON d.item_id = k.item_id AND d.warehouse_id = k.warehouse_id
                 AND d.m = make_date(p.year, p.month, 1)
    WINDOW w AS (PARTITION BY k.item_id, k.warehouse_id ORDER BY p.year, p.month)
)
INSERT INTO inventory_periodsummary (period_id, item_id, warehouse_id, qty, value)
SELECT period_id, item_id, warehouse_id, q, v FROM s WHERE q <> 0 OR v <> 0
"""


# what consumption is (inventory.services.periods.consumption_q), over the ledger joined to its postings
CONSUMED = """(po.doc_type IN ('shipment', 'customer-return')
     OR (po.doc_type = 'stockdoc' AND po.doc_id IN (SELECT id FROM inventory_stockdocument WHERE kind = 'issue')))"""

# Each closed month's consumption per item × warehouse (positive when stock went out), a row for
# every key with consumption moves in the month, as period_close writes them.
CONSUMPTION = f"""
INSERT INTO inventory_periodconsumption (period_id, item_id, warehouse_id, qty, value)
SELECT p.id, m.item_id, m.warehouse_id, -sum(m.qty), -sum(m.value)
  FROM inventory_stockmove m
  JOIN inventory_posting po ON po.id = m.posting_id
  JOIN inventory_periodclose p
    ON make_date(p.year, p.month, 1) = date_trunc('month', m.moved_at AT TIME ZONE %(tz)s)::date
 WHERE m.moved_at < %(last)s AND {CONSUMED}
 GROUP BY 1, 2, 3
"""  # noqa: S608 (no input formatted in)


def close_months(conn: psycopg.Connection, plan: Plan, user_id: int) -> tuple[int, int]:
    from inventory.services.periods import boundary, month_end

    closed_at = datetime.now(UTC)
    with conn.cursor() as cur:
        for m in plan.months:
            end = month_end(m.year, m.month)
            cur.execute(
                "INSERT INTO inventory_periodclose (year, month, end_date, closed_at, closed_by_id) "
                "VALUES (%s, %s, %s, %s, %s)",
                [m.year, m.month, end, closed_at, user_id],
            )
            cur.execute(
                "INSERT INTO inventory_periodevent (year, month, action, at, reason, by_id) "
                "VALUES (%s, %s, 'closed', %s, '', %s)",
                [m.year, m.month, closed_at, user_id],
            )
        if not plan.months:
            return 0, 0
        last = boundary(month_end(plan.months[-1].year, plan.months[-1].month))
        cur.execute(SUMMARIES, {"tz": str(plan.tz), "last": last})
        n_summaries = cur.rowcount
        cur.execute(CONSUMPTION, {"tz": str(plan.tz), "last": last})
        return n_summaries, cur.rowcount


# --- checks -----------------------------------------------------------------------------------

CHECKS = {
    "balances != sum of their moves": """
        SELECT count(*) FROM inventory_stockbalance b
        FULL JOIN (SELECT item_id, location_id, batch_id, sum(qty) AS q FROM inventory_stockmove GROUP BY 1, 2, 3) m
          ON m.item_id = b.item_id AND m.location_id = b.location_id AND m.batch_id IS NOT DISTINCT FROM b.batch_id
        WHERE b.on_hand IS DISTINCT FROM m.q""",
    "negative balances": "SELECT count(*) FROM inventory_stockbalance WHERE on_hand < 0",
    "valuations != sum of their moves": """
        SELECT count(*) FROM inventory_itemvaluation v
        FULL JOIN (SELECT item_id, sum(qty) AS q, sum(value) AS x, count(*) AS n, max(seq) AS s
                     FROM inventory_stockmove GROUP BY 1) m ON m.item_id = v.item_id
        WHERE v.qty IS DISTINCT FROM m.q OR v.value IS DISTINCT FROM m.x
           OR v.chain_seq IS DISTINCT FROM m.n OR v.chain_seq IS DISTINCT FROM m.s""",
    "moves whose location is in another warehouse": """
        SELECT count(*) FROM inventory_stockmove m JOIN inventory_location l ON l.id = m.location_id
        WHERE l.warehouse_id <> m.warehouse_id""",
    "moves not at their posting's time": """
        SELECT count(*) FROM inventory_stockmove m JOIN inventory_posting p ON p.id = m.posting_id
        WHERE p.posted_at <> m.moved_at""",
}

SUMMARY_CHECK = """
SELECT count(*) FROM (SELECT * FROM inventory_periodsummary WHERE period_id = %(period)s) s
FULL JOIN (SELECT item_id, warehouse_id, sum(qty) AS q, sum(value) AS v FROM inventory_stockmove
            WHERE moved_at < %(boundary)s GROUP BY 1, 2 HAVING sum(qty) <> 0 OR sum(value) <> 0) m
  ON m.item_id = s.item_id AND m.warehouse_id = s.warehouse_id
WHERE s.qty IS DISTINCT FROM m.q OR s.value IS DISTINCT FROM m.v
"""


CONSUMPTION_CHECK = f"""
SELECT count(*) FROM (SELECT * FROM inventory_periodconsumption WHERE period_id = %(period)s) c
FULL JOIN (SELECT m.item_id, m.warehouse_id, -sum(m.qty) AS q, -sum(m.value) AS v
             FROM inventory_stockmove m JOIN inventory_posting po ON po.id = m.posting_id
            WHERE m.moved_at >= %(start)s AND m.moved_at < %(boundary)s AND {CONSUMED}
            GROUP BY 1, 2) x
  ON x.item_id = c.item_id AND x.warehouse_id = c.warehouse_id
WHERE c.qty IS DISTINCT FROM x.q OR c.value IS DISTINCT FROM x.v
"""  # noqa: S608 (no input formatted in)


def checks(conn: psycopg.Connection, t_start: float, sample: int = 200) -> int:
    from inventory.models import ItemValuation, PeriodClose, StockMove
    from inventory.services.periods import boundary, month_start
    from inventory.services.posting import move_hash

    bad = 0
    for name, query in CHECKS.items():
        n = conn.execute(query).fetchone()[0]
        bad += n
        log(t_start, f"check: {n} {name}")
    for period in PeriodClose.objects.order_by("end_date"):
        n = conn.execute(
            SUMMARY_CHECK, {"period": period.pk, "boundary": boundary(period.end_date)}
        ).fetchone()[0]
        bad += n
        if n:
            log(t_start, f"check: {period}: {n} month-end summaries != the moves before the month's end")
        n = conn.execute(
            CONSUMPTION_CHECK,
            {
                "period": period.pk,
                "start": month_start(period.end_date),
                "boundary": boundary(period.end_date),
            },
        ).fetchone()[0]
        bad += n
        if n:
            log(t_start, f"check: {period}: {n} month consumption rows != the month's consumption moves")
    log(
        t_start,
        f"check: month-end summaries and consumption of {PeriodClose.objects.count()} closed months "
        "against the moves",
    )
    # the hash chains of a sample of items, recomputed with the app's own function
    ids = list(ItemValuation.objects.order_by("?").values_list("item_id", flat=True)[:sample])
    heads = dict(ItemValuation.objects.filter(item_id__in=ids).values_list("item_id", "chain_head"))
    broken = 0
    state: dict[int, str] = dict.fromkeys(ids, "")
    for move in (
        StockMove.objects.filter(item_id__in=ids).order_by("item_id", "seq").iterator(chunk_size=5000)
    ):
        h = move_hash(state[move.item_id], move)
        if h != move.hash:
            broken += 1
        state[move.item_id] = move.hash
    broken += sum(1 for i in ids if state[i] != heads[i])
    bad += broken
    log(t_start, f"check: {broken} broken links in the hash chains of {len(ids)} sampled items")
    return bad


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    url = args.database_url or DEFAULT_URL
    t_start = time.perf_counter()
    create_database(url, recreate=args.database_url is None)
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import User

    log(t_start, f"database {dbname(url)}: migrating")
    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_superuser(BENCH_USER, "", BENCH_PASSWORD, display_name="基准")
    plan = Plan(args, ZoneInfo(settings.TIME_ZONE))
    log(
        t_start,
        f"plan: {plan.n_items:,} items, ~{plan.n_moves:,} moves from {plan.start:%Y-%m-%d %H:%M} to "
        f"{plan.end:%Y-%m-%d %H:%M} ({settings.TIME_ZONE}), a posting per {plan.bucket} s and kind, "
        f"{len(plan.months)} months to close",
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET work_mem = '128MB'")
        with conn.transaction():
            data = master_data(conn, plan, user.pk)
        log(t_start, f"master data: {plan.n_items:,} items, {len(WAREHOUSES)} warehouses")
        drop, create = ledger_constraints(conn)
        with conn.transaction():
            for statement in drop:
                conn.execute(statement)
            used, valuations, n_moves = write_moves(conn, plan, data["items"], t_start)
        log(t_start, f"moves: {n_moves:,} written")
        with conn.transaction():
            n_postings = write_postings(conn, plan, used, user.pk)
            write_valuations(conn, valuations)
        log(t_start, f"postings: {n_postings:,}; valuations: {len(valuations):,}")
        for statement in create:
            conn.execute(statement)
        log(t_start, "ledger indexes and foreign keys re-created")
        n_balances = conn.execute(BALANCES).rowcount
        log(t_start, f"balances: {n_balances:,}")
        n_summaries, n_consumption = close_months(conn, plan, user.pk)
        log(
            t_start,
            f"closed {len(plan.months)} months: {n_summaries:,} month-end summaries, "
            f"{n_consumption:,} month consumption rows",
        )
        conn.execute("VACUUM (ANALYZE)")
        log(t_start, "vacuum analyze")
        bad = 0
        if not args.no_check:
            bad = checks(conn, t_start)
        if args.ledger_check:
            from inventory.ledger_check import ledger_differences

            differences = ledger_differences()
            bad += len(differences)
            log(t_start, f"ledger_differences(): {len(differences)} differences")
            for d in differences[:10]:
                print("  ", d)
        facts = {
            "items": plan.n_items,
            "moves": n_moves,
            "postings": n_postings,
            "balances": n_balances,
            "summaries": n_summaries,
            "consumption": n_consumption,
            "start": plan.start.isoformat(),
            "end": plan.end.isoformat(),
            "closed_months": len(plan.months),
            "seed": args.seed,
            "chain_valid": "yes",
            "seeded_at": datetime.now(UTC).isoformat(),
            "checks": "skipped" if args.no_check else ("failed" if bad else "passed"),
        }
        with conn.transaction():
            conn.execute(f"CREATE TABLE {MARKER} (key text PRIMARY KEY, value text NOT NULL)")
            for k, v in facts.items():
                conn.execute(f"INSERT INTO {MARKER} VALUES (%s, %s)", [k, str(v)])  # noqa: S608
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    log(t_start, f"done: {dbname(url)} is {size}; checks {facts['checks']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
