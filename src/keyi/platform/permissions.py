"""The authorisation seam: every read and write of records asks this module.

The policy answers three questions, always in terms the query compiler can inject:
- may the actor do operation X on object O at all (object permission);
- which rows (a SQL predicate on the object's table, or None for all rows);
- which fields may be read / written (field masks on input and output).

This first policy is deliberately simple and real: administrators and the system actor may do
everything; other users read every record and change only what they own (or created, for
objects without an owner), and cannot manage users. Roles, data scopes and sharing replace its
internals later without any caller changing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from keyi.platform.metadata.model import OWNER_FIELD, FieldDef
from keyi.platform.schema import CompiledObject


class Operation(StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"


class ActorKind(StrEnum):
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or a named system process (import, automation, demo)."""

    id: str | None
    name: str
    is_admin: bool = False
    kind: ActorKind = ActorKind.USER

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(id=None, name=name, is_admin=True, kind=ActorKind.SYSTEM)


ADMIN_ONLY_OBJECTS = frozenset({"user"})


class AccessPolicy:
    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    @property
    def unrestricted(self) -> bool:
        return self.actor.is_admin or self.actor.kind == ActorKind.SYSTEM

    def can(self, obj: CompiledObject, op: Operation) -> bool:
        if self.unrestricted or op == Operation.READ:
            return True
        return obj.name not in ADMIN_ONLY_OBJECTS

    def row_filter(
        self, obj: CompiledObject, table: Any, op: Operation
    ) -> sa.ColumnElement[bool] | None:
        """A predicate on `table` (the object's table or an alias) limiting rows, or None."""
        if self.unrestricted or op == Operation.READ:
            return None
        if op == Operation.CREATE:
            return None
        if obj.definition.features.owner:
            return table.c[OWNER_FIELD] == self.actor.id
        return table.c.created_by == self.actor.id

    def can_read_field(self, obj: CompiledObject, f: FieldDef) -> bool:
        return True

    def can_edit_field(self, obj: CompiledObject, f: FieldDef) -> bool:
        if f.name == OWNER_FIELD:
            return True
        return f.writable

    def can_manage_metadata(self) -> bool:
        return self.unrestricted
