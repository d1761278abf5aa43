"""Changing access: role permission matrices and record shares, with validation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.access.model import (
    FieldAccess,
    ObjectPermission,
    Operation,
    PrincipalType,
    Scope,
    ShareAccess,
)
from keyi.platform.access.tables import role_permission_table, share_table
from keyi.platform.context import Context
from keyi.platform.errors import FieldErrors, Forbidden, NotFound
from keyi.platform.fieldtypes import UUID_RE, datetime_json
from keyi.platform.ids import new_id
from keyi.platform.query.plan import visible_rows
from keyi.platform.query.serialize import readable_name_column

SHARE_SOURCES = ("manual", "team")


def _require_admin(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def _role_exists(ctx: Context, role_id: str) -> None:
    roles = ctx.object("role").table
    if (
        ctx.conn.execute(
            sa.select(roles.c.id).where(roles.c.id == role_id, roles.c.deleted_at.is_(None))
        ).first()
        is None
    ):
        raise NotFound("record_not_found")


def get_role_permissions(ctx: Context, role_id: str) -> dict[str, Any]:
    _require_admin(ctx)
    _role_exists(ctx, role_id)
    rows = ctx.conn.execute(
        sa.select(role_permission_table).where(role_permission_table.c.role_id == role_id)
    ).all()
    return {
        "objects": {
            row.object: ObjectPermission.from_json(row.permission).to_json() for row in rows
        }
    }


def set_role_permissions(ctx: Context, role_id: str, objects: Any) -> dict[str, Any]:
    """Replace the role's whole matrix (objects left out lose all access)."""
    _require_admin(ctx)
    _role_exists(ctx, role_id)
    errors = FieldErrors()
    parsed: dict[str, ObjectPermission] = {}
    if not isinstance(objects, dict):
        errors.add("objects", "invalid_request")
        errors.raise_if_any()
    for name, data in objects.items():
        key = f"objects.{name}"
        obj = ctx.schema.get(name)
        if obj is None:
            errors.add(key, "object_not_found", object=name)
            continue
        if not isinstance(data, dict):
            errors.add(key, "invalid_request")
            continue
        unknown = set(data) - {
            "read",
            "create",
            "edit",
            "delete",
            "read_scope",
            "edit_scope",
            "fields",
        }
        for extra in sorted(unknown):
            errors.add(f"{key}.{extra}", "unknown_field", field=extra)
        for flag in ("read", "create", "edit", "delete"):
            if flag in data and not isinstance(data[flag], bool):
                errors.add(f"{key}.{flag}", "invalid_boolean")
        for scope_key in ("read_scope", "edit_scope"):
            if scope_key in data and data[scope_key] not in {s.value for s in Scope}:
                errors.add(f"{key}.{scope_key}", "invalid_option", value=data[scope_key])
        fields = data.get("fields") or {}
        if not isinstance(fields, dict):
            errors.add(f"{key}.fields", "invalid_request")
            fields = {}
        for field_name, access in fields.items():
            f = obj.fields.get(field_name)
            if f is None or f.system:
                errors.add(f"{key}.fields.{field_name}", "field_not_found", field=field_name)
            elif access not in {a.value for a in FieldAccess}:
                errors.add(f"{key}.fields.{field_name}", "invalid_option", value=access)
        if not errors:
            parsed[name] = ObjectPermission.from_json(data)
    errors.raise_if_any()
    ctx.audit(
        "permission.role.update",
        object_name="role",
        record_id=role_id,
        objects={k: v.to_json() for k, v in parsed.items()},
    )
    ctx.conn.execute(
        sa.delete(role_permission_table).where(role_permission_table.c.role_id == role_id)
    )
    if parsed:
        ctx.conn.execute(
            sa.insert(role_permission_table),
            [
                {"role_id": role_id, "object": name, "permission": p.to_json()}
                for name, p in parsed.items()
            ],
        )
    return get_role_permissions(ctx, role_id)


# ------------------------------------------------------------------ shares
def _record_for(ctx: Context, object_name: str, record_id: str, op: Operation) -> None:
    obj = ctx.object(object_name)
    found = ctx.conn.execute(
        sa.select(obj.table.c.id).where(
            obj.table.c.id == record_id, *visible_rows(ctx, obj, obj.table)
        )
    ).first()
    if found is None:
        raise NotFound("record_not_found")
    if op != Operation.READ:
        access = ctx.policy.row_filter(obj, obj.table, op)
        if (
            access is not None
            and ctx.conn.execute(
                sa.select(obj.table.c.id).where(obj.table.c.id == record_id, access)
            ).first()
            is None
        ):
            raise Forbidden()


def _share_json(row: Any, names: dict[tuple[str, str], str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "principal_type": row.principal_type,
        "principal_id": row.principal_id,
        "principal_name": names.get((row.principal_type, row.principal_id)),
        "access": row.access,
        "source": row.source,
        "created_at": datetime_json(row.created_at),
    }


def list_shares(ctx: Context, object_name: str, record_id: str) -> list[dict[str, Any]]:
    _record_for(ctx, object_name, record_id, Operation.READ)
    rows = ctx.conn.execute(
        sa.select(share_table)
        .where(share_table.c.object == object_name, share_table.c.record_id == record_id)
        .order_by(share_table.c.created_at)
    ).all()
    # Names of the users, departments, roles and teams shared with, as `_display` titles are:
    # only where the reader may read that object's name field and that record.
    names: dict[tuple[str, str], str] = {}
    for kind in {r.principal_type for r in rows}:
        target = ctx.schema.get(kind)
        name_column = readable_name_column(ctx, target) if target is not None else None
        if target is None or name_column is None:
            continue
        ids = [r.principal_id for r in rows if r.principal_type == kind]
        stmt = sa.select(target.table.c.id, target.table.c[name_column]).where(
            target.table.c.id.in_(ids)
        )
        access = ctx.policy.row_filter(target, target.table, Operation.READ)
        if access is not None:
            stmt = stmt.where(access)
        for rid, name in ctx.conn.execute(stmt):
            names[(kind, rid)] = name
    return [_share_json(r, names) for r in rows]


def add_share(ctx: Context, object_name: str, record_id: str, data: Any) -> dict[str, Any]:
    """Owners and editors of a record may share it (the usual CRM rule)."""
    _record_for(ctx, object_name, record_id, Operation.EDIT)
    errors = FieldErrors()
    if not isinstance(data, dict):
        errors.add("body", "invalid_request")
        errors.raise_if_any()
    kind, principal_id = data.get("principal_type"), data.get("principal_id")
    access, source = data.get("access", "read"), data.get("source", "manual")
    if kind not in {p.value for p in PrincipalType}:
        errors.add("principal_type", "invalid_option", value=kind)
    if access not in {a.value for a in ShareAccess}:
        errors.add("access", "invalid_option", value=access)
    if source not in SHARE_SOURCES or (source == "team" and kind != PrincipalType.USER.value):
        errors.add("source", "invalid_option", value=source)
    if not isinstance(principal_id, str) or not UUID_RE.match(principal_id):
        errors.add("principal_id", "invalid_reference", target=str(kind))
    errors.raise_if_any()
    target = ctx.object(str(kind))
    exists = ctx.conn.execute(
        sa.select(target.table.c.id).where(
            target.table.c.id == principal_id, target.table.c.deleted_at.is_(None)
        )
    ).first()
    if exists is None:
        errors.add("principal_id", "invalid_reference", target=str(kind))
        errors.raise_if_any()
    t = share_table
    existing = ctx.conn.execute(
        sa.select(t.c.id).where(
            t.c.object == object_name,
            t.c.record_id == record_id,
            t.c.principal_type == kind,
            t.c.principal_id == principal_id,
        )
    ).scalar()
    if existing:
        ctx.conn.execute(
            sa.update(t).where(t.c.id == existing).values(access=access, source=source)
        )
        share_id = existing
    else:
        share_id = new_id()
        ctx.conn.execute(
            sa.insert(t).values(
                id=share_id,
                object=object_name,
                record_id=record_id,
                principal_type=kind,
                principal_id=principal_id,
                access=access,
                source=source,
                created_by=ctx.actor.id,
                created_at=ctx.now(),
            )
        )
    ctx.audit(
        "permission.share.grant",
        object_name=object_name,
        record_id=record_id,
        principal_type=kind,
        principal_id=principal_id,
        access=access,
        source=source,
    )
    return next(s for s in list_shares(ctx, object_name, record_id) if s["id"] == share_id)


def remove_share(ctx: Context, object_name: str, record_id: str, share_id: str) -> None:
    _record_for(ctx, object_name, record_id, Operation.EDIT)
    deleted = ctx.conn.execute(
        sa.delete(share_table).where(
            share_table.c.id == share_id,
            share_table.c.object == object_name,
            share_table.c.record_id == record_id,
        )
    )
    if deleted.rowcount == 0:
        raise NotFound()
    ctx.audit(
        "permission.share.revoke", object_name=object_name, record_id=record_id, share_id=share_id
    )


def replace_managed_shares(
    ctx: Context,
    object_name: str,
    record_id: str,
    source: str,
    grants: list[tuple[PrincipalType, str, ShareAccess]],
) -> None:
    """Make the shares of one record that ``source`` manages exactly ``grants``.

    For packages that derive access from their own data (a case shared with its queue's team
    while it is in the queue): the package decides who gets the record, in the write's
    transaction, as the system; users' manual shares (``manual``, ``team``) are left alone and
    a package source may not take those names. No audit line per grant: the write that caused
    it is in the record's history."""
    if source in SHARE_SOURCES:
        raise ValueError(f"{source!r} is a user share source")
    t = share_table
    wanted = {(kind.value, principal, access.value) for kind, principal, access in grants}
    current = {
        (row.principal_type, row.principal_id, row.access): row.id
        for row in ctx.conn.execute(
            sa.select(t.c.id, t.c.principal_type, t.c.principal_id, t.c.access).where(
                t.c.object == object_name, t.c.record_id == record_id, t.c.source == source
            )
        )
    }
    stale = [share_id for key, share_id in current.items() if key not in wanted]
    if stale:
        ctx.conn.execute(sa.delete(t).where(t.c.id.in_(stale)))
    for kind, principal, access in sorted(wanted - set(current)):
        taken = ctx.conn.execute(
            sa.select(t.c.id).where(
                t.c.object == object_name,
                t.c.record_id == record_id,
                t.c.principal_type == kind,
                t.c.principal_id == principal,
            )
        ).first()
        if taken is not None:  # a manual share of the same principal already grants it
            continue
        ctx.conn.execute(
            sa.insert(t).values(
                id=new_id(),
                object=object_name,
                record_id=record_id,
                principal_type=kind,
                principal_id=principal,
                access=access,
                source=source,
                created_by=ctx.actor.id,
                created_at=ctx.now(),
            )
        )
