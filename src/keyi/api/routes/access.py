"""Role permission matrices, record shares and access explanations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request, Response

from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform.access import admin
from keyi.platform.access.explain import explain

router = APIRouter(prefix="/api/v1", tags=["access"])


@router.get("/roles/{role_id}/permissions")
def get_role_permissions(role_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return admin.get_role_permissions(ctx, uuid_param(role_id, "record_not_found"))


@router.put("/roles/{role_id}/permissions")
def set_role_permissions(
    role_id: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return admin.set_role_permissions(
            ctx, uuid_param(role_id, "record_not_found"), body.get("objects")
        )


@router.get("/records/{object_name}/{record_id}/shares")
def list_shares(object_name: str, record_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return {
            "shares": admin.list_shares(ctx, object_name, uuid_param(record_id, "record_not_found"))
        }


@router.post("/records/{object_name}/{record_id}/shares", status_code=201)
def add_share(
    object_name: str, record_id: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return admin.add_share(ctx, object_name, uuid_param(record_id, "record_not_found"), body)


@router.delete("/records/{object_name}/{record_id}/shares/{share_id}", status_code=204)
def remove_share(object_name: str, record_id: str, share_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        admin.remove_share(
            ctx, object_name, uuid_param(record_id, "record_not_found"), uuid_param(share_id)
        )
    return Response(status_code=204)


@router.get("/records/{object_name}/{record_id}/access")
def explain_access(
    object_name: str, record_id: str, request: Request, user: str = Query(...)
) -> dict[str, Any]:
    with request_context(request) as ctx:
        return explain(
            ctx,
            object_name,
            uuid_param(record_id, "record_not_found"),
            uuid_param(user, "record_not_found"),
        )
