"""Import and export of items, suppliers and customers: upload checks, the all-or-nothing
preview/confirm flow, encodings, formula neutralising and who may do what."""

import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import Item, ItemBarcode
from inventory.resources import ItemResource
from inventory.spreadsheets import neutralise, unneutralise
from purchasing.models import Supplier
from sales.models import Customer

from .factories import (
    CategoryFactory,
    CustomerFactory,
    ItemBarcodeFactory,
    ItemFactory,
    PriceLevelFactory,
    UnitFactory,
)

ITEM_IMPORT = reverse("inventory:item_import")
ITEM_EXPORT = reverse("inventory:item_export")
HEADERS = ["SKU", "Name", "Category code", "Base unit code", "Safety stock", "Reorder point", "Barcodes"]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(db):
    return CategoryFactory(code="DRINK", name="饮料")


@pytest.fixture
def pcs(db):
    return UnitFactory(code="PCS", name="个")


@pytest.fixture
def masters(category, pcs):
    return category, pcs


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


def upload(client, name, content, url=ITEM_IMPORT):
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def problems_of(response):
    return [(p.row, p.column, p.message) for p in response.context["preview"].problems]


def form_errors(response):
    return response.context["form"].errors["file"]


# Good files ------------------------------------------------------------------------------------
def test_good_file_previews_without_saving_then_confirm_creates_exact_items(client_for, masters):
    client = client_for("purchasing")
    content = xlsx_bytes(
        [
            HEADERS,
            ["A-001", "矿泉水 550ml", "DRINK", "PCS", 12.5, "20.25", "6901234567890; 6901234567891"],
            ["A-002", "绿茶", "drink", "pcs", 0, 3, None],
        ]
    )

    preview = upload(client, "items.xlsx", content)

    assert preview.status_code == 200
    assert problems_of(preview) == []
    assert (preview.context["preview"].new, preview.context["preview"].updated) == (2, 0)
    assert Item.objects.count() == 0, "the preview must not save anything"
    assert b"confirm-button" in preview.content

    confirmed = client.post(ITEM_IMPORT, {"token": preview.context["token"]})

    assert confirmed.status_code == 302
    water, tea = Item.objects.order_by("sku")
    assert (water.sku, water.name, water.category.code, water.base_unit.code) == (
        "A-001",
        "矿泉水 550ml",
        "DRINK",
        "PCS",
    )
    assert water.safety_stock == Decimal("12.5")
    assert water.reorder_point == Decimal("20.25")
    assert (tea.safety_stock, tea.reorder_point) == (Decimal("0"), Decimal("3"))
    assert sorted(water.barcodes.values_list("barcode", flat=True)) == ["6901234567890", "6901234567891"]
    assert water.is_active and water.item_type == "merchandise", "empty or missing cells take the defaults"
    assert water.history.count() == 1, "imports leave the usual change history"
    masters[0].refresh_from_db()
    assert masters[0].path == "饮料", "categories are referenced, never created or rewritten"


def test_existing_sku_is_updated_and_preview_names_the_changed_columns(client_for, masters):
    item = ItemFactory(sku="A-001", name="旧名", category=masters[0], safety_stock=Decimal("1"))
    client = client_for("manager")

    preview = upload(
        client, "items.csv", csv_bytes([["sku", "name", "safety_stock"], ["A-001", "新名", "7.5"]])
    )

    assert (preview.context["preview"].new, preview.context["preview"].updated) == (0, 1)
    assert preview.context["preview"].rows[0]["changed"] == ["Name", "Safety stock"]
    client.post(ITEM_IMPORT, {"token": preview.context["token"]})
    item.refresh_from_db()
    assert (item.name, item.safety_stock, item.reorder_point) == ("新名", Decimal("7.5"), Decimal("20"))
    assert Item.objects.count() == 1


def test_gbk_csv_with_chinese_names_imports_correctly(client_for, masters):
    client = client_for("purchasing")
    content = csv_bytes(
        [["SKU", "Name", "Category code", "Base unit code"], ["G-1", "康师傅红烧牛肉面", "DRINK", "PCS"]],
        encoding="gbk",
    )
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    preview = upload(client, "gbk.csv", content)
    client.post(ITEM_IMPORT, {"token": preview.context["token"]})

    assert Item.objects.get(sku="G-1").name == "康师傅红烧牛肉面"


def test_utf8_csv_with_bom_matches_the_first_header(client_for, masters):
    client = client_for("purchasing")
    content = b"\xef\xbb\xbf" + csv_bytes(
        [["SKU", "Name", "Category code", "Base unit code"], ["U-1", "雪碧", "DRINK", "PCS"]]
    )

    preview = upload(client, "bom.csv", content)

    assert problems_of(preview) == []
    client.post(ITEM_IMPORT, {"token": preview.context["token"]})
    assert Item.objects.get(sku="U-1").name == "雪碧"


def test_headers_are_accepted_in_the_other_language(client_for, masters, settings):
    client = client_for("purchasing")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese_headers, _rows = read_xlsx(client.get(reverse("inventory:item_import_template")))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the user switched the screen to English meanwhile
    title = dict(zip(ItemResource().column_keys(), chinese_headers, strict=True))

    preview = upload(
        client,
        "zh.xlsx",
        xlsx_bytes(
            [
                [title["sku"], title["name"], title["category"], title["base_unit"], title["item_type"]],
                ["Z-1", "可乐", "DRINK", "PCS", "finished"],
            ]
        ),
    )

    assert problems_of(preview) == []
    client.post(ITEM_IMPORT, {"token": preview.context["token"]})
    assert Item.objects.get(sku="Z-1").item_type == "finished"


# Bad files: a row-level message and nothing saved ---------------------------------------------------
GOOD_ROW = ["OK-1", "好商品", "DRINK", "PCS", "1", "2", ""]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [["SKU", "Nmae", "Category code", "Base unit code"], ["X-1", "x", "DRINK", "PCS"]],
            (1, "Nmae", "Unknown column “Nmae”."),
            id="wrong-header",
        ),
        pytest.param(
            [HEADERS, GOOD_ROW, ["X-1", "x", "DRINK", "PCS", "abc", "1", ""]],
            (3, "Safety stock", "“abc” is not a number."),
            id="text-in-number-column",
        ),
        pytest.param(
            [HEADERS, GOOD_ROW, ["OK-1", "again", "DRINK", "PCS", "1", "1", ""]],
            (3, "SKU", "“OK-1” already appears in row 2 of this file."),
            id="duplicate-sku",
        ),
        pytest.param(
            [HEADERS, GOOD_ROW, ["X-1", "x", "NOPE", "PCS", "1", "1", ""]],
            (3, "Category code", "There is no category with the code “NOPE”."),
            id="unknown-category",
        ),
        pytest.param(
            [HEADERS, GOOD_ROW, ["X-1", "x", "DRINK", "PCS", "-5", "1", ""]],
            (3, "Safety stock", "Must not be negative."),
            id="negative-quantity",
        ),
        pytest.param(
            [HEADERS, GOOD_ROW, ["X-1", "", "DRINK", "PCS", "1", "1", ""]],
            (3, "Name", "This field cannot be blank."),
            id="missing-name",
        ),
        pytest.param(
            [
                ["SKU", "Name", "Category code", "Base unit code", "Item type"],
                ["X-1", "x", "DRINK", "PCS", "food"],
            ],
            (
                2,
                "Item type",
                "“food” is not one of: Raw material, Semi-finished good, Finished good, "
                "Spare part, Merchandise.",
            ),
            id="invalid-choice",
        ),
    ],
)
@pytest.mark.parametrize("extension", [".xlsx", ".csv"])
def test_bad_file_shows_row_level_error_and_saves_nothing(client_for, masters, rows, expected, extension):
    ItemFactory(sku="KEEP", category=masters[0])
    content = xlsx_bytes(rows) if extension == ".xlsx" else csv_bytes(rows)
    client = client_for("purchasing")

    response = upload(client, f"bad{extension}", content)

    assert expected in problems_of(response)
    html = response.content.decode()
    assert f"Row {expected[0]}" in html and expected[2] in html
    assert "confirm-button" not in html and response.context["token"] is None
    assert list(Item.objects.values_list("sku", flat=True)) == ["KEEP"]
    assert ItemBarcode.objects.count() == 0


def test_barcode_belonging_to_another_item_is_a_row_error(client_for, masters):
    ItemBarcodeFactory(barcode="6900000000001", item=ItemFactory(sku="OWNER", category=masters[0]))

    response = upload(
        client_for("purchasing"),
        "b.csv",
        csv_bytes(
            [
                ["sku", "name", "category", "base_unit", "barcodes"],
                ["NEW", "n", "DRINK", "PCS", "6900000000001"],
            ]
        ),
    )

    ((row, column, message),) = problems_of(response)
    assert (row, column) == (2, "Barcodes")
    assert "6900000000001" in message and "OWNER" in message
    assert not Item.objects.filter(sku="NEW").exists()


def test_maximum_below_minimum_is_refused_like_the_form_does(client_for, masters):
    response = upload(
        client_for("purchasing"),
        "m.csv",
        csv_bytes(
            [
                ["sku", "name", "category", "base_unit", "min_stock", "max_stock"],
                ["M-1", "m", "DRINK", "PCS", "10", "5"],
            ]
        ),
    )

    assert (2, "Maximum stock", "The maximum must not be below the minimum.") in problems_of(response)


def test_confirm_is_all_or_nothing_when_data_changed_after_the_preview(client_for, masters):
    client = client_for("purchasing")
    preview = upload(
        client,
        "i.csv",
        csv_bytes(
            [
                ["sku", "name", "category", "base_unit"],
                ["C-1", "one", "DRINK", "PCS"],
                ["C-2", "two", "DRINK", "PCS"],
            ]
        ),
    )
    assert preview.context["preview"].ok
    ItemFactory(sku="C-2", name="taken meanwhile", category=masters[0], base_unit=masters[1], is_active=True)
    masters[1].is_active = False  # the unit is deactivated between preview and confirm
    masters[1].save()

    confirmed = client.post(ITEM_IMPORT, {"token": preview.context["token"]})

    assert confirmed.status_code == 200
    assert "The unit “PCS” is deactivated." in [m for _r, _c, m in problems_of(confirmed)]
    assert not Item.objects.filter(sku="C-1").exists()
    assert Item.objects.get(sku="C-2").name == "taken meanwhile"


def test_confirm_token_is_single_use_and_bound_to_its_user(client_for, settings, masters):
    owner = client_for("purchasing")
    content = csv_bytes([["sku", "name", "category", "base_unit"], ["T-1", "t", "DRINK", "PCS"]])
    token = upload(owner, "t.csv", content).context["token"]
    waiting = Path(settings.MEDIA_ROOT) / "imports"
    assert [f.name for f in waiting.iterdir()] == [f"{token}.csv"]

    stranger = client_for("manager").post(ITEM_IMPORT, {"token": token}, follow=True)
    forged = owner.post(ITEM_IMPORT, {"token": "../../../etc/passwd"}, follow=True)
    assert not Item.objects.exists()
    first = owner.post(ITEM_IMPORT, {"token": token})
    again = owner.post(ITEM_IMPORT, {"token": token}, follow=True)

    for refused in (stranger, forged, again):
        assert "That upload has expired or was already imported." in refused.content.decode()
    assert first.status_code == 302
    assert list(Item.objects.values_list("sku", flat=True)) == ["T-1"]
    assert list(waiting.iterdir()) == [], "the waiting upload is deleted once imported"


def test_repeated_previews_keep_only_the_newest_uploads_waiting(client_for, settings, masters):
    client = client_for("purchasing")
    content = csv_bytes([["sku", "name", "category", "base_unit"], ["W-1", "w", "DRINK", "PCS"]])

    tokens = [upload(client, f"w{n}.csv", content).context["token"] for n in range(5)]

    waiting = sorted(f.name for f in (Path(settings.MEDIA_ROOT) / "imports").iterdir())
    assert waiting == sorted(f"{token}.csv" for token in tokens[-3:])
    assert client.post(ITEM_IMPORT, {"token": tokens[0]}).status_code == 302
    assert not Item.objects.exists(), "an evicted upload can no longer be confirmed"
    client.post(ITEM_IMPORT, {"token": tokens[-1]})
    assert Item.objects.filter(sku="W-1").exists()


# Upload checks before parsing -----------------------------------------------------------------
def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    return out.getvalue()


def test_zip_bomb_is_refused_before_openpyxl_parses_anything(client_for, masters, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    content = zip_bomb()
    assert len(content) < 100 * 1024

    response = upload(client_for("purchasing"), "bomb.xlsx", content)

    (message,) = form_errors(response)
    assert "zip bomb" in message and "at most 100 to 1" in message
    assert not Item.objects.exists()


def test_workbook_expanding_beyond_the_limit_is_refused(client_for, settings):
    settings.JXC_IMPORT_MAX_UNCOMPRESSED_BYTES = 1000
    response = upload(client_for("purchasing"), "big.xlsx", xlsx_bytes([HEADERS]))

    (message,) = form_errors(response)
    assert "The workbook would expand to" in message and "1000" in message.replace(",", "").replace(
        "\xa0", ""
    )


def test_file_larger_than_the_limit_is_refused(client_for, settings):
    settings.JXC_IMPORT_MAX_BYTES = 10
    response = upload(client_for("purchasing"), "x.csv", b"sku,name\nA,abcdefghij\n")

    (message,) = form_errors(response)
    assert message.startswith("The file is ") and "files of at most 10" in message


def test_non_zip_file_named_xlsx_is_refused(client_for):
    response = upload(client_for("purchasing"), "fake.xlsx", b"sku,name\nA,B\n")

    assert form_errors(response) == [
        "“fake.xlsx” is not an Excel file (.xlsx): it cannot be opened as a workbook."
    ]


def test_unsupported_extension_is_refused(client_for):
    response = upload(client_for("purchasing"), "items.xls", b"\xd0\xcf\x11\xe0")

    assert "Only Excel workbooks (.xlsx) and CSV files (.csv) can be imported" in form_errors(response)[0]


@pytest.mark.parametrize("extension", [".xlsx", ".csv"])
def test_rows_over_the_cap_are_refused(client_for, masters, settings, extension):
    settings.JXC_IMPORT_MAX_ROWS = 3
    rows = [HEADERS] + [[f"R-{n}", "r", "DRINK", "PCS", 1, 1, ""] for n in range(5)]
    content = xlsx_bytes(rows) if extension == ".xlsx" else csv_bytes(rows)

    response = upload(client_for("purchasing"), f"rows{extension}", content)

    assert form_errors(response) == ["The file has 5 rows; at most 3 rows can be imported at once."]
    assert not Item.objects.exists()


# Formula neutralising --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\0x", "'\0x"),
        ("a=b", "a=b"),
        ("", ""),
        (Decimal("-2"), Decimal("-2")),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise_quotes_formula_text_and_leaves_numbers_alone(value, expected):
    result = neutralise(value)

    assert result == expected and type(result) is type(expected)
    if isinstance(value, str):
        assert unneutralise(result) == value


# Export ---------------------------------------------------------------------------------------------
def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_export_neutralises_formulas_and_keeps_numbers_numeric(client_for, masters):
    for n, name in enumerate(["=SUM(A1)", "+1", "-2", "@x", "普通"]):
        ItemFactory(
            sku=f"E-{n}",
            name=name,
            category=masters[0],
            safety_stock=Decimal(n),
            reorder_point=Decimal("2.5"),
        )

    response = client_for("sales").get(ITEM_EXPORT)

    assert response.status_code == 200
    headers, rows = read_xlsx(response)
    names = {row[0]: row[headers.index("Name")] for row in rows}
    assert names == {"E-0": "'=SUM(A1)", "E-1": "'+1", "E-2": "'-2", "E-3": "'@x", "E-4": "普通"}
    for row in rows:
        assert isinstance(row[headers.index("Safety stock")], int | float)
        assert row[headers.index("Reorder point")] == 2.5


def test_csv_export_has_bom_neutralised_text_and_plain_numbers(client_for, masters):
    ItemFactory(sku="C-1", name='=HYPERLINK("x")', category=masters[0], safety_stock=Decimal("12.5000"))

    response = client_for("sales").get(ITEM_EXPORT, {"format": "csv"})

    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffSKU,Name,")
    (row,) = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert row["Name"] == '\'=HYPERLINK("x")'
    assert row["Safety stock"] == "12.5"


def test_export_honours_the_list_filter_and_skips_inactive_items(client_for, masters):
    ItemFactory(sku="K-1", name="apple", category=masters[0])
    ItemFactory(sku="K-2", name="pear", category=masters[0])
    ItemFactory(sku="K-3", name="apple old", category=masters[0], is_active=False)

    _headers, everything = read_xlsx(client_for("sales").get(ITEM_EXPORT))
    _headers, apples = read_xlsx(client_for("sales").get(ITEM_EXPORT, {"q": "apple"}))

    assert [r[0] for r in everything] == ["K-1", "K-2"]
    assert [r[0] for r in apples] == ["K-1"]


def test_exported_file_imports_back_without_changes(client_for, masters):
    ItemBarcodeFactory(
        barcode="6911111111111",
        item=ItemFactory(
            sku="RT-1", name="-20℃ 冷冻", spec="=1+1", category=masters[0], min_stock=Decimal("1.5")
        ),
    )
    client = client_for("manager")
    exported = b"".join(client.get(ITEM_EXPORT).streaming_content)

    preview = upload(client, "export.xlsx", exported)

    assert problems_of(preview) == []
    assert preview.context["preview"].rows == [
        {"row": 2, "action": "update", "record": "RT-1 -20℃ 冷冻", "changed": []}
    ]
    client.post(ITEM_IMPORT, {"token": preview.context["token"]})
    item = Item.objects.get(sku="RT-1")
    assert (item.name, item.spec, item.min_stock) == ("-20℃ 冷冻", "=1+1", Decimal("1.5"))
    assert list(item.barcodes.values_list("barcode", flat=True)) == ["6911111111111"]


def test_template_is_an_empty_workbook_with_the_column_titles(client_for):
    response = client_for("purchasing").get(reverse("inventory:item_import_template"))

    headers, rows = read_xlsx(response)
    assert headers[:4] == ("SKU", "Name", "Specification", "Category code")
    assert rows == []


# Permissions ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        ("sales", "inventory:item_export", 200),
        ("sales", "inventory:item_import", 403),
        ("sales", "inventory:item_import_template", 403),
        ("clerk_a", "inventory:item_export", 403),
        ("clerk_a", "inventory:item_import", 403),
        ("purchasing", "inventory:item_import", 200),
        ("purchasing", "purchasing:supplier_import", 200),
        ("purchasing", "purchasing:supplier_export", 200),
        ("sales", "sales:customer_import", 200),
        ("sales", "sales:customer_export", 200),
        ("sales", "purchasing:supplier_import", 403),
        ("purchasing", "sales:customer_import", 403),
        ("manager", "sales:customer_import", 200),
    ],
)
def test_who_may_import_and_export(client_for, role, url_name, status):
    assert client_for(role).get(reverse(url_name)).status_code == status


def test_sales_cannot_post_an_item_import(client_for, masters):
    response = upload(
        client_for("sales"),
        "i.csv",
        csv_bytes([["sku", "name", "category", "base_unit"], ["S-1", "s", "DRINK", "PCS"]]),
    )
    assert response.status_code == 403
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    "url_name", ["inventory:item_import", "inventory:item_export", "sales:customer_import"]
)
def test_anonymous_is_sent_to_login(client_for, url_name):
    response = client_for(None).get(reverse(url_name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_list_page_shows_the_import_and_export_buttons_by_permission(client_for):
    purchasing = client_for("purchasing").get(reverse("inventory:item_list")).content.decode()
    sales = client_for("sales").get(reverse("inventory:item_list")).content.decode()

    assert ITEM_IMPORT in purchasing and ITEM_EXPORT in purchasing
    assert ITEM_IMPORT not in sales and ITEM_EXPORT in sales


# Suppliers and customers -------------------------------------------------------------------------
def test_purchasing_imports_suppliers(client_for):
    client = client_for("purchasing")
    url = reverse("purchasing:supplier_import")
    content = csv_bytes(
        [
            ["code", "name", "payment_terms_days", "rating", "email"],
            ["SUP-1", "上海食品有限公司", "45", "4.5", "sales@example.com"],
        ]
    )

    preview = upload(client, "s.csv", content, url=url)
    client.post(url, {"token": preview.context["token"]})

    supplier = Supplier.objects.get(code="SUP-1")
    assert (supplier.name, supplier.payment_terms_days, supplier.rating) == (
        "上海食品有限公司",
        45,
        Decimal("4.5"),
    )


def test_supplier_rating_and_email_are_checked(client_for):
    url = reverse("purchasing:supplier_import")
    response = upload(
        client_for("purchasing"),
        "s.csv",
        csv_bytes([["code", "name", "rating", "email"], ["SUP-1", "s", "6", "not-an-email"]]),
        url=url,
    )

    assert set(problems_of(response)) == {
        (2, "Rating", "Must be between 0 and 5."),
        (2, "E-mail", "Enter a valid email address."),
    }
    assert not Supplier.objects.exists()


def test_sales_imports_customers_with_price_level_and_channel(client_for):
    PriceLevelFactory(code="WHOLESALE", name="批发价")
    client = client_for("sales")
    url = reverse("sales:customer_import")
    content = xlsx_bytes(
        [
            ["Code", "Name", "Channel", "Price level code", "Credit limit"],
            ["K-1", "华联超市", "Wholesale", "WHOLESALE", 80000.5],
            ["K-2", "路边店", "store", None, 0],
        ]
    )

    preview = upload(client, "c.xlsx", content, url=url)
    client.post(url, {"token": preview.context["token"]})

    big, small = Customer.objects.order_by("code")
    assert (big.channel, big.price_level.code, big.credit_limit) == (
        "wholesale",
        "WHOLESALE",
        Decimal("80000.50"),
    )
    assert (small.channel, small.price_level, small.credit_limit) == ("store", None, Decimal("0"))


def test_customer_with_unknown_price_level_or_channel_saves_nothing(client_for):
    CustomerFactory(code="K-0")
    url = reverse("sales:customer_import")
    response = upload(
        client_for("sales"),
        "c.csv",
        csv_bytes(
            [["code", "name", "channel", "price_level", "credit_limit"], ["K-1", "a", "market", "VIP", "-1"]]
        ),
        url=url,
    )

    assert set(problems_of(response)) == {
        (2, "Channel", "“market” is not one of: Store, E-commerce, Distribution, Wholesale, Other."),
        (2, "Price level code", "There is no price level with the code “VIP”."),
        (2, "Credit limit", "Must not be negative."),
    }
    assert list(Customer.objects.values_list("code", flat=True)) == ["K-0"]


# Language -------------------------------------------------------------------------------------------
def test_errors_come_in_the_users_language(client_for, masters, settings):
    client = client_for("purchasing")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = upload(
        client, "i.csv", csv_bytes([["sku", "name", "category", "base_unit"], ["Z-1", "", "DRINK", "PCS"]])
    )

    # Django's own catalogue translates this message whatever the state of ours.
    assert (2, "此字段不能为空。") in [(row, message) for row, _column, message in problems_of(response)]
    assert "此字段不能为空。" in response.content.decode()
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("cell", "message"),
    [("-1", "Must not be negative."), ("abc", "“%(value)s” is not a number.")],
    ids=["negative", "not-a-number"],
)
def test_our_messages_come_in_chinese_once_the_catalogue_has_them(
    client_for, masters, settings, cell, message
):
    from django.utils import translation

    with translation.override("zh-hans"):
        translated = translation.gettext(message) % {"value": cell}
    if translated == message % {"value": cell}:
        pytest.skip("the Chinese catalogue does not translate this import message yet (the lead handles it)")
    client = client_for("purchasing")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    rows = [["sku", "name", "category", "base_unit", "safety_stock"], ["Z-1", "z", "DRINK", "PCS", cell]]
    response = upload(client, "i.csv", csv_bytes(rows))

    assert translated in [m for _r, _c, m in problems_of(response)]
    assert not Item.objects.exists()
