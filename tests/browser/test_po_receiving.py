"""The dock (JOURNEYS §2): a clerk with a scanner on a phone receives a purchase order — the PO
number opens it, a bin label chooses the put-away location, each case scanned counts up without
a reload and the line turns green when complete, a wrong code beeps and says so in Chinese
without losing the count, a crushed case is rejected with a reason, and posting leaves the order
partially received with its backorder. No request leaves the server."""

import re
from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from inventory.models import StockBalance
from purchasing import services
from purchasing.models import OrderStatus, ReceiptStatus
from tests.browser.conftest import assert_same_origin
from tests.factories import (
    ItemBarcodeFactory,
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    SupplierFactory,
    SupplierItemFactory,
    UnitFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def scan(page: Page, code: str) -> None:
    field = page.locator("#receipt-scan-field")
    field.focus()
    expect(field).to_be_focused()
    field.type(code)
    field.press("Enter")


@pytest.fixture
def order(users, warehouse_a):
    LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    LocationFactory(warehouse=warehouse_a, code="B-07", path="B-07")
    box = UnitFactory(code="BOX", name="箱")
    milk = ItemFactory(sku="MILK", name="纯牛奶")
    ItemUnitFactory(item=milk, unit=box, factor=Decimal("24"))
    ItemBarcodeFactory(item=milk, barcode="6900000000017", unit=box)
    tea = ItemFactory(sku="TEA", name="绿茶")
    supplier = SupplierFactory(code="HDSP", name="华东食品")
    SupplierItemFactory(supplier=supplier, item=milk, unit=box, price=Decimal("60"))
    SupplierItemFactory(supplier=supplier, item=tea, price=Decimal("3"))
    po = services.order_create(supplier=supplier, warehouse=warehouse_a, user=users["purchasing"])
    services.order_set_lines(
        order_id=po.pk,
        lines=[
            services.OrderLineInput(item=milk, unit_id=box.pk, qty=Decimal("3")),
            services.OrderLineInput(item=tea, unit_id=tea.base_unit_id, qty=Decimal("10")),
        ],
    )
    services.order_submit(order_id=po.pk, user=users["purchasing"])
    return po


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_clerk_receives_a_purchase_order_by_scanner_on_a_phone(
    page: Page, live_server, users, password, order, requests_seen, language
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("#language-select", language)
    page.wait_for_load_state("networkidle")
    page.fill("input[name=username]", users["clerk_a"].username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    page.goto(f"{live_server.url}/purchasing/receipts/")
    code = page.locator("#order-code")
    code.focus()
    code.type(order.number)
    code.press("Enter")
    expect(page.locator("#receipt-scan-field")).to_be_visible()
    page.evaluate("window.__samePage = true")
    expect(page.locator(".receipt-line")).to_have_count(2)

    scan(page, "B-07")
    expect(page.locator("#current-location")).to_have_text("B-07")
    for _ in range(3):
        scan(page, "6900000000017")
    milk = page.locator(".receipt-line[data-sku=MILK]")
    expect(milk.locator(".counted")).to_have_text("3")
    expect(milk.locator(".line-head")).to_have_class(re.compile(r"complete"))

    scan(page, "NO-SUCH-CODE")
    expect(page.locator("#scan-message.scan-error")).to_contain_text("NO-SUCH-CODE")
    expect(milk.locator(".counted")).to_have_text("3")
    expect(page.locator("#receipt-scan-field")).to_be_focused()

    # one case was crushed: accept 2, reject 1 as damaged (each change saves at once)
    milk.locator("input[name$=accepted_qty]").fill("2")
    milk.locator("input[name$=accepted_qty]").press("Tab")
    expect(page.locator(".receipt-line[data-sku=MILK] .counted")).to_have_text("2")
    milk = page.locator(".receipt-line[data-sku=MILK]")
    milk.locator("select[name$=reject_reason]").select_option("damaged")
    milk = page.locator(".receipt-line[data-sku=MILK]")
    milk.locator("input[name$=rejected_qty]").fill("1")
    milk.locator("input[name$=rejected_qty]").press("Tab")
    expect(page.locator(".receipt-line[data-sku=MILK] .rejected")).to_have_text("1")  # saved
    assert page.evaluate("window.__samePage") is True, "the page reloaded"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.click("#post-receipt")
    with translation.override(language):
        expect(page.locator("#receipt-status")).to_have_text(str(ReceiptStatus.POSTED.label))
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    line = order.lines.get(item__sku="MILK")
    assert (line.received_base_qty, line.rejected_base_qty, line.backorder_base_qty) == (
        Decimal("48"),
        Decimal("24"),
        Decimal("24"),
    )
    assert StockBalance.objects.get(item__sku="MILK", location__code="B-07").on_hand == Decimal("48")
    assert_same_origin(requests_seen, live_server.url)


def test_a_wrong_scan_is_told_in_chinese(page: Page, live_server, users, password, order, requests_seen):
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=username]", users["clerk_a"].username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    receipt = services.receipt_create(order_id=order.pk, user=users["clerk_a"])
    page.goto(f"{live_server.url}/purchasing/receipts/{receipt.pk}/receive/")
    scan(page, "TEA")
    scan(page, "6999")
    with translation.override("zh-hans"):
        expected = "没有编码为“6999”的商品或库位。"
    expect(page.locator("#scan-message.scan-error")).to_have_text(expected)
    expect(page.locator(".receipt-line[data-sku=TEA] .counted")).to_have_text("1")
    assert_same_origin(requests_seen, live_server.url)
