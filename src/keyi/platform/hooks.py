"""Typed object hooks that packages register explicitly (no signals, no magic names).

A before-save hook runs inside the write transaction, after validation and before the row is
written; it may adjust the values being written or add field errors. A before-delete hook runs
inside the delete's transaction before the record goes to the recycle bin; it refuses the delete
by raising a domain error (a 409 Conflict, say). Hooks never talk to the outside world: that
is what the outbox is for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keyi.platform.errors import FieldErrors

if TYPE_CHECKING:
    from keyi.platform.context import Context


@dataclass
class WriteEvent:
    """What a before-save hook sees: the operation, stored values before, values to write."""

    operation: str  # "create" | "update"
    object_name: str
    record_id: str
    old: dict[str, Any] | None
    values: dict[str, Any]  # mutable: the hook may set fields
    errors: FieldErrors = field(default_factory=FieldErrors)
    # Fields a create filled from their metadata default (the caller did not send them), so a
    # hook can choose a better default from other values without overriding an explicit one.
    defaulted: frozenset[str] = frozenset()

    def final(self, name: str) -> Any:
        """The value the row will have after the write."""
        if name in self.values:
            return self.values[name]
        return (self.old or {}).get(name)


@dataclass(frozen=True)
class DeleteEvent:
    """What a before-delete hook sees: the record as stored, about to go to the recycle bin."""

    object_name: str
    record_id: str
    old: dict[str, Any]


BeforeSave = Callable[["Context", WriteEvent], None]
BeforeDelete = Callable[["Context", DeleteEvent], None]


class HookRegistry:
    def __init__(self) -> None:
        self._before_save: dict[str, list[BeforeSave]] = defaultdict(list)
        self._before_delete: dict[str, list[BeforeDelete]] = defaultdict(list)

    def before_save(self, object_name: str) -> Callable[[BeforeSave], BeforeSave]:
        def register(fn: BeforeSave) -> BeforeSave:
            self._before_save[object_name].append(fn)
            return fn

        return register

    def run_before_save(self, ctx: Context, event: WriteEvent) -> None:
        for fn in self._before_save.get(event.object_name, ()):
            fn(ctx, event)

    def before_delete(self, object_name: str) -> Callable[[BeforeDelete], BeforeDelete]:
        def register(fn: BeforeDelete) -> BeforeDelete:
            self._before_delete[object_name].append(fn)
            return fn

        return register

    def run_before_delete(self, ctx: Context, event: DeleteEvent) -> None:
        for fn in self._before_delete.get(event.object_name, ()):
            fn(ctx, event)


# The installation-wide registry; packages add their hooks at import time of keyi.packages.
registry = HookRegistry()
