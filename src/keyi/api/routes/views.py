"""Saved list views."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request, Response

from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform import views

router = APIRouter(prefix="/api/v1/views", tags=["views"])


@router.get("")
def list_views(request: Request, object: str = Query(..., max_length=64)) -> dict[str, Any]:
    with request_context(request) as ctx:
        return {"views": views.list_views(ctx, object)}


@router.post("", status_code=201)
def create_view(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return views.create_view(ctx, body)


@router.patch("/{view_id}")
def update_view(view_id: str, request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return views.update_view(ctx, uuid_param(view_id), body)


@router.delete("/{view_id}", status_code=204)
def delete_view(view_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        views.delete_view(ctx, uuid_param(view_id))
    return Response(status_code=204)
