"""Actors, and the entry point to access decisions (see keyi.platform.access).

Every read and write of records asks `AccessPolicy`; this module keeps the names the rest of
the platform imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from keyi.platform.access.model import Operation
from keyi.platform.access.policy import AccessPolicy

__all__ = ["AccessPolicy", "Actor", "ActorKind", "Operation"]


class ActorKind(StrEnum):
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or a named system process (import, automation, demo).

    The name history, audit and outbox record; access decisions use `access.AccessProfile`."""

    id: str | None
    name: str
    is_admin: bool = False
    kind: ActorKind = ActorKind.USER

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(id=None, name=name, is_admin=True, kind=ActorKind.SYSTEM)
