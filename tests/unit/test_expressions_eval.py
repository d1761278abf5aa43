"""Python evaluation: every function and operator, NULL semantics, typing errors."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from keyi.platform.expressions import (
    FUNCTION_NAMES,
    PYTHON_ONLY,
    REGEX_TIMEOUT,
    ExpressionError,
    RegexTimeout,
    ValueType,
    compile_sql,
    evaluate,
    infer_type,
    is_truthy,
    parse,
    regex_time_budget,
)

TODAY = date(2024, 5, 17)
NOW = datetime(2024, 5, 17, 8, 30, 0, 250000)
VALUES: dict[str, Any] = {
    "amount": Decimal("1234.56"),
    "qty": 3,
    "zero": 0,
    "neg": -7,
    "name": "Acme Corp",
    "blank": "",
    "spaced": "  padded\t\n",
    "flag": True,
    "off": False,
    "n": None,
    "due": date(2024, 2, 28),
    "created": datetime(2024, 1, 15, 9, 30, 45, 123456),
    "rate": 0.15,
    "account.industry": "Manufacturing",
    "account.name": "客易科技",
}


def run(source: str, values: dict[str, Any] | None = None) -> Any:
    return evaluate(parse(source), VALUES if values is None else values, today=TODAY, now=NOW)


D = Decimal
CASES: list[tuple[str, Any]] = [
    # ---- literals and fields
    ("42", 42),
    ("4.20", D("4.20")),
    ("'x'", "x"),
    ("TRUE", True),
    ("NULL", None),
    ("amount", D("1234.56")),
    ("rate", D("0.15")),
    ("account.industry", "Manufacturing"),
    ("n", None),
    # ---- arithmetic
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 4 - 3", 3),
    ("-qty", -3),
    ("--qty", 3),
    ("qty * amount", D("3703.68")),
    ("amount + 0.44", D("1235.00")),
    ("rate * 100", D("15.00")),
    ("rate = 0.15", True),
    ("7 / 2", D("3.5")),
    ("6 / 3", D("2")),
    ("1 / 3", D("0.3333333333333333333333333333")),
    ("qty / zero", None),
    ("qty / 0.0", None),
    ("n + 1", None),
    ("1 - n", None),
    ("n * n", None),
    ("123456789012345678901234567890 * 10", 1234567890123456789012345678900),
    ("200 * 200 * 200 * 200 * 200", 320000000000),
    # ---- text concatenation
    ("name & '!'", "Acme Corp!"),
    ("'#' & qty", "#3"),
    ("'v' & amount", "v1234.56"),
    ("'x' & n & 'y'", "xy"),
    ("n & n", ""),
    ("'a' & TRUE & FALSE", "aTRUEFALSE"),
    ("'d:' & due", "d:2024-02-28"),
    ("'x' & 1 + 2", "x3"),
    ("'r' & 1 / 4", "r0.25"),
    # ---- comparisons
    ("qty = 3", True),
    ("qty == 3.0", True),
    ("qty != 3", False),
    ("qty <> 4", True),
    ("qty < 3", False),
    ("qty <= 3", True),
    ("qty > 2.5", True),
    ("qty >= 4", False),
    ("name = 'Acme Corp'", True),
    ("name = 'acme corp'", False),
    ("'B' < 'a'", True),
    ("'abc' < 'abd'", True),
    ("'中' > 'z'", True),
    ("flag = TRUE", True),
    ("FALSE < TRUE", True),
    ("due < created", False),
    ("due > DATE(2024, 1, 1)", True),
    ("created > DATE(2024, 1, 15)", True),
    ("DATE(2024, 1, 15) = ADDDAYS(created, 0)", False),
    ("n = n", None),
    ("n != 1", None),
    ("qty > n", None),
    # ---- logic
    ("flag AND off", False),
    ("flag OR off", True),
    ("NOT flag", False),
    ("!off", True),
    ("flag && !off", True),
    ("off || off", False),
    ("n AND FALSE", False),
    ("n AND TRUE", None),
    ("n OR TRUE", True),
    ("n OR FALSE", None),
    ("NOT n", None),
    ("AND(flag, TRUE, qty > 1)", True),
    ("AND(flag, n)", None),
    ("AND(off, n)", False),
    ("OR(off, off, qty = 3)", True),
    ("OR(n, off)", None),
    ("NOT(off)", True),
    ("NOT qty > 5", True),
    # ---- IF / CASE / blanks
    ("IF(qty > 2, 'big', 'small')", "big"),
    ("IF(qty > 5, 'big', 'small')", "small"),
    ("IF(n, 'yes', 'no')", "no"),
    ("IF(n > 1, 1, 2)", 2),
    ("IF(flag, 1, 2.5)", D(1)),
    ("IF(flag, NULL, 'x')", None),
    ("CASE(qty, 1, 'one', 3, 'three', 'other')", "three"),
    ("CASE(qty, 1, 'one', 2, 'two', 'other')", "other"),
    ("CASE(n, 1, 'one', 'other')", "other"),
    ("CASE(name, 'Acme Corp', 1, 0)", 1),
    ("CASE(qty, 3.0, 'three', 'other')", "three"),
    ("CASE(due, DATE(2024, 2, 28), 'leap eve', 'no')", "leap eve"),
    ("ISBLANK(n)", True),
    ("ISBLANK(blank)", True),
    ("ISBLANK(' ')", False),
    ("ISBLANK(name)", False),
    ("ISBLANK(zero)", False),
    ("ISBLANK(off)", False),
    ("ISBLANK(qty / zero)", True),
    ("BLANKVALUE(n, 'none')", "none"),
    ("BLANKVALUE(blank, 'none')", "none"),
    ("BLANKVALUE(name, 'none')", "Acme Corp"),
    ("BLANKVALUE(n, 5)", 5),
    ("BLANKVALUE(qty, 5.5)", D(3)),
    ("BLANKVALUE(zero, 5)", 0),
    # ---- text functions
    ("LEN(name)", 9),
    ("LEN(account.name)", 4),
    ("LEN('😀')", 1),
    ("LEN(blank)", 0),
    ("LEN(n)", None),
    ("UPPER(name)", "ACME CORP"),
    ("LOWER(name)", "acme corp"),
    ("UPPER('straße é')", "STRAßE é"),
    ("LOWER('ÉCOLE')", "École"),
    ("UPPER(n)", None),
    ("TRIM(spaced)", "padded"),
    ("TRIM('\u3000x ')", "\u3000x"),
    ("LEFT(name, 4)", "Acme"),
    ("LEFT(name, 0)", ""),
    ("LEFT(name, -2)", ""),
    ("LEFT(name, 100)", "Acme Corp"),
    ("LEFT(name, 2.9)", "Ac"),
    ("LEFT(n, 2)", None),
    ("LEFT(name, n)", None),
    ("RIGHT(name, 4)", "Corp"),
    ("RIGHT(name, 0)", ""),
    ("RIGHT(name, -1)", ""),
    ("RIGHT(account.name, 2)", "科技"),
    ("RIGHT(name, 50)", "Acme Corp"),
    ("CONTAINS(name, 'me C')", True),
    ("CONTAINS(name, 'acme')", False),
    ("CONTAINS(name, '')", True),
    ("CONTAINS(n, 'x')", None),
    ("BEGINS(name, 'Acme')", True),
    ("BEGINS(name, 'Corp')", False),
    ("BEGINS(name, '')", True),
    ("BEGINS(name, n)", None),
    ("CONCAT('a', 1, NULL, 2.50, TRUE)", "a12.5TRUE"),
    ("CONCAT(n)", ""),
    ("CONCAT(due, ' ', created)", "2024-02-28 2024-01-15 09:30:45"),
    ("TEXT(qty)", "3"),
    ("TEXT(-qty)", "-3"),
    ("TEXT(amount)", "1234.56"),
    ("TEXT(2.50)", "2.5"),
    ("TEXT(3.000)", "3"),
    ("TEXT(2 / 3)", "0.6666666667"),
    ("TEXT(0.00000000004)", "0"),
    ("TEXT(-0.00000000004)", "0"),
    ("TEXT(0.00000000005)", "0.0000000001"),
    ("TEXT(1000000000000 * 1000)", "1000000000000000"),
    ("TEXT(flag)", "TRUE"),
    ("TEXT(off)", "FALSE"),
    ("TEXT(due)", "2024-02-28"),
    ("TEXT(created)", "2024-01-15 09:30:45"),
    ("TEXT(name)", "Acme Corp"),
    ("TEXT(n)", None),
    ("VALUE('42')", D(42)),
    ("VALUE(' -12.50 ')", D("-12.50")),
    ("VALUE('+7')", D(7)),
    ("VALUE('007')", D(7)),
    ("VALUE('1e5')", None),
    ("VALUE('1.')", None),
    ("VALUE('.5')", None),
    ("VALUE('1,000')", None),
    ("VALUE('١٢')", None),
    ("VALUE('')", None),
    ("VALUE(n)", None),
    ("VALUE(TEXT(amount)) = amount", True),
    ("REGEX(name, '[A-Z][a-z]+ [A-Z][a-z]+')", True),
    ("REGEX(name, 'Acme')", False),
    ("IS_USCC('91350100M000100Y43')", True),
    ("IS_USCC(name)", False),
    ("REGEX('AB-123', '[A-Z]{2}-\\d{3}')", True),
    ("REGEX(n, '.*')", None),
    # ---- math functions
    ("ROUND(2.5)", D(3)),
    ("ROUND(-2.5)", D(-3)),
    ("ROUND(2.45, 1)", D("2.5")),
    ("ROUND(amount, 1)", D("1234.6")),
    ("ROUND(amount, -2)", D(1200)),
    ("ROUND(1250, -2)", 1300),
    ("ROUND(-1250, -2)", -1300),
    ("ROUND(qty, 2)", 3),
    ("ROUND(1 / 3, 4)", D("0.3333")),
    ("ROUND(2.567, 1.9)", D("2.6")),
    ("ROUND(n, 1)", None),
    ("ROUND(1.5, n)", None),
    ("ABS(neg)", 7),
    ("ABS(-2.5)", D("2.5")),
    ("ABS(n)", None),
    ("FLOOR(2.7)", 2),
    ("FLOOR(-2.1)", -3),
    ("FLOOR(qty)", 3),
    ("CEILING(2.1)", 3),
    ("CEILING(-2.7)", -2),
    ("CEILING(4)", 4),
    ("FLOOR(n)", None),
    ("MIN(3, 1, 2)", 1),
    ("MIN(3, 1.5)", D("1.5")),
    ("MAX(3, 1, 2)", 3),
    ("MAX(n, 2, n)", 2),
    ("MAX(n)", None),
    ("MIN(n, NULL)", None),
    ("MAX('apple', 'Banana')", "apple"),
    ("MIN(due, DATE(2024, 3, 1))", date(2024, 2, 28)),
    ("MAX(created, NOW())", NOW),
    ("MOD(7, 3)", 1),
    ("MOD(-7, 3)", -1),
    ("MOD(7, -3)", 1),
    ("MOD(7.5, 2)", D("1.5")),
    ("MOD(-7.5, 2)", D("-1.5")),
    ("MOD(0.3, 0.1)", D("0.0")),
    ("MOD(7, 0)", None),
    ("MOD(n, 2)", None),
    # ---- dates
    ("TODAY()", TODAY),
    ("NOW()", NOW),
    ("YEAR(due)", 2024),
    ("MONTH(due)", 2),
    ("DAY(due)", 28),
    ("YEAR(created) * 100 + MONTH(created)", 202401),
    ("DAY(created)", 15),
    ("YEAR(n)", None),
    ("DATE(2024, 2, 29)", date(2024, 2, 29)),
    ("DATE(2023, 2, 29)", None),
    ("DATE(2024, 13, 1)", None),
    ("DATE(2024, 0, 1)", None),
    ("DATE(0, 1, 1)", None),
    ("DATE(10000, 1, 1)", None),
    ("DATE(2024.9, 1.2, 31.99)", date(2024, 1, 31)),
    ("DATE(2024, n, 1)", None),
    ("ADDDAYS(due, 1)", date(2024, 2, 29)),
    ("ADDDAYS(due, 2)", date(2024, 3, 1)),
    ("ADDDAYS(due, -59)", date(2023, 12, 31)),
    ("ADDDAYS(due, 1.9)", date(2024, 2, 29)),
    ("ADDDAYS(due, -1.9)", date(2024, 2, 27)),
    ("ADDDAYS(created, 20)", datetime(2024, 2, 4, 9, 30, 45, 123456)),
    ("ADDDAYS(due, 10000000)", None),
    ("ADDDAYS(due, n)", None),
    ("ADDDAYS(TODAY(), 7)", TODAY + timedelta(days=7)),
    ("DAYSBETWEEN(due, DATE(2024, 3, 1))", 2),
    ("DAYSBETWEEN(DATE(2024, 3, 1), due)", -2),
    ("DAYSBETWEEN(created, due)", 44),
    ("DAYSBETWEEN(created, NOW())", 123),
    ("DAYSBETWEEN(n, due)", None),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_evaluate(source: str, expected: Any) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)


def test_every_function_is_covered() -> None:
    used = {name for source, _ in CASES for name in re.findall(r"([A-Z_]+)\(", source)}
    assert FUNCTION_NAMES - used == set()


def test_integer_results_are_int_and_decimal_results_are_decimal() -> None:
    assert type(run("qty + 1")) is int
    assert type(run("qty + 1.0")) is Decimal
    assert type(run("qty / 1")) is Decimal
    assert type(run("IF(flag, 1, 2.5)")) is Decimal
    assert type(run("VALUE('5')")) is Decimal


def test_floats_are_read_as_their_shortest_decimal() -> None:
    assert run("x = 0.1", {"x": 0.1}) is True
    assert run("x + y", {"x": 0.1, "y": 0.2}) == Decimal("0.3")
    with pytest.raises(ExpressionError, match="Non-finite"):
        run("x", {"x": float("nan")})
    with pytest.raises(ExpressionError, match="Non-finite"):
        run("x", {"x": Decimal("Infinity")})


def test_aware_datetimes_are_converted_to_naive_utc() -> None:
    aware = datetime(2024, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    assert run("x", {"x": aware}) == datetime(2024, 1, 1, 0, 0)
    assert run("x = y", {"x": aware, "y": datetime(2024, 1, 1)}) is True
    result = evaluate(parse("NOW()"), {}, now=datetime(2024, 1, 1, 12, tzinfo=UTC))
    assert result == datetime(2024, 1, 1, 12)


def test_clock_defaults_to_utc_now() -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    now = evaluate(parse("NOW()"), {})
    after = datetime.now(UTC).replace(tzinfo=None)
    assert before <= now <= after
    assert evaluate(parse("TODAY()"), {}) in {before.date(), after.date()}
    assert evaluate(parse("TODAY()"), {}, now=datetime(2020, 5, 5, 23, 0)) == date(2020, 5, 5)


def test_thread_local_decimal_context_does_not_leak_in() -> None:
    import decimal

    with decimal.localcontext() as context:
        context.prec = 3
        assert run("1 / 3") == Decimal("0.3333333333333333333333333333")


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("name + 1", 5, "Operator '+' needs a number, got text"),
        ("1 - flag", 2, "needs a number, got boolean"),
        ("-name", 0, "needs a number"),
        ("qty / 'x'", 4, "needs a number"),
        ("qty = 'x'", 4, "cannot compare integer with text"),
        ("due < 5", 4, "cannot compare date with integer"),
        ("flag = 1", 5, "cannot compare boolean with integer"),
        ("qty AND flag", 4, "needs a boolean, got integer"),
        ("NOT name", 0, "needs a boolean, got text"),
        ("LEN(qty)", 4, "LEN argument 1 needs text, got integer"),
        ("LEFT(name, 'x')", 11, "LEFT argument 2 needs a number"),
        ("UPPER(due)", 6, "needs text, got date"),
        ("YEAR(name)", 5, "needs a date or datetime"),
        ("ADDDAYS(due, due)", 13, "needs a number"),
        ("IF(qty, 1, 2)", 3, "IF condition needs a boolean"),
        ("IF(flag, 1, 'a')", 12, "IF mixes integer and text"),
        ("IF(flag, due, created)", 14, "IF mixes date and datetime"),
        ("CASE(qty, 'a', 1, 2)", 10, "CASE cannot compare integer with text"),
        ("CASE(qty, 1, 'one', 2)", 20, "CASE mixes text and integer"),
        ("CASE(qty, 1, 'one', 2, 3, 'x')", 23, "CASE mixes text and integer"),
        ("BLANKVALUE(name, 0)", 17, "BLANKVALUE mixes text and integer"),
        ("MAX(1, 'a')", 7, "MAX mixes integer and text"),
        ("AND(flag, qty)", 10, "AND argument 2 needs a boolean"),
        ("missing + 1", 0, "Unknown field missing"),
        ("1 + account.missing", 4, "Unknown field account.missing"),
    ],
)
def test_type_errors_have_positions(source: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        run(source)
    assert caught.value.position == position, caught.value
    assert fragment in caught.value.message


def test_type_errors_do_not_depend_on_the_branch_taken() -> None:
    # Every argument is evaluated and typed, like SQL: no error hides in the branch not taken.
    with pytest.raises(ExpressionError, match="needs a number"):
        run("IF(TRUE, 1, LEN(name) + name)")


def test_null_values_are_typed_leniently() -> None:
    # A None value has no type, so it fits anywhere (the SQL column type is checked instead).
    assert run("n + 1") is None
    assert run("UPPER(n)") is None
    assert run("IF(n, n, n)") is None


def test_unsupported_value_type() -> None:
    with pytest.raises(
        ExpressionError, match=r"Unsupported value of type list in field x"
    ) as caught:
        run("1 + x", {"x": [1]})
    assert caught.value.position == 4


def test_regex_errors() -> None:
    with pytest.raises(ExpressionError, match="Invalid regular expression") as caught:
        run("REGEX(name, p)", {"name": "x", "p": "(unclosed"})
    assert caught.value.position == 0
    with pytest.raises(ExpressionError, match="longer than"):
        run("REGEX(name, p)", {"name": "x", "p": "a" * 2000})


# Overlapping alternatives under a repetition: not nested repetition, so not refused up front,
# yet exponential for a backtracking engine on a run of "a" that finally fails.
BACKTRACKING = [
    ("(a|a)+$", "aaa", True),
    ("(a|aa)+", "aaa", True),
    ("([a-z]|a)+$", "abc", True),
    ("(.*a){12}", "aaa", False),
]


@pytest.mark.parametrize(("pattern", "ordinary", "matches"), BACKTRACKING)
def test_backtracking_regex_stops_at_its_time_limit(
    pattern: str, ordinary: str, matches: bool
) -> None:
    run("REGEX(name, p)", {"name": "aaa", "p": pattern})  # accepted as a pattern
    started = time.perf_counter()
    with pytest.raises(RegexTimeout, match="took longer than") as caught:
        run("REGEX(name, p)", {"name": "a" * 5000 + "!", "p": pattern})
    assert time.perf_counter() - started < 1 + 20 * REGEX_TIMEOUT
    assert caught.value.position == 0 and isinstance(caught.value, ExpressionError)
    # The same pattern still answers for ordinary values.
    assert run("REGEX(name, p)", {"name": ordinary, "p": pattern}) is matches


def test_regex_time_budget_bounds_many_evaluations() -> None:
    """Within a budget, evaluations share it: once spent, REGEX refuses at once."""
    expr = parse("REGEX(name, '(a|a)+$')")
    values = {"name": "a" * 5000 + "!"}
    started = time.perf_counter()
    outcomes = []
    # The inner budget is ignored: a nested block cannot extend the one around it.
    with regex_time_budget(0.3), regex_time_budget(100):
        for _ in range(50):
            try:
                evaluate(expr, values)
            except RegexTimeout as error:
                outcomes.append(error.message)
    assert len(outcomes) == 50 and "used up" in outcomes[-1]
    assert time.perf_counter() - started < 3  # 50 x 0.1 s without the budget
    assert evaluate(parse("REGEX('ab', 'a.')"), {}) is True  # the budget ended with its block


def test_numeric_overflow_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="Numeric overflow") as caught:
        run("x * x", {"x": Decimal("9E+999990")})
    assert caught.value.position == 2
    with pytest.raises(ExpressionError, match="Numeric overflow in TEXT"):
        run("TEXT(x * x)", {"x": 10**3000})
    assert run("LEFT('abc', x)", {"x": Decimal("1E+999000")}) == "abc"
    assert run("ADDDAYS(TODAY(), x)", {"x": -(10**30)}) is None


# --------------------------------------------------------------------------- helpers
@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (None, False), (1, True), (0, False), ("x", True)],
)
def test_is_truthy(value: Any, expected: bool) -> None:
    assert is_truthy(value) is expected


def test_condition_with_null_is_falsy() -> None:
    assert is_truthy(run("n > 1")) is False
    assert is_truthy(run("qty > 1")) is True


TYPES = {
    "amount": ValueType.DECIMAL,
    "qty": ValueType.INTEGER,
    "name": ValueType.TEXT,
    "flag": ValueType.BOOLEAN,
    "due": ValueType.DATE,
    "created": ValueType.DATETIME,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("qty + 1", ValueType.INTEGER),
        ("qty + amount", ValueType.DECIMAL),
        ("qty / 2", ValueType.DECIMAL),
        ("name & qty", ValueType.TEXT),
        ("qty > 1 AND flag", ValueType.BOOLEAN),
        ("IF(flag, qty, NULL)", ValueType.INTEGER),
        ("IF(flag, qty, amount)", ValueType.DECIMAL),
        ("ADDDAYS(created, 1)", ValueType.DATETIME),
        ("ADDDAYS(due, 1)", ValueType.DATE),
        ("FLOOR(amount)", ValueType.INTEGER),
        ("ROUND(amount, 2)", ValueType.DECIMAL),
        ("NULL", ValueType.NULL),
        ("VALUE(name)", ValueType.DECIMAL),
        ("DAYSBETWEEN(due, created)", ValueType.INTEGER),
    ],
)
def test_infer_type(source: str, expected: ValueType) -> None:
    assert infer_type(parse(source), TYPES) is expected


def test_infer_type_errors_match_evaluation() -> None:
    with pytest.raises(ExpressionError) as caught:
        infer_type(parse("IF(flag, qty, name)"), TYPES)
    assert caught.value.position == 14
    with pytest.raises(ExpressionError, match="Unknown field nope"):
        infer_type(parse("nope"), TYPES)
    # Unlike evaluation with a None value, declared types are strict.
    with pytest.raises(ExpressionError, match="needs a boolean"):
        infer_type(parse("NOT qty"), TYPES)


# --------------------------------------------------------------------------- compile_sql (no DB)
TABLE = sa.table(
    "t",
    sa.column("qty", sa.Integer()),
    sa.column("name", sa.Text()),
    sa.column("payload", sa.JSON()),
    sa.column("untyped"),
)


def resolve(path: str) -> Any:
    return TABLE.c[path]


def test_compile_sql_rejects_python_only_functions() -> None:
    assert set(PYTHON_ONLY) == {"REGEX"}
    with pytest.raises(ExpressionError, match="REGEX is not supported in SQL") as caught:
        compile_sql(parse("qty > 1 AND REGEX(name, 'a+')"), resolve, dialect="sqlite")
    assert caught.value.position == 12


def test_compile_sql_field_problems() -> None:
    with pytest.raises(ExpressionError, match="Unknown field nope") as caught:
        compile_sql(parse("qty + nope"), resolve, dialect="postgresql")
    assert caught.value.position == 6
    with pytest.raises(ExpressionError, match="expressions cannot use"):
        compile_sql(parse("ISBLANK(payload)"), resolve, dialect="sqlite")
    with pytest.raises(ExpressionError, match="expressions cannot use"):
        compile_sql(parse("untyped"), resolve, dialect="sqlite")


def test_compile_sql_type_errors_match_python() -> None:
    with pytest.raises(ExpressionError, match="needs a number") as caught:
        compile_sql(parse("qty + name"), resolve, dialect="sqlite")
    assert caught.value.position == 4


def test_compile_sql_unknown_dialect() -> None:
    with pytest.raises(ValueError, match="unsupported dialect"):
        compile_sql(parse("1"), resolve, dialect="mysql")


def test_compile_sql_refuses_exponential_or_too_deep_sql() -> None:
    table = sa.table("x", sa.column("d", sa.Numeric()), sa.column("s", sa.Text()))
    # SQLite's MOD uses its dividend twice: 2**25 copies if not stopped.
    nested_mod = "MOD(" * 25 + "d" + ", 0.5)" * 25
    with pytest.raises(ExpressionError, match="too complex"):
        compile_sql(parse(nested_mod), lambda p: table.c[p], dialect="sqlite")
    deep = "ABS(" * 90 + "d" + ")" * 90
    with pytest.raises(ExpressionError, match="too complex"):
        compile_sql(parse(deep), lambda p: table.c[p], dialect="postgresql")


def test_compile_sql_flattens_long_chains() -> None:
    table = sa.table("x", sa.column("d", sa.Numeric()), sa.column("s", sa.Text()))
    long_sum = " + ".join(["d"] * 90)
    element = compile_sql(parse(long_sum), lambda p: table.c[p], dialect="postgresql")
    assert str(element.compile()).count("x.d") == 90
    long_and = " AND ".join(["d > 1"] * 90)
    element = compile_sql(parse(long_and), lambda p: table.c[p], dialect="sqlite")
    assert str(element.compile()).count("x.d") == 90


def test_chain_type_errors_point_at_the_failing_operator() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_sql(parse("qty + 1 + name + 2"), resolve, dialect="sqlite")
    assert caught.value.position == 8
    with pytest.raises(ExpressionError) as caught:
        run("qty + 1 + name + 2")
    assert caught.value.position == 8


def test_cached_plan_retypes_for_each_record() -> None:
    tree = parse("IF(x > 1, x, 0) + 1")
    assert evaluate(tree, {"x": 5}) == 6
    assert evaluate(tree, {"x": Decimal("2.5")}) == Decimal("3.5")
    assert evaluate(tree, {"x": None}) == 1
    with pytest.raises(ExpressionError, match="cannot compare text"):
        evaluate(tree, {"x": "abc"})
    assert evaluate(tree, {"x": 0}) == 1


def test_compile_sql_binds_the_clock() -> None:
    tree = parse("ADDDAYS(TODAY(), 1) < NOW()")
    element = compile_sql(
        tree, resolve, dialect="sqlite", today=date(2031, 2, 3), now=datetime(2031, 2, 5, 6, 7)
    )
    params = element.compile().params.values()
    assert date(2031, 2, 3) in params
    assert datetime(2031, 2, 5, 6, 7) in params
    before = datetime.now(UTC).date()
    default = compile_sql(parse("TODAY()"), resolve, dialect="postgresql").compile().params
    assert next(iter(default.values())) in {before, datetime.now(UTC).date()}
