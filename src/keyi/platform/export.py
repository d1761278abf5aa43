"""Export records as CSV through the same query path as list views (same filters, same access).

Pages are read by keyset cursor in short transactions, so exporting a million rows neither
holds one long transaction nor loads everything into memory. A UTF-8 byte-order mark leads the
file because Excel, still the most common consumer, otherwise shows Chinese as mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from keyi.platform.context import Context
from keyi.platform.fieldtypes import currency_column
from keyi.platform.i18n import label
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldType
from keyi.platform.query.listing import QuerySpec, run_query, selected_fields

PAGE = 500  # the query limit cap
MAX_ROWS = 1_000_000
BOM = "\ufeff"


def export_columns(ctx: Context, object_name: str, fields: list[str] | None) -> list[str]:
    obj = ctx.object(object_name)
    names = selected_fields(ctx, obj, fields)
    if fields:
        return [n for n in names if n != "version" and (n != "id" or "id" in fields)]
    return [n for n in names if n not in ("version", "created_by", "updated_by")]


def _cell(record: dict[str, Any], name: str, ftype: FieldType | None) -> Any:
    value = record.get(name)
    if ftype in REFERENCE_TYPES:
        return record.get("_display", {}).get(name, value)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def export_csv(
    open_context: Callable[[], AbstractContextManager[Context]],
    object_name: str,
    spec: QuerySpec,
) -> Iterator[str]:
    """CSV text chunks; `open_context` opens a fresh read context for each page."""
    with open_context() as ctx:
        columns = export_columns(ctx, object_name, spec.fields)
        obj = ctx.object(object_name)
        header: list[str] = []
        kinds: list[tuple[str, FieldType | None]] = []
        for name in columns:
            f = obj.fields[name]
            header.append(label(f.labels, ctx.locale, name))
            kinds.append((name, f.type))
            if f.type == FieldType.CURRENCY:
                header.append(
                    label(f.labels, ctx.locale, name)
                    + (" 币种" if ctx.locale == "zh-CN" else " currency")
                )
                kinds.append((currency_column(name), None))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield BOM + buffer.getvalue()
    page_spec = replace(spec, limit=PAGE, cursor=None)
    written = 0
    while written < MAX_ROWS:
        with open_context() as ctx:
            page = run_query(ctx, object_name, page_spec)
        buffer.seek(0)
        buffer.truncate()
        for record in page["records"]:
            writer.writerow([_cell(record, name, ftype) for name, ftype in kinds])
        written += len(page["records"])
        yield buffer.getvalue()
        if not page["next_cursor"]:
            break
        page_spec = replace(page_spec, cursor=page["next_cursor"])
