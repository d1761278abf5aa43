"""Value types of the language and the typing rules shared by every backend.

Python evaluation, SQL compilation and :func:`infer_type` all run the *same* rules over the tree,
so an expression is accepted or rejected identically everywhere. The only difference is where field
types come from: metadata (``infer_type``), SQLAlchemy column types (``compile_sql``) or the runtime
values themselves (``evaluate``, where a ``None`` value has type ``NULL``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


class ValueType(enum.Enum):
    """Static type of an expression. ``NULL`` is the type of the literal NULL only."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    NULL = "null"

    @property
    def label(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Category:
    """A set of acceptable argument types with a human name for error messages."""

    label: str
    members: frozenset[ValueType]

    def accepts(self, kind: ValueType) -> bool:
        return kind is ValueType.NULL or kind in self.members


NUMBER = Category("a number", frozenset({ValueType.INTEGER, ValueType.DECIMAL}))
TEXT = Category("text", frozenset({ValueType.TEXT}))
BOOLEAN = Category("a boolean", frozenset({ValueType.BOOLEAN}))
DATELIKE = Category("a date or datetime", frozenset({ValueType.DATE, ValueType.DATETIME}))
ANY = Category("any value", frozenset(ValueType))


class TypeRuleError(Exception):
    """Raised by a typing rule; ``arg_index`` lets the caller point at the offending argument."""

    def __init__(self, message: str, arg_index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.arg_index = arg_index


def is_numeric(kind: ValueType) -> bool:
    return kind in NUMBER.members


def require(kinds: Sequence[ValueType], index: int, category: Category, what: str) -> None:
    """Fail unless argument ``index`` belongs to ``category`` (NULL always fits)."""
    kind = kinds[index]
    if not category.accepts(kind):
        raise TypeRuleError(f"{what} needs {category.label}, got {kind.label}", index)


def unify(kinds: Sequence[ValueType], what: str, first_index: int = 0) -> ValueType:
    """Common type of values that may flow into the same result (IF branches, MIN arguments...).

    INTEGER widens to DECIMAL and NULL fits anything; DATE and DATETIME are deliberately *not*
    unified, because backends would then disagree on the Python type of the result.
    """
    result = ValueType.NULL
    for offset, kind in enumerate(kinds):
        if kind is ValueType.NULL or kind is result:
            continue
        if result is ValueType.NULL:
            result = kind
        elif is_numeric(kind) and is_numeric(result):
            result = ValueType.DECIMAL
        else:
            raise TypeRuleError(
                f"{what} mixes {result.label} and {kind.label}", first_index + offset
            )
    return result


def comparable(left: ValueType, right: ValueType) -> bool:
    """Whether ``=``/``<`` may relate the two types (dates compare with datetimes at midnight)."""
    if ValueType.NULL in (left, right) or left is right:
        return True
    if is_numeric(left) and is_numeric(right):
        return True
    return left in DATELIKE.members and right in DATELIKE.members


def type_of_value(value: object) -> ValueType | None:
    """Type of an (already normalised) Python value, or None when the language has no such type."""
    if value is None:
        return ValueType.NULL
    if isinstance(value, bool):
        return ValueType.BOOLEAN
    if isinstance(value, int):
        return ValueType.INTEGER
    if isinstance(value, Decimal):
        return ValueType.DECIMAL
    if isinstance(value, str):
        return ValueType.TEXT
    if isinstance(value, datetime):
        return ValueType.DATETIME
    if isinstance(value, date):
        return ValueType.DATE
    return None
