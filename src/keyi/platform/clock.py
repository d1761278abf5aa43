"""The platform's clock: naive UTC, the storage convention of every timestamp column.

A leaf module, so the control-database services (sign-in, user administration) and the
tenancy module that runs them can all read the time without importing each other.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
