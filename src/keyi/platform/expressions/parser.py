"""Text -> syntax tree, with a LALR(1) lark grammar.

The grammar is LALR so parsing is linear and iterative (no recursion limit to hit), and the tree is
built inline by lark's transformer hook. Errors carry the character offset of the problem.
``NOT`` directly followed by ``(`` is always the function ``NOT(x)``; other uses are the prefix
operator, which binds looser than comparisons (``NOT a = b`` is ``NOT (a = b)``).
"""

from __future__ import annotations

import difflib
import functools
from decimal import Decimal
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from keyi.platform.expressions.errors import ExpressionError
from keyi.platform.expressions.functions import FUNCTION_NAMES, SPECS
from keyi.platform.expressions.nodes import (
    Binary,
    Call,
    Expression,
    FieldRef,
    Literal,
    Unary,
    children,
)

MAX_LENGTH = 10_000
MAX_DEPTH = 100
MAX_NUMBER_DIGITS = 1000

GRAMMAR = r"""
?start: or_expr

?or_expr: and_expr
        | or_expr (OR | OROR) and_expr              -> binop
?and_expr: not_expr
         | and_expr (AND | ANDAND) not_expr         -> binop
?not_expr: comparison
         | (NOT | BANG) not_expr                    -> unop
?comparison: concat
           | concat COMPARE concat                  -> binop
?concat: additive
       | concat AMP additive                        -> binop
?additive: multiplicative
         | additive (PLUS | MINUS) multiplicative   -> binop
?multiplicative: unary
               | multiplicative (STAR | SLASH) unary -> binop
?unary: atom
      | MINUS unary                                 -> unop
?atom: NUMBER                                       -> number
     | STRING                                       -> string
     | TRUE                                         -> true
     | FALSE                                        -> false
     | NULL                                         -> null
     | IDENT                                        -> field
     | (IDENT | AND | OR | NOT_CALL) "(" [arguments] ")" -> call
     | "(" or_expr ")"

arguments: or_expr ("," or_expr)*

NOT_CALL.3: /not(?=\s*\()/i
OR: "OR"i
AND: "AND"i
NOT: "NOT"i
TRUE: "TRUE"i
FALSE: "FALSE"i
NULL: "NULL"i
OROR: "||"
ANDAND: "&&"
BANG: "!"
COMPARE: "==" | "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
AMP: "&"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /'(?:[^'\\]|\\[\s\S])*'/ | /"(?:[^"\\]|\\[\s\S])*"/
IDENT: /[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*/i

%ignore /\s+/
"""

_CANONICAL_OPS = {"==": "=", "<>": "!=", "&&": "AND", "||": "OR", "!": "NOT"}
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t"}
# Tokens that can only start an operand (MINUS is also a binary operator, so not listed).
_OPERAND_TOKENS = frozenset({"NUMBER", "STRING", "IDENT", "TRUE", "FALSE", "NULL", "LPAR"})
# Tokens that may follow a complete operand.
_AFTER_OPERAND = frozenset(
    {"PLUS", "STAR", "SLASH", "AMP", "COMPARE", "AND", "OR", "ANDAND", "OROR", "RPAR", "$END"}
)


def unescape(body: str) -> str:
    r"""Resolve ``\\ \' \" \n \r \t``; other backslashes stay literal (handy in REGEX patterns)."""
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            nxt = body[index + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


class _Builder(Transformer[Token, Expression]):
    """Inline LALR callbacks: each receives the children of one reduced rule."""

    def number(self, items: list[Token]) -> Literal:
        token = items[0]
        if len(token) > MAX_NUMBER_DIGITS:
            raise ExpressionError(f"Number longer than {MAX_NUMBER_DIGITS} digits", token.start_pos)
        value: int | Decimal = Decimal(token) if "." in token else int(token)
        return Literal(value, token.start_pos)

    def string(self, items: list[Token]) -> Literal:
        token = items[0]
        return Literal(unescape(token[1:-1]), token.start_pos)

    def true(self, items: list[Token]) -> Literal:
        return Literal(True, items[0].start_pos)

    def false(self, items: list[Token]) -> Literal:
        return Literal(False, items[0].start_pos)

    def null(self, items: list[Token]) -> Literal:
        return Literal(None, items[0].start_pos)

    def field(self, items: list[Token]) -> FieldRef:
        return FieldRef(str(items[0]), items[0].start_pos)

    def binop(self, items: list[Any]) -> Binary:
        left, op, right = items
        symbol = str(op).upper()
        return Binary(_CANONICAL_OPS.get(symbol, symbol), left, right, op.start_pos)

    def unop(self, items: list[Any]) -> Unary:
        op, operand = items
        symbol = str(op).upper()
        return Unary(_CANONICAL_OPS.get(symbol, symbol), operand, op.start_pos)

    def arguments(self, items: list[Expression]) -> list[Expression]:
        return list(items)

    def call(self, items: list[Any]) -> Expression:
        token, arguments = items
        name = str(token).upper()
        args = tuple(arguments or ())
        position = token.start_pos
        if name not in FUNCTION_NAMES:
            message = f"Unknown function {name}"
            close = difflib.get_close_matches(name, sorted(FUNCTION_NAMES), n=1)
            raise ExpressionError(
                message + (f"; did you mean {close[0]}?" if close else ""), position
            )
        spec = SPECS[name]
        problem = spec.arity_error(len(args))
        if problem:
            raise ExpressionError(problem, position)
        if spec.static_check is not None:
            found = spec.static_check(args)
            if found is not None:
                message, index = found
                raise ExpressionError(message, args[index].position)
        if name == "NOT":
            return Unary("NOT", args[0], position)
        return Call(name, args, position)


_PARSER = Lark(
    GRAMMAR,
    parser="lalr",
    lexer="contextual",
    transformer=_Builder(),
    maybe_placeholders=True,
)


def parse(source: str) -> Expression:
    """Parse expression text into an immutable tree; raise :class:`ExpressionError` on problems.

    Trees are cached by source text: formulas and validation rules are evaluated for every record
    written, and parsing costs far more than evaluating. Trees are immutable, so sharing is safe.
    """
    if not isinstance(source, str):
        raise TypeError("expression source must be a string")
    return _parse_cached(source)


@functools.lru_cache(maxsize=4096)
def _parse_cached(source: str) -> Expression:
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"Expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not source.strip():
        raise ExpressionError("Empty expression", 0)
    try:
        tree: Expression = _PARSER.parse(source)  # type: ignore[assignment]
    except UnexpectedInput as error:
        raise _syntax_error(source, error) from None
    _check_depth(tree)
    return tree


def _describe(token: Token) -> str:
    if token.type == "STRING":
        return "string"
    if token.type == "NUMBER":
        return f"number {token}"
    if token.type == "IDENT":
        return f"name '{token}'"
    return f"'{token}'"


def _syntax_error(source: str, error: UnexpectedInput) -> ExpressionError:
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        char = source[position or 0]
        if char in "'\"":
            return ExpressionError("Unterminated string", position)
        return ExpressionError(f"Unexpected character {char!r}", position)
    expected: set[str] = set(getattr(error, "expected", set()) or set())
    token = error.token if isinstance(error, UnexpectedToken) else None
    if isinstance(error, UnexpectedEOF) or token is None or token.type == "$END":
        position = len(source.rstrip())
        if expected & _OPERAND_TOKENS:
            return ExpressionError("Unexpected end of expression; expected a value", position)
        if "RPAR" in expected:
            return ExpressionError("Missing ')'", position)
        return ExpressionError("Unexpected end of expression", position)
    position = token.start_pos if token.start_pos is not None else 0
    message = f"Unexpected {_describe(token)}"
    if token.type == "COMPARE" and "COMPARE" not in expected and expected & _AFTER_OPERAND:
        message += "; comparisons cannot be chained, combine them with AND"
    elif token.type in _OPERAND_TOKENS and expected & _AFTER_OPERAND:
        message += "; expected an operator"
    elif expected & _OPERAND_TOKENS:
        message += "; expected a value"
    elif expected and expected <= {"RPAR", "COMMA"}:
        message += "; expected ')'" if expected == {"RPAR"} else "; expected ',' or ')'"
    return ExpressionError(message, position)


def _check_depth(tree: Expression) -> None:
    """Bound nesting so the recursive evaluator/compiler can never exhaust the stack."""
    stack: list[tuple[Expression, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"Expression nested deeper than {MAX_DEPTH} levels", node.position
            )
        stack.extend((child, depth + 1) for child in children(node))
