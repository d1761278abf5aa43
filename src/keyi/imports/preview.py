"""What the import wizard shows after an upload: how the file was read, the automatic
mapping, the first rows, and which fields the user may import into (and why not)."""

from __future__ import annotations

from typing import Any

from keyi.imports.mapping import auto_map, header_score, unwritable_reason
from keyi.imports.reading import cell_text, open_source
from keyi.imports.uploads import materialise
from keyi.platform.context import Context
from keyi.platform.i18n import label
from keyi.platform.metadata.model import FieldType

__all__ = ["PREVIEW_ROWS", "importable_fields", "preview_upload"]

PREVIEW_ROWS = 10
_NEVER = frozenset({FieldType.ID, FieldType.VERSION})


def importable_fields(ctx: Context, object_name: str) -> list[dict[str, Any]]:
    obj = ctx.object(object_name)
    out = []
    for f in obj.fields.values():
        if (f.type in _NEVER and f.name != "id") or not ctx.policy.can_read_field(obj, f):
            continue
        reason = None if f.name == "id" else unwritable_reason(ctx, obj, f)
        out.append(
            {
                "name": f.name,
                "label": label(f.labels, ctx.locale, f.name),
                "type": f.type.value,
                "required": f.required,
                "unique": f.unique or f.name == "id",
                # The wizard asks for a column only for required fields nothing else fills.
                "has_default": f.default is not None,
                "importable": reason is None and f.name != "id",
                "reason": reason,
            }
        )
    return out


def preview_upload(ctx: Context, upload: dict[str, Any], sheet: str | None) -> dict[str, Any]:
    obj = ctx.object(upload["object"])
    with materialise(ctx.conn, upload) as path:
        source = open_source(
            path, file_name=upload["file_name"], sheet=sheet, header_score=header_score(obj)
        )
        rows = []
        for number, cells in source.rows():
            rows.append({"row": number, "cells": [cell_text(c) for c in cells]})
            if len(rows) >= PREVIEW_ROWS:
                break
    return {
        "upload_id": upload["id"],
        "object": obj.name,
        "file_name": upload["file_name"],
        "size": upload["size"],
        "format": source.format,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "sheet": source.sheet,
        "sheets": source.sheets,
        "header_row": source.header_row,
        "headers": source.headers,
        "total": source.total,
        "mapping": auto_map(obj, source.headers),
        "rows": rows,
        "fields": importable_fields(ctx, obj.name),
    }
