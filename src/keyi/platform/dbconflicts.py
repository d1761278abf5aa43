"""What a database error means for the caller, on both backends.

Checks made before a write (uniqueness, version) can lose a race against a concurrent
transaction that commits in between; the database then refuses the write itself (a unique
index, a deadlock, a serialization failure). Those refusals are expected outcomes, not server
errors: this module recognises them so the write path can answer with the field or a retry hint.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.exc as sa_exc

from keyi.platform.schema import CompiledObject, index_name

# PostgreSQL SQLSTATEs: a retry of the whole transaction may succeed.
RETRYABLE_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
    }
)
UNIQUE_VIOLATION = "23505"
IN_FAILED_TRANSACTION = "25P02"


def _sqlstate(exc: sa_exc.DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def is_retryable(exc: BaseException) -> bool:
    """A deadlock, serialization failure or lock wait timeout: nothing was written.

    SQLite's "database is locked" (the busy timeout ran out behind another writer) is not one:
    it says the embedded database is too busy right now, answered as 503 with the other
    unavailable states (keyi.api.unavailable).
    """
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    return _sqlstate(exc) in RETRYABLE_SQLSTATES


def is_aborted_transaction(exc: BaseException) -> bool:
    """PostgreSQL refusing a statement because an earlier one already failed the transaction."""
    return isinstance(exc, sa_exc.DBAPIError) and _sqlstate(exc) == IN_FAILED_TRANSACTION


def unique_field(obj: CompiledObject, exc: BaseException) -> str | None:
    """The field of `obj` whose unique index refused the write, or None if it was not that."""
    if not isinstance(exc, sa_exc.IntegrityError):
        return None
    orig: Any = exc.orig
    if _sqlstate(exc) == UNIQUE_VIOLATION:
        constraint = getattr(getattr(orig, "diag", None), "constraint_name", None)
        for f in obj.definition.fields:
            if f.unique and constraint == index_name(obj.name, f"{f.name}_uq"):
                return f.name
        return None
    # SQLite: "UNIQUE constraint failed: <table>.<column>"
    text = str(orig)
    prefix = "UNIQUE constraint failed: "
    if not text.startswith(prefix):
        return None
    for target in text[len(prefix) :].split(","):
        table, _, column = target.strip().partition(".")
        found = obj.fields.get(column)
        if table == obj.name and found is not None and found.unique:
            return found.name
    return None
