"""Access rules as plain values: what a role may do per object, field and data scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Operation(StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"


class Scope(StrEnum):
    """Which owners' records a permission reaches, from narrowest to widest."""

    OWN = "own"  # records the user owns
    SUBORDINATES = "subordinates"  # ... and those owned by anyone in departments they manage
    DEPARTMENT = "department"  # records owned by anyone in the user's department subtree
    ALL = "all"


class FieldAccess(StrEnum):
    EDIT = "edit"
    READ = "read"  # visible, not writable
    HIDDEN = "hidden"  # absent everywhere: responses, filters, search, exports, history


class PrincipalType(StrEnum):
    USER = "user"
    DEPARTMENT = "department"  # the department and its sub-departments
    ROLE = "role"
    TEAM = "team"


class ShareAccess(StrEnum):
    READ = "read"
    EDIT = "edit"


@dataclass(frozen=True)
class ObjectPermission:
    read: bool = False
    create: bool = False
    edit: bool = False
    delete: bool = False
    read_scope: Scope = Scope.ALL
    edit_scope: Scope = Scope.OWN
    fields: dict[str, FieldAccess] = field(default_factory=dict)

    def allows(self, op: Operation) -> bool:
        return {
            Operation.READ: self.read,
            Operation.CREATE: self.create,
            Operation.EDIT: self.edit,
            Operation.DELETE: self.delete,
        }[op]

    def scope_for(self, op: Operation) -> Scope:
        return self.read_scope if op == Operation.READ else self.edit_scope

    def to_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "create": self.create,
            "edit": self.edit,
            "delete": self.delete,
            "read_scope": self.read_scope.value,
            "edit_scope": self.edit_scope.value,
            "fields": {k: v.value for k, v in sorted(self.fields.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ObjectPermission:
        return cls(
            read=bool(data.get("read")),
            create=bool(data.get("create")),
            edit=bool(data.get("edit")),
            delete=bool(data.get("delete")),
            read_scope=Scope(data.get("read_scope", Scope.ALL)),
            edit_scope=Scope(data.get("edit_scope", Scope.OWN)),
            fields={k: FieldAccess(v) for k, v in (data.get("fields") or {}).items()},
        )


# Users without a role: a small company's defaults — everyone reads everything, changes their own.
DEFAULT_PERMISSION = ObjectPermission(
    read=True, create=True, edit=True, delete=True, read_scope=Scope.ALL, edit_scope=Scope.OWN
)
# Organisation objects are administered, never edited by ordinary roles.
ADMINISTERED_OBJECTS = frozenset({"user", "department", "role", "pool", "pool_member"})
READ_ONLY = ObjectPermission(read=True, read_scope=Scope.ALL)


@dataclass(frozen=True)
class AccessProfile:
    """Everything about a user that access decisions need, loaded once per request.

    Built from the signed-in `auth.Caller`'s user record; `permissions.Actor` is the lighter
    name of whoever acts (a user or a system process) for history and audit."""

    user_id: str
    is_admin: bool
    role_id: str | None
    department_id: str | None
    department_path: str | None
    managed_paths: tuple[str, ...] = ()
    ancestor_department_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    pool_ids: tuple[str, ...] = ()
