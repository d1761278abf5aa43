"""Loading who the caller is in the organisation: department, managed subtrees, role, teams."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from keyi.platform.access.model import AccessProfile, ObjectPermission
from keyi.platform.access.tables import role_permission_table
from keyi.platform.schema import CompiledSchema

_SEPARATOR = " "  # never inside a department path or an id
_STATEMENT_MEMO = "user_statement"


def _column(obj: Any, name: str) -> Any:
    return obj.table.c[name] if obj is not None and name in obj.table.c else None


def _joined(values: sa.ColumnElement[Any], *where: sa.ColumnElement[bool]) -> Any:
    """A correlated subquery folding ``values`` of the matching rows into one string.

    Folded into the user's own SELECT so that loading a principal is one round trip instead of
    four; this runs at the start of every request.
    """
    return (
        sa.select(sa.func.aggregate_strings(sa.cast(values, sa.String), _SEPARATOR))
        .where(*where)
        .scalar_subquery()
    )


def _ids(folded: str | None) -> tuple[str, ...]:
    """Canonical ids out of a folded string (SQLite keeps UUIDs as 32 hex digits)."""
    return tuple(str(uuid.UUID(part)) for part in (folded or "").split(_SEPARATOR) if part)


def load_user(
    conn: sa.Connection, schema: CompiledSchema, user_id: str
) -> tuple[sa.RowMapping, AccessProfile] | None:
    """A live user's row and principal in one statement; ``None`` for an unknown or deleted id.

    The caller decides what an inactive user may do (``row["is_active"]``).
    """
    return _load(conn, schema, user_id, with_grants=False)


def _load(
    conn: sa.Connection, schema: CompiledSchema, user_id: str, *, with_grants: bool
) -> tuple[sa.RowMapping, AccessProfile] | None:
    stmt = _user_statement(schema, with_grants=with_grants)
    if stmt is None:
        return None
    row = conn.execute(stmt, {"user_id": user_id}).mappings().first()
    if row is None:
        return None
    managed = tuple(p for p in (row.get("_managed_paths") or "").split(_SEPARATOR) if p)
    return row, _principal(row, managed, _ids(row.get("_team_ids")), _ids(row.get("_pool_ids")))


def _user_statement(schema: CompiledSchema, *, with_grants: bool) -> sa.Select[Any] | None:
    """The user's row with their managed department paths, teams, pools and (``with_grants``)
    their role's grants folded in, the id a parameter ``user_id``.

    Built once per metadata revision: it runs at the start of every request, and assembling
    it (four correlated subqueries) cost more CPU than the database spends answering it."""
    key = (_STATEMENT_MEMO, with_grants)
    found: sa.Select[Any] | None = schema.memo.get(key)
    if found is not None:
        return found
    users = schema.get("user")
    if users is None:
        return None
    u = users.table
    extra: list[Any] = []
    departments = schema.get("department")
    if departments is not None and _column(departments, "manager") is not None:
        d = departments.table
        extra.append(
            _joined(d.c.path, d.c.manager == u.c.id, d.c.deleted_at.is_(None)).label(
                "_managed_paths"
            )
        )
    for name, column in (("team_member", "team"), ("pool_member", "pool")):
        members = schema.get(name)
        if members is not None:
            m = members.table
            extra.append(
                _joined(m.c[column], m.c.user == u.c.id, m.c.deleted_at.is_(None)).label(
                    f"_{column}_ids"
                )
            )
    if with_grants:
        rp = role_permission_table
        extra.append(
            sa.select(
                sa.func.aggregate_strings(
                    rp.c.object + _GRANT + sa.cast(rp.c.permission, sa.Text), _GRANTS
                )
            )
            .where(rp.c.role_id == u.c.role)
            .scalar_subquery()
            .label("_role_grants")
        )
    stmt = sa.select(u, *extra).where(
        u.c.id == sa.bindparam("user_id", type_=u.c.id.type), u.c.deleted_at.is_(None)
    )
    schema.memo[key] = stmt
    return stmt


def _principal(
    mapping: Any,
    managed: tuple[str, ...],
    teams: tuple[str, ...],
    pools: tuple[str, ...],
) -> AccessProfile:
    path = mapping.get("department_path")
    ancestors = tuple(part for part in (path or "").split("/") if part)
    return AccessProfile(
        user_id=mapping["id"],
        is_admin=bool(mapping.get("is_admin")),
        role_id=mapping.get("role"),
        department_id=ancestors[-1] if ancestors else None,
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


_GRANT = "\x1f"  # between an object and its grant; JSON text escapes control characters
_GRANTS = "\x1e"  # between grants


def load_caller(
    conn: sa.Connection, schema: CompiledSchema, user_id: str
) -> tuple[sa.RowMapping, AccessProfile, Mapping[str, ObjectPermission] | None] | None:
    """:func:`load_user` plus :func:`load_role_permissions`, in the same one statement.

    This runs at the start of every request; the role's grants ride along as a folded string
    (``object US grant-json RS …``) rather than costing a second round trip.
    """
    users = schema.get("user")
    if users is None or "role" not in users.table.c:
        loaded = load_user(conn, schema, user_id)
        if loaded is None:
            return None
        return loaded[0], loaded[1], load_role_permissions(conn, loaded[1].role_id)
    loaded = _load(conn, schema, user_id, with_grants=True)
    if loaded is None:
        return None
    row, principal = loaded
    if principal.role_id is None:
        return row, principal, None
    return row, principal, _parse_grants(row.get("_role_grants") or "")


@functools.lru_cache(maxsize=256)
def _parse_grants(folded: str) -> Mapping[str, ObjectPermission]:
    """A role's grants out of their folded string; the same string (the same grants) parses
    to the same read-only mapping, shared by every request of that role."""
    permissions: dict[str, ObjectPermission] = {}
    for grant in folded.split(_GRANTS):
        if grant:
            name, _, permission = grant.partition(_GRANT)
            permissions[name] = ObjectPermission.from_json(json.loads(permission))
    return MappingProxyType(permissions)


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
