"""Setup › Automation over HTTP (the logic: keyi.platform.automation.service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Request, Response

from keyi.api.context import request_context
from keyi.platform.automation import service
from keyi.platform.automation.model import FlowDef

router = APIRouter(prefix="/api/v1", tags=["automation"])


@router.get("/flows")
def list_flows(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return service.list_flows(ctx)


@router.post("/flows", status_code=201)
def create_flow(body: FlowDef, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return service.create_flow(ctx, body.model_dump(mode="json"))


@router.get("/flows/{flow_id}")
def get_flow(flow_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return service.get_flow(ctx, flow_id)


@router.put("/flows/{flow_id}")
def update_flow(
    flow_id: str,
    body: FlowDef,
    request: Request,
    if_match: str | None = Header(None, max_length=20),
) -> dict[str, Any]:
    """Replace the flow's definition; ``If-Match: <version>`` refuses a stale edit (412)."""
    expected = int(if_match.strip('"')) if if_match and if_match.strip('"').isdigit() else None
    with request_context(request, write=True) as ctx:
        return service.update_flow(
            ctx, flow_id, body.model_dump(mode="json"), expected_version=expected
        )


@router.delete("/flows/{flow_id}", status_code=204)
def delete_flow(flow_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        service.delete_flow(ctx, flow_id)
    return Response(status_code=204)


@router.get("/flows/{flow_id}/runs")
def runs_of_flow(
    flow_id: str,
    request: Request,
    cursor: str | None = Query(None, max_length=36),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    with request_context(request) as ctx:
        return service.flow_runs(ctx, flow_id=flow_id, cursor=cursor, limit=limit)


@router.get("/records/{object_name}/{record_id}/flow-runs")
def runs_of_record(
    object_name: str,
    record_id: str,
    request: Request,
    cursor: str | None = Query(None, max_length=36),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    with request_context(request) as ctx:
        return service.flow_runs(
            ctx, object_name=object_name, record_id=record_id, cursor=cursor, limit=limit
        )
