"""Property tests of the syntax: render/parse round trip and parser robustness (Hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keyi.platform.expressions import (
    Binary,
    Call,
    Expression,
    ExpressionError,
    FieldRef,
    Literal,
    Unary,
    parse,
    render,
)
from keyi.platform.expressions.functions import FUNCTION_NAMES, SPECS
from keyi.platform.expressions.nodes import BINARY_OPERATORS

KEYWORDS = {"and", "or", "not", "true", "false", "null"}
names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
paths = st.lists(names, min_size=1, max_size=3).map(".".join)
decimals = st.builds(
    lambda digits, places: Decimal(digits).scaleb(-places),
    st.integers(0, 10**12),
    st.integers(1, 6),
)
literals = st.one_of(
    st.integers(0, 10**25).map(Literal),
    decimals.map(Literal),
    st.text(st.characters(codec="utf-8"), max_size=12).map(Literal),
    st.booleans().map(Literal),
    st.none().map(Literal),
)
leaves: st.SearchStrategy[Expression] = st.one_of(literals, paths.map(FieldRef))
CALLABLE = sorted(FUNCTION_NAMES - {"NOT"})  # NOT(x) parses to the unary operator


@st.composite
def calls(draw: st.DrawFn, children: st.SearchStrategy[Expression]) -> Expression:
    name = draw(st.sampled_from(CALLABLE))
    spec = SPECS[name]
    high = spec.max_args if spec.max_args is not None else spec.min_args + 3
    count = draw(st.integers(spec.min_args, high))
    if spec.arity_error(count):  # CASE needs an even count
        count += 1
    args = [draw(children) for _ in range(count)]
    if name == "REGEX":  # a literal pattern is validated at parse time
        args[1] = FieldRef("pattern")
    return Call(name, tuple(args))


def extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "NOT"]), children),
        st.builds(Binary, st.sampled_from(sorted(BINARY_OPERATORS)), children, children),
        calls(children),
    )


trees = st.recursive(leaves, extend, max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_render_parse_round_trip(tree: Expression) -> None:
    text = render(tree)
    reparsed = parse(text)
    assert reparsed == tree, text
    assert render(reparsed) == text


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="abxNOTandor()+-*/&=<>!|,.'\"\\ 0123456789_\n", max_size=40),
        st.text(max_size=40),
    )
)
def test_parser_never_crashes(source: str) -> None:
    try:
        tree = parse(source)
    except ExpressionError as error:
        assert error.position is not None
        assert 0 <= error.position <= len(source)
    else:
        assert parse(render(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=30))
def test_string_literals_round_trip(value: str) -> None:
    assert parse(render(Literal(value))) == Literal(value)
    double_quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert parse(double_quoted) == Literal(value)
