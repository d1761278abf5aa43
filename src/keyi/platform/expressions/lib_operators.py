"""Operators (``+ - * / & = != < <= > >= AND OR NOT``, unary ``-``) as table rows.

AND, OR and NOT double as the functions ``AND(...)``, ``OR(...)`` and ``NOT(x)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from keyi.platform.expressions import runtime as rt
from keyi.platform.expressions.kinds import (
    BOOLEAN,
    NUMBER,
    TypeRuleError,
    ValueType,
    comparable,
    require,
)
from keyi.platform.expressions.spec import Spec, py1, signature
from keyi.platform.expressions.sqlgen import SqlContext, SqlExpr, Typed, binop


def numeric_kind(kinds: Sequence[ValueType]) -> ValueType:
    """INTEGER op INTEGER stays INTEGER; any DECIMAL makes DECIMAL; NULL alone stays NULL."""
    if ValueType.DECIMAL in kinds:
        return ValueType.DECIMAL
    if ValueType.INTEGER in kinds:
        return ValueType.INTEGER
    return ValueType.NULL


def _arith_rule(symbol: str, division: bool = False) -> Callable[[Sequence[ValueType]], ValueType]:
    def rule(kinds: Sequence[ValueType]) -> ValueType:
        for index in range(len(kinds)):
            require(kinds, index, NUMBER, f"Operator '{symbol}'")
        kind = numeric_kind(kinds)
        return ValueType.DECIMAL if division and kind is not ValueType.NULL else kind

    return rule


def _arith_sql(symbol: str) -> Callable[[SqlContext, Sequence[Typed], ValueType], SqlExpr]:
    def build(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
        left, right = ctx.numeric(args[0]), ctx.numeric(args[1])
        sql_type = sa.Numeric() if ctx.pg or kind is ValueType.DECIMAL else sa.BigInteger()
        return binop(left, symbol, right, sql_type)

    return build


def _divide_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    if ctx.pg:
        left, right = ctx.numeric(args[0]), ctx.numeric(args[1])
    else:
        left, right = ctx.real(args[0]), ctx.real(args[1])
    divisor = sa.func.nullif(right, 0, type_=right.type)
    return binop(left, "/", divisor, sa.Numeric())


def _negate_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    # "0 - x" rather than "-x": nested negations must never render as "--", an SQL comment.
    if ctx.pg:
        zero = sa.cast(ctx.integer(0), sa.Numeric())
        return binop(zero, "-", ctx.numeric(args[0]), sa.Numeric())
    return binop(ctx.integer(0), "-", args[0].el, args[0].el.type)


def _concat_py(_ctx: Any, args: Sequence[Any]) -> str:
    return "".join(rt.to_text(value) or "" for value in args)


def concat_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType = ValueType.TEXT) -> SqlExpr:
    """``&`` and CONCAT: every operand through TEXT(), NULL counting as ''."""
    parts = [
        sa.func.coalesce(ctx.to_text(arg), ctx.text(""), type_=sa.Text())
        for arg in args
        if arg.kind is not ValueType.NULL
    ]
    return ctx.concat(parts) if parts else ctx.text("")


def _compare_rule(symbol: str) -> Callable[[Sequence[ValueType]], ValueType]:
    def rule(kinds: Sequence[ValueType]) -> ValueType:
        left, right = kinds
        if not comparable(left, right):
            raise TypeRuleError(
                f"Operator '{symbol}' cannot compare {left.label} with {right.label}", None
            )
        return ValueType.BOOLEAN

    return rule


_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def _compare_py(symbol: str) -> Callable[[Any, Sequence[Any]], bool | None]:
    if symbol in ("=", "!="):
        negate = symbol == "!="

        def equality(_ctx: Any, args: Sequence[Any]) -> bool | None:
            result = rt.equal(args[0], args[1])
            return None if result is None else result != negate

        return equality
    test = _ORDER_TESTS[symbol]

    def ordering(_ctx: Any, args: Sequence[Any]) -> bool | None:
        result = rt.order(args[0], args[1])
        return None if result is None else test(result)

    return ordering


def _compare_sql(symbol: str) -> Callable[[SqlContext, Sequence[Typed], ValueType], SqlExpr]:
    return lambda ctx, args, _kind: ctx.compare(symbol, args[0], args[1])


def logical_and(values: Sequence[bool | None]) -> bool | None:
    """Three-valued AND: FALSE wins over NULL, NULL over TRUE (as in SQL)."""
    result: bool | None = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def logical_or(values: Sequence[bool | None]) -> bool | None:
    result: bool | None = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def _bool_args(ctx: SqlContext, args: Sequence[Typed]) -> list[SqlExpr]:
    return [ctx.typed_null_or(arg, ValueType.BOOLEAN) for arg in args]


def _operator(
    name: str,
    arity: int,
    rule: Callable[[Sequence[ValueType]], ValueType],
    py: Callable[[Any, Sequence[Any]], Any],
    sql: Callable[[SqlContext, Sequence[Typed], ValueType], SqlExpr],
    strict: bool = True,
) -> Spec:
    return Spec(name, arity, arity, rule, py, sql, strict=strict, is_function=False)


SPECS: list[Spec] = [
    _operator("+", 2, _arith_rule("+"), py1(rt.add), _arith_sql("+")),
    _operator("-", 2, _arith_rule("-"), py1(rt.subtract), _arith_sql("-")),
    _operator("*", 2, _arith_rule("*"), py1(rt.multiply), _arith_sql("*")),
    _operator("/", 2, _arith_rule("/", division=True), py1(rt.divide), _divide_sql),
    _operator("NEG", 1, _arith_rule("-"), py1(rt.negate), _negate_sql),
    _operator("&", 2, lambda _kinds: ValueType.TEXT, _concat_py, concat_sql, strict=False),
    *(
        _operator(symbol, 2, _compare_rule(symbol), _compare_py(symbol), _compare_sql(symbol))
        for symbol in ("=", "!=", "<", "<=", ">", ">=")
    ),
    Spec(
        "AND",
        1,
        None,
        signature(rest=BOOLEAN, returns=ValueType.BOOLEAN, name="AND"),
        lambda _ctx, args: logical_and(args),
        lambda ctx, args, _kind: sa.and_(*_bool_args(ctx, args)),
        strict=False,
    ),
    Spec(
        "OR",
        1,
        None,
        signature(rest=BOOLEAN, returns=ValueType.BOOLEAN, name="OR"),
        lambda _ctx, args: logical_or(args),
        lambda ctx, args, _kind: sa.or_(*_bool_args(ctx, args)),
        strict=False,
    ),
    Spec(
        "NOT",
        1,
        1,
        signature(BOOLEAN, returns=ValueType.BOOLEAN, name="NOT"),
        py1(lambda value: not value),
        lambda ctx, args, _kind: sa.not_(args[0].el),
    ),
]
