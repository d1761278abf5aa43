"""Saved list views."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field, StrictBool

from keyi.api.bodies import Filter, Sort, StrictBody
from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform import views

router = APIRouter(prefix="/api/v1/views", tags=["views"])


class ViewChange(StrictBody):
    """What a saved view's owner (or, for shared views, an administrator) may change."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    shared: StrictBool = Field(default=False, description="Everyone sees it (administrators).")
    filter: Filter = None
    sort: Sort = None
    columns: list[str] | None = None
    q: str | None = Field(default=None, max_length=200)


class ViewInput(ViewChange):
    object: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=100)


@router.get("")
def list_views(request: Request, object: str = Query(..., max_length=64)) -> dict[str, Any]:
    with request_context(request) as ctx:
        return {"views": views.list_views(ctx, object)}


@router.post("", status_code=201)
def create_view(request: Request, body: ViewInput) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return views.create_view(ctx, body.model_dump(exclude_unset=True))


@router.patch("/{view_id}")
def update_view(view_id: str, request: Request, body: ViewChange) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return views.update_view(ctx, uuid_param(view_id), body.model_dump(exclude_unset=True))


@router.delete("/{view_id}", status_code=204)
def delete_view(view_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        views.delete_view(ctx, uuid_param(view_id))
    return Response(status_code=204)
