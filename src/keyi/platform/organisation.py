"""The platform's own organisation behaviour: department paths, and a company keeps an admin.

Department ``path`` ("/<root id>/<child id>/.../") and its copy on users, ``department_path``,
are derived data like a search index: they exist so access checks can take "everyone below
department D" as one index range condition (keyi.platform.access.subtree). Record access
depends on them, so the platform keeps them right — with set-based UPDATEs on the subtree
rather than record by record — for every tenant, whichever package defined the objects (their
fields are the platform's core contract, keyi.platform.contract). Likewise sign-in depends on
``user.is_admin``/``is_active``: whatever the path, the last active administrator stays.

These are hooks like any package's (keyi.platform.hooks), registered as the platform's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.platform.access.subtree import subtree_predicate
from keyi.platform.errors import Conflict

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.hooks import DeleteEvent, HookRegistry, WriteEvent

__all__ = ["register"]


def register(registry: HookRegistry) -> None:
    """Add the platform's organisation hooks to ``registry`` (done once, by keyi.platform.hooks)."""
    registry.before_save("department")(department_path)
    registry.before_delete("department")(department_delete_only_when_empty)
    registry.before_save("user")(user_department_path)
    registry.before_save("user")(user_keep_an_administrator)
    registry.before_delete("user")(user_delete_keeps_an_administrator)


def _path_of(ctx: Context, department_id: str | None) -> str | None:
    if not department_id:
        return None
    table = ctx.object("department").table
    return ctx.conn.execute(sa.select(table.c.path).where(table.c.id == department_id)).scalar()


def department_path(ctx: Context, event: WriteEvent) -> None:
    if event.operation == "update" and "parent" not in event.values:
        return
    parent_path = _path_of(ctx, event.final("parent")) or "/"
    own_path = f"{parent_path}{event.record_id}/"
    old_path = (event.old or {}).get("path")
    if old_path and parent_path.startswith(old_path):
        event.errors.add("parent", "invalid_metadata", reason="a department cannot contain itself")
        return
    event.values["path"] = own_path
    if not old_path or old_path == own_path:
        return
    departments = ctx.object("department").table
    users = ctx.object("user").table
    # Move the subtree (and its members): every path under the old prefix gets the new one.
    for table, column in ((departments, departments.c.path), (users, users.c.department_path)):
        ctx.conn.execute(
            sa.update(table)
            .where(subtree_predicate(ctx.conn, column, old_path), table.c.id != event.record_id)
            .values({column.name: sa.literal(own_path) + sa.func.substr(column, len(old_path) + 1)})
        )


def department_delete_only_when_empty(ctx: Context, event: DeleteEvent) -> None:
    """A department with sub-departments or members is not deleted: they would be left pointing
    at a department in the recycle bin, and (by their paths) still inside its subtree for record
    access. The administrator moves them first; the error says how many there are."""
    departments = ctx.object("department").table
    users = ctx.object("user").table
    count = sa.func.count()
    children = ctx.conn.execute(
        sa.select(count).where(
            departments.c.parent == event.record_id, departments.c.deleted_at.is_(None)
        )
    ).scalar_one()
    members = ctx.conn.execute(
        sa.select(count).where(users.c.department == event.record_id, users.c.deleted_at.is_(None))
    ).scalar_one()
    if children or members:
        raise Conflict("department_not_empty", departments=children, users=members)


def user_department_path(ctx: Context, event: WriteEvent) -> None:
    if event.operation == "update" and "department" not in event.values:
        return
    event.values["department_path"] = _path_of(ctx, event.final("department"))


def _admins_left_without(ctx: Context, leaving: str) -> bool:
    """Whether an active administrator other than `leaving` remains.

    On PostgreSQL the check is serialised per tenant with a transaction-scoped advisory lock:
    two administrators removing each other at the same moment would otherwise each see the
    other still there (READ COMMITTED). Locking the administrators' rows instead would deadlock
    with the row lock the write itself takes. SQLite serialises writers anyway.
    """
    users = ctx.object("user").table
    if ctx.dialect == "postgresql":
        key = sa.func.hashtext(sa.literal(f"keyi.last_admin:{ctx.tenant.id}"))
        ctx.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    other = ctx.conn.execute(
        sa.select(users.c.id).where(
            users.c.is_admin.is_(True),
            users.c.is_active.is_(True),
            users.c.deleted_at.is_(None),
            users.c.id != leaving,
        )
    ).first()
    return other is not None


def user_keep_an_administrator(ctx: Context, event: WriteEvent) -> None:
    """Whatever the path (user administration, record edit, mass update, import): a company
    always keeps an active administrator, and nobody switches off their own access by editing
    their record. Deletion is guarded by `user_delete_keeps_an_administrator` below."""
    if event.operation != "update" or event.old is None:
        return
    was_admin = bool(event.old.get("is_admin")) and bool(event.old.get("is_active"))
    still_admin = bool(event.final("is_admin")) and bool(event.final("is_active"))
    if not was_admin or still_admin:
        return
    field_name = "is_active" if not event.final("is_active") else "is_admin"
    if event.record_id == ctx.actor.id:
        event.errors.add(field_name, "cannot_deactivate_self")
        return
    if not _admins_left_without(ctx, event.record_id):
        event.errors.add(field_name, "last_admin")


def user_delete_keeps_an_administrator(ctx: Context, event: DeleteEvent) -> None:
    """Deleting a user record (one, or many in a mass delete: each goes through here) is the
    other way to remove an administrator; the same rule as for an edit applies, as a 409."""
    if event.record_id == ctx.actor.id:
        raise Conflict("cannot_delete_self")
    if not (event.old.get("is_admin") and event.old.get("is_active")):
        return
    if not _admins_left_without(ctx, event.record_id):
        raise Conflict("last_admin")
