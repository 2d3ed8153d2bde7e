"""Query budgets (issue 8 §8), run on every change: the list pages, the document pages, the
report pages and posting cost the same number of queries whether there are a few rows (lines,
documents) or many — no query per row — and stay under a fixed budget."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.services import MoveLine, post_moves
from purchasing.models import PurchaseOrder, PurchaseReceipt
from reports.base import REGISTRY
from sales.models import SalesOrder, Shipment
from tests.factories import ItemFactory
from tests.settlement import test_services as money_world
from tests.settlement.test_services import T, buy, pay, receive, sell, ship

# the settlement tests' shop and people, as fixtures here too
shop = money_world.shop
people = money_world.people

pytestmark = pytest.mark.django_db

# Measured on 2026-11-23: lists 7–12 queries, documents 9–11, reports 9–14 (session, user,
# permissions, the alert bell, the page's own reads). A budget is that plus a little room.
LIST_BUDGET = 15
DETAIL_BUDGET = 15
REPORT_BUDGET = 18


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # the session and the menu's first reads are not the page's cost
    return client


def business(shop, people, n: int) -> None:
    """n purchase orders received, n sales orders shipped, n payments."""
    for i in range(n):
        po = buy(shop, people, [(shop["bolt"], 10 + i, "2.50", "13")], day=T(20))
        receive(shop, people, po, {shop["bolt"]: (10 + i, 0)}, day=T(19))
        shipped = sell(shop, people, 1 + i, "9.90", day=T(10))
        pay(people, shop["customer"], "1.00", day=T(5), to=[(shipped, "1.00")])


LISTS = [
    "purchasing:order_list",
    "purchasing:receipt_list",
    "purchasing:supplier_list",
    "purchasing:payables_list",
    "purchasing:payment_list",
    "sales:order_list",
    "sales:shipment_list",
    "sales:customer_list",
    "sales:receivables_list",
    "sales:payment_list",
    "inventory:item_list",
    "inventory:stock_on_hand",
    "inventory:stockdocument_list",
    "reports:export_list",
    "reports:alert_list",
]


def test_list_pages_cost_the_same_queries_for_2_or_8_documents(shop, people):
    boss = client_of(people["boss"])
    business(shop, people, 2)
    few = {name: queries(boss, reverse(name)) for name in LISTS}
    business(shop, people, 6)
    many = {name: queries(boss, reverse(name)) for name in LISTS}

    assert many == few
    assert max(few.values()) <= LIST_BUDGET, few


def test_document_pages_cost_the_same_queries_for_2_or_12_lines(shop, people):
    items = [ItemFactory(sku=f"P{i:02}", name=f"零件{i}") for i in range(12)]
    post_moves(
        doc_type="test-in",
        doc_id=9001,
        doc_number="IN-9001",
        lines=[MoveLine(i.pk, shop["bin"].pk, Decimal(100), None, unit_cost=Decimal("1.00")) for i in items],
        user=people["clerk"],
    )
    boss = client_of(people["boss"])

    def documents(lines: list) -> dict[str, int]:
        po = buy(shop, people, [(i, 5, "2.00", "13") for i in lines], day=T(3))
        receipt = receive(shop, people, po, dict.fromkeys(lines, (5, 0)), day=T(2))
        so = SalesOrder.objects.get(pk=_sales_order(shop, people, lines).pk)
        shipment = ship(shop, people, so, day=T(1))
        return {
            "purchase order": queries(boss, reverse("purchasing:order_detail", args=[po.pk])),
            "receipt": queries(boss, reverse("purchasing:receipt_detail", args=[receipt.pk])),
            "sales order": queries(boss, reverse("sales:order_detail", args=[so.pk])),
            "shipment": queries(boss, reverse("sales:shipment_detail", args=[shipment.pk])),
        }

    few = documents(items[:2])
    many = documents(items)

    assert many == few
    assert max(few.values()) <= DETAIL_BUDGET, few
    assert PurchaseOrder.objects.count() == PurchaseReceipt.objects.count() == Shipment.objects.count() == 2


def _sales_order(shop, people, lines):
    from sales import services as sales

    so = sales.order_create(
        customer=shop["customer"], warehouse=shop["wh"], user=people["seller"], order_date=T(2)
    )
    sales.order_set_lines(
        order_id=so.pk,
        lines=[
            sales.SalesLineInput(
                item=i, unit_id=i.base_unit_id, qty=Decimal(2), price=Decimal("9.90"), tax_rate=Decimal(13)
            )
            for i in lines
        ],
    )
    return sales.order_confirm(order_id=so.pk, user=people["seller"])


def test_report_pages_cost_the_same_queries_for_a_short_or_a_longer_history(shop, people):
    boss = client_of(people["boss"])
    business(shop, people, 2)
    few = {slug: queries(boss, reverse("reports:report", args=[slug])) for slug in sorted(REGISTRY)}
    business(shop, people, 6)
    for i in range(6):
        item = ItemFactory(sku=f"R{i}", name=f"新品{i}")
        post_moves(
            doc_type="test-in",
            doc_id=9100 + i,
            doc_number=f"IN-{9100 + i}",
            lines=[MoveLine(item.pk, shop["bin"].pk, Decimal(3), None, unit_cost=Decimal("4.00"))],
            user=people["clerk"],
        )
    many = {slug: queries(boss, reverse("reports:report", args=[slug])) for slug in sorted(REGISTRY)}

    assert many == few
    assert max(few.values()) <= REPORT_BUDGET, few


def test_posting_costs_the_same_queries_for_1_or_20_lines(shop, people):
    items = [ItemFactory(sku=f"Q{i:02}", name=f"货品{i}") for i in range(20)]

    def posting(n: int, doc_id: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            post_moves(
                doc_type="test-in",
                doc_id=doc_id,
                doc_number=f"IN-{doc_id}",
                lines=[
                    MoveLine(i.pk, shop["bin"].pk, Decimal(1), None, unit_cost=Decimal("1.00"))
                    for i in items[:n]
                ],
                user=people["clerk"],
            )
        return len(captured)

    one, twenty = posting(1, 9201), posting(20, 9202)

    assert one == twenty
    assert one <= 3  # on PostgreSQL one call of jxc_post_moves (plus savepoint handling)


ROWS_READ_ONCE = [  # (list page, the table its rows come from)
    ("inventory:stock_on_hand", "inventory_stockbalance"),
    ("purchasing:supplier_list", "purchasing_supplier"),
    ("inventory:item_list", "inventory_item"),
    ("purchasing:order_list", "purchasing_purchaseorder"),
    ("purchasing:receipt_list", "purchasing_purchasereceipt"),
    ("sales:order_list", "sales_salesorder"),
    ("sales:customer_list", "sales_customer"),
]


@pytest.mark.parametrize(("name", "table"), ROWS_READ_ONCE)
def test_a_list_page_reads_its_page_of_rows_once(shop, people, name, table):
    """The table pages the rows; the list view under it used to page them again (a second read
    of the page, and a second COUNT where there is one)."""
    boss = client_of(people["boss"])
    business(shop, people, 2)
    with CaptureQueriesContext(connection) as captured:
        assert boss.get(reverse(name)).status_code == 200
    of_table = [q["sql"] for q in captured if f'FROM "{table}"' in q["sql"]]
    counts = [sql for sql in of_table if "COUNT(" in sql.upper()]

    assert len(of_table) - len(counts) == 1, of_table  # the page of rows, read once
    assert len(counts) == len(set(counts)), counts  # and no count made twice
