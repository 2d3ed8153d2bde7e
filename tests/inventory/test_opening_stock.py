"""期初库存导入 as an administrator, a manager and a clerk meet it: template, upload, preview with
values and row errors, confirm posting one receipt per warehouse — or nothing at all."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import trans_real

from inventory.exceptions import InventoryError
from inventory.ledger_check import ledger_differences
from inventory.models import (
    Batch,
    ItemValuation,
    PeriodClose,
    StockBalance,
    StockDocument,
    StockDocumentLine,
    StockMove,
)
from inventory.services import LineInput, document_reverse, opening_stock_post, period_close
from tests.factories import ItemFactory, ItemUnitFactory, LocationFactory, UnitFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("inventory:opening_stock_import")
TEMPLATE = reverse("inventory:opening_stock_template")
HEADERS = [
    "Warehouse code",
    "Location code",
    "SKU",
    "Quantity",
    "Unit code",
    "Unit cost",
    "Batch number",
    "Expiry date",
    "Production date",
    "Posting date",
]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def places(warehouse_a, warehouse_b):
    return {
        "A-01": LocationFactory(warehouse=warehouse_a, code="A-01", path="A-01"),
        "A-02": LocationFactory(warehouse=warehouse_a, code="A-02", path="A-02"),
        "A-03": LocationFactory(warehouse=warehouse_a, code="A-03", path="A-03"),
        "B-01": LocationFactory(warehouse=warehouse_b, code="B-01", path="B-01"),
    }


@pytest.fixture
def milk(db):
    item = ItemFactory(sku="MILK", name="纯牛奶")
    ItemUnitFactory(item=item, unit=UnitFactory(code="BOX", name="箱"), factor=Decimal("24"))
    return item


@pytest.fixture
def yoghurt(db):
    return ItemFactory(sku="YOG", name="酸奶", tracking="batch_expiry", shelf_life_days=21)


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


def upload(client, name, content):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})


def problems_of(response):
    return [(p.row, p.column, p.message) for p in response.context["preview"].problems]


def nothing_written():
    return (
        StockDocument.objects.count(),
        StockDocumentLine.objects.count(),
        StockMove.objects.count(),
        Batch.objects.count(),
        StockBalance.objects.count(),
    ) == (0, 0, 0, 0, 0)


GOOD_ROWS = [
    HEADERS,
    # 10 boxes of 24 at 60.00 a box: 240 pieces at 2.50 = 600.00
    ["WHA", "A-01", "MILK", 10, "BOX", "60.00", None, None, None, "2026-10-31"],
    ["WHB", "B-01", "MILK", 100, None, 2.8, None, None, None, "2026-10-31"],  # 280.00
    ["WHA", "A-02", "YOG", "12.5", None, "4.20", "L20261020", "2027-01-31", "2026-10-20", None],  # 52.50
]


# The good path ---------------------------------------------------------------------------------
def test_preview_shows_values_and_totals_then_confirm_posts_one_receipt_per_warehouse(
    client_for, users, warehouse_a, warehouse_b, places, milk, yoghurt
):
    client = client_for("manager")

    preview = upload(client, "期初库存.xlsx", xlsx_bytes(GOOD_ROWS))

    assert preview.status_code == 200
    assert problems_of(preview) == []
    summary = preview.context["preview"]
    assert [(r.line, r.base_qty, r.value) for r in summary.rows] == [
        (2, Decimal("240.0000"), Decimal("600.00")),
        (3, Decimal("100.0000"), Decimal("280.00")),
        (4, Decimal("12.5000"), Decimal("52.50")),
    ]
    assert [(t.warehouse.code, t.lines, t.value) for t in summary.totals] == [
        ("WHA", 2, Decimal("652.50")),  # 600.00 + 52.50
        ("WHB", 1, Decimal("280.00")),
    ]
    assert summary.total_value == Decimal("932.50")
    assert summary.posting_date == date(2026, 10, 31), "one date in the file holds for every row"
    html = preview.content.decode()
    assert "652.50" in html and "932.50" in html and "confirm-button" in html
    assert nothing_written(), "the preview must not write anything"

    confirmed = client.post(IMPORT, {"token": preview.context["token"]})

    docs = list(StockDocument.objects.order_by("warehouse__code"))
    assert confirmed.status_code == 302
    assert [(d.kind, d.status, d.warehouse.code, d.reference, d.posting_date) for d in docs] == [
        ("receipt", "posted", "WHA", "Opening stock", date(2026, 10, 31)),
        ("receipt", "posted", "WHB", "Opening stock", date(2026, 10, 31)),
    ]
    assert docs[0].created_by == docs[0].posted_by == users["manager"]
    moves = sorted(
        StockMove.objects.values_list(
            "warehouse__code", "location__code", "item__sku", "qty", "unit_cost", "value"
        )
    )
    assert moves == [
        ("WHA", "A-01", "MILK", Decimal("240.0000"), Decimal("2.500000"), Decimal("600.00")),
        ("WHA", "A-02", "YOG", Decimal("12.5000"), Decimal("4.200000"), Decimal("52.50")),
        ("WHB", "B-01", "MILK", Decimal("100.0000"), Decimal("2.800000"), Decimal("280.00")),
    ]
    assert {timezone.localdate(m.moved_at) for m in StockMove.objects.all()} == {date(2026, 10, 31)}
    milk_value = ItemValuation.objects.get(item=milk)
    # (600.00 + 280.00) / (240 + 100) = 2.5882352… → 2.588235
    assert (milk_value.qty, milk_value.value, milk_value.avg_cost) == (
        Decimal("340.0000"),
        Decimal("880.00"),
        Decimal("2.588235"),
    )
    batch = Batch.objects.get(item=yoghurt)
    assert (batch.batch_no, batch.expiry_date, batch.production_date) == (
        "L20261020",
        date(2027, 1, 31),
        date(2026, 10, 20),
    )
    assert StockBalance.objects.get(item=yoghurt).on_hand == Decimal("12.5")
    assert ledger_differences() == []


def test_the_opening_stock_document_can_be_reversed_like_any_other(client_for, users, places, milk):
    client = client_for("manager")
    preview = upload(client, "o.xlsx", xlsx_bytes([HEADERS, ["WHA", "A-01", "MILK", 5, None, 2, None, None]]))
    client.post(IMPORT, {"token": preview.context["token"]})
    doc = StockDocument.objects.get()

    document_reverse(document_id=doc.pk, user=users["manager"])

    assert StockBalance.objects.get(item=milk).on_hand == Decimal("0")
    assert ItemValuation.objects.get(item=milk).value == Decimal("0.00")
    assert ledger_differences() == []


# Row errors and all or nothing -----------------------------------------------------------------
def test_every_row_error_is_named_with_row_and_column_and_nothing_is_written(
    client_for, warehouse_a, warehouse_b, places, milk, yoghurt
):
    ItemFactory(sku="OLD", name="旧品", is_active=False)
    LocationFactory(warehouse=warehouse_b, code="B-02", path="B-02")
    rows = [
        HEADERS,
        ["WHA", "A-01", "MILK", 1, None, 1, None, None],  # 2: good
        ["WHX", "A-01", "MILK", 1, None, 1, None, None],  # 3
        ["WHA", "Z-99", "MILK", 1, None, 1, None, None],  # 4
        ["WHA", "B-02", "MILK", 1, None, 1, None, None],  # 5
        ["WHA", "A-01", "NOPE", 1, None, 1, None, None],  # 6
        ["WHA", "A-02", "MILK", "ten", None, 1, None, None],  # 7
        ["WHA", "A-03", "MILK", 0, None, 1, None, None],  # 8
        ["WHB", "B-01", "MILK", -3, None, "-1", None, None],  # 9
        ["WHA", "A-02", "YOG", 1, None, 1, None, None],  # 10
        ["WHB", "B-01", "YOG", 1, "KG", 1, "L1", "2027-01-01"],  # 11
        ["WHA", "A-01", "MILK", 2, "BOX", 1, None, None],  # 12: same key as row 2
        ["WHB", "B-01", "YOG", 1, None, 1, "L2", None],  # 13
        ["WHB", "B-01", "OLD", 1, None, None, None, None],  # 14
    ]

    response = upload(client_for("administrator"), "bad.xlsx", xlsx_bytes(rows))

    assert problems_of(response) == [
        (3, "Warehouse code", "There is no warehouse with the code “WHX”."),
        (4, "Location code", "There is no location “Z-99” in warehouse 仓库A."),
        (5, "Location code", "The location “B-02” is not in warehouse 仓库A."),
        (6, "SKU", "There is no item with the SKU “NOPE”."),
        (7, "Quantity", "“ten” is not a number."),
        (8, "Quantity", "The quantity must be greater than zero."),
        (9, "Quantity", "The quantity must be greater than zero."),
        (9, "Unit cost", "Must not be negative."),
        (10, "Batch number", "YOG 酸奶 is tracked by batch: enter the batch number."),
        (11, "Unit code", "There is no unit with the code “KG”."),
        (12, "SKU", "The same warehouse, location, SKU and batch are already in row 2."),
        (
            13,
            "Expiry date",
            "YOG 酸奶 is tracked by expiry date: enter the expiry date of the new batch L2.",
        ),
        (14, "SKU", "The item “OLD” is deactivated."),
        (14, "Unit cost", "This column is required."),
    ]
    assert response.context["token"] is None and b"confirm-button" not in response.content
    assert b"import-refused" in response.content
    assert nothing_written()


def test_header_problems_are_reported_before_any_row(client_for, places):
    rows = [["Warehouse code", "SKU", "Quantity", "Colour", "SKU"], ["WHA", "MILK", 1, "red", "X"]]
    response = upload(client_for("manager"), "h.xlsx", xlsx_bytes(rows))
    assert problems_of(response) == [
        (1, "Colour", "Unknown column “Colour”."),
        (1, "SKU", "The column “SKU” appears twice."),
        (1, "Location code", "The column “Location code” is missing."),
        (1, "Unit cost", "The column “Unit cost” is missing."),
    ]


def test_units_without_conversion_batches_on_untracked_items_and_dates_are_checked(
    client_for, places, milk, yoghurt
):
    UnitFactory(code="KG", name="千克")
    Batch.objects.create(item=yoghurt, batch_no="OLD1", expiry_date=date(2027, 3, 1))
    tomorrow = date.fromordinal(timezone.localdate().toordinal() + 1)
    rows = [
        HEADERS,
        ["WHA", "A-01", "MILK", 1, "KG", 1, None, None],
        ["WHA", "A-02", "MILK", 1, None, 1, "L9", None],
        ["WHA", "A-01", "YOG", 1, None, 1, "OLD1", "2027-04-01"],
        ["WHA", "A-02", "YOG", 1, None, 1, "N1", "31/12/2026"],
        ["WHB", "B-01", "YOG", 1, None, 1, "N2", "2026-01-01", "2026-02-01"],
        ["WHB", "B-01", "MILK", "1.23456", None, 1, None, None, None, tomorrow],
    ]
    response = upload(client_for("manager"), "x.xlsx", xlsx_bytes(rows))
    assert problems_of(response) == [
        (2, "Unit code", "MILK 纯牛奶 has no conversion for the unit KG."),
        (3, "Batch number", "MILK 纯牛奶 is not tracked by batch: leave the batch number empty."),
        (4, "Expiry date", "Batch OLD1 already exists with the expiry date 2027-03-01."),
        (5, "Expiry date", "“31/12/2026” is not a date (use YYYY-MM-DD)."),
        (6, "Expiry date", "The expiry date is before the production date."),
        (7, "Quantity", "At most 4 decimal places."),
        (7, "Posting date", "The posting date must not be in the future."),
    ]


def test_a_closed_month_is_refused_with_the_period_message(client_for, users, places, milk):
    period_close(year=2026, month=9, user=users["manager"])
    rows = [HEADERS, ["WHA", "A-01", "MILK", 1, None, 1, None, None, None, "2026-09-30"]]
    response = upload(client_for("manager"), "p.xlsx", xlsx_bytes(rows))
    assert problems_of(response) == [
        (2, "Posting date", "The books are closed through 2026-09-30: nothing can be posted on 2026-09-30.")
    ]


def test_a_month_closed_between_preview_and_confirm_posts_nothing(client_for, users, places, milk, yoghurt):
    client = client_for("manager")
    rows = [
        HEADERS,
        ["WHA", "A-01", "MILK", 1, None, 1, None, None, None, "2026-09-15"],
        ["WHB", "B-01", "YOG", 1, None, 1, "L5", "2027-01-01", None, "2026-09-15"],
    ]
    preview = upload(client, "late.xlsx", xlsx_bytes(rows))
    assert problems_of(preview) == []
    period_close(year=2026, month=9, user=users["manager"])

    response = client.post(IMPORT, {"token": preview.context["token"]})

    assert response.status_code == 200
    assert problems_of(response) == [
        (2, "Posting date", "The books are closed through 2026-09-30: nothing can be posted on 2026-09-15."),
        (3, "Posting date", "The books are closed through 2026-09-30: nothing can be posted on 2026-09-15."),
    ]
    assert "Nothing was imported" in response.content.decode()
    assert nothing_written()
    assert PeriodClose.objects.count() == 1


def test_a_failure_in_the_second_warehouse_undoes_the_first(
    users, warehouse_a, warehouse_b, places, milk, yoghurt
):
    lines = {
        warehouse_a: [
            LineInput(milk, places["A-01"].pk, milk.base_unit_id, Decimal("3"), unit_cost=Decimal("1"))
        ],
        warehouse_b: [
            LineInput(
                yoghurt,
                places["B-01"].pk,
                yoghurt.base_unit_id,
                Decimal("1"),
                unit_cost=Decimal("1"),
                batch_no="NEW",
                expiry_date=date(2027, 1, 1),
            ),  # fmt: skip
            LineInput(yoghurt, places["B-01"].pk, yoghurt.base_unit_id, Decimal("1"), unit_cost=Decimal("1")),
        ],
    }
    with pytest.raises(InventoryError, match="tracked by batch"):
        opening_stock_post(lines=lines, user=users["manager"], posting_date=date(2026, 10, 1))
    assert nothing_written()


def test_a_confirm_token_is_used_once(client_for, places, milk):
    client = client_for("manager")
    preview = upload(client, "o.xlsx", xlsx_bytes([HEADERS, ["WHA", "A-01", "MILK", 5, None, 2, None, None]]))
    client.post(IMPORT, {"token": preview.context["token"]})
    again = client.post(IMPORT, {"token": preview.context["token"]}, follow=True)
    assert "expired or was already imported" in again.content.decode()
    assert StockDocument.objects.count() == 1 and StockMove.objects.count() == 1


# Translations ----------------------------------------------------------------------------------
@pytest.fixture
def zh_catalog():
    """Messages this feature adds, as the compiled catalogue will have them, so the test proves
    they go through gettext in the user's language before locale/ is compiled."""
    catalog = trans_real.translation("zh-hans")._catalog
    added = {"There is no item with the SKU “%(sku)s”.": "不存在商品编码为“%(sku)s”的商品。"}
    originals = {key: catalog.get(key) for key in added}
    for key, value in added.items():
        catalog[key] = value
    yield
    for key, value in originals.items():
        if value is None:
            catalog._catalogs[0].pop(key, None)
        else:
            catalog[key] = value


def test_row_errors_read_in_chinese(client_for, places, milk, zh_catalog):
    client = client_for("manager")
    rows = [
        HEADERS,
        ["WHA", "A-01", "MILK", "十", None, 1, None, None],
        ["WHA", "A-02", "MILK", 0, None, None],
        ["WHA", "A-03", "无此商品", 1, None, 1],
    ]
    content = xlsx_bytes(rows)
    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("中文.xlsx", content)}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert problems_of(response) == [
        (2, "数量", "“十”不是数字。"),
        (3, "数量", "数量必须大于零。"),
        (3, "单位成本", "此列为必填项。"),
        (4, "商品编码", "不存在商品编码为“无此商品”的商品。"),
    ]


# Template, round trips, encodings and file checks ----------------------------------------------
def test_the_template_round_trips_unchanged_and_filled_in(client_for, places, milk):
    client = client_for("manager")
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert rows[1][:6] == ["WHA", "A-01", "MILK", 100, "PCS", 2.5], "the example uses the user's own codes"

    unchanged = upload(client, "template.xlsx", content)
    assert problems_of(unchanged) == []
    assert [(r.base_qty, r.value) for r in unchanged.context["preview"].rows] == [
        (Decimal("100.0000"), Decimal("250.00"))
    ]

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    sheet.delete_rows(2)
    sheet.append(["WHB", "B-01", "MILK", 2, "BOX", 48, None, None, None, None])
    out = io.BytesIO()
    sheet.parent.save(out)
    filled = upload(client, "filled.xlsx", out.getvalue())
    assert problems_of(filled) == []
    client.post(IMPORT, {"token": filled.context["token"]})
    move = StockMove.objects.get()
    assert (move.qty, move.unit_cost, move.value) == (Decimal("48"), Decimal("2"), Decimal("96.00"))
    assert StockDocument.objects.get().posting_date == timezone.localdate(), "no date: today"


def test_a_gbk_csv_with_chinese_headers_imports(client_for, places, milk):
    rows = [
        ["仓库", "库位", "商品编码", "数量", "单位", "单价", "批次", "有效期"],
        ["WHA", "A-01", "MILK", "3", "", "1,200.5", "", ""],
    ]
    client = client_for("manager")
    preview = upload(client, "期初.csv", csv_bytes(rows, "gbk"))
    assert problems_of(preview) == []
    assert preview.context["preview"].rows[0].value == Decimal("3601.50")  # 3 × 1,200.50
    client.post(IMPORT, {"token": preview.context["token"]})
    assert StockMove.objects.get().value == Decimal("3601.50")
    assert ledger_differences() == []


def test_formula_prefixed_text_imports_as_the_text(client_for, places, yoghurt):
    rows = [HEADERS, ["WHA", "A-01", "YOG", 1, None, 1, "'=B1", "2027-01-01"]]
    client = client_for("manager")
    preview = upload(client, "f.xlsx", xlsx_bytes(rows))
    assert problems_of(preview) == []
    client.post(IMPORT, {"token": preview.context["token"]})
    assert Batch.objects.get().batch_no == "=B1"


def test_the_dataio_file_checks_apply(client_for, settings, places, milk):
    client = client_for("manager")
    not_zip = upload(client, "fake.xlsx", b"this is not a workbook")
    assert "is not an Excel file" in str(not_zip.context["form"].errors["file"])
    settings.JXC_IMPORT_MAX_ROWS = 2
    many = [HEADERS] + [["WHA", "A-01", "MILK", 1, None, 1]] * 3
    too_many = upload(client, "many.xlsx", xlsx_bytes(many))
    assert "at most 2 rows" in str(too_many.context["form"].errors["file"])
    not_text = upload(client, "bad.csv", b"SKU,Quantity\n\xff\xff,1\n")
    assert "neither UTF-8 nor GBK" in str(not_text.context["form"].errors["file"])
    assert nothing_written()


# Who may do it ---------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [IMPORT, TEMPLATE])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        ("purchasing", 403),
        ("sales", 403),
        ("clerk_a", 200),
        ("manager", 200),
        ("administrator", 200),
    ],
)
def test_only_those_who_enter_and_post_documents_import_opening_stock(url, role, status, client_for):
    response = client_for(role).get(url)
    assert response.status_code == status
    if role is None:
        assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["purchasing", "sales"])
def test_uploads_by_other_roles_are_refused(role, client_for, places, milk):
    response = upload(client_for(role), "o.xlsx", xlsx_bytes([HEADERS, ["WHA", "A-01", "MILK", 1, None, 1]]))
    assert response.status_code == 403
    assert nothing_written()


def test_a_clerk_imports_into_their_warehouse_but_not_another(client_for, places, milk):
    clerk = client_for("clerk_a")
    rows = [HEADERS, ["WHA", "A-01", "MILK", 1, None, 1], ["WHB", "B-01", "MILK", 1, None, 1]]
    refused = upload(clerk, "two.xlsx", xlsx_bytes(rows))
    assert problems_of(refused) == [(3, "Warehouse code", "You may not post stock in warehouse 仓库B.")]
    assert nothing_written()

    allowed = upload(clerk, "one.xlsx", xlsx_bytes(rows[:2]))
    assert problems_of(allowed) == []
    clerk.post(IMPORT, {"token": allowed.context["token"]})
    assert list(StockDocument.objects.values_list("warehouse__code", "status")) == [("WHA", "posted")]


def test_the_stock_documents_list_links_to_the_import_for_those_who_may(client_for):
    assert IMPORT in client_for("clerk_a").get(reverse("inventory:stockdocument_list")).content.decode()
    assert (
        IMPORT not in client_for("purchasing").get(reverse("inventory:stockdocument_list")).content.decode()
    )
