"""Users, roles, teams and departments named portably: by email, name and name path.

Ids differ from one tenant to the next, so a rule shared with the role "Sales" or a flow that
assigns to li@example.com is written with the role's name or the user's email
(``{"role": "Sales"}``, ``{"user": "li@example.com"}``, ``{"department": "总部/销售部"}``) and
turned back into the target's ids at install. Only names are read here, never the people's
other data: a package carries no records.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context

KINDS = ("user", "role", "team", "department")
# Keys holding an id of a principal, wherever they appear in a flow or an approval process.
ID_KEYS = {"user_id": "user", "role_id": "role", "team_id": "team"}
Ref = dict[str, Any]


class References:
    """Ids ↔ portable keys in one tenant, read once per kind when first needed."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._by_id: dict[str, dict[str, str]] = {}
        self._by_key: dict[str, dict[str, str]] = {}

    def _load(self, kind: str) -> None:
        if kind in self._by_id:
            return
        table = self.ctx.object(kind).table
        live = table.c.deleted_at.is_(None)
        keys: dict[str, str] = {}
        if kind == "user":
            for row in self.ctx.conn.execute(sa.select(table.c.id, table.c.email).where(live)):
                keys[row.id] = str(row.email).lower()
        elif kind == "department":
            rows = {
                r.id: (r.name, r.parent)
                for r in self.ctx.conn.execute(
                    sa.select(table.c.id, table.c.name, table.c.parent).where(live)
                )
            }
            for department_id in rows:
                names: list[str] = []
                current: str | None = department_id
                while current in rows and len(names) < 50:
                    name, parent = rows[current]
                    names.append(str(name))
                    current = parent
                keys[department_id] = "/".join(reversed(names))
        else:
            for row in self.ctx.conn.execute(sa.select(table.c.id, table.c.name).where(live)):
                keys[row.id] = str(row.name)
        self._by_id[kind] = keys
        by_key: dict[str, str] = {}
        ambiguous = set()
        for record_id, key in keys.items():
            if key in by_key:
                ambiguous.add(key)
            by_key[key] = record_id
        # Two teams of one name: the reference cannot be resolved, never guessed.
        self._by_key[kind] = {k: v for k, v in by_key.items() if k not in ambiguous}

    def portable(self, kind: str, record_id: Any) -> Ref:
        """``{kind: key}``; ``{kind: None}`` for an id that names nobody (a deleted user)."""
        self._load(kind)
        return {kind: self._by_id[kind].get(str(record_id))}

    def resolve(self, ref: Any) -> tuple[str | None, str]:
        """The target's id for a portable reference, and how to name it in a report."""
        if not isinstance(ref, dict) or len(ref) != 1:
            return None, str(ref)
        ((kind, key),) = ref.items()
        if kind not in KINDS:
            return None, str(ref)
        self._load(kind)
        found = self._by_key[kind].get(str(key).lower() if kind == "user" else str(key))
        return found, f"{kind} {key!r}"


def to_portable(value: Any, refs: References) -> Any:
    """A flow or process definition with every user/role/team id replaced by its key."""
    if isinstance(value, list):
        return [to_portable(v, refs) for v in value]
    if not isinstance(value, dict):
        return value
    found = {}
    for key, item in value.items():
        if key in ID_KEYS and isinstance(item, str):
            found[key] = refs.portable(ID_KEYS[key], item)
        else:
            found[key] = to_portable(item, refs)
    return found


def from_portable(value: Any, refs: References, missing: list[str]) -> Any:
    """The reverse, in the target; each reference it cannot resolve is added to ``missing``."""
    if isinstance(value, list):
        return [from_portable(v, refs, missing) for v in value]
    if not isinstance(value, dict):
        return value
    found = {}
    for key, item in value.items():
        if key in ID_KEYS and isinstance(item, dict):
            resolved, name = refs.resolve(item)
            if resolved is None:
                missing.append(name)
            found[key] = resolved
        else:
            found[key] = from_portable(item, refs, missing)
    return found
