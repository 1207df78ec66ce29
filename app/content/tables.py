"""Spreadsheets in and out: CSV and XLSX as a header row and rows of plain values.

Reading keeps each row's number as the spreadsheet shows it, so that import errors can name the
row to fix. CSV is read the way Excel writes it in any locale: with or without a UTF-8 byte-order
mark, in UTF-16 or Windows-1252, separated by commas, semicolons or tabs (or an Excel `sep=`
line). Writing makes CSV that Excel opens correctly (UTF-8 with a byte-order mark) and XLSX with
a bold, frozen header row, set column widths and wrapped text.

Cells are data, never formulas: an XLSX cell is always stored as text, and a CSV cell that a
spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return) is
written with a leading apostrophe, which `unescape_csv_cell` removes again on import.
"""
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["Sheet", "TableError", "csv_bytes", "csv_chunks", "read_csv", "read_xlsx", "unescape_csv_cell",
           "xlsx_bytes"]

MAX_ROWS = 20_000  # rows read from one sheet, empty ones included; an MSEL has hundreds at most
MAX_COLUMNS = 200  # an MSEL has a dozen or two
# A workbook is measured from its zip directory before anything is unpacked (a zip cannot unpack
# more than its directory declares), so a small file that would unpack into gigabytes is refused
# at once. An MSEL of 1,000 injects unpacks to about 2 MB.
MAX_XLSX_UNZIPPED = 40 * 1024 * 1024
MAX_XLSX_PART = 16 * 1024 * 1024
MAX_SHARED_STRINGS = 8 * 1024 * 1024
MAX_XLSX_PARTS = 1000
MB = 1024 * 1024
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


class TableError(ValueError):
    """The file cannot be read as a table at all (not a single row can be blamed)."""


@dataclass
class Sheet:
    """One table: its name (the sheet title, or the file name) and its non-empty rows, each with
    its row number as a spreadsheet shows it (from 1)."""

    name: str
    rows: list[tuple[int, list]] = field(default_factory=list)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- reading -------------------------------------------------------------------------------

def read_csv(data: bytes, name: str) -> Sheet:
    """A CSV file as one Sheet, separated by `,` `;` or tabs (found out from its first rows)."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0].strip()
    hint = re.fullmatch(r'"?sep=(.)"?', first_line)
    if hint:  # Excel's delimiter line; Excel does not show it, so rows are counted after it
        delimiter = hint.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = _delimiter(text)
    sheet = Sheet(name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise TableError(f"more than {MAX_ROWS} rows; split the file")
            if not all(_blank(cell) for cell in cells):
                sheet.rows.append((number, [unescape_csv_cell(cell) for cell in cells]))
    except csv.Error as exc:
        raise TableError(f"not a readable CSV file (near line {reader.line_num}): {exc}") from None
    return sheet


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows in western locales


def _delimiter(text: str) -> str:
    """`,` `;` or tab: the one that splits the first rows most evenly (a spreadsheet writes every row
    with the same number of cells; text inside cells does not split that regularly)."""
    best, chosen = (0, 0), ","
    for delimiter in (",", ";", "\t"):
        try:
            widths = [len(cells) for cells, _ in zip(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                                                     range(50))]
        except csv.Error:
            continue
        wide = [width for width in widths if width > 1]
        if wide:
            common = max(set(wide), key=lambda width: (wide.count(width), width))
            score = (wide.count(common) / len(widths), common)  # share of rows that have the usual width
            if score > best:
                best, chosen = score, delimiter
    return chosen


def unescape_csv_cell(text: str) -> str:
    """Undo the apostrophe `csv_bytes` puts before a cell that would start a formula."""
    return text[1:] if _ESCAPED.match(text) else text


def read_xlsx(data: bytes, name: str) -> list[Sheet]:
    """Every worksheet of an XLSX file, with cached values of formulas (not the formulas)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_sizes(archive.infolist())
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except TableError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableError(f"not a readable .xlsx workbook ({type(exc).__name__}); save it again as "
                         "Excel Workbook (.xlsx)") from None
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            sheet = Sheet(worksheet.title)
            worksheet.reset_dimensions()  # some writers store a wrong size; read what is there
            rows = worksheet.iter_rows(min_row=1, max_col=MAX_COLUMNS + 1, values_only=True)
            for number, row in enumerate(rows, start=1):
                if number > MAX_ROWS:
                    raise TableError(f"sheet '{worksheet.title}' has more than {MAX_ROWS} rows; split it")
                cells = list(row)
                if len(cells) > MAX_COLUMNS and not _blank(cells[MAX_COLUMNS]):
                    raise TableError(f"sheet '{worksheet.title}' row {number} has more than {MAX_COLUMNS} columns; "
                                     "an MSEL needs a few dozen at most")
                while cells and _blank(cells[-1]):
                    cells.pop()
                if cells:
                    sheet.rows.append((number, cells))
            sheets.append(sheet)
        return sheets
    finally:
        workbook.close()


def _check_sizes(parts: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook that would unpack too large, naming the limit it passes."""
    if len(parts) > MAX_XLSX_PARTS:
        raise TableError(f"the workbook has {len(parts)} parts; at most {MAX_XLSX_PARTS}")
    for part in parts:
        limit = MAX_SHARED_STRINGS if part.filename.endswith("sharedStrings.xml") else MAX_XLSX_PART
        if part.file_size > limit:
            raise TableError(f"the workbook's part {part.filename} unpacks to {part.file_size / MB:.0f} MB; "
                             f"at most {limit // MB} MB")
    total = sum(part.file_size for part in parts)
    if total > MAX_XLSX_UNZIPPED:
        raise TableError(f"the workbook unpacks to {total / MB:.1f} MB; at most {MAX_XLSX_UNZIPPED // MB} MB")


# --- writing -------------------------------------------------------------------------------

def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and _FORMULA_START.match(text) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence], bom: bool = True) -> Iterator[str]:
    """CSV text in pieces (header first, then every 200 rows), for streaming a long table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A whole CSV file: UTF-8 with a byte-order mark (so Excel reads µ and é), CRLF line ends."""
    return "".join(csv_chunks(header, rows)).encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], *, title: str,
               widths: dict[str, float] | None = None) -> bytes:
    """An XLSX workbook of one sheet: bold frozen header with a filter, set widths, wrapped text.

    Strings are stored as text even when they start with '='; dates get an ISO date format.
    `widths` gives a column's width by its header (default: from the longest value, 10 to 60)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Sheet1"
    sheet.append(list(header))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE3EA")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    longest = [len(str(name)) for name in header]
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # never a formula
                longest[column - 1] = max(longest[column - 1], max(map(len, value.split("\n"))))
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                longest[column - 1] = max(longest[column - 1], len(str(value)) if value is not None else 0)
            cell.alignment = wrap
    for column, name in enumerate(header, start=1):
        width = (widths or {}).get(name) or min(max(longest[column - 1] + 2, 10), 60)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(sheet.max_row, 1)}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
