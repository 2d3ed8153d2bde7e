import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_same_origin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_logs_in_in_chinese_and_sees_the_clerks_navigation(
    page: Page, live_server, users, password, requests_seen
):
    clerk = users["clerk_a"]

    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_contain_text("登录")

    page.fill("input[name=username]", clerk.username)
    page.fill("input[name=password]", password)
    page.click("#login-button")

    expect(page.locator("#user-roles")).to_have_text("仓管员", use_inner_text=False)
    nav = page.locator("#main-nav")
    expect(nav).to_contain_text("库存")
    expect(nav).to_contain_text("批次")
    shown = sorted(nav.locator("[data-url-name]").evaluate_all("els => els.map(e => e.dataset.urlName)"))
    assert shown == sorted(
        [
            "inventory:stock_on_hand",
            "inventory:stockdocument_list",
            "purchasing:receipt_list",
            "sales:shipment_list",
            "inventory:stockcount_list",
            "inventory:item_list",
            "inventory:category_list",
            "inventory:unit_list",
            "inventory:warehouse_list",
            "inventory:location_list",
            "inventory:batch_list",
            "reports:report_index",  # stock reports of their warehouses, quantities only
            "reports:export_list",
        ]
    )
    expect(nav).not_to_contain_text("供应商")
    expect(nav).not_to_contain_text("客户")

    page.click("[data-url-name='inventory:warehouse_list']")
    expect(page.locator("table")).to_contain_text("仓库A")
    expect(page.locator("table")).not_to_contain_text("仓库B")

    assert_same_origin(requests_seen, live_server.url)


def test_the_layout_is_usable_on_a_phone(page: Page, live_server, users, password):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", users["manager"].username)
    page.fill("input[name=password]", password)
    page.click("#login-button")

    # The side navigation folds away behind the menu button and opens on tap.
    expect(page.locator("#main-nav")).not_to_be_visible()
    page.click("button.navbar-toggler")
    expect(page.locator("#main-nav")).to_be_visible()
    page.locator("#main-nav [data-url-name='inventory:item_list']").click()
    expect(page).to_have_url(f"{live_server.url}/inventory/items/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone ({width}px)"
