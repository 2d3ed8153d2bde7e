"""Picking and shipping (JOURNEYS §4): a clerk with a scanner on a phone opens a confirmed order
from "waiting to ship", scans a bin and then items (each scan counts up without a reload), a
wrong code beeps and is told in Chinese without losing the count, and posting ships what was
picked: the order is partially shipped. No request leaves the server."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from playwright.sync_api import Page, expect

from inventory.services import MoveLine, post_moves
from sales import services
from sales.models import DocStatus, OrderStatus, SalesPrice, Shipment
from tests.browser.conftest import assert_same_origin
from tests.factories import BatchFactory, CustomerFactory, ItemFactory, LocationFactory, PriceLevelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def scan(page: Page, code: str) -> None:
    field = page.locator("#ship-scan-field")
    field.focus()
    expect(field).to_be_focused()
    field.type(code)
    field.press("Enter")


@pytest.fixture
def order(users, warehouse_a):
    """40 yoghurts confirmed for a customer: 30 of the batch expiring first in B-01, the rest
    (of a later batch) in A-01; an expired batch in A-01 that must never be offered."""
    today = timezone.localdate()
    a1 = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    b1 = LocationFactory(warehouse=warehouse_a, code="B-01", path="B-01")
    yog = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)
    for n, (location, batch_no, days, qty) in enumerate(
        [(a1, "Y-OLD", -1, 50), (b1, "Y-SOON", 5, 30), (a1, "Y-LATE", 20, 100)], start=1
    ):
        batch = BatchFactory(item=yog, batch_no=batch_no, expiry_date=today + timedelta(days=days))
        post_moves(
            doc_type="test-in",
            doc_id=n,
            doc_number=f"IN-{n}",
            lines=[MoveLine(yog.pk, location.pk, Decimal(qty), batch.pk, unit_cost=Decimal("3.00"))],
            user=users["manager"],
        )
    level = PriceLevelFactory(code="WHOLESALE", name="批发价")
    customer = CustomerFactory(code="K001", name="城东超市", price_level=level)
    SalesPrice.objects.create(item=yog, price_level=level, unit=yog.base_unit, price=Decimal("6.5000"))
    so = services.order_create(customer=customer, warehouse=warehouse_a, user=users["sales"])
    services.order_set_lines(
        order_id=so.pk, lines=[services.SalesLineInput(item=yog, unit_id=yog.base_unit_id, qty=Decimal(40))]
    )
    services.order_confirm(order_id=so.pk, user=users["sales"])
    return so


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_clerk_ships_a_confirmed_order_by_scanner_on_a_phone(
    page: Page, live_server, users, password, order, requests_seen, language
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("#language-select", language)
    page.wait_for_load_state("networkidle")
    page.fill("input[name=username]", users["clerk_a"].username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    page.goto(f"{live_server.url}/sales/shipments/")
    expect(page.locator("#orders-to-ship")).to_contain_text(order.number)
    expect(page.locator("#orders-to-ship")).not_to_contain_text("6.50")
    code = page.locator("#order-code")
    code.focus()
    code.type(order.number)
    code.press("Enter")
    expect(page.locator("#ship-scan-field")).to_be_visible()
    page.evaluate("window.__samePage = true")
    rows = page.locator(".pick-row")
    expect(rows).to_have_count(2)  # 30 of Y-SOON in B-01, then 10 of Y-LATE in A-01
    expect(rows.nth(0)).to_contain_text("Y-SOON")
    expect(rows.nth(1)).to_contain_text("Y-LATE")
    expect(page.locator("#ship-lines")).not_to_contain_text("Y-OLD")

    scan(page, "B-01")
    expect(page.locator("#current-location")).to_have_text("B-01")
    for _scan in range(3):
        scan(page, "YOG")
    soon = page.locator(".pick-row[data-bin='B-01']")
    expect(soon.locator(".picked")).to_have_text("3")
    expect(page.locator(".line-head .picked-total")).to_have_text("3")

    scan(page, "6999")
    with translation.override(language):
        expected = _("No item or bin has the code %(code)s.") % {"code": "6999"}
    expect(page.locator("#scan-message.scan-error")).to_have_text(expected)
    if language == "zh-hans":
        assert expected == "没有编码为“6999”的商品或库位。"
    expect(page.locator(".pick-row[data-bin='B-01'] .picked")).to_have_text("3")
    expect(page.locator("#ship-scan-field")).to_be_focused()

    # two more taken by hand: typing the quantity saves it
    qty = page.locator(".pick-row[data-bin='B-01'] input[name=qty]")
    qty.fill("5")
    qty.press("Tab")
    expect(page.locator(".pick-row[data-bin='B-01'] .picked")).to_have_text("5")
    assert page.evaluate("window.__samePage") is True, "the page reloaded"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.click("#post-shipment")
    with translation.override(language):
        expect(page.locator("#shipment-status")).to_have_text(str(DocStatus.POSTED.label))
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    line = Shipment.objects.get(order=order).lines.select_related("batch", "location").get()
    assert (line.location.code, line.batch.batch_no, line.base_qty) == ("B-01", "Y-SOON", Decimal(5))
    expect(page.locator("body")).not_to_contain_text("6.50")  # a clerk sees no price or cost
    assert_same_origin(requests_seen, live_server.url)
