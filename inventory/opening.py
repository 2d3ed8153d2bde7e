"""Opening stock (期初库存) from a spreadsheet: reading and checking the rows of an uploaded file.

The file arrives already checked by `spreadsheets.check_upload` (size, zip directory, row cap) and
read by `spreadsheets.read_table` (encodings, formula prefix). Here each row becomes an
`OpeningRow` or row-level `Problem`s naming the row, the column and the value, in the user's
language. Nothing is written: `services.opening_stock_post` posts checked rows through the
document services, one goods receipt per warehouse.

Every lookup is one query for the whole file (warehouses, locations, items, units, conversions,
batches), never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.dataio import Problem

from .models import Batch, Item, ItemUnit, Location, LocationKind, PeriodClose, Tracking, Unit, Warehouse
from .selectors import warehouses_for
from .sheet_columns import Column, ColumnSet, ItemSheetReader, RowsPreview, SheetRow, checked_decimal
from .spreadsheets import Table, cell_text

COST_PLACES = Decimal("0.000001")
QTY_PLACES = Decimal("0.0001")
FEN = Decimal("0.01")
MAX_NUMBER = Decimal("100000000000")  # 10^11: far above any real opening stock, within the columns
MAX_BASE_QTY = Decimal("1e14")  # quantity columns: 18 digits, 4 after the point
MAX_VALUE = Decimal("1e16")  # value columns: 18 digits, 2 after the point
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
UPLOAD_LABEL = "inventory.openingstock"


COLUMNS: tuple[Column, ...] = (
    Column(
        "warehouse",
        gettext_lazy("Warehouse code"),
        True,
        gettext_lazy("The code of a warehouse you may post in."),
        ("warehouse", "仓库", "仓库代码"),
    ),
    Column(
        "location",
        gettext_lazy("Location code"),
        True,
        gettext_lazy("The code of an active location of that warehouse."),
        ("location", "库位", "库位代码", "货位"),
    ),
    Column(
        "sku",
        gettext_lazy("SKU"),
        True,
        gettext_lazy("The SKU of an active item."),
        ("item", "物料编码", "商品编码", "货号"),
    ),
    Column(
        "qty",
        gettext_lazy("Quantity"),
        True,
        gettext_lazy("A number greater than zero, in the unit of the row."),
        ("quantity", "数量", "期初数量"),
    ),
    Column(
        "unit",
        gettext_lazy("Unit code"),
        False,
        gettext_lazy("Empty for the item's base unit, or a unit the item has a conversion for."),
        ("unit", "单位"),
    ),
    Column(
        "unit_cost",
        gettext_lazy("Unit cost"),
        True,
        gettext_lazy("The cost of one unit of the row, not negative."),
        ("cost", "单价", "成本单价", "单位成本"),
    ),
    Column(
        "batch_no",
        gettext_lazy("Batch number"),
        False,
        gettext_lazy("Required for items tracked by batch; a new number creates the batch."),
        ("batch", "批次", "批号", "批次号"),
    ),
    Column(
        "expiry_date",
        gettext_lazy("Expiry date"),
        False,
        gettext_lazy("YYYY-MM-DD. Required for a new batch of an item tracked by expiry date."),
        ("expiry", "有效期", "有效期至", "到期日"),
    ),
    Column(
        "production_date",
        gettext_lazy("Production date"),
        False,
        gettext_lazy("YYYY-MM-DD, optional."),
        ("production", "生产日期"),
    ),
    Column(
        "posting_date",
        gettext_lazy("Posting date"),
        False,
        gettext_lazy("YYYY-MM-DD, the same on every row; empty for today. Not in a closed month."),
        ("date", "过账日期", "期初日期"),
    ),
)
SHEET = ColumnSet(COLUMNS)
BY_KEY = SHEET.by_key
column_title = SHEET.title
column_titles = SHEET.titles


def column_docs() -> list[dict]:
    return SHEET.docs(is_key=False)


# Rows ------------------------------------------------------------------------------------------
@dataclass
class OpeningRow(SheetRow):
    warehouse: Warehouse | None = None
    location: Location | None = None
    item: Item | None = None
    unit: Unit | None = None
    factor: Decimal = Decimal("1")
    qty: Decimal | None = None
    unit_cost: Decimal | None = None
    batch_no: str = ""
    expiry_date: date | None = None
    production_date: date | None = None
    posting_date: date | None = None
    ok: bool = True

    @property
    def base_qty(self) -> Decimal | None:
        if self.qty is None:
            return None
        return (self.qty * self.factor).quantize(QTY_PLACES)

    @property
    def value(self) -> Decimal | None:
        """What the receipt will carry: the base quantity at the cost per base unit, to the fen,
        exactly as the document service and post_moves compute it."""
        if self.qty is None or self.unit_cost is None:
            return None
        cost = (self.unit_cost / self.factor).quantize(COST_PLACES)
        return (self.base_qty * cost).quantize(FEN)


@dataclass
class WarehouseTotal:
    warehouse: Warehouse
    lines: int = 0
    value: Decimal = Decimal("0")


@dataclass
class OpeningPreview(RowsPreview):
    file_name: str
    problems: list[Problem] = field(default_factory=list)
    rows: list[OpeningRow] = field(default_factory=list)
    posting_date: date | None = None

    @property
    def totals(self) -> list[WarehouseTotal]:
        by_warehouse: dict[int, WarehouseTotal] = {}
        for row in self.rows:
            if row.warehouse is None or row.value is None:
                continue
            total = by_warehouse.setdefault(row.warehouse.pk, WarehouseTotal(row.warehouse))
            total.lines += 1
            total.value += row.value
        return sorted(by_warehouse.values(), key=lambda t: t.warehouse.code)

    @property
    def total_value(self) -> Decimal:
        return sum((t.value for t in self.totals), Decimal("0"))

    def by_warehouse(self) -> dict[Warehouse, list[OpeningRow]]:
        grouped: dict[int, list[OpeningRow]] = defaultdict(list)
        warehouses = {}
        for row in self.rows:
            grouped[row.warehouse.pk].append(row)
            warehouses[row.warehouse.pk] = row.warehouse
        return {warehouses[pk]: rows for pk, rows in grouped.items()}


# Cells -----------------------------------------------------------------------------------------
def parse_date(value) -> date | None:
    """A cell as a date: a real Excel date or text like 2026-11-01, 2026/11/1, 2026年11月1日."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text})


def _number(value, *, places: Decimal, positive: bool) -> Decimal | None:
    return checked_decimal(value, places=places, positive=positive, limit=MAX_NUMBER)


# Reading a file --------------------------------------------------------------------------------
class _Reader(ItemSheetReader):
    """Reads one table for one user. `problems` collects every row-level problem."""

    columns = SHEET

    def __init__(self, table: Table, user):
        super().__init__(table)
        self.user = user

    # One query per kind of record for the whole file.
    def _load(self, raw) -> None:
        def texts(key):
            return {cell_text(cells.get(key)) for _line, cells in raw} - {""}

        self.all_warehouses = {w.code: w for w in Warehouse.objects.filter(code__in=texts("warehouse"))}
        self.allowed = set(
            warehouses_for(self.user).filter(code__in=texts("warehouse")).values_list("pk", flat=True)
        )
        self.locations: dict[str, list[Location]] = defaultdict(list)
        for location in Location.objects.filter(code__in=texts("location")).select_related("warehouse"):
            self.locations[location.code].append(location)
        self.items = {i.sku: i for i in Item.objects.filter(sku__in=texts("sku")).select_related("base_unit")}
        self.units = {u.code: u for u in Unit.objects.filter(code__in=texts("unit"))}
        self.factors = {
            (c.item_id, c.unit_id): c.factor
            for c in ItemUnit.objects.filter(item__in=self.items.values(), unit__in=self.units.values())
        }
        self.batches = {
            (b.item_id, b.batch_no): b
            for b in Batch.objects.filter(item__in=self.items.values(), batch_no__in=texts("batch_no"))
        }
        self.closed_through = PeriodClose.objects.aggregate(end=Max("end_date"))["end"]
        self.today = timezone.localdate()

    def _row(self, line: int, cells: dict) -> OpeningRow:
        row = OpeningRow(line=line, cells={k: cell_text(v) for k, v in cells.items()})
        before = len(self.problems)

        def text(key):
            return cell_text(cells.get(key))

        def required(key) -> bool:
            if text(key):
                return True
            self.problem(line, key, "", _("This column is required."))
            return False

        if required("warehouse"):
            row.warehouse = self._warehouse(line, text("warehouse"))
        if required("location") and row.warehouse is not None:
            row.location = self._location(line, text("location"), row.warehouse)
        if required("sku"):
            row.item = self._item(line, text("sku"))
        for key, places, positive in (("qty", QTY_PLACES, True), ("unit_cost", COST_PLACES, False)):
            if not required(key):
                continue
            try:
                setattr(row, key, _number(cells.get(key), places=places, positive=positive))
            except ValueError as exc:
                self.problem(line, key, text(key), str(exc))
        for key in ("expiry_date", "production_date", "posting_date"):
            try:
                setattr(row, key, parse_date(cells.get(key)))
            except ValueError as exc:
                self.problem(line, key, text(key), str(exc))
        row.batch_no = text("batch_no")
        if row.item is not None:
            self._unit(row, text("unit"))
            self._batch(row)
        if row.expiry_date and row.production_date and row.expiry_date < row.production_date:
            self.problem(
                line, "expiry_date", text("expiry_date"), _("The expiry date is before the production date.")
            )
        if row.posting_date is not None:
            self._posting_date(row, text("posting_date"))
        self._fits(row, text("qty"))
        row.ok = len(self.problems) == before
        return row

    def _warehouse(self, line, code) -> Warehouse | None:
        warehouse = self.all_warehouses.get(code)
        model = Warehouse._meta.verbose_name
        if warehouse is None:
            message = _("There is no %(model)s with the code “%(code)s”.") % {"model": model, "code": code}
        elif warehouse.pk not in self.allowed:
            message = _("You may not post stock in warehouse %(warehouse)s.") % {"warehouse": warehouse}
        elif not warehouse.is_active:
            message = _("The %(model)s “%(code)s” is deactivated.") % {"model": model, "code": code}
        else:
            return warehouse
        self.problem(line, "warehouse", code, message)
        return None

    def _location(self, line, code, warehouse) -> Location | None:
        candidates = self.locations.get(code, [])
        location = next((loc for loc in candidates if loc.warehouse_id == warehouse.pk), None)
        if location is None and candidates:
            message = _("The location “%(code)s” is not in warehouse %(warehouse)s.")
        elif location is None:
            message = _("There is no location “%(code)s” in warehouse %(warehouse)s.")
        elif not location.is_active:
            message = _("The location “%(code)s” of warehouse %(warehouse)s is deactivated.")
        elif location.kind == LocationKind.TRANSIT:  # document_set_lines would refuse it at posting
            message = _("The location “%(code)s” of warehouse %(warehouse)s holds goods in transit only.")
        else:
            return location
        self.problem(line, "location", code, message % {"code": code, "warehouse": warehouse})
        return None

    def _unit(self, row: OpeningRow, code: str) -> None:
        item = row.item
        if not code or code == item.base_unit.code:
            row.unit, row.factor = item.base_unit, Decimal("1")
            return
        self._converted_unit(row, item, code)

    def _batch(self, row: OpeningRow) -> None:
        item, number = row.item, row.batch_no
        if item.tracking == Tracking.NONE:
            if number:
                message = _("%(item)s is not tracked by batch: leave the batch number empty.") % {
                    "item": item
                }
                self.problem(row.line, "batch_no", number, message)
            return
        if not number:
            message = _("%(item)s is tracked by batch: enter the batch number.") % {"item": item}
            self.problem(row.line, "batch_no", "", message)
            return
        max_length = Batch._meta.get_field("batch_no").max_length
        if len(number) > max_length:
            message = _("At most %(count)s characters.") % {"count": max_length}
            self.problem(row.line, "batch_no", number, message)
            return
        existing = self.batches.get((item.pk, number))
        if existing is not None:
            if row.expiry_date and existing.expiry_date and row.expiry_date != existing.expiry_date:
                message = _("Batch %(batch)s already exists with the expiry date %(date)s.") % {
                    "batch": number,
                    "date": existing.expiry_date.isoformat(),
                }
                self.problem(row.line, "expiry_date", row.cells.get("expiry_date", ""), message)
        elif item.tracking == Tracking.BATCH_EXPIRY and not row.cells.get("expiry_date"):
            message = _(
                "%(item)s is tracked by expiry date: enter the expiry date of the new batch %(batch)s."
            )
            self.problem(row.line, "expiry_date", "", message % {"item": item, "batch": number})

    def _fits(self, row: OpeningRow, shown: str) -> None:
        """Quantity in base units and value within their columns (each cell alone may be below
        MAX_NUMBER and their product still overflow at posting)."""
        if row.qty is None or row.unit is None:
            return
        if row.base_qty >= MAX_BASE_QTY or (row.value is not None and row.value >= MAX_VALUE):
            self.problem(row.line, "qty", shown, _("“%(value)s” is too large.") % {"value": shown})

    def _posting_date(self, row: OpeningRow, shown: str) -> None:
        day = row.posting_date
        if day > self.today:
            self.problem(row.line, "posting_date", shown, _("The posting date must not be in the future."))
        elif self.closed_through is not None and day <= self.closed_through:
            # The message posting itself gives (periods.check_open), so users meet one wording.
            message = _("The books are closed through %(date)s: nothing can be posted on %(day)s.") % {
                "date": self.closed_through.isoformat(),
                "day": day.isoformat(),
            }
            self.problem(row.line, "posting_date", shown, message)

    def _check_across(self, rows: list[OpeningRow]) -> None:
        """Rules between rows: one posting date per file, each key once, one expiry per new batch."""
        first_date: OpeningRow | None = None
        seen: dict[tuple, int] = {}
        expiry_of: dict[tuple, OpeningRow] = {}
        for row in rows:
            if row.posting_date is not None:
                if first_date is None:
                    first_date = row
                elif row.posting_date != first_date.posting_date:
                    message = _("Every row must have the same posting date: row %(row)s has %(date)s.") % {
                        "row": first_date.line,
                        "date": first_date.posting_date.isoformat(),
                    }
                    self.problem(row.line, "posting_date", row.cells.get("posting_date", ""), message)
                    row.ok = False
            if row.location is None or row.item is None:
                continue
            key = (row.location.pk, row.item.pk, row.batch_no)
            if key in seen:
                message = _("The same warehouse, location, SKU and batch are already in row %(row)s.") % {
                    "row": seen[key]
                }
                self.problem(row.line, "sku", row.cells.get("sku", ""), message)
                row.ok = False
            else:
                seen[key] = row.line
            batch_key = (row.item.pk, row.batch_no)
            if row.batch_no and row.expiry_date and (row.item.pk, row.batch_no) not in self.batches:
                other = expiry_of.setdefault(batch_key, row)
                if other.expiry_date != row.expiry_date:
                    message = _("Batch %(batch)s has another expiry date in row %(row)s.") % {
                        "batch": row.batch_no,
                        "row": other.line,
                    }
                    self.problem(row.line, "expiry_date", row.cells.get("expiry_date", ""), message)
                    row.ok = False
        if first_date is not None:
            for row in rows:
                row.posting_date = first_date.posting_date


def read_opening_stock(table: Table, *, user, file_name: str) -> OpeningPreview:
    """Every row of the table checked for this user; nothing is written."""
    reader = _Reader(table, user)
    rows = reader.read()
    preview = OpeningPreview(file_name=file_name, rows=rows)
    preview.problems = sorted(reader.problems, key=lambda p: p.row or 0)
    preview.posting_date = next((r.posting_date for r in rows if r.posting_date), None)
    return preview


def template_example(user) -> list:
    """An example row from the user's own data where there is some, so the format is clear."""
    warehouse = warehouses_for(user).filter(is_active=True).order_by("code").first()
    location = (
        Location.objects.filter(warehouse=warehouse, is_active=True).order_by("path").first()
        if warehouse
        else None
    )
    item = Item.objects.filter(is_active=True, tracking=Tracking.NONE).select_related("base_unit").first()
    return [
        warehouse.code if warehouse else "WH01",
        location.code if location else "A-01-01",
        item.sku if item else "SKU-0001",
        Decimal("100"),
        item.base_unit.code if item else "PCS",
        Decimal("2.50"),
        "",
        None,
        None,
        None,
    ]
