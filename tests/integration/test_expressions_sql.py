"""SQL compilation of expressions gives the same results as Python evaluation.

Runs on in-memory SQLite always and on PostgreSQL when ``KEYI_TEST_POSTGRES_URL`` is set. The
field values live in a real one-row table (so storage conversions such as SQLite's NUMERIC affinity
are part of the test); ``resolve`` maps ``account.name`` to a column ``account__name``, standing in
for a join.

Numbers: Python and PostgreSQL compute exactly; SQLite computes decimals in IEEE doubles. Numeric
results are therefore compared with a tolerance scaled to the largest intermediate value, and the
random-tree generator feeds comparisons, TEXT(), FLOOR() and friends only with "exact" numbers
(integers and decimal atoms), whose float images order and print exactly like the decimals.
"""

from __future__ import annotations

import functools
import math
import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from keyi.platform.expressions import (
    FUNCTION_NAMES,
    PYTHON_ONLY,
    Binary,
    Call,
    Expression,
    FieldRef,
    Literal,
    Unary,
    compile_sql,
    evaluate,
    parse,
    render,
)
from keyi.platform.expressions.nodes import children

POSTGRES_URL = os.environ.get("KEYI_TEST_POSTGRES_URL")
TODAY = date(2024, 5, 17)
NOW = datetime(2024, 5, 17, 8, 30, 0, 250000)

COLUMNS: dict[str, sa.types.TypeEngine[Any]] = {
    "i": sa.BigInteger(),
    "d": sa.Numeric(14, 2),
    "s": sa.Text(),
    "b": sa.Boolean(),
    "dt": sa.Date(),
    "ts": sa.DateTime(),
    "account.name": sa.String(200),
    "account.size": sa.Integer(),
}


def column_name(path: str) -> str:
    return path.replace(".", "__")


class Database:
    """A one-row table per backend; each evaluation inserts the row inside a rolled-back
    transaction, so examples are independent and nothing is left behind."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.metadata = sa.MetaData()
        self.table = sa.Table(
            f"expr_eq_{uuid.uuid4().hex[:10]}",
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            *(sa.Column(column_name(path), type_) for path, type_ in COLUMNS.items()),
        )
        self.metadata.create_all(engine)

    def resolve(self, path: str) -> sa.ColumnElement[Any]:
        return self.table.c[column_name(path)]

    def run(self, tree: Expression, values: dict[str, Any]) -> Any:
        return self.run_rows(tree, [values])[0]

    def run_rows(self, tree: Expression, rows: list[dict[str, Any]]) -> list[Any]:
        """Value of ``tree`` for each row, in one round trip."""
        element = compile_sql(tree, self.resolve, dialect=self.dialect, today=TODAY, now=NOW)
        with self.engine.connect() as connection, connection.begin() as transaction:
            connection.execute(
                self.table.insert(),
                [
                    {"id": index, **{column_name(path): value for path, value in row.items()}}
                    for index, row in enumerate(rows)
                ],
            )
            query = sa.select(element).select_from(self.table).order_by(self.table.c.id)
            results = list(connection.execute(query).scalars())
            transaction.rollback()
        return results

    def count_where(self, condition: Expression, rows: list[dict[str, Any]]) -> int:
        element = compile_sql(condition, self.resolve, dialect=self.dialect, today=TODAY, now=NOW)
        with self.engine.connect() as connection, connection.begin() as transaction:
            connection.execute(
                self.table.insert(),
                [
                    {"id": index, **{column_name(path): value for path, value in row.items()}}
                    for index, row in enumerate(rows)
                ],
            )
            query = sa.select(sa.func.count()).select_from(self.table).where(element)
            count = connection.execute(query).scalar_one()
            transaction.rollback()
        return int(count)

    def close(self) -> None:
        self.metadata.drop_all(self.engine)
        self.engine.dispose()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="KEYI_TEST_POSTGRES_URL not set"),
    ),
]


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = "sqlite://" if request.param == "sqlite" else POSTGRES_URL
    assert url is not None
    database = Database(sa.create_engine(url))
    yield database
    database.close()


def assert_same(python: Any, sql: Any, tolerance: float = 1e-9, context: str = "") -> None:
    """Equal values of the same Python type; numbers within ``tolerance``.

    int and Decimal count as one type here: Python infers types from the values, so a NULL field
    can make ``IF(c, d, 0)`` INTEGER in Python while the column makes it DECIMAL in SQL.
    """
    numbers = (int, Decimal)
    if type(python) in numbers and type(sql) in numbers:
        assert math.isclose(python, sql, rel_tol=1e-9, abs_tol=tolerance), (
            f"{context}: python={python!r} sql={sql!r}"
        )
    else:
        assert type(python) is type(sql), f"{context}: python={python!r} sql={sql!r}"
        assert python == sql, f"{context}: python={python!r} sql={sql!r}"


# --------------------------------------------------------------------------- examples
FULL_ROW: dict[str, Any] = {
    "i": 7,
    "d": Decimal("1234.56"),
    "s": "  Acme Corp\t",
    "b": True,
    "dt": date(2024, 2, 28),
    "ts": datetime(2024, 1, 15, 9, 30, 45, 123456),
    "account.name": "客易科技 ß é 😀",
    "account.size": -3,
}
EDGE_ROW: dict[str, Any] = {
    "i": 0,
    "d": Decimal("-0.50"),
    "s": "",
    "b": False,
    "dt": date(2000, 1, 1),
    "ts": datetime(1999, 12, 31, 23, 59, 59, 999999),
    "account.name": "B'x\"\\%_",
    "account.size": 0,
}
NULL_ROW: dict[str, Any] = dict.fromkeys(COLUMNS)

EXAMPLES = [
    "i + account.size * 2 - 1",
    "d * i",
    "d + 0.44",
    "i / 2",
    "d / 3",
    "i / account.size",
    "d / 0",
    "-d",
    "--i",
    "200 * 200 * 200 * 200 * 200",
    "s & '|' & i & '|' & d & '|' & b & '|' & dt & '|' & ts",
    "'x' & NULL & s",
    "i = 7",
    "i != account.size",
    "d > 1000",
    "d <= -0.5",
    "s < 'B'",
    "account.name > 'z'",
    "s = ''",
    "b = TRUE",
    "b < TRUE",
    "dt < ts",
    "dt >= DATE(2024, 2, 28)",
    "ts > dt",
    "NULL = NULL",
    "b AND i > 0",
    "b OR i > 100",
    "NOT b",
    "NOT (i > 3 AND d > 0)",
    "NOT(b) = b",
    "AND(b, i > 0, d > 0)",
    "OR(b, i > 100)",
    "AND(NULL, b)",
    "IF(b, 'yes', 'no')",
    "IF(i > 5, d, i)",
    "IF(b, NULL, 1)",
    "IF(NULL, 1, 2)",
    "CASE(i, 7, 'seven', 0, 'zero', 'other')",
    "CASE(s, '', 'empty', 'something')",
    "CASE(dt, DATE(2024, 2, 28), 1, 2)",
    "CASE(b, TRUE, d, 0)",
    "ISBLANK(s)",
    "ISBLANK(i)",
    "ISBLANK(dt)",
    "ISBLANK(NULL)",
    # NOT inside ISBLANK: rendered without parentheses, NOT x IS NULL meant NOT (x IS NULL).
    "ISBLANK(NOT (dt = dt))",
    "ISBLANK(NOT b)",
    "BLANKVALUE(s, 'none')",
    "BLANKVALUE(i, 42)",
    "BLANKVALUE(d, i)",
    "BLANKVALUE(NULL, dt)",
    "LEN(s)",
    "LEN(account.name)",
    "UPPER(s) & LOWER(account.name)",
    "TRIM(s)",
    "LEFT(s, 4)",
    "LEFT(account.name, i)",
    "LEFT(s, -1)",
    "LEFT(s, 2.7)",
    "LEFT('abc', i) & RIGHT('abc', account.size)",
    "ROUND(1.5, i)",
    "ADDDAYS(DATE(2020, 1, 1), i)",
    "RIGHT(s, 3)",
    "RIGHT(account.name, account.size)",
    "RIGHT(s, i)",
    "CONTAINS(s, 'Corp')",
    "CONTAINS(s, '')",
    "BEGINS(TRIM(s), 'Acme')",
    "BEGINS(account.name, '客易')",
    "CONCAT(s, i, NULL, d, b, dt)",
    "TEXT(i)",
    "TEXT(d)",
    "TEXT(d / 3)",
    "TEXT(i / 4)",
    "TEXT(0.00000000004 + d * 0)",
    "TEXT(b)",
    "TEXT(dt)",
    "TEXT(ts)",
    "VALUE(TEXT(d))",
    "VALUE(' -12.50 ')",
    "VALUE('+7')",
    "VALUE('1e5')",
    "VALUE('1.')",
    "VALUE('.5')",
    "VALUE('--1')",
    "VALUE(s)",
    "ROUND(d)",
    "ROUND(d, 1)",
    "ROUND(d, -2)",
    "ROUND(i * 125, -1)",
    "ROUND(d, i - 8)",
    "ROUND(i, account.size)",
    "ROUND(2.45, 1)",
    "ROUND(-2.5)",
    "ABS(d) + ABS(account.size)",
    "FLOOR(d)",
    "FLOOR(-2.5)",
    "FLOOR(i)",
    "CEILING(d)",
    "CEILING(-2.5)",
    "MOD(i, 3)",
    "MOD(-7, 3)",
    "MOD(d, 7)",
    "MOD(7.5, -2)",
    "MOD(0.3, 0.1)",
    "MOD(i, 0)",
    "MIN(i, account.size, 5)",
    "MAX(d, i)",
    "MAX(s, account.name)",
    "MIN(dt, DATE(2023, 1, 1))",
    "MAX(ts, NOW())",
    "MIN(i)",
    "MAX(NULL, NULL)",
    "TODAY()",
    "NOW()",
    "YEAR(dt) * 10000 + MONTH(dt) * 100 + DAY(dt)",
    "YEAR(ts) + MONTH(ts) + DAY(ts)",
    "DATE(2024, 2, 29)",
    "DATE(2023, 2, 29)",
    "DATE(2024, 13, 1)",
    "DATE(0, 1, 1)",
    "DATE(2024.9, i, 1.5)",
    "DATE(YEAR(dt), MONTH(dt) + 1, DAY(dt))",
    "ADDDAYS(dt, i)",
    "ADDDAYS(dt, -1.9)",
    "ADDDAYS(ts, account.size)",
    "ADDDAYS(TODAY(), 30)",
    "ADDDAYS(dt, 3000000)",
    "ADDDAYS(dt, -800000)",
    "ADDDAYS(ts, 10000000000)",
    "ADDDAYS(DATE(9999, 12, 31), 1)",
    "ADDDAYS(DATE(1, 1, 1), -1)",
    "ADDDAYS(ADDDAYS(ts, -3000000), 3000000)",
    "ROUND(d, 1000)",
    "ROUND(d, -1000) + ROUND(d, i * 1000)",
    "DAYSBETWEEN(dt, TODAY())",
    "DAYSBETWEEN(ts, dt)",
    "DAYSBETWEEN(ts, NOW())",
    "IS_USCC(s)",
    "IS_USCC(account.name)",
    "IS_USCC('914403001922038216')",
    "IS_USCC('914403001922038217')",
    "IS_USCC('91350100M000100Y43' & s)",
    "IS_USCC(LOWER('91350100M000100Y43'))",
    "IS_USCC('9135010OM000100Y43')",
]


def test_examples_cover_every_sql_function() -> None:
    import re

    used = {name for source in EXAMPLES for name in re.findall(r"([A-Z_]+)\(", source)}
    assert (FUNCTION_NAMES - PYTHON_ONLY) - used == set()


@pytest.mark.parametrize("source", EXAMPLES)
def test_examples_match_python(db: Database, source: str) -> None:
    tree = parse(source)
    rows = [FULL_ROW, EDGE_ROW, NULL_ROW]
    for name, row, actual in zip(
        ["full", "edge", "null"], rows, db.run_rows(tree, rows), strict=True
    ):
        expected = evaluate(tree, row, today=TODAY, now=NOW)
        assert_same(expected, actual, tolerance=1e-9, context=f"{source} [{name} row]")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("7 / 2", Decimal("3.5")),
        ("MOD(-7, 3)", -1),
        ("TEXT(1 / 3)", "0.3333333333"),
        ("DATE(2023, 2, 29)", None),
        ("UPPER('straße é')", "STRAßE é"),
        ("'B' < 'a'", True),
        ("ROUND(1250, -2)", 1300),
        ("ADDDAYS(DATE(2024, 2, 28), 2)", date(2024, 3, 1)),
        ("VALUE(' 12.50 ')", Decimal("12.5")),
        ("IS_USCC('91110108551385082Q')", True),
        ("IS_USCC('91110108551385082R')", False),
        ("IS_USCC('9111010855138508')", False),
    ],
)
def test_known_sql_results(db: Database, source: str, expected: Any) -> None:
    assert_same(expected, db.run(parse(source), FULL_ROW), context=source)


def test_condition_as_where_clause(db: Database) -> None:
    rows = [FULL_ROW, EDGE_ROW, NULL_ROW, {**FULL_ROW, "i": 1}]
    condition = parse("i > 2 OR ISBLANK(s)")
    expected = sum(1 for row in rows if evaluate(condition, row, today=TODAY, now=NOW) is True)
    assert db.count_where(condition, rows) == expected == 3


# --------------------------------------------------------------------------- random trees
ALPHABET = "abcXYZ019 .-+_'\"\\%\t\néß中文😀"
DEPTH = 3


def lit(value: Any) -> Literal:
    return Literal(value)


def field(path: str) -> st.SearchStrategy[Expression]:
    return st.just(FieldRef(path))


def call(name: str, *args: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    return st.tuples(*args).map(lambda values: Call(name, tuple(values)))


def binary(
    op: str, left: st.SearchStrategy[Expression], right: st.SearchStrategy[Expression]
) -> st.SearchStrategy[Expression]:
    return st.tuples(left, right).map(lambda pair: Binary(op, pair[0], pair[1]))


def variadic(
    name: str, args: st.SearchStrategy[Expression], low: int = 1
) -> st.SearchStrategy[Expression]:
    return st.lists(args, min_size=low, max_size=3).map(lambda values: Call(name, tuple(values)))


def negate(inner: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    return inner.map(lambda node: Unary("-", node))


NULL = st.just(Literal(None))
INT_LITS = st.integers(0, 1000).map(lit)
DEC_LITS = st.builds(
    lambda n, p: Literal(Decimal(n).scaleb(-p)), st.integers(0, 100_000), st.integers(1, 2)
)
TEXT_LITS = st.text(ALPHABET, max_size=6).map(lit)
DEC_ATOMS = st.one_of(DEC_LITS, field("d"), negate(DEC_LITS))
DIGITS = st.integers(-3, 4).map(lambda k: Literal(k) if k >= 0 else Unary("-", Literal(-k)))
SMALL_DAYS = st.one_of(
    st.integers(0, 30_000).map(lit),
    negate(st.integers(0, 30_000).map(lit)),
    field("i"),
    field("account.size"),
    DEC_ATOMS,
)
NUMERAL_TEXTS = st.sampled_from(
    [" 12.5", "+3", "-0.25", "007", "1e5", "1.", ".5", "abc", "", "1.2.3", "-", "12 ", "\t9\n"]
).map(lit)


def if_(branch: st.SearchStrategy[Expression], depth: int) -> st.SearchStrategy[Expression]:
    return call("IF", bools(depth), branch, branch)


def case(
    subject: st.SearchStrategy[Expression],
    matches: st.SearchStrategy[Expression],
    result: st.SearchStrategy[Expression],
) -> st.SearchStrategy[Expression]:
    def build(parts: tuple[Any, ...]) -> Expression:
        head, pairs, default = parts
        flat = [item for pair in pairs for item in pair]
        return Call("CASE", (head, *flat, default))

    pairs = st.lists(st.tuples(matches, result), min_size=1, max_size=2)
    return st.tuples(subject, pairs, result).map(build)


@functools.cache
def ints(depth: int) -> st.SearchStrategy[Expression]:
    """INTEGER expressions (exact in every backend while magnitudes stay below 2**53)."""
    leaves = st.one_of(INT_LITS, field("i"), field("account.size"), NULL)
    if depth == 0:
        return leaves
    sub, below = ints(depth - 1), depth - 1
    return st.one_of(
        leaves,
        st.one_of(
            negate(sub),
            *(binary(op, sub, sub) for op in ("+", "-", "*")),
            call("LEN", texts(below)),
            call("FLOOR", exact(below)),
            call("CEILING", exact(below)),
            call("ROUND", sub, DIGITS),
            call("ABS", sub),
            call("MOD", sub, sub),
            *(call(name, datelike(below)) for name in ("YEAR", "MONTH", "DAY")),
            call("DAYSBETWEEN", datelike(below), datelike(below)),
            if_(sub, below),
            case(sub, INT_LITS, sub),
            call("BLANKVALUE", sub, sub),
            variadic("MIN", sub),
            variadic("MAX", sub),
        ),
    )


@functools.cache
def exact(depth: int) -> st.SearchStrategy[Expression]:
    """Numbers whose SQLite float image compares and prints like the exact decimal."""
    return st.one_of(ints(depth), DEC_ATOMS)


@functools.cache
def nums(depth: int) -> st.SearchStrategy[Expression]:
    """Any numeric expression; SQLite may be off in the last float bits."""
    if depth == 0:
        return st.one_of(exact(0), NULL)
    sub, below = nums(depth - 1), depth - 1
    return st.one_of(
        exact(depth),
        st.one_of(
            *(binary(op, sub, sub) for op in ("+", "-", "*")),
            binary("/", sub, exact(below)),
            negate(sub),
            call("ROUND", exact(below), DIGITS),
            call("ABS", sub),
            call("MOD", exact(below), exact(below)),
            call("VALUE", st.one_of(NUMERAL_TEXTS, call("TEXT", exact(below)), texts(below))),
            if_(sub, below),
            call("BLANKVALUE", sub, sub),
            variadic("MIN", sub),
            variadic("MAX", sub),
        ),
    )


def printable(depth: int) -> st.SearchStrategy[Expression]:
    return st.one_of(texts(depth), exact(depth), bools(depth), dates(depth), datetimes(depth))


@functools.cache
def texts(depth: int) -> st.SearchStrategy[Expression]:
    leaves = st.one_of(TEXT_LITS, field("s"), field("account.name"), NULL)
    if depth == 0:
        return leaves
    sub, below = texts(depth - 1), depth - 1
    return st.one_of(
        leaves,
        st.one_of(
            binary("&", printable(below), printable(below)),
            variadic("CONCAT", printable(below)),
            call("UPPER", sub),
            call("LOWER", sub),
            call("TRIM", sub),
            call("LEFT", sub, exact(below)),
            call("RIGHT", sub, exact(below)),
            call("TEXT", printable(below)),
            if_(sub, below),
            case(sub, TEXT_LITS, sub),
            case(exact(below), DEC_LITS, sub),
            call("BLANKVALUE", sub, sub),
            variadic("MIN", sub),
            variadic("MAX", sub),
        ),
    )


COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


@functools.cache
def bools(depth: int) -> st.SearchStrategy[Expression]:
    leaves = st.one_of(st.sampled_from([Literal(True), Literal(False), Literal(None)]), field("b"))
    if depth == 0:
        return leaves
    sub, below = bools(depth - 1), depth - 1
    comparable_pairs = [
        (exact(below), exact(below)),
        (texts(below), texts(below)),
        (sub, sub),
        (datelike(below), datelike(below)),
    ]
    return st.one_of(
        leaves,
        st.one_of(
            *(
                st.tuples(st.sampled_from(COMPARISONS), left, right).map(
                    lambda parts: Binary(parts[0], parts[1], parts[2])
                )
                for left, right in comparable_pairs
            ),
            binary("AND", sub, sub),
            binary("OR", sub, sub),
            variadic("AND", sub),
            variadic("OR", sub),
            sub.map(lambda node: Unary("NOT", node)),
            call("ISBLANK", st.one_of(printable(below), nums(below))),
            call("CONTAINS", texts(below), texts(below)),
            call("BEGINS", texts(below), texts(below)),
            if_(sub, below),
        ),
    )


YEARS = st.integers(1900, 2100).map(lit)
MONTHS = st.integers(0, 13).map(lit)
DAYS = st.integers(0, 32).map(lit)


@functools.cache
def dates(depth: int) -> st.SearchStrategy[Expression]:
    leaves = st.one_of(
        field("dt"), st.just(Call("TODAY", ())), NULL, call("DATE", YEARS, MONTHS, DAYS)
    )
    if depth == 0:
        return leaves
    sub, below = dates(depth - 1), depth - 1
    return st.one_of(
        leaves,
        st.one_of(
            call("ADDDAYS", sub, SMALL_DAYS),
            call(
                "DATE",
                st.one_of(YEARS, exact(below)),
                st.one_of(MONTHS, exact(below)),
                st.one_of(DAYS, exact(below)),
            ),
            if_(sub, below),
            variadic("MIN", sub),
            variadic("MAX", sub),
            call("BLANKVALUE", sub, sub),
        ),
    )


@functools.cache
def datetimes(depth: int) -> st.SearchStrategy[Expression]:
    leaves = st.one_of(field("ts"), st.just(Call("NOW", ())), NULL)
    if depth == 0:
        return leaves
    sub, below = datetimes(depth - 1), depth - 1
    return st.one_of(
        leaves,
        st.one_of(
            call("ADDDAYS", sub, SMALL_DAYS),
            if_(sub, below),
            variadic("MIN", sub),
            variadic("MAX", sub),
            call("BLANKVALUE", sub, sub),
        ),
    )


def datelike(depth: int) -> st.SearchStrategy[Expression]:
    return st.one_of(dates(depth), datetimes(depth))


any_expression = st.one_of(nums(DEPTH), texts(DEPTH), bools(DEPTH), dates(DEPTH), datetimes(DEPTH))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


rows = st.fixed_dictionaries(
    {
        "i": optional(st.integers(-1000, 1000)),
        "d": optional(st.integers(-100_000, 100_000).map(lambda n: Decimal(n).scaleb(-2))),
        "s": optional(st.text(ALPHABET, max_size=8)),
        "b": optional(st.booleans()),
        "dt": optional(st.dates(date(1900, 1, 1), date(2100, 12, 31))),
        "ts": optional(st.datetimes(datetime(1900, 1, 1), datetime(2100, 12, 31))),
        "account.name": optional(st.text(ALPHABET, max_size=8)),
        "account.size": optional(st.integers(-1000, 1000)),
    }
)

MAX_MAGNITUDE = 10**12


def largest_number(tree: Expression, row: dict[str, Any]) -> float:
    """Largest |value| of any numeric sub-expression, by Python evaluation."""
    largest = 0.0
    stack = [tree]
    while stack:
        node = stack.pop()
        stack.extend(children(node))
        value = evaluate(node, row, today=TODAY, now=NOW)
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            largest = max(largest, abs(float(value)))
    return largest


EXAMPLE_COUNT = int(os.environ.get("KEYI_EXPRESSION_EXAMPLES", "200"))


@settings(
    max_examples=EXAMPLE_COUNT,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(tree=any_expression, row=rows)
def test_random_expressions_match_python(
    db: Database, tree: Expression, row: dict[str, Any]
) -> None:
    source = render(tree)
    assert parse(source) == tree
    magnitude = largest_number(tree, row)
    # Beyond 2**53 SQLite integers turn into floats; stay in the range where all agree.
    assume(magnitude <= MAX_MAGNITUDE)
    expected = evaluate(tree, row, today=TODAY, now=NOW)
    actual = db.run(tree, row)
    assert_same(expected, actual, tolerance=1e-9 + magnitude * 1e-12, context=source)
