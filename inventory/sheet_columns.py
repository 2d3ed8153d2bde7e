"""The columns of a row-by-row spreadsheet import, and the reading every such import shares.

`ColumnSet` holds an import's columns: their titles in the user's language, the accepted headers in
every language, the documentation the import page shows. `SheetReader` maps a table's header row
onto those columns (untitled columns with values, unknown, duplicated and missing columns, no data
rows) and hands each data row on as a dict of cells; a subclass checks the rows themselves with its
own `_load` (one query per kind of record), `_row` and `_check_across`. `ItemSheetReader` adds the
item and unit lookups of rows naming an item by SKU; `RowsPreview` the common part of a preview.

Used by the opening-stock import (inventory.opening) and the purchase-order lines import
(purchasing.po_excel). Reading the file itself is inventory.spreadsheets'.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from accounts.dataio import PREVIEW_ROWS, Problem

from .models import Item, Unit
from .spreadsheets import Table, cell_text, normalise, parse_decimal


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # lazy, translated
    required: bool
    describe: str  # lazy, translated
    aliases: tuple[str, ...] = ()  # further accepted headers, in any language


class ColumnSet:
    """The columns of one import, in file order."""

    def __init__(self, columns: tuple[Column, ...]):
        self.columns = columns
        self.by_key = {column.key: column for column in columns}

    def title(self, key: str) -> str:
        return str(capfirst(self.by_key[key].title))

    def titles(self) -> list[str]:
        return [self.title(column.key) for column in self.columns]

    def titles_in_every_language(self, key: str) -> set[str]:
        titles = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                titles.add(self.title(key))
        return titles

    def docs(self, **extra) -> list[dict]:
        """One dict a column for the import page; `extra` fields follow the titles in each."""
        docs = []
        for column in self.columns:
            title = self.title(column.key)
            docs.append(
                {
                    "key": column.key,
                    "title": title,
                    "other_titles": sorted(self.titles_in_every_language(column.key) - {title}),
                    **extra,
                    "required": column.required,
                    "format": str(column.describe),
                }
            )
        return docs

    def aliases(self) -> dict[str, str]:
        """Every accepted header, normalised, to its column's key: the key, its aliases and its
        title in every language."""
        found: dict[str, str] = {}
        for column in self.columns:
            names = {normalise(column.key), normalise(column.key.replace("_", " "))}
            names.update(normalise(alias) for alias in column.aliases)
            names.update(normalise(title) for title in self.titles_in_every_language(column.key))
            for name in names:
                found.setdefault(name, column.key)
        return found


def checked_decimal(value, *, places: Decimal, positive: bool, limit: Decimal) -> Decimal | None:
    """A number cell: None when empty; else greater than zero (`positive`) or not negative, with at
    most the decimal places of `places` and below `limit`. Raises ValueError (translated)."""
    number = parse_decimal(value)  # raises "“…” is not a number."
    if number is None:
        return None
    if positive and number <= 0:
        raise ValueError(_("The quantity must be greater than zero."))
    if number < 0:
        raise ValueError(_("Must not be negative."))
    # Size before places: quantizing 10^30 to 4 places needs more digits than the decimal context
    # has, and raises InvalidOperation instead of a message.
    if number >= limit:
        raise ValueError(_("“%(value)s” is too large.") % {"value": cell_text(value)})
    if number != number.quantize(places):
        raise ValueError(_("At most %(places)s decimal places.") % {"places": -places.as_tuple().exponent})
    return number


class SheetReader:
    """Reads one table against a `ColumnSet`. `problems` collects every problem, row by row.

    Subclasses set `columns` and complete `read` with `_load(raw)` (once, for the whole file) and
    `_row(line, cells)` (each row), and may add `_check_across(rows)`."""

    columns: ColumnSet

    def __init__(self, table: Table):
        self.table = table
        self.problems: list[Problem] = []

    def problem(self, line: int | None, key: str, value, message: str) -> None:
        title = self.columns.title(key) if key in self.columns.by_key else key
        self.problems.append(Problem(line, title, "" if value is None else str(value), message))

    def map_headers(self) -> list[str | None]:
        aliases, keys = self.columns.aliases(), []
        for index, header in enumerate(self.table.headers):
            text = cell_text(header)
            if not text:
                keys.append(None)
                if any(index < len(values) and cell_text(values[index]) for _n, values in self.table.rows):
                    letter = get_column_letter(index + 1)
                    message = _("Column %(letter)s has values but no title.") % {"letter": letter}
                    self.problems.append(Problem(1, letter, "", message))
                continue
            key = aliases.get(normalise(text))
            if key is None:
                self.problems.append(
                    Problem(1, text, text, _("Unknown column “%(column)s”.") % {"column": text})
                )
            elif key in keys:
                message = _("The column “%(column)s” appears twice.") % {"column": text}
                self.problems.append(Problem(1, text, text, message))
                key = None
            keys.append(key)
        for column in self.columns.columns:
            if column.required and column.key not in keys:
                title = self.columns.title(column.key)
                message = _("The column “%(column)s” is missing.") % {"column": title}
                self.problems.append(Problem(1, title, "", message))
        if not self.table.rows:
            self.problems.append(
                Problem(None, "", "", _("The file has no data rows below the column titles."))
            )
        return keys

    def cells(self) -> list[tuple[int, dict[str, Any]]]:
        """Each data row as (its line, its cells by column key); empty when the header row has a
        problem (or there are no rows)."""
        keys = self.map_headers()
        if self.problems:
            return []
        raw = []
        for line, values in self.table.rows:
            cells = {key: values[i] if i < len(values) else None for i, key in enumerate(keys) if key}
            raw.append((line, cells))
        return raw

    def read(self) -> list:
        raw = self.cells()
        if self.problems:
            return []
        self._load(raw)
        rows = [self._row(line, cells) for line, cells in raw]
        self._check_across(rows)
        return rows

    def _load(self, raw: list[tuple[int, dict[str, Any]]]) -> None:
        raise NotImplementedError

    def _row(self, line: int, cells: dict[str, Any]):
        raise NotImplementedError

    def _check_across(self, rows: list) -> None:
        """Rules between rows; none by default."""


@dataclass
class SheetRow:
    """One data row of an import; a subclass adds what its reader makes of the cells."""

    line: int  # the row number in Excel (1 is the header row)
    cells: dict[str, str]  # the cells as text, for the preview


class ItemSheetReader(SheetReader):
    """A reader whose rows name an item by SKU and a unit by code. Its `_load` sets `items` (SKU →
    item, base unit selected), `units` (code → unit) and `factors` ((item pk, unit pk) → factor);
    its rows have `line`, `unit` and `factor`."""

    items: dict[str, Item]
    units: dict[str, Unit]
    factors: dict[tuple[int, int], Decimal]

    def _item(self, line: int, sku: str) -> Item | None:
        item = self.items.get(sku)
        if item is None:
            message = _("There is no item with the SKU “%(sku)s”.") % {"sku": sku}
        elif not item.is_active:
            message = _("The item “%(sku)s” is deactivated.") % {"sku": sku}
        else:
            return item
        self.problem(line, "sku", sku, message)
        return None

    def _converted_unit(self, row, item: Item, code: str) -> None:
        """The unit `code` (not the item's base unit) and the item's conversion factor for it."""
        unit = self.units.get(code)
        if unit is None:
            model = Unit._meta.verbose_name
            message = _("There is no %(model)s with the code “%(code)s”.") % {"model": model, "code": code}
            self.problem(row.line, "unit", code, message)
            return
        factor = self.factors.get((item.pk, unit.pk))
        if factor is None:
            message = _("%(item)s has no conversion for the unit %(unit)s.") % {"item": item, "unit": code}
            self.problem(row.line, "unit", code, message)
            return
        row.unit, row.factor = unit, factor


class RowsPreview:
    """What an import preview shows besides its own figures; the dataclass using it has `problems`
    and `rows`."""

    problems: list[Problem]
    rows: list

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def shown_rows(self) -> list:
        return self.rows[:PREVIEW_ROWS]

    @property
    def more_rows(self) -> int:
        return max(len(self.rows) - PREVIEW_ROWS, 0)
