"""Mass update and mass delete over HTTP (the logic: keyi.platform.records.mass)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from keyi.api.context import request_context
from keyi.api.exactjson import ExactNumbersRoute
from keyi.platform.records import mass

router = APIRouter(prefix="/api/v1/records", tags=["records"], route_class=ExactNumbersRoute)


class MassDeleteBody(BaseModel):
    """Records chosen by id (each a UUID, no repeats), with optional expected versions."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=mass.MAX_IDS)
    versions: dict[str, StrictInt] | None = None


class MassUpdateBody(MassDeleteBody):
    """The same `values` for every chosen record (field name → value, as in an update)."""

    values: dict[str, Any] = Field(min_length=1)


@router.post("/{object_name}/mass-update")
def mass_update(object_name: str, body: MassUpdateBody, request: Request) -> dict[str, Any]:
    """Set the same `values` on every record in `ids`; answers the ids and new versions."""
    with request_context(request, write=True) as ctx:
        return mass.mass_update(ctx, object_name, body.ids, body.values, versions=body.versions)


@router.post("/{object_name}/mass-delete")
def mass_delete(object_name: str, body: MassDeleteBody, request: Request) -> dict[str, Any]:
    """Move every record in `ids` to the recycle bin (master-detail children follow)."""
    with request_context(request, write=True) as ctx:
        return mass.mass_delete(ctx, object_name, body.ids, versions=body.versions)
