"""Static questions about a tree: which fields it reads and what type it yields."""

from __future__ import annotations

from collections.abc import Mapping

from keyi.platform.expressions.errors import ExpressionError
from keyi.platform.expressions.kinds import ValueType
from keyi.platform.expressions.nodes import Expression, FieldRef, Literal, children, operands
from keyi.platform.expressions.typing_rules import lookup, result_kind


def references(expr: Expression) -> frozenset[str]:
    """Field paths used by ``expr`` (for dependency tracking and query planning)."""
    found: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, FieldRef):
            found.add(node.path)
        stack.extend(children(node))
    return frozenset(found)


def infer_type(expr: Expression, types: Mapping[str, ValueType]) -> ValueType:
    """Result type of ``expr`` given field types, e.g. to validate a formula when it is saved and
    to learn its return type. Raises :class:`ExpressionError` exactly where evaluation would."""
    if isinstance(expr, Literal):
        return expr.kind
    if isinstance(expr, FieldRef):
        try:
            return types[expr.path]
        except KeyError:
            raise ExpressionError(f"Unknown field {expr.path}", expr.position) from None
    spec = lookup(expr)
    kinds = [infer_type(arg, types) for arg in operands(expr)]
    return result_kind(spec, expr, kinds)
