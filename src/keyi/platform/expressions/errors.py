"""The single error type of the expression language.

Every problem a formula author can cause (syntax, unknown function or field, wrong arity, type
mismatch, an operation the SQL backend cannot express) surfaces as :class:`ExpressionError`, so
callers (metadata validation, the records service, the API error mapper) need to catch only one
thing and can point the user at the offending character via :attr:`position`.
"""

from __future__ import annotations


class ExpressionError(Exception):
    """A user-facing problem with an expression.

    ``message`` is a sentence without location; ``position`` is the 0-based character offset in
    the source text, or ``None`` when the problem has no single location (e.g. an AST built by
    code rather than parsed).
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} (at position {position})")


class RegexTimeout(ExpressionError):
    """REGEX ran out of time on a value: its pattern backtracks too much on that input.

    Distinct from other evaluation problems because the value, not the rule, is to blame: a
    validation rule must not silently pass a value it could not check (fail closed).
    """
