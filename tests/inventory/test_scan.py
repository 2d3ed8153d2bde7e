"""The document screen's scan field, item choice and FEFO button as the clerk meets them: the
form is posted with the action and the answer is HTML (htmx out-of-band pieces) — the changed or
new line, the row count and a message."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockDocument
from inventory.services import LineInput, MoveLine, document_create, document_set_lines, post_moves
from tests.factories import BatchFactory, ItemBarcodeFactory, ItemFactory, ItemUnitFactory, LocationFactory

pytestmark = pytest.mark.django_db
URL = reverse("inventory:stockdocument_lines")


@pytest.fixture
def bin_a(warehouse_a):
    return LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01")


@pytest.fixture
def bin_b(warehouse_a):
    return LocationFactory(warehouse=warehouse_a, code="B-01", path="B-01")


@pytest.fixture
def cola(db):
    item = ItemFactory(sku="COLA", name="可乐")
    ItemBarcodeFactory(item=item, barcode="6901234567892")
    return item


def form(kind, warehouse, *rows, **extra):
    """The document form as the browser posts it: header, management form and the rows."""
    data = {
        "kind": kind,
        "warehouse": warehouse.pk if warehouse else "",
        "posting_date": "2026-11-20",
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        **extra,
    }
    for n, row in enumerate(rows):
        for name, value in row.items():
            data[f"lines-{n}-{name}"] = "" if value is None else str(value)
    return data


BLANK = {"item": "", "unit": "", "qty": "", "location": "", "batch_no": ""}


def rows_in(html):
    """{index: {field: value}} of the rows in the answer (inputs' values, selects' choices)."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="lines-(\d+)-(\w+)"', tag)
        if name:
            value = re.search(r'value="([^"]*)"', tag)
            found.setdefault(int(name[1]), {})[name[2]] = value[1] if value else ""
    for n, name, body in re.findall(r'<select name="lines-(\d+)-(\w+)".*?>(.*?)</select>', html, re.S):
        chosen = re.search(r'value="([^"]*)"[^>]*selected', body)
        found.setdefault(int(n), {})[name] = chosen[1] if chosen else ""
    return found


def message(html):
    return re.search(r'<div id="scan-message"[^>]*>(.*?)</div>', html, re.S)[1].strip()


def total(html):
    match = re.search(r'name="lines-TOTAL_FORMS" value="(\d+)"', html)
    return int(match[1]) if match else None


def test_a_scan_fills_the_blank_row_with_the_item_unit_one_and_the_bin(client_for, warehouse_a, bin_a, cola):
    html = client_for("clerk_a").post(
        URL, form("receipt", warehouse_a, BLANK, op="scan", code="6901234567892")
    )
    html = html.content.decode()
    assert 'id="line-0"' in html and 'hx-swap-oob="true"' in html
    row = rows_in(html)[0]
    assert (row["item"], row["unit"], row["qty"], row["location"]) == (
        str(cola.pk),
        str(cola.base_unit_id),
        "1",
        str(bin_a.pk),
    )
    assert message(html) == "COLA 可乐 × 1"
    assert total(html) is None  # no row added: the row count stays as it is


def test_a_second_scan_of_the_same_code_adds_one_to_its_line(client_for, warehouse_a, bin_a, cola):
    line = {"item": cola.pk, "unit": cola.base_unit_id, "qty": "2", "location": bin_a.pk, "unit_cost": "1.5"}
    html = client_for("clerk_a").post(
        URL, form("receipt", warehouse_a, line, op="scan", code="6901234567892")
    )
    html = html.content.decode()
    assert rows_in(html)[0]["qty"] == "3"
    assert rows_in(html)[0]["unit_cost"] == "1.5"  # what was typed stays
    assert message(html) == "COLA 可乐 × 3"


def test_a_sku_is_found_in_any_case_and_with_spaces_around(client_for, warehouse_a, bin_a, cola):
    html = (
        client_for("clerk_a")
        .post(URL, form("receipt", warehouse_a, BLANK, op="scan", code="  cola "))
        .content
    )
    assert rows_in(html.decode())[0]["item"] == str(cola.pk)


def test_a_pack_barcode_starts_a_new_line_in_the_pack_unit(client_for, warehouse_a, bin_a, cola):
    box = ItemUnitFactory(item=cola)
    ItemBarcodeFactory(item=cola, barcode="16901234567899", unit=box.unit)
    line = {"item": cola.pk, "unit": cola.base_unit_id, "qty": "5", "location": bin_a.pk}
    html = client_for("clerk_a").post(
        URL, form("receipt", warehouse_a, line, op="scan", code="16901234567899")
    )
    html = html.content.decode()
    assert rows_in(html) == {1: rows_in(html)[1]}  # row 0 untouched, row 1 added
    assert (rows_in(html)[1]["unit"], rows_in(html)[1]["qty"]) == (str(box.unit_id), "1")
    assert 'hx-swap-oob="beforeend:#lines-rows"' in html
    assert total(html) == 2


def test_an_unknown_code_says_so_and_changes_no_line(client_for, warehouse_a, bin_a, cola):
    line = {"item": cola.pk, "unit": cola.base_unit_id, "qty": "2", "location": bin_a.pk}
    response = client_for("clerk_a").post(URL, form("receipt", warehouse_a, line, op="scan", code="0000"))
    html = response.content.decode()
    assert response.status_code == 200
    assert message(html) == "No item has the code 0000."
    assert 'data-level="danger"' in html
    assert rows_in(html) == {} and total(html) is None


def test_the_error_is_in_chinese_for_a_chinese_clerk(client_for, warehouse_a, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = client_for("clerk_a").post(URL, form("receipt", warehouse_a, BLANK, op="scan", code="0000"))
    assert "0000" in message(html.content.decode()) and "No item" not in html.content.decode()


@pytest.mark.parametrize(("role", "status"), [("purchasing", 403), ("sales", 403), ("clerk_b", 404)])
def test_only_clerks_of_the_warehouse_managers_and_administrators_may_scan(
    role, status, client_for, warehouse_a, cola
):
    data = form("receipt", warehouse_a, BLANK, op="scan", code="6901234567892")
    assert client_for(role).post(URL, data).status_code == status
    assert client_for(None).post(URL, data).status_code == 302  # to the log-in page
    assert client_for("manager").post(URL, data).status_code == 200


def test_the_view_takes_no_get(client_for):
    assert client_for("clerk_a").get(URL).status_code == 405


# Issues: FEFO --------------------------------------------------------------------------------


@pytest.fixture
def yoghurt(users, bin_a, bin_b):
    """YOG: 2 of batch EARLY (expires in 5 days) in B-01, 10 of LATE (in 30 days) in A-01,
    and 9 of an expired batch in A-01 that must never be offered."""
    item = ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)
    ItemBarcodeFactory(item=item, barcode="6900000000011")
    today = timezone.localdate()
    early = BatchFactory(item=item, batch_no="EARLY", expiry_date=today + timedelta(days=5))
    late = BatchFactory(item=item, batch_no="LATE", expiry_date=today + timedelta(days=30))
    gone = BatchFactory(item=item, batch_no="GONE", expiry_date=today - timedelta(days=1))
    post_moves(
        doc_type="seed",
        doc_id=1,
        doc_number="SEED-1",
        user=users["manager"],
        lines=[
            MoveLine(item.pk, bin_b.pk, Decimal("2"), early.pk, unit_cost=Decimal("3")),
            MoveLine(item.pk, bin_a.pk, Decimal("10"), late.pk, unit_cost=Decimal("3")),
            MoveLine(item.pk, bin_a.pk, Decimal("9"), gone.pk, unit_cost=Decimal("3")),
        ],
    )
    return item


def scan_issue(client, warehouse, rows, code="6900000000011"):
    return client.post(URL, form("issue", warehouse, *rows, op="scan", code=code)).content.decode()


def test_scans_on_an_issue_take_the_earliest_expiry_first_then_the_next_batch(
    client_for, warehouse_a, bin_a, bin_b, yoghurt
):
    clerk = client_for("clerk_a")
    html = scan_issue(clerk, warehouse_a, [BLANK])
    first = rows_in(html)[0]
    assert (first["location"], first["batch_no"], first["qty"]) == (str(bin_b.pk), "EARLY", "1")
    assert message(html) == "YOG 酸奶 × 1, batch EARLY"

    line0 = {
        "item": yoghurt.pk,
        "unit": yoghurt.base_unit_id,
        "qty": "1",
        "location": bin_b.pk,
        "batch_no": "EARLY",
    }
    html = scan_issue(clerk, warehouse_a, [line0])
    assert rows_in(html)[0]["qty"] == "2"  # EARLY has 2

    line0["qty"] = "2"  # all of EARLY: the next unit comes from LATE, on a new line
    html = scan_issue(clerk, warehouse_a, [line0])
    added = rows_in(html)[1]
    assert (added["location"], added["batch_no"], added["qty"]) == (str(bin_a.pk), "LATE", "1")
    assert total(html) == 2


def test_the_fefo_button_splits_the_quantity_over_batches(client_for, warehouse_a, bin_a, bin_b, yoghurt):
    line = {
        "item": yoghurt.pk,
        "unit": yoghurt.base_unit_id,
        "qty": "5",
        "location": bin_a.pk,
        "batch_no": "LATE",
    }
    html = (
        client_for("clerk_a").post(URL, form("issue", warehouse_a, line, op="fefo", row="0")).content.decode()
    )
    rows = rows_in(html)
    # 5 = 2 of EARLY (all of it) + 3 of LATE; never the 9 expired
    assert [(r["location"], r["batch_no"], r["qty"]) for r in (rows[0], rows[1])] == [
        (str(bin_b.pk), "EARLY", "2"),
        (str(bin_a.pk), "LATE", "3"),
    ]
    assert total(html) == 2
    today = timezone.localdate()
    assert message(html) == (
        f"FEFO for YOG 酸奶: WHA:B-01 batch EARLY (expires {today + timedelta(days=5):%Y-%m-%d}); "
        f"WHA:A-01 batch LATE (expires {today + timedelta(days=30):%Y-%m-%d})."
    )


def test_fefo_reports_what_unexpired_stock_cannot_cover(client_for, warehouse_a, yoghurt):
    line = {"item": yoghurt.pk, "unit": yoghurt.base_unit_id, "qty": "15", "location": "", "batch_no": ""}
    html = (
        client_for("clerk_a").post(URL, form("issue", warehouse_a, line, op="fefo", row="0")).content.decode()
    )
    assert [r["qty"] for r in rows_in(html).values()] == ["2", "10"]
    assert "3 个 short: only 12 can be taken from batches that have not expired." in message(html)  # 15 − 12
    assert 'data-level="warning"' in html


def test_choosing_a_batch_item_on_an_issue_fills_bin_and_batch_and_shows_the_batch_fields(
    client_for, warehouse_a, bin_b, yoghurt
):
    line = {**BLANK, "item": yoghurt.pk}
    html = (
        client_for("clerk_a").post(URL, form("issue", warehouse_a, line, op="item", row="0")).content.decode()
    )
    row = rows_in(html)[0]
    assert (row["unit"], row["location"], row["batch_no"], row["qty"]) == (
        str(yoghurt.base_unit_id),
        str(bin_b.pk),
        "EARLY",
        "",
    )
    assert 'class="btn btn-outline-secondary fefo-button' in html
    assert "Expires " in html


def test_a_receipt_row_shows_batch_fields_only_for_items_that_track_them(
    client_for, warehouse_a, bin_a, cola
):
    lot_item = ItemFactory(sku="MILK", tracking="batch_expiry")
    ItemBarcodeFactory(item=lot_item, barcode="6900000000028")
    batch_only = ItemFactory(sku="NUTS", tracking="batch")
    clerk = client_for("clerk_a")

    plain = clerk.post(URL, form("receipt", warehouse_a, BLANK, op="scan", code="cola")).content.decode()
    assert "lines-0-batch_no" not in plain and "lines-0-expiry_date" not in plain

    dated = clerk.post(
        URL, form("receipt", warehouse_a, BLANK, op="scan", code="6900000000028")
    ).content.decode()
    assert all(f'name="lines-0-{f}"' in dated for f in ("batch_no", "expiry_date", "production_date"))

    line = {**BLANK, "item": batch_only.pk}
    lot = clerk.post(URL, form("receipt", warehouse_a, line, op="item", row="0")).content.decode()
    assert 'name="lines-0-batch_no"' in lot and 'name="lines-0-production_date"' in lot
    assert 'name="lines-0-expiry_date"' not in lot


def test_the_edit_screen_shows_batch_fields_per_line(client_for, users, warehouse_a, bin_a, cola):
    lot_item = ItemFactory(sku="MILK", tracking="batch_expiry")
    doc = document_create(kind="receipt", warehouse=warehouse_a, user=users["clerk_a"])
    document_set_lines(
        document=doc,
        lines=[
            LineInput(cola, bin_a.pk, cola.base_unit_id, Decimal("1"), unit_cost=Decimal("1")),
            LineInput(
                lot_item,
                bin_a.pk,
                lot_item.base_unit_id,
                Decimal("1"),
                batch_no="L1",
                expiry_date=timezone.localdate() + timedelta(days=9),
                unit_cost=Decimal("1"),
            ),
        ],
    )
    html = (
        client_for("clerk_a").get(reverse("inventory:stockdocument_update", args=[doc.pk])).content.decode()
    )
    assert 'name="lines-0-batch_no"' not in html and 'name="lines-0-expiry_date"' not in html
    assert 'name="lines-1-batch_no"' in html and 'name="lines-1-expiry_date"' in html
    assert 'value="L1"' in html


def test_saving_an_issue_of_an_expired_batch_is_refused_with_its_name_and_date(
    client_for, warehouse_a, bin_a, yoghurt
):
    gone = yoghurt.batches.get(batch_no="GONE")
    response = client_for("clerk_a").post(
        reverse("inventory:stockdocument_create") + "?kind=issue",
        form(
            "issue",
            warehouse_a,
            {
                "item": yoghurt.pk,
                "unit": yoghurt.base_unit_id,
                "qty": "1",
                "location": bin_a.pk,
                "batch_no": "GONE",
            },
            posting_date=timezone.localdate().isoformat(),
            reference="",
            note="",
        ),
    )
    html = response.content.decode()
    assert f"batch GONE of YOG 酸奶 expired on {gone.expiry_date.isoformat()}" in html
    assert StockDocument.objects.count() == 0
