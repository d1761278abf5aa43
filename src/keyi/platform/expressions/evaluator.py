"""Python evaluation of a syntax tree.

Each evaluation computes every node's value *and* type, applying the same typing rules as the SQL
compiler (field types are taken from the values given), so Python accepts exactly what SQL
accepts. All arguments are evaluated (no short-circuit), mirroring SQL, so an error cannot hide in
the branch not taken for one record and surface for the next.

Trees are turned once into a chain of closures ("plan") with table lookups, arity checks and
typing-rule results resolved up front, because the records service evaluates the same formulas
and validation rules for every row of an import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import DecimalException
from typing import Any

from keyi.platform.expressions.errors import ExpressionError
from keyi.platform.expressions.kinds import ValueType
from keyi.platform.expressions.nodes import (
    Binary,
    Call,
    Expression,
    FieldRef,
    Literal,
    Unary,
    operands,
)
from keyi.platform.expressions.runtime import finalize, normalize_input
from keyi.platform.expressions.spec import EvalContext
from keyi.platform.expressions.typing_rules import lookup, result_kind

Plan = Callable[[Mapping[str, Any], EvalContext], tuple[Any, ValueType]]

#: Value types that need no normalisation (exact type match, so bool is not taken for int).
_PLAIN_TYPES: dict[type, ValueType] = {
    str: ValueType.TEXT,
    int: ValueType.INTEGER,
    bool: ValueType.BOOLEAN,
    date: ValueType.DATE,
    type(None): ValueType.NULL,
}
_MAX_CACHED_PLANS = 1024
_plans: dict[int, tuple[Expression, Plan]] = {}


def evaluate(
    expr: Expression,
    values: Mapping[str, Any],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> Any:
    """Value of ``expr`` for one record.

    ``values`` maps field paths to Python values (str, int, Decimal, float, bool, date, datetime or
    None); floats are read as their shortest decimal repr. INTEGER results are ``int``, DECIMAL
    results ``Decimal``. ``today``/``now`` fix the clock (default: current UTC time).
    """
    context = EvalContext(today, normalize_input(now)[0] if now is not None else None)
    value, kind = _plan_for(expr)(values, context)
    return finalize(value, kind)


def is_truthy(value: Any) -> bool:
    """How a condition's value decides: NULL (unknown) and FALSE both fail."""
    return value is not None and value is not False and bool(value)


def _plan_for(expr: Expression) -> Plan:
    """Plans are cached by tree identity (the tree is kept alive, so the id cannot be reused)."""
    cached = _plans.get(id(expr))
    if cached is not None and cached[0] is expr:
        return cached[1]
    plan = _plan(expr)
    if len(_plans) >= _MAX_CACHED_PLANS:
        _plans.clear()
    _plans[id(expr)] = (expr, plan)
    return plan


def _plan(node: Expression) -> Plan:
    if isinstance(node, Literal):
        constant = (node.value, node.kind)
        return lambda _values, _context: constant
    if isinstance(node, FieldRef):
        return _field_plan(node)
    return _call_plan(node)


def _field_plan(node: FieldRef) -> Plan:
    path, position = node.path, node.position

    def field(values: Mapping[str, Any], _context: EvalContext) -> tuple[Any, ValueType]:
        try:
            raw = values[path]
        except KeyError:
            raise ExpressionError(f"Unknown field {path}", position) from None
        kind = _PLAIN_TYPES.get(type(raw))
        if kind is not None:
            return raw, kind
        try:
            return normalize_input(raw)
        except ExpressionError as error:
            raise ExpressionError(f"{error.message} in field {path}", position) from None

    return field


def _call_plan(node: Unary | Binary | Call) -> Plan:
    spec = lookup(node)
    arguments = [_plan(arg) for arg in operands(node)]
    rule_results: dict[tuple[ValueType, ...], ValueType] = {}
    strict, implementation, position = spec.strict, spec.py, node.position

    def call(values: Mapping[str, Any], context: EvalContext) -> tuple[Any, ValueType]:
        evaluated = [argument(values, context) for argument in arguments]
        kinds = tuple(kind for _, kind in evaluated)
        kind = rule_results.get(kinds)
        if kind is None:
            kind = rule_results[kinds] = result_kind(spec, node, kinds)
        args = [value for value, _ in evaluated]
        if strict and None in args:
            return None, kind
        try:
            return implementation(context, args), kind
        except ExpressionError as error:
            if error.position is None:
                # The same kind of error (a RegexTimeout stays one), now located.
                raise type(error)(error.message, position) from None
            raise
        except (DecimalException, OverflowError, ValueError) as error:
            # ValueError: e.g. Python refuses to print integers of more than 4300 digits.
            raise ExpressionError(f"Numeric overflow in {spec.name}", position) from error

    return call
