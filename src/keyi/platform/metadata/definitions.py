"""Rows of definition tables (flows, approval processes): a named JSON definition with a
version, kept by a service that authorises and audits. What those services share."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, NotFound, ValidationFailed
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import is_id

__all__ = ["check_name_free", "definition_json", "load_definition_row"]


def load_definition_row(ctx: Context, table: sa.Table, row_id: str, *, lock: bool = False) -> Any:
    """The row (a mapping), locked for the transaction with ``lock``; 404 if there is none."""
    if not is_id(row_id):
        raise NotFound()
    stmt = sa.select(table).where(table.c.id == row_id)
    if lock:
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFound()
    return row


def check_name_free(ctx: Context, table: sa.Table, name: str, row_id: str | None) -> None:
    """Refuse a name another row of ``table`` has (``name_taken`` on ``name``)."""
    stmt = sa.select(table.c.id).where(table.c.name == name)
    if row_id is not None:
        stmt = stmt.where(table.c.id != row_id)
    if ctx.conn.execute(stmt).first() is not None:
        raise ValidationFailed([FieldError("name", "name_taken", {"name": name})])


def definition_json(row: Any) -> dict[str, Any]:
    """The definition as the API answers it: its fields, id, version and times."""
    return {
        **row["definition"],
        "id": str(row["id"]),
        "version": row["version"],
        "created_at": datetime_json(row["created_at"]),
        "updated_at": datetime_json(row["updated_at"]),
    }
