"""The home page per role: a manager's KPIs with figures worked by hand, a clerk's open tasks
in their own warehouse only, purchasing and sales staff their own open orders, and nobody a
figure their role may not see (sales: no stock value, no payables)."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from inventory.models import Item
from reports import dashboard
from reports.base import REGISTRY
from tests.factories import UserFactory
from tests.settlement import test_services as money_world
from tests.settlement.test_services import D, T, buy, pay, receive, sales_order, sell

from .test_stock_reports import run, turnover_world  # noqa: F401

# the settlement tests' shop and people, as fixtures here too
shop = money_world.shop
people = money_world.people

pytestmark = pytest.mark.django_db


def board(user):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    b = response.context["board"]
    return (
        response.content.decode(),
        {f.key: f.value for f in b.figures},
        {f.key: f.value for f in b.tasks},
        b,
    )


@pytest.fixture
def day(shop, people):
    """Water: 1,000 at ¥1.00 (the shop). Sold 10 at ¥100 + 13% on T−40 (30 days' terms: due
    T−10, overdue), ¥500.00 of it received on T−5. Bolts: PO A (10 × 12.3456) received on T−15;
    PO B (5 × 10.00, lead time 7 days: expected T−13) approved, not received: late and due in;
    PO C (1,000 × 20.00 = 20,000 + tax) waits for approval. A sales order confirmed, not
    shipped. The nut has a safety stock and none on hand."""
    shipped = sell(shop, people, 10, "100", day=T(40))  # 1,000.00 + 130.00 = 1,130.00
    pay(people, shop["customer"], "500.00", day=T(5), to=[(shipped, "500.00")])
    a = buy(shop, people, [(shop["bolt"], 10, "12.3456", "13")], day=T(20))
    receive(shop, people, a, {shop["bolt"]: (10, 0)}, day=T(15))  # 123.456 → 123.46 into stock
    buy(shop, people, [(shop["bolt"], 5, "10.00", "13")], day=T(20))
    buy(shop, people, [(shop["bolt"], 1000, "20.00", "13")], day=T(2))
    sales_order(shop, people, 3, "100", day=T(1))
    Item.objects.filter(pk=shop["nut"].pk).update(safety_stock=Decimal("5"))


def test_a_manager_sees_the_kpis_worked_by_hand(day, people):
    html, figures, _tasks, b = board(people["boss"])
    # 1,000 − 10 sold (at 1.00) + 123.46 received = 1,113.46
    assert figures["stock_value"] == D("1113.46")
    assert "¥1,113.46" in html
    assert figures["stock_outs"] == 1  # the nut
    assert figures["alerts"] == 0  # no scan has run
    assert figures["po_approval"] == 1 and figures["so_approval"] == 0
    assert figures["late_pos"] == 1  # PO B
    assert figures["overdue_receivables"] == D("630.00")  # 1,130.00 − 500.00
    assert figures["overdue_payables"] == D("0")  # PO A due T−15 + 45 days
    money = b.charts["money"]["data"]["datasets"]
    assert [d["label"] for d in money] == ["Money in", "Money out"]
    assert sum(money[0]["data"]) == D("500.00") and sum(money[1]["data"]) == D("0")


def test_a_clerk_sees_the_tasks_of_their_warehouse_only(day, people, shop):
    _html, figures, tasks, _b = board(people["clerk"])
    assert figures == {"alerts": 0}  # no prices, no values, no money
    assert tasks["to_ship"] == 1 and tasks["pos_due"] == 1 and tasks["receipts_open"] == 0
    other = UserFactory(username="clerk_elsewhere", roles=["warehouse_clerk"])
    _html, _f, tasks, _b = board(other)
    assert tasks["to_ship"] == 0 and tasks["pos_due"] == 0


def test_purchasing_and_sales_see_their_own_open_orders_and_only_their_figures(day, people):
    html, figures, _t, b = board(people["buyer"])
    assert [po.status for po in b.documents["purchase"]] == [
        "submitted",
        "approved",
    ]  # newest first; A received
    assert "sales" not in b.documents and "overdue_receivables" not in figures
    html, figures, _t, b = board(people["seller"])
    assert [so.status for so in b.documents["sales"]] == ["confirmed"]  # the shipped one is done
    assert "stock_value" not in figures and "overdue_payables" not in figures
    assert figures["overdue_receivables"] == D("630.00")
    assert "purchase" not in b.documents


@pytest.mark.usefixtures("turnover_world")
def test_the_managers_turnover_is_this_month_so_far_beside_last_month(users):
    """On test_stock_reports' Q3 history, seen on 30 September 2026."""
    manager = dashboard.for_user(users["manager"], today=date(2026, 9, 30))
    figure = next(f for f in manager.figures if f.key == "turnover")

    # September: stock value at 31 Aug = milk 200.00 + water 100.00 = 300.00; at 30 Sep = 150.00 +
    #   100.00 = 250.00 → average 275.00; COGS = milk shipped 120.00 − returned 20.00 = 100.00
    #   → 100 ÷ 275 = 0.3636… → 0.36
    # August: at 31 Jul = 250.00 + 200.00 = 450.00; at 31 Aug = 300.00 → average 375.00;
    #   COGS = milk issued 80.00 + water shipped 100.00 = 180.00 → 180 ÷ 375 = 0.48
    assert (figure.value, figure.kind, figure.note) == (D("0.36"), "ratio", "Last month: 0.48")
    # the turnover report's total for September says the same, and the figure links to it
    _r, filters, rows = run(
        "turnover", users["manager"], group_by="item", start="2026-09-01", end="2026-09-30"
    )
    assert REGISTRY["turnover"].totals(rows, filters)[6] == D("0.36")
    assert figure.url == "/reports/turnover/?start=2026-09-01&end=2026-09-30"
    # a clerk of one warehouse gets no company-wide turnover
    clerk = dashboard.for_user(users["clerk_a"], today=date(2026, 9, 30))
    assert "turnover" not in {f.key for f in clerk.figures}


def test_the_turnover_figure_is_on_the_managers_home_page(people):
    html, figures, _t, _b = board(people["boss"])
    assert "turnover" in figures
    assert 'data-kpi="turnover"' in html and "Last month: " in html
