"""Text functions: LEN, UPPER, LOWER, TRIM, LEFT, RIGHT, CONTAINS, BEGINS, CONCAT, TEXT, VALUE,
REGEX. Lengths and offsets count Unicode code points in every backend."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from re import _constants as _c
from re import _parser
from typing import Any

import regex
import sqlalchemy as sa

from keyi.platform.expressions import runtime as rt
from keyi.platform.expressions.errors import ExpressionError, RegexTimeout
from keyi.platform.expressions.kinds import ANY, NUMBER, TEXT, ValueType
from keyi.platform.expressions.lib_operators import concat_sql
from keyi.platform.expressions.nodes import Literal
from keyi.platform.expressions.spec import Spec, py1, signature
from keyi.platform.expressions.sqlgen import SqlContext, SqlExpr, Typed, binop

_MAX_PATTERN = 1000


def _len_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    name = "char_length" if ctx.pg else "length"
    return getattr(sa.func, name)(args[0].el, type_=sa.BigInteger())


def _case_sql(upper: bool) -> Any:
    """ASCII-only case mapping: SQLite's upper() is ASCII-only, so PostgreSQL uses the "C"
    collation and Python a translation table to agree with it."""

    def build(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
        name = "upper" if upper else "lower"
        return getattr(sa.func, name)(ctx.collate_c(args[0]), type_=sa.Text())

    return build


def _left_py(text: str, count: Any) -> str:
    return text[: max(rt.truncate(count), 0)]


def _right_py(text: str, count: Any) -> str:
    length = rt.truncate(count)
    return text[-length:] if length > 0 else ""


def _non_negative(count: SqlExpr) -> SqlExpr:
    """max(count, 0) that stays NULL for NULL (PostgreSQL's GREATEST would ignore the NULL)."""
    return sa.case((count < 0, 0), else_=count)


def _left_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    text, count = args[0].el, ctx.trunc_int(args[1])
    if ctx.pg:
        return sa.func.left(text, _non_negative(count), type_=sa.Text())
    return sa.func.substr(text, 1, _non_negative(count), type_=sa.Text())


def _right_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    text, count = args[0].el, ctx.trunc_int(args[1])
    if ctx.pg:
        return sa.func.right(text, _non_negative(count), type_=sa.Text())
    # A NULL count must give NULL, so the non-positive case is tested explicitly (no ELSE).
    return sa.case(
        (count > 0, sa.func.substr(text, binop(count, "*", -1), type_=sa.Text())),
        (count <= 0, sa.func.substr(text, 1, 0, type_=sa.Text())),
    )


def _contains_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    name = "strpos" if ctx.pg else "instr"
    return getattr(sa.func, name)(args[0].el, args[1].el, type_=sa.Integer()) > 0


def _begins_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    text, prefix = args[0].el, args[1].el
    if ctx.pg:
        return sa.func.starts_with(text, prefix, type_=sa.Boolean())
    head = sa.func.substr(text, 1, sa.func.length(prefix), type_=sa.Text())
    return binop(head, "=", prefix, comparison=True)


def _value_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    """VALUE(): only plain numerals convert; anything else is NULL (never an SQL error)."""
    trimmed = ctx.trim(args[0].el)
    if ctx.pg:
        pattern = ctx.text(r"^[+-]?[0-9]+(\.[0-9]+)?$")
        valid = binop(trimmed, "~", pattern, comparison=True)
    else:
        # SQLite has no regular expressions; these GLOBs together accept exactly the pattern
        # above: a digit somewhere, only digits/dot/sign, a sign only in front, at most one dot,
        # and the dot neither first (after an optional sign) nor last.
        def glob(subject: SqlExpr, pattern: str) -> SqlExpr:
            return binop(subject, "GLOB", ctx.text(pattern), comparison=True)

        valid = sa.and_(
            glob(trimmed, "*[0-9]*"),
            sa.not_(glob(sa.func.substr(trimmed, 2), "*[+-]*")),
            *(sa.not_(glob(trimmed, p)) for p in ("*[^0-9.+-]*", "*.*.*", "*.", ".*", "[+-].*")),
        )
    return sa.case((valid, sa.cast(trimmed, sa.Numeric())))


def _nested_repetition(items: Any, inside: bool = False) -> bool:
    """Whether an unbounded repetition sits inside another, like `(a+)+`: Python's backtracking
    engine takes exponential time on such patterns (ReDoS) and cannot be interrupted."""
    for op, arg in items:
        children: list[tuple[Any, bool]] = []
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            unbounded = arg[1] == _c.MAXREPEAT
            if inside and unbounded:
                return True
            children = [(arg[2], inside or unbounded)]
        elif op == _c.SUBPATTERN:
            children = [(arg[-1], inside)]
        elif op == _c.BRANCH:
            children = [(branch, inside) for branch in arg[1]]
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            children = [(arg[1], inside)]
        if any(_nested_repetition(sub, within) for sub, within in children):
            return True
    return False


@functools.lru_cache(maxsize=256)
def _compile_pattern(pattern: str) -> Any:
    """The pattern compiled by the ``regex`` engine (its ``VERSION0`` is ``re``'s syntax), after
    ``re`` has vetted it: the language documents Python ``re`` patterns, and nested repetition
    is refused up front with a clear message rather than left to the time limit."""
    if len(pattern) > _MAX_PATTERN:
        raise ExpressionError(f"Regular expression longer than {_MAX_PATTERN} characters")
    try:
        re.compile(pattern)
    except re.error as error:
        raise ExpressionError(f"Invalid regular expression: {error}") from None
    if _nested_repetition(_parser.parse(pattern)):
        raise ExpressionError("Regular expression repeats a repetition, like (a+)+")
    try:
        return regex.compile(pattern, regex.VERSION0)
    except regex.error as error:
        raise ExpressionError(f"Invalid regular expression: {error}") from None


REGEX_TIMEOUT = 0.1
"""Seconds one REGEX evaluation may take. Refusing nested repetition does not catch every
pattern that backtracks exponentially (``(a|a)+`` on a long run of ``a`` followed by ``!``),
and Python's ``re`` cannot be interrupted; the ``regex`` engine checks a deadline as it goes."""


@dataclass
class _Budget:
    remaining: float


_budget: ContextVar[_Budget | None] = ContextVar("keyi_regex_budget", default=None)


@contextmanager
def regex_time_budget(seconds: float) -> Iterator[None]:
    """Bound the total time REGEX may take inside the block (one bulk write, say), on top of
    :data:`REGEX_TIMEOUT` per evaluation: 10,000 imported rows that each time out must not
    hold a transaction (on SQLite, the tenant's write lock) for 1,000 s. An enclosing budget
    stays in force (a nested block cannot extend it)."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(_Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def _regex_py(text: str, pattern: str) -> bool:
    """Whole-string match (like Salesforce REGEX / Java ``matches``), within the time limits."""
    compiled = _compile_pattern(pattern)
    budget = _budget.get()
    timeout = REGEX_TIMEOUT if budget is None else min(REGEX_TIMEOUT, budget.remaining)
    if timeout <= 0:
        raise RegexTimeout("Regular expressions used up their time for this operation")
    started = time.perf_counter()
    try:
        return compiled.fullmatch(text, timeout=timeout) is not None
    except TimeoutError:
        raise RegexTimeout(
            f"Regular expression took longer than {timeout:.2g} s on this value"
        ) from None
    finally:
        if budget is not None:
            budget.remaining -= time.perf_counter() - started


def _regex_static(args: Sequence[Any]) -> tuple[str, int] | None:
    pattern = args[1]
    if isinstance(pattern, Literal) and isinstance(pattern.value, str):
        try:
            _compile_pattern(pattern.value)
        except ExpressionError as error:
            return error.message, 1
    return None


SPECS: list[Spec] = [
    Spec("LEN", 1, 1, signature(TEXT, returns=ValueType.INTEGER, name="LEN"), py1(len), _len_sql),
    Spec(
        "UPPER",
        1,
        1,
        signature(TEXT, returns=ValueType.TEXT, name="UPPER"),
        py1(rt.ascii_upper),
        _case_sql(upper=True),
    ),
    Spec(
        "LOWER",
        1,
        1,
        signature(TEXT, returns=ValueType.TEXT, name="LOWER"),
        py1(rt.ascii_lower),
        _case_sql(upper=False),
    ),
    Spec(
        "TRIM",
        1,
        1,
        signature(TEXT, returns=ValueType.TEXT, name="TRIM"),
        py1(lambda text: text.strip(rt.TRIM_CHARS)),
        lambda ctx, args, _kind: ctx.trim(args[0].el),
    ),
    Spec(
        "LEFT",
        2,
        2,
        signature(TEXT, NUMBER, returns=ValueType.TEXT, name="LEFT"),
        py1(_left_py),
        _left_sql,
    ),
    Spec(
        "RIGHT",
        2,
        2,
        signature(TEXT, NUMBER, returns=ValueType.TEXT, name="RIGHT"),
        py1(_right_py),
        _right_sql,
    ),
    Spec(
        "CONTAINS",
        2,
        2,
        signature(TEXT, TEXT, returns=ValueType.BOOLEAN, name="CONTAINS"),
        py1(lambda text, part: part in text),
        _contains_sql,
    ),
    Spec(
        "BEGINS",
        2,
        2,
        signature(TEXT, TEXT, returns=ValueType.BOOLEAN, name="BEGINS"),
        py1(lambda text, prefix: text.startswith(prefix)),
        _begins_sql,
    ),
    Spec(
        "CONCAT",
        1,
        None,
        signature(rest=ANY, returns=ValueType.TEXT, name="CONCAT"),
        lambda _ctx, args: "".join(rt.to_text(value) or "" for value in args),
        concat_sql,
        strict=False,
    ),
    Spec(
        "TEXT",
        1,
        1,
        signature(ANY, returns=ValueType.TEXT, name="TEXT"),
        py1(rt.to_text),
        lambda ctx, args, _kind: ctx.to_text(args[0]),
    ),
    Spec(
        "VALUE",
        1,
        1,
        signature(TEXT, returns=ValueType.DECIMAL, name="VALUE"),
        py1(rt.parse_number),
        _value_sql,
    ),
    Spec(
        "REGEX",
        2,
        2,
        signature(TEXT, TEXT, returns=ValueType.BOOLEAN, name="REGEX"),
        py1(_regex_py),
        None,
        static_check=_regex_static,
    ),
]
