"""Benchmark of the stock reports (valuation, turnover, ABC) against raw SQL over the same data.

Run from the project root, after bench/seed.py (it reads the seeded database, never writes to it):

    .venv/bin/python bench/report_bench.py [--rounds 3] [--database-url URL]

Each figure is the time to produce every row of the report as the app does (the report's `rows()`
through reports.selectors / inventory.views_valuation, the code the page and the Excel export
run) beside one raw SQL statement that computes the same rows, fetched by psycopg, in alternating
rounds; medians. The rows are compared (a difference exits 1). Each report also runs once in a
fresh process that prints its peak RSS (VmHWM; see bench/README.md). Targets (issue 8): valuation ≤ 1.5× a raw
GROUP BY over balances; turnover and ABC over a year ≤ 1.3× the raw SQL over the ledger, or
≤ 0.3× of it when read from the month-end summaries; memory under 200 MB. A missed target prints
MISSED; the exit status is then still 0 (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import psycopg
from benchdb import BENCH_USER, DEFAULT_URL, ROOT, max_rss_mb, median, pg_version, seed_facts, setup_django

TARGET_VALUATION = 1.5  # × raw GROUP BY over balances
TARGET_LEDGER = 1.3  # × raw SQL over the ledger
TARGET_SUMMARIES = 0.3  # × raw SQL over the ledger, when the report reads month-end summaries
TARGET_MB = 200
CONSUMPTION_DOC_TYPES = ("shipment", "customer-return")

RAW_VALUATION = """
SELECT i.sku, w.name, s.q, round(s.q * v.avg_cost, 2), i.name, coalesce(nullif(c.path, ''), c.name),
       i.item_type, u.code, v.avg_cost
  FROM (SELECT item_id, warehouse_id, sum(on_hand) AS q FROM inventory_stockbalance
         GROUP BY item_id, warehouse_id HAVING sum(on_hand) <> 0) s
  JOIN inventory_item i ON i.id = s.item_id
  JOIN inventory_category c ON c.id = i.category_id
  JOIN inventory_unit u ON u.id = i.base_unit_id
  JOIN inventory_warehouse w ON w.id = s.warehouse_id
  JOIN inventory_itemvaluation v ON v.item_id = s.item_id
 ORDER BY i.sku, w.code
"""

# what consumption is (inventory.services.periods.consumption_q), over the ledger joined to its postings
CONSUMED = """(p.doc_type IN ('shipment', 'customer-return')
     OR (p.doc_type = 'stockdoc' AND p.doc_id IN (SELECT id FROM inventory_stockdocument WHERE kind = 'issue')))"""


def raw_turnover_sql(n_points: int) -> str:
    """Per item: the stock value at the end of each point (sum of move values before it), COGS
    over the period, average, turnover and days — one pass over the ledger."""
    values = ", ".join(f"sum(m.value) FILTER (WHERE m.moved_at < %(b{i})s) AS v{i}" for i in range(n_points))
    total = " + ".join(f"coalesce(v{i}, 0)" for i in range(n_points))
    return f"""
    WITH per_item AS (
        SELECT m.item_id, {values},
               -sum(m.value) FILTER (WHERE m.moved_at >= %(b0)s AND {CONSUMED}) AS cogs
          FROM inventory_stockmove m JOIN inventory_posting p ON p.id = m.posting_id
         WHERE m.moved_at < %(b{n_points - 1})s
         GROUP BY m.item_id
    ), f AS (
        SELECT item_id, coalesce(v0, 0) AS opening, coalesce(v{n_points - 1}, 0) AS closing,
               ({total}) / {n_points}.0 AS average, coalesce(cogs, 0) AS cogs
          FROM per_item
    )
    SELECT i.sku, i.name, f.opening, f.closing, round(f.average, 2), f.cogs,
           CASE WHEN f.average > 0 THEN round(f.cogs / f.average, 2) END,
           CASE WHEN f.cogs > 0 THEN round(%(days)s * f.average / f.cogs, 1) END
      FROM f JOIN inventory_item i ON i.id = f.item_id
     WHERE f.opening <> 0 OR f.closing <> 0 OR f.average <> 0 OR f.cogs <> 0
     ORDER BY i.sku
    """  # noqa: S608 — only numbered placeholders are formatted in


RAW_ABC = f"""
WITH c AS (
    SELECT m.item_id, -sum(m.qty) AS q, -sum(m.value) AS v
      FROM inventory_stockmove m JOIN inventory_posting p ON p.id = m.posting_id
     WHERE m.moved_at >= %(start)s AND m.moved_at < %(end)s AND {CONSUMED}
     GROUP BY m.item_id
), r AS (
    SELECT i.id, i.sku, i.name, coalesce(nullif(cat.path, ''), cat.name) AS category,
           coalesce(c.q, 0) AS q, coalesce(c.v, 0) AS v, greatest(coalesce(c.v, 0), 0) AS pos, i.abc_class
      FROM inventory_item i JOIN inventory_category cat ON cat.id = i.category_id
      LEFT JOIN c ON c.item_id = i.id
     WHERE i.is_active OR c.item_id IS NOT NULL
), ranked AS (
    SELECT r.*, row_number() OVER w AS rank, sum(pos) OVER w AS running, sum(pos) OVER () AS total
      FROM r WINDOW w AS (ORDER BY pos DESC, sku ROWS UNBOUNDED PRECEDING)
)
SELECT rank, sku, name, category, q, v,
       CASE WHEN total > 0 THEN round(pos / total, 3) END,
       CASE WHEN total > 0 THEN round(running / total, 3) END,
       CASE WHEN pos > 0 AND running - pos < total * %(a)s / 100 THEN 'A'
            WHEN pos > 0 AND running - pos < total * (%(a)s + %(b)s) / 100 THEN 'B' ELSE 'C' END,
       abc_class
  FROM ranked ORDER BY rank
"""  # noqa: S608


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="rounds per comparison (default 3)")
    p.add_argument("--database-url", default=None, help=f"the seeded database (default {DEFAULT_URL})")
    p.add_argument("--probe", default=None, help=argparse.SUPPRESS)  # internal: one report, print RSS
    p.add_argument(
        "--only", choices=["valuation"], default=None, help="measure only this report (and its memory)"
    )
    return p.parse_args()


# --- the app's side -------------------------------------------------------------------------


def period(facts: dict) -> tuple[date, date]:
    """The year of closed months the data set has: its first day to the last closed month's end."""
    from inventory.models import PeriodClose

    first = date.fromisoformat(facts["start"][:10])
    last = PeriodClose.objects.order_by("-end_date").values_list("end_date", flat=True).first()
    if last is None:  # no closed month: the seeded year up to yesterday
        last = date.today() - timedelta(days=1)
    return first, last


def report_rows(slug: str, user, data: dict) -> list[tuple]:
    from reports.base import get

    report = get(slug)
    form = report.filter_form(data, user=user)
    if not form.is_valid():
        raise SystemExit(f"{slug}: filters refused: {form.errors.as_text()}")
    return list(report.rows(user, form.cleaned_data))


class Reports:
    def __init__(self, facts: dict):
        from django.contrib.auth import get_user_model

        self.user = get_user_model().objects.get(username=BENCH_USER)
        self.start, self.end = period(facts)

    def valuation(self) -> list[tuple]:
        return report_rows("valuation", self.user, {})

    def turnover(self) -> list[tuple]:
        return report_rows("turnover", self.user, {"start": self.start, "end": self.end, "group_by": "item"})

    def turnover_ledger(self) -> list[tuple]:
        """The same report when no month is closed: the month-end summaries and consumption are
        taken away in a transaction that is rolled back (TRUNCATE is transactional in PostgreSQL)."""
        from django.db import connection, transaction

        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(
                    "TRUNCATE inventory_periodsummary, inventory_periodconsumption, inventory_periodclose"
                )
            rows = self.turnover()
            transaction.set_rollback(True)
        return rows

    def abc(self) -> list[tuple]:
        return report_rows("abc", self.user, {"start": self.start, "end": self.end})

    def abc_ledger(self) -> list[tuple]:
        """ABC when no month is closed (everything from the ledger), as turnover_ledger."""
        from django.db import connection, transaction

        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(
                    "TRUNCATE inventory_periodsummary, inventory_periodconsumption, inventory_periodclose"
                )
            rows = self.abc()
            transaction.set_rollback(True)
        return rows


# --- the raw side ---------------------------------------------------------------------------


class Raw:
    def __init__(self, url: str, start: date, end: date):
        from inventory.services.periods import boundary
        from reports.selectors import period_points

        self.conn = psycopg.connect(url, autocommit=True)
        points = period_points(start, end)
        self.turnover_sql = raw_turnover_sql(len(points))
        self.turnover_params = {f"b{i}": boundary(day) for i, day in enumerate(points)}
        self.turnover_params["days"] = (end - start).days + 1
        self.abc_params = {
            "start": boundary(start - timedelta(days=1)),
            "end": boundary(end),
            "a": Decimal("80"),
            "b": Decimal("15"),
        }

    def valuation(self) -> list[tuple]:
        return self.conn.execute(RAW_VALUATION).fetchall()

    def turnover(self) -> list[tuple]:
        return self.conn.execute(self.turnover_sql, self.turnover_params).fetchall()

    def abc(self) -> list[tuple]:
        return self.conn.execute(RAW_ABC, self.abc_params).fetchall()


# --- comparing the rows -----------------------------------------------------------------------


def same_valuation(app: list[tuple], raw: list[tuple]) -> str:
    a = {(r[0], r[4], r[6], r[7]) for r in app}  # sku, warehouse, qty, value
    b = {(r[0], r[1], r[2], r[3]) for r in raw}
    return "" if a == b else f"{len(a - b)} app rows not in raw, {len(b - a)} raw rows not in app"


def same_turnover(app: list[tuple], raw: list[tuple]) -> str:
    a = {r[0]: r for r in app}
    b = {r[0]: r for r in raw}
    if a.keys() != b.keys():
        return f"items differ: {len(a.keys() - b.keys())} only in app, {len(b.keys() - a.keys())} only in raw"
    bad = [
        k
        for k in a
        if (a[k][2], a[k][3], a[k][5]) != (b[k][2], b[k][3], b[k][5])  # opening, closing, COGS
        or abs(a[k][4] - b[k][4]) > Decimal("0.01")  # average, to the fen
        or (a[k][6] is None) != (b[k][6] is None)
        or (a[k][6] is not None and abs(a[k][6] - b[k][6]) > Decimal("0.01"))
    ]
    return f"{len(bad)} items differ, e.g. {a[bad[0]]} vs {b[bad[0]]}" if bad else ""


def same_abc(app: list[tuple], raw: list[tuple]) -> str:
    a = [(r[1], r[5], r[8]) for r in app]  # sku, value, class, in rank order
    b = [(r[1], r[5], r[8]) for r in raw]
    if a == b:
        return ""
    diff = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y) if len(a) == len(b) else -1
    return f"{len(a)} vs {len(b)} rows; first difference at rank {diff + 1}"


# --- measuring --------------------------------------------------------------------------------


def alternate(name: str, app_fn, raw_fn, rounds: int) -> tuple[list[float], list[float], list, list]:
    print(f"\n{name}")
    app_times, raw_times = [], []
    app_rows = raw_rows = None
    for r in range(rounds):
        sides = [("app", app_fn, app_times), ("raw", raw_fn, raw_times)]
        if r % 2:
            sides.reverse()
        line = []
        for side, fn, times in sides:
            t = time.perf_counter()
            rows = fn()
            times.append(time.perf_counter() - t)
            if side == "app":
                app_rows = rows
            else:
                raw_rows = rows
            line.append(f"{side} {times[-1]:7.3f} s ({len(rows):,} rows)")
        print(f"  round {r + 1}: " + "   ".join(line))
    return app_times, raw_times, app_rows, raw_rows


def probe(name: str, url: str, facts: dict) -> None:
    """One report in this (fresh) process; prints its time and peak RSS as JSON."""
    reports = Reports(facts)
    before = max_rss_mb()
    t = time.perf_counter()
    rows = getattr(reports, name)()
    seconds = time.perf_counter() - t
    print(
        json.dumps({"rows": len(rows), "seconds": seconds, "rss_before": before, "rss_after": max_rss_mb()})
    )


def memory(name: str, url: str) -> dict:
    out = subprocess.run(  # noqa: S603 — this script, with our own arguments
        [sys.executable, __file__, "--probe", name, "--database-url", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    args = parse_args()
    url = args.database_url or DEFAULT_URL
    facts = seed_facts(url)
    setup_django(url)
    if args.probe:
        probe(args.probe, url, facts)
        return 0
    if args.only == "valuation":
        return only_valuation(args, url, facts)
    import django

    began = time.perf_counter()
    reports = Reports(facts)
    raw = Raw(url, reports.start, reports.end)
    print(
        f"JXC report benchmark — {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores, "
        f"PostgreSQL {pg_version(url)}, Django {django.get_version()}; data set: {int(facts['items']):,} items, "
        f"{int(facts['moves']):,} moves, {int(facts['balances']):,} balances, {facts['closed_months']} closed "
        f"months; period {reports.start} … {reports.end}; {args.rounds} rounds"
    )
    results = []  # (name, app median, raw median, target, kind, problem)
    problems = []

    a, r, app_rows, raw_rows = alternate(
        "1. valuation of all items as of today (app: summaries + later moves; raw: GROUP BY balances)",
        reports.valuation,
        raw.valuation,
        args.rounds,
    )
    problems.append(("valuation", same_valuation(app_rows, raw_rows)))
    results.append(("valuation, all items", median(a), median(r), TARGET_VALUATION))

    a, r, app_rows, raw_rows = alternate(
        "2. turnover per item over a year, months closed (app: month-end summaries + stored consumption)",
        reports.turnover,
        raw.turnover,
        args.rounds,
    )
    problems.append(("turnover", same_turnover(app_rows, raw_rows)))
    results.append(("turnover, from summaries", median(a), median(r), TARGET_SUMMARIES))

    a, r, app_rows, raw_rows = alternate(
        "3. turnover per item over a year, no month closed (app: the ledger)",
        reports.turnover_ledger,
        raw.turnover,
        args.rounds,
    )
    problems.append(("turnover (ledger)", same_turnover(app_rows, raw_rows)))
    results.append(("turnover, from the ledger", median(a), median(r), TARGET_LEDGER))

    a, r, app_rows, raw_rows = alternate(
        "4. ABC classification over a year, months closed (app: stored consumption)",
        reports.abc,
        raw.abc,
        args.rounds,
    )
    problems.append(("abc", same_abc(app_rows, raw_rows)))
    results.append(("ABC, months closed", median(a), median(r), TARGET_LEDGER))

    a, r, app_rows, raw_rows = alternate(
        "5. ABC classification over a year, no month closed (app: the ledger)",
        reports.abc_ledger,
        raw.abc,
        args.rounds,
    )
    problems.append(("abc (ledger)", same_abc(app_rows, raw_rows)))
    results.append(("ABC, no month closed", median(a), median(r), TARGET_LEDGER))

    print("\nmemory, each report once in a fresh process (peak RSS: VmHWM of the process):")
    peaks = {}
    for name in ("valuation", "turnover", "turnover_ledger", "abc", "abc_ledger"):
        m = memory(name, url)
        peaks[name] = m["rss_after"]
        print(
            f"  {name:<16} {m['rows']:>9,} rows in {m['seconds']:7.2f} s: peak RSS {m['rss_after']:6.1f} MB "
            f"(Django loaded: {m['rss_before']:.1f} MB)"
        )

    for name, problem in problems:
        print(f"rows {name}: {'same as raw' if not problem else 'DIFFERENT: ' + problem}")
    correct = not any(p for _n, p in problems)
    lines, missed = [], False
    for name, am, rm, target in results:
        ratio = am / rm
        ok = ratio <= target
        missed |= not ok
        lines.append(
            f"{name:<28} {am:>9.3f} {rm:>9.3f} {ratio:>6.2f}× {'≤' + format(target, '.2f') + '×':>8}  "
            f"{'yes' if ok else 'MISSED'}"
        )
    worst = max(peaks.values())
    mem_ok = worst < TARGET_MB
    missed |= not mem_ok
    print(
        f"\nmedians of {args.rounds} rounds; rows equal to raw: {'yes' if correct else 'NO'}; "
        f"targets {'all met' if not missed else 'MISSED (see below)'}; total {time.perf_counter() - began:.0f} s"
    )
    print(f"\n{'report':<28} {'app s':>9} {'raw s':>9} {'ratio':>7} {'target':>8}  ok?\n" + "-" * 72)
    print(
        f"{'peak RSS, worst report':<28} {worst:>9.1f} MB{'':>16} {'<' + str(TARGET_MB) + ' MB':>8}  "
        f"{'yes' if mem_ok else 'MISSED'}"
    )
    print("\n".join(lines))
    return 0 if correct else 1


def only_valuation(args: argparse.Namespace, url: str, facts: dict) -> int:
    """--only valuation: comparison 1 and its memory probe, printed as the full run prints them."""
    reports = Reports(facts)
    raw = Raw(url, reports.start, reports.end)
    a, r, app_rows, raw_rows = alternate(
        "1. valuation of all items as of today", reports.valuation, raw.valuation, args.rounds
    )
    problem = same_valuation(app_rows, raw_rows)
    m = memory("valuation", url)
    ratio = median(a) / median(r)
    print(
        f"\n  valuation {m['rows']:>9,} rows in {m['seconds']:7.2f} s: peak RSS {m['rss_after']:6.1f} MB "
        f"(Django loaded: {m['rss_before']:.1f} MB)\nrows valuation: {'same as raw' if not problem else 'DIFFERENT: ' + problem}"
        f"\nvaluation, all items {median(a):>9.3f} {median(r):>9.3f} {ratio:>6.2f}× "
        f"{'≤' + format(TARGET_VALUATION, '.2f') + '×':>8}  {'yes' if ratio <= TARGET_VALUATION else 'MISSED'}"
    )
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
