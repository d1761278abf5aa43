"""Role permission matrices, record shares and access explanations."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import Field, StrictBool

from keyi.api.bodies import StrictBody, documented_body
from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform.access import admin
from keyi.platform.access.explain import explain
from keyi.platform.access.model import FieldAccess, PrincipalType, Scope, ShareAccess
from keyi.platform.errors import FieldError, ValidationFailed

router = APIRouter(prefix="/api/v1", tags=["access"])


class ObjectPermissionBody(StrictBody):
    """A role's permission on one object; flags left out are off."""

    read: StrictBool = False
    create: StrictBool = False
    edit: StrictBool = False
    delete: StrictBool = False
    read_scope: Scope = Scope.ALL
    edit_scope: Scope = Scope.OWN
    fields: dict[str, FieldAccess] | None = Field(
        default=None, description="Field name → access; fields left out are editable."
    )


class RolePermissionsBody(StrictBody):
    """The role's whole matrix: objects left out lose all access."""

    objects: dict[str, ObjectPermissionBody]


class ShareBody(StrictBody):
    principal_type: PrincipalType
    principal_id: str = Field(json_schema_extra={"format": "uuid"})
    access: ShareAccess = ShareAccess.READ
    source: Literal["manual", "team"] = Field(
        default="manual", description="`team` only for users (a team member's share)."
    )


@router.get("/roles/{role_id}/permissions")
def get_role_permissions(role_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return admin.get_role_permissions(ctx, uuid_param(role_id, "record_not_found"))


# The platform checks the matrix against the tenant's objects and fields and names every
# problem at once (`objects.account.fields.x`); the route only takes an object.
@router.put("/roles/{role_id}/permissions", openapi_extra=documented_body(RolePermissionsBody))
def set_role_permissions(
    role_id: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    unknown = sorted(set(body) - set(RolePermissionsBody.model_fields))
    if unknown:
        raise ValidationFailed([FieldError(k, "unknown_field", {"field": k}) for k in unknown])
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
    object_name: str, record_id: str, request: Request, body: ShareBody
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return admin.add_share(
            ctx,
            object_name,
            uuid_param(record_id, "record_not_found"),
            body.model_dump(mode="json"),
        )


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
