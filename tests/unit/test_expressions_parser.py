"""Parsing, precedence, rendering and error positions of the expression language."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from keyi.platform.expressions import (
    Binary,
    Call,
    ExpressionError,
    FieldRef,
    Literal,
    Unary,
    parse,
    references,
    render,
)
from keyi.platform.expressions.parser import MAX_DEPTH, MAX_LENGTH


# --------------------------------------------------------------------------- literals and atoms
@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("42", 42),
        ("0", 0),
        ("007", 7),
        ("3.14", Decimal("3.14")),
        ("1.50", Decimal("1.50")),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("'hello'", "hello"),
        ('"hello"', "hello"),
        ("''", ""),
        ("'it\\'s'", "it's"),
        ('"say \\"hi\\""', 'say "hi"'),
        ("'a\\\\b'", "a\\b"),
        ("'line\\nbreak\\ttab\\r'", "line\nbreak\ttab\r"),
        ("'\\d+'", "\\d+"),
        ("'中文 é 😀'", "中文 é 😀"),
        ('"it\'s"', "it's"),
        ("TRUE", True),
        ("true", True),
        ("False", False),
        ("NULL", None),
        ("null", None),
    ],
)
def test_literals(source: str, value: object) -> None:
    tree = parse(source)
    assert isinstance(tree, Literal)
    assert tree.value == value
    assert type(tree.value) is type(value)


def test_decimal_literal_is_decimal_not_float() -> None:
    tree = parse("0.1")
    assert isinstance(tree, Literal)
    assert isinstance(tree.value, Decimal)
    assert tree.value == Decimal("0.1")


@pytest.mark.parametrize("path", ["amount", "account.industry", "a.b.c", "_x1", "Amount"])
def test_field_references(path: str) -> None:
    assert parse(path) == FieldRef(path)


def test_keyword_prefixes_are_field_names() -> None:
    assert parse("and_total + notes + order_no + true_value + nullable") == parse(
        "(((and_total + notes) + order_no) + true_value) + nullable"
    )
    assert references(parse("and_total + notes + nullable")) == {"and_total", "notes", "nullable"}


def test_whitespace_is_insignificant() -> None:
    assert parse("  IF( a>1 ,\n\t'x' ,  'y' )  ") == parse("IF(a > 1, 'x', 'y')")
    assert parse("1\u3000+\u30002") == parse("1 + 2")  # ideographic space


# --------------------------------------------------------------------------- precedence
@pytest.mark.parametrize(
    ("source", "explicit"),
    [
        ("1 + 2 * 3", "1 + (2 * 3)"),
        ("1 * 2 + 3", "(1 * 2) + 3"),
        ("1 - 2 - 3", "(1 - 2) - 3"),
        ("8 / 4 / 2", "(8 / 4) / 2"),
        ("-a * b", "(-a) * b"),
        ("-a + b", "(-a) + b"),
        ("--a", "-(-a)"),
        ("a - -b", "a - (-b)"),
        ("'x' & 1 + 2", "'x' & (1 + 2)"),
        ("a = b & c", "a = (b & c)"),
        ("a + 1 > b * 2", "(a + 1) > (b * 2)"),
        ("a OR b AND c", "a OR (b AND c)"),
        ("a AND b OR c AND d", "(a AND b) OR (c AND d)"),
        ("a AND b AND c", "(a AND b) AND c"),
        ("NOT a AND b", "(NOT a) AND b"),
        ("NOT a = b", "NOT (a = b)"),
        ("NOT NOT a", "NOT (NOT a)"),
        ("x > 1 AND y < 2", "(x > 1) AND (y < 2)"),
        ("a && b || c", "(a AND b) OR c"),
        ("!a", "NOT a"),
        ("! a && b", "(NOT a) AND b"),
        ("a == b", "a = b"),
        ("a <> b", "a != b"),
        ("a != b", "a <> b"),
        ("not(a) = b", "(NOT a) = b"),
        ("NOT (a OR b)", "NOT(a OR b)"),
        ("a and b or not c", "(a AND b) OR (NOT c)"),
    ],
)
def test_precedence(source: str, explicit: str) -> None:
    assert parse(source) == parse(explicit)


def test_tree_shape_of_mixed_expression() -> None:
    tree = parse("a + 2 * b > 10 AND NOT ISBLANK(c)")
    assert tree == Binary(
        "AND",
        Binary(
            ">",
            Binary("+", FieldRef("a"), Binary("*", Literal(2), FieldRef("b"))),
            Literal(10),
        ),
        Unary("NOT", Call("ISBLANK", (FieldRef("c"),))),
    )


def test_function_names_are_case_insensitive_and_canonical() -> None:
    assert parse("if(a, 1, 2)") == parse("IF(a, 1, 2)") == parse("If(a, 1, 2)")
    tree = parse("blankValue(a, 'x')")
    assert isinstance(tree, Call)
    assert tree.name == "BLANKVALUE"


def test_logical_functions_and_operators() -> None:
    assert parse("AND(a, b, c)") == Call("AND", (FieldRef("a"), FieldRef("b"), FieldRef("c")))
    assert parse("or(a)") == Call("OR", (FieldRef("a"),))
    assert parse("NOT(a)") == Unary("NOT", FieldRef("a"))
    assert parse("AND(a, b) OR c") == Binary(
        "OR", Call("AND", (FieldRef("a"), FieldRef("b"))), FieldRef("c")
    )


def test_zero_argument_call() -> None:
    assert parse("TODAY()") == Call("TODAY", ())
    assert parse("now ( )") == Call("NOW", ())


def test_positions() -> None:
    tree = parse("price * (1 - discount)")
    assert isinstance(tree, Binary)
    assert tree.position == 6
    assert tree.left.position == 0
    assert isinstance(tree.right, Binary)
    assert tree.right.position == 11
    assert tree.right.right.position == 13
    call = parse("  LEN(name)")
    assert call.position == 2
    assert isinstance(call, Call)
    assert call.args[0].position == 6


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("", 0, "Empty expression"),
        ("   ", 0, "Empty expression"),
        ("1 +", 3, "end of expression"),
        ("1 + ", 3, "end of expression"),
        ("(1 + 2", 6, "Missing ')'"),
        ("1 + (2 * )", 9, "expected a value"),
        ("1 2", 2, "expected an operator"),
        ("a b", 2, "expected an operator"),
        ("amount )", 7, "Unexpected ')'"),
        ("'abc", 0, "Unterminated string"),
        ('x = "abc', 4, "Unterminated string"),
        ("a < b < c", 6, "cannot be chained"),
        ("a # b", 2, "Unexpected character '#'"),
        ("a ^ 2", 2, "Unexpected character '^'"),
        ("1.", 1, "Unexpected character '.'"),
        ("FOO(1)", 0, "Unknown function FOO"),
        ("1 + flor(x)", 4, "did you mean FLOOR"),
        ("IF(a, 1)", 0, "IF expects 3 arguments, got 2"),
        ("LEN()", 0, "LEN expects 1 argument, got 0"),
        ("x + ROUND(1, 2, 3)", 4, "ROUND expects 1 to 2 arguments, got 3"),
        ("CONCAT()", 0, "CONCAT expects at least 1 argument"),
        ("TODAY(1)", 0, "TODAY expects 0 arguments, got 1"),
        ("CASE(a, 1, 2)", 0, "CASE expects at least 4 arguments"),
        ("CASE(a, 1, 'x', 2, 'y')", 0, "even count"),
        ("NOT(a, b)", 0, "NOT expects 1 argument, got 2"),
        ("REGEX(s, '[a-')", 9, "Invalid regular expression"),
        ("a.b(1)", 0, "Unknown function A.B"),
        ("IF(a, 1, 2", 10, "Missing ')'"),
        ("IF(a 1)", 5, "expected an operator"),
        ("IF(a, 1, 2 3)", 11, "expected an operator"),
        ("f(", 2, "end of expression"),
        ("a = = b", 4, "expected a value"),
        ("x = ,", 4, "Unexpected ','"),
        ("a AND", 5, "end of expression"),
        ("()", 1, "expected a value"),
        ("1 + " + "9" * 1001, 4, "Number longer than 1000 digits"),
    ],
)
def test_syntax_errors_have_positions(source: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert caught.value.position == position, caught.value
    assert fragment in caught.value.message
    assert f"position {position}" in str(caught.value)


def test_error_attributes() -> None:
    error = ExpressionError("Bad thing", 3)
    assert error.message == "Bad thing"
    assert error.position == 3
    assert str(error) == "Bad thing (at position 3)"
    assert str(ExpressionError("No place")) == "No place"


def test_length_limit() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse("1" * (MAX_LENGTH + 1))
    assert parse("1 + " * 90 + "1") is not None


def test_depth_limit_is_enforced_without_recursion_error() -> None:
    deep = "-" * (MAX_DEPTH + 5) + "1"
    with pytest.raises(ExpressionError, match="nested deeper"):
        parse(deep)
    nested_calls = "ABS(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match="nested deeper"):
        parse(nested_calls)
    # Redundant parentheses do not create nodes, so they do not count.
    assert parse("(" * 500 + "1" + ")" * 500) == Literal(1)


def test_non_string_source_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse(42)


# --------------------------------------------------------------------------- tree properties
def test_nodes_are_immutable_and_hashable() -> None:
    tree = parse("a + 1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.op = "-"
    assert hash(tree) == hash(parse("a+1"))
    assert {tree: 1}[parse(" a +  1")] == 1


def test_position_is_not_part_of_equality() -> None:
    assert parse("a+1") == parse("  a   +   1")
    assert Literal(1, 0) == Literal(1, 99)


def test_literal_kinds_keep_true_and_one_apart() -> None:
    assert Literal(True) != Literal(1)
    assert Literal(1) != Literal(Decimal(1))
    assert Literal(False) != Literal(0)
    with pytest.raises(TypeError):
        Literal(1.5)


def test_invalid_operators_rejected_by_nodes() -> None:
    with pytest.raises(ValueError):
        Binary("^", Literal(1), Literal(2))
    with pytest.raises(ValueError):
        Unary("+", Literal(1))


# --------------------------------------------------------------------------- references
def test_references() -> None:
    tree = parse("IF(amount > 100 AND account.industry = 'Tech', amount * rate, BLANKVALUE(x, 0))")
    assert references(tree) == frozenset({"amount", "account.industry", "rate", "x"})
    assert references(parse("1 + 2")) == frozenset()
    assert references(parse("TODAY()")) == frozenset()


# --------------------------------------------------------------------------- render
@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("1+2*3", "1 + 2 * 3"),
        ("(1+2)*3", "(1 + 2) * 3"),
        ("1-(2-3)", "1 - (2 - 3)"),
        ("(1-2)-3", "1 - 2 - 3"),
        ("-(a+b)", "-(a + b)"),
        ("- -a", "--a"),
        ("a && b || !c", "a AND b OR NOT c"),
        ("(a OR b) AND c", "(a OR b) AND c"),
        ("not (a or b)", "NOT (a OR b)"),
        ("NOT(a) = b", "(NOT a) = b"),
        ("NOT ((a OR b) = c)", "NOT ((a OR b) = c)"),
        ("a == b", "a = b"),
        ("a <> b", "a != b"),
        ("(a = b) = c", "(a = b) = c"),
        ('if(x,1.50,"it\'s")', "IF(x, 1.50, 'it\\'s')"),
        ("'a\\\\b\nc'", "'a\\\\b\\nc'"),
        ("x & (y & z)", "x & (y & z)"),
        ("and(a , b)", "AND(a, b)"),
        ("true = false", "TRUE = FALSE"),
        ("null", "NULL"),
    ],
)
def test_render_is_canonical_and_round_trips(source: str, canonical: str) -> None:
    tree = parse(source)
    assert render(tree) == canonical
    assert parse(canonical) == tree


def test_render_of_built_tree() -> None:
    tree = Call("ROUND", (Binary("/", FieldRef("a"), Literal(Decimal("2.50"))), Literal(2)))
    assert render(tree) == "ROUND(a / 2.50, 2)"
    assert render(Literal(Decimal("1E+3"))) == "1000"
