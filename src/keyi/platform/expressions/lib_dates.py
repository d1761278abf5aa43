"""Date functions: TODAY, NOW, YEAR, MONTH, DAY, DATE, ADDDAYS, DAYSBETWEEN.

Day counts are truncated toward zero; impossible dates (DATE(2023, 2, 29)) and results outside
years 1-9999 are NULL rather than errors, so a bad row cannot break a whole list query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from keyi.platform.expressions import runtime as rt
from keyi.platform.expressions.kinds import DATELIKE, NUMBER, ValueType
from keyi.platform.expressions.spec import EvalContext, Spec, py1, signature
from keyi.platform.expressions.sqlgen import SqlContext, SqlExpr, Typed, binop


def _part_sql(part: str, start: int, length: int) -> Any:
    def build(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
        if ctx.pg:
            return sa.cast(sa.extract(part, args[0].el), sa.BigInteger())
        # Read the stored ISO text directly: SQLite's date functions round microseconds to
        # milliseconds, which can roll 23:59:59.9999995 into the next day (and year).
        return sa.cast(sa.func.substr(args[0].el, start, length), sa.BigInteger())

    return build


def sqlite_day(el: SqlExpr) -> SqlExpr:
    """The 'YYYY-MM-DD' part of a stored SQLite date or datetime."""
    return sa.func.substr(el, 1, 10, type_=sa.Text())


def _date_py(year: Any, month: Any, day: Any) -> date | None:
    try:
        return date(rt.truncate(year), rt.truncate(month), rt.truncate(day))
    except (ValueError, OverflowError):
        return None


def _date_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    if ctx.pg:
        year, month, day = (sa.func.trunc(ctx.numeric(arg), type_=sa.Numeric()) for arg in args)
        in_range = sa.and_(year.between(1, 9999), month.between(1, 12), day.between(1, 31))
        y, m, d = (sa.cast(part, sa.Integer()) for part in (year, month, day))
        first = sa.func.make_date(y, m, 1, type_=sa.Date())
        candidate = binop(first, "+", binop(d, "-", 1), sa.Date())
        same_month = sa.cast(sa.extract("month", candidate), sa.Integer()) == m
        # Nested CASE: when the range test folds to FALSE at plan time, make_date() on
        # constant out-of-range arguments is never evaluated.
        return sa.case((in_range, sa.case((same_month, candidate))))
    y, m, d = (sa.cast(arg.el, sa.BigInteger()) for arg in args)
    text = sa.func.printf(ctx.text("%04d-%02d-%02d"), y, m, d, type_=sa.Text())
    normalized = sa.func.date(text, ctx.text("+0 days"), type_=sa.Text())
    valid = sa.and_(y.between(1, 9999), m.between(1, 12), d.between(1, 31), normalized == text)
    return sa.case((valid, text))


def _adddays_py(value: date, count: Any) -> date | None:
    try:
        return value + timedelta(days=rt.truncate(count))
    except OverflowError:
        return None


_FIRST_DAY, _LAST_DAY = date(1, 1, 1), date(9999, 12, 31)
_LAST_ORDINAL = (_LAST_DAY - _FIRST_DAY).days


def _adddays_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    """Shift by whole days; results outside years 1-9999 are NULL, as in Python."""
    value = args[0]
    # 4 million days spans the whole 1-9999 range; the clamp keeps integer arithmetic safe.
    days = ctx.trunc_int(args[1], 4_000_000)
    if ctx.pg:
        # Test the target day number *before* shifting: PostgreSQL raises on timestamps beyond
        # its range, and drivers cannot load dates past 9999 even when PostgreSQL can.
        first = sa.literal(_FIRST_DAY, sa.Date())
        ordinal = binop(sa.cast(value.el, sa.Date()), "-", first, sa.Integer())
        in_range = binop(ordinal, "+", days, sa.Integer()).between(0, _LAST_ORDINAL)
        if value.kind is ValueType.DATETIME:
            interval = sa.func.make_interval(0, 0, 0, days)
            return sa.case((in_range, binop(value.el, "+", interval, sa.DateTime())))
        return sa.case((in_range, binop(value.el, "+", days, sa.Date())))
    modifier = binop(sa.cast(days, sa.Text()), "||", ctx.text(" days"), sa.Text())
    day = sa.func.date(sqlite_day(value.el), modifier, type_=sa.Text())
    shifted: SqlExpr = day
    if value.kind is ValueType.DATETIME:
        # Whole days never change the time of day: keep the stored time text verbatim.
        shifted = binop(day, "||", sa.func.substr(value.el, 11), sa.Text())
    in_range = day.between(ctx.text(_FIRST_DAY.isoformat()), ctx.text(_LAST_DAY.isoformat()))
    return sa.case((in_range, shifted))


def _daysbetween_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    first, second = args
    if ctx.pg:
        return binop(
            sa.cast(second.el, sa.Date()), "-", sa.cast(first.el, sa.Date()), sa.BigInteger()
        )
    days = [sa.func.julianday(sqlite_day(arg.el), type_=sa.Float()) for arg in (second, first)]
    return sa.cast(binop(days[0], "-", days[1]), sa.BigInteger())


def _today_py(ctx: EvalContext, _args: Sequence[Any]) -> date:
    return ctx.today


def _now_py(ctx: EvalContext, _args: Sequence[Any]) -> datetime:
    return ctx.now


def _same_kind(kinds: Sequence[ValueType]) -> ValueType:
    return kinds[0]


SPECS: list[Spec] = [
    Spec(
        "TODAY",
        0,
        0,
        signature(returns=ValueType.DATE, name="TODAY"),
        _today_py,
        lambda ctx, _args, _kind: sa.literal(ctx.today, sa.Date()),
    ),
    Spec(
        "NOW",
        0,
        0,
        signature(returns=ValueType.DATETIME, name="NOW"),
        _now_py,
        lambda ctx, _args, _kind: sa.literal(ctx.now, sa.DateTime()),
    ),
    Spec(
        "YEAR",
        1,
        1,
        signature(DATELIKE, returns=ValueType.INTEGER, name="YEAR"),
        py1(lambda value: value.year),
        _part_sql("year", 1, 4),
    ),
    Spec(
        "MONTH",
        1,
        1,
        signature(DATELIKE, returns=ValueType.INTEGER, name="MONTH"),
        py1(lambda value: value.month),
        _part_sql("month", 6, 2),
    ),
    Spec(
        "DAY",
        1,
        1,
        signature(DATELIKE, returns=ValueType.INTEGER, name="DAY"),
        py1(lambda value: value.day),
        _part_sql("day", 9, 2),
    ),
    Spec(
        "DATE",
        3,
        3,
        signature(NUMBER, NUMBER, NUMBER, returns=ValueType.DATE, name="DATE"),
        py1(_date_py),
        _date_sql,
    ),
    Spec(
        "ADDDAYS",
        2,
        2,
        signature(DATELIKE, NUMBER, returns=_same_kind, name="ADDDAYS"),
        py1(_adddays_py),
        _adddays_sql,
    ),
    Spec(
        "DAYSBETWEEN",
        2,
        2,
        signature(DATELIKE, DATELIKE, returns=ValueType.INTEGER, name="DAYSBETWEEN"),
        py1(lambda first, second: (rt.as_date(second) - rt.as_date(first)).days),
        _daysbetween_sql,
    ),
]
