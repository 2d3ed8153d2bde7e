from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from inventory.models import StockBalance, StockDocument
from tests.browser.conftest import assert_same_origin
from tests.factories import ItemBarcodeFactory, ItemFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_receives_by_scanning_and_posts(
    page: Page, live_server, users, password, warehouse_a, requests_seen
):
    item = ItemFactory(sku="COLA", name="可乐 330ml")
    ItemBarcodeFactory(item=item, barcode="6901234567892")
    bin_ = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", users["clerk_a"].username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    page.goto(f"{live_server.url}/inventory/documents/new/?kind=receipt")

    scan = page.locator("#scan-field")
    for code in ["6901234567892", "6901234567892", "0000"]:
        scan.focus()
        scan.type(code)
        scan.press("Enter")
        expect(page.locator("#scan-message")).not_to_be_empty()
    expect(page.locator("#scan-message")).to_have_text("No item has the code 0000.")
    expect(page.locator("input.line-qty").first).to_have_value("2")
    expect(scan).to_be_focused()

    page.select_option("select.line-location", str(bin_.pk))
    page.fill("input[name='lines-0-unit_cost']", "1.50")
    page.click("#save-button")
    expect(page.locator("#doc-status")).to_have_text("Draft")
    page.click("button[data-action='post']")
    expect(page.locator("#doc-status")).to_have_text("Posted")

    doc = StockDocument.objects.get()
    assert doc.status == "posted"
    assert StockBalance.objects.get(item=item, location=bin_).on_hand == Decimal("2")
    assert_same_origin(requests_seen, live_server.url)
