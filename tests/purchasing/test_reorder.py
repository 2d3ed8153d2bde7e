"""Reorder suggestions (补货建议): available + on order against the reorder point, the quantity
rounded to the supplier's minimum order and pack, the preferred or cheapest supplier and its
price-list price; ticked lines become one draft purchase order per supplier and warehouse.

The world (on top of tests/purchasing/conftest.py), warehouse SH 上海总仓:
  MILK 纯牛奶 (base 瓶, 1 BOX = 24): reorder point 1200, safety 240, max 2900.
      华东食品 (preferred): ¥60.00/BOX, ¥55.50 from 100 BOX, minimum 10 BOX, packs of 5 BOX.
      光明乳业: ¥50.00/BOX, cheaper but not preferred.
      Stock: 200 in A-01 (+72 received below) and 110 in B-01; 40 reserved in A-01.
      Orders: approved 10 BOX (240) of which 3 BOX (72) received → partial;
              a draft of 50 BOX (1200) that must not count.
  TEA 茶饮 (base PCS, 1 BOX = 12): reorder point 100, safety 50, no max. Stock 30.
      华东食品 ¥2.80/PCS; 杭州饮品 ¥33.00/BOX (= ¥2.75/PCS, the cheaper), minimum 12 BOX.
  SPARE 备件: reorder point 5, stock 2, nobody sells it.
  SALT 食盐: reorder point 20, stock 500 (well above).  ZERO 样品: no reorder point, stock 1.
None of them has a lead time, so their own reorder points apply; the forecast's reorder points
(average daily demand × lead time + safety stock) are tested at the end on a sales history.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockBalance
from inventory.services import MoveLine, post_moves
from purchasing import services
from purchasing.models import OrderStatus, PurchaseOrder, PurchaseOrderLine
from purchasing.reorder import line_key, reorder_suggestions, suggested_qty
from sales import services as selling
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    ItemFactory,
    ItemUnitFactory,
    PriceBreakFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
)

URL = reverse("purchasing:reorder")


def D(text: str) -> Decimal:
    return Decimal(text)


# The world ------------------------------------------------------------------------------------


@pytest.fixture
def milk(box):
    item = ItemFactory(
        sku="MILK", name="纯牛奶", reorder_point=D("1200"), safety_stock=D("240"), max_stock=D("2900")
    )
    ItemUnitFactory(item=item, unit=box, factor=D("24"))
    return item


@pytest.fixture
def milk_price(supplier, milk, box):
    """华东食品, preferred: ¥60.00 a box, ¥55.50 from 100 boxes; at least 10 boxes, in fives."""
    si = SupplierItemFactory(
        supplier=supplier,
        item=milk,
        unit=box,
        price=D("60.0000"),
        min_order_qty=D("10"),
        pack_qty=D("5"),
        is_preferred=True,
    )
    PriceBreakFactory(supplier_item=si, min_qty=D("100"), price=D("55.5000"))
    return si


@pytest.fixture
def guangming(milk, box):
    gm = SupplierFactory(code="GMRY", name="光明乳业")
    SupplierItemFactory(supplier=gm, item=milk, unit=box, price=D("50.0000"))
    return gm


@pytest.fixture
def drinks(db):
    return CategoryFactory(code="DRINK", name="饮料")


@pytest.fixture
def tea(box, drinks):
    item = ItemFactory(sku="TEA", name="茶饮", category=drinks, reorder_point=D("100"), safety_stock=D("50"))
    ItemUnitFactory(item=item, unit=box, factor=D("12"))
    return item


@pytest.fixture
def hangzhou(db):
    return SupplierFactory(code="HZYP", name="杭州饮品")


@pytest.fixture
def tea_prices(supplier, hangzhou, tea, box):
    """¥2.80 a piece from 华东食品; ¥33.00 a box of 12 (¥2.75 a piece) from 杭州饮品, ≥ 12 boxes."""
    by_piece = SupplierItemFactory(supplier=supplier, item=tea, unit=tea.base_unit, price=D("2.8000"))
    by_box = SupplierItemFactory(
        supplier=hangzhou, item=tea, unit=box, price=D("33.0000"), min_order_qty=D("12")
    )
    return by_piece, by_box


@pytest.fixture
def spare(db):
    return ItemFactory(sku="SPARE", name="备件", reorder_point=D("5"), safety_stock=D("0"))


@pytest.fixture
def world(
    wh,
    bin_a,
    bin_b,
    buyer,
    storeman,
    milk,
    milk_price,
    guangming,
    tea,
    tea_prices,
    spare,
    approved_order,
    box,
):
    salt = ItemFactory(sku="SALT", name="食盐", reorder_point=D("20"))
    zero = ItemFactory(sku="ZERO", name="样品", reorder_point=D("0"), safety_stock=D("0"))
    post_moves(
        doc_type="seed",
        doc_id=1,
        doc_number="SEED-1",
        user=buyer,
        lines=[
            MoveLine(milk.pk, bin_a.pk, D("200"), unit_cost=D("2.5")),
            MoveLine(milk.pk, bin_b.pk, D("110"), unit_cost=D("2.5")),
            MoveLine(tea.pk, bin_a.pk, D("30"), unit_cost=D("2.7")),
            MoveLine(spare.pk, bin_a.pk, D("2"), unit_cost=D("100")),
            MoveLine(salt.pk, bin_a.pk, D("500"), unit_cost=D("1")),
            MoveLine(zero.pk, bin_a.pk, D("1"), unit_cost=D("1")),
        ],
    )
    # The approved order (10 BOX milk, 20 BOX yoghurt): 3 BOX of milk arrive → partly received.
    receipt = services.receipt_create(order_id=approved_order.pk, user=storeman)
    milk_line = receipt.lines.get(order_line__item=milk)
    services.receipt_set_lines(
        receipt_id=receipt.pk,
        lines=[
            services.ReceiptLineInput(
                order_line_id=milk_line.order_line_id, location_id=bin_a.pk, accepted_qty=D("3")
            )
        ],
    )
    services.receipt_post(receipt_id=receipt.pk, user=storeman)
    # Sales orders do not reserve through a service yet: set the reservation directly.
    StockBalance.objects.filter(item=milk, location=bin_a).update(reserved=D("40"))
    draft = services.order_create(supplier=milk_price.supplier, warehouse=wh, user=buyer)
    services.order_set_lines(
        order_id=draft.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("50"))]
    )
    approved_order.refresh_from_db()
    assert approved_order.status == OrderStatus.PARTIAL
    return {"salt": salt, "zero": zero, "draft": draft}


def by_sku(suggestions):
    return {(s.item.sku, s.warehouse.code): s for s in suggestions}


# What is suggested ----------------------------------------------------------------------------


def test_milk_counts_available_and_open_orders_but_not_drafts(world, milk_price):
    s = by_sku(reorder_suggestions())[("MILK", "SH")]

    # on hand 200 + 72 received in A-01, 110 in B-01 = 382; less 40 reserved = 342
    assert s.available == D("342")
    # approved 10 BOX = 240, 3 BOX = 72 received: 240 − 72 = 168; the 50-box draft does not count
    assert s.on_order == D("168")
    assert s.in_draft == D("1200")  # shown beside it: 50 × 24
    # 342 + 168 = 510 ≤ 1200 → reorder; the max 2900 is above the point, so it is the target
    assert s.target == D("2900")
    assert s.need_base == D("2390")  # 2900 − 510
    # 2390 / 24 = 99.58 BOX → at least 10, in fives → 100 BOX; the 100-box break then applies
    assert s.supplier_item == milk_price
    assert s.qty == D("100")
    assert s.base_qty == D("2400")
    assert s.price == D("55.5000")
    assert s.amount == D("5550.00")  # 100 × 55.50


def test_the_price_shown_is_what_the_price_list_asks_for_that_quantity(world, milk, box, milk_price):
    s = by_sku(reorder_suggestions())[("MILK", "SH")]

    listed = services.list_price(milk_price.supplier, milk, box.pk, s.qty)

    assert (s.price, s.supplier_item) == (listed.price, listed.supplier_item)
    # one pack fewer stays below the break: 95 BOX at the base price
    assert services.list_price(milk_price.supplier, milk, box.pk, D("95")).price == D("60.0000")


def test_the_preferred_supplier_wins_over_a_cheaper_one(world, guangming):
    s = by_sku(reorder_suggestions())[("MILK", "SH")]

    # 光明乳业 asks ¥50.00 a box against 华东食品's ¥60.00/55.50, but 华东食品 is preferred
    assert s.supplier_item.supplier.name == "华东食品"


def test_without_a_preferred_supplier_the_cheapest_per_base_unit_wins_and_the_minimum_applies(
    world, tea_prices
):
    _by_piece, by_box = tea_prices
    s = by_sku(reorder_suggestions())[("TEA", "SH")]

    # ¥2.80 a piece against ¥33.00 / 12 = ¥2.75 a piece → 杭州饮品, by the box
    assert s.supplier_item == by_box
    assert (s.available, s.on_order) == (D("30"), D("0"))
    # no max above the point: target = 100 + 50 safety = 150; need 150 − 30 = 120 = 10 BOX
    assert (s.target, s.need_base) == (D("150"), D("120"))
    # minimum order 12 BOX → 12 BOX = 144 pieces at ¥33.00 = ¥396.00
    assert (s.qty, s.base_qty, s.price, s.amount) == (D("12"), D("144"), D("33.0000"), D("396.00"))


def test_an_item_nobody_sells_is_listed_without_a_supplier(world, spare):
    s = by_sku(reorder_suggestions())[("SPARE", "SH")]

    # stock 2 ≤ point 5; target 5 + 0 safety; need 3
    assert (s.available, s.need_base) == (D("2"), D("3"))
    assert (s.supplier_item, s.qty, s.price, s.amount) == (None, None, None, None)


def test_items_above_their_point_or_without_one_are_not_suggested(world):
    listed = set(by_sku(reorder_suggestions()))

    # SALT 500 > 20; ZERO has no reorder point; YOG has 20 BOX = 240 on order > its point 20
    assert listed == {("MILK", "SH"), ("TEA", "SH"), ("SPARE", "SH")}


def test_an_open_order_counts_only_for_its_warehouse(world, milk, box, supplier, buyer):
    sz = WarehouseFactory(code="SZ", name="苏州分仓")
    order = services.order_create(supplier=supplier, warehouse=sz, user=buyer)
    services.order_set_lines(
        order_id=order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("5"))]
    )
    services.order_submit(order_id=order.pk, user=buyer)  # ¥339.00 is within the limit: approved

    found = by_sku(reorder_suggestions())

    assert found[("MILK", "SH")].on_order == D("168")  # unchanged
    sz_line = found[("MILK", "SZ")]
    # nothing in stock at SZ, 5 BOX = 120 on order; need 2900 − 120 = 2780 = 115.83 BOX
    # → in fives → 120 BOX, over 100: ¥55.50 → ¥6660.00
    assert (sz_line.available, sz_line.on_order, sz_line.need_base) == (D("0"), D("120"), D("2780"))
    assert (sz_line.qty, sz_line.price, sz_line.amount) == (D("120"), D("55.5000"), D("6660.00"))


def test_filters_by_warehouse_supplier_and_category(world, wh, hangzhou, supplier, drinks):
    other = WarehouseFactory(code="HZ", name="杭州前置仓")

    assert set(by_sku(reorder_suggestions(warehouse=other))) == set()
    assert set(by_sku(reorder_suggestions(warehouse=wh))) == {("MILK", "SH"), ("TEA", "SH"), ("SPARE", "SH")}
    # the lines each supplier would get; lines without a supplier go with no supplier filter
    assert set(by_sku(reorder_suggestions(supplier=hangzhou))) == {("TEA", "SH")}
    assert set(by_sku(reorder_suggestions(supplier=supplier))) == {("MILK", "SH")}
    assert set(by_sku(reorder_suggestions(category=drinks))) == {("TEA", "SH")}


def test_rounding_to_the_minimum_and_the_pack(milk_price):
    factor = D("24")
    # 2390 / 24 = 99.58 → 100 (a multiple of 5)
    assert suggested_qty(D("2390"), milk_price, factor) == D("100")
    # 24 / 24 = 1 BOX → the minimum, 10
    assert suggested_qty(D("24"), milk_price, factor) == D("10")
    # 265 / 24 = 11.04 → 15
    assert suggested_qty(D("265"), milk_price, factor) == D("15")
    # exactly at the point with nothing to top up still orders: the minimum, 10
    assert suggested_qty(D("0"), milk_price, factor) == D("10")


def test_nothing_to_top_up_and_no_minimum_orders_one_pack(milk_price):
    milk_price.min_order_qty = D("0")

    assert suggested_qty(D("0"), milk_price, D("24")) == D("5")


def test_the_number_of_queries_does_not_grow_with_the_items(world, wh, bin_a, buyer, supplier):
    with CaptureQueriesContext(connection) as before:
        reorder_suggestions()
    more = [ItemFactory(reorder_point=D("50")) for _ in range(6)]
    for item in more:
        SupplierItemFactory(supplier=supplier, item=item, price=D("1.0000"))
    post_moves(
        doc_type="seed",
        doc_id=2,
        doc_number="SEED-2",
        user=buyer,
        lines=[MoveLine(item.pk, bin_a.pk, D("1"), unit_cost=D("1")) for item in more],
    )

    with CaptureQueriesContext(connection) as after:
        found = reorder_suggestions()

    assert len(found) == 3 + 6
    assert len(after) == len(before) == 7  # balances, order lines, items, warehouses,
    # supplier items, their price breaks, unit conversions


# The reorder point from the sales forecast ------------------------------------------------------

AS_OF = date(2025, 6, 15)  # the forecast's first month is June: 30 days
MONTHS = [date(2024, 12, 10), *(date(2025, m, 10) for m in range(1, 6))]  # Dec 2024 … May 2025


@pytest.fixture
def trending(wh, bin_a, buyer, supplier):
    """UP 上升款 and FLAT 平稳款: lead time 10 days, safety stock 20, their own reorder point 100,
    no maximum; 华东食品 sells both by the piece. 710 of each in stock on 20 Nov 2024, then one
    order a month from SH, shipped on the 10th (December 2024 to May 2025):
        UP   30, 60, 90, 120, 150, 180 = 630      FLAT 105 every month = 630
    so 710 − 630 = 80 of each is left."""
    up = ItemFactory(sku="UP", name="上升款", reorder_point=D("100"), safety_stock=D("20"), lead_time_days=10)
    flat = ItemFactory(
        sku="FLAT", name="平稳款", reorder_point=D("100"), safety_stock=D("20"), lead_time_days=10
    )
    for item in (up, flat):
        SupplierItemFactory(supplier=supplier, item=item, price=D("4.0000"))
    post_moves(
        doc_type="opening",
        doc_id=1,
        doc_number="OPEN-1",
        user=buyer,
        lines=[MoveLine(i.pk, bin_a.pk, D("710"), unit_cost=D("2")) for i in (up, flat)],
        moved_at=timezone.make_aware(datetime.combine(date(2024, 11, 20), time(12))),
    )
    customer = CustomerFactory(code="K001", name="城东超市")
    for n, day in enumerate(MONTHS, start=1):
        so = selling.order_create(customer=customer, warehouse=wh, user=buyer, order_date=day)
        selling.order_set_lines(
            order_id=so.pk,
            lines=[
                selling.SalesLineInput(item=up, unit_id=up.base_unit_id, qty=D(30 * n), price=D("6")),
                selling.SalesLineInput(item=flat, unit_id=flat.base_unit_id, qty=D("105"), price=D("6")),
            ],
        )
        selling.order_confirm(order_id=so.pk, user=buyer)
        shipment = selling.shipment_create(order_id=so.pk, user=buyer, posting_date=day)
        selling.shipment_post(shipment_id=shipment.pk, user=buyer)
    return up, flat


def test_a_rising_history_raises_the_reorder_point_and_a_flat_one_lowers_it(trending):
    found = by_sku(reorder_suggestions(today=AS_OF))

    up = found[("UP", "SH")]
    # six months from the first sale: Holt's linear trend, +30 a month → June 210;
    # 210 / 30 days = 7 a day; 7 × 10 days' lead time + 20 safety = 90
    assert (up.point.per_day, up.reorder_point) == (D("7"), D("90"))
    assert up.point.method == "Holt's linear trend"
    assert up.point_basis == (
        "Forecast 7 a day × 10 days' lead time + safety stock 20 (Holt's linear trend)."
    )
    # 80 available ≤ 90 → reorder up to 90 + 20 = 110: need 30
    assert (up.available, up.target, up.need_base, up.qty) == (D("80"), D("110"), D("30"), D("30"))
    # FLAT: 105 → 3.5 a day × 10 + 20 = 55 < 80 available: not listed, though its own point 100
    # would have listed it
    assert ("FLAT", "SH") not in found


def test_four_months_give_the_average_month(trending):
    # as of 15 April the history is December to March: (30 + 60 + 90 + 120) / 4 = 75 for April;
    # 75 / 30 days = 2.5 a day × 10 + 20 = 45 < 80: UP is not listed then; FLAT: 105 / 30 = 3.5
    # → 55 < 80 neither
    found = by_sku(reorder_suggestions(today=date(2025, 4, 15)))

    assert ("UP", "SH") not in found and ("FLAT", "SH") not in found


def test_with_too_little_history_the_items_own_point_applies(trending):
    # as of 15 February only December and January are history: fewer than 3 months
    found = by_sku(reorder_suggestions(today=date(2025, 2, 15)))

    for sku in ("UP", "FLAT"):
        s = found[(sku, "SH")]
        # own point 100 ≥ 80 available; target 100 + 20 = 120; need 40
        assert (s.reorder_point, s.point.per_day, s.target, s.need_base) == (
            D("100"),
            None,
            D("120"),
            D("40"),
        )
        assert s.point_basis == "The item's reorder point."


def test_without_a_lead_time_the_forecast_is_not_used(trending):
    up, _flat = trending
    up.lead_time_days = 0
    up.save()

    s = by_sku(reorder_suggestions(today=AS_OF))[("UP", "SH")]

    assert (s.reorder_point, s.point.per_day) == (D("100"), None)


def test_the_forecast_costs_one_query_however_many_items(trending, bin_a, buyer):
    with CaptureQueriesContext(connection) as before:
        reorder_suggestions(today=AS_OF)
    more = [ItemFactory(reorder_point=D("50"), lead_time_days=5) for _ in range(4)]
    post_moves(
        doc_type="opening",
        doc_id=2,
        doc_number="OPEN-2",
        user=buyer,
        lines=[MoveLine(item.pk, bin_a.pk, D("1"), unit_cost=D("1")) for item in more],
    )

    with CaptureQueriesContext(connection) as after:
        found = reorder_suggestions(today=AS_OF)

    assert len(found) == 1 + 4  # UP, and the new items below their own point (no history)
    assert len(after) == len(before) == 8  # balances, order lines, monthly sales, items,
    # warehouses, supplier items, their price breaks, unit conversions


# Creating the orders --------------------------------------------------------------------------


def key(item, warehouse, supplier_item):
    return line_key(item.pk, warehouse.pk, supplier_item.pk if supplier_item else 0)


def post(client, lines: dict, query: str = ""):
    """lines: {key: quantity typed}; every key is ticked."""
    data = {"line": list(lines)}
    data.update({f"qty-{k}": v for k, v in lines.items()})
    return client.post(f"{URL}{query}", data)


@pytest.fixture
def lina(client, buyer):
    client.force_login(buyer)
    return client


def test_ticked_lines_become_one_draft_order_per_supplier(
    world, lina, buyer, wh, milk, tea, milk_price, tea_prices
):
    _by_piece, by_box = tea_prices
    before = set(PurchaseOrder.objects.values_list("pk", flat=True))

    response = post(lina, {key(milk, wh, milk_price): "100", key(tea, wh, by_box): "12"}, "?warehouse=")

    assert response.status_code == 302
    assert response["Location"] == f"{URL}?warehouse="
    new = list(PurchaseOrder.objects.exclude(pk__in=before).order_by("supplier__code"))
    assert [(o.supplier.code, o.warehouse.code, o.status) for o in new] == [
        ("HDSP", "SH", OrderStatus.DRAFT),
        ("HZYP", "SH", OrderStatus.DRAFT),
    ]
    hdsp, hzyp = new
    (milk_line,) = hdsp.lines.all()
    # 100 BOX at the 100-box break ¥55.50 = ¥5550.00, tax 13% = ¥721.50, total ¥6271.50
    assert (milk_line.item, milk_line.unit_id, milk_line.qty, milk_line.base_qty) == (
        milk,
        milk_price.unit_id,
        D("100"),
        D("2400"),
    )
    assert (milk_line.price, milk_line.list_price, milk_line.amount) == (D("55.5"), D("55.5"), D("5550.00"))
    assert (hdsp.total_net, hdsp.total_tax, hdsp.total) == (D("5550.00"), D("721.50"), D("6271.50"))
    (tea_line,) = hzyp.lines.all()
    # 12 BOX × ¥33.00 = ¥396.00, tax 396 × 13% = ¥51.48, total ¥447.48
    assert (tea_line.qty, tea_line.base_qty, tea_line.price) == (D("12"), D("144"), D("33"))
    assert (hzyp.total_net, hzyp.total_tax, hzyp.total) == (D("396.00"), D("51.48"), D("447.48"))
    assert {o.created_by for o in new} == {buyer}

    page = lina.get(response["Location"]).content.decode()
    assert f"Created 2 draft purchase order(s): {hdsp.number} (华东食品, 上海总仓), {hzyp.number}" in page


def test_an_edited_quantity_is_priced_for_itself(world, lina, wh, milk, milk_price):
    before = PurchaseOrder.objects.count()

    post(lina, {key(milk, wh, milk_price): "95"})

    order = PurchaseOrder.objects.order_by("-pk").first()
    assert PurchaseOrder.objects.count() == before + 1
    line = order.lines.get()
    # 95 BOX is below the 100-box break: ¥60.00 × 95 = ¥5700.00
    assert (line.qty, line.price, line.amount) == (D("95"), D("60"), D("5700.00"))


def test_two_warehouses_of_one_supplier_get_two_orders(world, lina, wh, milk, supplier, milk_price):
    sz = WarehouseFactory(code="SZ", name="苏州分仓")
    before = PurchaseOrder.objects.count()

    post(lina, {key(milk, wh, milk_price): "100", key(milk, sz, milk_price): "20"})

    assert PurchaseOrder.objects.count() == before + 2
    new = PurchaseOrder.objects.order_by("-pk")[:2]
    assert {(o.supplier, o.warehouse.code) for o in new} == {(supplier, "SH"), (supplier, "SZ")}


def counts():
    return PurchaseOrder.objects.count(), PurchaseOrderLine.objects.count()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "the quantity must be greater than zero"),
        ("-5", "the quantity must be greater than zero"),
        ("abc", "enter the quantity as a number"),
        # 12 is above the minimum of 10 but not in fives
        ("12", "华东食品 sells it in packs of 5 箱 with a minimum order of 10; order 15 instead of 12."),
        # 5 is a pack but below the minimum
        ("5", "华东食品 sells it in packs of 5 箱 with a minimum order of 10; order 10 instead of 5."),
    ],
)
def test_a_bad_quantity_is_refused_and_nothing_is_created(world, lina, wh, milk, milk_price, typed, message):
    before = counts()
    milk_key = key(milk, wh, milk_price)

    response = post(lina, {milk_key: typed})

    assert response.status_code == 200
    html = response.content.decode()
    assert "No purchase order was created" in html
    assert f"MILK 纯牛奶 for 上海总仓: {message}" in html
    assert counts() == before
    # what the buyer ticked and typed is still there
    assert f'value="{milk_key}" id="line-{milk_key}" checked' in html
    assert f'name="qty-{milk_key}" value="{typed}"' in html


def test_one_bad_line_spoils_the_whole_batch(world, lina, wh, milk, tea, milk_price, tea_prices):
    _by_piece, by_box = tea_prices
    before = counts()

    response = post(lina, {key(milk, wh, milk_price): "100", key(tea, wh, by_box): "0"})

    assert "TEA 茶饮 for 上海总仓: the quantity must be greater than zero" in response.content.decode()
    assert counts() == before


def test_nothing_ticked_says_so(world, lina):
    before = counts()

    response = lina.post(URL, {})

    assert "Tick at least one line to order." in response.content.decode()
    assert counts() == before


def test_an_unknown_item_or_a_forged_line_is_refused(world, lina, wh, spare, milk, milk_price, tea_prices):
    before = counts()
    _by_piece, by_box = tea_prices

    unknown = post(lina, {f"999999-{wh.pk}-{milk_price.pk}": "100"}).content.decode()
    no_supplier = post(lina, {key(spare, wh, None): "3"}).content.decode()
    wrong_item = post(lina, {key(milk, wh, by_box): "12"}).content.decode()  # a tea price for milk
    garbled = post(lina, {"1-2": "3"}).content.decode()

    assert "A ticked line names an item that does not exist (id 999999)." in unknown
    assert "SPARE 备件 for 上海总仓: no active supplier price to order from." in no_supplier
    assert "MILK 纯牛奶 for 上海总仓: no active supplier price to order from." in wrong_item
    assert "A ticked line could not be read; reload the page and try again." in garbled
    assert counts() == before


# The page -------------------------------------------------------------------------------------


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)"', html)


def test_the_page_lists_the_lines_with_what_to_order(world, lina, wh, milk, milk_price, spare):
    html = lina.get(URL).content.decode()

    assert rows(html) == ["MILK@SH", "SPARE@SH", "TEA@SH"]
    milk_key = key(milk, wh, milk_price)
    assert f'name="line" value="{milk_key}"' in html
    assert f'name="qty-{milk_key}" value="100"' in html
    assert "5,550.00" in html and "55.50" in html
    assert "1,200 on drafts" in html
    # SPARE has no supplier: no checkbox, and the page says why
    assert f'value="{key(spare, wh, None)}"' not in html
    assert re.search(r'data-key="SPARE@SH">\s*<td></td>', html)
    assert "No supplier: add a supplier item for this item first." in html
    assert "Available = on hand − reserved" in html


def test_the_page_filters_by_supplier(world, lina, hangzhou):
    html = lina.get(URL, {"supplier": hangzhou.pk}).content.decode()

    assert rows(html) == ["TEA@SH"]


def test_the_page_says_when_nothing_needs_ordering(lina, buyer, wh):
    html = lina.get(URL).content.decode()

    assert rows(html) == []
    assert "Nothing needs reordering for these filters." in html
    assert 'id="create-orders"' not in html


# Who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("purchasing", 200), ("manager", 200), ("administrator", 200), ("sales", 403), ("clerk_a", 403)],
)
def test_only_buyers_managers_and_administrators_open_the_page(client_for, role, status):
    assert client_for(role).get(URL).status_code == status


@pytest.mark.parametrize("role", ["sales", "clerk_a"])
def test_others_cannot_create_orders(world, client_for, wh, milk, milk_price, role):
    before = counts()

    response = post(client_for(role), {key(milk, wh, milk_price): "100"})

    assert response.status_code == 403
    assert counts() == before


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
