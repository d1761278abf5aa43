"""Saved list views: a name plus filter, sort and columns, personal or shared with everyone.

Definitions are checked by compiling them with the caller's permissions, so a view can never
save a filter on a field its author cannot read, and a broken view is refused when saved
rather than failing later for everyone who opens it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, FieldErrors, Forbidden, NotFound, ValidationFailed
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import new_id
from keyi.platform.permissions import Operation
from keyi.platform.query.filters import compile_filter
from keyi.platform.query.listing import parse_sort
from keyi.platform.query.paths import PathError, PathResolver
from keyi.platform.query.plan import selected_fields
from keyi.platform.schema import list_view_table as views

DEFINITION_KEYS = ("filter", "sort", "columns", "q")


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": row.object,
        "name": row.name,
        "owner_id": row.owner_id,
        "shared": row.shared,
        **{key: row.definition.get(key) for key in DEFINITION_KEYS},
        "updated_at": datetime_json(row.updated_at),
    }


def _check_definition(ctx: Context, object_name: str, data: dict[str, Any]) -> dict[str, Any]:
    obj = ctx.object(object_name)
    if not ctx.policy.can(obj, Operation.READ):
        raise Forbidden()
    resolver = PathResolver(ctx, obj)
    compile_filter(resolver, data.get("filter"))
    for i, (path, _) in enumerate(parse_sort(data.get("sort") or [])):
        try:
            resolver.field(path)
        except PathError:
            raise ValidationFailed(
                [FieldError(f"sort.{i}.field", "invalid_sort", {"field": path})]
            ) from None
    columns = data.get("columns") or []
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ValidationFailed([FieldError("columns", "invalid_request")])
    selected_fields(ctx, obj, columns or None)
    q = data.get("q")
    if q is not None and (not isinstance(q, str) or len(q) > 200):
        raise ValidationFailed([FieldError("q", "invalid_request")])
    return {key: data.get(key) for key in DEFINITION_KEYS}


def _validate_header(data: dict[str, Any], *, partial: bool) -> FieldErrors:
    errors = FieldErrors()
    name = data.get("name")
    if (not partial or "name" in data) and (
        not isinstance(name, str) or not 1 <= len(name.strip()) <= 100
    ):
        errors.add("name", "required")
    if "shared" in data and not isinstance(data["shared"], bool):
        errors.add("shared", "invalid_boolean")
    unknown = set(data) - {"name", "shared", "object", *DEFINITION_KEYS}
    for key in sorted(unknown):
        errors.add(key, "unknown_field", field=key)
    return errors


def list_views(ctx: Context, object_name: str) -> list[dict[str, Any]]:
    ctx.object(object_name)
    rows = ctx.conn.execute(
        sa.select(views)
        .where(
            views.c.object == object_name,
            sa.or_(views.c.shared.is_(True), views.c.owner_id == ctx.actor.id),
        )
        .order_by(views.c.shared.desc(), views.c.name)
    ).all()
    return [_row_json(r) for r in rows]


def create_view(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    errors = _validate_header(data, partial=False)
    if not isinstance(data.get("object"), str):
        errors.add("object", "required")
    errors.raise_if_any()
    shared = bool(data.get("shared", False))
    if shared and not ctx.policy.can_manage_metadata():
        raise Forbidden()  # Views everyone sees are set up by administrators.
    definition = _check_definition(ctx, data["object"], data)
    view_id = new_id()
    now = ctx.now()
    ctx.conn.execute(
        sa.insert(views).values(
            id=view_id,
            object=data["object"],
            name=data["name"].strip(),
            owner_id=ctx.actor.id,
            shared=shared,
            definition=definition,
            created_at=now,
            updated_at=now,
        )
    )
    return get_view(ctx, view_id)


def get_view(ctx: Context, view_id: str) -> dict[str, Any]:
    row = ctx.conn.execute(sa.select(views).where(views.c.id == view_id)).first()
    if row is None or not (row.shared or row.owner_id == ctx.actor.id):
        raise NotFound()
    return _row_json(row)


def _editable(ctx: Context, view_id: str) -> Any:
    row = ctx.conn.execute(sa.select(views).where(views.c.id == view_id)).first()
    if row is None or not (row.shared or row.owner_id == ctx.actor.id):
        raise NotFound()
    if row.owner_id != ctx.actor.id and not ctx.policy.can_manage_metadata():
        raise Forbidden()
    return row


def update_view(ctx: Context, view_id: str, data: dict[str, Any]) -> dict[str, Any]:
    row = _editable(ctx, view_id)
    _validate_header(data, partial=True).raise_if_any()
    if data.get("shared") and not ctx.policy.can_manage_metadata():
        raise Forbidden()
    merged = {**row.definition, **{k: v for k, v in data.items() if k in DEFINITION_KEYS}}
    definition = _check_definition(ctx, row.object, merged)
    values: dict[str, Any] = {"definition": definition, "updated_at": ctx.now()}
    if "name" in data:
        values["name"] = data["name"].strip()
    if "shared" in data:
        values["shared"] = data["shared"]
    ctx.conn.execute(sa.update(views).where(views.c.id == view_id).values(values))
    return get_view(ctx, view_id)


def delete_view(ctx: Context, view_id: str) -> None:
    _editable(ctx, view_id)
    ctx.conn.execute(sa.delete(views).where(views.c.id == view_id))
