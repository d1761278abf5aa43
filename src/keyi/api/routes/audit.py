"""The audit log for administrators: filtered, paged, exportable."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from keyi.api.context import request_context
from keyi.platform.audit import audit_table
from keyi.platform.audit_display import add_titles
from keyi.platform.context import Context
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.export import spreadsheet_safe
from keyi.platform.fieldtypes import UUID_RE, datetime_json

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
# Exports stream CSV, not JSON: say so in the OpenAPI document.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "CSV (UTF-8)", "content": {"text/csv": {}}}
}
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


def _query(
    action: str | None,
    actor: str | None,
    object_name: str | None,
    record_id: str | None,
    before: str | None,
) -> Any:
    # Ids are UUID columns on PostgreSQL and text cannot hold NUL: refuse such filters up front.
    errors = [
        FieldError(key, "invalid_request")
        for key, value, is_id in (
            ("actor", actor, True),
            ("cursor", before, True),
            ("action", action, False),
            ("object", object_name, False),
            ("record_id", record_id, False),
        )
        if value and ("\x00" in value or (is_id and not UUID_RE.match(value)))
    ]
    if errors:
        raise ValidationFailed(errors)
    t = audit_table
    stmt = sa.select(t).order_by(t.c.id.desc())
    if action:
        stmt = stmt.where(t.c.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(t.c.actor_id == actor)
    if object_name:
        stmt = stmt.where(t.c.object == object_name)
    if record_id:
        stmt = stmt.where(t.c.record_id == record_id)
    if before:
        stmt = stmt.where(t.c.id < before)
    return stmt


def _entry(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data["at"] = datetime_json(data["at"])
    return data


def _admin(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


@router.get("")
def list_audit(
    request: Request,
    action: str | None = Query(None, max_length=48),
    actor: str | None = Query(None, max_length=36),
    object: str | None = Query(None, max_length=64),
    record_id: str | None = Query(None, max_length=64),
    cursor: str | None = Query(None, max_length=36),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    with request_context(request) as ctx:
        _admin(ctx)
        rows = ctx.conn.execute(
            _query(action, actor, object, record_id, cursor).limit(limit + 1)
        ).all()
        entries = [_entry(r) for r in rows[:limit]]
        add_titles(ctx, entries)
        return {"entries": entries, "next_cursor": entries[-1]["id"] if len(rows) > limit else None}


@router.get("/export", response_class=StreamingResponse, responses=CSV_RESPONSE)
def export_audit(
    request: Request,
    action: str | None = Query(None, max_length=48),
    actor: str | None = Query(None, max_length=36),
    object: str | None = Query(None, max_length=64),
) -> StreamingResponse:
    with request_context(request, write=True) as ctx:
        _admin(ctx)
        ctx.audit("audit.export", filter_action=action, filter_actor=actor, filter_object=object)
        rows = [
            _entry(r)
            for r in ctx.conn.execute(_query(action, actor, object, None, None).limit(100_000))
        ]

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([spreadsheet_safe(row[c]) for c in COLUMNS])
        yield "\ufeff" + buffer.getvalue()

    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
