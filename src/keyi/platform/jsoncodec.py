"""JSON that keeps decimals exact: Decimal values are written with their digits, verbatim.

Amounts are `Decimal` from the database to the wire. A float cannot hold 1234567890123456.78
(it becomes …6.8), so no float is made on the way: orjson writes each Decimal as a raw JSON
number (`orjson.Fragment`) — still a number for clients, with exactly the stored digits — and
is also the fastest encoder for list pages. Used for HTTP responses and for the JSON columns
(history, outbox, idempotency answers), so every copy of a value has the same digits.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

OPTIONS = orjson.OPT_NON_STR_KEYS


def decimal_text(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: Decimal('12.5000') → '12.5'."""
    if not value.is_finite():
        raise TypeError("NaN and infinity are not JSON numbers")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(decimal_text(value))
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _fallback(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(content: Any) -> bytes:
    """Compact UTF-8 JSON. What orjson refuses (integers beyond 64 bits, lone surrogates) is
    written by the standard library instead, escaped to ASCII, so encoding never fails on
    content the standard encoder accepted before."""
    try:
        return orjson.dumps(content, default=_default, option=OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(content, default=_fallback, separators=(",", ":")).encode()


def dumps_text(content: Any) -> str:
    """`dumps` as text: the serializer of the engines' JSON columns."""
    return dumps(content).decode()


def loads_exact(data: bytes | str) -> Any:
    """Parse JSON keeping every digit of non-integer numbers (as Decimal)."""
    return json.loads(data, parse_float=Decimal)
