"""Python-side semantics shared by the function table (numbers, text conversion, comparison).

The rules here are chosen so that SQLite and PostgreSQL can reproduce them exactly: integer
arithmetic is exact, ``/`` always yields a decimal, text conversion of numbers shows at most
:data:`TEXT_DECIMALS` places, case mapping is ASCII-only and trimming removes only
:data:`TRIM_CHARS`. Decimal work uses a private context so a caller's thread-local decimal
settings can never change a formula's result.
"""

from __future__ import annotations

import math
import re
import string
from datetime import UTC, date, datetime, time
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Any

from keyi.platform.expressions.errors import ExpressionError
from keyi.platform.expressions.kinds import ValueType, type_of_value

DECIMAL_CONTEXT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
#: Decimal places kept when a number is turned into text (TEXT, ``&``, CONCAT).
TEXT_DECIMALS = 10
#: Characters removed by TRIM and around VALUE's input (what SQL trim()/btrim() can mirror).
TRIM_CHARS = " \t\n\r"
#: ROUND's digit argument is clamped to this range so quantisation stays cheap.
MAX_ROUND_DIGITS = 100
_COUNT_CLAMP = 10**12
NUMBER_PATTERN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

Number = int | Decimal


# --------------------------------------------------------------------------- inputs / outputs
def normalize_input(value: Any) -> tuple[Any, ValueType]:
    """Bring a caller-supplied field value into the language's value space.

    floats become Decimals through their shortest repr (``0.1`` -> ``Decimal('0.1')``) so they
    compare equal to decimal literals as they do in SQL; aware datetimes become naive UTC.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionError(f"Non-finite number {value!r} is not supported")
        value = Decimal(repr(value))
    elif isinstance(value, Decimal) and not value.is_finite():
        raise ExpressionError(f"Non-finite number {value!r} is not supported")
    elif isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    kind = type_of_value(value)
    if kind is None:
        raise ExpressionError(f"Unsupported value of type {type(value).__name__}")
    return value, kind


def default_now() -> datetime:
    """NOW() when the caller gives none: naive UTC, the storage convention of the platform."""
    return datetime.now(UTC).replace(tzinfo=None)


def finalize(value: Any, kind: ValueType) -> Any:
    """Give results of numeric type a stable Python type: int for INTEGER, Decimal for DECIMAL."""
    if value is None:
        return None
    if kind is ValueType.DECIMAL and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


# --------------------------------------------------------------------------- numbers
def to_decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def both_int(a: Number, b: Number) -> bool:
    return isinstance(a, int) and isinstance(b, int)


def add(a: Number, b: Number) -> Number:
    return a + b if both_int(a, b) else DECIMAL_CONTEXT.add(to_decimal(a), to_decimal(b))


def subtract(a: Number, b: Number) -> Number:
    return a - b if both_int(a, b) else DECIMAL_CONTEXT.subtract(to_decimal(a), to_decimal(b))


def multiply(a: Number, b: Number) -> Number:
    return a * b if both_int(a, b) else DECIMAL_CONTEXT.multiply(to_decimal(a), to_decimal(b))


def divide(a: Number, b: Number) -> Decimal | None:
    """``/`` is always decimal division; dividing by zero yields NULL, as NULLIF does in SQL."""
    if b == 0:
        return None
    return DECIMAL_CONTEXT.divide(to_decimal(a), to_decimal(b))


def negate(a: Number) -> Number:
    return -a if isinstance(a, int) else DECIMAL_CONTEXT.minus(a)


def modulo(a: Number, b: Number) -> Number | None:
    """Remainder with the sign of the dividend (truncated division), as SQL's ``%``/``mod``."""
    if b == 0:
        return None
    if both_int(a, b):
        assert isinstance(a, int) and isinstance(b, int)
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder
    return DECIMAL_CONTEXT.remainder(to_decimal(a), to_decimal(b))


def truncate(value: Number) -> int:
    """Integer part toward zero: how LEFT, ADDDAYS, DATE and ROUND read their counts.

    Clamped, because counts beyond a trillion mean the same as a trillion for every user of them
    and converting an astronomically large Decimal to int would be slow.
    """
    return int(max(-_COUNT_CLAMP, min(_COUNT_CLAMP, value)))


def round_half_up(value: Number, digits: int) -> Number:
    """Round half away from zero (Excel, SQLite round(), PostgreSQL round(numeric))."""
    digits = max(-MAX_ROUND_DIGITS, min(MAX_ROUND_DIGITS, digits))
    if isinstance(value, int) and digits >= 0:
        return value
    exact = to_decimal(value)
    context = Context(prec=max(28, exact.adjusted() + digits + 3), rounding=ROUND_HALF_UP)
    rounded = exact.quantize(Decimal(1).scaleb(-digits), context=context)
    return int(rounded) if isinstance(value, int) else rounded


# --------------------------------------------------------------------------- text
def number_to_text(value: Number) -> str:
    """Integers verbatim; decimals rounded half-up to TEXT_DECIMALS places, without trailing 0s."""
    if isinstance(value, int):
        return str(value)
    context = Context(prec=max(28, value.adjusted() + TEXT_DECIMALS + 3), rounding=ROUND_HALF_UP)
    rounded = value.quantize(Decimal(1).scaleb(-TEXT_DECIMALS), context=context)
    if rounded == 0:
        return "0"
    text = format(rounded, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_text(value: Any) -> str | None:
    """TEXT(): the one conversion used by TEXT, ``&`` and CONCAT."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return number_to_text(value)
    if isinstance(value, datetime):
        return (
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
            f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
        )
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    raise ExpressionError(f"Cannot convert {type(value).__name__} to text")


def parse_number(text: str) -> Number | None:
    """VALUE(): a plain decimal numeral (optional sign, no exponent) or NULL."""
    stripped = text.strip(TRIM_CHARS)
    if not NUMBER_PATTERN.fullmatch(stripped):
        return None
    return Decimal(stripped) if "." in stripped else int(stripped)


def ascii_upper(text: str) -> str:
    return text.translate(_UPPER)


def ascii_lower(text: str) -> str:
    return text.translate(_LOWER)


def is_blank(value: Any) -> bool:
    return value is None or value == ""


# --------------------------------------------------------------------------- comparison
def _align(a: Any, b: Any) -> tuple[Any, Any]:
    """Compare a date with a datetime as midnight of that date (what SQL does)."""
    a_dt, b_dt = isinstance(a, datetime), isinstance(b, datetime)
    if a_dt and not b_dt and isinstance(b, date):
        return a, datetime.combine(b, time.min)
    if b_dt and not a_dt and isinstance(a, date):
        return datetime.combine(a, time.min), b
    return a, b


def equal(a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    a, b = _align(a, b)
    return bool(a == b)


def order(a: Any, b: Any) -> int | None:
    """-1/0/1 like a SQL ordering comparison; strings by code point (SQL COLLATE "C")."""
    if a is None or b is None:
        return None
    a, b = _align(a, b)
    return -1 if a < b else (1 if a > b else 0)


def as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value
