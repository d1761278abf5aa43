"""Applying a table row's typing rule to a node, with errors pointing at the right character."""

from __future__ import annotations

from collections.abc import Sequence

from keyi.platform.expressions.errors import ExpressionError
from keyi.platform.expressions.functions import SPECS
from keyi.platform.expressions.kinds import TypeRuleError, ValueType
from keyi.platform.expressions.nodes import Binary, Call, Unary, operands, spec_key
from keyi.platform.expressions.spec import Spec


def lookup(node: Unary | Binary | Call) -> Spec:
    """Table row of a node; arity is re-checked because trees may be built without the parser."""
    spec = SPECS.get(spec_key(node))
    if spec is None or (isinstance(node, Call) and not spec.is_function):
        raise ExpressionError(f"Unknown function {spec_key(node)}", node.position)
    problem = spec.arity_error(len(operands(node)))
    if problem:
        raise ExpressionError(problem, node.position)
    return spec


def result_kind(spec: Spec, node: Unary | Binary | Call, kinds: Sequence[ValueType]) -> ValueType:
    try:
        return spec.rule(kinds)
    except TypeRuleError as error:
        position = node.position
        # Function arguments are pointed at directly; operators at the operator itself.
        if isinstance(node, Call) and error.arg_index is not None:
            position = node.args[error.arg_index].position
        raise ExpressionError(error.message, position) from None
