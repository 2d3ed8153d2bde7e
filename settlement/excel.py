"""A book's balances with ageing and a party's statement as .xlsx workbooks: a header block (what,
as of when, for whom), a bold frozen table header, money as typed numbers with a money format, a
totals or closing row. Values only, never formulas; text that looks like a formula is neutralised
and characters that XML refuses are dropped, as in every other export (inventory.spreadsheets)."""

from __future__ import annotations

from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from inventory.spreadsheets import (
    _ILLEGAL_XML,  # private, but exports must strip what openpyxl refuses exactly as write_xlsx does
    _sheet_title,  # private: the same sheet-title cleaning as every other export
    neutralise,
)

from .books import Book

DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00;-#,##0.00;0.00"


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", neutralise(value))
    return value


def _party_text(party) -> tuple[str, str]:
    return getattr(party, "code", ""), str(party)


class _Sheet:
    """A worksheet written top to bottom: header lines, then one table."""

    def __init__(self, title: str):
        from openpyxl import Workbook

        self.workbook = Workbook()
        self.sheet = self.workbook.active
        self.sheet.title = _sheet_title(title)

    def title(self, text: str) -> None:
        from openpyxl.styles import Font

        self.sheet.append([_text(text)])
        self.sheet.cell(self.sheet.max_row, 1).font = Font(bold=True, size=14)

    def field(self, label: str, value: Any, number_format: str | None = None) -> None:
        from openpyxl.styles import Alignment, Font

        self.sheet.append([_text(label), _text(value)])
        row = self.sheet.max_row
        self.sheet.cell(row, 1).font = Font(bold=True)
        if number_format:
            self.sheet.cell(row, 2).number_format = number_format
            self.sheet.cell(row, 2).alignment = Alignment(horizontal="left")

    def header(self, columns: list[tuple[str, int]]) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
        from openpyxl.utils import get_column_letter

        self.sheet.append([])
        self.sheet.append([_text(title) for title, _width in columns])
        self.header_row = row = self.sheet.max_row
        fill, edge = PatternFill("solid", fgColor="DDE7F3"), Border(bottom=Side(style="thin"))
        for index, (_title, width) in enumerate(columns, 1):
            cell = self.sheet.cell(row, index)
            cell.font, cell.fill, cell.border = Font(bold=True), fill, edge
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = f"A{row + 1}"
        self.sheet.print_title_rows = f"{row}:{row}"

    def row(self, values: list, formats: dict[int, str], *, bold: bool = False) -> None:
        from openpyxl.styles import Border, Font, Side

        self.sheet.append([_text(v) for v in values])
        row = self.sheet.max_row
        for index, number_format in formats.items():
            self.sheet.cell(row, index).number_format = number_format
        if bold:
            for index in range(1, len(values) + 1):
                cell = self.sheet.cell(row, index)
                cell.font, cell.border = Font(bold=True), Border(top=Side(style="thin"))

    def save(self, out: IO[bytes]) -> None:
        self.sheet.page_setup.orientation = "landscape"
        self.sheet.page_setup.fitToWidth, self.sheet.page_setup.fitToHeight = 1, 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.workbook.save(out)


# Balances --------------------------------------------------------------------------------------


def balances_filename(book: Book, as_of) -> str:
    return f"{book.label('title')} {as_of.isoformat()}.xlsx"


def balance_columns(book: Book) -> list[tuple[str, int]]:
    return [
        (_("Code"), 14),
        (book.label("party"), 30),
        (_("0–30 days"), 14),
        (_("31–60 days"), 14),
        (_("61–90 days"), 14),
        (_("Over 90 days"), 14),
        (book.label("credit"), 16),
        (pgettext("money", "Balance"), 16),
        (_("Overdue"), 14),
    ]


def write_balances(out: IO[bytes], book: Book, rows, total, *, as_of, search: str = "") -> None:
    """Open balances per party as of a day, aged by the days since each document's date."""
    sheet = _Sheet(book.label("title"))
    sheet.title(book.label("title"))
    sheet.field(_("As of"), as_of, DATE_FORMAT)
    if search:
        sheet.field(_("Name or code"), search)
    sheet.field(_("Ageing"), _("Days since the document date; overdue: open past the due date."))
    sheet.field(pgettext("money", "Balance"), book.label("balance_meaning"))
    sheet.header(balance_columns(book))
    money = dict.fromkeys(range(3, 10), MONEY_FORMAT)
    for r in rows:
        code, name = _party_text(r.party)
        sheet.row([code, name, *r.buckets, r.credit, r.balance, r.overdue], money)
    sheet.row([_("Total"), "", *total.buckets, total.credit, total.balance, total.overdue], money, bold=True)
    sheet.save(out)


# Statements ------------------------------------------------------------------------------------


def statement_filename(book: Book, statement) -> str:
    code, name = _party_text(statement.party)
    return (
        _("Statement %(party)s %(start)s to %(end)s")
        % {
            "party": code or name,
            "start": statement.start.isoformat(),
            "end": statement.end.isoformat(),
        }
        + ".xlsx"
    )


def write_statement(out: IO[bytes], book: Book, statement, rows) -> None:
    """The party's statement: opening balance, every entry of the period with the running
    balance, the period's totals and the closing balance."""
    code, name = _party_text(statement.party)
    sheet = _Sheet(_("Statement"))
    sheet.title(_("Statement of account"))
    sheet.field(book.label("party"), f"{code} {name}".strip())
    sheet.field(_("From"), statement.start, DATE_FORMAT)
    sheet.field(_("Until"), statement.end, DATE_FORMAT)
    sheet.field(pgettext("money", "Balance"), book.label("balance_meaning"))
    sheet.header(
        [
            (_("Date"), 12),
            (_("Number"), 22),
            (_("Kind"), 22),
            (pgettext("statement", "Owed"), 16),
            (pgettext("statement", "Paid or returned"), 16),
            (pgettext("money", "Balance"), 16),
        ]
    )
    money = {4: MONEY_FORMAT, 5: MONEY_FORMAT, 6: MONEY_FORMAT}
    sheet.row(
        [statement.start, "", pgettext("money", "Opening balance"), None, None, statement.opening],
        {1: DATE_FORMAT, **money},
    )
    for r in rows:
        sheet.row(
            [r.date, r.number, r.kind, r.debit or None, r.credit or None, r.balance],
            {1: DATE_FORMAT, **money},
        )
    sheet.row(
        [
            statement.end,
            "",
            pgettext("money", "Closing balance"),
            statement.debits,
            statement.credits,
            statement.closing,
        ],
        {1: DATE_FORMAT, **money},
        bold=True,
    )
    sheet.save(out)
