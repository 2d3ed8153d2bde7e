"""A blind stocktake counted on a phone with a keyboard-wedge scanner: the bin label, then the
items; the count goes up without a page reload, a wrong code says so and keeps the count, the
book quantity never shows, and no request leaves the server."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from inventory.models import StockCountLine
from inventory.services import MoveLine, count_create, count_start, post_moves
from tests.browser.conftest import assert_same_origin
from tests.factories import ItemBarcodeFactory, ItemFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def scan(page: Page, code: str) -> None:
    field = page.locator("#count-scan-field")
    field.focus()
    field.type(code)
    field.press("Enter")


@pytest.fixture
def counting(users, warehouse_a):
    bin_a = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    milk = ItemFactory(sku="MILK", name="纯牛奶")
    ItemBarcodeFactory(item=milk, barcode="6900000000028")
    post_moves(
        doc_type="seed",
        doc_id=1,
        doc_number="SEED-1",
        user=users["manager"],
        lines=[MoveLine(milk.pk, bin_a.pk, Decimal("17"), unit_cost=Decimal("2.50"))],
    )
    count = count_create(warehouse=warehouse_a, user=users["manager"], blind=True)
    count_start(count_id=count.pk, user=users["manager"])
    return count


def test_a_clerk_counts_a_bin_blind_on_a_phone(
    page: Page, live_server, users, password, counting, requests_seen
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", users["clerk_a"].username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    page.goto(f"{live_server.url}/inventory/counts/{counting.pk}/sheet/")
    page.evaluate("window.__sameSheet = true")

    # the book quantity (17) is nowhere on the clerk's sheet
    expect(page.locator("#count-lines")).to_be_visible()
    assert page.locator("[data-book]").count() == 0
    # blind: no cell shows the book quantity (a cell's text, not a substring: 17:09 is a time)
    assert "17" not in [cell.strip() for cell in page.locator("#count-lines td").all_inner_texts()]

    scan(page, "A-01")
    expect(page.locator("#current-location")).to_have_text("A-01")
    for _ in range(3):
        scan(page, "6900000000028")
    expect(page.locator("input.count-qty")).to_have_value("3")

    scan(page, "NO-SUCH-CODE")
    expect(page.locator("#scan-message.scan-error")).to_be_visible()
    expect(page.locator("input.count-qty")).to_have_value("3")
    expect(page.locator("#count-scan-field")).to_be_focused()

    # one more by the SKU typed in lower case: the scanner's field takes either
    scan(page, "milk")
    expect(page.locator("input.count-qty")).to_have_value("4")

    assert page.evaluate("window.__sameSheet") is True, "the page reloaded"
    # a phone screen: nothing wider than the viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    line = StockCountLine.objects.get(count=counting)
    assert (line.counted_qty, line.counted_by) == (Decimal("4"), users["clerk_a"])
    assert_same_origin(requests_seen, live_server.url)
