"""The charts get their figures as Decimals, which the page carries as numeric strings: Chart.js
must draw them as numbers (its linear scale parses them), on a report page and on the dashboard."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_same_origin
from tests.reports.test_stock_reports import turnover_world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARSED = """canvas => {
    const chart = Chart.getChart(canvas);
    return chart.data.datasets.map((d, i) => chart.getDatasetMeta(i)._parsed.map(p => p[chart.options.indexAxis === "y" ? "x" : "y"]));
}"""


@pytest.mark.usefixtures("turnover_world")
def test_the_turnover_chart_draws_the_figures_as_numbers(
    page: Page, live_server, users, password, requests_seen
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", users["manager"].username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    page.goto(f"{live_server.url}/reports/turnover/?start=2026-07-01&end=2026-09-30&group_by=item")

    canvas = page.locator("#report-chart")
    expect(canvas).to_be_visible()
    # the groups that consumed most first: milk (COGS 280.00, turnover 1.40), water (100.00, 0.67)
    assert canvas.evaluate(PARSED) == [[1.4, 0.67]]

    page.goto(f"{live_server.url}/")
    stock_value = page.locator("canvas[data-config='chart-stock_value']")
    expect(stock_value).to_be_visible()
    # no month closed: one point, today's stock value (milk 75 × 2.00 − 5 shipped in October
    # = 140.00; water 25 × 4.00 = 100.00)
    assert stock_value.evaluate(PARSED) == [[240]]
    assert_same_origin(requests_seen, live_server.url)
