"""Benchmark of the posting service against raw SQL probes doing the same logical work.

Run from the project root (PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/posting_bench.py [--seconds 2] [--rounds 5] [--keep] [--database-url URL]

It creates its own database (jxc_bench), migrates it, seeds master data and opening stock, runs
three scenarios — each side alternately, in rounds, in the same run — prints each scenario's
medians as a ratio service / raw beside its target, and drops the database (unless --keep).
A missed target prints MISSED; the exit status is 0 all the same (a measurement, not a test).
It exits 1 only when a correctness check fails (oversell, ledger != balances).

The raw probes write to a mirror of the ledger tables in the schema `bench_raw`: the same columns,
CHECKs, unique and partial indexes and foreign keys (to the same items, locations and the one
"bench raw" posting) as inventory_stockbalance and inventory_stockmove. Keeping them apart lets
the ledger check run on the service's tables exactly: the raw probe leaves out what the service
must do and what is measured here — the posting row per document, validating the lines, the item
valuation (lock, moving average, value), the hash chain (seq and sha256 per item) and the ORM.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jxc_bench"
SELLERS, RECEIVERS = 8, 2
DOC_LINES = 50
COST = Decimal("10")
ONE = Decimal("1")
RECEIPT_QTY = Decimal("5")
PLENTY = Decimal("1000000")
DRAIN_INITIAL = Decimal("100")
DRAIN_RECEIPTS = 20  # per receiver, RECEIPT_QTY each
TARGET_ONE, TARGET_DOC, TARGET_HOT = 0.35, 0.30, 0.35
HISTORY = 50_000  # postings before the benchmark starts: seed_history()
SCENARIO_ITEMS = 20 + 2 * DOC_LINES + 2  # the items the scenarios post: one-line, two documents, hot, drain
CATALOGUE = 100_000  # items in all (issue 8's data set): the rest are the company's other goods
OPENING_DOC_LINES = 1_000  # the other goods' opening stock is posted in documents of this many lines

# --- raw probes ---------------------------------------------------------------------------------
# One statement per transaction (autocommit): lock and decrement the balance only when enough is
# available, and append the move from what the UPDATE returned.
RAW_ISSUE = """
WITH b AS (
    UPDATE bench_raw.inventory_stockbalance
       SET on_hand = on_hand - %(q)s, last_moved_at = now()
     WHERE id = %(id)s AND on_hand - reserved >= %(q)s
 RETURNING item_id, warehouse_id, location_id, batch_id
)
INSERT INTO bench_raw.inventory_stockmove
       (posting_id, item_id, warehouse_id, location_id, batch_id, qty, unit_cost, value, moved_at, seq, hash)
SELECT %(posting)s, item_id, warehouse_id, location_id, batch_id, -%(q)s, %(cost)s, -%(q)s * %(cost)s,
       now(), nextval('bench_raw.move_seq'), 'raw'
  FROM b
"""
RAW_RECEIVE = """
WITH b AS (
    UPDATE bench_raw.inventory_stockbalance
       SET on_hand = on_hand + %(q)s, last_moved_at = now()
     WHERE id = %(id)s
 RETURNING item_id, warehouse_id, location_id, batch_id
)
INSERT INTO bench_raw.inventory_stockmove
       (posting_id, item_id, warehouse_id, location_id, batch_id, qty, unit_cost, value, moved_at, seq, hash)
SELECT %(posting)s, item_id, warehouse_id, location_id, batch_id, %(q)s, %(cost)s, %(q)s * %(cost)s,
       now(), nextval('bench_raw.move_seq'), 'raw'
  FROM b
"""
# A 50-line document: one multi-row UPDATE … FROM (VALUES …) RETURNING, one multi-row INSERT, in
# one transaction (rolled back if any line lacks stock). Only placeholders are joined in.
RAW_DOC_UPDATE = (
    "UPDATE bench_raw.inventory_stockbalance AS s SET on_hand = s.on_hand - v.q, last_moved_at = now() "  # noqa: S608
    "FROM (VALUES " + ", ".join(["(%s::bigint, %s::numeric)"] * DOC_LINES) + ") AS v(id, q) "
    "WHERE s.id = v.id AND s.on_hand - s.reserved >= v.q "
    "RETURNING s.item_id, s.warehouse_id, s.location_id, s.batch_id, v.q"
)
RAW_DOC_INSERT = (
    "INSERT INTO bench_raw.inventory_stockmove (posting_id, item_id, warehouse_id, location_id, "  # noqa: S608
    "batch_id, qty, unit_cost, value, moved_at, seq, hash) VALUES "
    + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, now(), nextval('bench_raw.move_seq'), 'raw')"] * DOC_LINES)
)
RAW_MISMATCHES = """
SELECT count(*) FROM bench_raw.inventory_stockbalance b
LEFT JOIN (SELECT item_id, location_id, batch_id, sum(qty) AS qty
             FROM bench_raw.inventory_stockmove GROUP BY 1, 2, 3) m
       ON m.item_id = b.item_id AND m.location_id = b.location_id
      AND m.batch_id IS NOT DISTINCT FROM b.batch_id
WHERE b.on_hand IS DISTINCT FROM coalesce(m.qty, 0)
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=2.0, help="seconds per side per round (default 2)")
    p.add_argument("--rounds", type=int, default=5, help="rounds per scenario (default 5)")
    p.add_argument(
        "--items",
        type=int,
        default=CATALOGUE,
        help=f"items in the catalogue, each with opening stock (default {CATALOGUE:,}; at least {SCENARIO_ITEMS})",
    )
    p.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    p.add_argument(
        "--database-url",
        default=None,
        help=f"database to use (default {DEFAULT_URL}, dropped and re-created); a database given "
        "here is created if missing (and dropped at the end unless --keep); an existing one must be "
        "empty and is never dropped",
    )
    return p.parse_args()


# --- database lifecycle --------------------------------------------------------------------------


def create_database(url: str, *, recreate: bool) -> bool:
    """Create the database of `url`; returns True when this run created it."""
    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not recreate:
            return False
        if exists:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def drop_database(url: str) -> None:
    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- seeding -------------------------------------------------------------------------------------


@dataclass
class World:
    url: str
    user: object
    location_id: int
    one_line_items: list[int]
    doc_items: list[list[int]]  # two 50-item sets, alternating documents
    hot_item: int
    drain_item: int
    raw_posting_id: int
    raw_balance: dict[int, int] = field(default_factory=dict)  # item id → bench_raw balance id


def seed(url: str, catalogue: int) -> World:
    from django.utils import timezone

    from accounts.models import User
    from inventory.models import Category, Item, Location, Posting, Unit, Warehouse
    from inventory.services.posting import MoveLine, post_moves

    unit = Unit.objects.bulk_create([Unit(code="PCS", name="个")])[0]
    category = Category.objects.bulk_create([Category(code="BENCH", name="基准", path="基准")])[0]
    warehouse = Warehouse.objects.bulk_create([Warehouse(code="BW", name="基准仓")])[0]
    location = Location.objects.bulk_create(
        [Location(warehouse=warehouse, code=f"A-{n:02d}", path=f"A-{n:02d}") for n in range(4)]
    )[0]
    user = User.objects.bulk_create([User(username="bench", display_name="基准")])[0]
    items = Item.objects.bulk_create(
        [
            Item(sku=f"BENCH{n:06d}", name=f"基准商品{n}", category=category, base_unit=unit)
            for n in range(max(catalogue, SCENARIO_ITEMS))
        ],
        batch_size=5_000,
    )
    everything = [i.pk for i in items]
    ids, others = everything[:SCENARIO_ITEMS], everything[SCENARIO_ITEMS:]
    world = World(
        url=url,
        user=user,
        location_id=location.pk,
        one_line_items=ids[:20],
        doc_items=[ids[20 : 20 + DOC_LINES], ids[20 + DOC_LINES : 20 + 2 * DOC_LINES]],
        hot_item=ids[-2],
        drain_item=ids[-1],
        raw_posting_id=0,
    )
    opening = dict.fromkeys(ids, PLENTY)
    opening[world.drain_item] = DRAIN_INITIAL
    # Opening stock through the service itself, so the ledger is consistent from the first move.
    post_moves(
        doc_type="bench-open",
        doc_id=1,
        doc_number="BENCH-OPEN",
        lines=[
            MoveLine(item_id=i, location_id=location.pk, qty=q, unit_cost=COST) for i, q in opening.items()
        ],
        user=user,
    )
    # The rest of the catalogue: the valuation, balance and move tables have a company's size, so
    # both sides' statements are planned as they would be there (index probes; on a catalogue of
    # 122 items the posting function's generic plans scanned whole tables, and paid for every dead
    # row version the run had left in them).
    for n, start in enumerate(range(0, len(others), OPENING_DOC_LINES), start=2):
        post_moves(
            doc_type="bench-open",
            doc_id=n,
            doc_number=f"BENCH-OPEN-{n}",
            lines=[
                MoveLine(item_id=i, location_id=location.pk, qty=PLENTY, unit_cost=COST)
                for i in others[start : start + OPENING_DOC_LINES]
            ],
            user=user,
        )
    opening.update(dict.fromkeys(others, PLENTY))
    raw_posting = Posting.objects.bulk_create(
        [
            Posting(
                doc_type="bench-raw",
                doc_id=1,
                doc_number="BENCH-RAW",
                posted_at=timezone.now(),
                posted_by=user,
            )
        ]
    )[0]
    world.raw_posting_id = raw_posting.pk
    seed_history(url, user.pk)
    world.raw_balance = create_raw_mirror(url, world, opening, warehouse.pk)
    return world


def seed_history(url: str, user_id: int) -> None:
    """A company's past: HISTORY postings (no moves), as a year of documents leaves them.

    Without them both sides start on a near-empty inventory_posting, and each connection plans the
    foreign-key check of stockmove.posting_id once, as a sequential scan, and keeps that plan while
    thousands of postings are added: the service's check (its newest posting, at the end of the
    table) then grew from 0.005 to 0.5 ms and its rate sank round after round (770 → 420 tx/s),
    while the raw probe's (its one posting, at the start) stayed cheap. A production database has
    its history, and its connections do not live through ten thousand postings of a new table."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO inventory_posting (doc_type, doc_id, doc_number, posted_at, posted_by_id) "
            "SELECT 'bench-history', n, 'H-' || n, now() - make_interval(mins => n), %s "
            "FROM generate_series(1, %s) AS n",
            [user_id, HISTORY],
        )


def create_raw_mirror(url: str, world: World, opening: dict[int, Decimal], warehouse_id: int) -> dict:
    """bench_raw.inventory_stockbalance / _stockmove: copies of the ledger tables' definitions
    (LIKE … INCLUDING ALL copies columns, defaults, identity, CHECKs and indexes; the foreign
    keys are copied from the catalogue), seeded with the same opening stock as one move per key."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA bench_raw")
        conn.execute("CREATE SEQUENCE bench_raw.move_seq")
        for table in ("inventory_stockbalance", "inventory_stockmove"):
            conn.execute(
                sql.SQL("CREATE TABLE bench_raw.{t} (LIKE public.{t} INCLUDING ALL)").format(
                    t=sql.Identifier(table)
                )
            )
            fks = conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [f"public.{table}"],
            ).fetchall()
            for name, definition in fks:
                conn.execute(
                    sql.SQL("ALTER TABLE bench_raw.{t} ADD CONSTRAINT {n} {d}").format(
                        t=sql.Identifier(table), n=sql.Identifier(name), d=sql.SQL(definition)
                    )
                )
        with conn.transaction():
            rows = conn.execute(
                "INSERT INTO bench_raw.inventory_stockbalance "
                "(item_id, warehouse_id, location_id, batch_id, on_hand, reserved, last_moved_at) "
                "SELECT i, %s, %s, NULL, q, 0, now() FROM unnest(%s::bigint[], %s::numeric[]) AS u(i, q) "
                "RETURNING item_id, id",
                [warehouse_id, world.location_id, list(opening), list(opening.values())],
            ).fetchall()
            conn.execute(
                "INSERT INTO bench_raw.inventory_stockmove (posting_id, item_id, warehouse_id, location_id, "
                "batch_id, qty, unit_cost, value, moved_at, seq, hash) "
                "SELECT posting, b.item_id, b.warehouse_id, b.location_id, b.batch_id, b.on_hand, %s, "
                "b.on_hand * %s, now(), nextval('bench_raw.move_seq'), 'raw' "
                "FROM bench_raw.inventory_stockbalance b, (SELECT %s::bigint AS posting) p",
                [COST, COST, world.raw_posting_id],
            )
        conn.execute("ANALYZE")
    return dict(rows)


# --- the two sides ---------------------------------------------------------------------------------

DOC_IDS = itertools.count(2)


class ServiceSide:
    """post_moves through Django; one connection per thread (Django's thread-local connections)."""

    name = "service"

    def __init__(self, world: World):
        from inventory.exceptions import InsufficientStock
        from inventory.services.posting import MoveLine, post_moves

        self.world = world
        self.post_moves = post_moves
        self.MoveLine = MoveLine
        self.InsufficientStock = InsufficientStock
        self.docs = [
            [MoveLine(item_id=i, location_id=world.location_id, qty=-ONE) for i in items]
            for items in world.doc_items
        ]

    def open(self) -> None:
        from django.db import connection

        connection.ensure_connection()

    def close(self) -> None:
        from django.db import connection

        connection.close()

    def _post(self, doc_type: str, lines) -> None:
        n = next(DOC_IDS)
        self.post_moves(doc_type=doc_type, doc_id=n, doc_number=f"B-{n}", lines=lines, user=self.world.user)

    def issue(self, item_id: int, doc_type: str = "bench-1") -> bool:
        try:
            self._post(
                doc_type, [self.MoveLine(item_id=item_id, location_id=self.world.location_id, qty=-ONE)]
            )
        except self.InsufficientStock:
            return False
        return True

    def receive(self, item_id: int) -> None:
        line = self.MoveLine(
            item_id=item_id, location_id=self.world.location_id, qty=RECEIPT_QTY, unit_cost=COST
        )
        self._post("bench-in", [line])

    def document(self, n: int) -> None:
        self._post("bench-50", self.docs[n % 2])

    def on_hand(self, item_id: int) -> Decimal:
        from inventory.models import StockBalance

        return StockBalance.objects.get(item_id=item_id, location_id=self.world.location_id).on_hand

    def key_consistent(self, item_id: int) -> bool:
        from django.db.models import Sum

        from inventory.models import StockMove

        moved = StockMove.objects.filter(item_id=item_id, location_id=self.world.location_id).aggregate(
            s=Sum("qty")
        )["s"]
        return moved == self.on_hand(item_id)


class RawSide:
    """The raw probes on their own psycopg connection (one per thread), autocommit."""

    name = "raw"

    def __init__(self, world: World):
        self.world = world
        self.local = threading.local()
        self.docs = [[p for i in items for p in (world.raw_balance[i], ONE)] for items in world.doc_items]

    @property
    def conn(self) -> psycopg.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(self.world.url, autocommit=True)
        return conn

    def open(self) -> None:
        self.conn  # noqa: B018 — connect now, not inside the timed loop

    def close(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
            self.local.conn = None

    def _params(self, item_id: int, qty: Decimal) -> dict:
        return {
            "q": qty,
            "id": self.world.raw_balance[item_id],
            "posting": self.world.raw_posting_id,
            "cost": COST,
        }

    def issue(self, item_id: int, doc_type: str = "") -> bool:
        cur = self.conn.execute(RAW_ISSUE, self._params(item_id, ONE))
        return cur.rowcount == 1

    def receive(self, item_id: int) -> None:
        cur = self.conn.execute(RAW_RECEIVE, self._params(item_id, RECEIPT_QTY))
        assert cur.rowcount == 1

    def document(self, n: int) -> None:
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            rows = cur.execute(RAW_DOC_UPDATE, self.docs[n % 2]).fetchall()
            if len(rows) != DOC_LINES:
                raise RuntimeError("raw document: a line lacks stock")
            posting = self.world.raw_posting_id
            params = []
            for item_id, warehouse_id, location_id, batch_id, q in rows:
                params += [posting, item_id, warehouse_id, location_id, batch_id, -q, COST, -q * COST]
            cur.execute(RAW_DOC_INSERT, params)

    def on_hand(self, item_id: int) -> Decimal:
        with psycopg.connect(self.world.url) as conn:
            return conn.execute(
                "SELECT on_hand FROM bench_raw.inventory_stockbalance WHERE id = %s",
                [self.world.raw_balance[item_id]],
            ).fetchone()[0]

    def key_consistent(self, item_id: int) -> bool:
        with psycopg.connect(self.world.url) as conn:
            moved = conn.execute(
                "SELECT sum(qty) FROM bench_raw.inventory_stockmove WHERE item_id = %s AND location_id = %s",
                [item_id, self.world.location_id],
            ).fetchone()[0]
        return moved == self.on_hand(item_id)


# --- measurement ---------------------------------------------------------------------------------


SETTLE: list[psycopg.Connection] = []  # the admin connection, opened in run()


def settle() -> None:
    """Before every timed window, of either side: vacuum the rows updated in place (balances of
    both sides, valuations). Thousands of updates per second of the same few rows leave chains of
    dead versions that autovacuum (once a minute) does not clear in time; without this a side's
    rate sank round after round (1,900 → 300 tx/s) with its own history. Takes about 1 ms."""
    SETTLE[0].execute(
        "VACUUM public.inventory_stockbalance, public.inventory_itemvaluation, bench_raw.inventory_stockbalance"
    )


def timed_loop(op: Callable[[int], object], seconds: float) -> float:
    """Run op(0), op(1), … for `seconds` on this thread; returns operations per second."""
    settle()
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        op(n)
        n += 1
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def alternate(
    title: str, sides, make_op, seconds: float, rounds: int, unit: str
) -> tuple[list[float], list[float]]:
    """Warm both sides up, then run them alternately (the first side alternates too)."""
    print(f"\n{title}")
    for side in sides:
        side.open()
        timed_loop(make_op(side), min(0.5, seconds))
    rates: dict[str, list[float]] = {side.name: [] for side in sides}
    for r in range(rounds):
        order = sides if r % 2 == 0 else list(reversed(sides))
        for side in order:
            rates[side.name].append(timed_loop(make_op(side), seconds))
        print(
            f"  round {r + 1}: service {rates['service'][-1]:8.1f} {unit}   raw {rates['raw'][-1]:8.1f} {unit}"
        )
    for side in sides:
        side.close()
    return rates["service"], rates["raw"]


@dataclass
class HotResult:
    rate: float
    issued: int = 0
    refused: int = 0
    received: Decimal = Decimal(0)
    errors: list[str] = field(default_factory=list)
    before: Decimal = Decimal(0)
    after: Decimal = Decimal(0)
    consistent: bool = False

    @property
    def no_oversell(self) -> bool:
        return (
            not self.errors
            and self.after >= 0
            and self.issued <= self.before + self.received
            and self.after == self.before + self.received - self.issued
            and self.consistent
        )


def hot_round(side, item_id: int, seconds: float, *, drain: bool = False) -> HotResult:
    """SELLERS threads issue 1 unit and RECEIVERS threads receive RECEIPT_QTY of one item at one
    location, each thread on its own connection, for `seconds`. With drain=True the receivers post
    DRAIN_RECEIPTS receipts each and stop, and the sellers go on until the item is sold out."""
    before = side.on_hand(item_id)
    settle()
    lock = threading.Lock()
    stop = threading.Event()
    receipts_over = threading.Event()  # drain: set once every receiver has finished
    start = threading.Barrier(SELLERS + RECEIVERS + 1)
    totals = {"issued": 0, "refused": 0, "received": Decimal(0), "postings": 0}
    errors: list[str] = []

    def seller() -> None:
        issued = refused = 0
        try:
            side.open()
            start.wait(timeout=120)
            while not stop.is_set():
                if side.issue(item_id, "bench-hot"):
                    issued += 1
                else:
                    refused += 1
                    if drain and receipts_over.is_set():  # sold out after the last receipt
                        break
        except Exception as exc:  # noqa: BLE001 — reported, and the run fails its check
            errors.append(f"seller: {exc!r}")
        finally:
            side.close()
            with lock:
                totals["issued"] += issued
                totals["refused"] += refused
                totals["postings"] += issued

    def receiver() -> None:
        received, count = Decimal(0), 0
        try:
            side.open()
            start.wait(timeout=120)
            while not stop.is_set() and not (drain and count >= DRAIN_RECEIPTS):
                side.receive(item_id)
                received += RECEIPT_QTY
                count += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(f"receiver: {exc!r}")
        finally:
            side.close()
            with lock:
                totals["received"] += received
                totals["postings"] += count

    threads = [threading.Thread(target=seller) for _ in range(SELLERS)]
    threads += [threading.Thread(target=receiver) for _ in range(RECEIVERS)]
    for t in threads:
        t.start()
    start.wait(timeout=120)
    t0 = time.perf_counter()
    if drain:
        for t in threads[SELLERS:]:
            t.join()
        receipts_over.set()
        deadline = t0 + max(30.0, seconds)
        while any(t.is_alive() for t in threads[:SELLERS]) and time.perf_counter() < deadline:
            time.sleep(0.01)
    else:
        time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    result = HotResult(
        rate=totals["postings"] / elapsed,
        issued=totals["issued"],
        refused=totals["refused"],
        received=totals["received"],
        errors=errors,
        before=before,
        after=side.on_hand(item_id),
        consistent=side.key_consistent(item_id),
    )
    return result


def hot_scenario(sides, world: World, seconds: float, rounds: int) -> tuple[list[float], list[float], dict]:
    print(f"\n3. hot item: {SELLERS} sellers + {RECEIVERS} receivers, one item at one location")
    for side in sides:
        hot_round(side, world.hot_item, min(0.5, seconds))
    rates: dict[str, list[float]] = {side.name: [] for side in sides}
    checks: dict[str, bool] = {side.name: True for side in sides}
    for r in range(rounds):
        order = sides if r % 2 == 0 else list(reversed(sides))
        line = []
        for side in order:
            res = hot_round(side, world.hot_item, seconds)
            rates[side.name].append(res.rate)
            checks[side.name] &= res.no_oversell
            line.append(
                f"{side.name} {res.rate:7.1f} postings/s (issued {res.issued}, refused {res.refused}, "
                f"received {res.received:f}, on hand {res.before:f} → {res.after:f}"
                f"{', OK' if res.no_oversell else ', CHECK FAILED ' + '; '.join(res.errors[:2])})"
            )
        print(f"  round {r + 1}: " + "\n           ".join(line))
    drains = {}
    for side in sides:
        res = hot_round(side, world.drain_item, seconds, drain=True)
        sold_out = res.after == 0 and res.issued == res.before + res.received
        drains[side.name] = res.no_oversell and sold_out
        print(
            f"  sell-out ({side.name}): {res.before:f} on hand + {res.received:f} received, "
            f"{res.issued} issued, {res.refused} refused, on hand after {res.after:f} — "
            + (
                "exactly sold out, no oversell"
                if drains[side.name]
                else "CHECK FAILED " + "; ".join(res.errors[:2])
            )
        )
    checks = {name: checks[name] and drains[name] for name in checks}
    return rates["service"], rates["raw"], checks


# --- report --------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    url = args.database_url or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "false"  # no query log on the hot path
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    began = time.perf_counter()
    created = create_database(url, recreate=args.database_url is None)
    try:
        return run(args, url, began)
    finally:
        from django.db import connections

        connections.close_all()
        if created and not args.keep:
            drop_database(url)
            print(f"dropped database {conninfo_to_dict(url)['dbname']}")
        elif args.keep:
            print(f"kept database {conninfo_to_dict(url)['dbname']}")


def run(args, url: str, began: float) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    world = seed(url, args.items)
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    print(
        f"JXC posting benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"PostgreSQL {pg_version}, Python {sys.version.split()[0]}, Django {django.get_version()}; "
        f"{args.rounds} rounds × {args.seconds:g} s per side; {max(args.items, SCENARIO_ITEMS):,} items "
        f"(set up in {time.perf_counter() - began:.0f} s)"
    )
    SETTLE.append(psycopg.connect(url, autocommit=True))
    sides = [ServiceSide(world), RawSide(world)]
    rows = []

    items = world.one_line_items
    s, r = alternate(
        "1. one-line postings from one connection (issue 1 unit)",
        sides,
        lambda side: lambda n: side.issue(items[n % len(items)]),
        args.seconds,
        args.rounds,
        "tx/s",
    )
    rows.append(("one-line posting, 1 conn (tx/s)", s, r, TARGET_ONE, True))

    s, r = alternate(
        f"2. {DOC_LINES}-line documents from one connection",
        sides,
        lambda side: side.document,
        args.seconds,
        args.rounds,
        "docs/s",
    )
    rows.append((f"{DOC_LINES}-line document, 1 conn (docs/s)", s, r, TARGET_DOC, True))

    s, r, checks = hot_scenario(sides, world, args.seconds, args.rounds)
    rows.append(
        (
            f"hot item, {SELLERS}+{RECEIVERS} conns (postings/s)",
            s,
            r,
            TARGET_HOT,
            checks["service"] and checks["raw"],
        )
    )

    SETTLE.pop().close()
    from inventory.ledger_check import ledger_differences

    t = time.perf_counter()
    differences = ledger_differences()
    with psycopg.connect(url) as conn:
        raw_mismatches = conn.execute(RAW_MISMATCHES).fetchone()[0]
        raw_negative = conn.execute(
            "SELECT count(*) FROM bench_raw.inventory_stockbalance WHERE on_hand < 0"
        ).fetchone()[0]
    print(
        f"\nledger check (service tables): {len(differences)} differences "
        f"({time.perf_counter() - t:.1f} s); raw mirror: {raw_mismatches} balances != sum of moves, "
        f"{raw_negative} negative"
    )
    for d in differences[:10]:
        print(f"  {d}")

    print(f"\n{'scenario':<38} {'service':>9} {'raw':>9} {'ratio':>7} {'target':>7}  ok?\n" + "-" * 82)
    missed = False
    for name, svc, raw, target, checked in rows:
        sm, rm = statistics.median(svc), statistics.median(raw)
        ratio = sm / rm
        fast = ratio >= target
        missed |= not fast
        verdict = ("yes" if fast else "MISSED") + ("" if checked else ", CHECK FAILED")
        print(f"{name:<38} {sm:>9.1f} {rm:>9.1f} {ratio:>6.2f}× {target:>6.2f}×  {verdict}")
    correct = not differences and raw_mismatches == 0 and raw_negative == 0 and all(r[4] for r in rows)
    print(
        f"\nmedians of {args.rounds} rounds; {os.cpu_count()} cores; PostgreSQL {pg_version}; "
        f"zero oversell and ledger == balances: {'yes' if correct else 'NO'}; "
        f"targets {'all met' if not missed else 'MISSED (see above)'}; "
        f"total {time.perf_counter() - began:.0f} s"
    )
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
