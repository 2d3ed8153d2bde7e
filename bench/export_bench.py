"""Benchmark of the Excel export writer (reports.exports.write_workbook) against a raw openpyxl
write-only loop over the same rows, and of its peak memory at 10k and 100k rows.

Run from the project root (no database, no broker needed):

    .venv/bin/python bench/export_bench.py [--rows 100000] [--rounds 3] [--small 10000]

The rows come from a synthetic Report (generated tuples: 3 text, 2 quantity, 2 money, a percent,
a date, an int column — 10 columns), so what is measured is the writer, not a database query.
The writer side is what a worker runs after the report's rows: Report.visible(), typed and
formatted cells, neutralised text, the title, filters and styled frozen header, the progress
callback (a no-op here; in a job it is one UPDATE a second). The raw side appends the same
tuples, as they come, to a write-only sheet: no formats, no neutralising, no header.

Timing: `--rounds` rounds, each side once per round, the side going first alternating; medians.
Memory: each size is exported in a fresh subprocess, which reports its peak RSS (ru_maxrss) and,
in a second subprocess, the peak of Python allocations during the export (tracemalloc).
Targets: writer / raw ≤ 1.25×, peak at 100k ≤ 1.2× peak at 10k. A missed target prints MISSED;
the exit status is 0 all the same (a measurement, not a test). The ratio is printed last.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO, TARGET_MEMORY = 1.25, 1.2


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()


def bench_report():
    from django import forms

    from reports.base import Column, Report

    class NoFilters(forms.Form):
        pass

    class SyntheticReport(Report):
        slug = "bench-synthetic"
        title = "Synthetic stock report"
        permission = "reports.view_stock_reports"
        filter_form = NoFilters
        columns = (
            Column("sku", "SKU", width=12),
            Column("name", "Name", width=28),
            Column("category", "Category", width=18),
            Column("on_hand", "On hand", "qty"),
            Column("reserved", "Reserved", "qty"),
            Column("cost", "Unit cost", "money", needs="inventory.view_stock_value"),
            Column("value", "Value", "money", needs="inventory.view_stock_value"),
            Column("share", "Share", "percent", width=9),
            Column("received", "Received", "date", width=12),
            Column("moves", "Moves", "int", width=9),
        )

        def __init__(self, count: int = 0):
            self.count_ = count

        def rows(self, user, filters):
            start = date(2026, 1, 1)
            for n in range(self.count_):
                on_hand = Decimal(n % 997) + Decimal(n % 4) / 4  # a quarter of them whole
                cost = Decimal(1000 + n % 8999) / 100
                yield (
                    f"SKU{n:07d}",
                    f"商品 {n} 规格 M{n % 12}",
                    f"类别 {n % 40}",
                    on_hand,
                    Decimal(n % 13),
                    cost,
                    (on_hand * cost).quantize(Decimal("0.01")),
                    Decimal(n % 1000) / 1000,
                    start + timedelta(days=n % 365),
                    n % 5000,
                )

    return SyntheticReport


class Everyone:
    """A user holding every permission: no column is left out."""

    def has_perm(self, perm):
        return True

    def __str__(self):
        return "bench"


def run_writer(count: int) -> float:
    from reports.exports import write_workbook

    report, user = bench_report()(count), Everyone()
    calls = []
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        written = write_workbook(
            out,
            title=str(report.title),
            columns=report.columns_for(user),
            rows=report.visible(user, report.rows(user, {})),
            filters=[("As of", "2026-03-31"), ("Warehouse", "WH1 主仓"), ("Exported by", "bench")],
            on_progress=calls.append,
        )
    elapsed = time.perf_counter() - started
    assert written == count, (written, count)
    return elapsed


def run_raw(count: int) -> float:
    from openpyxl import Workbook

    report, user = bench_report()(count), Everyone()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in report.rows(user, {}):
            sheet.append(row)
        workbook.save(out)
    return time.perf_counter() - started


def child(mode: str, count: int) -> None:
    """In a fresh process: export `count` rows, print the peak memory as JSON."""
    setup_django()
    import openpyxl  # noqa: F401 — imported before the baseline, as a worker has it loaded

    from reports import exports  # noqa: F401

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if mode == "trace":
        import tracemalloc

        tracemalloc.start()
        run_writer(count)
        _current, peak = tracemalloc.get_traced_memory()
        print(json.dumps({"traced_peak_kb": peak // 1024}))
    else:
        seconds = run_writer(count)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"rss_before_kb": before, "rss_peak_kb": after, "seconds": seconds}))


def measure(mode: str, count: int) -> dict:
    out = subprocess.run(  # noqa: S603 (this very script, with our own arguments)
        [sys.executable, __file__, "--child", mode, "--rows", str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000, help="rows of the timed export (default 100000)")
    p.add_argument("--small", type=int, default=10_000, help="the smaller size for memory (default 10000)")
    p.add_argument("--rounds", type=int, default=3, help="timing rounds per side (default 3)")
    p.add_argument("--child", choices=["rss", "trace"], help=argparse.SUPPRESS)
    return p.parse_args()


def main() -> int:
    args = parse_args()
    if args.child:
        child(args.child, args.rows)
        return 0
    setup_django()
    import openpyxl

    print(
        f"export bench: {args.rows:,} rows × 10 columns, {args.rounds} rounds; "
        f"Python {platform.python_version()}, openpyxl {openpyxl.__version__}, "
        f"lxml {'yes' if openpyxl.LXML else 'no'}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    run_writer(2_000)  # warm up imports and caches
    run_raw(2_000)

    writer_times, raw_times = [], []
    for r in range(args.rounds):
        sides = [("writer", run_writer, writer_times), ("raw", run_raw, raw_times)]
        for name, run, times in sides if r % 2 == 0 else reversed(sides):
            times.append(run(args.rows))
            print(f"  round {r + 1} {name:<6} {times[-1]:6.2f} s")
    writer_s, raw_s = statistics.median(writer_times), statistics.median(raw_times)

    print("\nmemory (each in a fresh process):")
    memory = {}
    for count in (args.small, args.rows):
        rss, traced = measure("rss", count), measure("trace", count)
        memory[count] = (rss, traced)
        print(
            f"  {count:>9,} rows: peak RSS {rss['rss_peak_kb'] / 1024:6.1f} MB "
            f"(+{(rss['rss_peak_kb'] - rss['rss_before_kb']) / 1024:4.1f} MB during the export), "
            f"Python allocations peak {traced['traced_peak_kb'] / 1024:5.2f} MB"
        )
    small_rss, small_traced = memory[args.small]
    big_rss, big_traced = memory[args.rows]
    rss_ratio = big_rss["rss_peak_kb"] / small_rss["rss_peak_kb"]
    traced_ratio = big_traced["traced_peak_kb"] / max(small_traced["traced_peak_kb"], 1)
    ratio = writer_s / raw_s

    def verdict(value, target):
        return "yes" if value <= target else "MISSED"

    print(
        f"\npeak RSS {args.rows:,} / {args.small:,} rows: {rss_ratio:.2f}× (target ≤ {TARGET_MEMORY}×) "
        f"{verdict(rss_ratio, TARGET_MEMORY)}"
    )
    print(f"Python allocations peak {args.rows:,} / {args.small:,} rows: {traced_ratio:.2f}×")
    print(f"writer {writer_s:.2f} s ({args.rows / writer_s:,.0f} rows/s), raw {raw_s:.2f} s (medians)")
    print(f"ratio writer / raw: {ratio:.2f}× (target ≤ {TARGET_RATIO}×) {verdict(ratio, TARGET_RATIO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
