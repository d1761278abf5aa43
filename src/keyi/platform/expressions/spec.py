"""Shape of one row of the function/operator table.

Each row carries its arity, its typing rule, its Python implementation *and* its SQL builder, so a
function cannot exist in one backend and be forgotten (or defined differently) in the other. The
``strict`` flag states the NULL rule once for both backends: a strict function returns NULL as soon
as any argument is NULL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from keyi.platform.expressions.kinds import Category, TypeRuleError, ValueType, require
from keyi.platform.expressions.runtime import default_now
from keyi.platform.expressions.sqlgen import SqlContext, SqlExpr, Typed

Rule = Callable[[Sequence[ValueType]], ValueType]
PyImpl = Callable[["EvalContext", Sequence[Any]], Any]
SqlImpl = Callable[[SqlContext, Sequence[Typed], ValueType], SqlExpr]


class EvalContext:
    """Clock for Python evaluation; defaults are computed lazily, at most once per evaluation."""

    __slots__ = ("_now", "_today")

    def __init__(self, today: date | None, now: datetime | None) -> None:
        self._today = today
        self._now = now

    @property
    def now(self) -> datetime:
        if self._now is None:
            self._now = default_now()
        return self._now

    @property
    def today(self) -> date:
        if self._today is None:
            self._today = self.now.date()
        return self._today


@dataclass(frozen=True, slots=True)
class Spec:
    """One function or operator. ``sql`` is None for Python-only functions (REGEX)."""

    name: str
    min_args: int
    max_args: int | None
    rule: Rule
    py: PyImpl
    sql: SqlImpl | None
    strict: bool = True
    #: Callable by name in source text (operators such as ``+`` are not).
    is_function: bool = True
    #: Extra arity constraint beyond min/max; returns an error message or None.
    arity_extra: Callable[[int], str | None] | None = field(default=None)
    #: Parse-time check of literal arguments; returns (message, arg index) or None.
    static_check: Callable[[Sequence[Any]], tuple[str, int] | None] | None = field(default=None)

    def arity_error(self, count: int) -> str | None:
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            return f"{self.name} expects {self.describe_arity()}, got {count}"
        return self.arity_extra(count) if self.arity_extra else None

    def describe_arity(self) -> str:
        low, high = self.min_args, self.max_args
        noun = "argument" if (high if high is not None else low) == 1 else "arguments"
        if high is None:
            return f"at least {low} {noun}"
        if low == high:
            return f"{low} {noun}"
        return f"{low} to {high} {noun}"


def signature(
    *params: Category,
    returns: ValueType | Callable[[Sequence[ValueType]], ValueType],
    rest: Category | None = None,
    name: str = "",
) -> Rule:
    """Typing rule from parameter categories; ``rest`` types any further (variadic) arguments."""

    def rule(kinds: Sequence[ValueType]) -> ValueType:
        for index in range(len(kinds)):
            category = params[index] if index < len(params) else rest
            if category is None:  # pragma: no cover - arity is checked before typing
                raise TypeRuleError(f"{name} has too many arguments", index)
            require(kinds, index, category, f"{name} argument {index + 1}")
        return returns(kinds) if callable(returns) else returns

    return rule


def py1(func: Callable[..., Any]) -> PyImpl:
    """Adapt a plain function of the argument values (no clock needed)."""
    return lambda _ctx, args: func(*args)
