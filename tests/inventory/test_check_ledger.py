"""`manage.py check_ledger` on a live database: silent success on a clean ledger, and every kind
of tampering behind the application's back reported with the item it touched.

Tampering is raw SQL with the append-only trigger switched off by `SET LOCAL
session_replication_role = replica` inside the test's own transaction: it is rolled back with
the test, and each test checks the trigger is back on before it ends."""

from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from inventory.models import ItemValuation, StockMove
from inventory.services.posting import MoveLine, post_moves
from tests.factories import ItemFactory, WarehouseFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="tampering uses PostgreSQL's replica role"),
]


def check_ledger():
    """Run the command as cron would; returns (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@contextmanager
def behind_the_apps_back():
    """A cursor that writes with triggers off, like a superuser editing the tables by hand."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def assert_moves_are_append_only_again():
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StockMove.objects.update(qty=Decimal("1"))


@pytest.fixture
def ledger(clerk, milk, loc_a):
    """Milk: 10 at 2.50 (25.00), 5 at 3.10 (15.50), 4 issued at 40.50 × 4 / 15 = 10.80 →
    11 on hand worth 29.70, moves #1–#3. Cheese, untouched by the tampering: 7 at 1.50 = 10.50."""
    cheese = ItemFactory(sku="CHEESE", name="奶酪")
    documents = [
        [MoveLine(milk.pk, loc_a.pk, Decimal("10"), unit_cost=Decimal("2.50"))],
        [MoveLine(cheese.pk, loc_a.pk, Decimal("7"), unit_cost=Decimal("1.50"))],
        [MoveLine(milk.pk, loc_a.pk, Decimal("5"), unit_cost=Decimal("3.10"))],
        [MoveLine(milk.pk, loc_a.pk, Decimal("-4"))],
    ]
    for n, lines in enumerate(documents, start=1):
        post_moves(doc_type="TEST", doc_id=n, doc_number=f"T-{n}", lines=lines, user=clerk)
    milk_moves = {m.seq: m for m in StockMove.objects.filter(item=milk)}
    assert [milk_moves[seq].value for seq in (1, 2, 3)] == [
        Decimal("25.00"),
        Decimal("15.50"),
        Decimal("-10.80"),
    ]
    valuation = ItemValuation.objects.get(item=milk)
    assert (valuation.qty, valuation.value) == (Decimal("11"), Decimal("29.70"))
    return milk_moves


def test_an_empty_ledger_is_consistent(db):
    assert check_ledger() == (0, "check_ledger: the ledger is consistent\n", "")


def test_a_clean_ledger_exits_0_and_says_it_is_consistent(ledger):
    assert check_ledger() == (0, "check_ledger: the ledger is consistent\n", "")


def test_a_move_altered_with_its_balance_and_valuation_is_caught_by_its_hash(ledger, milk, loc_a):
    # given someone raises move #2 from 5 to 6 and fixes the sums so they still agree
    with behind_the_apps_back() as sql:
        sql.execute("UPDATE inventory_stockmove SET qty = 6 WHERE id = %s", [ledger[2].pk])
        sql.execute("UPDATE inventory_stockbalance SET on_hand = on_hand + 1 WHERE item_id = %s", [milk.pk])
        sql.execute("UPDATE inventory_itemvaluation SET qty = qty + 1 WHERE item_id = %s", [milk.pk])

    # when the ledger is checked
    code, out, err = check_ledger()

    # then only the hash gives it away, and the report names the item and the move
    assert (code, err) == (1, "check_ledger: 1 difference(s) found\n")
    assert out == (
        f"item {milk.pk}: move #2 (id {ledger[2].pk}) does not match its hash: it was altered after posting\n"
    )
    assert_moves_are_append_only_again()


def test_the_last_move_removed_with_the_sums_fixed_is_caught_by_the_chain_head(ledger, milk, loc_a):
    # given someone deletes the issue (move #3, −4 worth −10.80) and puts the sums back to match
    with behind_the_apps_back() as sql:
        sql.execute("DELETE FROM inventory_stockmove WHERE id = %s", [ledger[3].pk])
        sql.execute(
            "UPDATE inventory_stockbalance SET on_hand = on_hand + 4, value = value + 10.80 WHERE item_id = %s",
            [milk.pk],
        )
        sql.execute(
            "UPDATE inventory_itemvaluation SET qty = qty + 4, value = value + 10.80 WHERE item_id = %s",
            [milk.pk],
        )

    # when the ledger is checked
    code, out, err = check_ledger()

    # then the valuation's chain head still records move #3: a move was removed
    assert (code, err) == (1, "check_ledger: 1 difference(s) found\n")
    assert out == (
        f"item {milk.pk}: the chain ends at move #2 but the valuation records #3: moves were removed\n"
    )
    assert_moves_are_append_only_again()


def test_a_move_removed_from_the_middle_is_caught_as_missing(ledger, milk):
    # given someone deletes the second receipt (move #2, 5 worth 15.50) and fixes the sums
    with behind_the_apps_back() as sql:
        sql.execute("DELETE FROM inventory_stockmove WHERE id = %s", [ledger[2].pk])
        sql.execute(
            "UPDATE inventory_stockbalance SET on_hand = on_hand - 5, value = value - 15.50 WHERE item_id = %s",
            [milk.pk],
        )
        sql.execute(
            "UPDATE inventory_itemvaluation SET qty = qty - 5, value = value - 15.50 WHERE item_id = %s",
            [milk.pk],
        )

    code, out, err = check_ledger()

    assert (code, err) == (1, "check_ledger: 1 difference(s) found\n")
    assert out == f"item {milk.pk}: move #2 is missing (next is #3)\n"
    assert_moves_are_append_only_again()


def test_a_balance_that_no_longer_equals_its_moves_is_reported(ledger, milk, loc_a):
    # given someone sets milk's on-hand at A-01 from 11 to 12
    with behind_the_apps_back() as sql:
        sql.execute("UPDATE inventory_stockbalance SET on_hand = 12 WHERE item_id = %s", [milk.pk])

    code, out, err = check_ledger()

    # then the report names the item, the location and both quantities
    assert (code, err) == (1, "check_ledger: 1 difference(s) found\n")
    assert out == (
        f"balance item={milk.pk} location={loc_a.pk} batch=None: on_hand 12.0000 != sum of moves 11.0000\n"
    )


def test_a_balance_value_that_no_longer_equals_its_moves_is_reported(ledger, milk, loc_a):
    # given someone moves 1.00 of milk's value at A-01 (the warehouse's stock value) by hand
    with behind_the_apps_back() as sql:
        sql.execute("UPDATE inventory_stockbalance SET value = value + 1.00 WHERE item_id = %s", [milk.pk])

    code, out, err = check_ledger()

    # then the report names the balance and both values (11 on hand worth 29.70)
    assert (code, err) == (1, "check_ledger: 1 difference(s) found\n")
    assert out == (
        f"balance item={milk.pk} location={loc_a.pk} batch=None: value 30.70 != sum of move values 29.70\n"
    )


def test_a_valuation_that_no_longer_equals_its_moves_is_reported(ledger, milk):
    # given someone adds 1.00 to milk's stock value
    with behind_the_apps_back() as sql:
        sql.execute("UPDATE inventory_itemvaluation SET value = value + 1.00 WHERE item_id = %s", [milk.pk])

    code, out, err = check_ledger()

    # then the report names the item and both values
    assert (code, err) == (1, "check_ledger: 1 difference(s) found\n")
    assert out == f"item {milk.pk}: valuation value 30.70 != sum of move values 29.70\n"


# Regression: move_hash() once left out the move's warehouse and nothing compared a move's warehouse
# with its location's, so a move re-pointed to another warehouse (stock cards and per-warehouse
# reports read moves by warehouse) went unnoticed.
def test_a_move_moved_to_another_warehouse_is_caught(ledger, milk):
    other = WarehouseFactory(code="BJ", name="北京仓")
    # given someone re-points the issue (move #3) to another warehouse
    with behind_the_apps_back() as sql:
        sql.execute(
            "UPDATE inventory_stockmove SET warehouse_id = %s WHERE id = %s", [other.pk, ledger[3].pk]
        )

    code, out, err = check_ledger()

    # then the check fails and names the item
    assert code == 1
    assert f"item {milk.pk}" in out
