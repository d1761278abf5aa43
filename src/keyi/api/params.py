"""Path and query parameter parsing shared by routes."""

from __future__ import annotations

from keyi.platform.errors import NotFound
from keyi.platform.fieldtypes import UUID_RE


def uuid_param(value: str, code: str = "not_found") -> str:
    """A record/view id from the path; anything that is not a UUID is simply not found."""
    if not UUID_RE.match(value):
        raise NotFound(code)
    return value.lower()
