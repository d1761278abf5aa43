"""Opaque keyset cursors: the last row's sort values, tied to the sort they were made for."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from keyi.platform.errors import FieldError, ValidationFailed


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "n" in value:
            number = Decimal(value["n"])
            if not number.is_finite():
                raise ValueError("not a finite number")
            return number
    return value


def sort_signature(sort_keys: list[tuple[str, str]]) -> str:
    text = ",".join(f"{path}:{direction}" for path, direction in sort_keys)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode(values: list[Any], signature: str) -> str:
    payload = json.dumps(
        {"s": signature, "v": [_encode_value(v) for v in values]}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(cursor: str, signature: str, count: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if data["s"] != signature or len(data["v"]) != count:
            raise ValueError("cursor made for another sort")
        return [_decode_value(v) for v in data["v"]]
    except (
        ValueError,
        KeyError,
        TypeError,
        InvalidOperation,
        json.JSONDecodeError,
        UnicodeDecodeError,
    ):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")]) from None


def check_types(values: list[Any], columns: list[Any]) -> None:
    """Refuse a cursor whose values do not fit the sort columns.

    Cursors come back from clients, so a forged one may carry any JSON: a string where the
    column holds times, a number for an id. Bound as they are, those would fail inside the
    database driver (a server error) instead of being refused as a bad cursor.
    """
    for value, column in zip(values, columns, strict=True):
        if value is None:
            continue
        try:
            expected = column.type.python_type
        except NotImplementedError:  # an expression without a Python type: nothing to check
            continue
        if expected is bool:
            fits = isinstance(value, bool)
        elif isinstance(value, bool):
            fits = False
        elif expected in (float, Decimal):
            fits = isinstance(value, int | float | Decimal)
        elif expected is date:
            fits = isinstance(value, date)
        else:
            fits = isinstance(value, expected)
        if not fits:
            raise ValidationFailed([FieldError("cursor", "invalid_cursor")])
