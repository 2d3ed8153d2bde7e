"""Reading and writing the spreadsheets people import and export (.xlsx and .csv).

Framework-light on purpose: no models, no import-export; the resources and views build on it.

Uploaded files are hostile until checked. `check_upload` refuses a file on its size, on its zip
directory (an .xlsx is a zip: total expanded size, entry count, compression ratio) and on its row
count, in that order, so openpyxl never parses a zip bomb or a 400,000-row sheet. Exported text is
`neutralise`d so Excel and WPS never run a cell as a formula; import undoes exactly that prefix.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

XLSX, CSV = ".xlsx", ".csv"
SUPPORTED_EXTENSIONS = (XLSX, CSV)

# Columns read from a sheet. A stray cell far to the right (column XFD) must not make every row a
# 16,384-wide list; our resources have about twenty columns.
MAX_COLUMNS = 64

# Zip entries smaller than this cannot hurt however well they compress, and small repetitive XML
# parts (styles, empty sheets) legitimately compress far better than real data.
RATIO_CHECK_MIN_BYTES = 1024 * 1024

# Leading characters that make Excel/WPS read a text cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

# Characters openpyxl refuses to write (XML 1.0 has no place for them).
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


class SpreadsheetRejected(Exception):
    """The file is refused before any row is imported; `message` is translated and says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The cells of an uploaded sheet: the header row and the data rows with their row numbers
    as the user sees them in Excel (the header is row 1). Fully empty rows are left out."""

    headers: list[Any]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def extension_of(name: str) -> str:
    name = (name or "").lower()
    return next((ext for ext in SUPPORTED_EXTENSIONS if name.endswith(ext)), "")


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


# Checks ---------------------------------------------------------------------------------------
def check_upload(uploaded_file) -> None:
    """Refuse a file that is not a supported spreadsheet within the JXC_IMPORT_* limits.

    `uploaded_file` is any file object with `name` and `size` (a Django UploadedFile or File).
    Raises SpreadsheetRejected naming the limit and the actual figure."""
    ext = extension_of(uploaded_file.name)
    if not ext:
        raise SpreadsheetRejected(
            _("Only Excel workbooks (.xlsx) and CSV files (.csv) can be imported, not “%(name)s”.")
            % {"name": uploaded_file.name}
        )
    size, limit = uploaded_file.size, settings.JXC_IMPORT_MAX_BYTES
    if size > limit:
        raise SpreadsheetRejected(
            _("The file is %(size)s; files of at most %(limit)s can be imported.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if ext == XLSX:
        _check_zip_directory(uploaded_file)
        rows = _count_xlsx_rows(uploaded_file)
    else:
        rows = _count_csv_rows(uploaded_file)
    _check_row_count(rows)
    uploaded_file.jxc_upload_checked = True  # read_table need not check it again


def _check_row_count(rows: int) -> None:
    limit = settings.JXC_IMPORT_MAX_ROWS
    if rows > limit:
        raise SpreadsheetRejected(
            _("The file has %(rows)s rows; at most %(limit)s rows can be imported at once.")
            % {"rows": _number(rows), "limit": _number(limit)}
        )


def _not_excel(uploaded_file) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _("“%(name)s” is not an Excel file (.xlsx): it cannot be opened as a workbook.")
        % {"name": uploaded_file.name}
    )


def _check_zip_directory(uploaded_file) -> None:
    """Judge the workbook by its zip central directory alone: nothing is decompressed here.
    zipfile stops decompressing an entry at the size its directory declares, so a directory that
    lies about sizes cannot expand beyond what was checked."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_excel(uploaded_file) from exc
    finally:
        uploaded_file.seek(0)
    if not any(entry.filename == "xl/workbook.xml" for entry in entries):
        raise _not_excel(uploaded_file)

    max_entries = settings.JXC_IMPORT_MAX_ZIP_ENTRIES
    if len(entries) > max_entries:
        raise SpreadsheetRejected(
            _("The workbook holds %(count)s parts; at most %(limit)s are allowed.")
            % {"count": _number(len(entries)), "limit": _number(max_entries)}
        )
    total, max_total = sum(entry.file_size for entry in entries), settings.JXC_IMPORT_MAX_UNCOMPRESSED_BYTES
    if total > max_total:
        raise SpreadsheetRejected(
            _("The workbook would expand to %(size)s; at most %(limit)s is allowed.")
            % {"size": filesizeformat(total), "limit": filesizeformat(max_total)}
        )
    max_ratio = settings.JXC_IMPORT_MAX_ZIP_RATIO
    for entry in entries:
        if entry.file_size < RATIO_CHECK_MIN_BYTES:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > max_ratio:
            raise SpreadsheetRejected(
                _(
                    "The workbook is compressed %(ratio)s to 1 (at most %(limit)s to 1 is allowed): "
                    "it looks like a zip bomb and is not opened."
                )
                % {"ratio": _number(int(ratio)), "limit": _number(max_ratio)}
            )


def _open_workbook(uploaded_file):
    from openpyxl import load_workbook

    uploaded_file.seek(0)
    try:
        # data_only: a formula cell gives the value the user sees, not the formula text.
        return load_workbook(uploaded_file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors on bad files
        raise _not_excel(uploaded_file) from exc


def _first_sheet(workbook, uploaded_file):
    if not workbook.worksheets:
        workbook.close()
        raise _not_excel(uploaded_file)
    return workbook.worksheets[0]


def _count_xlsx_rows(uploaded_file) -> int:
    """Data rows (after the header) of the first sheet: the declared dimension first, which
    costs nothing, then an actual count that stops as soon as the cap is passed."""
    limit = settings.JXC_IMPORT_MAX_ROWS
    workbook = _open_workbook(uploaded_file)
    try:
        sheet = _first_sheet(workbook, uploaded_file)
        declared = sheet.max_row
        if declared is not None and declared - 1 > limit:
            return declared - 1
        # The dimension may be missing or too small; count what is really there.
        sheet.reset_dimensions()
        count = 0
        for _row in sheet.iter_rows(max_col=1, values_only=True):
            count += 1
            if count - 1 > limit:
                break
        return max(count - 1, 0)
    except SpreadsheetRejected:
        raise
    except Exception as exc:
        raise _not_excel(uploaded_file) from exc
    finally:
        workbook.close()
        uploaded_file.seek(0)


def _count_csv_rows(uploaded_file) -> int:
    uploaded_file.seek(0)
    data = uploaded_file.read()
    uploaded_file.seek(0)
    lines = [line for line in data.splitlines() if line.strip(b" \t\r\n\x00")]
    return max(len(lines) - 1, 0)


# Reading ---------------------------------------------------------------------------------------
def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or, when the bytes are not UTF-8, GB18030 (a superset of the GBK
    that Excel and WPS save "CSV" in on Chinese Windows). UTF-16 with a BOM ("Unicode text") too.
    Never guesses into mojibake: bytes valid in neither raise SpreadsheetRejected."""
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff")
    raise SpreadsheetRejected(
        _("The CSV file is neither UTF-8 nor GBK/GB18030 text. Save it from Excel as “CSV UTF-8”.")
    )


def _clean_header(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\ufeff", "").strip()
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(uploaded_file) -> Table:
    """The first sheet of an .xlsx, or a .csv, as a Table. Runs check_upload unless it already
    passed on this file (the upload form runs it), so no caller can hand openpyxl an unchecked
    file; the row cap is enforced here again while reading, so a file that lied stops early.
    Raises SpreadsheetRejected."""
    if not getattr(uploaded_file, "jxc_upload_checked", False):
        check_upload(uploaded_file)
    ext = extension_of(uploaded_file.name)
    rows = _read_xlsx_rows(uploaded_file) if ext == XLSX else _read_csv_rows(uploaded_file)
    table = None
    limit = settings.JXC_IMPORT_MAX_ROWS
    for number, values in rows:
        values = list(values)
        if table is None:
            table = Table(headers=[_clean_header(v) for v in values])
            continue
        if number - 1 > limit:
            _check_row_count(number - 1)
        if not all(_is_empty(v) for v in values):
            table.rows.append((number, values))
    return table or Table(headers=[])


def _read_xlsx_rows(uploaded_file) -> Iterator[tuple[int, Sequence[Any]]]:
    workbook = _open_workbook(uploaded_file)
    try:
        sheet = _first_sheet(workbook, uploaded_file)
        _refuse_formulas_without_results(sheet)
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1)
    except SpreadsheetRejected:
        raise
    except Exception as exc:
        raise _not_excel(uploaded_file) from exc
    finally:
        workbook.close()
        uploaded_file.seek(0)


# A formula element of sheet XML: <f>, <f t="shared" .../>, or with a namespace prefix (<x:f>).
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _refuse_formulas_without_results(sheet) -> None:
    """Excel and WPS save each formula's result beside it, but files written by programs often do
    not; openpyxl then reads the cell as empty, and an import would silently give it the column's
    default. Such a file is refused, naming the first such cell.

    openpyxl has no public access to the sheet's XML part; _get_source is what its own read-only
    reader opens. A raw scan first (some 25 times cheaper than parsing) skips sheets without any
    formula, which most imports are."""
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse  # defusedxml's when installed

    with sheet._get_source() as source:
        tail, found = b"", False
        while not found and (chunk := source.read(1 << 16)):
            found = bool(_FORMULA_TAG.search(tail + chunk))
            tail = chunk[-16:]
    if not found:
        return
    cell, row = f"{{{SHEET_MAIN_NS}}}c", f"{{{SHEET_MAIN_NS}}}row"
    formula, value = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}v"
    with sheet._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag == cell:
                result = element.find(value)
                # An empty result is one only for a formula giving text (t="str"): ="" or IF(…,"",…).
                no_result = result is None or (not result.text and element.get("t") != "str")
                if element.find(formula) is not None and no_result:
                    raise SpreadsheetRejected(
                        _(
                            "Cell %(cell)s holds a formula but the file has no saved result for it. "
                            "Open the file in Excel or WPS and save it, or type the value instead."
                        )
                        % {"cell": element.get("r", "")}
                    )
                element.clear()
            elif element.tag == row:
                element.clear()


def _read_csv_rows(uploaded_file) -> Iterator[tuple[int, Sequence[Any]]]:
    uploaded_file.seek(0)
    text = decode_csv(uploaded_file.read())
    uploaded_file.seek(0)
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
            values = values[:MAX_COLUMNS]
            _refuse_nul(number, values)
            yield number, values
    except csv.Error as exc:
        raise SpreadsheetRejected(_("The CSV file could not be read: %(error)s") % {"error": exc}) from exc


def _refuse_nul(number: int, values: Sequence[str]) -> None:
    # No database text column holds a NUL; PostgreSQL refuses the whole statement. A NUL in a CSV
    # usually means the file is UTF-16 without its byte-order mark, or not text at all.
    for index, value in enumerate(values):
        if "\x00" in value:
            raise SpreadsheetRejected(
                _(
                    "Cell %(cell)s holds a NUL character (a zero byte), which text cannot contain: "
                    "is this really a CSV text file?"
                )
                % {"cell": f"{get_column_letter(index + 1)}{number}"}
            )


# Cell values -----------------------------------------------------------------------------------
_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")


def normalise(text: Any) -> str:
    """For matching headers and choices: no BOM, single spaces, case-folded."""
    return " ".join(str(text).replace("\ufeff", "").split()).casefold()


def cell_text(value: Any) -> str:
    """A cell as text, stripped and un-neutralised. A whole float (10001.0, what Excel may make of
    a typed code) reads as it was typed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(str(value).strip())


def parse_decimal(value: Any) -> Decimal | None:
    """A cell as a Decimal, None when empty. Accepts numbers, "12.5" and grouped "1,234.5";
    raises ValueError (translated, naming the value) for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    not_a_number = ValueError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, bool):
        raise not_a_number
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text that reads back as this float
    else:
        text = cell_text(value)
        try:
            number = Decimal(text.replace(",", "") if _GROUPED.match(text) else text)
        except InvalidOperation:
            raise not_a_number from None
    if not number.is_finite():
        raise not_a_number
    return number


# Formula neutralising --------------------------------------------------------------------------
def neutralise(value: Any) -> Any:
    """Text that Excel or WPS would run as a formula gets a leading apostrophe, so it shows as the
    text it is. Numbers (int, Decimal, float) are never touched: -2 stays the number -2."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """Undo `neutralise` on imported text, so an exported file imports back unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


# Writing ---------------------------------------------------------------------------------------
def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", neutralise(value))
    return value


def write_xlsx(
    out: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = ""
) -> None:
    """Stream rows into an .xlsx with openpyxl's write-only mode (constant memory). Numbers stay
    numbers; every text cell, headers included, is neutralised."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    for index, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(str(header)) * 2 + 4))
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=_xlsx_cell(str(header)))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    workbook.save(out)


def _sheet_title(title: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", " ", str(title or "")).strip()
    return title[:31] or "Sheet1"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, str):
        return neutralise(value)
    return "" if value is None else value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text line by line, starting with a UTF-8 BOM so Excel opens Chinese text correctly.
    Every text cell is neutralised; numbers are written as plain numbers."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([_csv_cell(str(h)) for h in headers])
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])
