"""Export records as CSV through the same query path as list views (same filters, same access).

Pages are read by keyset cursor in short transactions, so exporting a million rows neither
holds one long transaction nor loads everything into memory. A UTF-8 byte-order mark leads the
file because Excel, still the most common consumer, otherwise shows Chinese as mojibake.

The file is read by people in a spreadsheet, so it shows what the screen shows: date-times in
the tenant's time zone ("2026-03-01 16:30:00"), not UTC ISO strings. And any text a user typed
is data, never a formula: a text cell starting with = + - @, a tab or a carriage return gets a
leading single quote (OWASP's advice against CSV injection), which spreadsheets hide; number
fields stay numbers, so a negative amount is still -5.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import Any

from keyi.platform.context import Context
from keyi.platform.fieldtypes import currency_column
from keyi.platform.i18n import label
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldDef, FieldType
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.query.plan import selected_fields

PAGE = 500  # the query limit cap
MAX_ROWS = 1_000_000
BOM = "\ufeff"
# Leading characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_TYPES = frozenset(
    {
        FieldType.INTEGER,
        FieldType.DECIMAL,
        FieldType.CURRENCY,
        FieldType.PERCENT,
        FieldType.ROLLUP,
    }
)
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


def export_columns(ctx: Context, object_name: str, fields: list[str] | None) -> list[str]:
    obj = ctx.object(object_name)
    names = selected_fields(ctx, obj, fields)
    if fields:
        return [n for n in names if n != "version" and (n != "id" or "id" in fields)]
    return [n for n in names if n not in ("version", "created_by", "updated_by")]


def _cell(record: dict[str, Any], *, name: str, ftype: FieldType | None) -> Any:
    value = record.get(name)
    if ftype in REFERENCE_TYPES:
        return record.get("_display", {}).get(name, value)
    if ftype == FieldType.JSON and value is not None:
        # A document exports as its JSON text (a list is not a multi-select's values).
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def value_kind(f: FieldDef | None) -> FieldType | None:
    """The type a column's values have: a formula's result type, else the field's."""
    if f is None:
        return None
    if f.type == FieldType.FORMULA and f.return_type:
        return f.return_type
    return f.type


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, quoted so it shows as typed."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def local_moment(value: Any, zone: tzinfo) -> datetime | None:
    """An API date-time ("2026-03-01T08:30:00.000Z") or a stored one (naive UTC) in the
    tenant's zone; None for anything else."""
    if isinstance(value, datetime):
        moment = value
    elif not isinstance(value, str) or not value:
        return None
    else:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def local_time(value: Any, zone: tzinfo) -> Any:
    """An API date-time or a stored one in the tenant's zone, as people read it."""
    moment = local_moment(value, zone)
    return value if moment is None else moment.strftime(LOCAL_FORMAT)


def csv_cell(record: dict[str, Any], name: str, f: FieldDef | None, zone: tzinfo) -> Any:
    """One cell of a record's CSV row (``column_writer`` decides the same once per column)."""
    return column_writer(name, f, zone)(record)


def column_writer(name: str, f: FieldDef | None, zone: tzinfo) -> Callable[[dict[str, Any]], Any]:
    """How one column's cell is made from a record, decided once per export: a million rows of
    thirty columns are thirty million cells, and deciding the field's kind per cell was half
    of the export's time."""
    kind = value_kind(f)
    ftype = f.type if f is not None else None
    general = partial(_cell, name=name, ftype=ftype)
    if ftype in REFERENCE_TYPES or ftype == FieldType.JSON:
        return lambda record: spreadsheet_safe(general(record))
    # Below, an empty value is an empty cell whatever the kind: most cells of a wide export.
    if kind in NUMBER_TYPES:

        def number(record: dict[str, Any]) -> Any:
            if record.get(name) is None:
                return None
            value = general(record)
            return spreadsheet_safe(value) if isinstance(value, str) else value

        return number
    if kind == FieldType.DATETIME:

        def moment(record: dict[str, Any]) -> Any:
            value = record.get(name)
            return None if value is None else local_time(general(record), zone)

        return moment

    def text(record: dict[str, Any]) -> Any:
        value = record.get(name)
        if value is None:
            return None
        if value.__class__ is str:
            return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
        return spreadsheet_safe(general(record))

    return text


def export_csv(
    open_context: Callable[[], AbstractContextManager[Context]],
    object_name: str,
    spec: QuerySpec,
) -> Iterator[str]:
    """CSV text chunks; `open_context` opens a fresh read context for each page."""
    with open_context() as ctx:
        columns = export_columns(ctx, object_name, spec.fields)
        obj = ctx.object(object_name)
        zone = ctx.time_zone
        header: list[str] = []
        writers: list[Callable[[dict[str, Any]], Any]] = []
        for name in columns:
            f = obj.fields[name]
            header.append(label(f.labels, ctx.locale, name))
            writers.append(column_writer(name, f, zone))
            if f.type == FieldType.CURRENCY:
                header.append(
                    label(f.labels, ctx.locale, name)
                    + (" 币种" if ctx.locale == "zh-CN" else " currency")
                )
                writers.append(column_writer(currency_column(name), None, zone))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(text) for text in header])
    yield BOM + buffer.getvalue()
    page_spec = replace(spec, limit=PAGE, cursor=None)
    written = 0
    while written < MAX_ROWS:
        with open_context() as ctx:
            page = run_query(ctx, object_name, page_spec)
        buffer.seek(0)
        buffer.truncate()
        for record in page["records"]:
            writer.writerow([write(record) for write in writers])
        written += len(page["records"])
        yield buffer.getvalue()
        if not page["next_cursor"]:
            break
        page_spec = replace(page_spec, cursor=page["next_cursor"])
