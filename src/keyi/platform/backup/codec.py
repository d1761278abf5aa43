"""Table rows as database-neutral JSON Lines: one JSON array per row, typed by column kind.

A value is written so that both databases read it back identically: decimals as strings (every
digit kept), datetimes as ISO 8601 with their zone (Keyi stores naive UTC, written with
``+00:00``), bytes as base64, JSON columns as their stored text (read with a cast, so a number
inside keeps its digits rather than passing through a float). The kind of each column is named
in the manifest, and the restoring side decodes by the kind of *its* column of that name.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa

Kind = str
KINDS = ("string", "int", "float", "decimal", "bool", "datetime", "date", "time", "uuid")
KINDS_ALL = (*KINDS, "json", "bytes")


def column_kind(column: sa.Column[Any]) -> Kind:
    """The archive kind of a column, from its SQLAlchemy type (decorators unwrapped)."""
    type_ = column.type
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sa.JSON):
        return "json"
    if isinstance(type_, sa.LargeBinary):
        return "bytes"
    if isinstance(type_, sa.Boolean):
        return "bool"
    if isinstance(type_, sa.DateTime):
        return "datetime"
    if isinstance(type_, sa.Date):
        return "date"
    if isinstance(type_, sa.Time):
        return "time"
    if isinstance(type_, sa.Float):
        return "float"
    if isinstance(type_, sa.Numeric):
        return "decimal"
    if isinstance(type_, sa.Integer):
        return "int"
    if isinstance(type_, sa.Uuid):
        return "uuid"
    return "string"


def select_expression(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """What to select for a column: JSON as its stored text, everything else as it is."""
    if column_kind(column) == "json":
        return sa.cast(column, sa.Text).label(column.name)
    return column


def _datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def encode_value(value: Any) -> Any:
    """A stored value as a JSON-ready one (the column's kind tells the reader how to read it)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)  # uuid.UUID and other scalar types with a canonical text


def encode_row(values: tuple[Any, ...] | list[Any]) -> bytes:
    return orjson.dumps([encode_value(v) for v in values]) + b"\n"


def _to_naive_utc(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _to_aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _identity(value: Any) -> Any:
    return value


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _json_text(value: Any) -> str:
    # A value archived as text is the stored JSON document; anything else was a parsed value.
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def decoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """The function turning an archived value into what this column stores."""
    kind = column_kind(column)
    if kind == "decimal":
        return _decimal
    if kind == "datetime":
        timezone = getattr(column.type, "timezone", False)
        return _to_aware if timezone else _to_naive_utc
    if kind == "date":
        return date.fromisoformat
    if kind == "time":
        return time.fromisoformat
    if kind == "bytes":
        return base64.b64decode
    if kind == "json":
        return _json_text
    if kind == "float":
        return float
    if kind == "int":
        return int
    if kind == "bool":
        return bool
    if kind == "string":
        return str
    return _identity


def decode_row(decoders: list[Callable[[Any], Any]], values: list[Any]) -> list[Any]:
    return [None if v is None else d(v) for d, v in zip(decoders, values, strict=True)]
