"""A purchase order in Excel as the buyer meets it: the order exported to send to the supplier
(typed numbers and dates, totals, formula-looking text defused), and a draft's lines filled from a
spreadsheet — preview with row-level problems, then all or nothing."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from purchasing import services
from purchasing.models import OrderStatus, PurchaseOrder
from tests.factories import ItemFactory, UnitFactory

from .conftest import D

pytestmark = pytest.mark.django_db

HEADERS = ["SKU", "Unit code", "Quantity", "Unit price excl. tax", "Tax rate (%)", "Expected date", "Note"]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def draft(supplier, wh, buyer, milk, yoghurt, milk_price, yoghurt_price, box):
    """A draft of 2 March 2026, expected 9 March, with one line (5 boxes of milk at ¥60)."""
    order = services.order_create(
        supplier=supplier,
        warehouse=wh,
        user=buyer,
        order_date=date(2026, 3, 2),
        expected_date=date(2026, 3, 9),
    )
    services.order_set_lines(
        order_id=order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("5"))]
    )
    order.refresh_from_db()
    return order


def import_url(order):
    return reverse("purchasing:order_import", args=[order.pk])


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, order, name, content):
    return client.post(import_url(order), {"file": SimpleUploadedFile(name, content)})


def confirm(client, order, response):
    return client.post(import_url(order), {"token": response.context["token"]})


def problems_of(response):
    return [(p.row, p.column, p.message) for p in response.context["preview"].problems]


def form_errors_of(response):
    return response.context["form"].errors.get("file", [])


def snapshot(order):
    order = PurchaseOrder.objects.get(pk=order.pk)
    lines = [
        (ln.item_id, ln.unit_id, ln.qty, ln.price, ln.tax_rate, ln.expected_date, ln.note)
        for ln in order.lines.order_by("id")
    ]
    return order.status, order.total_net, order.total_tax, order.total, lines


# Export ----------------------------------------------------------------------------------------
def test_export_is_one_order_with_typed_numbers_and_dates_totals_and_defused_formulas(
    client_for, draft, milk, yoghurt, box
):
    services.order_update(order_id=draft.pk, user=None, reference="-5% promo")
    services.order_set_lines(
        order_id=draft.pk,
        lines=[
            # 10 boxes at the list's ¥60.00: 600.00, tax 13% 78.00
            services.OrderLineInput(item=milk, unit_id=box.pk, qty=D("10")),
            # 3 boxes at ¥29.999: 89.997 → 90.00, tax 9% 8.10
            services.OrderLineInput(
                item=yoghurt,
                unit_id=box.pk,
                qty=D("3"),
                price=D("29.999"),
                tax_rate=D("9"),
                expected_date=date(2026, 3, 20),
                note='=HYPERLINK("http://evil.example","click")',
            ),
        ],
    )
    response = client_for("purchasing").get(reverse("purchasing:order_export", args=[draft.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"Purchase order {draft.number}.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == draft.number
    header = {sheet.cell(r, 1).value: sheet.cell(r, 2) for r in range(2, 9)}
    assert header["Number"].value == draft.number
    assert header["Supplier"].value == "华东食品"
    assert header["Receiving warehouse"].value == "上海总仓"
    assert header["Order date"].value == datetime(2026, 3, 2) and header["Order date"].is_date
    assert header["Expected date"].value == datetime(2026, 3, 9) and header["Expected date"].is_date
    assert header["Status"].value == "Draft"
    assert header["Supplier reference"].value == "'-5% promo"  # would be a formula in Excel

    assert [c.value for c in sheet[10]] == [
        "SKU",
        "Name",
        "Specification",
        "Unit",
        "Quantity",
        "Unit price excl. tax",
        "Tax rate (%)",
        "Amount excluding tax",
        "Tax",
        "Total",
        "Expected date",
        "Note",
    ]
    assert all(c.font.b for c in sheet[10])
    assert sheet.freeze_panes == "A11"
    assert sheet.column_dimensions["B"].width == 28

    milk_row, yog_row, total_row = sheet[11], sheet[12], sheet[13]
    assert [c.value for c in milk_row[:4]] == ["MILK", "纯牛奶", None, "BOX"]
    numbers = [D(str(c.value)) for c in milk_row[4:10]]
    assert numbers == [D("10"), D("60"), D("13"), D("600"), D("78"), D("678")]
    assert all(c.data_type == "n" for c in milk_row[4:10])
    assert milk_row[10].value == datetime(2026, 3, 9) and milk_row[10].is_date
    assert [D(str(c.value)) for c in yog_row[4:10]] == [
        D("3"),
        D("29.999"),
        D("9"),
        D("90"),
        D("8.1"),
        D("98.1"),
    ]
    assert yog_row[10].value == datetime(2026, 3, 20)
    assert yog_row[11].value == '\'=HYPERLINK("http://evil.example","click")'
    assert yog_row[11].data_type == "s"
    assert total_row[0].value == "Total" and total_row[0].font.b
    # 600.00 + 90.00 = 690.00; 78.00 + 8.10 = 86.10; 776.10
    assert [D(str(c.value)) for c in total_row[7:10]] == [D("690"), D("86.1"), D("776.1")]
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize(
    ("role", "status"),
    [("purchasing", 200), ("manager", 200), ("administrator", 200), ("sales", 403), ("clerk_a", 403)],
)
def test_export_needs_the_view_permission(client_for, draft, role, status):
    assert client_for(role).get(reverse("purchasing:order_export", args=[draft.pk])).status_code == status


def test_export_of_an_unknown_order_is_404(client_for, draft):
    assert (
        client_for("manager").get(reverse("purchasing:order_export", args=[draft.pk + 99])).status_code == 404
    )


# Import: the good path -------------------------------------------------------------------------
def test_preview_prices_from_the_list_with_a_break_and_units_then_confirm_replaces_the_lines(
    client_for, draft, milk, yoghurt, box
):
    yoghurt.units.filter(unit=box).update(is_purchase_default=True)
    content = xlsx_bytes(
        [
            HEADERS,
            # 120 boxes: the 100-box break, ¥55.50: 6,660.00, tax 13% 865.80
            ["MILK", "BOX", 120, None, None, None, None],
            # 48 bottles = 2 boxes: ¥60 / 24 = ¥2.50 a bottle: 120.00, tax 9% 10.80
            ["MILK", "PCS", "48", "", 9, None, "散装"],
            # no unit: yoghurt's default purchase unit, the box; entered price ¥28.50: 114.00, tax 14.82
            ["YOG", None, 4, "28.5", "13%", date(2026, 3, 20), "冷链"],
        ]
    )
    client = client_for("purchasing")
    before = snapshot(draft)

    preview_response = upload(client, draft, "lines.xlsx", content)

    assert preview_response.status_code == 200
    preview = preview_response.context["preview"]
    assert preview.ok and problems_of(preview_response) == []
    assert preview.replaced == 1
    assert [(r.unit.code, r.price, r.from_price_list, r.amount, r.tax) for r in preview.rows] == [
        ("BOX", D("55.5000"), True, D("6660.00"), D("865.80")),
        ("PCS", D("2.5000"), True, D("120.00"), D("10.80")),
        ("BOX", D("28.5"), False, D("114.00"), D("14.82")),
    ]
    assert (preview.total_net, preview.total_tax, preview.grand_total) == (
        D("6894.00"),
        D("891.42"),
        D("7785.42"),
    )
    page = preview_response.content.decode()
    assert '<th class="num">Tax rate (%)</th>' in page
    assert 'id="grand-total">7,785.42<' in page
    assert "The order's 1 current line will be replaced." in page
    assert snapshot(draft) == before  # a preview writes nothing

    response = confirm(client, draft, preview_response)

    assert response.status_code == 302
    draft.refresh_from_db()
    lines = list(draft.lines.order_by("id").select_related("item", "unit"))
    assert [(ln.item.sku, ln.unit.code, ln.qty, ln.base_qty, ln.price, ln.tax_rate) for ln in lines] == [
        ("MILK", "BOX", D("120"), D("2880"), D("55.5000"), D("13")),
        ("MILK", "PCS", D("48"), D("48"), D("2.5000"), D("9")),
        ("YOG", "BOX", D("4"), D("48"), D("28.5000"), D("13")),
    ]
    assert [(ln.amount, ln.tax, ln.expected_date, ln.note) for ln in lines] == [
        (D("6660.00"), D("865.80"), date(2026, 3, 9), ""),
        (D("120.00"), D("10.80"), date(2026, 3, 9), "散装"),
        (D("114.00"), D("14.82"), date(2026, 3, 20), "冷链"),
    ]
    assert draft.total_net == D("6660.00") + D("120.00") + D("114.00") == D("6894.00")
    assert draft.total_tax == D("865.80") + D("10.80") + D("14.82") == D("891.42")
    assert draft.total == D("7785.42")
    assert draft.status == OrderStatus.DRAFT
    # The token is used up: confirming again changes nothing.
    again = confirm(client, draft, preview_response)
    assert again.status_code == 302 and snapshot(draft)[3] == D("7785.42")


def test_a_gbk_csv_with_chinese_headers_imports_correctly(client_for, draft):
    content = csv_bytes(
        [
            ["物料编码", "单位", "数量", "单价", "税率", "预计到货日期", "备注"],
            ["MILK", "BOX", "2", "", "", "2026/3/12", "整箱发货，勿倒置"],
        ],
        encoding="gbk",
    )
    client = client_for("purchasing")

    preview_response = upload(client, draft, "采购明细.csv", content)
    assert problems_of(preview_response) == []
    confirm(client, draft, preview_response)

    line = draft.lines.get()
    # 2 boxes at ¥60.00: 120.00, tax 15.60
    assert (line.qty, line.price, line.amount, line.tax) == (D("2"), D("60.0000"), D("120.00"), D("15.60"))
    assert (line.expected_date, line.note) == (date(2026, 3, 12), "整箱发货，勿倒置")


def test_a_utf8_csv_with_bom_imports(client_for, draft):
    content = "\ufeff".encode() + csv_bytes([HEADERS, ["YOG", "BOX", "1.5", "30", "0", "", ""]])
    client = client_for("manager")

    preview_response = upload(client, draft, "lines.csv", content)
    assert problems_of(preview_response) == []
    confirm(client, draft, preview_response)

    draft.refresh_from_db()
    # 1.5 × 30 = 45.00, no tax
    assert (draft.total_net, draft.total_tax, draft.total) == (D("45.00"), D("0.00"), D("45.00"))


def test_the_template_holds_the_orders_lines_and_imports_back_unchanged(
    client_for, draft, supplier, wh, buyer
):
    client = client_for("purchasing")
    response = client.get(reverse("purchasing:order_import_template") + f"?order={draft.pk}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert [c.value for c in sheet[2]][:3] == ["MILK", "BOX", 5]

    other = services.order_create(
        supplier=supplier,
        warehouse=wh,
        user=buyer,
        order_date=date(2026, 3, 2),
        expected_date=date(2026, 3, 9),
    )
    preview_response = upload(client, other, "template.xlsx", content)
    assert problems_of(preview_response) == []
    confirm(client, other, preview_response)

    assert snapshot(other)[1:] == snapshot(draft)[1:]


def test_the_plain_template_has_the_columns_and_an_example(client_for, draft):
    response = client_for("manager").get(reverse("purchasing:order_import_template"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 2 and sheet.freeze_panes == "A2"


# Import: what is refused -----------------------------------------------------------------------
def good(**changes):
    row = {"sku": "MILK", "unit": "BOX", "qty": 2, "price": None, "rate": None, "date": None, "note": ""}
    row.update(changes)
    return [row["sku"], row["unit"], row["qty"], row["price"], row["rate"], row["date"], row["note"]]


ROW_PROBLEMS = {
    "text in quantity": ([good(), good(qty="ten")], (3, "Quantity", "“ten” is not a number.")),
    "negative quantity": ([good(qty=-5)], (2, "Quantity", "The quantity must be greater than zero.")),
    "zero quantity": ([good(qty=0)], (2, "Quantity", "The quantity must be greater than zero.")),
    "empty quantity": ([good(qty=None)], (2, "Quantity", "This column is required.")),
    "too many decimals": ([good(qty="1.23456")], (2, "Quantity", "At most 4 decimal places.")),
    "unknown SKU": ([good(sku="NOPE")], (2, "SKU", "There is no item with the SKU “NOPE”.")),
    "unknown unit": ([good(unit="CRATE")], (2, "Unit code", "There is no unit with the code “CRATE”.")),
    "unit without conversion": (
        [good(unit="KG")],
        (2, "Unit code", "MILK 纯牛奶 has no conversion for the unit KG."),
    ),
    "text price": ([good(price="cheap")], (2, "Unit price excl. tax", "“cheap” is not a number.")),
    "negative price": ([good(price=-1)], (2, "Unit price excl. tax", "Must not be negative.")),
    "no price anywhere": (
        [good(sku="TEA", unit=None)],
        (2, "Unit price excl. tax", "华东食品 has no price for TEA 红茶; enter the price."),
    ),
    "tax rate above 100": ([good(rate=120)], (2, "Tax rate (%)", "The tax rate must lie between 0 and 100.")),
    "negative tax rate": ([good(rate=-1)], (2, "Tax rate (%)", "Must not be negative.")),
    "bad date": (
        [good(date="2026-02-30")],
        (2, "Expected date", "“2026-02-30” is not a date (use YYYY-MM-DD)."),
    ),
    "date before the order": (
        [good(date="2026-03-01")],
        (2, "Expected date", "The expected date cannot be before the order date 2026-03-02."),
    ),
    "note too long": ([good(note="长" * 201)], (2, "Note", "At most 200 characters.")),
    "inactive item": ([good(sku="OLD", unit=None, price=1)], (2, "SKU", "The item “OLD” is deactivated.")),
}


@pytest.mark.parametrize("case", list(ROW_PROBLEMS))
def test_a_bad_row_is_named_with_its_column_and_nothing_changes(client_for, draft, case):
    UnitFactory(code="KG", name="千克")
    ItemFactory(sku="TEA", name="红茶")
    ItemFactory(sku="OLD", name="旧货", is_active=False)
    rows, expected = ROW_PROBLEMS[case]
    client = client_for("purchasing")
    before = snapshot(draft)

    response = upload(client, draft, "lines.xlsx", xlsx_bytes([HEADERS, *rows]))

    assert expected in problems_of(response)
    assert response.context["token"] is None
    assert "Nothing will be saved" in response.content.decode()
    assert snapshot(draft) == before


HEADER_PROBLEMS = {
    "wrong header": (
        [["SKU", "Qty??", "Note"], ["MILK", 2, ""]],
        [(1, "Qty??", "Unknown column “Qty??”."), (1, "Quantity", "The column “Quantity” is missing.")],
    ),
    "duplicate column": (
        [["SKU", "Quantity", "数量"], ["MILK", 2, 3]],
        [(1, "数量", "The column “数量” appears twice.")],
    ),
    "values without a title": (
        [["SKU", "Quantity", None], ["MILK", 2, "x"]],
        [(1, "C", "Column C has values but no title.")],
    ),
    "no data rows": ([HEADERS], [(None, "", "The file has no data rows below the column titles.")]),
}


@pytest.mark.parametrize("case", list(HEADER_PROBLEMS))
def test_bad_headers_are_named_and_nothing_changes(client_for, draft, case):
    rows, expected = HEADER_PROBLEMS[case]
    before = snapshot(draft)

    response = upload(client_for("purchasing"), draft, "lines.xlsx", xlsx_bytes(rows))

    assert set(expected) <= set(problems_of(response))
    assert snapshot(draft) == before


def test_a_blank_csv_is_refused_as_having_no_columns_and_no_rows(client_for, draft):
    before = snapshot(draft)
    response = upload(client_for("purchasing"), draft, "blank.csv", b"\r\n \r\n")
    problems = problems_of(response)
    assert (1, "SKU", "The column “SKU” is missing.") in problems
    assert (None, "", "The file has no data rows below the column titles.") in problems
    assert snapshot(draft) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("lines.xlsx", b"SKU,Quantity\nMILK,2\n", "“lines.xlsx” is not an Excel file (.xlsx)"),
        ("empty.xlsx", b"", "The submitted file is empty."),
        (
            "lines.xls",
            b"\xd0\xcf\x11\xe0",
            "Only Excel workbooks (.xlsx) and CSV files (.csv) can be imported",
        ),
        ("lines.csv", b"\xff\xfe\xff\xfe\x00\xd8", "The CSV file is neither UTF-8 nor GBK/GB18030"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_clearly(client_for, draft, name, content, message):
    before = snapshot(draft)
    response = upload(client_for("purchasing"), draft, name, content)
    assert response.status_code == 200
    errors = form_errors_of(response) or [p.message for p in response.context.get("preview").problems]
    assert any(message in error for error in errors), errors
    assert snapshot(draft) == before


def test_too_many_rows_are_refused_before_reading(client_for, draft, settings):
    settings.JXC_IMPORT_MAX_ROWS = 3
    before = snapshot(draft)
    response = upload(client_for("purchasing"), draft, "big.xlsx", xlsx_bytes([HEADERS] + [good()] * 5))
    assert form_errors_of(response) == ["The file has 5 rows; at most 3 rows can be imported at once."]
    assert snapshot(draft) == before


def test_one_bad_row_among_good_ones_keeps_every_line_as_it_was(client_for, draft):
    before = snapshot(draft)
    rows = [HEADERS, good(qty=100), good(qty=3), good(sku="NOPE"), good(qty=1)]
    response = upload(client_for("purchasing"), draft, "lines.xlsx", xlsx_bytes(rows))
    assert problems_of(response) == [(4, "SKU", "There is no item with the SKU “NOPE”.")]
    assert [r.ok for r in response.context["preview"].rows] == [True, True, False, True]
    assert snapshot(draft) == before


# Import: only into drafts ----------------------------------------------------------------------
def test_import_into_an_order_that_is_not_a_draft_is_refused(client_for, approved_order):
    assert approved_order.status == OrderStatus.APPROVED
    client = client_for("purchasing")
    before = snapshot(approved_order)

    page = client.get(import_url(approved_order))
    assert f"Only a draft can be edited; {approved_order.number} is Approved." in page.content.decode()
    assert 'id="import-form"' not in page.content.decode()

    response = upload(client, approved_order, "lines.xlsx", xlsx_bytes([HEADERS, good()]))
    assert response.status_code == 409
    assert f"Only a draft can be edited; {approved_order.number} is Approved." in response.content.decode()
    assert snapshot(approved_order) == before


def test_an_order_submitted_between_preview_and_confirm_keeps_its_lines(client_for, draft, buyer):
    client = client_for("purchasing")
    preview_response = upload(client, draft, "lines.xlsx", xlsx_bytes([HEADERS, good(qty=7)]))
    assert preview_response.context["preview"].ok
    services.order_submit(order_id=draft.pk, user=buyer)
    before = snapshot(draft)

    response = confirm(client, draft, preview_response)

    assert response.status_code == 200
    assert (None, "", f"Only a draft can be edited; {draft.number} is Approved.") in problems_of(response)
    assert "Nothing was imported" in response.content.decode()
    assert snapshot(draft) == before


def test_a_preview_of_one_order_cannot_be_confirmed_into_another(client_for, draft, supplier, wh, buyer):
    other = services.order_create(supplier=supplier, warehouse=wh, user=buyer)
    client = client_for("purchasing")
    preview_response = upload(client, draft, "lines.xlsx", xlsx_bytes([HEADERS, good(qty=7)]))
    before = snapshot(other), snapshot(draft)

    response = client.post(import_url(other), {"token": preview_response.context["token"]})

    assert response.status_code == 302
    assert (snapshot(other), snapshot(draft)) == before


# Who may import --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("purchasing", 200), ("manager", 200), ("administrator", 200), ("sales", 403), ("clerk_a", 403)],
)
def test_import_and_template_need_the_change_permission(client_for, draft, role, status):
    client = client_for(role)
    assert client.get(import_url(draft)).status_code == status
    assert client.get(reverse("purchasing:order_import_template")).status_code == status
    before = snapshot(draft)
    response = upload(client, draft, "lines.xlsx", xlsx_bytes([HEADERS, good(qty=9)]))
    assert response.status_code == status
    assert snapshot(draft) == before


def test_anonymous_users_are_sent_to_log_in(client_for, draft):
    client = client_for(None)
    for url in (
        reverse("purchasing:order_export", args=[draft.pk]),
        import_url(draft),
        reverse("purchasing:order_import_template"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_a_workbook_that_would_expand_beyond_the_limit_is_not_opened(client_for, draft, settings):
    settings.JXC_IMPORT_MAX_UNCOMPRESSED_BYTES = 2000
    before = snapshot(draft)
    response = upload(client_for("purchasing"), draft, "bomb.xlsx", xlsx_bytes([HEADERS, good()]))
    assert any("The workbook would expand to" in error for error in form_errors_of(response))
    assert snapshot(draft) == before
