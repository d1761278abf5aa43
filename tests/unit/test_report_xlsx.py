"""The report sheet's rows as xlsx (keyi.platform.analytics.xlsx): the same cells, byte for
byte, as XlsxWriter writes for the same values and formats cell by cell (what the export did
before its rows were written directly), in a package every part of which is well-formed XML."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import xlsxwriter

from keyi.platform.analytics.export import Column, Row, Sheet, stream
from keyi.platform.analytics.xlsx import NUMBER_FORMATS

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
COLUMNS = [
    Column("Name"),
    Column("Count", "number"),
    Column("Amount", "money"),
    Column("Share", "percent"),
    Column("Closed", "date"),
    Column("Changed", "datetime"),
]
EMOJI = "\U0001f600"
ROWS = [
    Row(
        [
            "plain",
            7,
            Decimal("1234.5"),
            Decimal("12.34"),
            date(2026, 3, 31),
            datetime(2026, 3, 1, 16, 30, 5),
        ]
    ),
    Row(
        [
            "A & B <c> \"d\" 'e'",
            -3,
            Decimal("-0.01"),
            None,
            date(1900, 2, 28),
            datetime(1900, 1, 1, 12),
        ]
    ),
    Row([" leading", 0, Decimal("12345678901234567890.12"), 0.1, date(1900, 3, 1), None]),
    Row(["trailing ", None, None, None, None, datetime(1999, 12, 31, 23, 59, 59)]),
    Row(["tab\there", "control\x01\x1f", "_x0041_ literal", "\ufffe", "line\nbreak\n", ""]),
    Row(
        ['=HYPERLINK("http://evil.example","x")', "+1", "-5", "@SUM(A1)", "http://a.example", "007"]
    ),
    Row(["x" * 40000]),
    Row([EMOJI * 20000]),
    Row([True, False]),
    Row([None, None]),
    Row([]),
    Row(["Subtotal", 10, Decimal("99.5"), Decimal("50"), date(2026, 1, 1), None], "subtotal"),
    Row(["Only the first 5 rows are exported."], "note"),
    Row(["Sum of Amount", Decimal("1497.49")], "total", ["text", "money"]),
    Row(["Total", 12, Decimal("1497.49"), Decimal("100"), None, None, "past the columns"], "total"),
]


def _sheet(rows: list[Row]) -> Sheet:
    return Sheet("Deals: Q1/Q2", COLUMNS, rows)


def _reference(path: Path, sheet: Sheet) -> None:
    """What the export wrote before: XlsxWriter in constant-memory mode, cell by cell."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet("Deals")
    plain: dict[str, Any] = {"text": None}
    bold: dict[str, Any] = {"text": workbook.add_format({"bold": True})}
    for kind, number_format in NUMBER_FORMATS.items():
        plain[kind] = workbook.add_format({"num_format": number_format})
        bold[kind] = workbook.add_format({"num_format": number_format, "bold": True})
    header = workbook.add_format({"bold": True, "bottom": 1})
    for i, column in enumerate(sheet.columns):
        worksheet.write_string(0, i, column.label, header)
    kinds = [c.kind for c in sheet.columns]
    for r, row in enumerate(sheet.rows, start=1):
        formats = bold if row.style in ("subtotal", "total") else plain
        row_kinds = row.kinds or kinds
        for c, value in enumerate(row.cells):
            kind = row_kinds[c] if c < len(row_kinds) else "text"
            if value is None:
                continue
            if isinstance(value, datetime):
                worksheet.write_datetime(r, c, value, formats["datetime"])
            elif isinstance(value, date):
                worksheet.write_datetime(
                    r, c, datetime(value.year, value.month, value.day), formats["date"]
                )
            elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                number_format = formats[kind] if kind in ("money", "percent") else formats["text"]
                worksheet.write_number(r, c, float(value), number_format)
            else:
                worksheet.write_string(r, c, str(value), formats["text"])
    workbook.close()


def _styles(book: zipfile.ZipFile) -> list[str]:
    """Each cell style by what it is (number format, bold, border), in style-number order."""
    root = ElementTree.fromstring(book.read("xl/styles.xml"))  # noqa: S314 (ours)
    codes = {
        f.get("numFmtId"): f.get("formatCode") for f in root.iterfind("x:numFmts/x:numFmt", NS)
    }
    fonts = [f.find("x:b", NS) is not None for f in root.iterfind("x:fonts/x:font", NS)]
    found = []
    for xf in root.iterfind("x:cellXfs/x:xf", NS):
        code = codes.get(xf.get("numFmtId"), xf.get("numFmtId"))
        found.append(f"{code}|bold={fonts[int(xf.get('fontId', '0'))]}|border={xf.get('borderId')}")
    return found


def _data_rows(book: zipfile.ZipFile) -> str:
    """The sheet's rows after the header, each cell's style named by what it is."""
    xml = book.read("xl/worksheets/sheet1.xml").decode()
    styles = _styles(book)
    data = xml[xml.index('<row r="2"') : xml.index("</sheetData>")]
    return re.sub(r' s="(\d+)"', lambda m: f' s="{styles[int(m.group(1))]}"', data)


def test_the_rows_are_the_cells_xlsxwriter_writes(tmp_path: Path) -> None:
    reference = tmp_path / "reference.xlsx"
    _reference(reference, _sheet(ROWS))
    ours = zipfile.ZipFile(io.BytesIO(b"".join(stream(_sheet(ROWS), "xlsx"))))
    assert _data_rows(ours) == _data_rows(zipfile.ZipFile(reference))


def test_the_package_is_well_formed_with_the_header_and_its_dimension() -> None:
    book = zipfile.ZipFile(io.BytesIO(b"".join(stream(_sheet(ROWS), "xlsx"))))
    assert book.testzip() is None
    for name in book.namelist():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(book.read(name))  # noqa: S314 (ours)
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    # The last row holds a cell past the columns: the dimension covers it.
    assert sheet.find("x:dimension", NS).get("ref") == f"A1:G{len(ROWS) + 1}"  # type: ignore[union-attr]
    rows = sheet.findall("x:sheetData/x:row", NS)
    assert [c.findtext("x:is/x:t", namespaces=NS) for c in rows[0]] == [c.label for c in COLUMNS]
    # Rows without cells have no element; no row is left of the styles' probe.
    assert [r.get("r") for r in rows] == [
        "1",
        *(str(i) for i in range(2, 11)),
        *(str(i) for i in range(13, 17)),
    ]
    assert sheet.find("x:sheetViews/x:sheetView/x:pane", NS).get("ySplit") == "1"  # type: ignore[union-attr]
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))  # noqa: S314
    assert workbook.find("x:sheets/x:sheet", NS).get("name") == "Deals  Q1 Q2"  # type: ignore[union-attr]


def test_text_is_text_even_when_it_looks_like_markup() -> None:
    """XlsxWriter writes a string that starts with <r> and ends with </r> as rich-text XML as
    it is; a report cell is text whatever it holds."""
    sheet = _sheet([Row(["<r><t>x</t></r>", "</t></is></c><c><f>1+1</f></c>"])])
    xml = zipfile.ZipFile(io.BytesIO(b"".join(stream(sheet, "xlsx")))).read(
        "xl/worksheets/sheet1.xml"
    )
    root = ElementTree.fromstring(xml)  # noqa: S314 (ours)
    cells = root.findall("x:sheetData/x:row", NS)[1]
    assert [c.findtext("x:is/x:t", namespaces=NS) for c in cells] == [
        "<r><t>x</t></r>",
        "</t></is></c><c><f>1+1</f></c>",
    ]
    assert b"<f>" not in xml.replace(b"&lt;f&gt;", b"")


def test_an_empty_sheet_has_its_header_only() -> None:
    sheet = Sheet("Report", [Column("Name")], [])
    book = zipfile.ZipFile(io.BytesIO(b"".join(stream(sheet, "xlsx"))))
    root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314 (ours)
    assert root.find("x:dimension", NS).get("ref") == "A1"  # type: ignore[union-attr]
    assert len(root.findall("x:sheetData/x:row", NS)) == 1
