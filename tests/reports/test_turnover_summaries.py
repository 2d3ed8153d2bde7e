"""Closing a month stores its consumption (PeriodConsumption) beside its month-end summaries, and
turnover and ABC over closed months read those instead of the ledger — with the same figures to
the fen as the ledger alone gives: whole closed months from the tables, part months and months
still open from the ledger. Histories as in test_stock_reports (turnover_world: Q3 2026)."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from inventory.models import Item, Location, PeriodClose, PeriodConsumption, PeriodSummary
from inventory.services import MoveLine, period_close, period_reopen
from inventory.services.periods import CONSUMPTION_DOC_TYPES
from sales.services import RETURN_DOC_TYPE, SHIPMENT_DOC_TYPE
from tests.factories import ItemFactory, LocationFactory
from tests.reports import test_stock_reports as stock_reports
from tests.reports.test_stock_reports import Q3, goods_issue, post, receive, run, ship

# the stock reports' histories, as fixtures here too
turnover_world = stock_reports.turnover_world
abc_world = stock_reports.abc_world

pytestmark = pytest.mark.django_db
D = Decimal


def close(user, *months):
    for month in months:
        period_close(year=2026, month=month, user=user)


def ledger_only(slug, user, **params):
    """The report's rows with every closed month taken away (in a transaction rolled back): what
    the ledger alone gives."""
    with transaction.atomic():
        PeriodClose.objects.all().delete()
        _r, _f, rows = run(slug, user, **params)
        transaction.set_rollback(True)
    return rows


def consumed(period):
    return {
        (c.item.sku, c.warehouse.code): (c.qty, c.value)
        for c in PeriodConsumption.objects.filter(period=period).select_related("item", "warehouse")
    }


def test_the_consumption_doc_types_are_the_sales_documents():
    assert CONSUMPTION_DOC_TYPES == (SHIPMENT_DOC_TYPE, RETURN_DOC_TYPE)


def test_closing_a_month_stores_its_consumption_per_item_and_warehouse(users, turnover_world):
    close(users["manager"], 6, 7, 8, 9)

    by_month = {p.month: consumed(p) for p in PeriodClose.objects.all()}
    # see turnover_world: June only receipts; July milk shipped 50 (100.00); August milk issued
    # 40 (80.00), water shipped 25 (100.00); September milk shipped 60 (120.00) less 10 returned
    # (20.00) = 50 (100.00) — the purchase return of 10 is not consumption
    assert by_month == {
        6: {},
        7: {("MILK", "WHA"): (D("50"), D("100.00"))},
        8: {("MILK", "WHA"): (D("40"), D("80.00")), ("WATER", "WHB"): (D("25"), D("100.00"))},
        9: {("MILK", "WHA"): (D("50"), D("100.00"))},
    }


def test_turnover_over_closed_months_reads_no_ledger_and_gives_the_ledgers_figures(users, turnover_world):
    expected = ledger_only("turnover", users["manager"], group_by="item", **Q3)
    close(users["manager"], 6, 7, 8, 9)

    with CaptureQueriesContext(connection) as queries:
        _r, _f, rows = run("turnover", users["manager"], group_by="item", **Q3)

    assert rows == expected
    assert rows[0][5] == D("280.00")  # milk's COGS, worked out in test_stock_reports
    # every point is a closed month end and every month of the period is closed: nothing from moves
    assert not [q["sql"] for q in queries.captured_queries if "inventory_stockmove" in q["sql"]]


def test_turnover_reads_the_stored_consumption(users, turnover_world):
    close(users["manager"], 6, 7, 8, 9)
    # changed behind the app's back, only to show where the figure comes from
    PeriodConsumption.objects.filter(period__month=8, item=turnover_world["water"]).update(value=D("150.00"))

    _r, _f, rows = run("turnover", users["manager"], group_by="item", **Q3)

    assert [(r[0], r[5]) for r in rows] == [("MILK", D("280.00")), ("WATER", D("150.00"))]


def test_an_item_sold_out_at_a_month_end_has_consumption_but_no_summary(users, turnover_world, warehouse_a):
    m = users["manager"]
    juice = ItemFactory(sku="JUICE", name="果汁", category=turnover_world["drink"])
    a = LocationFactory(warehouse=warehouse_a, code="A-09")
    receive(juice, a, "10", "3", m, "2026-07-05")
    ship(juice, a, "10", m, "2026-07-20")  # sold out in July: 30.00 of COGS, nothing on hand
    expected = ledger_only("turnover", m, group_by="item", **Q3)
    close(m, 6, 7, 8, 9)

    _r, _f, rows = run("turnover", m, group_by="item", **Q3)

    assert not PeriodSummary.objects.filter(item=juice).exists()
    assert PeriodConsumption.objects.get(item=juice).value == D("30.00")
    # juice: values 0, 0, 0, 0 → average 0.00, COGS 30.00: no turnover, days 92 × 0 / 30 = 0.0
    assert ("JUICE", "果汁", D("0"), D("0"), D("0.00"), D("30.00"), None, D("0.0")) in rows
    assert rows == expected


@pytest.mark.parametrize(
    ("who", "group_by", "start", "end"),
    [
        ("manager", "item", "2026-07-15", "2026-09-10"),  # starts and ends inside closed months
        ("manager", "category", "2026-07-01", "2026-10-20"),  # October is not closed
        ("manager", "warehouse", "2026-08-01", "2026-08-31"),  # one whole closed month
        ("clerk_a", "warehouse", "2026-07-01", "2026-09-30"),  # a clerk's warehouse only
        ("clerk_a", "item", "2026-07-10", "2026-09-30"),
    ],
)
def test_turnover_with_months_closed_equals_the_ledgers(users, turnover_world, who, group_by, start, end):
    expected = ledger_only("turnover", users[who], group_by=group_by, start=start, end=end)
    close(users["manager"], 6, 7, 8, 9)

    _r, _f, rows = run("turnover", users[who], group_by=group_by, start=start, end=end)

    assert rows == expected
    assert rows  # something to compare


def test_a_month_reopened_posted_into_and_closed_again(users, turnover_world):
    m, milk = users["manager"], turnover_world["milk"]
    close(m, 6, 7, 8, 9)
    period_reopen(year=2026, month=9, user=m, reason="a late shipment")
    assert not PeriodConsumption.objects.filter(period__month=9).exists()  # went with the month
    location = Location.objects.get(code="A-01", warehouse__code="WHA")
    ship(milk, location, "5", m, "2026-09-20")  # 10.00 more COGS in September
    period_close(year=2026, month=9, user=m)

    _r, _f, rows = run("turnover", m, group_by="item", **Q3)

    assert consumed(PeriodClose.objects.get(month=9)) == {("MILK", "WHA"): (D("55"), D("110.00"))}
    assert rows[0][5] == D("290.00")
    assert rows == ledger_only("turnover", m, group_by="item", **Q3)


def test_abc_over_closed_months_equals_the_ledgers_with_an_inactive_item(users, abc_world):
    m = users["manager"]
    Item.objects.filter(pk=abc_world["P4"].pk).update(is_active=False)  # consumed: still ranked
    Item.objects.filter(pk=abc_world["P6"].pk).update(is_active=False)  # consumed nothing: left out
    october = {"start": "2026-10-01", "end": "2026-10-31"}
    expected = ledger_only("abc", m, **october)
    close(m, 9, 10)

    with CaptureQueriesContext(connection) as queries:
        _r, _f, rows = run("abc", m, **october)

    assert rows == expected
    assert [r[1] for r in rows] == ["P1", "P2", "P3", "P4", "P5"]
    assert not [q["sql"] for q in queries.captured_queries if "inventory_stockmove" in q["sql"]]
    # a clerk of warehouse A: P5 (sold from B) consumed nothing there
    assert run("abc", users["clerk_a"], **october)[2] == ledger_only("abc", users["clerk_a"], **october)


def test_abc_over_part_months_reads_the_rest_from_the_ledger(users, abc_world):
    m = users["manager"]
    close(m, 9, 10)
    params = {"start": "2026-10-10", "end": "2026-11-05"}

    _r, _f, rows = run("abc", m, **params)

    assert rows == ledger_only("abc", m, **params)
    assert rows[0][1:6:4] == ("P1", D("500.00"))


def test_the_migration_fills_the_consumption_of_months_closed_before_it(users, turnover_world):
    from importlib import import_module

    from django.apps import apps

    fill = import_module("inventory.migrations.0011_period_consumption").fill
    close(users["manager"], 6, 7, 8, 9)
    stored = {p.month: consumed(p) for p in PeriodClose.objects.all()}
    PeriodConsumption.objects.all().delete()

    with connection.schema_editor() as editor:
        fill(apps, editor)

    assert {p.month: consumed(p) for p in PeriodClose.objects.all()} == stored
    assert PeriodConsumption.objects.count() == 4


def test_a_goods_issue_is_consumption_of_its_month(users, turnover_world):
    m, milk = users["manager"], turnover_world["milk"]
    location = Location.objects.get(code="A-01", warehouse__code="WHA")
    goods_issue(milk, location, "3", m, "2026-10-12")  # 6.00
    post([MoveLine(milk.pk, location.pk, D("-2"))], m, "2026-10-13", "stockcount")  # a loss: not
    close(m, 6, 7, 8, 9, 10)

    # October: shipped 5 on the 2nd (10.00) and issued 3 (6.00)
    assert consumed(PeriodClose.objects.get(month=10)) == {("MILK", "WHA"): (D("8"), D("16.00"))}


def test_check_ledger_holds_the_stored_consumption_to_the_moves(users, turnover_world):
    from inventory.ledger_check import ledger_differences

    close(users["manager"], 6, 7, 8, 9)
    assert ledger_differences() == []
    august = PeriodClose.objects.get(month=8)
    water, milk = turnover_world["water"], turnover_world["milk"]

    # changed, removed and made up behind the app's back
    PeriodConsumption.objects.filter(period=august, item=water).update(value=D("150.00"))
    PeriodConsumption.objects.filter(period__month=9, item=milk).delete()
    stray = PeriodConsumption.objects.get(period=august, item=milk)
    PeriodConsumption.objects.create(
        period=PeriodClose.objects.get(month=6),
        item=milk,
        warehouse=stray.warehouse,
        qty=D("1"),
        value=D("2"),
    )

    wh_a, wh_b = stray.warehouse_id, PeriodConsumption.objects.get(period=august, item=water).warehouse_id
    assert sorted(ledger_differences()) == sorted(
        [
            f"2026-06: item {milk.pk} warehouse {wh_a}: consumption 1.0000 / 2.00 but no moves",
            f"2026-08: item {water.pk} warehouse {wh_b}: consumption != moves 25.0000 / 100.00",
            f"2026-09: item {milk.pk} warehouse {wh_a}: consumption != moves 50.0000 / 100.00",
        ]
    )
