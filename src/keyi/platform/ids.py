"""Record identifiers: UUIDv7, so ids sort by creation time and keep B-tree inserts local."""

from __future__ import annotations

import uuid6


def new_id() -> str:
    """A new UUIDv7 as its canonical 36-character string."""
    return str(uuid6.uuid7())
