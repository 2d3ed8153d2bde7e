"""The valuation's three ways to the same rows (inventory.valuation_sql): as of today from the
balances (their quantities and values), any day from the last closed month's summaries plus the later moves
in one statement, and services.stock_as_of (the ORM path SQLite uses). A history where they could
disagree: an item in two warehouses at different costs (so a warehouse's value is not quantity ×
average cost), a warehouse emptied by an issue whose rounded value leaves cents behind, an item
in one warehouse only, closed months, and moves today."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from inventory.models import Item
from inventory.services import MoveLine, period_close, post_moves
from inventory.valuation_sql import _lines_from_stock_as_of, valuation_lines
from reports import base
from tests.factories import CategoryFactory, ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db
D = Decimal
_n = iter(range(1, 1_000_000))


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def post(lines, user, day, hour=12):
    n = next(_n)
    return post_moves(
        doc_type="T", doc_id=n, doc_number=f"T-{n}", lines=lines, user=user, moved_at=at(day, hour)
    )


def months_back(n: int) -> date:
    """The first day of the month n months before this one."""
    day = timezone.localdate().replace(day=1)
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
    return day


@pytest.fixture
def history(users, warehouse_a, warehouse_b):
    food = CategoryFactory(code="FOOD", name="食品")
    dairy = CategoryFactory(code="DAIRY", name="乳品", parent=food)
    tools = CategoryFactory(code="TOOLS", name="工具")
    milk = ItemFactory(sku="MILK", name="纯牛奶", category=dairy, item_type="merchandise")
    salt = ItemFactory(sku="SALT", name="盐", category=food, item_type="raw")
    saw = ItemFactory(sku="SAW", name="锯", category=tools, item_type="spare")
    a = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    a2 = LocationFactory(warehouse=warehouse_a, code="A-02", path="A-02")
    b = LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01")
    m = users["manager"]
    two_ago, one_ago = months_back(2), months_back(1)
    # two months ago: milk 10 @ 3.00 in A (30.00), 10 @ 4.00 in B (40.00): average 3.50, yet A
    # holds 30.00 and B 40.00; salt 1 @ 1.00 in A, 2 @ 2.00 in B (average 5.00 / 3)
    post([MoveLine(milk.pk, a.pk, D("10"), unit_cost=D("3"))], m, two_ago)
    post([MoveLine(milk.pk, b.pk, D("10"), unit_cost=D("4"))], m, two_ago + timedelta(days=1))
    post([MoveLine(salt.pk, a.pk, D("1"), unit_cost=D("1"))], m, two_ago + timedelta(days=2))
    post([MoveLine(salt.pk, b.pk, D("2"), unit_cost=D("2"))], m, two_ago + timedelta(days=3))
    # last month: salt's only unit in A goes out at 5.00 / 3 = 1.67, leaving A at 0 / −0.67;
    # milk 4 out of A at 3.50 (14.00); the saw only ever in B, over two bins' worth of history
    post([MoveLine(salt.pk, a.pk, D("-1"))], m, one_ago)
    post([MoveLine(milk.pk, a.pk, D("-4"))], m, one_ago + timedelta(days=1))
    post([MoveLine(saw.pk, b.pk, D("3"), unit_cost=D("12.345"))], m, one_ago + timedelta(days=2))
    period_close(year=two_ago.year, month=two_ago.month, user=m)
    period_close(year=one_ago.year, month=one_ago.month, user=m)
    return {"milk": milk, "salt": salt, "saw": saw, "a": a, "a2": a2, "b": b, "food": food, "m": m}


def figures(lines) -> list[tuple]:
    return [(line.sku, line.warehouse_code, line.qty, line.value) for line in lines]


def three_ways(day, **scope) -> list[tuple]:
    """The rows by each path (from the balances only for today: they hold now); fails unless
    they all agree."""
    ledger = figures(valuation_lines(day, today=False, **scope))
    orm = figures(_lines_from_stock_as_of(day, **scope))
    assert ledger == orm
    if day == timezone.localdate():
        assert figures(valuation_lines(day, today=True, **scope)) == ledger
    return ledger


def moves_today(history):
    """Today: milk 6 more into B at 5.00 and 2 out of A; the saw into A's second bin."""
    m, today = history["m"], timezone.localdate()
    post([MoveLine(history["milk"].pk, history["b"].pk, D("6"), unit_cost=D("5"))], m, today, hour=0)
    post([MoveLine(history["milk"].pk, history["a"].pk, D("-2"))], m, today, hour=0)
    post([MoveLine(history["saw"].pk, history["a2"].pk, D("1"), unit_cost=D("10"))], m, today, hour=0)


def test_today_from_the_balances_equals_summaries_plus_moves_and_the_orm_path(history):
    today = timezone.localdate()

    rows = three_ways(today)

    # milk: A 10 − 4 = 6 / 30.00 − 14.00 = 16.00; B 10 / 40.00 (not 8 × 3.50 each side)
    # salt: A 0 / 1.00 − 1.67 = −0.67 (shown: a value with no quantity); B 2 / 4.00
    assert rows == [
        ("MILK", "WHA", D("6"), D("16.00")),
        ("MILK", "WHB", D("10"), D("40.00")),
        ("SALT", "WHA", D("0"), D("-0.67")),
        ("SALT", "WHB", D("2"), D("4.00")),
        ("SAW", "WHB", D("3"), D("37.04")),
    ]


def test_moves_today_are_in_today_and_not_in_yesterday(history):
    today = timezone.localdate()
    yesterday_before = three_ways(today - timedelta(days=1))
    moves_today(history)

    # milk after today's moves: 56.00 + 30.00 = 86.00 over 22 → 3.909090…; 2 out of A at that
    # average: 7.82; A 4 / 8.18, B 16 / 70.00; the saw now in A too (1 / 10.00), B unchanged
    assert three_ways(today) == [
        ("MILK", "WHA", D("4"), D("8.18")),
        ("MILK", "WHB", D("16"), D("70.00")),
        ("SALT", "WHA", D("0"), D("-0.67")),
        ("SALT", "WHB", D("2"), D("4.00")),
        ("SAW", "WHA", D("1"), D("10.00")),
        ("SAW", "WHB", D("3"), D("37.04")),
    ]
    assert three_ways(today - timedelta(days=1)) == yesterday_before
    # the page's own choice: today reads the balances, yesterday the summaries and moves
    for day, reads_balances in ((today, True), (today - timedelta(days=1), False)):
        with CaptureQueriesContext(connection) as captured:
            list(valuation_lines(day))
        assert ("inventory_stockbalance" in " ".join(q["sql"] for q in captured)) is reads_balances


@pytest.mark.parametrize("scope", ["a", "b", "both", "none"])
def test_a_warehouse_scope_keeps_each_warehouses_own_value(history, warehouse_a, warehouse_b, scope):
    moves_today(history)
    ids = {"a": [warehouse_a.pk], "b": [warehouse_b.pk], "both": [warehouse_a.pk, warehouse_b.pk], "none": []}
    all_rows = three_ways(timezone.localdate())
    codes = {"a": {"WHA"}, "b": {"WHB"}, "both": {"WHA", "WHB"}, "none": set()}[scope]

    scoped = three_ways(timezone.localdate(), warehouse_ids=ids[scope])

    assert scoped == [row for row in all_rows if row[1] in codes]


def test_category_and_item_type_filters_agree_on_every_path(history):
    moves_today(history)
    today = timezone.localdate()
    food = Item.objects.filter(category__path__startswith=history["food"].path)
    assert [row[0] for row in three_ways(today, items=food)] == ["MILK", "MILK", "SALT", "SALT"]
    assert [row[0] for row in three_ways(today, items=Item.objects.filter(item_type="spare"))] == [
        "SAW",
        "SAW",
    ]
    assert three_ways(today - timedelta(days=1), items=Item.objects.filter(item_type="raw")) == [
        ("SALT", "WHA", D("0"), D("-0.67")),
        ("SALT", "WHB", D("2"), D("4.00")),
    ]


def test_without_a_closed_month_every_path_sums_the_whole_ledger(users, warehouse_a, warehouse_b):
    item = ItemFactory(sku="BOLT")
    a = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    b = LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01")
    post([MoveLine(item.pk, a.pk, D("3"), unit_cost=D("1"))], users["manager"], timezone.localdate())
    post([MoveLine(item.pk, b.pk, D("3"), unit_cost=D("2"))], users["manager"], timezone.localdate())
    post([MoveLine(item.pk, b.pk, D("-1"))], users["manager"], timezone.localdate())

    # average 9.00 / 6 = 1.50: B 3 − 1 = 2 / 6.00 − 1.50 = 4.50; A 3 / 3.00
    assert three_ways(timezone.localdate()) == [
        ("BOLT", "WHA", D("3"), D("3.00")),
        ("BOLT", "WHB", D("2"), D("4.50")),
    ]


def test_the_report_as_a_clerk_sees_it_today(history, users):
    moves_today(history)
    clerk = users["clerk_a"]
    clerk.user_permissions.add(Permission.objects.get(codename="view_stock_value"))
    report = base.get("valuation")
    form = report.filter_form({}, user=clerk)
    assert form.is_valid(), form.errors

    rows = list(report.rows(clerk, form.cleaned_data))

    assert [(r[0], r[4], r[6], r[7], r[8]) for r in rows] == [
        ("MILK", "仓库A", D("4"), D("8.18"), D("2.045000")),
        ("SALT", "仓库A", D("0"), D("-0.67"), None),
        ("SAW", "仓库A", D("1"), D("10.00"), D("10.000000")),
    ]


@pytest.mark.parametrize(
    ("language", "labels"), [("en", ["Merchandise", "Raw material"]), ("zh-hans", ["库存商品", "原材料"])]
)
def test_item_types_are_labelled_in_the_readers_language(history, users, language, labels):
    report = base.get("valuation")
    manager = users["manager"]
    with translation.override(language):
        form = report.filter_form({}, user=manager)
        assert form.is_valid(), form.errors
        rows = list(report.rows(manager, form.cleaned_data))
    assert [r[3] for r in rows if r[0] in ("MILK", "SALT")][::2] == labels


def test_the_migration_fills_each_balance_value_from_its_moves(history):
    from importlib import import_module

    from django.apps import apps

    from inventory.ledger_check import ledger_differences
    from inventory.models import StockBalance

    fill = import_module("inventory.migrations.0013_balance_value").fill
    moves_today(history)
    kept = dict(StockBalance.objects.values_list("pk", "value"))
    StockBalance.objects.update(value=0)  # as the column came in before its fill
    assert ledger_differences() != []

    with connection.schema_editor() as editor:
        fill(apps, editor)

    assert dict(StockBalance.objects.values_list("pk", "value")) == kept
    # milk at A-01: 30.00 − 14.00 − 2 out today (2 × 86.00 / 22 = 7.82) = 8.18; salt at A-01: −0.67
    by_key = {
        (b.item.sku, b.location.code): b.value
        for b in StockBalance.objects.select_related("item", "location")
    }
    assert by_key[("MILK", "A-01")] == D("8.18")
    assert by_key[("SALT", "A-01")] == D("-0.67")
    assert ledger_differences() == []
