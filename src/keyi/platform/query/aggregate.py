"""Grouped aggregates: group by fields (dates bucketed), count/sum/avg/min/max.

Groups come in the order a list sorts their keys, except a picklist's: its groups follow the
picklist's options as the metadata orders them (opportunity stages in pipeline order), values
no longer among the options after them, the empty key last.

Money: given a :class:`Conversion`, the sum, average, minimum and maximum of a currency field
are in one currency (the tenant's). Each row's amount is converted in SQL by the rate of its
``<field>_currency`` (a CASE over bound rates, rounded to the field's scale per row, as each
record would show its converted amount); rows in that currency, or without one, count as they
are. A currency without a rate is not guessed: its rows are left out of that measure and the
answer carries a warning naming the field and the currency (see :func:`run_aggregate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.collation import sorted_by_collation
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.fieldtypes import impl_for
from keyi.platform.metadata.model import FieldDef, FieldType
from keyi.platform.query.dates import fiscal_start_month
from keyi.platform.query.listing import NON_NULL_COLUMNS
from keyi.platform.query.paths import PathError
from keyi.platform.query.plan import QueryPlan
from keyi.platform.search.planning import plan_with_values

if TYPE_CHECKING:
    from keyi.platform.context import Context

BUCKETS = ("day", "week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year")
AGG_OPS = ("count", "sum", "avg", "min", "max", "count_distinct")
NUMERIC = frozenset(
    {FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY, FieldType.PERCENT, FieldType.ROLLUP}
)
MAX_GROUPS = 10000
AVG_PLACES = 6
LARGEST_DOUBLE = Decimal("1.7976931348623157e308")
MONEY_OPS = frozenset({"sum", "avg", "min", "max"})
RATE_MISSING = "exchange_rate_missing"


class Conversion:
    """Money aggregates in ``currency``, converted by ``rates`` (units of ``currency`` per unit
    of each other currency), read by ``load`` once, when a money aggregate first needs them."""

    def __init__(self, currency: str, load: Callable[[], Mapping[str, Decimal]]) -> None:
        self.currency = currency
        self._load = load
        self._rates: dict[str, Decimal] | None = None

    @property
    def rates(self) -> dict[str, Decimal]:
        if self._rates is None:
            loaded = self._load()
            self._rates = {c: r for c, r in sorted(loaded.items()) if c != self.currency and r}
        return self._rates


@dataclass
class AggregateSpec:
    filter: Any = None
    group_by: list[dict[str, Any]] = field(default_factory=list)
    aggregates: list[dict[str, Any]] = field(default_factory=lambda: [{"op": "count"}])
    limit: int = 1000
    q: str | None = None  # the list's quick search, as in QuerySpec
    conversion: Conversion | None = None  # None: money of every currency summed as it is
    # The last `ranked` groupings (a matrix's columns) also give each group the position of
    # their key among all such keys, in the order a GROUP BY of them alone lists them
    # (`group["rank"]`): totals per column folded from the groups keep that order.
    ranked: int = 0


def bucket_expression(ctx: Context, column: Any, bucket: str, is_datetime: bool) -> Any:
    """The start date of the bucket as 'YYYY-MM-DD' text, in the tenant's time zone.

    Fiscal buckets start on the tenant's fiscal start month: the value is moved back by the
    months the fiscal year is ahead of January, truncated to the calendar quarter or year, and
    moved forward again (on first days of months, where month arithmetic is exact)."""
    shift = fiscal_start_month(ctx.settings) - 1 if bucket.startswith("fiscal_") else 0
    unit = bucket.removeprefix("fiscal_")
    if ctx.dialect == "postgresql":
        value = column
        if is_datetime:
            tz = str(ctx.time_zone)
            value = sa.func.timezone(tz, sa.func.timezone("UTC", column))
        if shift:
            months = sa.func.make_interval(0, shift)
            moved = sa.func.date_trunc("month", value) - months
            truncated = sa.func.date_trunc(unit, moved) + months
        else:
            truncated = sa.func.date_trunc(unit, value)
        return sa.func.to_char(truncated, "YYYY-MM-DD")
    value = column
    if is_datetime:
        offset = ctx.time_zone.utcoffset(ctx.now())
        minutes = int(offset.total_seconds() // 60) if offset else 0
        value = sa.func.datetime(column, f"{minutes:+d} minutes")
    if shift:
        moved = sa.func.date(value, "start of month", f"-{shift} months")
        return sa.func.date(_sqlite_bucket(moved, unit), f"+{shift} months")
    return _sqlite_bucket(value, unit)


def _sqlite_bucket(value: Any, bucket: str) -> Any:
    if bucket == "day":
        return sa.func.date(value)
    if bucket == "week":
        weekday = sa.cast(sa.func.strftime("%w", value), sa.Integer)
        shift = sa.cast((weekday + 6) % 7, sa.String)
        return sa.func.date(value, "-" + shift + " days")
    if bucket == "month":
        return sa.func.strftime("%Y-%m-01", value)
    if bucket == "quarter":
        month = sa.cast(sa.func.strftime("%m", value), sa.Integer)
        # Floor division: SQLAlchemy's `/` is true division (x / (3 + 0.0)), and printf's
        # %02d of 4.33 gave the month, not the quarter's first month.
        first = ((month - 1) // 3) * 3 + 1
        # `||` keeps an empty date empty (printf would make '-00-01' of NULL).
        return sa.func.strftime("%Y", value).concat(sa.func.printf("-%02d-01", first))
    return sa.func.strftime("%Y-01-01", value)


def run_aggregate(ctx: Context, object_name: str, spec: AggregateSpec) -> dict[str, Any]:
    """Groups of the plan's rows (the list's rows for the same filter and quick search), in the
    order a list sorts their keys: text by pinyin where the database can, empty keys last."""
    plan = QueryPlan.build(ctx, object_name, filter=spec.filter, q=spec.q)
    resolver = plan.resolver
    if not isinstance(spec.group_by, list) or len(spec.group_by) > 3:
        raise ValidationFailed([FieldError("group_by", "invalid_request")])
    if not isinstance(spec.aggregates, list) or not spec.aggregates or len(spec.aggregates) > 30:
        raise ValidationFailed([FieldError("aggregates", "invalid_request")])

    group_columns: list[tuple[str, Any, Any]] = []  # (key, expression, field)
    order: list[list[Any]] = []  # ORDER BY terms per group key
    window: list[list[Any]] = []  # the same, over the grouped expressions (for `ranked`)
    for i, item in enumerate(spec.group_by):
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise ValidationFailed([FieldError(f"group_by.{i}", "invalid_request")])
        path = item["field"]
        try:
            _, f = resolver.field(path)
            column = resolver.column(path)
        except PathError as exc:
            raise ValidationFailed(
                [FieldError(f"group_by.{i}.field", "invalid_filter", {"reason": exc.reason})]
            ) from None
        bucket = item.get("bucket")
        ftype = f.return_type if f.type == FieldType.FORMULA and f.return_type else f.type
        if bucket is not None:
            if bucket not in BUCKETS or ftype not in (FieldType.DATE, FieldType.DATETIME):
                raise ValidationFailed([FieldError(f"group_by.{i}.bucket", "invalid_request")])
            column = bucket_expression(ctx, column, bucket, ftype == FieldType.DATETIME)
        elif ftype in (FieldType.LONG_TEXT, FieldType.MULTI_PICKLIST):
            raise ValidationFailed(
                [
                    FieldError(
                        f"group_by.{i}.field",
                        "invalid_filter",
                        {"reason": "cannot group by this field"},
                    )
                ]
            )
        index = len(group_columns)
        group_columns.append((path, column, f if bucket is None else None))
        order.append(_group_order(ctx, sa.literal_column(f"g{index}"), column, f, bucket, path))
        window.append(_group_order(ctx, column, column, f, bucket, path))

    agg_columns: list[tuple[str, Any, Any]] = []
    counted: list[Any] = []  # the values each average divides by, in order
    averaged: set[int] = set()  # indexes of the averages in agg_columns
    unconverted: dict[str, tuple[Any, Any]] = {}  # money field path -> (currency, no rate)
    for i, item in enumerate(spec.aggregates):
        if not isinstance(item, dict) or item.get("op") not in AGG_OPS:
            raise ValidationFailed([FieldError(f"aggregates.{i}.op", "invalid_request")])
        op = item["op"]
        path = item.get("field")
        if op == "count" and not path:
            agg_columns.append(("count", sa.func.count(), None))
            continue
        if not isinstance(path, str):
            raise ValidationFailed([FieldError(f"aggregates.{i}.field", "invalid_request")])
        try:
            _, f = resolver.field(path)
            column = resolver.column(path)
        except PathError as exc:
            raise ValidationFailed(
                [FieldError(f"aggregates.{i}.field", "invalid_filter", {"reason": exc.reason})]
            ) from None
        ftype = f.return_type if f.type == FieldType.FORMULA and f.return_type else f.type
        if op in ("sum", "avg") and ftype not in NUMERIC:
            raise ValidationFailed(
                [
                    FieldError(
                        f"aggregates.{i}.field",
                        "invalid_filter",
                        {"reason": f"{op} needs a number field"},
                    )
                ]
            )
        if op in MONEY_OPS and f.type == FieldType.CURRENCY and spec.conversion is not None:
            currency = resolver.currency_column(path)
            assert currency is not None
            column = _converted(column, currency, f, spec.conversion)
            unconverted.setdefault(path, (currency, _unrated(currency, spec.conversion)))
        fn: Any = {
            "count": sa.func.count,
            "count_distinct": lambda c: sa.func.count(sa.distinct(c)),
            "sum": sa.func.sum,
            "avg": sa.func.avg,
            "min": sa.func.min,
            "max": sa.func.max,
        }[op]
        if op == "avg":
            # Averaged in Python from an exact sum: SQLite's AVG() is a double, which cannot
            # keep 6 decimal places of 1e11-sized numbers.
            fn = sa.func.sum
            counted.append(sa.func.count(column))
            averaged.add(len(agg_columns))
        if op in ("min", "max"):
            # The first or last in the order a list sorted by this field shows (pinyin).
            column = sorted_by_collation(ctx.conn, f, column)
        agg_columns.append((f"{op}_{path.replace('.', '_')}", fn(column), f))

    labels = [expr.label(f"g{i}") for i, (_, expr, _) in enumerate(group_columns)]
    values = [expr.label(f"a{i}") for i, (_, expr, _) in enumerate(agg_columns)]
    values += [expr.label(f"n{i}") for i, expr in enumerate(counted)]
    # The currencies without a rate, as each group's least and greatest (cheap in the one
    # scan, where a distinct list per group would sort every group's rows): that is all of
    # them unless a group has more than two, which only a second statement can list.
    for i, (currency, unrated) in enumerate(unconverted.values()):
        named = sa.case((unrated, currency))
        values += [sa.func.min(named).label(f"u{i}"), sa.func.max(named).label(f"v{i}")]
    ranked = min(max(spec.ranked, 0), len(group_columns))
    if ranked:
        # A window over the groups, so its ORDER BY takes the grouped expressions, not labels.
        terms = [term for terms in window[len(window) - ranked :] for term in terms]
        values.append(sa.func.dense_rank().over(order_by=terms).label("key_rank"))
    stmt = plan.select(*labels, *values)
    if labels:
        terms = [term for terms in order for term in terms]
        stmt = stmt.group_by(*[expr for _, expr, _ in group_columns]).order_by(*terms)
    limit = 1000 if spec.limit is None else spec.limit
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise ValidationFailed([FieldError("limit", "invalid_integer")])
    limit = min(max(limit, 1), MAX_GROUPS)
    stmt = stmt.limit(limit)
    groups = []
    missing: dict[str, set[str]] = {path: set() for path in unconverted}
    # An aggregate reads a whole filtered table: a generic plan (made without the dates or
    # values) turned a 0.55 s count at 1M contacts into 6.4 s (keyi.platform.search.planning).
    plan_with_values(ctx.conn)
    between: set[str] = set()  # paths with a group whose least and greatest differ
    first = len(group_columns) + len(agg_columns) + len(counted)
    for row in ctx.conn.execute(stmt):
        for j, path in enumerate(unconverted):
            least, greatest = row[first + 2 * j], row[first + 2 * j + 1]
            missing[path].update(c for c in (least, greatest) if c is not None)
            if least != greatest:
                between.add(path)
        key: dict[str, Any] = {}
        for i, (path, _, f) in enumerate(group_columns):
            value = row[i]
            key[path] = (
                impl_for(f).to_json(f, value) if f is not None and value is not None else value
            )
        result: dict[str, Any] = {}
        divisors = iter(row[len(group_columns) + len(agg_columns) :])
        for j, (name, _, f) in enumerate(agg_columns):
            value = row[len(group_columns) + j]
            if j in averaged:
                n = next(divisors)
                result[name] = _number(_exact(value) / n, "avg") if value is not None else None
            elif name == "count" or name.startswith("count_"):
                result[name] = int(value or 0)
            elif value is None:
                result[name] = None
            elif f is not None and f.type in (FieldType.DATE, FieldType.DATETIME):
                result[name] = (
                    impl_for(f).to_json(f, value) if not isinstance(value, str) else value
                )
            elif f is not None and f.type == FieldType.FORMULA and f.return_type not in NUMERIC:
                # The minimum or maximum of a text or date formula is a text or date.
                result[name] = value.isoformat() if hasattr(value, "isoformat") else value
            elif f is not None and f.type not in NUMERIC and f.type != FieldType.FORMULA:
                # The minimum or maximum of a text-like field is that field's value, not a number.
                result[name] = impl_for(f).to_json(f, value)
            else:
                result[name] = _number(value, name.split("_", 1)[0])
        group: dict[str, Any] = {"key": key, "values": result}
        if ranked:
            group["rank"] = int(row[-1])
        groups.append(group)
    answer: dict[str, Any] = {"groups": groups}
    if unconverted:
        assert spec.conversion is not None
        answer["currency"] = spec.conversion.currency
        warnings = []
        for path, (currency, unrated) in unconverted.items():
            codes = missing[path]
            if path in between:
                listed = plan.select(currency, where=(unrated,)).distinct()
                codes.update(ctx.conn.execute(listed).scalars())
            for code in sorted(codes):
                warnings.append({"code": RATE_MISSING, "currency": code, "field": path})
        if warnings:
            answer["warnings"] = warnings
    return answer


def _converted(column: Any, currency: Any, f: FieldDef, conversion: Conversion) -> Any:
    """A row's amount in the conversion's currency: as it is in that currency (or without
    one), times its currency's rate rounded to the field's scale, NULL without a rate."""
    scale = f.scale if f.scale is not None else 2
    whens: list[tuple[Any, Any]] = [
        (sa.or_(currency.is_(None), currency == conversion.currency), column)
    ]
    for code, rate in conversion.rates.items():
        rated = column * sa.literal(rate, sa.Numeric(38, 12))
        whens.append((currency == code, sa.func.round(rated, scale)))
    return sa.type_coerce(sa.case(*whens, else_=sa.null()), column.type)


def _unrated(currency: Any, conversion: Conversion) -> Any:
    """Whether a row's amount is in a currency with no rate (so left out)."""
    return sa.and_(currency.is_not(None), currency.not_in([conversion.currency, *conversion.rates]))


def _group_order(
    ctx: Context, key: Any, expr: Any, f: FieldDef, bucket: str | None, path: str
) -> list[Any]:
    """A group key's ORDER BY terms, as a list sorts the field: text by pinyin where the
    database has the collation, a picklist in its options' order, the empty key last.

    ``key`` is what the terms order by (the select's label ``g<n>``, or the expression itself
    where labels cannot be named, as in a window), ``expr`` the grouped expression.
    PostgreSQL puts NULL last in ascending order anyway, and a key that cannot be empty (a
    required field of the object itself) needs no NULLS LAST: the term stays the plain label,
    which lets SQLite return the groups in the order its index already gives them.

    A picklist's options come first by their position in the metadata (a CASE over bound
    values), then values no option has any more (records keep a retired option's value) by
    the value itself."""
    terms: list[Any] = []
    if bucket is None:
        if f.type == FieldType.PICKLIST and f.options:
            positions = {o.value: i for i, o in enumerate(f.options)}
            terms.append(sa.case(positions, value=expr, else_=len(positions)))
        collated = sorted_by_collation(ctx.conn, f, expr)
        if collated is not expr:
            key = collated
    nullable = not (path in NON_NULL_COLUMNS or (f.required and "." not in path))
    if ctx.dialect == "postgresql" or not nullable:
        return [*terms, key]
    return [*terms, key.asc().nulls_last()]


def _exact(value: Any) -> Decimal:
    """A database number as a Decimal: a double (SQLite) by its shortest repr, which is the
    value as stored, not the binary fraction's 50 digits."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _number(value: Any, op: str) -> Any:
    """Sums, minima and maxima stay exact (Decimal, written verbatim); averages — and sums of
    SQLite's doubles, whose last bits are rounding noise — are cut to 6 decimal places.

    A value no client can read as a number (a sum past a double's range, infinite or NaN on
    SQLite, a huge formula result) is no number: None.
    """
    number = _exact(value)
    if not number.is_finite() or abs(number) > LARGEST_DOUBLE:
        return None
    if number == number.to_integral_value():
        return int(number)
    rounded = op == "avg" or (op == "sum" and isinstance(value, float))
    if rounded and number.as_tuple().exponent < -AVG_PLACES:  # type: ignore[operator]
        try:
            number = round(number, AVG_PLACES)
        except InvalidOperation:  # more digits than the context holds: exact as it is
            return number
    return number
