"""Global search across every searchable object the caller may read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from keyi.api.context import request_context
from keyi.platform.query.search import search_records

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search")
def global_search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=200),
    limit: int = Query(20, ge=1, le=100),
    objects: str | None = None,
) -> dict[str, Any]:
    """Best ``limit`` hits among the records the caller may read (access is applied before
    ranking, so a user who sees few records still gets every hit they may see)."""
    with request_context(request) as ctx:
        wanted = {o for o in (objects or "").split(",") if o} or None
        return {"hits": search_records(ctx, q, limit=limit, objects=wanted)}
