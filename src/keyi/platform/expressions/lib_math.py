"""Numeric functions: ROUND, ABS, FLOOR, CEILING, MOD, MIN, MAX."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from keyi.platform.expressions import runtime as rt
from keyi.platform.expressions.kinds import NUMBER, ValueType, unify
from keyi.platform.expressions.lib_operators import numeric_kind
from keyi.platform.expressions.spec import Spec, py1, signature
from keyi.platform.expressions.sqlgen import SqlContext, SqlExpr, Typed, binop


def _as_integer(ctx: SqlContext, el: SqlExpr, kind: ValueType) -> SqlExpr:
    """Keep INTEGER results integers in SQLite storage (round() returns REAL there)."""
    if not ctx.pg and kind is ValueType.INTEGER:
        return sa.cast(el, sa.BigInteger())
    return el


# --------------------------------------------------------------------------- ROUND
def _round_py(_ctx: Any, args: Sequence[Any]) -> Any:
    digits = rt.truncate(args[1]) if len(args) > 1 else 0
    return rt.round_half_up(args[0], digits)


def _round_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    value = args[0]
    if ctx.pg:
        places = (
            ctx.trunc_int(args[1], rt.MAX_ROUND_DIGITS)
            if len(args) > 1
            else sa.literal(0, sa.Integer())
        )
        return sa.func.round(ctx.numeric(value), places, type_=sa.Numeric())
    if len(args) == 1:
        return _as_integer(ctx, sa.func.round(value.el, type_=sa.Numeric()), kind)
    digits_arg = args[1]
    constant = digits_arg.const if digits_arg.is_const else None
    if isinstance(constant, int | Decimal) and not isinstance(constant, bool):
        digits = max(-rt.MAX_ROUND_DIGITS, min(rt.MAX_ROUND_DIGITS, int(constant)))
        if digits < 0:
            # SQLite's round() treats negative digits as 0: scale down, round, scale back up.
            factor = sa.literal(float(10**-digits), sa.Float())
            scaled = sa.func.round(binop(ctx.real(value), "/", factor), type_=sa.Numeric())
            return _as_integer(ctx, binop(scaled, "*", factor, sa.Numeric()), kind)
        return _as_integer(ctx, sa.func.round(value.el, digits, type_=sa.Numeric()), kind)
    # Digits known only at run time: a small lookup table supplies 10**-digits for the
    # negative case, since SQLite's core has no power function.
    digits_el = ctx.trunc_int(digits_arg, rt.MAX_ROUND_DIGITS)
    lookup = sa.case(
        *((digits_el == -k, sa.literal(float(10**k), sa.Float())) for k in range(1, 23)),
        else_=sa.literal(1e100, sa.Float()),
    )
    scaled = sa.func.round(binop(ctx.real(value), "/", lookup), type_=sa.Numeric())
    rounded = sa.case(
        (digits_el >= 0, sa.func.round(value.el, digits_el, type_=sa.Numeric())),
        (digits_el < 0, binop(scaled, "*", lookup, sa.Numeric())),
    )
    return _as_integer(ctx, rounded, kind)


# --------------------------------------------------------------------------- FLOOR / CEILING
def _floor_sql(ceiling: bool) -> Any:
    def build(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
        value = args[0]
        if ctx.pg:
            name = "ceiling" if ceiling else "floor"
            return getattr(sa.func, name)(ctx.numeric(value), type_=sa.Numeric())
        if value.kind is ValueType.INTEGER:
            return value.el
        # CAST truncates toward zero; step one away when the value was not already integral.
        whole = sa.cast(value.el, sa.BigInteger())
        outside = binop(value.el, ">" if ceiling else "<", whole, comparison=True)
        step = sa.case((outside, 1), else_=0)
        return binop(whole, "+" if ceiling else "-", step, sa.BigInteger())

    return build


# --------------------------------------------------------------------------- MOD
def _mod_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    dividend, divisor = args
    if ctx.pg:
        safe = sa.func.nullif(ctx.numeric(divisor), 0, type_=sa.Numeric())
        return sa.func.mod(ctx.numeric(dividend), safe, type_=sa.Numeric())
    if kind is ValueType.INTEGER:
        safe = sa.func.nullif(divisor.el, 0, type_=sa.BigInteger())
        return binop(dividend.el, "%", safe, sa.BigInteger())
    # Truncated quotient in REAL; rounding to 9 places absorbs float noise such as
    # 0.3 / 0.1 = 2.9999999999999996 so MOD(0.3, 0.1) is 0 as in Python and PostgreSQL.
    divisor_or_null = sa.func.nullif(divisor.el, 0, type_=sa.Float())
    quotient = binop(ctx.real(dividend), "/", divisor_or_null, sa.Float())
    whole = sa.cast(sa.func.round(quotient, 9), sa.BigInteger())
    product = binop(divisor.el, "*", whole, sa.Numeric())
    return binop(dividend.el, "-", product, sa.Numeric())


# --------------------------------------------------------------------------- MIN / MAX
def _extreme_py(pick: Any) -> Any:
    def run(_ctx: Any, args: Sequence[Any]) -> Any:
        present = [value for value in args if value is not None]
        return pick(present) if present else None

    return run


def _extreme_sql(largest: bool) -> Any:
    """MIN/MAX ignore NULLs (PostgreSQL GREATEST semantics); SQLite's scalar max() does not, so
    each argument is coalesced with the others first."""

    def build(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
        present = [arg for arg in args if arg.kind is not ValueType.NULL]
        if not present:
            return ctx.null(kind)
        if len(present) == 1:
            return present[0].el
        sql_type = present[0].el.type
        if ctx.pg:
            name = "greatest" if largest else "least"
            return getattr(sa.func, name)(*(ctx.collate_c(arg) for arg in present), type_=sql_type)
        elements = [arg.el for arg in present]
        covered = [
            sa.func.coalesce(
                el,
                *(other for position, other in enumerate(elements) if position != index),
                type_=sql_type,
            )
            for index, el in enumerate(elements)
        ]
        name = "max" if largest else "min"
        return getattr(sa.func, name)(*covered, type_=sql_type)

    return build


def _same_numeric(kinds: Sequence[ValueType]) -> ValueType:
    return kinds[0]


SPECS: list[Spec] = [
    Spec(
        "ROUND",
        1,
        2,
        signature(NUMBER, NUMBER, returns=_same_numeric, name="ROUND"),
        _round_py,
        _round_sql,
    ),
    Spec(
        "ABS",
        1,
        1,
        signature(NUMBER, returns=_same_numeric, name="ABS"),
        py1(abs),
        lambda ctx, args, _kind: sa.func.abs(ctx.numeric(args[0]), type_=args[0].el.type),
    ),
    Spec(
        "FLOOR",
        1,
        1,
        signature(NUMBER, returns=ValueType.INTEGER, name="FLOOR"),
        py1(math.floor),
        _floor_sql(ceiling=False),
    ),
    Spec(
        "CEILING",
        1,
        1,
        signature(NUMBER, returns=ValueType.INTEGER, name="CEILING"),
        py1(math.ceil),
        _floor_sql(ceiling=True),
    ),
    Spec(
        "MOD",
        2,
        2,
        signature(NUMBER, NUMBER, returns=numeric_kind, name="MOD"),
        py1(rt.modulo),
        _mod_sql,
    ),
    Spec(
        "MIN",
        1,
        None,
        lambda kinds: unify(kinds, "MIN"),
        _extreme_py(min),
        _extreme_sql(largest=False),
        strict=False,
    ),
    Spec(
        "MAX",
        1,
        None,
        lambda kinds: unify(kinds, "MAX"),
        _extreme_py(max),
        _extreme_sql(largest=True),
        strict=False,
    ),
]
