"""Scanning on an issue (first expiry first out), choosing a batch item by hand, and the scan
screen on a phone: typed like a keyboard-wedge scanner, never a page reload, never a request to
another server."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inventory.models import StockBalance, StockDocument
from inventory.services import MoveLine, post_moves
from tests.browser.conftest import assert_same_origin
from tests.factories import BatchFactory, ItemBarcodeFactory, ItemFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, user, password) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    expect(page.locator("#user-menu")).to_be_visible()


def scan(page: Page, code: str) -> None:
    field = page.locator("#scan-field")
    field.focus()
    field.type(code)
    field.press("Enter")


@pytest.fixture
def yoghurt(users, warehouse_a):
    """YOG in 仓库A: 2 of EARLY (expires in 5 days) in B-01, 10 of LATE (in 30 days) in A-01,
    9 of GONE (expired yesterday) in A-01."""
    bin_a = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    bin_b = LocationFactory(warehouse=warehouse_a, code="B-01", path="B-01")
    item = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)
    ItemBarcodeFactory(item=item, barcode="6900000000011")
    today = timezone.localdate()
    batches = {
        name: BatchFactory(item=item, batch_no=name, expiry_date=today + timedelta(days=days))
        for name, days in (("EARLY", 5), ("LATE", 30), ("GONE", -1))
    }
    post_moves(
        doc_type="seed",
        doc_id=1,
        doc_number="SEED-1",
        user=users["manager"],
        lines=[
            MoveLine(item.pk, bin_b.pk, Decimal("2"), batches["EARLY"].pk, unit_cost=Decimal("3")),
            MoveLine(item.pk, bin_a.pk, Decimal("10"), batches["LATE"].pk, unit_cost=Decimal("3")),
            MoveLine(item.pk, bin_a.pk, Decimal("9"), batches["GONE"].pk, unit_cost=Decimal("3")),
        ],
    )
    return {"item": item, "A-01": bin_a, "B-01": bin_b, **batches}


def test_scanning_an_issue_fills_batches_first_expiry_first_and_posts(
    page: Page, live_server, users, password, yoghurt, requests_seen
):
    log_in(page, live_server, users["clerk_a"], password)
    page.goto(f"{live_server.url}/inventory/documents/new/?kind=issue")
    page.evaluate("window.__sameScreen = true")

    for _ in range(3):
        scan(page, "6900000000011")
        expect(page.locator("#scan-message")).to_contain_text("YOG 酸奶 × ")
    # EARLY (2 in B-01) is used up before LATE is touched; GONE (expired) is never offered
    expect(page.locator("input[name='lines-1-batch_no']")).to_have_value("LATE")
    expect(page.locator("input[name='lines-0-batch_no']")).to_have_value("EARLY")
    expect(page.locator("input[name='lines-0-qty']")).to_have_value("2")
    expect(page.locator("select[name='lines-0-location']")).to_have_value(str(yoghurt["B-01"].pk))
    expect(page.locator("input[name='lines-1-qty']")).to_have_value("1")
    expect(page.locator("select[name='lines-1-location']")).to_have_value(str(yoghurt["A-01"].pk))
    expect(page.locator("#line-1")).to_have_class(
        re.compile(r"\bbg-success-subtle\b")
    )  # the line just scanned
    expect(page.locator("#line-0 .fefo-button")).to_be_visible()
    expect(page.locator("#line-0 .batch-expiry")).to_contain_text("Expires")
    expect(page.locator("#scan-field")).to_be_focused()
    assert page.evaluate("window.__sameScreen") is True

    page.click("#save-button")
    expect(page.locator("#doc-status")).to_have_text("Draft")
    page.click("button[data-action='post']")
    expect(page.locator("#doc-status")).to_have_text("Posted")
    doc = StockDocument.objects.get(kind="issue")
    assert [(ln.batch.batch_no, ln.base_qty) for ln in doc.lines.order_by("id")] == [
        ("EARLY", Decimal("2")),
        ("LATE", Decimal("1")),
    ]
    assert StockBalance.objects.get(batch=yoghurt["LATE"]).on_hand == Decimal("9")  # 10 − 1
    assert StockBalance.objects.get(batch=yoghurt["GONE"]).on_hand == Decimal("9")  # untouched
    assert_same_origin(requests_seen, live_server.url)


def test_choosing_a_batch_item_by_hand_then_fefo_splits_the_quantity(
    page: Page, live_server, users, password, yoghurt, requests_seen
):
    log_in(page, live_server, users["clerk_a"], password)
    page.goto(f"{live_server.url}/inventory/documents/new/?kind=issue")
    page.evaluate("window.__sameScreen = true")

    page.locator("#line-0 .ts-control").click()
    # tom-select moves the focus into its own search field a moment after the click: type there
    search = page.locator("#line-0 .ts-control input")
    expect(search).to_be_focused()
    search.press_sequentially("YOG")
    expect(page.locator("#line-0 .ts-dropdown .option.active")).to_contain_text("YOG 酸奶")
    page.keyboard.press("Enter")
    # the row comes back with the batch fields, the first batch to take and the FEFO button
    expect(page.locator("input[name='lines-0-batch_no']")).to_have_value("EARLY")
    expect(page.locator("input[name='lines-0-qty']")).to_be_focused()
    page.keyboard.type("5")
    page.locator("#line-0 .fefo-button").click()
    expect(page.locator("input[name='lines-1-batch_no']")).to_have_value("LATE")
    expect(page.locator("input[name='lines-0-qty']")).to_have_value("2")  # all of EARLY
    expect(page.locator("input[name='lines-1-qty']")).to_have_value("3")  # 5 − 2 from LATE
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value("2")
    expect(page.locator("#scan-message")).to_contain_text("FEFO for YOG 酸奶")

    # the clerk may still override: batch LATE only, then save
    page.fill("input[name='lines-0-batch_no']", "LATE")
    page.select_option("select[name='lines-0-location']", str(yoghurt["A-01"].pk))
    page.click("#save-button")
    expect(page.locator("#doc-status")).to_have_text("Draft")
    doc = StockDocument.objects.get(kind="issue")
    assert [(ln.batch.batch_no, ln.base_qty) for ln in doc.lines.order_by("id")] == [
        ("LATE", Decimal("2")),
        ("LATE", Decimal("3")),
    ]
    assert_same_origin(requests_seen, live_server.url)


def test_on_a_phone_the_scan_field_and_lines_are_usable(
    page: Page, live_server, users, password, warehouse_a, requests_seen
):
    page.set_viewport_size({"width": 390, "height": 844})
    item = ItemFactory(sku="COLA", name="可乐 330ml")
    ItemBarcodeFactory(item=item, barcode="6901234567892")
    bin_ = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    log_in(page, live_server, users["clerk_a"], password)
    page.goto(f"{live_server.url}/inventory/documents/new/?kind=receipt")

    field = page.locator("#scan-field")
    expect(field).to_be_in_viewport()
    box = field.bounding_box()
    assert box["width"] >= 200 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    scan(page, "6901234567892")
    scan(page, "6901234567892")
    scan(page, "nope")
    expect(page.locator("#scan-message")).to_have_text("No item has the code nope.")
    expect(page.locator("input[name='lines-0-qty']")).to_have_value("2")
    expect(page.locator("select[name='lines-0-location']")).to_have_value(str(bin_.pk))

    cost = page.locator("input[name='lines-0-unit_cost']")
    cost.scroll_into_view_if_needed()
    expect(cost).to_be_visible()
    cost_box = cost.bounding_box()
    assert cost_box["width"] >= 120 and cost_box["x"] + cost_box["width"] <= 390
    cost.fill("1.20")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.click("#save-button")
    expect(page.locator("#doc-status")).to_have_text("Draft")
    assert StockDocument.objects.get().lines.get().base_qty == Decimal("2")
    assert_same_origin(requests_seen, live_server.url)
