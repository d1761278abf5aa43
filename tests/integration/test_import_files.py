"""Reading import files: encodings, delimiters, header rows, workbooks, refusals."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
import xlsxwriter

from keyi.imports.reading import FileRefused, cell_text, open_source

TABLE = "客户名称,行业,电话\n华为技术,制造业,0755-1\n腾讯科技,信息技术/互联网,0755-2\n"


def _rows(path: Path, **kwargs: object) -> list[list[str]]:
    source = open_source(path, **kwargs)  # type: ignore[arg-type]
    return [[cell_text(c) for c in cells] for _, cells in source.rows()]


@pytest.mark.parametrize(
    ("encoding", "prefix", "named"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8"),
        ("gbk", b"", "gbk"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes, named: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(prefix + TABLE.encode(encoding))
    source = open_source(path)
    assert source.encoding == named
    assert source.headers == ["客户名称", "行业", "电话"]
    assert _rows(path)[1] == ["腾讯科技", "信息技术/互联网", "0755-2"]


def test_gb18030_beyond_gbk(tmp_path: Path) -> None:
    """A character GBK lacks (U+20BB7 𠮷, common in names) makes the file GB18030."""
    path = tmp_path / "a.csv"
    path.write_bytes("姓名\n𠮷祥\n".encode("gb18030"))
    source = open_source(path)
    assert source.encoding == "gb18030"
    assert _rows(path) == [["𠮷祥"]]


def test_a_file_that_stops_decoding_late_is_refused_whole(tmp_path: Path) -> None:
    """UTF-8 for the first 64 KB, then bytes that are neither UTF-8 nor GBK."""
    path = tmp_path / "a.csv"
    path.write_bytes(("名称\n" + "客户甲\n" * 20000).encode("utf-8") + b"\xff\xff\xff\n")
    with pytest.raises(FileRefused) as refused:
        open_source(path)
    assert refused.value.code == "file_encoding"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text(TABLE.replace(",", delimiter), encoding="utf-8")
    assert open_source(path).delimiter == delimiter
    assert _rows(path)[0] == ["华为技术", "制造业", "0755-1"]


def test_title_lines_above_the_header_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("2026 年客户名单,,\n,,\n" + TABLE, encoding="utf-8")
    source = open_source(path, header_score=lambda texts: 1.0 if "行业" in texts else 0.0)
    assert source.header_row == 3
    assert source.total == 2


def _workbook(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    first = book.add_worksheet("说明")
    first.write(0, 0, "请看第二个工作表")
    sheet = book.add_worksheet("客户")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, text in enumerate(["客户名称", "员工人数", "成立日期", "合计"]):
        sheet.write(0, col, text)
    sheet.write(1, 0, "华为技术")
    sheet.write_number(1, 1, 1200)
    sheet.write_number(1, 2, 46363, dates)
    sheet.write_formula(1, 3, "=B2*2", None, 2400)
    book.close()


def test_xlsx_by_sheet_name(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    _workbook(path)
    source = open_source(path, sheet="客户")
    assert (source.format, source.sheet, source.sheets) == ("xlsx", "客户", ["说明", "客户"])
    assert source.headers == ["客户名称", "员工人数", "成立日期", "合计"]
    [row] = list(source.rows())
    assert row[1][0] == "华为技术" and row[1][1] == 1200
    assert cell_text(row[1][2]).startswith("2026-12-07")  # a date cell, read as a date
    assert row[1][3] == 2400  # a formula's cached result, never evaluated by Keyi
    with pytest.raises(FileRefused) as refused:
        open_source(path, sheet="没有")
    assert refused.value.code == "sheet_not_found"


def test_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    whole = tmp_path / "a.xlsx"
    _workbook(whole)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(FileRefused) as refused:
        open_source(cut)
    assert refused.value.code == "file_unreadable"


def test_size_limit_and_format(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"x" * (2 * 1024 * 1024))
    with pytest.raises(FileRefused) as refused:
        open_source(path, max_bytes=1024 * 1024)
    assert refused.value.code == "file_too_large"
    other = tmp_path / "a.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(FileRefused) as refused:
        open_source(other)
    assert refused.value.code == "file_format"
