"""The home page per role: a manager's KPIs with figures worked by hand, a clerk's open tasks
in their own warehouse only, purchasing and sales staff their own open orders, and nobody a
figure their role may not see (sales: no stock value, no payables)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from inventory.models import Item
from tests.factories import UserFactory
from tests.settlement import test_services as money_world
from tests.settlement.test_services import D, T, buy, pay, receive, sales_order, sell

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
    assert sum(money[0]["data"]) == 500.0 and sum(money[1]["data"]) == 0.0


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
