"""The stock reports on constructed histories whose figures are worked out by hand here, in the
comments: turnover and days of inventory (from the ledger and again from month-end summaries),
valuation as of a past day, ABC classes with their cut-offs and the write-back, ageing buckets,
slow-moving and dead stock. Histories are posted through inventory.services, back-dated."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import Item
from inventory.services import (
    LineInput,
    MoveLine,
    document_create,
    document_post,
    document_set_lines,
    period_close,
    post_moves,
)
from inventory.services.abc import items_set_abc_class
from reports import base
from sales.services import RETURN_DOC_TYPE as CUSTOMER_RETURN
from sales.services import SHIPMENT_DOC_TYPE as SHIPMENT
from tests.factories import BatchFactory, CategoryFactory, ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db
D = Decimal
_n = iter(range(1, 1_000_000))


def at(day) -> datetime:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return timezone.make_aware(datetime.combine(day, time(12)))


def ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def post(lines, user, day, doc_type="test-receipt"):
    """A posting dated at noon on `day`; doc_type says what kind of document it stands for."""
    n = next(_n)
    return post_moves(
        doc_type=doc_type, doc_id=n, doc_number=f"{doc_type}-{n}", lines=lines, user=user, moved_at=at(day)
    )


def receive(item, loc, qty, cost, user, day, batch=None):
    return post(
        [MoveLine(item.pk, loc.pk, D(qty), batch.pk if batch else None, unit_cost=D(cost))], user, day
    )


def ship(item, loc, qty, user, day, batch=None):
    return post([MoveLine(item.pk, loc.pk, -D(qty), batch.pk if batch else None)], user, day, SHIPMENT)


def goods_issue(item, loc, qty, user, day):
    """A real goods issue (出库单 of kind issue), back-dated: consumption."""
    doc = document_create(
        kind="issue", warehouse=loc.warehouse, user=user, posting_date=date.fromisoformat(day)
    )
    document_set_lines(document=doc, lines=[LineInput(item, loc.pk, item.base_unit_id, D(qty))])
    return document_post(document_id=doc.pk, user=user)


def run(slug, user, **params):
    """The report's rows for `user` with the filters as a request would send them."""
    report = base.get(slug)
    form = report.filter_form({k: str(v) for k, v in params.items()}, user=user)
    assert form.is_valid(), form.errors
    rows = list(report.rows(user, form.cleaned_data))
    return report, form.cleaned_data, rows


def column(slug, key):
    return [c.key for c in base.get(slug).columns].index(key)


# Turnover --------------------------------------------------------------------------------------


@pytest.fixture
def turnover_world(users, warehouse_a, warehouse_b):
    """Q3 2026 (1 July – 30 September, 92 days). Every receipt costs 2.00 (milk) or 4.00 (water), so
    the moving average never changes and every value below is quantity × cost."""
    drink = CategoryFactory(code="DRINK", name="饮料")
    dairy = CategoryFactory(code="DAIRY", name="乳品", parent=drink)
    milk = ItemFactory(sku="MILK", name="纯牛奶", category=dairy)
    water = ItemFactory(sku="WATER", name="矿泉水", category=drink)
    a = LocationFactory(warehouse=warehouse_a, code="A-01")
    b = LocationFactory(warehouse=warehouse_b, code="B-01")
    m = users["manager"]
    # milk in WHA                                            qty   value
    receive(milk, a, "100", "2", m, "2026-06-20")  #         100   200.00  ← 30 June
    ship(milk, a, "50", m, "2026-07-10")  # COGS 100.00        50   100.00
    receive(milk, a, "75", "2", m, "2026-07-20")  #          125   250.00  ← 31 July
    goods_issue(milk, a, "40", m, "2026-08-05")  # COGS 80.00  85   170.00
    receive(milk, a, "15", "2", m, "2026-08-25")  #          100   200.00  ← 31 August
    ship(milk, a, "60", m, "2026-09-05")  # COGS 120.00        40    80.00
    post([MoveLine(milk.pk, a.pk, D("-10"))], m, "2026-09-10", "purchase-return")  # not COGS: 30 / 60.00
    receive(milk, a, "35", "2", m, "2026-09-12")  #           65   130.00
    post(  # a customer brings 10 back into stock: COGS −20.00   75   150.00  ← 30 September
        [MoveLine(milk.pk, a.pk, D("10"), unit_cost=D("2"), value=D("20.00"))],
        m,
        "2026-09-15",
        CUSTOMER_RETURN,
    )
    # water in WHB
    receive(water, b, "50", "4", m, "2026-06-25")  #          50   200.00  ← 30 June, 31 July
    ship(water, b, "25", m, "2026-08-10")  # COGS 100.00        25   100.00  ← 31 August, 30 September
    # after the period: must not count
    ship(milk, a, "5", m, "2026-10-02")
    return {"milk": milk, "water": water, "drink": drink, "dairy": dairy}


Q3 = {"start": "2026-07-01", "end": "2026-09-30"}


def test_turnover_per_item_is_worked_out_by_hand(users, turnover_world):
    report, filters, rows = run("turnover", users["manager"], group_by="item", **Q3)

    # milk: values at 30 Jun, 31 Jul, 31 Aug, 30 Sep = 200, 250, 200, 150 → average 800 / 4 = 200.00
    #       COGS = 100 (shipped) + 80 (issued) + 120 (shipped) − 20 (returned) = 280.00
    #       turnover = 280 / 200 = 1.40; days of inventory = 92 / 1.4 = 65.714… → 65.7
    # water: 200, 200, 100, 100 → average 600 / 4 = 150.00; COGS 100.00
    #       turnover = 100 / 150 = 0.666… → 0.67; days = 92 × 150 / 100 = 138.0
    assert rows == [
        ("MILK", "纯牛奶", D("200.00"), D("150.00"), D("200.00"), D("280.00"), D("1.40"), D("65.7")),
        ("WATER", "矿泉水", D("200.00"), D("100.00"), D("150.00"), D("100.00"), D("0.67"), D("138.0")),
    ]
    # all together: average 350.00, COGS 380.00 → 380 / 350 = 1.0857… → 1.09; 92 × 350 / 380 = 84.74 → 84.7
    assert report.totals(rows, filters) == (
        "Total", "", D("400.00"), D("250.00"), D("350.00"), D("380.00"), D("1.09"), D("84.7")
    )  # fmt: skip


def test_turnover_per_category_and_per_warehouse(users, turnover_world):
    _r, _f, by_category = run("turnover", users["manager"], group_by="category", **Q3)
    _r, _f, by_warehouse = run("turnover", users["manager"], group_by="warehouse", **Q3)

    # each item sits directly in its own category, and in its own warehouse: the same figures
    assert [row[:2] + row[6:] for row in by_category] == [
        ("DAIRY", "饮料 / 乳品", D("1.40"), D("65.7")),
        ("DRINK", "饮料", D("0.67"), D("138.0")),
    ]
    assert [row[:2] + row[6:] for row in by_warehouse] == [
        ("WHA", "仓库A", D("1.40"), D("65.7")),
        ("WHB", "仓库B", D("0.67"), D("138.0")),
    ]


def test_turnover_reads_closed_months_from_their_summaries_with_the_same_result(users, turnover_world):
    _r, _f, from_ledger = run("turnover", users["manager"], group_by="item", **Q3)
    for month in (6, 7, 8, 9):
        period_close(year=2026, month=month, user=users["manager"])

    with CaptureQueriesContext(connection) as queries:
        _r, _f, from_summaries = run("turnover", users["manager"], group_by="item", **Q3)

    assert from_summaries == from_ledger
    # all four points are closed month ends: no stock_as_of and no month-by-month pass over moves
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("inventory_periodsummary" in s for s in sql) == 1, sql
    assert len(sql) <= 8, sql


def test_turnover_of_a_period_ending_mid_month_and_a_category_filter(users, turnover_world):
    # 1 July – 15 August (46 days), DRINK and its subcategories; milk only (the filter is on its
    # category DAIRY): values 30 Jun 200, 31 Jul 250, 15 Aug 170 → average 620 / 3 = 206.666…
    # COGS = 100 + 80 = 180 → turnover 180 / 206.67 = 0.87; days = 46 × 206.666… / 180 = 52.8
    _r, _f, rows = run(
        "turnover", users["manager"], group_by="item", start="2026-07-01", end="2026-08-15",
        category=turnover_world["dairy"].pk,
    )  # fmt: skip

    assert rows == [
        ("MILK", "纯牛奶", D("200.00"), D("170.00"), D("206.67"), D("180.00"), D("0.87"), D("52.8"))
    ]


def test_a_clerk_turns_over_only_the_stock_of_their_warehouse(users, turnover_world):
    _r, _f, rows = run("turnover", users["clerk_a"], group_by="warehouse", **Q3)

    assert [row[0] for row in rows] == ["WHA"]


# Valuation as of a past day --------------------------------------------------------------------


def test_valuation_as_of_a_past_day(users, turnover_world):
    report, filters, rows = run("valuation", users["manager"], day="2026-08-31")

    # 31 August: milk 100 × 2.00 = 200.00 in WHA (see turnover_world); water 25 × 4.00 = 100.00 in WHB
    assert [(r[0], r[4], r[6], r[7], r[8]) for r in rows] == [
        ("MILK", "仓库A", D("100"), D("200.00"), D("2")),
        ("WATER", "仓库B", D("25"), D("100.00"), D("4")),
    ]
    assert report.totals(rows, filters)[7] == D("300.00")

    # 15 July: milk 50 / 100.00 (after the 10 July shipment); water 50 / 200.00
    _r, _f, july = run("valuation", users["manager"], day="2026-07-15")
    assert [(r[0], r[6], r[7]) for r in july] == [
        ("MILK", D("50"), D("100.00")),
        ("WATER", D("50"), D("200.00")),
    ]


def test_a_clerk_values_only_their_warehouse_and_sees_no_values(users, turnover_world):
    report, _f, rows = run("valuation", users["clerk_a"], day="2026-08-31")

    assert [(r[0], r[4]) for r in rows] == [("MILK", "仓库A")]
    shown = list(report.visible(users["clerk_a"], rows))
    assert shown == [("MILK", "纯牛奶", "饮料 / 乳品", "Merchandise", "仓库A", "PCS", D("100"))]
    assert [c.key for c in report.columns_for(users["clerk_a"])][-1] == "qty"


# ABC -------------------------------------------------------------------------------------------


@pytest.fixture
def abc_world(users, warehouse_a, warehouse_b):
    """October 2026: six items at 10.00 each; P1 … P5 consumed for 500, 300, 100, 60, 40 (total
    1000), P6 consumed nothing. P5 is sold from WHB, the others from WHA."""
    category = CategoryFactory(code="ABC", name="ABC")
    a = LocationFactory(warehouse=warehouse_a, code="A-01")
    b = LocationFactory(warehouse=warehouse_b, code="B-01")
    m = users["manager"]
    items = {}
    for sku, units, loc in (
        ("P1", 50, a),
        ("P2", 30, a),
        ("P3", 10, a),
        ("P4", 6, a),
        ("P5", 4, b),
        ("P6", 0, a),
    ):
        item = items[sku] = ItemFactory(sku=sku, name=sku, category=category)
        receive(item, loc, "100", "10", m, "2026-09-20")
        if units:
            ship(item, loc, str(units), m, "2026-10-15")  # units × 10.00
    return items


OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def test_abc_classes_with_the_default_cut_offs(users, abc_world):
    _r, _f, rows = run("abc", users["manager"], **OCTOBER)

    # An item is A while the items above it make up less than 80 % of 1000, B below 95 %:
    #   P1 above it 0 → A;  P2 500 (50 %) → A;  P3 800 (80 %) → B;  P4 900 (90 %) → B;
    #   P5 960 (96 %) → C;  P6 consumed nothing → C
    assert [(r[0], r[1], r[5], r[6], r[7], r[8]) for r in rows] == [
        (1, "P1", D("500.00"), D("0.500"), D("0.500"), "A"),
        (2, "P2", D("300.00"), D("0.300"), D("0.800"), "A"),
        (3, "P3", D("100.00"), D("0.100"), D("0.900"), "B"),
        (4, "P4", D("60.00"), D("0.060"), D("0.960"), "B"),
        (5, "P5", D("40.00"), D("0.040"), D("1.000"), "C"),
        (6, "P6", D("0"), D("0"), D("1.000"), "C"),
    ]  # shares are fractions: 0.500 is 50.0 %
    assert [r[4] for r in rows] == [D("50"), D("30"), D("10"), D("6"), D("4"), D("0")]


def test_abc_cut_offs_are_configurable(users, abc_world):
    _r, _f, rows = run("abc", users["manager"], a_share="50", b_share="30", **OCTOBER)

    # A below 50 % (500): P1 (0) only; B below 80 % (800): P2 (500); C from P3 (800) on
    assert [(r[1], r[8]) for r in rows] == [
        ("P1", "A"),
        ("P2", "B"),
        ("P3", "C"),
        ("P4", "C"),
        ("P5", "C"),
        ("P6", "C"),
    ]


def test_abc_for_a_clerk_counts_only_their_warehouse(users, abc_world):
    _r, _f, rows = run("abc", users["clerk_a"], **OCTOBER)

    # P5 was sold from WHB: for clerk_a the total is 960 → A below 768: P1 (0), P2 (500);
    # B below 912: P3 (800), P4 (900); P5 and P6 consumed nothing here → C
    assert [(r[1], r[8]) for r in rows] == [
        ("P1", "A"),
        ("P2", "A"),
        ("P3", "B"),
        ("P4", "B"),
        ("P5", "C"),
        ("P6", "C"),
    ]


def test_writing_the_classes_back_is_one_update_per_class(users, abc_world):
    report = base.get("abc")
    form = report.filter_form(OCTOBER, user=users["manager"])
    assert form.is_valid()
    classes = {"A": [], "B": [], "C": []}
    for row in report.classes(users["manager"], form.cleaned_data):
        classes[row.klass].append(row.item_id)

    with CaptureQueriesContext(connection) as queries:
        done = items_set_abc_class(classes=classes)

    assert done == {"A": 2, "B": 2, "C": 2}
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 3
    assert dict(Item.objects.filter(sku__startswith="P").values_list("sku", "abc_class")) == {
        "P1": "A", "P2": "A", "P3": "B", "P4": "B", "P5": "C", "P6": "C"
    }  # fmt: skip
    _r, _f, rows = run("abc", users["manager"], **OCTOBER)
    assert [r[9] for r in rows] == ["A", "A", "B", "B", "C", "C"]  # the class now on the item


# Ageing ----------------------------------------------------------------------------------------


@pytest.fixture
def ageing_world(users, warehouse_a, warehouse_b):
    m = users["manager"]
    a1 = LocationFactory(warehouse=warehouse_a, code="A-01")
    a2 = LocationFactory(warehouse=warehouse_a, code="A-02")
    b1 = LocationFactory(warehouse=warehouse_b, code="B-01")
    # Batches of yoghurt at 1.00: first received 200, 45 and 10 days ago. L3's first_received_at
    # says "now" (as a batch created while a back-dated receipt is entered would): the ledger wins.
    yog = ItemFactory(sku="YOG", name="酸奶", tracking="batch")
    l3 = BatchFactory(item=yog, batch_no="L3", first_received_at=timezone.now())
    l2 = BatchFactory(item=yog, batch_no="L2")
    l1 = BatchFactory(item=yog, batch_no="L1")
    receive(yog, a1, "5", "1", m, ago(200), l3)
    receive(yog, a1, "20", "1", m, ago(45), l2)
    receive(yog, a1, "10", "1", m, ago(10), l1)
    ship(yog, a1, "5", m, ago(5), l2)  # L2 keeps 15
    # Milk without batches at 2.00: in 40 (100 days ago), 30 (70), 20 (20); 50 shipped 10 days ago
    milk = ItemFactory(sku="MILK", name="纯牛奶")
    receive(milk, a1, "40", "2", m, ago(100))
    receive(milk, a1, "30", "2", m, ago(70))
    receive(milk, a1, "20", "2", m, ago(20))
    ship(milk, a1, "50", m, ago(10))
    # a move between two bins of WHA three days ago is not a receipt: it must not make milk young
    post([MoveLine(milk.pk, a1.pk, D("-10")), MoveLine(milk.pk, a2.pk, D("10"), mirror_of=0)], m, ago(3))
    # water in WHB, 400 days old (clerk_a must not see it)
    water = ItemFactory(sku="WATER", name="矿泉水")
    receive(water, b1, "7", "3", m, ago(400))


def test_ageing_buckets_are_worked_out_by_hand(users, ageing_world):
    report, filters, rows = run("ageing", users["manager"])

    # MILK (FIFO: on hand 90 − 50 = 40 is what came in last): the 20 of 20 days ago (0–30) and
    #   20 of the 30 of 70 days ago (61–90); the 40 of 100 days ago are gone.
    #   average age (20 × 20 + 20 × 70) / 40 = 45.0; value 20 × 2.00 = 40.00 in each bucket
    # YOG: L1 10 (10 days: 0–30), L2 20 − 5 = 15 (45 days: 31–60), L3 5 (200 days: >180)
    #   average age (10 × 10 + 15 × 45 + 5 × 200) / 30 = 1775 / 30 = 59.17 → 59.2; value at 1.00
    # WATER: 7 for 400 days (>180) at 3.00 = 21.00
    assert rows == [
        ("MILK", "纯牛奶", "仓库A", "PCS", D("20"), 0, D("20"), 0, 0, D("40"), D("45.0"),
         D("40.00"), D("0.00"), D("40.00"), D("0.00"), D("0.00"), D("80.00")),
        ("WATER", "矿泉水", "仓库B", "PCS", 0, 0, 0, 0, D("7"), D("7"), D("400.0"),
         D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("21.00"), D("21.00")),
        ("YOG", "酸奶", "仓库A", "PCS", D("10"), D("15"), 0, 0, D("5"), D("30"), D("59.2"),
         D("10.00"), D("15.00"), D("0.00"), D("0.00"), D("5.00"), D("30.00")),
    ]  # fmt: skip
    totals = report.totals(rows, filters)
    assert totals[11:] == (D("50.00"), D("15.00"), D("40.00"), D("0.00"), D("26.00"), D("131.00"))


def test_ageing_for_a_clerk_has_their_warehouse_and_no_values(users, ageing_world):
    report, _f, rows = run("ageing", users["clerk_a"])

    assert [r[0] for r in rows] == ["MILK", "YOG"]
    assert [len(r) for r in report.visible(users["clerk_a"], rows)] == [11, 11]  # no value columns


# Slow-moving and dead stock --------------------------------------------------------------------


@pytest.fixture
def idle_world(users, warehouse_a, warehouse_b):
    m = users["manager"]
    a = LocationFactory(warehouse=warehouse_a, code="A-01")
    b = LocationFactory(warehouse=warehouse_b, code="B-01")
    item = {
        sku: ItemFactory(sku=sku, name=sku)
        for sku in ("DEAD", "DEAD2", "FAST", "MOVED", "NEVER", "NEW", "SLOW", "GONE")
    }
    receive(item["FAST"], a, "10", "1", m, ago(100))
    ship(item["FAST"], a, "2", m, ago(5))  # consumed 5 days ago: not slow
    receive(item["SLOW"], a, "10", "1", m, ago(100))
    ship(item["SLOW"], a, "2", m, ago(40))  # 40 days: slow (≥ 30, < 90)
    receive(item["DEAD"], a, "10", "1", m, ago(200))
    goods_issue(item["DEAD"], a, "2", m, ago(120).isoformat())  # 120 days: dead
    receive(item["NEVER"], a, "10", "1", m, ago(95))  # never consumed, in for 95 days: dead
    receive(item["NEW"], a, "10", "1", m, ago(10))  # never consumed, in for 10 days: fine
    receive(item["MOVED"], a, "10", "5", m, ago(150))
    post([MoveLine(item["MOVED"].pk, a.pk, D("-2"))], m, ago(3), "purchase-return")  # moved, not consumed
    receive(item["GONE"], a, "5", "1", m, ago(300))
    ship(item["GONE"], a, "5", m, ago(200))  # nothing on hand: not listed
    receive(item["DEAD2"], b, "4", "1", m, ago(100))  # WHB
    return item


def test_slow_and_dead_stock_with_the_default_thresholds(users, idle_world):
    report, filters, rows = run("slow_moving", users["manager"])

    # slow from 30 days without consumption, dead from 90; longest idle first
    assert [(r[0], r[2], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows] == [
        ("MOVED", "仓库A", D("8"), D("40.00"), ago(3), None, 150, "Dead"),  # 8 × 5.00
        ("DEAD", "仓库A", D("8"), D("8.00"), ago(120), ago(120), 120, "Dead"),
        ("DEAD2", "仓库B", D("4"), D("4.00"), ago(100), None, 100, "Dead"),
        ("NEVER", "仓库A", D("10"), D("10.00"), ago(95), None, 95, "Dead"),
        ("SLOW", "仓库A", D("8"), D("8.00"), ago(40), ago(40), 40, "Slow"),
    ]
    assert report.totals(rows, filters)[5] == D("70.00")  # 40 + 8 + 4 + 10 + 8


def test_slow_and_dead_thresholds_are_filters_and_clerks_see_their_warehouse(users, idle_world):
    _r, _f, rows = run("slow_moving", users["clerk_a"], slow_days=60, dead_days=150)

    # from 60 days slow, from 150 dead: SLOW (40) drops out, DEAD (120) and NEVER (95) are slow,
    # MOVED (150) stays dead; DEAD2 is in WHB
    assert [(r[0], r[8], r[9]) for r in rows] == [
        ("MOVED", 150, "Dead"),
        ("DEAD", 120, "Slow"),
        ("NEVER", 95, "Slow"),
    ]


def test_the_filter_forms_refuse_what_makes_no_sense(users):
    manager = users["manager"]
    assert (
        not base.get("slow_moving")
        .filter_form({"slow_days": "100", "dead_days": "90"}, user=manager)
        .is_valid()
    )
    assert not base.get("abc").filter_form({"a_share": "80", "b_share": "20"}, user=manager).is_valid()
    assert (
        not base.get("turnover")
        .filter_form({"start": "2026-09-01", "end": "2026-08-01"}, user=manager)
        .is_valid()
    )
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert not base.get("valuation").filter_form({"day": future}, user=manager).is_valid()
