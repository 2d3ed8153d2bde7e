"""A small world for the buying cycle: supplier 华东食品 selling milk by the box (1 箱 = 24 瓶)
with a 100-box price break, warehouse SH with two bins, and the people of the flow."""

from decimal import Decimal

import pytest

from purchasing import services
from tests.factories import (
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    PriceBreakFactory,
    SupplierFactory,
    SupplierItemFactory,
    UnitFactory,
    UserFactory,
    WarehouseFactory,
)


def D(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def buyer(roles):
    return UserFactory(username="lina", roles=["purchasing"])


@pytest.fixture
def boss(roles):
    return UserFactory(username="zhang", roles=["manager"])


@pytest.fixture
def wh(db):
    return WarehouseFactory(code="SH", name="上海总仓")


@pytest.fixture
def storeman(roles, wh):
    user = UserFactory(username="wangqiang", roles=["warehouse_clerk"])
    wh.members.add(user)
    return user


@pytest.fixture
def bin_a(wh):
    return LocationFactory(warehouse=wh, code="A-01", path="A-01")


@pytest.fixture
def bin_b(wh):
    return LocationFactory(warehouse=wh, code="B-01", path="B-01")


@pytest.fixture
def box(db):
    return UnitFactory(code="BOX", name="箱")


@pytest.fixture
def milk(box):
    item = ItemFactory(sku="MILK", name="纯牛奶")
    ItemUnitFactory(item=item, unit=box, factor=D("24"))
    return item


@pytest.fixture
def yoghurt(box):
    item = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)
    ItemUnitFactory(item=item, unit=box, factor=D("12"))
    return item


@pytest.fixture
def supplier(db):
    return SupplierFactory(code="HDSP", name="华东食品", default_lead_time_days=5)


@pytest.fixture
def milk_price(supplier, milk, box):
    """¥60.00 a box, ¥55.50 from 100 boxes."""
    si = SupplierItemFactory(supplier=supplier, item=milk, unit=box, price=D("60.0000"), is_preferred=True)
    PriceBreakFactory(supplier_item=si, min_qty=D("100"), price=D("55.5000"))
    return si


@pytest.fixture
def yoghurt_price(supplier, yoghurt, box):
    return SupplierItemFactory(supplier=supplier, item=yoghurt, unit=box, price=D("30.0000"))


@pytest.fixture
def approved_order(supplier, wh, buyer, boss, milk, yoghurt, milk_price, yoghurt_price, box, bin_a):
    """10 boxes of milk at ¥60 and 20 boxes of yoghurt at ¥30, approved."""
    order = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    services.order_set_lines(
        order_id=order.pk,
        lines=[
            services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("10")),
            services.OrderLineInput(item=yoghurt, unit_id=box.pk, qty=D("20")),
        ],
    )
    services.order_submit(order_id=order.pk, user=buyer)
    order.refresh_from_db()
    return order
