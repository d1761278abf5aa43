"""Report folders: where reports and dashboards live, shared with nobody, everyone, some roles
or some departments (keyi.platform.analytics.folders decides who reads and who manages)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field

from keyi.api.bodies import StrictBody
from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform.analytics import folders

router = APIRouter(prefix="/api/v1/report-folders", tags=["reports"])


class Sharing(StrictBody):
    scope: Literal["private", "all", "roles", "departments"] = Field(
        description="Who reads the folder: its owner, everyone, some roles or departments "
        "(with their sub-departments). Sharing is for administrators."
    )
    roles: list[str] | None = Field(default=None, description="Role ids (scope `roles`).")
    departments: list[str] | None = Field(
        default=None, description="Department ids (scope `departments`)."
    )


class FolderInput(StrictBody):
    name: str | dict[str, str] = Field(
        description='Plain text, or per language: {"zh-CN": …, "en": …}.'
    )
    sharing: Sharing | None = None


class FolderChange(StrictBody):
    name: str | dict[str, str] | None = None
    sharing: Sharing | None = None


def _data(body: FolderInput | FolderChange) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"sharing"})
    if body.sharing is not None:
        data["sharing"] = body.sharing.model_dump(exclude_none=True)
    return data


@router.get("")
def list_folders(request: Request) -> dict[str, Any]:
    """The folders the caller reads, with `can_manage` (rename, share, delete, put reports in)."""
    with request_context(request) as ctx:
        return {"folders": folders.list_folders(ctx)}


@router.post("", status_code=201)
def create_folder(request: Request, body: FolderInput) -> dict[str, Any]:
    """A private folder for anyone; a shared one for administrators."""
    with request_context(request, write=True) as ctx:
        return folders.create_folder(ctx, _data(body))


@router.patch("/{folder_id}")
def update_folder(folder_id: str, request: Request, body: FolderChange) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return folders.update_folder(ctx, uuid_param(folder_id), _data(body))


@router.delete("/{folder_id}", status_code=204)
def delete_folder(folder_id: str, request: Request) -> Response:
    """Only a folder without live reports and dashboards: 409 `folder_not_empty` otherwise,
    counting them (`reports`, `dashboards`). Those in the recycle bin move to no folder (their
    owners' own), where they can still be restored."""
    with request_context(request, write=True) as ctx:
        folders.delete_folder(ctx, uuid_param(folder_id))
    return Response(status_code=204)
