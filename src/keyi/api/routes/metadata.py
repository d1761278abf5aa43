"""Objects and fields as data over HTTP: read by everyone signed in; changes go through
MetadataService, which authorises, audits and refreshes the schema itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from keyi.api.bodies import documented_changes
from keyi.api.context import request_context
from keyi.platform.context import Context
from keyi.platform.metadata.model import FieldDef, ObjectDef
from keyi.platform.metadata.service import (
    FIXED_FIELD_KEYS,
    UPDATABLE_OBJECT_KEYS,
    MetadataService,
    default_layout,
)
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
        "search_criteria": d.search_criteria,
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


@router.get("/objects")
def list_objects(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        visible = [o for o in ctx.schema.objects.values() if ctx.policy.can(o, Operation.READ)]
        return {"objects": [object_json(ctx, o) for o in visible]}


@router.post("/objects", status_code=201)
def create_object(body: ObjectDef, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        obj = MetadataService(ctx).create_custom_object(body)
        return object_json(ctx, ctx.object(obj.name))


@router.get("/objects/{object_name}")
def get_object(object_name: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return object_json(ctx, ctx.object(object_name))


@router.patch(
    "/objects/{object_name}",
    openapi_extra=documented_changes(ObjectDef, UPDATABLE_OBJECT_KEYS),
)
def update_object(
    object_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        MetadataService(ctx).update_object(object_name, body)
        return object_json(ctx, ctx.object(object_name))


@router.delete("/objects/{object_name}", status_code=204)
def delete_object(object_name: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        MetadataService(ctx).delete_object(object_name)
    return Response(status_code=204)


@router.post("/objects/{object_name}/fields", status_code=201)
def add_field(object_name: str, body: FieldDef, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        f = MetadataService(ctx).add_custom_field(object_name, body)
        return field_json(ctx.object(object_name).fields[f.name])


@router.patch(
    "/objects/{object_name}/fields/{field_name}",
    openapi_extra=documented_changes(FieldDef, set(FieldDef.model_fields) - FIXED_FIELD_KEYS),
)
def update_field(
    object_name: str, field_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        changes = {k: v for k, v in body.items() if k not in FIXED_FIELD_KEYS}
        f = MetadataService(ctx).update_field(object_name, field_name, changes)
        return field_json(ctx.object(object_name).fields[f.name])


@router.delete("/objects/{object_name}/fields/{field_name}", status_code=204)
def delete_field(object_name: str, field_name: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        MetadataService(ctx).delete_field(object_name, field_name)
    return Response(status_code=204)
