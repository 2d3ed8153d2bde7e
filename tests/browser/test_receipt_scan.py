import re
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
    page.evaluate("window.__sameScreen = true")  # gone if the page reloads

    scan = page.locator("#scan-field")
    scan.focus()
    # A wedge scanner types fast: two scans back to back, the second before the first answer.
    scan.type("6901234567892\n6901234567892\n", delay=5)
    expect(page.locator("input.line-qty").first).to_have_value("2")
    expect(page.locator("#scan-message")).to_have_text("COLA 可乐 330ml × 2")
    scan.type("0000")
    scan.press("Enter")
    expect(page.locator("#scan-message")).to_have_text("No item has the code 0000.")
    expect(scan).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("input.line-qty")).to_have_count(1)  # nothing entered was lost or doubled
    expect(page.locator("input.line-qty").first).to_have_value("2")
    expect(scan).to_be_focused()
    expect(scan).to_have_value("")
    assert page.evaluate("window.__sameScreen") is True

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
