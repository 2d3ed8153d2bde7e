"""The hostile-file catalogue: every malformed file in CASES against every importer the app has,
through the upload screen (the test client posts the file) and through the import function that a
script or a task would call directly, committing.

Each file gets the message a user would read — naming the row and the column where a row is at
fault, in the user's language — and the database stays exactly as it was. Every file also carries
good rows (one updating an existing record, one creating a new one), so an import that was not all
or nothing would show in the state compared before and after.

Importers: items, suppliers and customers (accounts.dataio.run_import with the resources of
inventory/purchasing/sales), opening stock (inventory.views_opening.run_opening_import) and a
draft purchase order's lines (purchasing.po_excel.import_order_lines). A case that cannot apply to
an importer is in NOT_APPLICABLE with the reason.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from accounts.dataio import run_import
from inventory.models import (
    Batch,
    Item,
    ItemBarcode,
    StockBalance,
    StockDocument,
    StockDocumentLine,
    StockMove,
)
from inventory.opening import SHEET as OPENING_SHEET
from inventory.resources import ItemResource
from inventory.spreadsheets import SpreadsheetRejected, read_table
from inventory.views_opening import run_opening_import
from purchasing import po_excel, services
from purchasing.models import PurchaseOrder, Supplier
from purchasing.resources import SupplierResource
from sales.models import Customer
from sales.resources import CustomerResource
from tests.conftest import login
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    ItemFactory,
    ItemUnitFactory,
    LocationFactory,
    PriceLevelFactory,
    SupplierFactory,
    SupplierItemFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# The world the files are imported into ----------------------------------------------------------
@dataclass
class World:
    users: dict
    order: PurchaseOrder


@pytest.fixture
def world(roles, warehouse_a):
    users = {role: UserFactory(username=role, roles=[role]) for role in ("purchasing", "sales", "manager")}
    category = CategoryFactory(code="DRINK", name="饮料")
    pcs, box = UnitFactory(code="PCS", name="个"), UnitFactory(code="BOX", name="箱")
    ItemFactory(sku="KEEP", name="保留", category=category, base_unit=pcs, safety_stock=Decimal("5"))
    milk = ItemFactory(sku="MILK", name="纯牛奶", category=category, base_unit=pcs)
    ItemUnitFactory(item=milk, unit=box, factor=Decimal("24"))
    for code in ("A-01", "A-02", "A-03", "A-04", "A-05", "A-06"):
        LocationFactory(warehouse=warehouse_a, code=code, path=code)
    SupplierFactory(code="S-KEEP", name="老供应商", payment_terms_days=30)
    PriceLevelFactory(code="RETAIL", name="零售价")
    CustomerFactory(code="K-KEEP", name="老客户", credit_limit=Decimal("1000.00"))
    supplier = SupplierFactory(code="HDSP", name="华东食品")
    SupplierItemFactory(supplier=supplier, item=milk, unit=box, price=Decimal("60.0000"))
    order = services.order_create(
        supplier=supplier, warehouse=warehouse_a, user=users["purchasing"], order_date=date(2026, 3, 2)
    )
    services.order_set_lines(
        order_id=order.pk, lines=[services.OrderLineInput(item=milk, unit_id=box.pk, qty=Decimal("5"))]
    )
    return World(users=users, order=order)


# The importers ----------------------------------------------------------------------------------
def _resource_problems(resource_class):
    def run(world, upload):
        preview = run_import(resource_class(), upload, dry_run=False)
        return preview.problems

    return run


def _opening_problems(world, upload):
    preview, _documents = run_opening_import(upload, user=world.users["manager"], commit=True)
    return preview.problems


def _order_lines_problems(world, upload):
    preview = po_excel.import_order_lines(
        read_table(upload),
        order_id=world.order.pk,
        user=world.users["purchasing"],
        file_name=upload.name,
        commit=True,
    )
    return preview.problems


def _resource_zh_headers(resource_class, keys):
    resource = resource_class()
    with translation.override("zh-hans"):
        return [str(resource.column_title(key)) for key in keys]


def _items_state(world):
    return (
        list(Item.objects.order_by("sku").values_list("sku", "name", "safety_stock", "category__code")),
        ItemBarcode.objects.count(),
        Item.history.count(),
    )


def _suppliers_state(world):
    return (
        list(Supplier.objects.order_by("code").values_list("code", "name", "payment_terms_days")),
        Supplier.history.count(),
    )


def _customers_state(world):
    return (
        list(Customer.objects.order_by("code").values_list("code", "name", "credit_limit", "price_level")),
        Customer.history.count(),
    )


def _opening_state(world):
    return tuple(
        model.objects.count() for model in (StockDocument, StockDocumentLine, StockMove, StockBalance, Batch)
    )


def _order_state(world):
    order = PurchaseOrder.objects.get(pk=world.order.pk)
    lines = list(order.lines.order_by("id").values_list("item__sku", "unit__code", "qty", "price"))
    return order.status, order.total, lines


@dataclass(frozen=True, eq=False)  # hashed by identity, for zip_bomb's cache
class Importer:
    id: str
    role: str  # who uploads on the screen
    url: Callable[[World], str]
    headers: list[str]  # the column titles in English
    zh_headers: Callable[[], list[str]]  # the same columns titled in Chinese
    good_rows: list[list]  # the first updates an existing record (or line), the second is new
    key: str  # the column that identifies a row
    number: str  # a number column: a quantity, amount or number of days
    required: str  # a column a new row cannot do without, besides the key
    reference: str | None  # a column naming another record by its code
    service: Callable  # (world, upload) -> problems; raises SpreadsheetRejected
    state: Callable[[World], object]

    def index(self, title: str) -> int:
        return self.headers.index(title)


ITEM_COLUMNS = ["sku", "name", "category", "base_unit", "safety_stock"]
SUPPLIER_COLUMNS = ["code", "name", "payment_terms_days"]
CUSTOMER_COLUMNS = ["code", "name", "price_level", "credit_limit"]
OPENING_COLUMNS = ["warehouse", "location", "sku", "qty", "unit", "unit_cost"]
ORDER_COLUMNS = ["sku", "unit", "qty", "price"]


def _sheet_zh_headers(sheet, keys):
    with translation.override("zh-hans"):
        return [sheet.title(key) for key in keys]


IMPORTERS = {
    "items": Importer(
        id="items",
        role="purchasing",
        url=lambda world: reverse("inventory:item_import"),
        headers=["SKU", "Name", "Category code", "Base unit code", "Safety stock"],
        zh_headers=lambda: _resource_zh_headers(ItemResource, ITEM_COLUMNS),
        good_rows=[["KEEP", "改名", "DRINK", "PCS", "7"], ["NEW-1", "新品", "DRINK", "PCS", "2"]],
        key="SKU",
        number="Safety stock",
        required="Name",
        reference="Category code",
        service=_resource_problems(ItemResource),
        state=_items_state,
    ),
    "suppliers": Importer(
        id="suppliers",
        role="purchasing",
        url=lambda world: reverse("purchasing:supplier_import"),
        headers=["Code", "Name", "Payment terms (days)"],
        zh_headers=lambda: _resource_zh_headers(SupplierResource, SUPPLIER_COLUMNS),
        good_rows=[["S-KEEP", "改名供应商", "45"], ["S-NEW", "新供应商", "30"]],
        key="Code",
        number="Payment terms (days)",
        required="Name",
        reference=None,
        service=_resource_problems(SupplierResource),
        state=_suppliers_state,
    ),
    "customers": Importer(
        id="customers",
        role="sales",
        url=lambda world: reverse("sales:customer_import"),
        headers=["Code", "Name", "Price level code", "Credit limit"],
        zh_headers=lambda: _resource_zh_headers(CustomerResource, CUSTOMER_COLUMNS),
        good_rows=[["K-KEEP", "改名客户", "RETAIL", "2000"], ["K-NEW", "新客户", "", "0"]],
        key="Code",
        number="Credit limit",
        required="Name",
        reference="Price level code",
        service=_resource_problems(CustomerResource),
        state=_customers_state,
    ),
    "opening stock": Importer(
        id="opening stock",
        role="manager",
        url=lambda world: reverse("inventory:opening_stock_import"),
        headers=["Warehouse code", "Location code", "SKU", "Quantity", "Unit code", "Unit cost"],
        zh_headers=lambda: _sheet_zh_headers(OPENING_SHEET, OPENING_COLUMNS),
        good_rows=[["WHA", "A-01", "MILK", "10", "", "2.5"], ["WHA", "A-02", "KEEP", "3", "", "1"]],
        key="SKU",
        number="Quantity",
        required="Quantity",
        reference="SKU",
        service=_opening_problems,
        state=_opening_state,
    ),
    "order lines": Importer(
        id="order lines",
        role="purchasing",
        url=lambda world: reverse("purchasing:order_import", args=[world.order.pk]),
        headers=["SKU", "Unit code", "Quantity", "Unit price excl. tax"],
        zh_headers=lambda: _sheet_zh_headers(po_excel.SHEET, ORDER_COLUMNS),
        good_rows=[["MILK", "BOX", "8", ""], ["KEEP", "PCS", "3", "1.5"]],
        key="SKU",
        number="Quantity",
        required="Quantity",
        reference="SKU",
        service=_order_lines_problems,
        state=_order_state,
    ),
}


# The files --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HostileFile:
    name: str
    content: bytes
    max_rows: int | None = None  # settings.JXC_IMPORT_MAX_ROWS while it is imported


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


def _with(imp: Importer, row: list, title: str, value) -> list:
    row = list(row)
    row[imp.index(title)] = value
    return row


def _second_row_with(imp: Importer, title: str, value) -> list[list]:
    """The good rows, the new one with `value` in the column `title`."""
    return [imp.headers, imp.good_rows[0], _with(imp, imp.good_rows[1], title, value)]


def _without(imp: Importer, title: str) -> list[list]:
    keep = [i for i, header in enumerate(imp.headers) if header != title]
    return [[row[i] for i in keep] for row in [imp.headers, *imp.good_rows]]


@functools.cache
def zip_bomb(imp: Importer) -> bytes:
    """A real workbook with the importer's good rows, its sheet padded with 30 MiB of blanks
    that deflate about a thousand to one: what openpyxl would have to inflate and parse."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([imp.headers, *imp.good_rows])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b" " * (30 * 1024 * 1024) + b"</sheetData>")
            bomb.writestr(entry.filename, data)
    return out.getvalue()


CASES: dict[str, Callable[[Importer], HostileFile]] = {
    "wrong header": lambda imp: HostileFile(
        "wrong-header.xlsx",
        xlsx_bytes([[f"{h} #" if h == imp.key else h for h in imp.headers], *imp.good_rows]),
    ),
    "missing column": lambda imp: HostileFile("missing.xlsx", xlsx_bytes(_without(imp, imp.required))),
    "unknown column": lambda imp: HostileFile(
        "unknown.xlsx",
        xlsx_bytes([[*imp.headers, "Colour"], *[[*row, "红"] for row in imp.good_rows]]),
    ),
    "text in a number column": lambda imp: HostileFile(
        "text.csv", csv_bytes(_second_row_with(imp, imp.number, "twelve"))
    ),
    "negative number": lambda imp: HostileFile(
        "negative.xlsx", xlsx_bytes(_second_row_with(imp, imp.number, -3))
    ),
    "zero quantity": lambda imp: HostileFile("zero.xlsx", xlsx_bytes(_second_row_with(imp, imp.number, 0))),
    "NaN and Infinity": lambda imp: HostileFile(
        "nan.csv",
        csv_bytes(
            [
                imp.headers,
                _with(imp, imp.good_rows[0], imp.number, "NaN"),
                _with(imp, imp.good_rows[1], imp.number, "-Infinity"),
            ]
        ),
    ),
    "30-digit number": lambda imp: HostileFile(
        "huge.csv", csv_bytes(_second_row_with(imp, imp.number, "1" + "0" * 29))
    ),
    "duplicate key": lambda imp: HostileFile(
        "duplicate.xlsx", xlsx_bytes([imp.headers, *imp.good_rows, imp.good_rows[0]])
    ),
    "unknown reference": lambda imp: HostileFile(
        "reference.xlsx", xlsx_bytes(_second_row_with(imp, imp.reference, "NOPE"))
    ),
    "empty file": lambda imp: HostileFile("empty.csv", b""),
    "titles only": lambda imp: HostileFile("titles.xlsx", xlsx_bytes([imp.headers])),
    "zip bomb": lambda imp: HostileFile("bomb.xlsx", zip_bomb(imp)),
    "not a zip, named .xlsx": lambda imp: HostileFile("fake.xlsx", csv_bytes([imp.headers, *imp.good_rows])),
    "rows beyond the cap": lambda imp: HostileFile(
        "many.xlsx", xlsx_bytes([imp.headers, *imp.good_rows, *imp.good_rows, imp.good_rows[0]]), max_rows=3
    ),
    "GBK CSV with Chinese titles and a bad cell": lambda imp: HostileFile(
        "中文.csv",
        csv_bytes([imp.zh_headers(), *_second_row_with(imp, imp.number, "十二")[1:]], encoding="gbk"),
    ),
    "bytes neither UTF-8 nor GBK": lambda imp: HostileFile(
        "binary.csv", csv_bytes([imp.headers]) + b"\xff\xfe\x80\xff,\x80\n"
    ),
    "UTF-8 BOM": lambda imp: HostileFile(
        "bom.csv", b"\xef\xbb\xbf" + csv_bytes(_second_row_with(imp, imp.number, "x"))
    ),
    "formula text": lambda imp: HostileFile(
        "formula.csv", csv_bytes(_second_row_with(imp, imp.number, "=1+2"))
    ),
    # openpyxl writes "=1+2" as a formula and, like many programs, saves no result with it.
    "formula without a saved result": lambda imp: HostileFile(
        "formula.xlsx", xlsx_bytes(_second_row_with(imp, imp.number, "=1+2"))
    ),
    "NUL character": lambda imp: HostileFile(
        "nul.csv", csv_bytes(_second_row_with(imp, imp.key, "NEW\x00-1"))
    ),
    "very long text": lambda imp: HostileFile(
        "long.csv", csv_bytes(_second_row_with(imp, imp.key, "长" * 300))
    ),
}

NOT_APPLICABLE = {
    ("zero quantity", "items"): "zero is a valid safety stock",
    ("zero quantity", "suppliers"): "zero days are valid payment terms (cash)",
    ("zero quantity", "customers"): "a zero credit limit means no credit, a valid value",
    ("unknown reference", "suppliers"): "a supplier row names no other record",
    ("duplicate key", "order lines"): "an order may hold two lines of one item (two delivery dates)",
}


# What the user must read ------------------------------------------------------------------------
@dataclass(frozen=True)
class Rows:
    """Row-level problems: (row in Excel, column title, message), in order."""

    problems: tuple

    def __init__(self, *problems):
        object.__setattr__(self, "problems", problems)


@dataclass(frozen=True)
class Refused:
    """The whole file refused before any row is read."""

    message: str


NOT_A_NUMBER = "“{}” is not a number."
MASTER_DATA = {"items", "suppliers", "customers"}  # the django-import-export resources


def _letter(imp: Importer, title: str) -> str:
    return "ABCDEFGHIJ"[imp.index(title)]


def expected_from_the_function(case: str, imp: Importer) -> Rows | Refused:
    """As `expected`, but for the one file the upload form refuses before any import code runs."""
    if case != "empty file":
        return expected(case, imp)
    no_rows = (None, "", "The file has no data rows below the column titles.")
    if imp.id in MASTER_DATA:
        return Rows((1, imp.key, f"The column “{imp.key}” is missing: it identifies each record."), no_rows)
    sheet = OPENING_SHEET if imp.id == "opening stock" else po_excel.SHEET
    titles = [sheet.title(column.key) for column in sheet.columns if column.required]
    return Rows(no_rows, *[(1, title, f"The column “{title}” is missing.") for title in titles])


def expected(case: str, imp: Importer) -> Rows | Refused:
    """The exact outcome of `case` for `imp`, as the upload screen and the function show it."""
    master = imp.id in MASTER_DATA
    key_missing = (
        f"The column “{imp.key}” is missing: it identifies each record."
        if master
        else f"The column “{imp.key}” is missing."
    )
    positive = "The quantity must be greater than zero."
    match case:
        case "wrong header":
            return Rows((1, f"{imp.key} #", f"Unknown column “{imp.key} #”."), (1, imp.key, key_missing))
        case "missing column":
            if master:
                return Rows((3, "Name", "This field cannot be blank."))
            return Rows((1, "Quantity", "The column “Quantity” is missing."))
        case "unknown column":
            return Rows((1, "Colour", "Unknown column “Colour”."))
        case "text in a number column":
            return Rows((3, imp.number, NOT_A_NUMBER.format("twelve")))
        case "negative number":
            return Rows((3, imp.number, "Must not be negative." if master else positive))
        case "zero quantity":
            return Rows((3, imp.number, positive))
        case "NaN and Infinity":
            return Rows(
                (2, imp.number, NOT_A_NUMBER.format("NaN")), (3, imp.number, NOT_A_NUMBER.format("-Infinity"))
            )
        case "30-digit number":
            huge = "1" + "0" * 29
            return Rows(
                {
                    "items": (3, "Safety stock", "Ensure that there are no more than 18 digits in total."),
                    "suppliers": (3, imp.number, "Ensure this value is less than or equal to 2147483647."),
                    "customers": (
                        3,
                        "Credit limit",
                        "Ensure that there are no more than 18 digits in total.",
                    ),
                }.get(imp.id, (3, "Quantity", f"“{huge}” is too large."))
            )
        case "duplicate key":
            if master:
                key = imp.good_rows[0][0]
                return Rows((4, imp.key, f"“{key}” already appears in row 2 of this file."))
            return Rows((4, "SKU", "The same warehouse, location, SKU and batch are already in row 2."))
        case "unknown reference":
            return Rows(
                {
                    "items": (3, "Category code", "There is no category with the code “NOPE”."),
                    "customers": (3, "Price level code", "There is no price level with the code “NOPE”."),
                }.get(imp.id, (3, "SKU", "There is no item with the SKU “NOPE”."))
            )
        case "empty file":
            return Refused("The submitted file is empty.")
        case "titles only":
            return Rows((None, "", "The file has no data rows below the column titles."))
        case "zip bomb":
            sheet = zipfile.ZipFile(io.BytesIO(zip_bomb(imp))).getinfo("xl/worksheets/sheet1.xml")
            ratio = sheet.file_size // sheet.compress_size
            assert ratio > 1000
            return Refused(
                f"The workbook is compressed {ratio:,} to 1 (at most 100 to 1 is allowed): "
                "it looks like a zip bomb and is not opened."
            )
        case "not a zip, named .xlsx":
            return Refused("“fake.xlsx” is not an Excel file (.xlsx): it cannot be opened as a workbook.")
        case "rows beyond the cap":
            return Refused("The file has 5 rows; at most 3 rows can be imported at once.")
        case "GBK CSV with Chinese titles and a bad cell":
            return Rows((3, imp.number, NOT_A_NUMBER.format("十二")))
        case "bytes neither UTF-8 nor GBK":
            return Refused(
                "The CSV file is neither UTF-8 nor GBK/GB18030 text. Save it from Excel as “CSV UTF-8”."
            )
        case "UTF-8 BOM":
            return Rows((3, imp.number, NOT_A_NUMBER.format("x")))
        case "formula text":
            return Rows((3, imp.number, NOT_A_NUMBER.format("=1+2")))
        case "formula without a saved result":
            return Refused(
                f"Cell {_letter(imp, imp.number)}3 holds a formula but the file has no saved result for it. "
                "Open the file in Excel or WPS and save it, or type the value instead."
            )
        case "NUL character":
            return Refused(
                f"Cell {_letter(imp, imp.key)}3 holds a NUL character (a zero byte), which text cannot "
                "contain: is this really a CSV text file?"
            )
        case "very long text":
            long = "长" * 300
            if master:
                limit = 40 if imp.id == "items" else 20  # SKU, else code
                return Rows((3, imp.key, f"Ensure this value has at most {limit} characters (it has 300)."))
            return Rows((3, "SKU", f"There is no item with the SKU “{long}”."))
    raise AssertionError(case)


PAIRS = [
    pytest.param(case, importer, id=f"{case}-{importer}")
    for case in CASES
    for importer in IMPORTERS
    if (case, importer) not in NOT_APPLICABLE
]


# Running a file ---------------------------------------------------------------------------------
def _through_the_screen(client, url, hostile: HostileFile) -> Rows | Refused:
    response = client.post(url, {"file": SimpleUploadedFile(hostile.name, hostile.content)})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    preview = response.context.get("preview")
    if preview is None:
        (message,) = response.context["form"].errors["file"]
        assert message in page
        return Refused(message)
    assert response.context["token"] is None and "confirm-button" not in page
    for problem in preview.problems:
        assert problem.message in page
    return Rows(*[(p.row, p.column, p.message) for p in preview.problems])


def _through_the_function(imp: Importer, world, hostile: HostileFile) -> Rows | Refused:
    upload = SimpleUploadedFile(hostile.name, hostile.content)
    try:
        problems = imp.service(world, upload)
    except SpreadsheetRejected as exc:
        return Refused(exc.message)
    return Rows(*[(p.row, p.column, p.message) for p in problems])


@pytest.mark.parametrize(("case", "importer"), PAIRS)
def test_hostile_file_changes_nothing_and_says_why(case, importer, world, settings):
    """The same file through the upload screen, then straight into the import function."""
    imp = IMPORTERS[importer]
    hostile = CASES[case](imp)
    if hostile.max_rows:
        settings.JXC_IMPORT_MAX_ROWS = hostile.max_rows
    before = imp.state(world)

    on_screen = _through_the_screen(login(world.users[imp.role]), imp.url(world), hostile)
    assert on_screen == expected(case, imp)
    assert imp.state(world) == before

    called = _through_the_function(imp, world, hostile)
    assert called == expected_from_the_function(case, imp)
    assert imp.state(world) == before


# In Chinese -------------------------------------------------------------------------------------
# Messages added with this catalogue, as locale/ will have them once the lead compiles it; a
# message the compiled catalogue already has is not touched.
NEW_MESSAGES = {
    "Cell %(cell)s holds a formula but the file has no saved result for it. Open the file in Excel or "
    "WPS and save it, or type the value instead.": "单元格 %(cell)s 是公式，但文件中没有保存它的计算结果。"
    "请用 Excel 或 WPS 打开并保存该文件，或直接填写数值。",
    "Cell %(cell)s holds a NUL character (a zero byte), which text cannot contain: is this really a CSV "
    "text file?": "单元格 %(cell)s 含有 NUL 字符（零字节），文本中不能含有该字符：这真的是 CSV 文本文件吗？",
}


@pytest.fixture
def zh_catalog():
    catalog = trans_real.translation("zh-hans")._catalog
    missing = {msgid: text for msgid, text in NEW_MESSAGES.items() if catalog.get(msgid) is None}
    for msgid, text in missing.items():
        catalog[msgid] = text
    yield
    for msgid in missing:
        catalog._catalogs[0].pop(msgid, None)


QUOTED = re.compile(r"“[^”]*”")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _reads_as_chinese(text: str) -> bool:
    """Chinese once the quoted values (a cell, a file name) are taken out; a code such as “SKU” or
    “E3” may stay."""
    rest = QUOTED.sub("", text)
    return bool(CJK.search(rest)) and not ENGLISH_WORDS.search(rest)


@pytest.mark.parametrize("importer", list(IMPORTERS))
def test_every_hostile_file_is_explained_in_chinese(importer, world, settings, zh_catalog):
    imp = IMPORTERS[importer]
    client = login(world.users[imp.role])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    english = []
    for case in CASES:
        if (case, importer) in NOT_APPLICABLE:
            continue
        hostile = CASES[case](imp)
        settings.JXC_IMPORT_MAX_ROWS = hostile.max_rows or 10_000
        outcome = _through_the_screen(client, imp.url(world), hostile)
        if isinstance(outcome, Refused):
            shown = [outcome.message]
        else:
            shown = [message for _row, _column, message in outcome.problems]
            # A column's title, unless it is the file's own header quoted back (“Colour”).
            shown += [
                column
                for _row, column, message in outcome.problems
                if column and f"“{column}”" not in message
            ]
        english += [(case, text) for text in shown if not _reads_as_chinese(text)]
    assert english == []


def test_a_bad_cell_reads_the_same_in_chinese_on_the_screen_and_from_the_function(world, settings):
    imp = IMPORTERS["items"]
    hostile = CASES["GBK CSV with Chinese titles and a bad cell"](imp)
    client = login(world.users["purchasing"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    before = imp.state(world)

    on_screen = _through_the_screen(client, imp.url(world), hostile)
    with translation.override("zh-hans"):
        called = _through_the_function(imp, world, hostile)

    assert on_screen == called == Rows((3, "安全库存", "“十二”不是数字。"))
    assert imp.state(world) == before


def test_a_refused_file_reads_in_chinese(world, settings):
    imp = IMPORTERS["opening stock"]
    settings.JXC_IMPORT_MAX_ROWS = 3
    client = login(world.users["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    outcome = _through_the_screen(client, imp.url(world), CASES["rows beyond the cap"](imp))

    assert outcome == Refused("文件有 5 行；每次最多只能导入 3 行。")


# The encodings Chinese users save in import correctly -------------------------------------------
def _what_the_good_rows_made(imp: Importer, world):
    """The records the good rows create or change, read back as they are stored."""
    match imp.id:
        case "items":
            return list(Item.objects.filter(sku__in=["KEEP", "NEW-1"]).order_by("sku").values_list("name"))
        case "suppliers":
            return list(
                Supplier.objects.filter(code__in=["S-KEEP", "S-NEW"]).order_by("code").values_list("name")
            )
        case "customers":
            return list(
                Customer.objects.filter(code__in=["K-KEEP", "K-NEW"]).order_by("code").values_list("name")
            )
        case "opening stock":
            return list(
                StockMove.objects.order_by("item__sku").values_list("item__sku", "location__code", "qty")
            )
        case "order lines":
            return _order_state(world)[2]
    raise AssertionError(imp.id)


GOOD_RESULTS = {
    "items": [("改名",), ("新品",)],
    "suppliers": [("改名供应商",), ("新供应商",)],
    "customers": [("改名客户",), ("新客户",)],
    "opening stock": [("KEEP", "A-02", Decimal("3")), ("MILK", "A-01", Decimal("10"))],
    "order lines": [
        ("MILK", "BOX", Decimal("8"), Decimal("60")),
        ("KEEP", "PCS", Decimal("3"), Decimal("1.5")),
    ],
}


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
@pytest.mark.parametrize("importer", list(IMPORTERS))
def test_a_csv_with_chinese_titles_in_gbk_or_with_a_bom_imports_exactly(importer, encoding, world):
    imp = IMPORTERS[importer]
    content = csv_bytes([imp.zh_headers(), *imp.good_rows], encoding=encoding)
    client = login(world.users[imp.role])

    preview = client.post(imp.url(world), {"file": SimpleUploadedFile("中文.csv", content)})
    assert preview.context["preview"].problems == []
    client.post(imp.url(world), {"token": preview.context["token"]})

    assert _what_the_good_rows_made(imp, world) == GOOD_RESULTS[importer]


def _with_saved_results(content: bytes, results: dict[str, str]) -> bytes:
    """The workbook with each formula cell of `results` carrying a saved result, as Excel and WPS
    write it: "" as a text result (t="str"), anything else as a number."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as saved:
        for entry in source.infolist():
            data = source.read(entry.filename).decode()
            if entry.filename == "xl/worksheets/sheet1.xml":
                for cell, result in results.items():
                    text = ' t="str"' if result == "" else ""
                    data = re.sub(
                        rf'<c r="{cell}"([^>]*)>(<f>.*?</f>)<v ?/>',
                        rf'<c r="{cell}"\1{text}>\2<v>{result}</v>',
                        data,
                    )
            saved.writestr(entry.filename, data)
    return out.getvalue()


def test_formulas_with_saved_results_import_their_results(world):
    """The counterpart of "formula without a saved result": what Excel saves imports as shown."""
    imp = IMPORTERS["items"]
    rows = [imp.headers, _with(imp, imp.good_rows[0], "Safety stock", '=IF(1,"","x")')]
    rows.append(_with(imp, imp.good_rows[1], "Safety stock", "=1+2"))
    content = _with_saved_results(xlsx_bytes(rows), {"E2": "", "E3": "3"})
    client = login(world.users["purchasing"])

    preview = client.post(imp.url(world), {"file": SimpleUploadedFile("saved.xlsx", content)})
    assert preview.context["preview"].problems == []
    client.post(imp.url(world), {"token": preview.context["token"]})

    stock = dict(Item.objects.filter(sku__in=["KEEP", "NEW-1"]).values_list("sku", "safety_stock"))
    assert stock == {"KEEP": Decimal("0"), "NEW-1": Decimal("3")}, "an empty text result is an empty cell"
