"""Export a list view as an xlsx workbook: the CSV export's rows, as typed spreadsheet cells.

The same query path as the CSV export (keyi.platform.export) — same filters, sort, columns,
record access and field masks, pages read by keyset cursor in short transactions — written by
the report exporter's sheet writer (keyi.platform.analytics.xlsx), which builds the workbook
row by row in a temporary file (XlsxWriter's constant-memory layout), so memory stays bounded
however many rows there are.

What CSV writes as text for re-import, xlsx writes as people read it: picklists by their labels
in the reader's language, booleans as 是/否 or Yes/No, lookups by the referenced record's name,
numbers as numbers (money in a money format, its currency code in the column after it, as in
CSV), dates and date-times as date cells in the tenant's time zone. Every text cell is an inline
string — never a formula or a link — so ``=cmd|' /C calc'!A0`` shows as typed and nothing runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from keyi.platform.analytics.export import Cells, Column, Converter, Row, Sheet, word
from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.analytics.xlsx import stream_xlsx
from keyi.platform.context import Context
from keyi.platform.export import MAX_ROWS, PAGE, export_columns
from keyi.platform.fieldtypes import currency_column
from keyi.platform.i18n import label
from keyi.platform.metadata.model import FieldType
from keyi.platform.query.listing import QuerySpec, run_query

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CURRENCY_SUFFIX = {"zh-CN": " 币种", "en": " currency"}

# A column's cell: the record (as the query answers it) → the value to write.
CellOf = Callable[[dict[str, Any]], Any]


def _value_of(name: str, convert: Converter) -> CellOf:
    def cell(record: dict[str, Any]) -> Any:
        return convert(record.get(name), record.get("_display"))

    return cell


def _code_of(name: str) -> CellOf:
    def cell(record: dict[str, Any]) -> Any:
        return record.get(name)

    return cell


def _columns(ctx: Context, object_name: str, spec: QuerySpec) -> tuple[list[Column], list[CellOf]]:
    """The sheet's columns and how to fill each, decided once per export."""
    obj = ctx.object(object_name)
    # A report spec without groupings or aggregates: Cells only converts values here.
    cells = Cells(ctx, ReportSpec(object=object_name, aggregates=[]))
    columns: list[Column] = []
    fillers: list[CellOf] = []
    for name in export_columns(ctx, object_name, spec.fields):
        f = obj.fields[name]
        text = label(f.labels, ctx.locale, name)
        columns.append(Column(text, cells.column_kind(f)))
        fillers.append(_value_of(name, cells.converter(f)))
        if f.type == FieldType.CURRENCY:
            suffix = CURRENCY_SUFFIX.get(ctx.locale, CURRENCY_SUFFIX["en"])
            columns.append(Column(text + suffix))
            fillers.append(_code_of(currency_column(name)))
    return columns, fillers


def export_xlsx(
    open_context: Callable[[], AbstractContextManager[Context]],
    object_name: str,
    spec: QuerySpec,
    title: str,
) -> Iterator[bytes]:
    """The workbook's bytes in chunks; `open_context` opens a fresh read context per page."""
    with open_context() as ctx:
        columns, fillers = _columns(ctx, object_name, spec)
        locale = ctx.locale

    def rows() -> Iterator[Row]:
        page_spec = replace(spec, limit=PAGE, cursor=None)
        written = 0
        while True:
            with open_context() as ctx:
                page = run_query(ctx, object_name, page_spec)
            taken = page["records"][: MAX_ROWS - written]
            for record in taken:
                yield Row([fill(record) for fill in fillers])
            written += len(taken)
            more = len(taken) < len(page["records"]) or bool(page["next_cursor"])
            if more and written >= MAX_ROWS:
                yield Row([word("truncated_rows", locale, count=MAX_ROWS)], "note")
            if not more or written >= MAX_ROWS:
                break
            page_spec = replace(page_spec, cursor=page["next_cursor"])

    return stream_xlsx(Sheet(title, columns, rows()))
