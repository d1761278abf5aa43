"""Loading who the caller is in the organisation: department, managed subtrees, role, teams."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.access.model import ObjectPermission, Principal
from keyi.platform.access.tables import role_permission_table
from keyi.platform.schema import CompiledSchema


def _column(obj: Any, name: str) -> Any:
    return obj.table.c[name] if obj is not None and name in obj.table.c else None


def load_principal(conn: sa.Connection, schema: CompiledSchema, user_row: Any) -> Principal:
    """The principal of a loaded user row (`id`, `is_admin`, `role`, `department_path`...)."""
    users = schema.get("user")
    departments = schema.get("department")
    members = schema.get("team_member")
    mapping = dict(user_row._mapping) if hasattr(user_row, "_mapping") else dict(user_row)
    user_id = mapping["id"]
    path = mapping.get("department_path")
    managed: tuple[str, ...] = ()
    if departments is not None and _column(departments, "manager") is not None:
        t = departments.table
        managed = tuple(
            p
            for p in conn.execute(
                sa.select(t.c.path).where(
                    t.c.manager == user_id, t.c.deleted_at.is_(None), t.c.path.is_not(None)
                )
            ).scalars()
        )
    teams: tuple[str, ...] = ()
    if members is not None:
        t = members.table
        teams = tuple(
            conn.execute(
                sa.select(t.c.team).where(t.c.user == user_id, t.c.deleted_at.is_(None))
            ).scalars()
        )
    pools: tuple[str, ...] = ()
    pool_members = schema.get("pool_member")
    if pool_members is not None:
        t = pool_members.table
        pools = tuple(
            conn.execute(
                sa.select(t.c.pool).where(t.c.user == user_id, t.c.deleted_at.is_(None))
            ).scalars()
        )
    ancestors = tuple(part for part in (path or "").split("/") if part)
    department_id = ancestors[-1] if ancestors else None
    del users
    return Principal(
        user_id=user_id,
        is_admin=bool(mapping.get("is_admin")),
        role_id=mapping.get("role"),
        department_id=department_id,
        department_path=path,
        managed_paths=_outermost(managed),
        ancestor_department_ids=ancestors,
        team_ids=teams,
        pool_ids=pools,
    )


def _outermost(paths: tuple[str, ...]) -> tuple[str, ...]:
    """Drop managed subtrees nested in another managed subtree: one range each is enough."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return tuple(kept)


def load_role_permissions(
    conn: sa.Connection, role_id: str | None
) -> dict[str, ObjectPermission] | None:
    """None when the user has no role (the defaults apply); else the role's object grants."""
    if role_id is None:
        return None
    rows = conn.execute(
        sa.select(role_permission_table.c.object, role_permission_table.c.permission).where(
            role_permission_table.c.role_id == role_id
        )
    )
    return {row.object: ObjectPermission.from_json(row.permission) for row in rows}
