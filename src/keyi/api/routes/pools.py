"""Public pools: list, claim, give back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse
from keyi.platform import pools

router = APIRouter(prefix="/api/v1", tags=["pools"])


@router.get("/pools")
def list_pools(request: Request, object: str | None = Query(None, max_length=64)) -> dict[str, Any]:
    with request_context(request) as ctx:
        return {"pools": pools.list_pools(ctx, object)}


@router.post("/records/{object_name}/claim", response_model=dict[str, Any])
def claim(object_name: str, request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:
    with request_context(request, write=True) as ctx:
        # Claimed records carry exact decimals, as every record response does.
        return ExactJSONResponse({"records": pools.claim(ctx, object_name, body.get("ids"))})


@router.post("/records/{object_name}/return")
def give_back(
    object_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    pool_id = body.get("pool_id")
    with request_context(request, write=True) as ctx:
        pools.give_back(
            ctx, object_name, body.get("ids"), pool_id if isinstance(pool_id, str) else None
        )
        return {"returned": len(body.get("ids") or [])}
