"""What a scan, a chosen item or the FEFO button does to the lines a clerk is entering.

The browser posts the whole document form — header and every line as it stands, saved or not —
with the action, and the answer names the rows that change and the rows to add. Deciding here,
from the posted lines, rather than in the browser keeps one rule for "the same line" (item, unit,
batch), sees quantities typed by hand, and lets FEFO leave out what the other lines already take.
The form queues its requests (hx-sync), so each one sees the lines the previous one left.
Nothing here writes: saving still goes through the document form and services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from .forms_stock import OUTBOUND
from .models import Item, ItemBarcode, Location, LocationKind, Warehouse
from .selectors import FefoPick, fefo_allocate, fefo_candidates

MAX_ROWS = 1000  # Django's formset ceiling
MAX_QTY = Decimal("1e14")  # the quantity columns hold 18 digits, 4 after the point
ONE = Decimal("1")
ZERO = Decimal("0")


def qty_text(qty: Decimal) -> str:
    """2.5000 -> "2.5", 10 -> "10" (never "1E+1")."""
    return format(qty.normalize(), "f")


@dataclass
class Row:
    """One line of the posted formset, as raw field values (name -> text)."""

    index: int
    data: dict[str, str]

    def _int(self, name: str) -> int | None:
        value = self.data.get(name, "")
        return int(value) if value.isdecimal() else None

    @property
    def item_id(self) -> int | None:
        return self._int("item")

    @property
    def unit_id(self) -> int | None:
        return self._int("unit")

    @property
    def location_id(self) -> int | None:
        return self._int("location")

    @property
    def batch_no(self) -> str:
        return self.data.get("batch_no", "").strip()

    @property
    def qty(self) -> Decimal | None:
        try:
            value = Decimal(self.data.get("qty", "").strip())
        except InvalidOperation:
            return None
        # bounded like the quantity column (14 digits before the point): arithmetic on a typed
        # 9e999999 would overflow the decimal context
        return value if value.is_finite() and 0 < value < MAX_QTY else None

    @property
    def deleted(self) -> bool:
        return self.data.get("DELETE", "") not in ("", "false", "0")

    def place(self) -> tuple[int | None, str]:
        return (self.location_id, self.batch_no)

    def set(self, **values) -> None:
        for name, value in values.items():
            self.data[name] = "" if value is None else str(value)


def rows_from_post(post, prefix: str = "lines") -> list[Row]:
    """The formset's rows 0 … TOTAL_FORMS − 1 from POST data, whatever is (not) filled in."""
    total = post.get(f"{prefix}-TOTAL_FORMS", "")
    total = min(int(total), MAX_ROWS) if total.isdecimal() else 0
    rows = [Row(i, {}) for i in range(total)]
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-(\w+)$")
    for key in post:
        match = pattern.match(key)
        if match and int(match[1]) < total:
            rows[int(match[1])].data[match[2]] = post.get(key)
    return rows


def item_for_code(code: str) -> tuple[Item, int] | None:
    """The item and the unit a scanned barcode or typed SKU stands for (trimmed, any case).
    A barcode printed on a pack stands for that pack's unit."""
    code = code.strip()
    if not code:
        return None
    barcodes = ItemBarcode.objects.select_related("item").filter(item__is_active=True)
    barcode = barcodes.filter(barcode=code).first() or barcodes.filter(barcode__iexact=code).first()
    if barcode is not None:
        return barcode.item, barcode.unit_id or barcode.item.base_unit_id
    item = Item.objects.filter(sku__iexact=code, is_active=True).first()
    return (item, item.base_unit_id) if item else None


@dataclass
class Outcome:
    """Rows to re-render, rows to append, and what to tell the clerk (level: Bootstrap colour)."""

    changed: list[Row] = field(default_factory=list)
    added: list[Row] = field(default_factory=list)
    message: str = ""
    level: str = "success"
    touched: Row | None = None
    focus: str = "scan-field"


class LineEntry:
    def __init__(self, *, kind: str, warehouse: Warehouse | None, rows: list[Row], today: date | None = None):
        self.kind, self.warehouse, self.rows, self.today = kind, warehouse, rows, today
        self.outcome = Outcome()
        self._factor_cache: dict[int, dict[int | None, Decimal]] = {}

    # -- the three actions ---------------------------------------------------------------------

    def scan(self, code: str) -> Outcome:
        """A known code adds one (of the code's unit) to the line being filled for that item and
        unit, or starts a line; on outbound documents the unit comes from stock, FEFO."""
        found = item_for_code(code)
        if found is None:
            return self._fail(_("No item has the code %(code)s.") % {"code": code.strip()})
        if self.warehouse is None:
            return self._fail(_("Choose the warehouse first."))
        item, unit_id = found
        same = [r for r in self._live() if r.item_id == item.pk and r.unit_id == unit_id]
        if self.kind in OUTBOUND:
            row = self._take_one(item, unit_id, same)
        elif same:
            row = self._add_one(same[-1])
        else:
            row = self._new_row(item=item.pk, unit=unit_id, qty="1", location=self._default_location())
        self.outcome.touched = row
        if not self.outcome.message:
            self._say(row, item)
        return self.outcome

    def choose_item(self, index: int) -> Outcome:
        """An item was chosen in a row: default the unit, and on outbound documents fill the
        location and batch from FEFO. The row is sent back either way (its batch fields
        depend on the item)."""
        row = self.rows[index]
        self._changed(row)
        item = Item.objects.filter(pk=row.item_id, is_active=True).first() if row.item_id else None
        if item is None:
            return self.outcome
        if row.unit_id not in self._factors(item):
            row.set(unit=item.base_unit_id)
        if self.kind in OUTBOUND and self.warehouse is not None:
            self._fefo(row, item)
        self.outcome.focus = f"id_lines-{row.index}-qty"
        return self.outcome

    def fefo(self, index: int) -> Outcome:
        """The FEFO button: take the row's quantity from the earliest-expiring batches, over
        several rows when one batch or bin is not enough."""
        row = self.rows[index]
        item = Item.objects.filter(pk=row.item_id).first() if row.item_id else None
        if item is None or self.warehouse is None:
            return self._fail(_("Choose the warehouse and the item first."))
        self._changed(row)
        self._fefo(row, item)
        self.outcome.focus = f"id_lines-{row.index}-qty"
        return self.outcome

    # -- outbound: FEFO ------------------------------------------------------------------------

    def _available(self, item: Item, *, besides: Row | None = None) -> list[FefoPick]:
        """FEFO candidates lowered by what the form's other lines of the item already take (down
        to zero or below: a place that is used up is still a place FEFO knows)."""
        factors = self._factors(item)
        taken: dict[tuple[int, str], Decimal] = {}
        for r in self._live():
            if r.item_id == item.pk and r is not besides and r.qty is not None:
                taken[r.place()] = taken.get(r.place(), ZERO) + r.qty * factors.get(r.unit_id, ONE)
        return [
            c._replace(qty=c.qty - taken.get(_place(c), ZERO))
            for c in fefo_candidates(item, self.warehouse, today=self.today)
        ]

    def _take_one(self, item: Item, unit_id: int, same: list[Row]) -> Row:
        factor = self._factors(item).get(unit_id, ONE)
        available = self._available(item)
        left = {_place(c): c.qty for c in available}
        last = same[-1] if same else None
        # Keep filling the line in hand while its batch lasts (or when it is the clerk's own
        # choice that FEFO does not offer, such as an expired batch being written off).
        if last is not None and (last.place() not in left or left[last.place()] >= factor):
            return self._add_one(last)
        pick = next((c for c in available if c.qty >= factor), None)
        if pick is None:
            self.outcome.level = "warning"
            self.outcome.message = _(
                "There is not enough %(item)s in %(warehouse)s that has not expired; this line will not post."
            ) % {"item": item, "warehouse": self.warehouse}
            if last is not None:
                return self._add_one(last)
            return self._new_row(
                item=item.pk, unit=unit_id, qty="1", location=self._default_location(), **self._to_location()
            )
        for r in reversed(same):
            if r.place() == _place(pick):
                return self._add_one(r)
        return self._new_row(
            item=item.pk,
            unit=unit_id,
            qty="1",
            location=pick.location.pk,
            batch_no=pick.batch.batch_no if pick.batch else "",
            **self._to_location(),
        )

    def _fefo(self, row: Row, item: Item) -> None:
        available = [c for c in self._available(item, besides=row) if c.qty > 0]
        self.outcome.touched = row
        if not available:
            self.outcome.level = "warning"
            self.outcome.message = _("There is no %(item)s in %(warehouse)s that has not expired.") % {
                "item": item,
                "warehouse": self.warehouse,
            }
            return
        factor = self._factors(item).get(row.unit_id, ONE)
        if row.qty is None:  # no quantity yet: point at the first batch to take from
            first = available[0]
            row.set(location=first.location.pk, batch_no=first.batch.batch_no if first.batch else "")
            self._say_pick(item, [first])
            return
        proposal = fefo_allocate(available, row.qty * factor)
        picks = proposal.picks
        if len(picks) > 1 and any(p.qty % factor for p in picks):
            row.set(unit=item.base_unit_id)  # a split that breaks packs is entered in base units
            factor = ONE
        for n, pick in enumerate(picks):
            values = {
                "location": pick.location.pk,
                "batch_no": pick.batch.batch_no if pick.batch else "",
                "qty": qty_text(pick.qty / factor),
            }
            if n == 0:
                row.set(**values)
            else:
                self._new_row(**{**row.data, **values})
        self._say_pick(item, picks)
        if proposal.shortfall:
            self.outcome.level = "warning"
            self.outcome.message += " " + _(
                "%(short)s %(unit)s short: only %(available)s can be taken from batches that have not expired."
            ) % {
                "short": qty_text(proposal.shortfall),
                "unit": item.base_unit,
                "available": qty_text(proposal.wanted - proposal.shortfall),
            }

    def _say_pick(self, item: Item, picks: list[FefoPick]) -> None:
        parts = []
        for p in picks:
            if p.batch is None:
                parts.append(str(p.location))
            elif p.batch.expiry_date:
                parts.append(
                    _("%(location)s batch %(batch)s (expires %(date)s)")
                    % {
                        "location": p.location,
                        "batch": p.batch.batch_no,
                        "date": p.batch.expiry_date.isoformat(),
                    }
                )
            else:
                parts.append(
                    _("%(location)s batch %(batch)s") % {"location": p.location, "batch": p.batch.batch_no}
                )
        self.outcome.message = _("FEFO for %(item)s: %(picks)s.") % {"item": item, "picks": "; ".join(parts)}

    # -- helpers -------------------------------------------------------------------------------

    def _live(self) -> list[Row]:
        return [r for r in self.rows if not r.deleted]

    def _factors(self, item: Item) -> dict[int | None, Decimal]:
        """Base units per unit of the item (one query per item and request)."""
        if item.pk not in self._factor_cache:
            self._factor_cache[item.pk] = {
                item.base_unit_id: ONE,
                **dict(item.units.values_list("unit_id", "factor")),
            }
        return self._factor_cache[item.pk]

    def _add_one(self, row: Row) -> Row:
        row.set(qty=qty_text((row.qty or ZERO) + ONE))
        self._changed(row)
        return row

    def _changed(self, row: Row) -> None:
        if row not in self.outcome.changed and row not in self.outcome.added:
            self.outcome.changed.append(row)

    def _new_row(self, **values) -> Row:
        """A line for `values`: the first row with no item yet (the blank row a new document
        opens with), else a row added at the end."""
        values = {k: v for k, v in values.items() if k != "DELETE"}
        blank = next((r for r in self._live() if r.item_id is None and r not in self.outcome.added), None)
        if blank is not None:
            blank.set(**values)
            self._changed(blank)
            return blank
        row = Row(len(self.rows), {})
        row.set(**values)
        self.rows.append(row)
        self.outcome.added.append(row)
        return row

    def _default_location(self) -> int | None:
        """The location of the latest line, else the warehouse's first bin (by path)."""
        for r in reversed(self._live()):
            if r.location_id:
                return r.location_id
        return (
            Location.objects.filter(warehouse=self.warehouse, is_active=True)
            .exclude(kind=LocationKind.TRANSIT)
            .order_by(
                Case(
                    When(kind=LocationKind.BIN, then=Value(0)), default=Value(1), output_field=IntegerField()
                ),
                "path",
            )
            .values_list("pk", flat=True)
            .first()
        )

    def _to_location(self) -> dict:
        if self.kind != "transfer":
            return {}
        for r in reversed(self._live()):
            if r.data.get("to_location"):
                return {"to_location": r.data["to_location"]}
        return {}

    def _say(self, row: Row, item: Item) -> None:
        values = {"item": item, "qty": row.data.get("qty", "")}
        if row.batch_no:
            self.outcome.message = _("%(item)s × %(qty)s, batch %(batch)s") % {
                **values,
                "batch": row.batch_no,
            }
        else:
            self.outcome.message = _("%(item)s × %(qty)s") % values

    def _fail(self, message: str) -> Outcome:
        self.outcome.message, self.outcome.level = message, "danger"
        return self.outcome


def _place(pick: FefoPick) -> tuple[int, str]:
    return (pick.location.pk, pick.batch.batch_no if pick.batch else "")
