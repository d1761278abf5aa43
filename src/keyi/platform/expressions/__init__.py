"""Keyi's expression language: formulas, validation rules, default values and conditions.

A small Excel/Salesforce-like language that is parsed (never ``eval``-ed) into an immutable tree,
then either evaluated in Python or compiled to a SQLAlchemy Core expression for SQLite and
PostgreSQL, with the same results. Every function and operator is one row of a shared table
(:mod:`.functions`) holding its typing rule and both implementations.
"""

from keyi.platform.expressions.analysis import infer_type, references
from keyi.platform.expressions.compiler import compile_sql
from keyi.platform.expressions.errors import ExpressionError, RegexTimeout
from keyi.platform.expressions.evaluator import evaluate, is_truthy
from keyi.platform.expressions.functions import FUNCTION_NAMES, PYTHON_ONLY
from keyi.platform.expressions.kinds import ValueType
from keyi.platform.expressions.lib_text import REGEX_TIMEOUT, regex_time_budget
from keyi.platform.expressions.nodes import Binary, Call, Expression, FieldRef, Literal, Unary
from keyi.platform.expressions.parser import parse
from keyi.platform.expressions.render import render

__all__ = [
    "FUNCTION_NAMES",
    "PYTHON_ONLY",
    "REGEX_TIMEOUT",
    "Binary",
    "Call",
    "Expression",
    "ExpressionError",
    "FieldRef",
    "Literal",
    "RegexTimeout",
    "Unary",
    "ValueType",
    "compile_sql",
    "evaluate",
    "infer_type",
    "is_truthy",
    "parse",
    "references",
    "regex_time_budget",
    "render",
]
