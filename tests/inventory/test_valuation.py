"""存货估值 as of a day: figures worked out by hand on a history that crosses closed months, the
filters, who sees which warehouses, the download, and a fixed number of queries per page."""

import csv
import io
import re
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import PeriodSummary
from inventory.services import MoveLine, period_close, post_moves
from tests.factories import CategoryFactory, ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db
URL = reverse("inventory:stock_valuation")
EXPORT = reverse("inventory:stock_valuation_export")
_n = iter(range(1, 10_000))


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.combine(date.fromisoformat(day), time(12)))


def post(lines, user, day=None):
    n = next(_n)
    moved_at = at(day) if day else None
    return post_moves(doc_type="T", doc_id=n, doc_number=f"T-{n}", lines=lines, user=user, moved_at=moved_at)


@pytest.fixture
def world(users, warehouse_a, warehouse_b):
    drink = CategoryFactory(code="DRINK", name="饮料")
    dairy = CategoryFactory(code="DAIRY", name="乳品", parent=drink)
    snack = CategoryFactory(code="SNACK", name="零食")
    milk = ItemFactory(sku="MILK", name="纯牛奶", category=dairy)
    water = ItemFactory(sku="WATER", name="=矿泉水", category=drink, item_type="finished")
    chips = ItemFactory(sku="CHIPS", name="薯片", category=snack, item_type="raw")
    a = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    b = LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01")
    m = users["manager"]
    post([MoveLine(milk.pk, a.pk, Decimal("10"), unit_cost=Decimal("3"))], m, "2026-09-10")  # 30.00
    post([MoveLine(chips.pk, b.pk, Decimal("4"), unit_cost=Decimal("5"))], m, "2026-09-12")  # 20.00
    post([MoveLine(milk.pk, a.pk, Decimal("20"), unit_cost=Decimal("3.6"))], m, "2026-10-05")  # 72.00
    post([MoveLine(milk.pk, a.pk, Decimal("-6"))], m, "2026-10-20")  # 102.00 × 6/30 = 20.40
    post([MoveLine(milk.pk, b.pk, Decimal("6"), unit_cost=Decimal("3.4"))], m, "2026-10-25")  # 20.40
    post([MoveLine(milk.pk, a.pk, Decimal("-4"))], m, "2026-11-02")  # 102.00 × 4/30 = 13.60
    post([MoveLine(water.pk, a.pk, Decimal("10"), unit_cost=Decimal("1.5"))], m, "2026-11-03")  # 15.00
    period_close(year=2026, month=9, user=m)
    period_close(year=2026, month=10, user=m)
    return {"milk": milk, "water": water, "chips": chips, "drink": drink}


def shown(response):
    return [(r.item.sku, r.warehouse.code, r.qty, r.value, r.average) for r in response.context["rows"]]


D = Decimal


def test_valuation_as_of_days_across_closed_months_is_worked_out_by_hand(client_for, world):
    client = client_for("manager")

    # 10 October: September's summary (milk 10 / 30.00, chips 4 / 20.00) + 5 October's 20 / 72.00
    october_10 = client.get(URL, {"day": "2026-10-10"})
    assert shown(october_10) == [
        ("CHIPS", "WHB", D("4"), D("20.00"), D("5")),
        ("MILK", "WHA", D("30"), D("102.00"), D("3.4")),
    ]
    assert october_10.context["valuation"].total_value == D("122.00")

    # 2 November: October's summary (milk WHA 24 / 81.60, WHB 6 / 20.40) − 4 / 13.60 on 2 November
    november_2 = client.get(URL, {"day": "2026-11-02"})
    assert shown(november_2) == [
        ("CHIPS", "WHB", D("4"), D("20.00"), D("5")),
        ("MILK", "WHA", D("20"), D("68.00"), D("3.4")),
        ("MILK", "WHB", D("6"), D("20.40"), D("3.4")),
    ]
    assert november_2.context["valuation"].total_value == D("108.40")  # 20.00 + 68.00 + 20.40
    html = re.sub(r"\s+", " ", november_2.content.decode())
    assert re.search(r'id="valuation-total">108.40<', html)

    today = client.get(URL)  # no day: today, with 3 November's water 10 / 15.00
    assert today.context["valuation"].day == timezone.localdate()
    assert today.context["valuation"].total_value == D("123.40")


def test_valuation_reads_the_closed_months_summary_instead_of_old_moves(client_for, world):
    PeriodSummary.objects.filter(period__month=10, item=world["chips"]).update(value=D("21.00"))
    response = client_for("manager").get(URL, {"day": "2026-11-02"})
    assert shown(response)[0] == ("CHIPS", "WHB", D("4"), D("21.00"), D("5.25"))


def test_filters_by_warehouse_category_with_subcategories_and_item_type(client_for, world, warehouse_b):
    client = client_for("manager")
    by_category = client.get(URL, {"day": "2026-11-05", "category": world["drink"].pk})
    assert [(sku, wh) for sku, wh, *_ in shown(by_category)] == [
        ("MILK", "WHA"),
        ("MILK", "WHB"),
        ("WATER", "WHA"),
    ], "饮料 includes its subcategory 乳品"
    assert by_category.context["valuation"].total_value == D("103.40")  # 68.00 + 20.40 + 15.00
    by_type = client.get(URL, {"day": "2026-11-05", "item_type": "raw"})
    assert [sku for sku, *_ in shown(by_type)] == ["CHIPS"]
    by_warehouse = client.get(URL, {"day": "2026-11-05", "warehouse": warehouse_b.pk})
    assert [(sku, wh) for sku, wh, *_ in shown(by_warehouse)] == [("CHIPS", "WHB"), ("MILK", "WHB")]


def test_a_future_day_is_refused(client_for, world):
    response = client_for("manager").get(URL, {"day": "2099-01-01"})
    assert response.context["valuation"] is None
    assert "Choose today or a day in the past." in response.content.decode()


@pytest.mark.parametrize("url", [URL, EXPORT])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        ("sales", 403),
        ("clerk_a", 403),  # clerks do not see stock values
        ("purchasing", 200),  # purchasing sees stock with its value
        ("manager", 200),
        ("administrator", 200),
    ],
)
def test_only_those_who_see_stock_values_open_the_valuation(url, role, status, client_for):
    response = client_for(role).get(url)
    assert response.status_code == status
    if role is None:
        assert response.url.startswith("/accounts/login/")


def test_a_clerk_allowed_to_see_values_sees_only_their_warehouse(client_for, users, world, warehouse_b):
    users["clerk_a"].user_permissions.add(Permission.objects.get(codename="view_stock_value"))
    clerk = client_for("clerk_a")

    response = clerk.get(URL, {"day": "2026-11-05"})
    assert [(sku, wh) for sku, wh, *_ in shown(response)] == [("MILK", "WHA"), ("WATER", "WHA")]
    assert response.context["valuation"].total_value == D("83.00")  # 68.00 + 15.00
    assert "仓库B" not in response.content.decode()

    other = clerk.get(URL, {"day": "2026-11-05", "warehouse": warehouse_b.pk})
    assert other.context["valuation"] is None and other.context["rows"] == []
    exported = clerk.get(EXPORT, {"day": "2026-11-05", "format": "csv"})
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "WHB" not in body and "MILK" in body


def test_the_download_holds_the_same_rows_with_numbers_as_numbers(client_for, world):
    response = client_for("manager").get(EXPORT, {"day": "2026-11-05"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "SKU",
        "Name",
        "Category",
        "Item type",
        "Warehouse code",
        "Warehouse",
        "Unit",
        "Quantity",
        "Value",
        "Average cost",
    ]
    assert rows[1] == ["CHIPS", "薯片", "零食", "Raw material", "WHB", "仓库B", "PCS", 4, 20, 5]
    assert rows[2][7:] == [20, 68, 3.4]
    assert rows[4][:2] == ["WATER", "'=矿泉水"], "text that looks like a formula is neutralised"
    assert len(rows) == 5

    csv_response = client_for("manager").get(EXPORT, {"day": "2026-11-02", "format": "csv"})
    lines = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig"))))
    assert lines[2][4:] == ["WHA", "仓库A", "PCS", "20", "68", "3.4"]


def test_a_valuation_page_costs_the_same_queries_for_5_or_120_rows(client_for, users, warehouse_a):
    place = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    client = client_for("manager")
    client.get(URL)  # warm-up: the first request of a session loads more

    def queries(n, page):
        items = ItemFactory.create_batch(n)
        post([MoveLine(i.pk, place.pk, D("3"), unit_cost=D("1")) for i in items], users["manager"])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"page": page})
        assert response.status_code == 200
        assert not re.search(r"\bCOUNT\(", " ".join(q["sql"] for q in captured.captured_queries), re.I)
        return len(captured), len(response.context["rows"]), response.context["has_next"]

    few = queries(5, 1)
    many = queries(115, 2)
    assert few[0] == many[0]
    assert (few[1:], many[1:]) == ((5, False), (50, True))
