from decimal import Decimal

import pytest

from tests.factories import BatchFactory, ItemFactory, LocationFactory, UserFactory, WarehouseFactory


@pytest.fixture
def clerk(db):
    return UserFactory(username="poster")


@pytest.fixture
def wh(db):
    return WarehouseFactory(code="SH", name="上海总仓")


@pytest.fixture
def loc_a(wh):
    return LocationFactory(warehouse=wh, code="A-01")


@pytest.fixture
def loc_b(wh):
    return LocationFactory(warehouse=wh, code="B-01")


@pytest.fixture
def milk(db):
    return ItemFactory(sku="MILK", name="纯牛奶")


@pytest.fixture
def batch_item(db):
    return ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)


@pytest.fixture
def batch(batch_item):
    return BatchFactory(item=batch_item, batch_no="L20261101")


def D(text: str) -> Decimal:
    return Decimal(text)
