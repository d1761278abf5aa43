"""Files → rows: CSV in the encodings Chinese spreadsheets are saved in, and Excel workbooks.

CSV is read as a stream, row by row, in two passes: the first checks that the whole file
decodes in the detected encoding and counts its rows (so a progress bar knows the end and a
file that stops decoding half-way is refused before anything is written), the second yields
the rows. Memory stays flat whatever the file size. Excel files (xlsx and xls) go through
calamine (Rust), which reads a sheet's cells much faster than openpyxl; calamine holds the
chosen sheet's cells (compactly, not as Python objects) while rows are made one at a time, so
a very large table is better imported as CSV.

Encodings are tried strictly, in order: a byte-order mark (UTF-8, UTF-16 LE/BE) decides;
otherwise UTF-8, then GBK, then GB18030 — the first that decodes a sample and the whole
stream wins. GBK is tried before GB18030 only to name the encoding as people know it; any
GBK text is also GB18030.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any

from keyi.imports import messages as _messages  # noqa: F401  (the codes raised here)
from keyi.platform.errors import KeyiError

__all__ = [
    "FileRefused",
    "Source",
    "detect_encoding",
    "open_source",
]

SAMPLE_BYTES = 64 * 1024
HEADER_SCAN_ROWS = 20
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xls", ".xlsm"})
_CANDIDATES = ("utf-8", "gbk", "gb18030")
csv.field_size_limit(16 * 1024 * 1024)


class FileRefused(KeyiError):
    """The whole file cannot be imported (format, encoding, corrupt, too large, no header)."""

    status = 422
    code = "file_unreadable"


@dataclass
class Source:
    """An opened file: where its header is and how to read the rows after it."""

    format: str  # csv, xlsx, xls
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: list[str]
    header_row: int  # 1-based row number of the header
    headers: list[str]
    total: int  # data rows after the header (blank rows not counted)
    _rows: Callable[[], Iterator[tuple[int, list[Any]]]] = field(repr=False)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number in the file, cells) for each non-blank row after the header."""
        for number, cells in self._rows():
            if number > self.header_row and not _blank(cells):
                yield number, cells


def _blank(cells: list[Any]) -> bool:
    try:
        return not "".join(cells).strip()  # a CSV row: all text
    except TypeError:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _unique_headers(cells: list[Any]) -> list[str]:
    """Header texts, a repeated one numbered ("电话", "电话 (2)") so each names one column."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for cell in cells:
        text = cell_text(cell).strip()
        count = seen.get(text, 0) + 1
        seen[text] = count
        out.append(text if count == 1 else f"{text} ({count})")
    return out


def cell_text(cell: Any) -> str:
    """A cell as the text a person sees (12.0 → "12", a date → ISO)."""
    if type(cell) is str:
        return cell
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


# ---------------------------------------------------------------- CSV
def detect_encoding(sample: bytes) -> list[str]:
    """The encodings to try on the whole file, best first (a BOM decides alone)."""
    if sample.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if sample.startswith(codecs.BOM_UTF16_LE) or sample.startswith(codecs.BOM_UTF16_BE):
        return ["utf-16"]
    found = []
    for name in _CANDIDATES:
        decoder = codecs.getincrementaldecoder(name)(errors="strict")
        try:
            decoder.decode(sample, final=False)  # a character cut by the sample's end is fine
        except UnicodeDecodeError:
            continue
        found.append(name)
    return found


def _text_stream(path: Path, encoding: str) -> io.TextIOWrapper:
    return open(path, encoding=encoding, errors="strict", newline="")


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in (",", ";", "\t")}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    with _text_stream(path, encoding) as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)


def _open_csv(path: Path, header_score: Callable[[list[str]], float]) -> Source:
    with open(path, "rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileRefused("file_empty")
    candidates = detect_encoding(sample)
    for encoding in candidates:
        try:
            with _text_stream(path, encoding) as stream:
                head = stream.read(SAMPLE_BYTES)
            delimiter = _sniff_delimiter(head)
            header_row, headers = _find_header(_csv_rows(path, encoding, delimiter), header_score)
            # The whole stream decodes (or the next candidate is tried) and its rows counted.
            total = sum(
                1
                for n, cells in _csv_rows(path, encoding, delimiter)
                if n > header_row and not _blank(cells)
            )
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise FileRefused("file_unreadable", format="CSV", reason=str(exc)) from exc
        return Source(
            format="csv",
            encoding="utf-8" if encoding == "utf-8-sig" else encoding,
            delimiter=delimiter,
            sheet=None,
            sheets=[],
            header_row=header_row,
            headers=headers,
            total=total,
            _rows=partial(_csv_rows, path, encoding, delimiter),
        )
    raise FileRefused("file_encoding")


# ---------------------------------------------------------------- Excel
def _open_excel(
    path: Path, suffix: str, sheet: str | None, header_score: Callable[[list[str]], float]
) -> Source:
    import python_calamine as calamine

    label = "Excel (" + suffix.lstrip(".") + ")"
    try:
        workbook = calamine.load_workbook(str(path))
        names = list(workbook.sheet_names)
        if sheet is not None and sheet not in names:
            raise FileRefused("sheet_not_found", sheet=sheet)
        chosen = sheet if sheet is not None else (names[0] if names else None)
        if chosen is None:
            raise FileRefused("file_empty")
        grid = workbook.get_sheet_by_name(chosen)
    except FileRefused:
        raise
    except Exception as exc:  # calamine's errors: zip, XML, CFB, password...
        raise FileRefused(
            "file_unreadable", format=label, reason=str(exc)[:200] or type(exc).__name__
        ) from exc

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # Python lists made a row at a time from calamine's cells (the sheet itself is held
        # by calamine, compactly, while the file is read).
        # iter_rows starts at the sheet's first row (its columns at the first with data).
        for number, cells in enumerate(grid.iter_rows(), start=1):
            yield number, list(cells)

    if not any(not _blank(cells) for _, cells in rows()):
        raise FileRefused("file_empty")
    header_row, headers = _find_header(rows(), header_score)
    total = sum(1 for n, cells in rows() if n > header_row and not _blank(cells))
    return Source(
        format=suffix.lstrip(".").replace("xlsm", "xlsx"),
        encoding=None,
        delimiter=None,
        sheet=chosen,
        sheets=names,
        header_row=header_row,
        headers=headers,
        total=total,
        _rows=rows,
    )


# ---------------------------------------------------------------- both
def _find_header(
    rows: Iterator[tuple[int, list[Any]]], header_score: Callable[[list[str]], float]
) -> tuple[int, list[str]]:
    """The first row whose non-empty cells are mostly text naming fields (a title line or a
    blank line above the table is skipped); failing that, the first mostly-text row."""
    fallback: tuple[int, list[str]] | None = None
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            break
        texts = [cell_text(c).strip() for c in cells]
        filled = [t for t in texts if t]
        if not filled:
            continue
        textual = [c for c in cells if isinstance(c, str) and c.strip() and not _numeric(c)]
        if len(textual) * 2 < len(filled):
            continue
        if header_score(texts) >= 0.5:
            return number, _trim(_unique_headers(cells))
        if fallback is None and len(filled) * 2 >= len(texts):
            fallback = (number, _trim(_unique_headers(cells)))
    if fallback is None:
        raise FileRefused("no_header")
    return fallback


def _trim(headers: list[str]) -> list[str]:
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def open_source(
    path: Path,
    *,
    file_name: str | None = None,
    sheet: str | None = None,
    header_score: Callable[[list[str]], float] = lambda _: 1.0,
    max_bytes: int | None = None,
) -> Source:
    """Open a file for import; ``header_score`` says which share of a row's cells name
    fields (:func:`keyi.imports.mapping.header_score`). Refuses with :class:`FileRefused`."""
    suffix = Path(file_name or path.name).suffix.lower()
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise FileRefused("file_too_large", max_mb=max_bytes // (1024 * 1024))
    if size == 0:
        raise FileRefused("file_empty")
    if suffix in EXCEL_SUFFIXES:
        return _open_excel(path, suffix, sheet, header_score)
    if suffix in CSV_SUFFIXES or not suffix:
        return _open_csv(path, header_score)
    raise FileRefused("file_format")
