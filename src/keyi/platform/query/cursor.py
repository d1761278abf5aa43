"""Opaque keyset cursors: the last row's sort values, tied to the sort they were made for."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
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
            return Decimal(value["n"])
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
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")]) from None
