"""Each role's day in the browser (JOURNEYS), in both languages: purchasing orders and a manager
approves; sales confirms an order that reserves stock; a clerk counts blind and a manager approves
the variance; the manager downloads the turnover report as Excel, written by a real Celery worker,
and the file is read back. The clerk's receipt by scanner and FEFO shipping are in
test_po_receiving.py and test_shipping_phone.py (both languages too). Every test checks that no
request left the server's origin; failures leave a screenshot under test-results/."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from inventory.models import StockBalance, StockCount
from inventory.services import MoveLine, count_create, count_start, post_moves
from purchasing.models import OrderStatus as POStatus
from purchasing.models import PurchaseOrder
from reports.base import REGISTRY
from reports.models import ExportJob, ExportStatus
from sales.models import OrderStatus as SOStatus
from sales.models import SalesOrder, SalesPrice
from tests.browser.conftest import assert_same_origin
from tests.factories import (
    CustomerFactory,
    ItemBarcodeFactory,
    ItemFactory,
    LocationFactory,
    PriceLevelFactory,
    SupplierFactory,
    SupplierItemFactory,
)
from tests.reports.test_export_worker import start_worker  # noqa: F401  (a real worker)
from tests.reports.test_stock_reports import Q3, turnover_world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["zh-hans", "en"]


def said(language: str, text: str, **values) -> str:
    """What the page says in `language` for a message of the catalogue."""
    with translation.override(language):
        return _(text) % values if values else _(text)


def log_in(page: Page, live_server, user, password, language: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("#language-select", language)
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    expect(page.locator("#user-roles")).to_be_attached()  # logged in (the roles sit in the user menu)


def choose(page: Page, select_id: str, text: str, value) -> None:
    """Pick an option of a searchable select through tom-select itself (its own API fires the
    change a user's pick fires), after checking the option is offered under the text the user
    would type; then wait until the page has settled (the sales line asks the server for what is
    available when its item changes). Typing into tom-select's dropdown raced with that request
    on a loaded machine."""
    offered = page.evaluate(
        "([id, text]) => Object.values(document.getElementById(id).tomselect.options)"
        ".filter(o => o.text.includes(text)).map(o => o.value)",
        [select_id, text],
    )
    assert str(value) in offered, (select_id, text, offered)
    page.evaluate("([id, v]) => document.getElementById(id).tomselect.setValue(v)", [select_id, str(value)])
    expect(page.locator(f"#{select_id}")).to_have_value(str(value))
    page.wait_for_load_state("networkidle")


def fill(page: Page, selector: str, value: str) -> None:
    page.fill(selector, value)
    page.wait_for_load_state("networkidle")
    expect(page.locator(selector)).to_have_value(value)


@pytest.fixture
def catalogue(warehouse_a):
    LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    milk = ItemFactory(sku="MILK", name="纯牛奶")
    supplier = SupplierFactory(code="HDSP", name="华东食品")
    SupplierItemFactory(supplier=supplier, item=milk, unit=milk.base_unit, price=Decimal("2.5000"))
    return {"milk": milk, "supplier": supplier}


@pytest.mark.parametrize("language", LANGUAGES)
def test_purchasing_orders_and_a_manager_approves(
    page: Page, live_server, users, password, warehouse_a, catalogue, requests_seen, language, settings
):
    settings.PURCHASE_APPROVAL_THRESHOLD = Decimal("1000.00")  # this order (5,000 × 2.50) needs approval
    log_in(page, live_server, users["purchasing"], password, language)
    page.goto(f"{live_server.url}/purchasing/orders/new/")
    choose(page, "id_supplier", "华东食品", catalogue["supplier"].pk)
    page.select_option("#id_warehouse", str(warehouse_a.pk))
    choose(page, "id_lines-0-item", "MILK", catalogue["milk"].pk)
    page.select_option("#id_lines-0-unit", str(catalogue["milk"].base_unit_id))
    fill(page, "#id_lines-0-qty", "5000")  # the price comes from the supplier's list
    page.click("#save-button")

    expect(page.locator("#order-status")).to_have_text(said(language, "Draft"))
    order = PurchaseOrder.objects.get()
    assert (order.total_net, order.created_by) == (Decimal("12500.00"), users["purchasing"])
    page.click("[data-action=submit]")
    expect(page.locator(".alert-success")).to_contain_text(
        said(language, "%(number)s is waiting for a manager's approval.", number=order.number)
    )

    log_in(page, live_server, users["manager"], password, language)
    page.goto(f"{live_server.url}/purchasing/orders/{order.pk}/")
    page.click("[data-action=approve]")
    expect(page.locator(".alert-success")).to_contain_text(
        said(language, "%(number)s is approved.", number=order.number)
    )
    expect(page.locator("#order-status")).to_have_text(said(language, "Approved"))
    order.refresh_from_db()
    assert (order.status, order.approved_by) == (POStatus.APPROVED, users["manager"])
    assert_same_origin(requests_seen, live_server.url)


@pytest.mark.parametrize("language", LANGUAGES)
def test_sales_confirms_an_order_that_reserves_stock(
    page: Page, live_server, users, password, warehouse_a, catalogue, requests_seen, language
):
    milk = catalogue["milk"]
    bin_a = warehouse_a.locations.get(code="A-01")
    post_moves(
        doc_type="seed",
        doc_id=1,
        doc_number="SEED-1",
        user=users["manager"],
        lines=[MoveLine(milk.pk, bin_a.pk, Decimal("30"), unit_cost=Decimal("2.50"))],
    )
    level = PriceLevelFactory(code="RETAIL", name="零售价")
    customer = CustomerFactory(
        code="K001", name="城东超市", price_level=level, credit_limit=Decimal("10000.00")
    )
    SalesPrice.objects.create(item=milk, price_level=level, unit=milk.base_unit, price=Decimal("4.0000"))

    log_in(page, live_server, users["sales"], password, language)
    page.goto(f"{live_server.url}/sales/orders/new/")
    choose(page, "id_customer", "城东超市", customer.pk)
    page.select_option("#id_warehouse", str(warehouse_a.pk))
    choose(page, "id_lines-0-item", "MILK", milk.pk)
    page.select_option("#id_lines-0-unit", str(milk.base_unit_id))
    fill(page, "#id_lines-0-qty", "12")
    page.click("#save-button")
    expect(page.locator("#order-status")).to_have_text(said(language, "Draft"))
    page.click("[data-action=confirm]")

    expect(page.locator("#order-status")).to_have_text(said(language, "Confirmed"))
    order = SalesOrder.objects.get()
    assert order.status == SOStatus.CONFIRMED and order.total_net == Decimal("48.00")  # 12 × 4.00
    balance = StockBalance.objects.get(item=milk, location=bin_a)
    assert (balance.on_hand, balance.reserved) == (Decimal("30"), Decimal("12"))
    assert_same_origin(requests_seen, live_server.url)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_clerk_counts_blind_and_a_manager_approves_the_variance(
    page: Page, live_server, users, password, warehouse_a, requests_seen, language
):
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

    log_in(page, live_server, users["clerk_a"], password, language)
    page.goto(f"{live_server.url}/inventory/counts/{count.pk}/sheet/")
    field = page.locator("#count-scan-field")
    for code in ["A-01"] + ["6900000000028"] * 4:  # 4 found where the book says 17
        field.focus()
        field.type(code)
        field.press("Enter")
        expect(field).to_have_value("")
    expect(page.locator("input.count-qty")).to_have_value("4")
    # blind: no cell shows the book quantity (a cell's text, not a substring: 17:09 is a time)
    assert "17" not in [cell.strip() for cell in page.locator("#count-lines td").all_inner_texts()]
    page.goto(f"{live_server.url}/inventory/counts/{count.pk}/")
    page.click("[data-action=submit]")
    count.refresh_from_db()
    assert count.status == "submitted"  # 13 short is over the threshold of 10: a manager decides

    log_in(page, live_server, users["manager"], password, language)
    page.goto(f"{live_server.url}/inventory/counts/{count.pk}/review/")
    expect(page.locator("#over-count")).to_have_text("1")
    expect(page.locator("#loss-total")).to_have_attribute("data-value", "-32.50")  # 13 × 2.50
    page.click("[data-action=approve]")

    expect(page.locator("body")).to_contain_text(said(language, "Approved by"))
    count = StockCount.objects.get(pk=count.pk)
    assert (count.status, count.approved_by) == ("posted", users["manager"])  # the adjustment is posted
    assert StockBalance.objects.get(item=milk, location=bin_a).on_hand == Decimal("4")
    assert_same_origin(requests_seen, live_server.url)


@pytest.mark.usefixtures("turnover_world")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_manager_downloads_the_turnover_report_as_excel(
    page: Page,
    live_server,
    users,
    password,
    start_worker,  # noqa: F811
    requests_seen,
    language,
):
    worker = start_worker()
    log_in(page, live_server, users["manager"], password, language)
    page.goto(f"{live_server.url}/reports/turnover/?start={Q3['start']}&end={Q3['end']}&group_by=item")
    shown = page.locator("#report-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    assert [row[:2] for row in shown] == [["MILK", "纯牛奶"], ["WATER", "矿泉水"]]

    page.click("#report-export button[type=submit]")
    download_link = page.locator("#export-download")
    expect(download_link).to_be_visible(timeout=30_000)  # the progress page polls until done
    with page.expect_download() as download:
        download_link.click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).worksheets[0]
    header_row = int(sheet.freeze_panes[1:]) - 1
    written = [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]

    # the hand-worked figures of test_stock_reports (milk 280 ÷ 200 = 1.40; water 100 ÷ 150 = 0.67)
    assert written == [
        ["MILK", "纯牛奶", 200, 150, 200, 280, 1.4, 65.7],
        ["WATER", "矿泉水", 200, 100, 150, 100, 0.67, 138],
    ]
    for page_row, file_row in zip(shown, written, strict=True):  # the page shows the same numbers
        assert [Decimal(t.replace(",", "")) for t in page_row[2:]] == [Decimal(str(v)) for v in file_row[2:]]
    job = ExportJob.objects.get()
    assert (job.status, job.language) == (ExportStatus.DONE, language)
    with translation.override(language):
        assert (
            sheet.title == str(REGISTRY["turnover"].title)[:31]
        )  # the sheet is named in the user's language
    assert worker.poll() is None  # the worker is still serving
    assert_same_origin(requests_seen, live_server.url)
