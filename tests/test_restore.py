"""Backup and restore drill: a small but real history (stock received and shipped, a month closed,
money paid and received, all through the services) is dumped with `pg_dump -Fc` by
bin/backup_restore_check.sh and restored into a new, empty database of its own. The restored
database needs no migration, passes check_ledger, and holds exactly the same rows in every table
and the same stock value. The operator's drill (`check --compare`) agrees, and names the table
when the backup no longer matches the database.

Committed data (transaction=True), so pg_dump sees it; the test database's name comes from the
connection, so each pytest-xdist worker dumps its own."""

import os
import subprocess
import sys
import uuid
from decimal import Decimal

import psycopg
import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from inventory.models import PeriodClose, StockMove
from inventory.services import period_close
from purchasing.models import PurchaseReceipt, SupplierPayment
from purchasing.payables import BOOK as PAYABLES
from sales.models import CustomerPayment, Shipment

from .settlement import test_services as documents
from .test_settings import ROOT

SCRIPT = ROOT / "bin" / "backup_restore_check.sh"
# The money tests' shop and people, and their helpers that build documents through the services.
shop, people = documents.shop, documents.people
T, buy, receive, sell, pay, entry = (
    documents.T,
    documents.buy,
    documents.receive,
    documents.sell,
    documents.pay,
    documents.entry,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL"),
]


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _run(*args: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(database), "PYTHON": sys.executable}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _figures(dbname: str) -> tuple[dict[str, int], dict[str, Decimal]]:
    """Rows in every table of the public schema, and the stock's value and quantity."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=dbname, user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"]
    ) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        value, qty = conn.execute("SELECT sum(value), sum(qty) FROM inventory_itemvaluation").fetchone()
        (ledger,) = conn.execute("SELECT sum(value) FROM inventory_stockmove").fetchone()
        (on_hand,) = conn.execute("SELECT sum(on_hand) FROM inventory_stockbalance").fetchone()
        schema = {
            "triggers": conn.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2"
            ).fetchall(),
            "functions": conn.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' ORDER BY 1"
            ).fetchall(),
            # New rows must not collide with restored ones: every id sequence carries on from its value.
            "sequences": conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall(),
        }
    return counts, {"value": value, "qty": qty, "ledger value": ledger, "on hand": on_hand}, schema


def _edit_a_move(dbname: str) -> str:
    """Try to change a posted move in `dbname`; the database's refusal, or "" when it let it pass."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=dbname, user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"]
    ) as conn:
        try:
            conn.execute("UPDATE inventory_stockmove SET qty = qty + 1")
        except psycopg.Error as exc:
            return str(exc)
        conn.rollback()
        return ""


@pytest.fixture
def history(shop, people):
    """1,000 bottles of water at ¥1.00 (the shop); a receipt 45 days ago (bolts: 7 accepted of 10 at
    12.3456, 3 rejected; nuts: 5 at 2.50); that month closed; 100 bottles sold and shipped today;
    the customer pays ¥100 of it, we pay the supplier ¥50."""
    bolt, nut = shop["bolt"], shop["nut"]
    po = buy(shop, people, [(bolt, 10, "12.3456", 13), (nut, 5, "2.50", 9)], day=T(45))
    receipt = receive(shop, people, po, {bolt: (7, 3), nut: (5, 0)}, day=T(45))
    month_end = timezone.localdate().replace(day=1) - timezone.timedelta(days=1)
    period_close(year=month_end.year, month=month_end.month, user=people["boss"])
    owed_by_customer = sell(shop, people, 100, "2.00", day=T(0))
    pay(people, shop["customer"], "100.00", day=T(0), to=[(owed_by_customer, "100.00")])
    owed_to_supplier = entry(PAYABLES, "receipt", receipt.pk)
    pay(people, shop["supplier"], "50.00", day=T(0), book=PAYABLES, to=[(owed_to_supplier, "50.00")])


def test_a_backup_restores_into_an_empty_database_consistent_and_identical(history, tmp_path):
    source = connection.settings_dict["NAME"]
    target = f"jxc_restore_{uuid.uuid4().hex[:12]}"
    dump = tmp_path / "jxc.dump"

    backed_up = _run(str(SCRIPT), "backup", str(dump), database=source)
    try:
        restored = _run(str(SCRIPT), "restore", str(dump), _url(target), database=source)
        migrations = _run(sys.executable, "manage.py", "migrate", "--check", database=target)
        ledger = _run(sys.executable, "manage.py", "check_ledger", database=target)
        counts, stock, schema = _figures(target)
        refusal = _edit_a_move(target)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')

    assert backed_up.returncode == 0, backed_up.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert restored.returncode == 0, restored.stderr
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr
    assert ledger.returncode == 0, ledger.stdout + ledger.stderr
    assert "the ledger is consistent" in ledger.stdout
    source_counts, source_stock, source_schema = _figures(source)
    assert counts == source_counts
    assert schema == source_schema
    assert ("inventory_stockmove", "stockmove_append_only") in schema["triggers"]
    assert ("jxc_post_moves",) in schema["functions"]
    assert "stock moves are append-only" in refusal  # the restored ledger still refuses edits
    # Every model's table is there and counted, and the history is in it.
    assert {m._meta.db_table for m in apps.get_models(include_auto_created=True)} <= set(counts)
    assert (PurchaseReceipt.objects.count(), Shipment.objects.count(), PeriodClose.objects.count()) == (
        1,
        1,
        1,
    )
    assert (CustomerPayment.objects.count(), SupplierPayment.objects.count()) == (1, 1)
    assert counts["inventory_stockmove"] == StockMove.objects.count() == 4
    assert counts["django_migrations"] > 0
    # water 1,000 − 100 = 900 × 1.00 = 900.00; bolts 7 × 12.3456 = 86.4192 → 86.42; nuts 5 × 2.50 = 12.50
    assert (
        stock
        == source_stock
        == {
            "value": Decimal("998.92"),
            "qty": Decimal("912"),
            "ledger value": Decimal("998.92"),
            "on hand": Decimal("912"),
        }
    )


def test_the_drill_passes_on_a_fresh_backup_and_names_the_table_that_changed_since(history, shop, tmp_path):
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "jxc.dump"
    assert _run(str(SCRIPT), "backup", str(dump), database=source).returncode == 0

    drill = _run(str(SCRIPT), "check", str(dump), "--compare", database=source)
    shop["other"].delete()  # one of the two customers removed after the backup
    stale = _run(str(SCRIPT), "check", str(dump), "--compare", database=source)

    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "check_ledger: the ledger is consistent" in drill.stdout
    assert "check: stock value = 998.92" in drill.stdout
    assert f"check: OK (identical to {source})" in drill.stdout
    assert stale.returncode == 1
    assert "< sales_customer|1" in stale.stderr
    assert "> sales_customer|2" in stale.stderr
    scratch = [_scratch_name(drill), _scratch_name(stale)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", [scratch])
        assert cursor.fetchall() == []  # both scratch databases were dropped


def _scratch_name(result: subprocess.CompletedProcess) -> str:
    line = next(x for x in result.stdout.splitlines() if x.startswith("restore: "))
    return line.rsplit(" -> ", 1)[1]
