"""A report sheet as an xlsx file: XlsxWriter makes the workbook, the rows are written here.

Profiled on a tabular export of 153,120 opportunities (21 columns), XlsxWriter's per-cell work
(a method call, a type dispatch, a cell tuple, then per string three regular expressions and a
file write) was two thirds of the export's time, more than reading and converting the records.
So the workbook — the package, the styles, the sheet's header row, column widths, frozen pane
and everything around the cells — is still XlsxWriter's, and only the rows of cells are
written here, as the same SpreadsheetML XlsxWriter writes in its constant-memory mode (inline
strings, a row at a time to a temporary file): one regular expression per string, one string
join per row. tests/integration/test_reports_export.py checks that the cells are byte for byte
those XlsxWriter writes for the same values and formats.

Cells are written by type: text is always an inline string, never a formula or a link; numbers
are numbers (money and percentages in their formats), dates and date-times are date cells.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

if TYPE_CHECKING:
    from keyi.platform.analytics.export import Row, Sheet

CHUNK = 64 * 1024
SHEET_PART = "xl/worksheets/sheet1.xml"
# Spreadsheet number formats per kind of column; text and plain numbers keep Excel's General.
NUMBER_FORMATS = {
    "money": "#,##0.00",
    "percent": '0.00"%"',
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_STRING = 32767  # UTF-16 units in a cell
EPOCH = datetime(1899, 12, 31)  # Excel's (with its 1900 leap year)
# What a string may need done before it goes into <t>: XML escapes, control characters (and
# literal "_xHHHH_", which Excel would read as one) as _xHHHH_, whitespace kept at either end.
NEEDS_CARE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
EDGE_SPACE = re.compile(r"^\s|\s$")
FIRST_ROW = re.compile(r'<row r="1"[ >].*?</row>', re.S)
DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
# The formats, in the order a probe row writes them to learn their style numbers.
PLAIN_KINDS = tuple(NUMBER_FORMATS)
BOLD_KINDS = ("text", *NUMBER_FORMATS)


def stream_xlsx(sheet: Sheet) -> Iterator[bytes]:
    """The workbook of ``sheet`` in chunks, built in a temporary directory (an xlsx is a zip
    whose directory comes last, so it is sent once complete)."""
    with tempfile.TemporaryDirectory(prefix="keyi-report-") as tmp:
        frame, rows, path = Path(tmp) / "frame.xlsx", Path(tmp) / "rows.xml", Path(tmp) / "out"
        plain, bold = _frame(frame, sheet, tmp)
        width = len(sheet.columns)
        last_row, last_col = _write_rows(
            rows, sheet.rows, [c.kind for c in sheet.columns], plain, bold
        )
        _assemble(frame, rows, path, last_row, max(last_col, width - 1))
        with path.open("rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk


def _frame(path: Path, sheet: Sheet, tmp: str) -> tuple[dict[str, str], dict[str, str]]:
    """The workbook without its data: the header row, column widths, the frozen header, and
    the cell styles; answers each kind's style attribute (`' s="3"'`), plain and bold."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            # As the old export: inline strings, and rows without `spans` (an optional hint
            # that would describe only the header and the probe).
            "constant_memory": True,
            "tmpdir": tmp,
            # The header is written by type too: a label is text, whatever it starts with.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    name = SHEET_NAME_FORBIDDEN.sub(" ", sheet.title).strip().strip("'")[:31] or "Report"
    worksheet = workbook.add_worksheet(name)
    for i, column in enumerate(sheet.columns):
        worksheet.set_column(i, i, min(max(len(column.label) * 1.6, 10), 50))
    header = workbook.add_format({"bold": True, "bottom": 1})
    for i, column in enumerate(sheet.columns):
        worksheet.write_string(0, i, column.label, header)
    worksheet.freeze_panes(1, 0)
    # A probe row (dropped when the sheet is assembled) with a cell of each format: XlsxWriter
    # numbers the styles it uses, and the probe's cells tell which number is which.
    formats = [workbook.add_format({"num_format": NUMBER_FORMATS[k]}) for k in PLAIN_KINDS]
    formats += [
        workbook.add_format(
            {"bold": True, **({"num_format": NUMBER_FORMATS[k]} if k != "text" else {})}
        )
        for k in BOLD_KINDS
    ]
    for i, cell_format in enumerate(formats):
        worksheet.write_blank(1, i, None, cell_format)
    workbook.close()
    with zipfile.ZipFile(path) as book:
        xml = book.read(SHEET_PART).decode()
    probe = re.search(r'<row r="2"[ >].*?</row>', xml, re.S)
    styles = re.findall(r'<c r="[A-Z]+2" s="(\d+)"/>', probe.group() if probe else "")
    if len(styles) != len(formats):
        raise RuntimeError(f"XlsxWriter wrote the style probe as {probe}")
    attributes = [f' s="{s}"' for s in styles]
    plain = {"text": "", **dict(zip(PLAIN_KINDS, attributes[: len(PLAIN_KINDS)], strict=True))}
    bold = dict(zip(BOLD_KINDS, attributes[len(PLAIN_KINDS) :], strict=True))
    return plain, bold


def _write_rows(
    path: Path, rows: Iterable[Row], kinds: list[str], plain: dict[str, str], bold: dict[str, str]
) -> tuple[int, int]:
    """The data rows' SpreadsheetML (from the sheet's second row on); answers the last row's
    number and the widest row's last column (0-based)."""
    letters = [xl_col_to_name(c) for c in range(len(kinds))]
    # A number's style per column: money and percentages have theirs, other numbers the row's
    # text style (none, or bold).
    plain_numbers, bold_numbers = _number_styles(kinds, plain), _number_styles(kinds, bold)
    last_row, last_col = 1, 0
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        for r, row in enumerate(rows, start=2):
            cells = row.cells
            while len(letters) < len(cells):
                letters.append(xl_col_to_name(len(letters)))
            strong = row.style in ("subtotal", "total")
            styles = bold if strong else plain
            if row.kinds is None:
                number_styles = bold_numbers if strong else plain_numbers
            else:
                number_styles = _number_styles(row.kinds, styles)
            number = str(r)
            parts = [f'<row r="{number}">']
            written = -1
            for c, value in enumerate(cells):
                if value is None:
                    continue
                written = c
                ref = letters[c] + number
                cls = value.__class__
                if cls is str:
                    parts.append(_string(ref, value, styles["text"]))
                elif cls is int or cls is Decimal or cls is float:
                    style = number_styles[c] if c < len(number_styles) else styles["text"]
                    parts.append(f'<c r="{ref}"{style}><v>{float(value):.16G}</v></c>')
                elif cls is datetime or cls is date:
                    style = styles["datetime" if cls is datetime else "date"]
                    parts.append(f'<c r="{ref}"{style}><v>{_serial(value):.16G}</v></c>')
                else:  # a boolean, or anything else, reads as its text
                    parts.append(_string(ref, str(value), styles["text"]))
            if written < 0:
                continue  # no cells: no row element (as XlsxWriter)
            parts.append("</row>")
            out.write("".join(parts))
            last_row, last_col = r, max(last_col, written)
    return last_row, last_col


def _number_styles(kinds: list[str], styles: dict[str, str]) -> list[str]:
    return [styles[k] if k in ("money", "percent") else styles["text"] for k in kinds]


def _string(ref: str, text: str, style: str) -> str:
    """An inline string cell, as XlsxWriter writes one."""
    space = ""
    if (
        len(text) > MAX_STRING // 2
        and len(text.encode("utf-16-le", "surrogatepass")) > 2 * MAX_STRING
    ):
        text = _truncate(text)
    if NEEDS_CARE.search(text):
        text = ESCAPED_ESCAPE.sub(r"_x005F\1", text)
        text = CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        if EDGE_SPACE.search(text):
            space = ' xml:space="preserve"'
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _truncate(text: str) -> str:
    """At most MAX_STRING UTF-16 units, never half a character."""
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > MAX_STRING:
            return text[:index]
    return text


def _serial(value: date) -> float:
    """Excel's serial number of a date or naive date-time (days since its 1900 epoch, with
    the 1900 leap year it counts)."""
    moment = value if isinstance(value, datetime) else datetime.fromordinal(value.toordinal())
    delta = moment - EPOCH
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400
    if isinstance(value, datetime) and moment.isocalendar() == (1900, 1, 1):
        serial -= 1
    return serial + 1 if serial > 59 else serial


def _assemble(frame: Path, rows: Path, path: Path, last_row: int, last_col: int) -> None:
    """The frame's package with its sheet's data: the header row, then the rows written here
    (the probe row left out), and the sheet's dimension covering them."""
    with zipfile.ZipFile(frame) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != SHEET_PART:
                out.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
                continue
            xml = source.read(info).decode()
            head, _, rest = xml.partition("<sheetData>")
            _, _, tail = rest.partition("</sheetData>")
            header = FIRST_ROW.search(rest)
            corner = f"{xl_col_to_name(last_col)}{last_row}"
            head = DIMENSION.sub(
                f'<dimension ref="A1:{corner}"/>' if corner != "A1" else '<dimension ref="A1"/>',
                head,
            )
            before = (head + "<sheetData>" + (header.group() if header else "")).encode()
            after = ("</sheetData>" + tail).encode()
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            # Its size told in advance: ZIP64 only for a sheet that needs it (older Excel
            # versions refuse it), and none refused for lacking it.
            member.file_size = len(before) + rows.stat().st_size + len(after)
            with out.open(member, "w") as sheet_xml, rows.open("rb") as data:
                sheet_xml.write(before)
                shutil.copyfileobj(data, sheet_xml, CHUNK)
                sheet_xml.write(after)
