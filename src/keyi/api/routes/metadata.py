"""Objects and fields as data: read by everyone signed in, changed by administrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import ValidationError

from keyi.api.context import request_context
from keyi.platform.context import Context
from keyi.platform.errors import Forbidden
from keyi.platform.metadata.model import FieldDef, ObjectDef
from keyi.platform.metadata.service import MetadataService, default_layout, pydantic_errors
from keyi.platform.metadata.store import load_compiled
from keyi.platform.permissions import Operation
from keyi.platform.pools import POOL_OBJECT_FIELD, pooled_objects
from keyi.platform.schema import CompiledObject, system_fields

router = APIRouter(prefix="/api/v1/metadata", tags=["metadata"])

FIELD_KEYS = (
    "name",
    "type",
    "labels",
    "help",
    "required",
    "unique",
    "indexed",
    "searchable",
    "read_only",
    "default",
    "options",
    "target",
    "expression",
    "return_type",
    "pattern",
    "max_length",
    "precision",
    "scale",
    "rollup",
    "custom",
    "system",
)


def field_json(f: FieldDef, *, editable: bool = True) -> dict[str, Any]:
    """A field as the web app and integrations read it. `read_only` says whether *this reader*
    may write it: computed and system fields, and fields their role may only read (`editable`
    False) — forms then show them read-only instead of letting a value be typed and refused."""
    data = f.model_dump(mode="json")
    data["read_only"] = (not f.writable and f.name != "owner_id") or not editable
    return {key: data.get(key) for key in FIELD_KEYS}


def _pool_object_options(ctx: Context) -> list[dict[str, Any]]:
    """The objects a pool can name, as picklist-like options (value: API name, labels)."""
    return [
        {"value": o.name, "labels": o.definition.labels}
        for o in pooled_objects(ctx)
        if ctx.policy.can(o, Operation.READ)
    ]


def object_json(ctx: Context, obj: CompiledObject) -> dict[str, Any]:
    d = obj.definition
    readable = [f for f in (*system_fields(d), *d.fields) if ctx.policy.can_read_field(obj, f)]
    fields = [field_json(f, editable=ctx.policy.can_edit_field(obj, f)) for f in readable]
    if d.name == "pool":
        # A pool's object is an object's API name: offered as a choice, never free text.
        for f in fields:
            if f["name"] == POOL_OBJECT_FIELD:
                f["options"] = _pool_object_options(ctx)
    data: dict[str, Any] = {
        "name": d.name,
        "labels": d.labels,
        "plural_labels": d.plural_labels or d.labels,
        "name_field": d.name_field,
        "icon": d.icon,
        "custom": d.custom,
        "package": d.package,
        "features": d.features.model_dump(),
        "permissions": {op.value: ctx.policy.can(obj, op) for op in Operation},
        "fields": fields,
        "validation_rules": [r.model_dump(mode="json") for r in d.validation_rules],
        "layout": (d.layout or default_layout(d)).model_dump(mode="json"),
        "related": [
            {"object": child.name, "field": link.name}
            for child, link in ctx.schema.children_of(d.name)
            if ctx.policy.can(child, Operation.READ)
        ],
    }
    # Who is granted what by which criteria is access configuration: shown to the people who
    # edit it (Setup), not to everyone who reads the object.
    if ctx.policy.can_manage_metadata():
        data["sharing_rules"] = [r.model_dump(mode="json") for r in d.sharing_rules]
    return data


def _require_admin(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def _refresh(ctx: Context) -> None:
    ctx.refresh_schema(load_compiled(ctx.conn))


@router.get("/objects")
def list_objects(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        visible = [o for o in ctx.schema.objects.values() if ctx.policy.can(o, Operation.READ)]
        return {"objects": [object_json(ctx, o) for o in visible]}


@router.post("/objects", status_code=201)
def create_object(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        data = {**body, "custom": True, "package": None}
        for f in data.get("fields") or []:
            if isinstance(f, dict):
                f.update(custom=True, system=False)
        try:
            obj = ObjectDef.model_validate(data)
        except ValidationError as exc:
            raise pydantic_errors(exc) from None
        MetadataService(ctx.conn, ctx.schema).create_object(obj)
        ctx.audit(
            "metadata.object.create", object_name=obj.name, definition=obj.model_dump(mode="json")
        )
        _refresh(ctx)
        return object_json(ctx, ctx.object(obj.name))


@router.get("/objects/{object_name}")
def get_object(object_name: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return object_json(ctx, ctx.object(object_name))


@router.patch("/objects/{object_name}")
def update_object(
    object_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        MetadataService(ctx.conn, ctx.schema).update_object(object_name, body)
        ctx.audit("metadata.object.update", object_name=object_name, changes=body)
        _refresh(ctx)
        return object_json(ctx, ctx.object(object_name))


@router.delete("/objects/{object_name}", status_code=204)
def delete_object(object_name: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        MetadataService(ctx.conn, ctx.schema).delete_object(object_name)
        ctx.audit("metadata.object.delete", object_name=object_name)
    return Response(status_code=204)


@router.post("/objects/{object_name}/fields", status_code=201)
def add_field(
    object_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        ctx.object(object_name)
        try:
            f = FieldDef.model_validate({**body, "custom": True, "system": False})
        except ValidationError as exc:
            raise pydantic_errors(exc) from None
        MetadataService(ctx.conn, ctx.schema).add_field(object_name, f)
        ctx.audit("metadata.field.create", object_name=object_name, field=f.model_dump(mode="json"))
        _refresh(ctx)
        return field_json(ctx.object(object_name).fields[f.name])


@router.patch("/objects/{object_name}/fields/{field_name}")
def update_field(
    object_name: str, field_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        changes = {k: v for k, v in body.items() if k not in ("custom", "system")}
        f = MetadataService(ctx.conn, ctx.schema).update_field(object_name, field_name, changes)
        ctx.audit(
            "metadata.field.update", object_name=object_name, field=field_name, changes=changes
        )
        _refresh(ctx)
        return field_json(ctx.object(object_name).fields[f.name])


@router.delete("/objects/{object_name}/fields/{field_name}", status_code=204)
def delete_field(object_name: str, field_name: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        MetadataService(ctx.conn, ctx.schema).delete_field(object_name, field_name)
        ctx.audit("metadata.field.delete", object_name=object_name, field=field_name)
    return Response(status_code=204)
