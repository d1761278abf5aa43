"""Setup › Jobs over HTTP (the logic: keyi.platform.jobs.admin)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from keyi.api.context import request_context
from keyi.platform.jobs import admin

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("")
def list_jobs(
    request: Request,
    status: Literal["pending", "done", "dead"] | None = Query(None),
    cursor: str | None = Query(None, max_length=36),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    """The tenant's jobs, newest first, with the count per status."""
    with request_context(request) as ctx:
        return admin.list_jobs(ctx, status=status, cursor=cursor, limit=limit)


@router.post("/{job_id}/retry")
def retry_job(request: Request, job_id: str) -> dict[str, Any]:
    """Give a dead job a new round of attempts, due now."""
    with request_context(request, write=True) as ctx:
        return admin.retry_job(ctx, job_id)
