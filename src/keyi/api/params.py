"""Path, query and body parameter checks shared by routes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from keyi.platform.errors import FieldError, NotFound, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Only a JSON escape (\ud800) or raw CESU-8 bytes (0xED 0xA0-0xBF …; Python's JSON decoder
# passes them through) can put a lone surrogate into parsed JSON. Bodies without either are
# not walked, so ordinary writes pay one byte search.
SURROGATE_MARKERS = (b"\\u", b"\\U", b"\xed")


def uuid_param(value: str, code: str = "not_found") -> str:
    """A record/view id from the path; anything that is not a UUID is simply not found."""
    if not UUID_RE.match(value):
        raise NotFound(code)
    return value.lower()


def _is_text(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone UTF-16 surrogate: no database can store it
        return False
    return True


def invalid_text_path(value: Any, root: str) -> str | None:
    """The path (`records.0.name`) of the first string or key holding a lone surrogate.

    Iterative, so a deeply nested document cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [(root, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if not _is_text(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and not _is_text(key):
                    return path
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}" if path else str(i), child) for i, child in enumerate(item))
    return None


def check_text(value: Any, root: str) -> None:
    """Refuse, naming the parameter, text that cannot be stored (lone surrogates)."""
    path = invalid_text_path(value, root)
    if path is not None:
        raise ValidationFailed([FieldError(path or "body", "invalid_unicode")])


async def valid_body_text(request: Request) -> None:
    """App-wide dependency: a JSON body with a lone surrogate is a 422 naming the field, not a
    500 from the database driver. Runs after FastAPI parsed the body (the parse is cached)."""
    if request.method in SAFE_METHODS:
        return
    raw = await request.body()
    if not raw or not any(marker in raw for marker in SURROGATE_MARKERS):
        return
    try:
        parsed = await request.json()
    except (ValueError, RecursionError):  # not JSON: FastAPI answers for it, or nobody reads it
        return
    check_text(parsed, "")


def json_param(raw: str | None, name: str, code: str = "invalid_filter") -> Any:
    """A JSON document in a query parameter (`?filter=`), parsed and checked like a body."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ValidationFailed([FieldError(name, code, {"reason": "not JSON"})]) from None
    except RecursionError:
        raise ValidationFailed([FieldError(name, code, {"reason": "nested too deeply"})]) from None
    check_text(value, name)
    return value
