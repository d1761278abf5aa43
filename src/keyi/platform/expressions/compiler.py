"""Compilation of a syntax tree to a SQLAlchemy Core column expression.

Field types come from the SQLAlchemy columns returned by ``resolve``; the same typing rules as the
Python evaluator run on them. The result carries a SQLAlchemy type so rows come back as the same
Python types ``evaluate`` returns (int for INTEGER, Decimal for DECIMAL, date, datetime, bool, str).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from keyi.platform.expressions.errors import ExpressionError
from keyi.platform.expressions.kinds import ValueType
from keyi.platform.expressions.nodes import Binary, Expression, FieldRef, Literal, Unary, operands
from keyi.platform.expressions.runtime import default_now, normalize_input
from keyi.platform.expressions.spec import Spec
from keyi.platform.expressions.sqlgen import SqlContext, Typed, kind_of_sql_type, result_type
from keyi.platform.expressions.typing_rules import lookup, result_kind

DIALECTS = frozenset({"sqlite", "postgresql"})
#: Rendered SQL nodes allowed. Some SQLite translations repeat an argument (FLOOR uses it three
#: times), so nesting them grows the text exponentially; refuse instead of hanging.
MAX_SQL_NODES = 20_000
#: SQL nesting allowed: SQLAlchemy compiles recursively, about four stack frames per level.
MAX_SQL_DEPTH = 160


class _Budget:
    """Rendered size and depth of compiled elements, memoised so measuring stays linear."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[object, int, int]] = {}

    def check(self, element: ColumnElement[Any], position: int | None) -> None:
        size, depth = self._measure(element)
        if size > MAX_SQL_NODES or depth > MAX_SQL_DEPTH:
            raise ExpressionError("Expression is too complex to run in SQL", position)

    def _measure(self, root: object) -> tuple[int, int]:
        known = self._known
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            element, expanded = stack.pop()
            if id(element) in known:
                continue
            kids = list(element.get_children())
            if not expanded:
                stack.append((element, True))
                stack.extend((kid, False) for kid in kids if id(kid) not in known)
                continue
            size, depth = 1, 0
            for kid in kids:
                _, kid_size, kid_depth = known[id(kid)]
                size += kid_size
                depth = max(depth, kid_depth)
            # Keep a reference to the element so its id cannot be reused while memoised.
            known[id(element)] = (element, min(size, MAX_SQL_NODES + 1), depth + 1)
            if size > MAX_SQL_NODES:
                break
        _, size, depth = known[id(root)] if id(root) in known else (None, MAX_SQL_NODES + 1, 0)
        return size, depth


def compile_sql(
    expr: Expression,
    resolve: Callable[[str], ColumnElement[Any]],
    *,
    dialect: str,
    today: date | None = None,
    now: datetime | None = None,
) -> ColumnElement[Any]:
    """SQL equivalent of ``evaluate(expr, row)``.

    ``resolve(path)`` returns the column for a field path (the caller adds any joins).
    TODAY()/NOW() become bound values of ``today``/``now`` (default: current UTC time), so SQL and
    Python agree on the clock. Raises :class:`ExpressionError` for type errors, unknown fields,
    Python-only functions such as REGEX and expressions too large for SQL.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unsupported dialect {dialect!r}; expected one of {sorted(DIALECTS)}")
    clock = normalize_input(now)[0] if now is not None else default_now()
    context = SqlContext(dialect, today if today is not None else clock.date(), clock)
    typed = _Compiler(resolve, context).compile(expr)
    return sa.type_coerce(typed.el, result_type(typed.kind))


#: Operators whose chains are regrouped: AND/OR become one flat list, ``+ * &`` a balanced tree,
#: so a sum of 60 fields is 6 levels of SQL rather than 60 (SQLAlchemy compiles recursively).
_ASSOCIATIVE = frozenset({"+", "*", "&", "AND", "OR"})


class _Compiler:
    def __init__(self, resolve: Callable[[str], ColumnElement[Any]], context: SqlContext) -> None:
        self.resolve = resolve
        self.context = context
        self.budget = _Budget()

    def compile(self, node: Expression) -> Typed:
        context = self.context
        if isinstance(node, Literal):
            return Typed(context.literal(node.value, node.kind), node.kind, node.value)
        if isinstance(node, FieldRef):
            return self._field(node)
        if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Literal):
            value = node.operand.value
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                # "-2" is a negative constant, not an operation: bind it as one.
                return Typed(context.literal(-value, node.operand.kind), node.operand.kind, -value)
        if isinstance(node, Binary) and node.op in _ASSOCIATIVE:
            return self._chain(node)
        spec = lookup(node)
        args = [self.compile(arg) for arg in operands(node)]
        kind = result_kind(spec, node, [arg.kind for arg in args])
        return self._apply(spec, node, args, kind)

    def _apply(self, spec: Spec, node: Expression, args: list[Typed], kind: ValueType) -> Typed:
        if spec.sql is None:
            raise ExpressionError(f"{spec.name} is not supported in SQL", node.position)
        if spec.strict and any(arg.kind is ValueType.NULL for arg in args):
            return Typed(self.context.null(kind), kind)
        element = spec.sql(self.context, args, kind)
        self.budget.check(element, node.position)
        return Typed(element, kind)

    def _chain(self, root: Binary) -> Typed:
        """Compile ``a op b op c ...``: typed left to right exactly as evaluated (so errors point
        at the same operator), then assembled flat or balanced."""
        spec = lookup(root)
        operands_: list[Expression] = []
        operators: list[Binary] = []
        # In-order walk of the same-operator chain; a 1-tuple marks "emit this operator".
        stack: list[Expression | tuple[Binary]] = [root]
        while stack:
            item = stack.pop()
            if isinstance(item, tuple):
                operators.append(item[0])
            elif isinstance(item, Binary) and item.op == root.op:
                stack.extend((item.right, (item,), item.left))
            else:
                operands_.append(item)
        args = [self.compile(item) for item in operands_]
        kind = args[0].kind
        for operator, arg in zip(operators, args[1:], strict=True):
            kind = result_kind(spec, operator, [kind, arg.kind])
        if root.op in ("AND", "OR"):
            return self._apply(spec, root, args, kind)
        level = args
        while len(level) > 1:
            paired: list[Typed] = []
            for index in range(0, len(level) - 1, 2):
                pair = [level[index], level[index + 1]]
                pair_kind = spec.rule([arg.kind for arg in pair])
                paired.append(self._apply(spec, root, pair, pair_kind))
            if len(level) % 2:
                paired.append(level[-1])
            level = paired
        return level[0]

    def _field(self, node: FieldRef) -> Typed:
        try:
            column = self.resolve(node.path)
        except LookupError:
            raise ExpressionError(f"Unknown field {node.path}", node.position) from None
        kind = kind_of_sql_type(column.type)
        if kind is None:
            raise ExpressionError(
                f"Field {node.path} has SQL type {column.type!r}, which expressions cannot use",
                node.position,
            )
        return Typed(column, kind)
