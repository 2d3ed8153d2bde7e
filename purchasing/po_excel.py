"""Purchase orders and Excel: one order exported as a workbook to send to the supplier, and a
draft's lines filled from an uploaded sheet (preview first, then all or nothing).

The upload checks (size, zip directory, row cap), the reading (GBK/BOM CSV, formula prefix) and
the formula neutralising on export are those of inventory.spreadsheets; the waiting upload between
preview and confirm is accounts.dataio's. Here each row becomes an `ImportRow` or row-level
`Problem`s naming the row, the column and the value, in the user's language. The lines are
written only by services.order_set_lines, which checks everything again under the order's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from accounts.dataio import Problem
from inventory.exceptions import DomainError
from inventory.models import Item, ItemUnit, Unit
from inventory.opening import parse_date
from inventory.pricing import MAX_MONEY, MAX_QTY, money
from inventory.sheet_columns import Column, ColumnSet, ItemSheetReader, RowsPreview, SheetRow, checked_decimal
from inventory.spreadsheets import (
    _ILLEGAL_XML,  # private, but the export must strip what openpyxl refuses exactly as write_xlsx does
    Table,
    _sheet_title,  # private: the same sheet-title cleaning as every other export
    cell_text,
    neutralise,
)

from . import services
from .models import OrderStatus, PurchaseOrder, PurchaseOrderLine

QTY_PLACES = Decimal("0.0001")
PRICE_PLACES = Decimal("0.0001")
RATE_PLACES = Decimal("0.01")
MAX_NUMBER = Decimal("100000000000")  # 10^11 per cell; products are checked against the columns
NOTE_LENGTH = PurchaseOrderLine._meta.get_field("note").max_length

DATE_FORMAT = "yyyy-mm-dd"
QTY_FORMAT = "#,##0.####;-#,##0.####;0"
PRICE_FORMAT = "#,##0.00##"
MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.##"


# Export ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _ExportColumn:
    title: Any  # lazy, translated
    width: int
    number_format: str | None = None


def _label(model, name: str):
    """A field's verbose name (lazy): the export and the import use the model's own words."""
    return model._meta.get_field(name).verbose_name


EXPORT_COLUMNS: tuple[_ExportColumn, ...] = (
    _ExportColumn(_label(Item, "sku"), 16),
    _ExportColumn(_label(Item, "name"), 28),
    _ExportColumn(_label(Item, "spec"), 18),
    _ExportColumn(_label(PurchaseOrderLine, "unit"), 8),
    _ExportColumn(_label(PurchaseOrderLine, "qty"), 12, QTY_FORMAT),
    _ExportColumn(_label(PurchaseOrderLine, "price"), 16, PRICE_FORMAT),
    _ExportColumn(_label(PurchaseOrderLine, "tax_rate"), 10, RATE_FORMAT),
    _ExportColumn(_label(PurchaseOrderLine, "amount"), 16, MONEY_FORMAT),
    _ExportColumn(_label(PurchaseOrderLine, "tax"), 14, MONEY_FORMAT),
    _ExportColumn(gettext_lazy("Total"), 16, MONEY_FORMAT),
    _ExportColumn(_label(PurchaseOrderLine, "expected_date"), 13, DATE_FORMAT),
    _ExportColumn(_label(PurchaseOrderLine, "note"), 30),
)


def _text(value: Any) -> Any:
    """Text as a cell may hold it: formula-looking text neutralised, XML-illegal characters gone."""
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", neutralise(value))
    return value


def export_filename(order: PurchaseOrder) -> str:
    return _("Purchase order %(number)s") % {"number": order.number} + ".xlsx"


def export_order(order: PurchaseOrder, out: IO[bytes]) -> None:
    """Write one order as an .xlsx: a header block, the lines table (bold, frozen header row,
    numbers and dates typed) and a totals row. Values, never formulas, so every reader — and the
    supplier's software — sees the amounts the order holds."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    bold = Font(bold=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(order.number)

    sheet.append([_text(str(_("Purchase order")))])
    sheet["A1"].font = Font(bold=True, size=14)
    header = [
        ("number", order.number, None),
        ("supplier", str(order.supplier), None),
        ("warehouse", str(order.warehouse), None),
        ("order_date", order.order_date, DATE_FORMAT),
        ("expected_date", order.expected_date, DATE_FORMAT),
        ("status", str(order.get_status_display()), None),
        ("reference", order.reference, None),
    ]
    if order.note:
        header.append(("note", order.note, None))
    for name, value, number_format in header:
        sheet.append([_text(str(capfirst(_label(PurchaseOrder, name)))), _text(value)])
        row = sheet.max_row
        sheet.cell(row, 1).font = bold
        if number_format:
            sheet.cell(row, 2).number_format = number_format
            sheet.cell(row, 2).alignment = Alignment(horizontal="left")
    sheet.append([])

    sheet.append([_text(str(capfirst(column.title))) for column in EXPORT_COLUMNS])
    header_row = sheet.max_row
    fill = PatternFill("solid", fgColor="DDE7F3")
    edge = Border(bottom=Side(style="thin"))
    for index, column in enumerate(EXPORT_COLUMNS, 1):
        cell = sheet.cell(header_row, index)
        cell.font, cell.fill, cell.border = bold, fill, edge
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{header_row + 1}"  # sheet.cell() would create the row

    lines = order.lines.select_related("item", "unit").order_by("id")
    for line in lines:
        sheet.append(
            [
                _text(line.item.sku),
                _text(line.item.name),
                _text(line.item.spec),
                _text(line.unit.code),
                line.qty,
                line.price,
                line.tax_rate,
                line.amount,
                line.tax,
                line.amount + line.tax,
                line.expected_date,
                _text(line.note),
            ]
        )
        row = sheet.max_row
        for index, column in enumerate(EXPORT_COLUMNS, 1):
            if column.number_format:
                sheet.cell(row, index).number_format = column.number_format
    last_line_row = sheet.max_row
    if last_line_row > header_row:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(EXPORT_COLUMNS))}{last_line_row}"

    totals = [_text(str(_("Total")))] + [None] * 6 + [order.total_net, order.total_tax, order.total]
    sheet.append(totals)
    total_row = sheet.max_row
    for index in range(1, 11):
        cell = sheet.cell(total_row, index)
        cell.font, cell.border = bold, Border(top=Side(style="thin"))
        if index >= 8:
            cell.number_format = MONEY_FORMAT

    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.save(out)


# Import: the columns ---------------------------------------------------------------------------
COLUMNS: tuple[Column, ...] = (
    Column(
        "sku",
        gettext_lazy("SKU"),
        True,
        gettext_lazy("The SKU of an active item."),
        ("item", "物料编码", "商品编码", "货号", "编码"),
    ),
    Column(
        "unit",
        gettext_lazy("Unit code"),
        False,
        gettext_lazy(
            "Empty for the item's default purchase unit (else its base unit), or a unit the item has "
            "a conversion for."
        ),
        ("unit", "单位", "单位代码", "采购单位"),
    ),
    Column(
        "qty",
        _label(PurchaseOrderLine, "qty"),
        True,
        gettext_lazy("A number greater than zero, in the unit of the row."),
        ("quantity", "数量", "采购数量", "订购数量"),
    ),
    Column(
        "price",
        _label(PurchaseOrderLine, "price"),
        False,
        gettext_lazy("Per unit of the row, not negative; empty for the supplier's price list."),
        ("price", "unit price", "单价", "采购单价", "不含税单价", "单价(不含税)", "单价（不含税）"),
    ),
    Column(
        "tax_rate",
        _label(PurchaseOrderLine, "tax_rate"),
        False,
        gettext_lazy("A number from 0 to 100 (13 means 13 per cent); empty for the default rate."),
        ("tax rate", "tax rate %", "税率", "税率%", "税率(%)", "税率（%）"),
    ),
    Column(
        "expected_date",
        _label(PurchaseOrderLine, "expected_date"),
        False,
        gettext_lazy("YYYY-MM-DD, not before the order date; empty for the order's expected date."),
        ("expected", "delivery date", "预计到货日期", "到货日期", "交货日期", "交期"),
    ),
    Column(
        "note",
        gettext_lazy("Note"),
        False,
        gettext_lazy("Optional, at most 200 characters."),
        ("notes", "remark", "备注", "说明"),
    ),
)
SHEET = ColumnSet(COLUMNS)
BY_KEY = SHEET.by_key
column_title = SHEET.title
column_titles = SHEET.titles
column_docs = SHEET.docs


def preview_headings() -> dict[str, str]:
    """Column headings of the preview page, in the words of the file and the model."""
    headings = {column.key: column_title(column.key) for column in COLUMNS}
    for name in ("unit", "amount", "tax"):
        headings[name] = str(capfirst(_label(PurchaseOrderLine, name)))
    return headings


def template_rows(order: PurchaseOrder | None) -> list[list]:
    """The order's current lines in the import layout (so a draft can be edited in Excel and
    imported back), else one example row."""
    if order is not None:
        rows = [
            [ln.item.sku, ln.unit.code, ln.qty, ln.price, ln.tax_rate, ln.expected_date, ln.note]
            for ln in order.lines.select_related("item", "unit").order_by("id")
        ]
        if rows:
            return rows
    item = Item.objects.filter(is_active=True).select_related("base_unit").order_by("sku").first()
    return [
        [item.sku if item else "SKU-0001", item.base_unit.code if item else "PCS", Decimal("10")]
        + [None, settings.PURCHASE_DEFAULT_TAX_RATE, None, ""]
    ]


# Import: the rows ------------------------------------------------------------------------------


@dataclass
class ImportRow(SheetRow):
    item: Item | None = None
    unit: Unit | None = None
    factor: Decimal | None = None
    qty: Decimal | None = None
    entered_price: Decimal | None = None
    list_price: Decimal | None = None
    tax_rate: Decimal | None = None  # None: the default rate
    expected_date: date | None = None  # None: the order's expected date
    note: str = ""
    ok: bool = True

    @property
    def price(self) -> Decimal | None:
        return self.entered_price if self.entered_price is not None else self.list_price

    @property
    def from_price_list(self) -> bool:
        return self.entered_price is None and self.list_price is not None

    @property
    def rate(self) -> Decimal:
        return settings.PURCHASE_DEFAULT_TAX_RATE if self.tax_rate is None else self.tax_rate

    @property
    def amount(self) -> Decimal | None:
        """Exactly as order_set_lines computes it: quantity × price to the fen, half up."""
        if self.qty is None or self.price is None:
            return None
        return money(self.qty * self.price)

    @property
    def tax(self) -> Decimal | None:
        amount = self.amount
        return None if amount is None else money(amount * self.rate / 100)

    @property
    def total(self) -> Decimal | None:
        amount = self.amount
        return None if amount is None else amount + self.tax

    def as_input(self) -> services.OrderLineInput:
        # The entered price or None: the service looks the price list up again under the lock.
        return services.OrderLineInput(
            item=self.item,
            unit_id=self.unit.pk,
            qty=self.qty,
            price=self.entered_price,
            tax_rate=self.tax_rate,
            expected_date=self.expected_date,
            note=self.note,
        )


@dataclass
class LinesPreview(RowsPreview):
    file_name: str
    order: PurchaseOrder
    problems: list[Problem] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    replaced: int = 0  # lines the order has now, which the import replaces
    saved: bool = False

    def _sum(self, attribute: str) -> Decimal:
        return sum((getattr(r, attribute) for r in self.rows if r.amount is not None), Decimal("0"))

    @property
    def total_net(self) -> Decimal:
        return self._sum("amount")

    @property
    def total_tax(self) -> Decimal:
        return self._sum("tax")

    @property
    def grand_total(self) -> Decimal:
        return self.total_net + self.total_tax


def not_draft_message(order: PurchaseOrder) -> str:
    # The wording of services._require_draft, so the user meets one message for it.
    return _("Only a draft can be edited; %(number)s is %(status)s.") % {
        "number": order.number,
        "status": order.get_status_display(),
    }


def _decimal(value, *, places: Decimal, positive: bool) -> Decimal | None:
    return checked_decimal(value, places=places, positive=positive, limit=MAX_NUMBER)


class _Reader(ItemSheetReader):
    """Reads one table for one order. `problems` collects every problem, row by row."""

    columns = SHEET

    def __init__(self, table: Table, order: PurchaseOrder):
        super().__init__(table)
        self.order = order

    def _load(self, raw) -> None:
        """One query per kind of record for the whole file."""

        def texts(key):
            return {cell_text(cells.get(key)) for _line, cells in raw} - {""}

        self.items = {i.sku: i for i in Item.objects.filter(sku__in=texts("sku")).select_related("base_unit")}
        self.units = {u.code: u for u in Unit.objects.filter(code__in=texts("unit"))}
        self.factors: dict[tuple[int, int], Decimal] = {}
        self.purchase_default: dict[int, ItemUnit] = {}
        for conversion in ItemUnit.objects.filter(item__in=self.items.values()).select_related("unit"):
            self.factors[(conversion.item_id, conversion.unit_id)] = conversion.factor
            if conversion.is_purchase_default:
                self.purchase_default[conversion.item_id] = conversion

    def _row(self, line: int, cells: dict) -> ImportRow:
        row = ImportRow(line=line, cells={k: cell_text(v) for k, v in cells.items()})
        before = len(self.problems)

        def text(key):
            return cell_text(cells.get(key))

        if text("sku"):
            row.item = self._item(line, text("sku"))
        else:
            self.problem(line, "sku", "", _("This column is required."))
        if text("qty"):
            self._number(row, "qty", cells, places=QTY_PLACES, positive=True)
        else:
            self.problem(line, "qty", "", _("This column is required."))
        self._number(row, "entered_price", cells, key="price", places=PRICE_PLACES, positive=False)
        self._tax_rate(row, cells.get("tax_rate"))
        try:
            row.expected_date = parse_date(cells.get("expected_date"))
        except ValueError as exc:
            self.problem(line, "expected_date", text("expected_date"), str(exc))
        if row.expected_date is not None and row.expected_date < self.order.order_date:
            message = _("The expected date cannot be before the order date %(date)s.") % {
                "date": self.order.order_date.isoformat()
            }
            self.problem(line, "expected_date", text("expected_date"), message)
        row.note = text("note")
        if len(row.note) > NOTE_LENGTH:
            self.problem(line, "note", row.note, _("At most %(count)s characters.") % {"count": NOTE_LENGTH})
        if row.item is not None:
            self._unit(row, text("unit"))
        if row.item is not None and row.unit is not None and row.qty is not None:
            self._price_list(row)
            self._fits(row, text("qty"))
        row.ok = len(self.problems) == before
        return row

    def _number(self, row: ImportRow, attribute: str, cells: dict, *, places, positive, key=None) -> None:
        key = key or attribute
        try:
            setattr(row, attribute, _decimal(cells.get(key), places=places, positive=positive))
        except ValueError as exc:
            self.problem(row.line, key, cell_text(cells.get(key)), str(exc))

    def _tax_rate(self, row: ImportRow, value) -> None:
        shown = cell_text(value)
        if isinstance(value, str) and shown.endswith("%"):
            value = shown[:-1].strip()  # "13%" typed as text
        try:
            rate = _decimal(value, places=RATE_PLACES, positive=False)
        except ValueError as exc:
            self.problem(row.line, "tax_rate", shown, str(exc))
            return
        if rate is not None and rate > 100:
            self.problem(row.line, "tax_rate", shown, _("The tax rate must lie between 0 and 100."))
            return
        row.tax_rate = rate

    def _unit(self, row: ImportRow, code: str) -> None:
        item = row.item
        if not code:
            default = self.purchase_default.get(item.pk)
            if default is not None:
                row.unit, row.factor = default.unit, default.factor
            else:
                row.unit, row.factor = item.base_unit, Decimal("1")
            return
        if code == item.base_unit.code:
            row.unit, row.factor = item.base_unit, Decimal("1")
            return
        self._converted_unit(row, item, code)

    def _price_list(self, row: ImportRow) -> None:
        listed = services.list_price(self.order.supplier, row.item, row.unit.pk, row.qty)
        row.list_price = listed.price if listed else None
        if row.entered_price is None and row.list_price is None:
            message = _("%(supplier)s has no price for %(item)s; enter the price.") % {
                "supplier": self.order.supplier,
                "item": row.item,
            }
            self.problem(row.line, "price", "", message)

    def _fits(self, row: ImportRow, shown: str) -> None:
        """Each cell alone may be below MAX_NUMBER and their product still overflow a column."""
        base_qty = (row.qty * row.factor).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)
        amount = row.amount
        if base_qty >= MAX_QTY or (amount is not None and amount >= MAX_MONEY):
            self.problem(row.line, "qty", shown, _("“%(value)s” is too large.") % {"value": shown})


def read_order_lines(table: Table, *, order: PurchaseOrder, file_name: str) -> LinesPreview:
    """Every row of the table checked against the order (its supplier's prices, its dates);
    nothing is written."""
    reader = _Reader(table, order)
    rows = reader.read()
    preview = LinesPreview(file_name=file_name, order=order, rows=rows, replaced=order.lines.count())
    preview.problems = sorted(reader.problems, key=lambda p: p.row or 0)
    if order.status != OrderStatus.DRAFT:
        preview.problems.insert(0, Problem(None, "", "", not_draft_message(order)))
    return preview


def import_order_lines(table: Table, *, order_id: int, user, file_name: str, commit: bool) -> LinesPreview:
    """Check a table against the order and, with commit=True and no problem at all, replace the
    draft's lines with it through services.order_set_lines. The order is locked before the rows
    are checked (header first, as every purchasing service does), so what was checked is what is
    saved and a submit in between cannot slip past; any problem and nothing changes."""
    with transaction.atomic():
        orders = PurchaseOrder.objects.select_related("supplier", "warehouse")
        order = (orders.select_for_update(of=("self",)) if commit else orders).get(pk=order_id)
        preview = read_order_lines(table, order=order, file_name=file_name)
        if commit and preview.ok:
            try:
                with transaction.atomic():
                    services.order_set_lines(
                        order_id=order.pk, lines=[row.as_input() for row in preview.rows], user=user
                    )
                preview.saved = True
            except DomainError as exc:
                preview.problems.append(Problem(None, "", "", exc.message))
    return preview
