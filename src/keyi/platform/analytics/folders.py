"""Report folders and who may see what is in them.

A folder is shared with nobody (private: its owner), everyone, some roles or some departments
(a department includes its sub-departments). Reports and dashboards live in folders; an item
without a folder is its owner's alone. Administrators manage every shared folder but do not
read other people's private items: a private report is private.

Folders are few per company, so visibility is decided in Python over the folder rows rather
than in SQL over their JSON sharing; items are then read with ``folder_id IN (visible)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics.tables import dashboard_table, report_folder_table, report_table
from keyi.platform.errors import (
    Conflict,
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import is_id, new_id

if TYPE_CHECKING:
    from keyi.platform.context import Context

SCOPES = ("private", "all", "roles", "departments")
MAX_NAME = 100
MAX_SHARED_WITH = 200

folders = report_folder_table


# ------------------------------------------------------------------ visibility
def _subjects(ctx: Context) -> tuple[str | None, set[str]]:
    """The reader's role and the departments they belong to (their own and its ancestors)."""
    principal = ctx.policy.principal
    if principal is None:
        return None, set()
    departments = {*principal.ancestor_department_ids}
    if principal.department_id:
        departments.add(principal.department_id)
    return principal.role_id, departments


def can_read_folder(ctx: Context, row: Any) -> bool:
    if ctx.actor.kind == "system" or row.owner_id == ctx.actor.id:
        return True
    sharing = row.sharing or {}
    scope = sharing.get("scope", "private")
    if scope == "all":
        return True
    role, departments = _subjects(ctx)
    if scope == "roles":
        return role is not None and role in (sharing.get("roles") or [])
    if scope == "departments":
        return bool(departments & set(sharing.get("departments") or []))
    return False


def can_manage_folder(ctx: Context, row: Any) -> bool:
    """Its owner, and for a shared folder (or a package's) the administrators."""
    if ctx.actor.kind == "system":
        return True
    if row.package is None and row.owner_id == ctx.actor.id:
        return True
    shared = (row.sharing or {}).get("scope", "private") != "private"
    return (shared or row.package is not None) and ctx.policy.can_manage_metadata()


def readable_folder_ids(ctx: Context) -> list[str]:
    rows = ctx.conn.execute(sa.select(folders)).all()
    return [r.id for r in rows if can_read_folder(ctx, r)]


def item_readable(ctx: Context, item: Any, folder: Any | None) -> bool:
    """A report or dashboard: in a folder the reader sees, or the reader's own."""
    if item.owner_id == ctx.actor.id or ctx.actor.kind == "system":
        return True
    return folder is not None and can_read_folder(ctx, folder)


def item_editable(ctx: Context, item: Any, folder: Any | None) -> bool:
    """Its owner (unless a package shipped it), or whoever manages its folder."""
    if item.package is None and item.owner_id == ctx.actor.id:
        return True
    return folder is not None and can_manage_folder(ctx, folder)


def folder_row(ctx: Context, folder_id: str | None) -> Any | None:
    if folder_id is None:
        return None
    return ctx.conn.execute(sa.select(folders).where(folders.c.id == folder_id)).first()


def target_folder(ctx: Context, folder_id: Any, where: str = "folder_id") -> Any | None:
    """The folder an item is saved into: only the folder's managers put items in it (readers
    of a shared folder read); an unknown or unseen folder is a per-field error."""
    if folder_id is None:
        return None
    row = folder_row(ctx, folder_id) if is_id(folder_id) else None
    if row is None or not can_read_folder(ctx, row):
        raise ValidationFailed([FieldError(where, "not_found")])
    if not can_manage_folder(ctx, row):
        raise Forbidden("folder_not_writable")
    return row


# ------------------------------------------------------------------ folder CRUD
def folder_json(ctx: Context, row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "owner_id": row.owner_id,
        "sharing": row.sharing,
        "package": row.package,
        "key": row.key,
        "can_manage": can_manage_folder(ctx, row),
        "updated_at": datetime_json(row.updated_at),
    }


def list_folders(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.conn.execute(sa.select(folders).order_by(folders.c.created_at)).all()
    return [folder_json(ctx, r) for r in rows if can_read_folder(ctx, r)]


def _check_name(data: dict[str, Any], errors: FieldErrors, *, partial: bool) -> Any:
    if partial and "name" not in data:
        return None
    name = data.get("name")
    if isinstance(name, str):
        name = {"": name}
    if (
        not isinstance(name, dict)
        or not name
        or not all(
            isinstance(k, str) and isinstance(v, str) and 1 <= len(v.strip()) <= MAX_NAME
            for k, v in name.items()
        )
    ):
        errors.add("name", "required")
        return None
    return {k: v.strip() for k, v in name.items()}


def check_sharing(ctx: Context, sharing: Any, errors: FieldErrors) -> dict[str, Any] | None:
    """{"scope", "roles"?, "departments"?} with ids of existing roles and departments."""
    if not isinstance(sharing, dict) or sharing.get("scope") not in SCOPES:
        errors.add("sharing.scope", "invalid_choice")
        return None
    scope = sharing["scope"]
    clean: dict[str, Any] = {"scope": scope}
    for key, object_name in (("roles", "role"), ("departments", "department")):
        ids = sharing.get(key) or []
        if scope != key:
            continue
        if not isinstance(ids, list) or not ids or len(ids) > MAX_SHARED_WITH:
            errors.add(f"sharing.{key}", "required")
            continue
        if not all(is_id(i) for i in ids):
            errors.add(f"sharing.{key}", "invalid_id")
            continue
        table = ctx.object(object_name).table
        found = set(
            ctx.conn.execute(
                sa.select(table.c.id).where(table.c.id.in_(ids), table.c.deleted_at.is_(None))
            ).scalars()
        )
        for i, value in enumerate(ids):
            if value not in found:
                errors.add(f"sharing.{key}.{i}", "not_found")
        clean[key] = list(dict.fromkeys(ids))
    if set(sharing) - {"scope", "roles", "departments"}:
        errors.add("sharing", "invalid_request")
    return clean


def create_folder(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    name = _check_name(data, errors, partial=False)
    sharing = check_sharing(ctx, data.get("sharing", {"scope": "private"}), errors)
    errors.raise_if_any()
    assert sharing is not None
    if sharing["scope"] != "private" and not ctx.policy.can_manage_metadata():
        raise Forbidden("sharing_needs_admin")
    now = ctx.now()
    folder_id = new_id()
    ctx.conn.execute(
        sa.insert(folders).values(
            id=folder_id,
            name=name,
            owner_id=ctx.actor.id,
            sharing=sharing,
            created_at=now,
            updated_at=now,
        )
    )
    ctx.audit("report_folder.create", folder_id=folder_id, sharing=sharing)
    return folder_json(ctx, folder_row(ctx, folder_id))


def _managed(ctx: Context, folder_id: str) -> Any:
    row = folder_row(ctx, folder_id) if is_id(folder_id) else None
    if row is None or not can_read_folder(ctx, row):
        raise NotFound()
    if not can_manage_folder(ctx, row):
        raise Forbidden()
    return row


def update_folder(ctx: Context, folder_id: str, data: dict[str, Any]) -> dict[str, Any]:
    row = _managed(ctx, folder_id)
    errors = FieldErrors()
    values: dict[str, Any] = {}
    name = _check_name(data, errors, partial=True)
    if name is not None:
        values["name"] = name
    if "sharing" in data:
        sharing = check_sharing(ctx, data["sharing"], errors)
        errors.raise_if_any()
        assert sharing is not None
        if sharing["scope"] != "private" and not ctx.policy.can_manage_metadata():
            raise Forbidden("sharing_needs_admin")
        values["sharing"] = sharing
    for key in sorted(set(data) - {"name", "sharing"}):
        errors.add(key, "unknown_field", field=key)
    errors.raise_if_any()
    if values:
        values["updated_at"] = ctx.now()
        ctx.conn.execute(sa.update(folders).where(folders.c.id == row.id).values(values))
        ctx.audit("report_folder.update", folder_id=row.id, sharing=values.get("sharing"))
    return folder_json(ctx, folder_row(ctx, row.id))


def delete_folder(ctx: Context, folder_id: str) -> None:
    """Only a folder without live reports and dashboards goes: they are someone's work, to be
    moved or deleted first (a 409 counting them). What is in the recycle bin does not hold a
    folder: it goes to no folder, its owner's own (the owner restores it there, and may file
    it again), as deleting the folder it was in leaves nothing else to restore it into."""
    row = _managed(ctx, folder_id)
    live: dict[str, int] = {}
    for name, table in (("reports", report_table), ("dashboards", dashboard_table)):
        live[name] = ctx.conn.execute(
            sa.select(sa.func.count())
            .select_from(table)
            .where(table.c.folder_id == row.id, table.c.deleted_at.is_(None))
        ).scalar_one()
    if any(live.values()):
        raise Conflict("folder_not_empty", **live)
    moved: dict[str, list[str]] = {}
    for name, table in (("reports", report_table), ("dashboards", dashboard_table)):
        binned = sa.select(table.c.id).where(table.c.folder_id == row.id)
        moved[name] = [str(i) for i in ctx.conn.execute(binned).scalars()]
        if moved[name]:
            ctx.conn.execute(
                sa.update(table).where(table.c.folder_id == row.id).values(folder_id=None)
            )
    ctx.conn.execute(sa.delete(folders).where(folders.c.id == row.id))
    ctx.audit(
        "report_folder.delete",
        folder_id=row.id,
        binned_reports=moved["reports"],
        binned_dashboards=moved["dashboards"],
    )
