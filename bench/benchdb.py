"""Shared by bench/seed.py and the benchmarks that read its data set (list, report, alert): the
database they use, the guard that keeps them off a working database, Django set-up, timing.

The seeded database is `jxc_bench_data` unless --database-url says otherwise. seed.py writes a
marker table (`jxc_bench_seed`) when it has finished; the benchmarks refuse a database without
it, so they never run against a working database or a half-seeded one."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jxc_bench_data"
MARKER = "jxc_bench_seed"  # key/value facts about the data set, written last by seed.py
BENCH_USER, BENCH_PASSWORD = "bench", "bench-only-Pa55"  # a superuser of the bench database only


def dbname(url: str) -> str:
    return conninfo_to_dict(url)["dbname"]


def admin_connect(url: str) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True)


def database_exists(url: str) -> bool:
    with admin_connect(url) as admin:
        return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname(url)]).fetchone())


def create_database(url: str, *, recreate: bool) -> None:
    """Create the database of `url`. recreate=True (the default database only): drop it first.
    Otherwise an existing database must be empty (no table in `public`), or this refuses."""
    name = dbname(url)
    with admin_connect(url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    if tables:
        sys.exit(f"refusing: database {name} exists and has {tables} tables; give an empty or new one")


def drop_database(url: str) -> None:
    with admin_connect(url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname(url))))


def seed_facts(url: str) -> dict[str, str]:
    """The marker seed.py leaves; exits when the database was not seeded by it."""
    if not database_exists(url):
        sys.exit(f"no database {dbname(url)}: run bench/seed.py first (see bench/README.md)")
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT to_regclass(%s)", [f"public.{MARKER}"]).fetchone()[0]
        if found is None:
            sys.exit(f"refusing: {dbname(url)} was not seeded by bench/seed.py (no {MARKER} table)")
        facts = dict(conn.execute(f"SELECT key, value FROM {MARKER}").fetchall())  # noqa: S608
    if facts.get("checks") != "passed":
        print(
            f"warning: the data set's end checks {facts.get('checks')} (see bench/seed.py)", file=sys.stderr
        )
    return facts


def setup_django(url: str) -> None:
    """Point Django at the bench database (never at DATABASE_URL from the environment)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "false"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def max_rss_mb() -> float:
    """This process's peak resident set size, MB: VmHWM, the high-water mark of its own memory
    map. (getrusage's ru_maxrss is not used: Linux carries the parent's peak across fork + exec,
    so a child started from a big process reports at least the parent's size.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pg_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]
