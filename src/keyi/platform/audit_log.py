"""Reading the audit log: filtered pages for Setup, and a CSV export that streams.

Only people who manage the company's configuration (`can_manage_metadata`) read the log, on
every path, and exporting it is itself audited. The export reads in keyset batches over the
entry id (newest first), each batch in its own short read transaction opened by the caller
(`open_context`, as the record export does): the check that the reader may still read the log
is made again for each batch, and no more than one batch is ever held in memory, however long
the log. Times are written in the tenant's time zone, as the screen shows them, and text a user
could have typed is quoted against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from keyi.platform.audit import audit_table
from keyi.platform.audit_display import add_titles
from keyi.platform.context import Context
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.export import BOM, MAX_ROWS, local_time, spreadsheet_safe
from keyi.platform.fieldtypes import UUID_RE, datetime_json

EXPORT_BATCH = 1000
COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object",
    "record_id",
    "ip",
    "request_id",
    "details",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: an action prefix ("metadata."), an actor, an object, a record."""

    action: str | None = None
    actor: str | None = None
    object_name: str | None = None
    record_id: str | None = None

    def check(self, cursor: str | None = None) -> None:
        """Ids are UUID columns on PostgreSQL and text cannot hold NUL: refuse such filters
        before they reach the database."""
        errors = [
            FieldError(key, "invalid_request")
            for key, value, is_id in (
                ("actor", self.actor, True),
                ("cursor", cursor, True),
                ("action", self.action, False),
                ("object", self.object_name, False),
                ("record_id", self.record_id, False),
            )
            if value and ("\x00" in value or (is_id and not UUID_RE.match(value)))
        ]
        if errors:
            raise ValidationFailed(errors)

    def select(self, before: str | None) -> sa.Select[Any]:
        """Newest first (ids are UUIDv7), entries older than `before` when given."""
        t = audit_table
        stmt = sa.select(t).order_by(t.c.id.desc())
        if self.action:
            stmt = stmt.where(t.c.action.startswith(self.action, autoescape=True))
        if self.actor:
            stmt = stmt.where(t.c.actor_id == self.actor)
        if self.object_name:
            stmt = stmt.where(t.c.object == self.object_name)
        if self.record_id:
            stmt = stmt.where(t.c.record_id == self.record_id)
        if before:
            stmt = stmt.where(t.c.id < before)
        return stmt


def authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def list_entries(
    ctx: Context, where: AuditFilter, *, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """One page of entries with the titles of the records they name, and the next cursor."""
    authorise(ctx)
    where.check(cursor)
    rows = ctx.conn.execute(where.select(cursor).limit(limit + 1)).mappings().all()
    entries = [{**row, "at": datetime_json(row["at"])} for row in rows[:limit]]
    add_titles(ctx, entries)
    return {"entries": entries, "next_cursor": entries[-1]["id"] if len(rows) > limit else None}


def begin_export(ctx: Context, where: AuditFilter) -> None:
    """Refuse an export the reader may not make, before any byte is sent; audit the export
    (in the caller's write transaction)."""
    authorise(ctx)
    where.check()
    ctx.audit(
        "audit.export",
        filter_action=where.action,
        filter_actor=where.actor,
        filter_object=where.object_name,
    )


def _cell(name: str, value: Any, ctx: Context) -> Any:
    if name == "at":
        return local_time(value, ctx.time_zone)
    if name == "details":
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return spreadsheet_safe(value)


def export_csv(
    open_context: Callable[[], AbstractContextManager[Context]], where: AuditFilter
) -> Iterator[str]:
    """CSV text chunks, one per batch; `open_context` opens a fresh read context for each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield BOM + buffer.getvalue()
    before: str | None = None
    written = 0
    while written < MAX_ROWS:
        buffer.seek(0)
        buffer.truncate()
        with open_context() as ctx:
            authorise(ctx)
            rows = ctx.conn.execute(where.select(before).limit(EXPORT_BATCH)).mappings().all()
            for row in rows:
                writer.writerow([_cell(name, row[name], ctx) for name in COLUMNS])
        written += len(rows)
        if buffer.tell():
            yield buffer.getvalue()
        if len(rows) < EXPORT_BATCH:
            break
        before = rows[-1]["id"]
