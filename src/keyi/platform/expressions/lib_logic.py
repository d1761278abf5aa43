"""Conditional functions: IF, CASE, ISBLANK, BLANKVALUE (none of them NULL-strict)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from keyi.platform.expressions import runtime as rt
from keyi.platform.expressions.kinds import (
    ANY,
    BOOLEAN,
    TypeRuleError,
    ValueType,
    comparable,
    require,
    unify,
)
from keyi.platform.expressions.spec import Spec, py1, signature
from keyi.platform.expressions.sqlgen import SqlContext, SqlExpr, Typed


# --------------------------------------------------------------------------- IF
def _if_rule(kinds: Sequence[ValueType]) -> ValueType:
    require(kinds, 0, BOOLEAN, "IF condition")
    return unify(kinds[1:], "IF", first_index=1)


def _if_py(_ctx: Any, args: Sequence[Any]) -> Any:
    return args[1] if args[0] is True else args[2]


def _if_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    cond, then, other = args
    if cond.kind is ValueType.NULL:
        return ctx.typed_null_or(other, kind)
    return sa.case((cond.el, ctx.typed_null_or(then, kind)), else_=ctx.typed_null_or(other, kind))


# --------------------------------------------------------------------------- CASE
def _case_arity(count: int) -> str | None:
    if count % 2:
        return "CASE expects a value, pairs of match and result, and a default (an even count)"
    return None


def _case_rule(kinds: Sequence[ValueType]) -> ValueType:
    subject = kinds[0]
    for index in range(1, len(kinds) - 1, 2):
        if not comparable(subject, kinds[index]):
            raise TypeRuleError(
                f"CASE cannot compare {subject.label} with {kinds[index].label}", index
            )
    results = [*kinds[2:-1:2], kinds[-1]]
    try:
        return unify(results, "CASE")
    except TypeRuleError as error:
        offset = error.arg_index or 0
        index = 2 + 2 * offset if offset < len(results) - 1 else len(kinds) - 1
        raise TypeRuleError(error.message, index) from None


def _case_py(_ctx: Any, args: Sequence[Any]) -> Any:
    subject = args[0]
    for index in range(1, len(args) - 1, 2):
        if rt.equal(subject, args[index]) is True:
            return args[index + 1]
    return args[-1]


def _case_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    subject, default = args[0], ctx.typed_null_or(args[-1], kind)
    whens = [
        (ctx.compare("=", subject, args[index]), ctx.typed_null_or(args[index + 1], kind))
        for index in range(1, len(args) - 1, 2)
        if args[index].kind is not ValueType.NULL
    ]
    if subject.kind is ValueType.NULL or not whens:
        return default
    return sa.case(*whens, else_=default)


# --------------------------------------------------------------------------- blanks
def _blankvalue_py(_ctx: Any, args: Sequence[Any]) -> Any:
    return args[1] if rt.is_blank(args[0]) else args[0]


def _blankvalue_sql(ctx: SqlContext, args: Sequence[Typed], kind: ValueType) -> SqlExpr:
    value, alternative = args
    alt = ctx.typed_null_or(alternative, kind)
    if value.kind is ValueType.NULL:
        return alt
    if value.kind is ValueType.TEXT:
        return sa.case((ctx.is_blank(value), alt), else_=value.el)
    return sa.func.coalesce(value.el, alt)


SPECS: list[Spec] = [
    Spec("IF", 3, 3, _if_rule, _if_py, _if_sql, strict=False),
    Spec("CASE", 4, None, _case_rule, _case_py, _case_sql, strict=False, arity_extra=_case_arity),
    Spec(
        "ISBLANK",
        1,
        1,
        signature(ANY, returns=ValueType.BOOLEAN, name="ISBLANK"),
        py1(rt.is_blank),
        lambda ctx, args, _kind: ctx.is_blank(args[0]),
        strict=False,
    ),
    Spec(
        "BLANKVALUE",
        2,
        2,
        lambda kinds: unify(kinds, "BLANKVALUE"),
        _blankvalue_py,
        _blankvalue_sql,
        strict=False,
    ),
]
