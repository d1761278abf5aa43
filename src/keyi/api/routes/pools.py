"""Public pools: list, claim, give back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from keyi.api.bodies import StrictBody
from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse
from keyi.platform import pools

router = APIRouter(prefix="/api/v1", tags=["pools"])


class ClaimBody(StrictBody):
    ids: list[str] = Field(
        min_length=1,
        max_length=pools.MAX_IDS,
        json_schema_extra={"items": {"type": "string", "format": "uuid"}},
    )


class ReturnBody(ClaimBody):
    pool_id: str | None = Field(
        default=None,
        description="Another pool of the same object (default: each record's own).",
        json_schema_extra={"format": "uuid"},
    )


@router.get("/pools")
def list_pools(request: Request, object: str | None = Query(None, max_length=64)) -> dict[str, Any]:
    with request_context(request) as ctx:
        return {"pools": pools.list_pools(ctx, object)}


@router.post("/records/{object_name}/claim", response_model=dict[str, Any])
def claim(object_name: str, request: Request, body: ClaimBody) -> JSONResponse:
    with request_context(request, write=True) as ctx:
        # Claimed records carry exact decimals, as every record response does.
        return ExactJSONResponse({"records": pools.claim(ctx, object_name, body.ids)})


@router.post("/records/{object_name}/return")
def give_back(object_name: str, request: Request, body: ReturnBody) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        pools.give_back(ctx, object_name, body.ids, body.pool_id)
        return {"returned": len(body.ids)}
