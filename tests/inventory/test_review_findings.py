"""Defects found in the review of the in-transit, stocktake, opening-stock, valuation and scan work:
each test failed before its fix."""

import io
import itertools
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from inventory.exceptions import InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import CountStatus, StockCount, StockDocument, StockMove
from inventory.services import (
    MoveLine,
    count_create,
    count_start,
    post_moves,
)
from tests.factories import ItemFactory, LocationFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="stocktake locks need PostgreSQL"),
]

D = Decimal
_ids = itertools.count(1)
LINES = reverse("inventory:stockdocument_lines")


def receive(item, location, qty, cost, user):
    n = next(_ids)
    return post_moves(
        doc_type="seed",
        doc_id=n,
        doc_number=f"SEED-{n}",
        user=user,
        lines=[MoveLine(item.pk, location.pk, D(qty), None, unit_cost=D(cost))],
    )


@pytest.fixture
def place(warehouse_a):
    return LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")


@pytest.fixture
def milk(db):
    return ItemFactory(sku="MILK", name="纯牛奶")


@pytest.fixture
def counting(users, warehouse_a, place, milk):
    receive(milk, place, "10", "2.50", users["manager"])
    count = count_create(warehouse=warehouse_a, user=users["manager"], blind=False)
    return count_start(count_id=count.pk, user=users["manager"])


# Malformed ids: str.isdigit() is true for "²", which int() refuses ----------------------------


@pytest.mark.parametrize("value", ["²", "abc", "-1", "99999999999999999999999"])
def test_the_counting_sheet_ignores_a_malformed_location(client_for, counting, value):
    url = reverse("inventory:stockcount_sheet", args=[counting.pk])
    assert client_for("clerk_a").get(url, {"location": value}).status_code == 200


def _lines_form(wh, **extra):
    data = {
        "kind": "issue",
        "warehouse": wh.pk,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": "",
        "lines-0-qty": "",
        "op": "scan",
        "code": "MILK",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "extra",
    [
        {"lines-TOTAL_FORMS": "²"},
        {"lines-0-item": "²"},
        {"lines-0-unit": "²"},
        {"lines-0-location": "²"},
        {"warehouse": "²"},
        {"op": "fefo", "row": "²"},
        {"op": "item", "row": "0", "lines-0-item": "²"},
    ],
)
def test_the_lines_endpoint_answers_malformed_ids_without_a_crash(
    client_for, warehouse_a, place, milk, users, extra
):
    receive(milk, place, "10", "2.50", users["manager"])
    response = client_for("clerk_a").post(LINES, _lines_form(warehouse_a, **extra))
    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize("qty", ["9e999999", "1e9999", "-0", "abc", "NaN", "Infinity"])
@pytest.mark.parametrize("op", ["scan", "fefo"])
def test_the_lines_endpoint_answers_absurd_quantities_without_a_crash(
    client_for, warehouse_a, place, milk, users, qty, op
):
    receive(milk, place, "10", "2.50", users["manager"])
    rows = {
        "lines-TOTAL_FORMS": "2",
        "lines-0-item": str(milk.pk),
        "lines-0-unit": str(milk.base_unit_id),
        "lines-0-location": str(place.pk),
        "lines-0-qty": qty,
        "lines-1-item": str(milk.pk),
        "lines-1-unit": str(milk.base_unit_id),
        "lines-1-location": str(place.pk),
        "lines-1-qty": qty,
        "op": op,
        "row": "0",
    }
    response = client_for("clerk_a").post(LINES, _lines_form(warehouse_a, **rows))
    assert response.status_code == 200
    assert len(response.content) < 200_000


@pytest.mark.parametrize(
    "query", [{"location": "abc"}, {"batch": "x"}, {"location": "²"}, {"warehouse": "²"}]
)
def test_the_stock_card_ignores_malformed_ids(client_for, milk, warehouse_a, query):
    url = reverse("inventory:stock_card", args=[milk.pk])
    assert client_for("manager").get(url, query).status_code in (200, 404)


# A clerk cannot raise the thresholds that decide whether a manager must approve ---------------


@pytest.mark.parametrize(("field", "value"), [("qty_threshold", "99999999"), ("value_threshold", "99999999")])
def test_a_clerk_cannot_create_a_count_whose_thresholds_skip_the_managers_approval(
    client_for, warehouse_a, place, field, value, settings
):
    data = {
        "warehouse": warehouse_a.pk,
        "blind": "on",
        "qty_threshold": str(settings.STOCKTAKE_QTY_THRESHOLD),
        "value_threshold": str(settings.STOCKTAKE_VALUE_THRESHOLD),
        field: value,
    }
    response = client_for("clerk_a").post(reverse("inventory:stockcount_create"), data)

    assert response.status_code == 200 and not StockCount.objects.exists()
    assert "Only a manager" in response.content.decode()


def test_a_clerk_may_choose_stricter_thresholds_and_a_manager_any(client_for, warehouse_a, place):
    data = {"warehouse": warehouse_a.pk, "blind": "on", "qty_threshold": "1", "value_threshold": "5"}
    assert client_for("clerk_a").post(reverse("inventory:stockcount_create"), data).status_code == 302
    data.update(qty_threshold="99999999", value_threshold="99999999")
    assert client_for("manager").post(reverse("inventory:stockcount_create"), data).status_code == 302
    assert StockCount.objects.count() == 2


def test_the_service_refuses_a_clerks_thresholds_above_the_settings(users, warehouse_a, settings):
    with pytest.raises(InventoryError):
        count_create(
            warehouse=warehouse_a,
            user=users["clerk_a"],
            value_threshold=settings.STOCKTAKE_VALUE_THRESHOLD + 1,
        )
    assert not StockCount.objects.exists()


def test_a_clerk_cannot_write_off_stock_without_a_manager_by_raising_the_thresholds(
    client_for, users, warehouse_a, place, milk
):
    receive(milk, place, "1000", "2.50", users["manager"])
    clerk = client_for("clerk_a")
    clerk.post(
        reverse("inventory:stockcount_create"),
        {"warehouse": warehouse_a.pk, "qty_threshold": "99999999", "value_threshold": "99999999"},
    )
    for count in StockCount.objects.all():  # none, once the thresholds are refused
        clerk.post(reverse("inventory:stockcount_action", args=[count.pk, "start"]))
        line = count.lines.get()
        clerk.post(reverse("inventory:stockcount_line", args=[count.pk, line.pk]), {"qty": "0"})
        clerk.post(reverse("inventory:stockcount_action", args=[count.pk, "submit"]))

    assert not StockMove.objects.filter(posting__doc_type="stockcount").exists()


# A quantity too large for the value columns is refused with a message, not a crash -----------


def test_approving_a_count_whose_value_overflows_says_so_and_posts_nothing(
    client_for, users, warehouse_a, place
):
    gold = ItemFactory(sku="GOLD", name="金条")
    receive(gold, place, "10", "5000", users["manager"])
    count = count_create(warehouse=warehouse_a, user=users["clerk_a"])
    count_start(count_id=count.pk, user=users["clerk_a"])
    line = count.lines.get()
    clerk = client_for("clerk_a")
    # a 13-digit barcode scanned into the quantity box
    clerk.post(reverse("inventory:stockcount_line", args=[count.pk, line.pk]), {"qty": "6901234567892"})
    clerk.post(reverse("inventory:stockcount_action", args=[count.pk, "submit"]))
    assert StockCount.objects.get(pk=count.pk).status in (CountStatus.SUBMITTED, CountStatus.COUNTING)

    response = client_for("manager").post(reverse("inventory:stockcount_action", args=[count.pk, "approve"]))

    assert response.status_code in (200, 302)
    assert StockCount.objects.get(pk=count.pk).status != CountStatus.POSTED
    assert not StockMove.objects.filter(posting__doc_type="stockcount").exists()
    assert ledger_differences() == []


HEADERS = ["Warehouse code", "Location code", "SKU", "Quantity", "Unit code", "Unit cost"]


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("qty", "unit", "cost"),
    [
        ("99999999999", None, "99999999999"),  # each below the per-cell cap, the value 10^22
        ("99999999999", "PAL", "1"),  # the quantity in base units beyond the quantity column
    ],
)
def test_opening_stock_whose_value_or_base_quantity_overflows_is_a_row_problem(
    client_for, warehouse_a, place, milk, settings, tmp_path, qty, unit, cost
):
    from tests.factories import ItemUnitFactory, UnitFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    ItemUnitFactory(item=milk, unit=UnitFactory(code="PAL", name="托"), factor=D("100000"))
    client = client_for("manager")
    content = xlsx([HEADERS, ["WHA", "A-01", "MILK", qty, unit, cost]])
    url = reverse("inventory:opening_stock_import")

    preview = client.post(url, {"file": SimpleUploadedFile("open.xlsx", content)})

    assert preview.status_code == 200
    problems = preview.context["preview"].problems
    assert [p.row for p in problems] == [2], problems
    assert not StockDocument.objects.exists()


def test_opening_stock_into_an_in_transit_location_is_a_row_problem_in_the_preview(
    client_for, warehouse_a, place, milk, settings, tmp_path
):
    from inventory.models import LocationKind

    settings.MEDIA_ROOT = tmp_path / "media"
    LocationFactory(warehouse=warehouse_a, code="IN-TRANSIT", path="IN-TRANSIT", kind=LocationKind.TRANSIT)
    content = xlsx([HEADERS, ["WHA", "IN-TRANSIT", "MILK", "5", None, "2"]])

    preview = client_for("manager").post(
        reverse("inventory:opening_stock_import"), {"file": SimpleUploadedFile("open.xlsx", content)}
    )

    problems = preview.context["preview"].problems
    assert [(p.row, p.column) for p in problems] == [(2, "Location code")], problems


def test_the_in_transit_location_cannot_be_turned_into_an_ordinary_bin(
    client_for, users, warehouse_a, warehouse_b
):
    from inventory.models import Location, LocationKind
    from inventory.services import LineInput, document_create, document_post, document_set_lines

    a1 = LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")
    b1 = LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01")
    milk = ItemFactory(sku="MILK")
    receive(milk, a1, "10", "2", users["manager"])
    doc = document_create(
        kind="transfer", warehouse=warehouse_a, to_warehouse=warehouse_b, user=users["clerk_a"]
    )
    document_set_lines(
        document=doc, lines=[LineInput(milk, a1.pk, milk.base_unit_id, D("4"), to_location_id=b1.pk)]
    )
    document_post(document_id=doc.pk, user=users["clerk_a"])
    transit = Location.objects.get(warehouse=warehouse_b, kind=LocationKind.TRANSIT)

    client_for("clerk_b").post(
        reverse("inventory:location_update", args=[transit.pk]),
        {"warehouse": warehouse_b.pk, "parent": "", "code": "IN-TRANSIT", "name": "x", "kind": "bin"},
    )

    assert Location.objects.get(pk=transit.pk).kind == LocationKind.TRANSIT


def test_a_scan_on_top_of_the_largest_count_is_refused_not_a_crash(client_for, counting, place, milk):
    line = counting.lines.get()
    clerk = client_for("clerk_a")
    clerk.post(
        reverse("inventory:stockcount_line", args=[counting.pk, line.pk]), {"qty": "99999999999999.9999"}
    )

    response = clerk.post(
        reverse("inventory:stockcount_scan", args=[counting.pk]),
        {"code": "MILK", "location": place.pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200 and "too large" in response.content.decode()
    assert counting.lines.get().counted_qty == D("99999999999999.9999")


@pytest.mark.parametrize("query", [{"start": "0001-01-01"}, {"end": "9999-12-31"}, {"start": "2026-02-30"}])
def test_the_stock_card_answers_dates_at_the_ends_of_the_calendar(client_for, milk, query):
    url = reverse("inventory:stock_card", args=[milk.pk])
    assert client_for("manager").get(url, query).status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_valuation_answers_dates_at_the_ends_of_the_calendar(client_for, day):
    for name in ("inventory:stock_valuation", "inventory:stock_valuation_export"):
        assert client_for("manager").get(reverse(name), {"day": day}).status_code == 200
