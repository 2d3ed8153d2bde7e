"""Sales orders through the service layer: totals to the fen (price level, breaks, unit
conversion, discount, tax), reservations through confirm / partial ship / cancel / close, the
refusal when short and the backorder, credit-limit approval, first-expiry-first-out picking that
skips expired batches, cost of goods sold at the moving average, returns restocked and scrapped,
processing time; and the races: eight connections confirming for the last units, a shipment
posted twice."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from inventory.exceptions import AlreadyPosted, InsufficientStock
from inventory.ledger_check import ledger_differences
from inventory.models import ItemValuation, StockBalance, StockMove
from inventory.services import MoveLine, post_moves
from inventory.services.reservations import availability
from sales import services
from sales.models import OrderStatus, SalesPrice, SalesPriceBreak
from tests.factories import (
    BatchFactory,
    CustomerFactory,
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    PriceLevelFactory,
    UnitFactory,
    UserFactory,
    WarehouseFactory,
)

pytestmark = pytest.mark.django_db


def D(text) -> Decimal:
    return Decimal(str(text))


@pytest.fixture
def people(roles):
    return {
        "chen": UserFactory(username="chenchen", roles=["sales"]),
        "boss": UserFactory(username="zhang", roles=["manager"]),
        "wang": UserFactory(username="wangqiang", roles=["warehouse_clerk"]),
    }


@pytest.fixture
def world(people):
    wh = WarehouseFactory(code="SH", name="上海总仓")
    a1 = LocationFactory(warehouse=wh, code="A-01", path="A-01")
    b1 = LocationFactory(warehouse=wh, code="B-01", path="B-01")
    box = UnitFactory(code="BOX", name="箱")
    water = ItemFactory(sku="WATER", name="矿泉水")
    ItemUnitFactory(item=water, unit=box, factor=D(24))
    yog = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)
    level = PriceLevelFactory(code="WHOLESALE", name="批发价")
    customer = CustomerFactory(code="K001", name="城东超市", price_level=level, credit_limit=D("50000.00"))
    price = SalesPrice.objects.create(item=water, price_level=level, unit=box, price=D("36.0000"))
    SalesPriceBreak.objects.create(sales_price=price, min_qty=D("50"), price=D("34.5000"))
    SalesPrice.objects.create(item=yog, price_level=level, unit=yog.base_unit, price=D("6.5000"))
    return {"wh": wh, "a1": a1, "b1": b1, "box": box, "water": water, "yog": yog, "customer": customer}


N = [0]


def stock(item, location, qty, cost, batch=None, user=None):
    N[0] += 1
    post_moves(
        doc_type="test-in",
        doc_id=N[0],
        doc_number=f"IN-{N[0]}",
        lines=[MoveLine(item.pk, location.pk, D(qty), batch.pk if batch else None, unit_cost=D(cost))],
        user=user or UserFactory(),
    )


def order(world, people, lines, **fields):
    so = services.order_create(
        customer=world["customer"], warehouse=world["wh"], user=people["chen"], **fields
    )
    services.order_set_lines(order_id=so.pk, lines=lines)
    so.refresh_from_db()
    return so


def test_totals_from_the_price_level_with_breaks_conversion_discount_and_tax(world, people):
    w, box = world["water"], world["box"]
    so = order(
        world,
        people,
        [
            services.SalesLineInput(item=w, unit_id=box.pk, qty=D(10)),  # ¥36.00 a box
            services.SalesLineInput(item=w, unit_id=box.pk, qty=D(60), discount=D("2.5")),  # break: ¥34.50
            services.SalesLineInput(
                item=w, unit_id=w.base_unit_id, qty=D(30), tax_rate=D(9)
            ),  # 36 / 24 = ¥1.50
        ],
    )
    a, b, c = so.lines.order_by("id")
    assert (a.price, a.amount, a.tax) == (D("36.0000"), D("360.00"), D("46.80"))
    # 60 × 34.50 = 2,070.00 less 2.5% = 2,018.25; tax 262.3725 → 262.37
    assert (b.price, b.base_qty, b.amount, b.tax) == (D("34.5000"), D(1440), D("2018.25"), D("262.37"))
    # 30 bottles × 1.50 = 45.00; 9% = 4.05
    assert (c.price, c.amount, c.tax) == (D("1.5000"), D("45.00"), D("4.05"))
    assert (so.total_net, so.total_tax, so.total) == (D("2423.25"), D("313.22"), D("2736.47"))


def test_confirm_reserves_and_cancel_releases(world, people):
    w, wh = world["water"], world["wh"]
    stock(w, world["a1"], 240, "1.00")
    so = order(world, people, [services.SalesLineInput(item=w, unit_id=world["box"].pk, qty=D(4))])  # 96
    services.order_confirm(order_id=so.pk, user=people["chen"])
    so.refresh_from_db()
    assert so.status == OrderStatus.CONFIRMED and so.confirmed_by == people["chen"]
    assert availability(w.pk, wh.pk) == (D(240), D(96))  # on hand 240, reserved 96, available 144
    services.order_cancel(order_id=so.pk, user=people["chen"])
    assert availability(w.pk, wh.pk) == (D(240), D(0))
    assert ledger_differences() == []


def test_short_is_refused_naming_what_is_short_unless_a_backorder_is_allowed(world, people):
    w, box = world["water"], world["box"]
    stock(w, world["a1"], 960, "1.00")  # 40 boxes
    so = order(world, people, [services.SalesLineInput(item=w, unit_id=box.pk, qty=D(50))])
    with pytest.raises(Exception) as refused:
        services.order_confirm(order_id=so.pk, user=people["chen"])
    assert refused.value.message == (
        "Not enough available to reserve: WATER 矿泉水 in 上海总仓: wanted 1,200 个, available 960."
    )
    so.refresh_from_db()
    assert so.status == OrderStatus.DRAFT and availability(w.pk, world["wh"].pk) == (D(960), D(0))
    # split it: 40 now, the rest as a backorder
    services.order_set_lines(
        order_id=so.pk,
        lines=[services.SalesLineInput(item=w, unit_id=box.pk, qty=D(50), allow_backorder=True)],
    )
    services.order_confirm(order_id=so.pk, user=people["chen"])
    assert availability(w.pk, world["wh"].pk) == (D(960), D(960))


def test_over_the_credit_limit_a_manager_approves(world, people):
    world["customer"].credit_limit = D("1000.00")
    world["customer"].save()
    stock(world["water"], world["a1"], 960, "1.00")
    so = order(
        world, people, [services.SalesLineInput(item=world["water"], unit_id=world["box"].pk, qty=D(30))]
    )
    assert so.total == D("1220.40")  # 30 × 36 = 1,080 + 140.40
    services.order_confirm(order_id=so.pk, user=people["chen"])
    so.refresh_from_db()
    assert so.status == OrderStatus.PENDING and availability(world["water"].pk, world["wh"].pk)[1] == 0
    assert so.events.last().note == "Credit limit 1,000.00; with this order 1,220.40."
    with pytest.raises(services.InvalidTransition, match="cannot approve an order you created"):
        services.order_approve(order_id=so.pk, user=people["chen"])
    services.order_approve(order_id=so.pk, user=people["boss"])
    so.refresh_from_db()
    assert so.status == OrderStatus.CONFIRMED and so.approved_by == people["boss"]
    assert availability(world["water"].pk, world["wh"].pk) == (D(960), D(720))


def test_fefo_picking_skips_expired_batches_and_cogs_is_the_moving_average(world, people):
    yog, wh = world["yog"], world["wh"]
    today = timezone.localdate()
    expired = BatchFactory(item=yog, batch_no="Y-OLD", expiry_date=today - timedelta(days=1))
    soon = BatchFactory(item=yog, batch_no="Y-SOON", expiry_date=today + timedelta(days=5))
    later = BatchFactory(item=yog, batch_no="Y-LATE", expiry_date=today + timedelta(days=20))
    stock(yog, world["a1"], 50, "3.00", batch=expired)
    stock(yog, world["b1"], 30, "3.00", batch=soon)
    stock(yog, world["a1"], 100, "4.20", batch=later)
    # average: (150 + 90 + 420) / 180 = 3.666666…
    so = order(world, people, [services.SalesLineInput(item=yog, unit_id=yog.base_unit_id, qty=D(40))])
    services.order_confirm(order_id=so.pk, user=people["chen"])
    shipment = services.shipment_create(order_id=so.pk, user=people["wang"])
    picks = [
        (ln.batch.batch_no, ln.location.code, ln.base_qty)
        for ln in shipment.lines.select_related("batch", "location")
    ]
    assert picks == [("Y-SOON", "B-01", D(30)), ("Y-LATE", "A-01", D(10))]  # never Y-OLD
    # the clerk ships only the 30 of Y-SOON now
    services.shipment_set_picks(
        shipment_id=shipment.pk,
        picks=[services.PickInput(shipment.lines.first().order_line_id, world["b1"].pk, D(30), soon.pk)],
    )
    services.shipment_post(shipment_id=shipment.pk, user=people["wang"])
    line = shipment.lines.get()
    # 30 × 660/180 = 110.00 at the moving average; billed 30 × 6.50 = 195.00 + 25.35 tax
    assert (line.cost, line.amount, line.tax) == (D("110.00"), D("195.00"), D("25.35"))
    assert StockMove.objects.get(posting__doc_type="shipment").value == D("-110.00")
    so.refresh_from_db()
    assert so.status == OrderStatus.PARTIAL
    assert availability(yog.pk, wh.pk) == (D(150), D(10))  # 10 of Y-LATE still reserved
    with pytest.raises(AlreadyPosted):
        services.shipment_post(shipment_id=shipment.pk, user=people["wang"])
    rest = services.shipment_create(order_id=so.pk, user=people["wang"])
    assert [(ln.batch.batch_no, ln.base_qty) for ln in rest.lines.select_related("batch")] == [
        ("Y-LATE", D(10))
    ]
    services.shipment_post(shipment_id=rest.pk, user=people["wang"])
    so.refresh_from_db()
    assert so.status == OrderStatus.SHIPPED and so.processing_time is not None
    last = rest.lines.get()
    # the last units carry what is left of the line: 260.00 − 195.00 = 65.00, tax 33.80 − 25.35 = 8.45
    assert (last.amount, last.tax) == (D("65.00"), D("8.45"))
    assert availability(yog.pk, wh.pk) == (D(140), D(0))
    assert ledger_differences() == []


def test_close_drops_the_backorder_and_releases_its_reservation(world, people):
    w = world["water"]
    stock(w, world["a1"], 100, "1.00")
    so = order(world, people, [services.SalesLineInput(item=w, unit_id=w.base_unit_id, qty=D(80))])
    services.order_confirm(order_id=so.pk, user=people["chen"])
    shipment = services.shipment_create(order_id=so.pk, user=people["wang"])
    services.shipment_set_picks(
        shipment_id=shipment.pk,
        picks=[services.PickInput(shipment.lines.first().order_line_id, world["a1"].pk, D(50))],
    )
    services.shipment_post(shipment_id=shipment.pk, user=people["wang"])
    assert availability(w.pk, world["wh"].pk) == (D(50), D(30))
    with pytest.raises(services.InvalidTransition, match="close it to drop what is still open"):
        services.order_cancel(order_id=so.pk, user=people["chen"])
    services.order_close(order_id=so.pk, user=people["chen"])
    assert availability(w.pk, world["wh"].pk) == (D(50), D(0))


def test_shipping_more_than_is_open_is_refused(world, people):
    w = world["water"]
    stock(w, world["a1"], 100, "1.00")
    so = order(world, people, [services.SalesLineInput(item=w, unit_id=w.base_unit_id, qty=D(10))])
    services.order_confirm(order_id=so.pk, user=people["chen"])
    shipment = services.shipment_create(order_id=so.pk, user=people["wang"])
    services.shipment_set_picks(
        shipment_id=shipment.pk,
        picks=[services.PickInput(shipment.lines.first().order_line_id, world["a1"].pk, D(11))],
    )
    with pytest.raises(services.SalesError, match="11 to ship, but only 10 个 are still open"):
        services.shipment_post(shipment_id=shipment.pk, user=people["wang"])
    assert availability(w.pk, world["wh"].pk) == (D(100), D(10))


def test_returns_restock_at_the_cost_shipped_or_scrap(world, people):
    w = world["water"]
    stock(w, world["a1"], 100, "2.00")
    so = order(world, people, [services.SalesLineInput(item=w, unit_id=w.base_unit_id, qty=D(40))])  # ¥1.50
    services.order_confirm(order_id=so.pk, user=people["chen"])
    shipment = services.shipment_create(order_id=so.pk, user=people["wang"])
    services.shipment_post(shipment_id=shipment.pk, user=people["wang"])
    stock(w, world["a1"], 60, "3.00")  # the average moves on: (120 + 180) / 120 = 2.50
    sl = shipment.lines.get()
    assert sl.cost == D("80.00")
    ret = services.return_post(
        shipment_id=shipment.pk,
        user=people["chen"],
        reason="破损",
        lines=[services.ReturnLineInput(sl.pk, D(10), restock=True, location_id=world["b1"].pk)],
    )
    # back at ¥2.00 (what they left with), credited 10 × 1.50 = 15.00 + 1.95 tax
    assert StockMove.objects.get(posting=ret.posting).value == D("20.00")
    assert ret.amount == D("16.95")
    scrap = services.return_post(
        shipment_id=shipment.pk,
        user=people["chen"],
        reason="过期",
        lines=[services.ReturnLineInput(sl.pk, D(30), restock=False)],
    )
    assert scrap.posting is None and scrap.amount == D("67.80") - D("16.95")  # the rest of 60.00 + 7.80
    assert StockBalance.objects.get(item=w, location=world["b1"]).on_hand == D(10)
    with pytest.raises(services.SalesError, match="only 0 of this shipment are left"):
        services.return_post(
            shipment_id=shipment.pk,
            user=people["chen"],
            reason="x",
            lines=[services.ReturnLineInput(sl.pk, D(1), False)],
        )
    assert ItemValuation.objects.get(item=w).qty == D(130)
    assert ledger_differences() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_eight_sellers_confirming_for_the_last_units_reserve_at_most_what_is_there(world, people):
    w = world["water"]
    stock(w, world["a1"], 10, "1.00")
    orders = [
        order(world, people, [services.SalesLineInput(item=w, unit_id=w.base_unit_id, qty=D(3))])
        for _ in range(8)
    ]
    barrier = threading.Barrier(8)
    results = []

    def work(so):
        try:
            barrier.wait()
            services.order_confirm(order_id=so.pk, user=people["chen"])
            results.append("confirmed")
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results.append(getattr(exc, "message", repr(exc))[:32])
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(so,)) for so in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # 10 units, 3 each: three confirm, five are refused
    assert sorted(results) == ["Not enough available to reserve:"] * 5 + ["confirmed"] * 3
    assert availability(w.pk, world["wh"].pk) == (D(10), D(9))
    assert ledger_differences() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_shipment_posted_twice_at_once_ships_once(world, people):
    w = world["water"]
    stock(w, world["a1"], 10, "1.00")
    so = order(world, people, [services.SalesLineInput(item=w, unit_id=w.base_unit_id, qty=D(6))])
    services.order_confirm(order_id=so.pk, user=people["chen"])
    shipment = services.shipment_create(order_id=so.pk, user=people["wang"])
    barrier = threading.Barrier(2)
    results = []

    def work():
        try:
            barrier.wait()
            services.shipment_post(shipment_id=shipment.pk, user=people["wang"])
            results.append("posted")
        except AlreadyPosted:
            results.append("already")
        except InsufficientStock as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["already", "posted"]
    assert availability(w.pk, world["wh"].pk) == (D(4), D(0))
    assert ledger_differences() == []


def test_a_shipment_cannot_be_dated_before_its_order(world, people):
    water = world["water"]
    stock(water, world["a1"], 48, "1.00")
    today = timezone.localdate()
    so = order(world, people, [services.SalesLineInput(item=water, unit_id=world["box"].pk, qty=D(1))])
    services.order_confirm(order_id=so.pk, user=people["chen"])
    shipment = services.shipment_create(
        order_id=so.pk, user=people["wang"], posting_date=today - timedelta(days=1)
    )
    with pytest.raises(services.SalesError, match="The shipping date cannot be before the order date."):
        services.shipment_post(shipment_id=shipment.pk, user=people["wang"])
    shipment.refresh_from_db()
    assert (shipment.status, shipment.posting_id) == ("draft", None)
    assert StockMove.objects.count() == 1  # only the stock put in
