"""Record identifiers: UUIDv7, so ids sort by creation time and keep B-tree inserts local."""

from __future__ import annotations

import uuid

import uuid6


def is_id(value: object) -> bool:
    """Whether ``value`` is a UUID string (any version): ids from a request are checked before
    they reach a query, where PostgreSQL would refuse them with an error."""
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def new_id() -> str:
    """A new UUIDv7 as its canonical 36-character string."""
    return str(uuid6.uuid7())
