"""Approvals over HTTP (the logic: keyi.platform.approvals)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from keyi.api.context import request_context
from keyi.platform.approvals import definitions, engine
from keyi.platform.approvals.model import ProcessDef

router = APIRouter(prefix="/api/v1", tags=["approvals"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Submission(_Body):
    object: str = Field(max_length=64)
    record_id: str = Field(max_length=36)
    comment: str | None = Field(default=None, max_length=2000)


class Decision(_Body):
    comment: str | None = Field(default=None, max_length=2000)


class Delegation(_Body):
    user_id: str = Field(max_length=36)
    comment: str | None = Field(default=None, max_length=2000)


# ---------------------------------------------------------------- processes (Setup)
@router.get("/approval-processes")
def list_processes(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return definitions.list_processes(ctx)


@router.post("/approval-processes", status_code=201)
def create_process(body: ProcessDef, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return definitions.create_process(ctx, body.model_dump(mode="json"))


@router.get("/approval-processes/{process_id}")
def get_process(process_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return definitions.get_process(ctx, process_id)


@router.put("/approval-processes/{process_id}")
def update_process(
    process_id: str,
    body: ProcessDef,
    request: Request,
    if_match: str | None = Header(None, max_length=20),
) -> dict[str, Any]:
    tag = (if_match or "").strip('"')
    expected = int(tag) if tag.isdigit() else None
    with request_context(request, write=True) as ctx:
        return definitions.update_process(
            ctx, process_id, body.model_dump(mode="json"), expected_version=expected
        )


@router.delete("/approval-processes/{process_id}", status_code=204)
def delete_process(process_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        definitions.delete_process(ctx, process_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- approvals
@router.post("/approvals", status_code=201)
def submit(body: Submission, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return engine.submit(ctx, body.object, body.record_id, body.comment)


@router.get("/approvals")
def inbox(
    request: Request,
    box: Literal["pending", "submitted", "done"] = Query("pending"),
    cursor: str | None = Query(None, max_length=36),
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    with request_context(request) as ctx:
        return engine.inbox(ctx, box, cursor=cursor, limit=limit)


@router.get("/approvals/counts")
def counts(request: Request) -> dict[str, int]:
    with request_context(request) as ctx:
        return engine.counts(ctx)


@router.get("/approvals/{approval_id}")
def get_approval(approval_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return engine.get_approval(ctx, approval_id)


@router.post("/approvals/{approval_id}/approve")
def approve(approval_id: str, body: Decision, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return engine.act(ctx, approval_id, "approve", body.comment)


@router.post("/approvals/{approval_id}/reject")
def reject(approval_id: str, body: Decision, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return engine.act(ctx, approval_id, "reject", body.comment)


@router.post("/approvals/{approval_id}/recall")
def recall(approval_id: str, body: Decision, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return engine.recall(ctx, approval_id, body.comment)


@router.post("/approvals/{approval_id}/delegate")
def delegate(approval_id: str, body: Delegation, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return engine.delegate(ctx, approval_id, body.user_id, body.comment)


@router.get("/records/{object_name}/{record_id}/approvals")
def record_approvals(object_name: str, record_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return engine.record_approvals(ctx, object_name, record_id)
