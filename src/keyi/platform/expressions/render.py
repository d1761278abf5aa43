"""Syntax tree -> canonical source text.

Used to store formulas in a normal form and by the round-trip property tests. Parentheses are
emitted only where precedence requires them, so the output stays readable.
"""

from __future__ import annotations

from decimal import Decimal

from keyi.platform.expressions.nodes import Call, Expression, FieldRef, Literal, Unary

_OR, _AND, _NOT, _COMPARE, _CONCAT, _ADD, _MUL, _NEG, _ATOM = range(1, 10)
_BINARY_PRECEDENCE = {
    "OR": _OR,
    "AND": _AND,
    "=": _COMPARE,
    "!=": _COMPARE,
    "<": _COMPARE,
    "<=": _COMPARE,
    ">": _COMPARE,
    ">=": _COMPARE,
    "&": _CONCAT,
    "+": _ADD,
    "-": _ADD,
    "*": _MUL,
    "/": _MUL,
}
_STRING_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def render(expr: Expression) -> str:
    """Canonical text of ``expr``: ``parse(render(e)) == e`` for every tree ``parse`` yields."""
    return _render(expr)[0]


def render_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return "'" + "".join(_STRING_ESCAPES.get(char, char) for char in value) + "'"
    raise TypeError(f"cannot render literal {value!r}")


def _render(node: Expression) -> tuple[str, int]:
    if isinstance(node, Literal):
        text = render_literal(node.value)
        return text, (_NEG if text.startswith("-") else _ATOM)
    if isinstance(node, FieldRef):
        return node.path, _ATOM
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_render(arg)[0] for arg in node.args)})", _ATOM
    if isinstance(node, Unary):
        inner, precedence = _render(node.operand)
        if node.op == "-":
            return "-" + (inner if precedence >= _NEG else f"({inner})"), _NEG
        # "NOT (" would be read as the call NOT(...), which binds tighter than the operator:
        # wrap the whole operand whenever its text starts with a parenthesis.
        if precedence < _NOT or inner.startswith("("):
            inner = f"({inner})"
        return "NOT " + inner, _NOT
    precedence = _BINARY_PRECEDENCE[node.op]
    left, left_prec = _render(node.left)
    right, right_prec = _render(node.right)
    # Left-associative; comparisons do not chain, so both sides must bind tighter.
    left_limit = precedence + 1 if precedence == _COMPARE else precedence
    if left_prec < left_limit:
        left = f"({left})"
    if right_prec <= precedence:
        right = f"({right})"
    return f"{left} {node.op} {right}", precedence
