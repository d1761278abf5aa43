"""The audit log for administrators over HTTP (the logic: keyi.platform.audit_log)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from keyi.api.context import request_context
from keyi.platform import audit_log
from keyi.platform.audit_log import AuditFilter

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
# Exports stream CSV, not JSON: say so in the OpenAPI document.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "CSV (UTF-8)", "content": {"text/csv": {}}}
}


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
    where = AuditFilter(action=action, actor=actor, object_name=object, record_id=record_id)
    with request_context(request) as ctx:
        return audit_log.list_entries(ctx, where, cursor=cursor, limit=limit)


@router.get("/export", response_class=StreamingResponse, responses=CSV_RESPONSE)
def export_audit(
    request: Request,
    action: str | None = Query(None, max_length=48),
    actor: str | None = Query(None, max_length=36),
    object: str | None = Query(None, max_length=64),
) -> StreamingResponse:
    where = AuditFilter(action=action, actor=actor, object_name=object)
    # Refusals become problem responses here, before the first byte of the file is sent.
    with request_context(request, write=True) as ctx:
        audit_log.begin_export(ctx, where)
    return StreamingResponse(
        audit_log.export_csv(lambda: request_context(request), where),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
