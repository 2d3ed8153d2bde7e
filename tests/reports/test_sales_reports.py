"""The purchase and sales reports (reports/reports_sales.py) on a history built through the real
services, every figure worked out by hand below.

The world — warehouses SH 上海总仓 (bin A-01) and BJ 北京分仓 (bin B-01); items WATER 矿泉水 and
TEA 茶饮 (category 饮料), RICE 大米 (category 食品); customers K001 城东超市 (store), K002 网店
(e-commerce), K003 便利店 (store).

February 2025, purchases into SH:
  PO1 华东食品 (HDSP), ordered 3 Feb, expected 10 Feb: WATER 1000 @ ¥2.00, TEA 500 @ ¥3.00, 13%.
      Received 5 Feb: WATER 1000 accepted; TEA 480 accepted, 20 rejected (damaged).
      WATER 1000 × 2.00 = 2000.00, tax 260.00; TEA 480 × 3.00 = 1440.00, tax 187.20.
  PO2 北方粮油 (BFLY), ordered 10 Feb, expected 17 Feb: RICE 200 @ ¥40.00, 9%.
      Received 12 Feb: 200 → 8000.00, tax 720.00. Returned 10 on 20 Feb: value 8000 × 10/200 =
      400.00, credited 400.00 + 9% 36.00 = 436.00.
  BJ: 200 WATER at ¥2.00 as opening stock (post_moves).

March–April 2025, sales (moving average: WATER ¥2.00, TEA ¥3.00, RICE ¥40.00 throughout):
  SO1 K001 from SH, shipped 6 Mar: WATER 100 @ 3.00 = 300.00 + 39.00; TEA 50 @ 5.00 = 250.00 +
      32.50. Cost 100 × 2 = 200.00 and 50 × 3 = 150.00.
  SO2 K002 from SH, shipped 21 Mar: RICE 10 @ 60.00 = 600.00 + 9% 54.00. Cost 10 × 40 = 400.00.
  SO3 K001 from SH, shipped 3 Apr: WATER 200 @ 2.80 = 560.00 + 72.80. Cost 400.00.
  R1 5 Apr, K001 sends back 20 WATER of SO1, restocked: credit (300 + 39) × 20/100 = 67.80, of
      which 67.80 × 300/339 = 60.00 amount and 7.80 tax; cost 200 × 20/100 = 40.00 back in stock.
  R2 8 Apr, K002 sends back 2 RICE of SO2, scrapped: credit (600 + 54) × 2/10 = 130.80, of which
      130.80 × 600/654 = 120.00 amount and 10.80 tax; cost 80.00 — not restocked, stays in COGS.
  SO4 K003 from BJ, shipped 11 Apr: WATER 100 @ 2.50 = 250.00 + 32.50. Cost 200.00.
"""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from inventory.services import MoveLine, post_moves
from purchasing import services as buying
from purchasing.models import RejectReason, ReturnReason
from reports.base import REGISTRY
from sales import services as selling
from sales.models import Channel
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    ItemFactory,
    LocationFactory,
    SupplierFactory,
    UserFactory,
    WarehouseFactory,
)

MARCH_APRIL = {"start": date(2025, 3, 1), "end": date(2025, 4, 30)}
FEBRUARY = {"start": date(2025, 2, 1), "end": date(2025, 2, 28)}


@pytest.fixture(autouse=True)
def _db(db):
    """Every test reads the database (in its own savepoint of the module's world)."""


def D(text) -> Decimal:
    return Decimal(str(text))


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


# The world ------------------------------------------------------------------------------------


def buy(supplier, wh, user, day: date, lines, received: date, accepted: dict, rejected: dict | None = None):
    """Order and receive: lines (item, qty, price, tax rate); accepted/rejected per item."""
    order = buying.order_create(supplier=supplier, warehouse=wh, user=user, order_date=day)
    buying.order_set_lines(
        order_id=order.pk,
        lines=[
            buying.OrderLineInput(item=i, unit_id=i.base_unit_id, qty=D(q), price=D(p), tax_rate=D(t))
            for i, q, p, t in lines
        ],
    )
    buying.order_submit(order_id=order.pk, user=user)  # within the approval limit: approved
    receipt = buying.receipt_create(order_id=order.pk, user=user, posting_date=received)
    rejected = rejected or {}
    buying.receipt_set_lines(
        receipt_id=receipt.pk,
        lines=[
            buying.ReceiptLineInput(
                order_line_id=ol.pk,
                location_id=buying.default_location(wh).pk,
                accepted_qty=D(accepted[ol.item]),
                rejected_qty=D(rejected.get(ol.item, 0)),
                reject_reason=RejectReason.DAMAGED if ol.item in rejected else "",
            )
            for ol in order.lines.all()
        ],
    )
    return buying.receipt_post(receipt_id=receipt.pk, user=user)


def sell(customer, wh, user, day: date, lines, shipped: date):
    """Order, confirm and ship all of it: lines (item, qty, price, tax rate)."""
    order = selling.order_create(customer=customer, warehouse=wh, user=user, order_date=day)
    selling.order_set_lines(
        order_id=order.pk,
        lines=[
            selling.SalesLineInput(item=i, unit_id=i.base_unit_id, qty=D(q), price=D(p), tax_rate=D(t))
            for i, q, p, t in lines
        ],
    )
    selling.order_confirm(order_id=order.pk, user=user)
    shipment = selling.shipment_create(order_id=order.pk, user=user, posting_date=shipped)
    return selling.shipment_post(shipment_id=shipment.pk, user=user)


def take_back(shipment, item, qty, user, day: date, location=None):
    line = shipment.lines.get(order_line__item=item)
    return selling.return_post(
        shipment_id=shipment.pk,
        user=user,
        reason="客户退货",
        lines=[selling.ReturnLineInput(line.pk, D(qty), restock=location is not None, location_id=location)],
        posting_date=day,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint within it (pytest-django's own), so what a test adds goes away with it.
    The role groups come from the data migrations."""
    from tests.conftest import ensure_roles

    with django_db_blocker.unblock(), transaction.atomic():
        ensure_roles()  # an earlier transactional test's flush may have emptied the groups
        yield _build_world()
        transaction.set_rollback(True)


def _build_world():
    boss = UserFactory(username="zhang", roles=["manager"])
    sh = WarehouseFactory(code="SH", name="上海总仓")
    a1 = LocationFactory(warehouse=sh, code="A-01", path="A-01")
    bj = WarehouseFactory(code="BJ", name="北京分仓")
    b1 = LocationFactory(warehouse=bj, code="B-01", path="B-01")
    drinks = CategoryFactory(code="DRINK", name="饮料")
    food = CategoryFactory(code="FOOD", name="食品")
    water = ItemFactory(sku="WATER", name="矿泉水", category=drinks)
    tea = ItemFactory(sku="TEA", name="茶饮", category=drinks)
    rice = ItemFactory(sku="RICE", name="大米", category=food)
    hdsp = SupplierFactory(code="HDSP", name="华东食品", default_lead_time_days=7)
    bfly = SupplierFactory(code="BFLY", name="北方粮油", default_lead_time_days=7)
    k1 = CustomerFactory(code="K001", name="城东超市", channel=Channel.STORE)
    k2 = CustomerFactory(code="K002", name="网店", channel=Channel.ECOMMERCE)
    k3 = CustomerFactory(code="K003", name="便利店", channel=Channel.STORE)

    buy(
        hdsp,
        sh,
        boss,
        date(2025, 2, 3),
        [(water, 1000, "2.00", 13), (tea, 500, "3.00", 13)],
        received=date(2025, 2, 5),
        accepted={water: 1000, tea: 480},
        rejected={tea: 20},
    )
    rice_receipt = buy(
        bfly, sh, boss, date(2025, 2, 10), [(rice, 200, "40.00", 9)], date(2025, 2, 12), {rice: 200}
    )
    back = buying.return_create(
        receipt_id=rice_receipt.pk,
        user=boss,
        reason=ReturnReason.DEFECTIVE,
        lines=[buying.ReturnLineInput(rice_receipt.lines.get().pk, D(10))],
        posting_date=date(2025, 2, 20),
    )
    buying.return_post(return_id=back.pk, user=boss)
    post_moves(
        doc_type="opening",
        doc_id=1,
        doc_number="OPEN-BJ",
        lines=[MoveLine(water.pk, b1.pk, D(200), unit_cost=D("2.00"))],
        user=boss,
        moved_at=at(date(2025, 2, 1)),
    )

    so1 = sell(
        k1, sh, boss, date(2025, 3, 5), [(water, 100, "3.00", 13), (tea, 50, "5.00", 13)], date(2025, 3, 6)
    )
    so2 = sell(k2, sh, boss, date(2025, 3, 20), [(rice, 10, "60.00", 9)], date(2025, 3, 21))
    sell(k1, sh, boss, date(2025, 4, 2), [(water, 200, "2.80", 13)], date(2025, 4, 3))
    take_back(so1, water, 20, boss, date(2025, 4, 5), location=a1.pk)
    take_back(so2, rice, 2, boss, date(2025, 4, 8))  # scrapped
    sell(k3, bj, boss, date(2025, 4, 10), [(water, 100, "2.50", 13)], date(2025, 4, 11))
    return {
        "boss": boss,
        "sh": sh,
        "bj": bj,
        "a1": a1,
        "b1": b1,
        "drinks": drinks,
        "food": food,
        "water": water,
        "tea": tea,
        "rice": rice,
        "hdsp": hdsp,
        "k1": k1,
        "k2": k2,
        "k3": k3,
    }


def report(slug, user, **filters):
    """The rows, then the total the page shows beneath them (`totals`; nothing without rows)."""
    r = REGISTRY[slug]
    rows = list(r.rows(user, filters))
    return [*rows, r.totals(rows, filters)] if rows else []


# Purchase summary -----------------------------------------------------------------------------


def test_purchase_summary_per_supplier_deducts_returns_and_ignores_rejected_goods(world):
    rows = report("purchase_summary", world["boss"], **FEBRUARY, group_by="supplier")

    # columns: received qty, excl., tax, incl., returned qty, excl., incl., net excl., net incl.
    assert rows == [
        # RICE 200 → 8000.00 + 720.00 = 8720.00; 10 back → 400.00, 436.00; net 7600.00, 8284.00
        (
            "BFLY 北方粮油",
            D(200),
            D("8000.00"),
            D("720.00"),
            D("8720.00"),
            D(10),
            D("400.00"),
            D("436.00"),
            D("7600.00"),
            D("8284.00"),
        ),
        # WATER 1000 + TEA 480 (the 20 rejected never count) = 1480; 2000 + 1440 = 3440.00;
        # 260.00 + 187.20 = 447.20; 3887.20
        (
            "HDSP 华东食品",
            D(1480),
            D("3440.00"),
            D("447.20"),
            D("3887.20"),
            0,
            0,
            0,
            D("3440.00"),
            D("3887.20"),
        ),
        # 1680; 11440.00; 1167.20; 12607.20; 10; 400.00; 436.00; 11040.00; 12171.20
        (
            "Total",
            D(1680),
            D("11440.00"),
            D("1167.20"),
            D("12607.20"),
            D(10),
            D("400.00"),
            D("436.00"),
            D("11040.00"),
            D("12171.20"),
        ),
    ]


def test_purchase_summary_per_category_and_month_and_filtered_by_supplier(world):
    per_category = report("purchase_summary", world["boss"], **FEBRUARY, group_by="category")
    per_month = report("purchase_summary", world["boss"], **FEBRUARY, group_by="month")
    one_supplier = report("purchase_summary", world["boss"], **FEBRUARY, supplier=world["hdsp"])
    drinks_only = report("purchase_summary", world["boss"], **FEBRUARY, category=world["drinks"])

    assert [(r[0], r[2], r[8]) for r in per_category] == [
        ("食品", D("8000.00"), D("7600.00")),
        ("饮料", D("3440.00"), D("3440.00")),
        ("Total", D("11440.00"), D("11040.00")),
    ]
    assert [(r[0], r[1], r[9]) for r in per_month] == [
        ("2025-02", D(1680), D("12171.20")),
        ("Total", D(1680), D("12171.20")),
    ]
    assert [r[0] for r in one_supplier] == ["HDSP 华东食品", "Total"]
    assert [(r[0], r[2]) for r in drinks_only] == [("HDSP 华东食品", D("3440.00")), ("Total", D("3440.00"))]
    # nothing was received in March
    assert report("purchase_summary", world["boss"], **MARCH_APRIL) == []


# Sales summary --------------------------------------------------------------------------------

# columns: shipped qty, excl., tax, returned qty, excl., tax, net qty, net excl., net tax, net incl.


def test_sales_summary_per_customer_deducts_returns(world):
    rows = report("sales_summary", world["boss"], **MARCH_APRIL, group_by="customer")

    assert rows == [
        # SO1 + SO3: 100 + 50 + 200 = 350; 300 + 250 + 560 = 1110.00; 39 + 32.50 + 72.80 = 144.30;
        # R1 20, 60.00, 7.80; net 330, 1050.00, 136.50, 1186.50
        (
            "K001 城东超市",
            D(350),
            D("1110.00"),
            D("144.30"),
            D(20),
            D("60.00"),
            D("7.80"),
            D(330),
            D("1050.00"),
            D("136.50"),
            D("1186.50"),
        ),
        # SO2: 10, 600.00, 54.00; R2 (scrapped, still credited): 2, 120.00, 10.80; 8, 480.00, 43.20
        (
            "K002 网店",
            D(10),
            D("600.00"),
            D("54.00"),
            D(2),
            D("120.00"),
            D("10.80"),
            D(8),
            D("480.00"),
            D("43.20"),
            D("523.20"),
        ),
        (
            "K003 便利店",
            D(100),
            D("250.00"),
            D("32.50"),
            0,
            0,
            0,
            D(100),
            D("250.00"),
            D("32.50"),
            D("282.50"),
        ),
        # 460, 1960.00, 230.80, 22, 180.00, 18.60, 438, 1780.00, 212.20, 1992.20
        (
            "Total",
            D(460),
            D("1960.00"),
            D("230.80"),
            D(22),
            D("180.00"),
            D("18.60"),
            D(438),
            D("1780.00"),
            D("212.20"),
            D("1992.20"),
        ),
    ]


def test_sales_summary_per_channel(world):
    rows = report("sales_summary", world["boss"], **MARCH_APRIL, group_by="channel")

    # store = K001 + K003: 350 + 100 = 450; 1110 + 250 = 1360.00; 144.30 + 32.50 = 176.80;
    # returned 20, 60.00, 7.80; net 430, 1300.00, 169.00, 1469.00
    assert [r[0] for r in rows] == ["Store", "E-commerce", "Total"]
    assert rows[0][1:] == (
        D(450),
        D("1360.00"),
        D("176.80"),
        D(20),
        D("60.00"),
        D("7.80"),
        D(430),
        D("1300.00"),
        D("169.00"),
        D("1469.00"),
    )
    assert rows[1][8] == D("480.00")
    assert report("sales_summary", world["boss"], **MARCH_APRIL, channel="ecommerce")[0][0] == "K002 网店"


def test_sales_summary_per_month_deducts_a_return_in_the_month_it_came_back(world):
    rows = report("sales_summary", world["boss"], **MARCH_APRIL, group_by="month")[:-1]

    assert rows == [
        # March: SO1 + SO2 = 100 + 50 + 10 = 160; 300 + 250 + 600 = 1150.00; 39 + 32.50 + 54 = 125.50
        (
            "2025-03",
            D(160),
            D("1150.00"),
            D("125.50"),
            0,
            0,
            0,
            D(160),
            D("1150.00"),
            D("125.50"),
            D("1275.50"),
        ),
        # April: SO3 + SO4 = 300; 560 + 250 = 810.00; 72.80 + 32.50 = 105.30; the returns of March's
        # goods come off April: 22, 180.00, 18.60 → 278, 630.00, 86.70, 716.70
        (
            "2025-04",
            D(300),
            D("810.00"),
            D("105.30"),
            D(22),
            D("180.00"),
            D("18.60"),
            D(278),
            D("630.00"),
            D("86.70"),
            D("716.70"),
        ),
    ]
    chart = REGISTRY["sales_summary"].chart(world["boss"], rows, {"group_by": "month"})
    assert chart["type"] == "line"
    assert chart["data"]["labels"] == ["2025-03", "2025-04"]
    assert chart["data"]["datasets"][0]["data"] == [D("1150.00"), D("630.00")]


def test_sales_summary_per_day_and_week(world):
    days = report(
        "sales_summary", world["boss"], start=date(2025, 4, 1), end=date(2025, 4, 8), group_by="day"
    )
    weeks = report(
        "sales_summary", world["boss"], start=date(2025, 4, 1), end=date(2025, 4, 8), group_by="week"
    )

    # 3 Apr SO3 560.00; 5 Apr R1 −60.00; 8 Apr R2 −120.00
    assert [(r[0], r[8]) for r in days] == [
        ("2025-04-03", D("560.00")),
        ("2025-04-05", D("-60.00")),
        ("2025-04-08", D("-120.00")),
        ("Total", D("380.00")),
    ]
    # weeks from Monday: 31 Mar (3 and 5 Apr) 500.00; 7 Apr (8 Apr) −120.00
    assert [(r[0], r[8]) for r in weeks] == [
        ("2025-W14 (03-31)", D("500.00")),
        ("2025-W15 (04-07)", D("-120.00")),
        ("Total", D("380.00")),
    ]


def test_sales_summary_filters_by_warehouse_and_category(world):
    bj = report("sales_summary", world["boss"], **MARCH_APRIL, warehouse=world["bj"])
    food = report("sales_summary", world["boss"], **MARCH_APRIL, category=world["food"], group_by="item")

    assert [(r[0], r[8]) for r in bj] == [("K003 便利店", D("250.00")), ("Total", D("250.00"))]
    assert [(r[0], r[1], r[4], r[8]) for r in food] == [
        ("RICE 大米", D(10), D(2), D("480.00")),
        ("Total", D(10), D(2), D("480.00")),
    ]


def test_a_user_limited_to_one_warehouse_sees_only_its_sales(world):
    clerk = UserFactory(username="clerk_bj", roles=["warehouse_clerk"])
    world["bj"].members.add(clerk)

    rows = report("sales_summary", clerk, **MARCH_APRIL)
    sneaky = report("sales_summary", clerk, **MARCH_APRIL, warehouse=world["sh"])

    assert [r[0] for r in rows] == ["K003 便利店", "Total"]
    assert sneaky == []


def test_the_sales_summary_has_no_cost_columns():
    keys = [c.key for c in REGISTRY["sales_summary"].columns]

    assert not {"cost", "cogs", "margin"} & set(keys)


# Gross margin -----------------------------------------------------------------------------------

# columns: net qty, revenue, COGS, gross margin, margin %


def test_gross_margin_per_item(world):
    rows = report("gross_margin", world["boss"], **MARCH_APRIL, group_by="item")

    assert rows == [
        # WATER: 100 + 200 + 100 = 400 − 20 = 380; revenue 300 + 560 + 250 − 60 = 1050.00;
        # COGS 200 + 400 + 200 − 40 (restocked) = 760.00; margin 290.00; 290 / 1050 = 27.619 → 27.62
        ("WATER 矿泉水", D(380), D("1050.00"), D("760.00"), D("290.00"), D("0.2762")),
        # RICE: 10 − 2 = 8; 600 − 120 = 480.00; COGS 400.00 (the scrapped 2 stay in it);
        # margin 80.00; 80 / 480 = 16.667 → 16.67 %
        ("RICE 大米", D(8), D("480.00"), D("400.00"), D("80.00"), D("0.1667")),
        # TEA: 50; 250.00; 150.00; 100.00; 40.00
        ("TEA 茶饮", D(50), D("250.00"), D("150.00"), D("100.00"), D("0.4000")),
        # the total: 438; 1780.00; 1310.00; 470.00; 470 / 1780 = 26.404 → 26.40 %
        ("Total", D(438), D("1780.00"), D("1310.00"), D("470.00"), D("0.2640")),
    ]


def test_gross_margin_per_month_category_and_customer(world):
    months = report("gross_margin", world["boss"], **MARCH_APRIL, group_by="month")
    categories = report("gross_margin", world["boss"], **MARCH_APRIL, group_by="category")
    customers = report("gross_margin", world["boss"], **MARCH_APRIL, group_by="customer")

    assert months == [
        # March: 1150.00 − (200 + 150 + 400 = 750.00) = 400.00; 400 / 1150 = 34.78
        ("2025-03", D(160), D("1150.00"), D("750.00"), D("400.00"), D("0.3478")),
        # April: 810 − 180 = 630.00; 400 + 200 − 40 = 560.00; 70.00; 70 / 630 = 11.11
        ("2025-04", D(278), D("630.00"), D("560.00"), D("70.00"), D("0.1111")),
        ("Total", D(438), D("1780.00"), D("1310.00"), D("470.00"), D("0.2640")),
    ]
    # 饮料 = WATER + TEA: 1050 + 250 = 1300.00; 760 + 150 = 910.00; 390.00; 30.00
    assert categories[0] == ("饮料", D(430), D("1300.00"), D("910.00"), D("390.00"), D("0.3000"))
    # K001: 1050.00 revenue; COGS 200 + 150 + 400 − 40 = 710.00; 340.00; 32.38
    assert customers[0] == ("K001 城东超市", D(330), D("1050.00"), D("710.00"), D("340.00"), D("0.3238"))


def test_gross_margin_is_for_managers_only():
    assert REGISTRY["gross_margin"].permission == "reports.view_margin_reports"
    assert REGISTRY["sales_summary"].permission == "reports.view_sales_reports"
    assert REGISTRY["purchase_summary"].permission == "reports.view_purchase_reports"


def test_the_margin_chart_stacks_cost_and_margin(world):
    rows = report("gross_margin", world["boss"], **MARCH_APRIL, group_by="item")[:-1]  # not the total

    chart = REGISTRY["gross_margin"].chart(world["boss"], rows, {"group_by": "item"})

    assert chart["data"]["labels"] == ["WATER 矿泉水", "RICE 大米", "TEA 茶饮"]
    cost, margin, percent = chart["data"]["datasets"]
    assert (cost["data"], margin["data"], percent["data"]) == (
        [D("760.00"), D("400.00"), D("150.00")],
        [D("290.00"), D("80.00"), D("100.00")],
        [D("27.62"), D("16.67"), D("40.00")],  # 290 ÷ 1,050; 80 ÷ 480; 100 ÷ 250
    )


# Supplier performance ---------------------------------------------------------------------------


def test_supplier_performance_wraps_the_purchasing_figures(world):
    rows = report("supplier_performance", world["boss"], **FEBRUARY)

    # rates are fractions (1 = 100 %), to a tenth of a percent as purchasing computes them
    # BFLY: 1 receipt line on time (12 Feb ≤ expected 17 Feb); 200 of 200 → 100.0 %; none rejected;
    # lead 10 → 12 Feb = 2 days; no price list, so no price variance
    assert rows[0] == ("BFLY 北方粮油", 1, 1, 1, D(200), D(200), 1, D(200), 0, 0, 1, D("2.0"), 0, 0, None)
    # HDSP: 2 lines on time (5 Feb ≤ 10 Feb); fill (1000 + 480) / (1000 + 500) = 98.67 → 98.7 %;
    # rejected 20 / (1480 + 20) = 1.33 → 1.3 %; lead 3 → 5 Feb = 2 days
    assert rows[1] == (
        "HDSP 华东食品",
        2,
        2,
        1,
        D(1500),
        D(1480),
        D("0.987"),
        D(1500),
        D(20),
        D("0.013"),
        1,
        D("2.0"),
        0,
        0,
        None,
    )
    # all suppliers: 3 of 3 on time; 1680 / 1700 = 98.82 → 98.8 %; 20 / 1700 = 1.18 → 1.2 %;
    # (2.0 + 2.0) / 2 receipts = 2.0 days
    assert rows[2] == (
        "Total",
        3,
        3,
        1,
        D(1700),
        D(1680),
        D("0.988"),
        D(1700),
        D(20),
        D("0.012"),
        2,
        D("2.0"),
        0,
        0,
        None,
    )
    assert len(rows) == 3  # suppliers without figures are left out


def test_supplier_performance_is_not_shown_to_someone_who_sees_only_some_warehouses(world):
    clerk = UserFactory(username="clerk_sh", roles=["warehouse_clerk"])
    world["sh"].members.add(clerk)

    assert report("supplier_performance", clerk, **FEBRUARY) == []


# Order processing time ------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Set the time the services see: clock(datetime)."""
    now = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: now[0])

    def set_to(moment: datetime):
        now[0] = moment

    return set_to


@pytest.fixture
def processed(world, clock):
    """May 2025, each order confirmed and shipped at the times below (Asia/Shanghai):
    P1 K001 SH confirmed 5 May 09:00, shipped 6 May 15:00 → 30 h = 1.25 days
    P2 K002 SH confirmed 7 May 10:00, shipped 7 May 16:00 → 6 h = 0.25 days
    P3 K001 BJ confirmed 8 May 08:00, shipped 10 May 20:00 → 60 h = 2.50 days
    P4 K002 SH confirmed 12 May, half shipped 13 May → not fully shipped, not counted."""
    w, boss = world, world["boss"]

    def order(customer, wh, confirmed: datetime, qty=10):
        clock(confirmed)
        so = selling.order_create(customer=customer, warehouse=wh, user=boss)
        selling.order_set_lines(
            order_id=so.pk,
            lines=[
                selling.SalesLineInput(
                    item=w["water"], unit_id=w["water"].base_unit_id, qty=D(qty), price=D(3)
                )
            ],
        )
        return selling.order_confirm(order_id=so.pk, user=boss)

    def ship(so, shipped: datetime, qty=None):
        clock(shipped)
        shipment = selling.shipment_create(order_id=so.pk, user=boss, propose=qty is None)
        if qty is not None:
            line = so.lines.get()
            selling.shipment_set_picks(
                shipment_id=shipment.pk,
                picks=[selling.PickInput(line.pk, w["a1"].pk, D(qty))],
            )
        selling.shipment_post(shipment_id=shipment.pk, user=boss)

    tz = timezone.get_current_timezone()
    may = lambda d, h: datetime(2025, 5, d, h, tzinfo=tz)  # noqa: E731
    p1 = order(w["k1"], w["sh"], may(5, 9))
    ship(p1, may(6, 15))
    p2 = order(w["k2"], w["sh"], may(7, 10))
    ship(p2, may(7, 16))
    p3 = order(w["k1"], w["bj"], may(8, 8))
    ship(p3, may(10, 20))
    p4 = order(w["k2"], w["sh"], may(12, 9), qty=10)
    ship(p4, may(13, 9), qty=5)
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4}


MAY = {"start": date(2025, 5, 1), "end": date(2025, 5, 31)}


def test_processing_time_per_order(processed, world):
    rows = report("processing_time", world["boss"], **MAY, group_by="order")

    p1, p2, p3 = processed["p1"], processed["p2"], processed["p3"]
    assert rows == [
        (
            p1.number,
            "K001 城东超市",
            "SH 上海总仓",
            date(2025, 5, 5),
            date(2025, 5, 6),
            1,
            D("1.25"),
            D("1.25"),
        ),
        (p2.number, "K002 网店", "SH 上海总仓", date(2025, 5, 7), date(2025, 5, 7), 1, D("0.25"), D("0.25")),
        (
            p3.number,
            "K001 城东超市",
            "BJ 北京分仓",
            date(2025, 5, 8),
            date(2025, 5, 10),
            1,
            D("2.50"),
            D("2.50"),
        ),
        # (1.25 + 0.25 + 2.50) / 3 = 1.3333 (days to four places); the longest 2.50; P4 is still open
        ("Total", "", "", None, None, 3, D("1.3333"), D("2.50")),
    ]


def test_processing_time_averages_per_warehouse_and_customer(processed, world):
    per_warehouse = report("processing_time", world["boss"], **MAY, group_by="warehouse")
    per_customer = report("processing_time", world["boss"], **MAY, group_by="customer")

    assert per_warehouse == [
        # SH: P1, P2 → (1.25 + 0.25) / 2 = 0.75, longest 1.25; BJ: P3 2.50
        ("SH 上海总仓", "", "SH 上海总仓", None, None, 2, D("0.75"), D("1.25")),
        ("BJ 北京分仓", "", "BJ 北京分仓", None, None, 1, D("2.50"), D("2.50")),
        # weighted by orders: (0.75 × 2 + 2.50 × 1) / 3 = 1.3333, as per order
        ("Total", "", "", None, None, 3, D("1.3333"), D("2.50")),
    ]
    assert per_customer == [
        # K001: P1, P3 → (1.25 + 2.50) / 2 = 1.875; K002: P2 0.25
        ("K001 城东超市", "K001 城东超市", "", None, None, 2, D("1.875"), D("2.50")),
        ("K002 网店", "K002 网店", "", None, None, 1, D("0.25"), D("0.25")),
        # (1.875 × 2 + 0.25) / 3 = 1.3333
        ("Total", "", "", None, None, 3, D("1.3333"), D("2.50")),
    ]


def test_processing_time_filters_and_period(processed, world):
    bj = report("processing_time", world["boss"], **MAY, warehouse=world["bj"])
    before = report("processing_time", world["boss"], start=date(2025, 5, 1), end=date(2025, 5, 9))

    assert [r[0] for r in bj] == [processed["p3"].number, "Total"]
    # shipped by 9 May: P1 and P2 (P3 was completed on the 10th)
    assert [r[0] for r in before] == [processed["p1"].number, processed["p2"].number, "Total"]
    assert before[-1][6] == D("0.75")


# The registry ---------------------------------------------------------------------------------


def test_every_report_is_registered_with_a_method_and_typed_columns():
    for slug in (
        "purchase_summary",
        "sales_summary",
        "gross_margin",
        "supplier_performance",
        "processing_time",
        "sales_trend",
    ):
        r = REGISTRY[slug]
        assert r.slug == slug
        assert str(r.method)
        assert r.columns[0].kind in ("text",)
        assert all(c.kind for c in r.columns)


def test_the_filter_forms_fill_in_their_defaults(world):
    for slug in (
        "purchase_summary",
        "sales_summary",
        "gross_margin",
        "supplier_performance",
        "processing_time",
    ):
        form = REGISTRY[slug].filter_form(None, user=world["boss"])
        assert form.is_valid(), (slug, form.errors)
        list(REGISTRY[slug].rows(world["boss"], form.cleaned_data))
    form = REGISTRY["sales_trend"].filter_form({"item": "WATER"}, user=world["boss"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["item"] == world["water"]
