"""The lead-to-cash package's own endpoints (record actions go through keyi.platform.actions;
this is what is not an action on a record: the receivables report)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from keyi.api.context import request_context
from keyi.packages.l2c.receivables import MAX_LIMIT, receivables
from keyi.platform.errors import NotFound
from keyi.platform.hooks import installed_packages

router = APIRouter(prefix="/api/v1/l2c", tags=["l2c"])


@router.get("/receivables")
def get_receivables(
    request: Request,
    group_by: Literal["account", "owner"] = Query("account"),
    as_of: date | None = Query(None, description="The day to age at; the tenant's today."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=36),
) -> dict[str, Any]:
    """Outstanding payment plans in CNY with aging buckets, per account or owner; only the
    plans the caller may read."""
    with request_context(request) as ctx:
        if "l2c" not in installed_packages(ctx):
            raise NotFound()
        return receivables(ctx, group_by=group_by, as_of=as_of, limit=limit, cursor=cursor)
