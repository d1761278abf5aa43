"""Immutable syntax tree of the expression language.

Nodes are frozen, slotted dataclasses so parsed expressions can be cached, shared between threads
and used as dict keys. ``position`` (character offset in the source) is excluded from equality so
that two parses of differently spaced text compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeAlias

from keyi.platform.expressions.kinds import ValueType, type_of_value

LiteralValue: TypeAlias = bool | int | Decimal | str | None

#: Binary operators in canonical spelling (the parser maps ``==``, ``<>``, ``&&``, ``||``).
BINARY_OPERATORS = frozenset(
    {"+", "-", "*", "/", "&", "=", "!=", "<", "<=", ">", ">=", "AND", "OR"}
)
#: Unary operators: arithmetic negation and logical NOT (``!`` and ``NOT(x)`` map to ``NOT``).
UNARY_OPERATORS = frozenset({"-", "NOT"})


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant; ``kind`` is derived so that ``TRUE`` never equals ``1`` as it does in Python."""

    value: LiteralValue
    position: int | None = field(default=None, compare=False)
    kind: ValueType = field(init=False)

    def __post_init__(self) -> None:
        kind = type_of_value(self.value)
        if kind is None or kind in (ValueType.DATE, ValueType.DATETIME):
            raise TypeError(f"unsupported literal value {self.value!r}")
        object.__setattr__(self, "kind", kind)


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field path such as ``amount`` or ``account.industry`` (lookups are the caller's joins)."""

    path: str
    position: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Expression
    position: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.op not in UNARY_OPERATORS:
            raise ValueError(f"unknown unary operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Expression
    right: Expression
    position: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPERATORS:
            raise ValueError(f"unknown binary operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` is upper-case (function names are case-insensitive)."""

    name: str
    args: tuple[Expression, ...]
    position: int | None = field(default=None, compare=False)


Expression: TypeAlias = Literal | FieldRef | Unary | Binary | Call


def children(node: Expression) -> tuple[Expression, ...]:
    """Direct sub-expressions, for generic iterative walks."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def spec_key(node: Unary | Binary | Call) -> str:
    """Key of the node's entry in the shared function/operator table."""
    if isinstance(node, Unary):
        return "NEG" if node.op == "-" else "NOT"
    if isinstance(node, Binary):
        return node.op
    return node.name


def operands(node: Unary | Binary | Call) -> tuple[Expression, ...]:
    return children(node)
