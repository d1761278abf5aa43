"""SQL-side building blocks shared by the function table (SQLAlchemy Core, two dialects).

Design notes (each point was forced by a Python-vs-SQL difference found in testing):

* PostgreSQL arithmetic is done in ``NUMERIC``: psycopg binds small ints as ``int2``/``int4`` and
  ``200 * 200`` would overflow, while Python integers never do.
* SQLite has no decimal type, so ``/`` is done in ``REAL`` (``CAST(7 AS NUMERIC)/2`` is integer
  division there) and decimals are IEEE doubles: results agree with Python within float precision.
* Text ordering uses ``COLLATE "C"`` on PostgreSQL, giving code-point order like Python and SQLite.
* Dates on SQLite are ``YYYY-MM-DD`` text and datetimes SQLAlchemy's
  ``YYYY-MM-DD HH:MM:SS.ffffff`` text, so ordering on the text is chronological. Date parts are
  read from that text because SQLite's date functions round microseconds (23:59:59.9999995 can
  become the next day).
* SQLite's optional math functions (floor, mod...) are not relied upon: builds differ.
* NULL must survive every translation: LEAST/GREATEST and printf() swallow it, hence CASEs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import (
    BindParameter,
    Case,
    Cast,
    ColumnClause,
    ColumnElement,
    False_,
    Grouping,
    Null,
    True_,
)
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from keyi.platform.expressions.kinds import ValueType
from keyi.platform.expressions.runtime import TEXT_DECIMALS, TRIM_CHARS

SqlExpr = ColumnElement[Any]
_NO_CONST = object()
_INT64 = 2**63
_COUNT_LIMIT = 1_000_000_000


_ATOMIC = (ColumnClause, BindParameter, FunctionElement, Cast, Case, Grouping, Null, True_, False_)


def grouped(element: SqlExpr) -> SqlExpr:
    """Parenthesise anything but an atom.

    SQLAlchemy gives ``.op()`` operators the lowest precedence and so would render
    ``b = (x IS NOT NULL)`` as ``b = x IS NOT NULL``, which SQL reads as ``(b = x) IS NOT NULL``.
    """
    return element if isinstance(element, _ATOMIC) else Grouping(element)


def binop(
    left: SqlExpr,
    op: str,
    right: SqlExpr | int,
    return_type: TypeEngine[Any] | type[TypeEngine[Any]] | None = None,
    comparison: bool = False,
) -> SqlExpr:
    """``left op right`` with both operands safely grouped (every custom operator goes here)."""
    if isinstance(right, int):
        right = sa.literal(right, sa.Integer())
    if comparison:
        return_type = sa.Boolean()
    operator = grouped(left).op(op, is_comparison=comparison, return_type=return_type)
    result: SqlExpr = operator(grouped(right))
    return result


@dataclass(frozen=True, slots=True)
class Typed:
    """A compiled sub-expression with its language type; ``const`` holds literal values."""

    el: SqlExpr
    kind: ValueType
    const: object = _NO_CONST

    @property
    def is_const(self) -> bool:
        return self.const is not _NO_CONST


class IntegerResult(TypeDecorator[int]):
    """Result type for INTEGER expressions: PostgreSQL computes them in NUMERIC, give back int."""

    impl = sa.BigInteger
    cache_ok = True

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Any:
        return _to_int


class DecimalResult(TypeDecorator[Decimal]):
    """Result type for DECIMAL expressions: always ``Decimal`` (SQLite floats via their repr).

    SQLAlchemy's own Numeric processor on SQLite rounds to 10 places; this one is lossless.
    """

    impl = sa.Numeric
    cache_ok = True

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Any:
        return _to_decimal


# A formula result past what its type holds (SQLite computes in floats and overflows to
# infinity; PostgreSQL's NUMERIC has no such bound) reads as empty, never as a server error,
# the same on both databases.
INTEGER_RANGE = range(-(2**63), 2**63)


def _to_int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    number = int(value)
    return number if number in INTEGER_RANGE else None


def _to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        value = Decimal(repr(value))
    number = value if isinstance(value, Decimal) else Decimal(value)
    # Past the double range (about 1.8e308) no JSON client could read it back.
    return number if number.is_finite() and math.isfinite(float(number)) else None


def result_type(kind: ValueType) -> TypeEngine[Any]:
    """SQLAlchemy type given to the final expression so rows come back as Python values."""
    types: dict[ValueType, TypeEngine[Any]] = {
        ValueType.INTEGER: IntegerResult(),
        ValueType.DECIMAL: DecimalResult(),
        ValueType.TEXT: sa.Text(),
        ValueType.BOOLEAN: sa.Boolean(),
        ValueType.DATE: sa.Date(),
        ValueType.DATETIME: sa.DateTime(),
        ValueType.NULL: sa.types.NullType(),
    }
    return types[kind]


def _cast_type(kind: ValueType) -> TypeEngine[Any]:
    types: dict[ValueType, TypeEngine[Any]] = {
        ValueType.INTEGER: sa.BigInteger(),
        ValueType.DECIMAL: sa.Numeric(),
        ValueType.TEXT: sa.Text(),
        ValueType.BOOLEAN: sa.Boolean(),
        ValueType.DATE: sa.Date(),
        ValueType.DATETIME: sa.DateTime(),
        ValueType.NULL: sa.Text(),
    }
    return types[kind]


def kind_of_sql_type(sql_type: TypeEngine[Any]) -> ValueType | None:
    """Language type of a column, or None when the column type has no counterpart."""
    while isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    if isinstance(sql_type, sa.Boolean):
        return ValueType.BOOLEAN
    if isinstance(sql_type, sa.Integer):
        return ValueType.INTEGER
    if isinstance(sql_type, sa.Numeric):
        return ValueType.DECIMAL
    if isinstance(sql_type, sa.String):
        return ValueType.TEXT
    if isinstance(sql_type, sa.DateTime):
        return ValueType.DATETIME
    if isinstance(sql_type, sa.Date):
        return ValueType.DATE
    return None


@dataclass(frozen=True, slots=True)
class SqlContext:
    """Dialect plus the fixed clock: TODAY()/NOW() are bound values so results are reproducible."""

    dialect: str
    today: date
    now: datetime

    @property
    def pg(self) -> bool:
        return self.dialect == "postgresql"

    # ------------------------------------------------------------------ literals
    def literal(self, value: Any, kind: ValueType) -> SqlExpr:
        if kind is ValueType.NULL:
            return sa.null()
        if kind is ValueType.BOOLEAN:
            return sa.true() if value else sa.false()
        if kind is ValueType.INTEGER:
            if -_INT64 <= value < _INT64:
                return sa.literal(value, sa.BigInteger())
            return sa.literal(Decimal(value), sa.Numeric())
        return sa.literal(value, _cast_type(kind))

    def text(self, value: str) -> SqlExpr:
        return sa.literal(value, sa.Text())

    def integer(self, value: int) -> SqlExpr:
        return sa.literal(value, sa.BigInteger())

    def null(self, kind: ValueType) -> SqlExpr:
        """A NULL with a definite type, so PostgreSQL never has to guess one."""
        if kind is ValueType.NULL:
            return sa.null()
        return sa.cast(sa.null(), _cast_type(kind))

    def typed_null_or(self, arg: Typed, kind: ValueType) -> SqlExpr:
        return self.null(kind) if arg.kind is ValueType.NULL else arg.el

    # ------------------------------------------------------------------ numbers
    def numeric(self, arg: Typed) -> SqlExpr:
        """Operand for arithmetic: NUMERIC on PostgreSQL (exact, no overflow), as-is on SQLite."""
        if not self.pg:
            return arg.el
        sql_type = arg.el.type
        if isinstance(sql_type, sa.Numeric) and not isinstance(sql_type, sa.Float):
            return arg.el
        return sa.cast(arg.el, sa.Numeric())

    def real(self, arg: Typed) -> SqlExpr:
        """SQLite operand for true division (SQLite has no decimal type)."""
        return sa.cast(arg.el, sa.Float())

    def trunc_int(self, arg: Typed, limit: int = _COUNT_LIMIT) -> SqlExpr:
        """Integer part toward zero as an SQL integer (counts for LEFT, ADDDAYS, ROUND...).

        PostgreSQL's CAST to integer rounds, so truncate first; the clamp keeps the cast from
        overflowing (counts beyond a billion are meaningless for strings and dates).
        """
        if self.pg:
            # CASE rather than LEAST/GREATEST, which would turn a NULL count into a bound.
            whole = sa.func.trunc(self.numeric(arg), type_=sa.Numeric())
            limited = sa.case((whole < -limit, -limit), (whole > limit, limit), else_=whole)
            return sa.cast(limited, sa.Integer())
        return sa.cast(arg.el, sa.Integer())

    # ------------------------------------------------------------------ text
    def to_text(self, arg: Typed) -> SqlExpr:
        """SQL mirror of :func:`runtime.to_text`."""
        kind, el = arg.kind, arg.el
        if kind is ValueType.TEXT:
            return el
        if kind is ValueType.NULL:
            return self.null(ValueType.TEXT)
        if kind is ValueType.BOOLEAN:
            return sa.case((el, self.text("TRUE")), (sa.not_(el), self.text("FALSE")))
        if kind in (ValueType.INTEGER, ValueType.DECIMAL):
            return self._number_to_text(arg)
        if kind is ValueType.DATE:
            if self.pg:
                return sa.func.to_char(el, self.text("YYYY-MM-DD"), type_=sa.Text())
            return sa.func.substr(el, 1, 10, type_=sa.Text())
        if self.pg:
            return sa.func.to_char(el, self.text("YYYY-MM-DD HH24:MI:SS"), type_=sa.Text())
        # The stored ISO text itself: strftime() would round microseconds into the next second.
        seconds = sa.func.substr(el, 1, 19, type_=sa.Text())
        return sa.func.replace(seconds, self.text("T"), self.text(" "), type_=sa.Text())

    def _number_to_text(self, arg: Typed) -> SqlExpr:
        if self.pg:
            rounded = sa.func.round(self.numeric(arg), TEXT_DECIMALS)
            return sa.cast(sa.func.trim_scale(rounded), sa.Text())
        el = arg.el
        as_text = sa.cast(el, sa.Text())
        if arg.kind is ValueType.INTEGER:
            return as_text
        fixed = sa.func.printf(self.text(f"%.{TEXT_DECIMALS}f"), el)
        stripped = sa.func.rtrim(sa.func.rtrim(fixed, self.text("0")), self.text("."))
        # printf() turns NULL into 0.000..., so NULL is tested first.
        return sa.case(
            (Grouping(el).is_(None), self.null(ValueType.TEXT)),
            (sa.func.typeof(el) == "integer", as_text),
            (sa.func.round(el, TEXT_DECIMALS) == 0, self.text("0")),
            else_=stripped,
        )

    def concat(self, parts: Sequence[SqlExpr]) -> SqlExpr:
        result = parts[0]
        for part in parts[1:]:
            result = binop(result, "||", part, sa.Text())
        return result

    def trim(self, el: SqlExpr) -> SqlExpr:
        name = "btrim" if self.pg else "trim"
        return getattr(sa.func, name)(el, self.text(TRIM_CHARS), type_=sa.Text())

    def collate_c(self, arg: Typed) -> SqlExpr:
        """Code-point ordering for text on PostgreSQL (SQLite's BINARY collation already is)."""
        if self.pg and arg.kind is ValueType.TEXT:
            return arg.el.collate("C")
        return arg.el

    # ------------------------------------------------------------------ dates
    def promote_to_datetime(self, arg: Typed) -> SqlExpr:
        """A DATE used where a DATETIME is compared: midnight, in the storage format."""
        if arg.kind is not ValueType.DATE:
            return arg.el
        if self.pg:
            return sa.cast(arg.el, sa.DateTime())
        return binop(arg.el, "||", self.text(" 00:00:00.000000"), sa.Text())

    # ------------------------------------------------------------------ comparison
    def compare(self, op: str, left: Typed, right: Typed) -> SqlExpr:
        lk, rk = left.kind, right.kind
        if ValueType.NULL in (lk, rk):
            return self.null(ValueType.BOOLEAN)
        a, b = left.el, right.el
        if {lk, rk} == {ValueType.DATE, ValueType.DATETIME}:
            a, b = self.promote_to_datetime(left), self.promote_to_datetime(right)
        elif op not in ("=", "!=") and lk is ValueType.TEXT:
            a, b = self.collate_c(left), self.collate_c(right)
        return binop(a, "<>" if op == "!=" else op, b, comparison=True)

    def is_blank(self, arg: Typed) -> SqlExpr:
        if arg.kind is ValueType.NULL:
            return sa.true()
        if arg.kind is ValueType.TEXT:
            blank = sa.func.coalesce(arg.el, self.text(""), type_=sa.Text())
            return binop(blank, "=", self.text(""), comparison=True)
        # Parenthesised: SQLAlchemy renders NOT x IS NULL for not_(x).is_(None), which both
        # databases read as NOT (x IS NULL) (ISBLANK(NOT (d = d)) was FALSE for a NULL d).
        return Grouping(arg.el).is_(None)
