"""Running a report: tabular rows, summary groups with subtotals, matrix cells with row and
column totals, grand totals, percent of total, sorting and drill-down.

Every number comes from the aggregate engine (keyi.platform.query.aggregate), which reads the
object's rows through the reader's query plan: a report shows exactly what the reader's list
would count. The statement is the one GROUP BY over the finest groups; subtotals and totals
are folded from its groups in Python (sums, counts, minima, maxima, and averages from an exact
sum and count), so a summary costs one scan. Only a distinct count cannot be folded: it takes
one more GROUP BY per level it is shown at — and so does a grouping cut off by the limit.

Money is in the tenant's currency (keyi.platform.analytics.money): the answer says which
(`currency`) when it has money values, and lists the currencies it found no rate for
(`warnings`, their rows left out of those values). Those groups are not folded either: an
average folded from its groups would divide by rows the sums left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from keyi.platform.analytics import money
from keyi.platform.analytics.spec import ReportSpec, require_readable, value_name
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.i18n import label
from keyi.platform.metadata.model import FieldType
from keyi.platform.query.aggregate import MAX_GROUPS, AggregateSpec, Conversion, run_aggregate
from keyi.platform.query.filters import compile_filter
from keyi.platform.query.listing import MAX_LIMIT, QuerySpec, run_query
from keyi.platform.query.paths import PathError, PathResolver
from keyi.platform.search.planning import plan_with_values

if TYPE_CHECKING:
    from keyi.platform.context import Context

PERCENT_PLACES = Decimal("0.01")
TABULAR_LIMIT = 50
# No record has the nil UUID (ids are UUIDv7): a definition run under this condition compiles
# and executes every part of its statements (filter, joins, buckets, aggregates, row access)
# over no rows, found by one primary-key probe.
NO_ROWS = {"field": "id", "op": "eq", "value": "00000000-0000-0000-0000-000000000000"}
DATE_TYPES = frozenset({FieldType.DATE, FieldType.DATETIME})


@dataclass
class _Money:
    """How a report's money is converted, and what its statements said about it: the currency
    of its money values and the currencies they found no rate for."""

    conversion: Conversion
    currency: str | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def note(self, result: dict[str, Any]) -> dict[str, Any]:
        self.currency = result.get("currency", self.currency)
        for warning in result.get("warnings", []):
            if warning not in self.warnings:
                self.warnings.append(warning)
        return result

    def tell(self, answer: dict[str, Any]) -> dict[str, Any]:
        if self.currency is not None:
            answer["currency"] = self.currency
        if self.warnings:
            answer["warnings"] = sorted(self.warnings, key=lambda w: (w["field"], w["currency"]))
        return answer


def run_report(
    ctx: Context,
    spec: ReportSpec,
    *,
    saved: bool = False,
    drill: dict[str, Any] | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The report's result for the reader of ``ctx``.

    ``saved``: the definition is someone's stored report, so a field the reader may not see is
    a 403 rather than a 422. ``drill``: the key of one group (a prefix of the groupings) — the
    answer is then that group's records, as a tabular report of the same columns."""
    spec.check_shape()
    # A report's statement text is the same for every reader (the owner, department and share
    # ids are parameters), so PostgreSQL soon runs it with a generic plan that cannot know one
    # reader owns 8 % of the rows: measured at 1M accounts, a rep's stage × month report took
    # 392 ms p50 with it against the 58 ms its plan for the values executes in.
    plan_with_values(ctx.conn)
    if saved:
        require_readable(ctx, spec)
    columns = _columns(ctx, spec)
    amounts = _Money(money.conversion(ctx))
    if drill is not None:
        answer = _drill(ctx, spec, drill, cursor, columns, amounts)
    elif spec.type == "tabular":
        answer = _tabular(ctx, spec, cursor, columns, amounts)
    else:
        answer = _grouped(ctx, spec, columns, amounts)
    return amounts.tell(answer)


def check_report(ctx: Context, spec: ReportSpec) -> list[dict[str, Any]]:
    """Compile a definition for the reader of ``ctx`` without reading its rows; its columns.

    Saving a report checks it as its author sees the data, so a definition naming a field the
    author cannot see, or one that could never run, is refused per field when saved rather than
    failing later for everyone who opens it. Each statement a run would send (the groups, the
    totals, a drill-down's or tabular report's records) is compiled and executed under a
    condition no row meets: every error a run could raise is raised, for an index probe's cost
    instead of a scan of the object."""
    spec.check_shape()
    columns = _columns(ctx, spec)
    obj = ctx.object(spec.object)
    resolver = PathResolver(ctx, obj)
    compile_filter(resolver, spec.filter)
    errors: list[FieldError] = []
    for i, path in enumerate(spec.columns or []):
        # Record fields only: a tabular report's rows are the object's own records.
        if "." in path:
            errors.append(FieldError(f"columns.{i}", "invalid_request", {"field": path}))
    if spec.date_field is not None:
        try:
            _, f = resolver.field(spec.date_field)
        except PathError:
            errors.append(FieldError("date_field", "unknown_field", {"field": spec.date_field}))
        else:
            kind = f.return_type if f.type == FieldType.FORMULA and f.return_type else f.type
            if kind not in DATE_TYPES:
                errors.append(FieldError("date_field", "invalid_choice"))
    if spec.type != "tabular":
        names = {g["field"] for g in [*spec.group_by, *spec.column_group_by]}
        for a in spec.aggregates:
            names.add(value_name(a))
            if a.get("percent_of_total"):
                names.add(f"percent_{value_name(a)}")
        for i, item in enumerate(spec.sort):
            if item["key"] not in names:
                errors.append(FieldError(f"sort.{i}.key", "invalid_choice", {"key": item["key"]}))
    if errors:
        raise ValidationFailed(errors)
    nothing = {"and": [spec.filter, NO_ROWS]} if spec.filter else NO_ROWS
    # A grouped report's sort names its groupings and values; its drill-downs list records in
    # the list's default order.
    probe = replace(spec, filter=nothing, sort=spec.sort if spec.type == "tabular" else [])
    run_query(ctx, spec.object, tabular_query(probe, limit=1))
    measures = _internal_measures(spec.aggregates)
    groupings = [*spec.group_by, *spec.column_group_by]
    _aggregate(ctx, probe, groupings, measures, 1, _Money(money.conversion(ctx)))
    return columns


# ------------------------------------------------------------------ tabular
def tabular_query(spec: ReportSpec, *, limit: int, cursor: str | None = None) -> QuerySpec:
    """The list query behind a tabular report's records (and a drill-down's, and an export's
    pages): the report's filter, sort and columns."""
    sort = [{"field": s["key"], "direction": s.get("direction", "asc")} for s in spec.sort]
    return QuerySpec(filter=spec.filter, sort=sort, fields=spec.columns, limit=limit, cursor=cursor)


def _tabular(
    ctx: Context,
    spec: ReportSpec,
    cursor: str | None,
    columns: list[dict[str, Any]],
    amounts: _Money,
) -> dict[str, Any]:
    limit = min(spec.limit or TABULAR_LIMIT, MAX_LIMIT)
    page = run_query(ctx, spec.object, tabular_query(spec, limit=limit, cursor=cursor))
    totals = _totals_query(ctx, spec, spec.filter, amounts)
    return {
        "type": "tabular",
        "object": spec.object,
        "columns": columns,
        "records": page["records"],
        "next_cursor": page["next_cursor"],
        "totals": _public(spec, totals),
    }


def _drill(
    ctx: Context,
    spec: ReportSpec,
    key: dict[str, Any],
    cursor: str | None,
    columns: list[dict[str, Any]],
    amounts: _Money,
) -> dict[str, Any]:
    """The records of one group: the report's filter and the group's key as conditions."""
    groupings = {g["field"]: g for g in [*spec.group_by, *spec.column_group_by]}
    if not isinstance(key, dict) or not key:
        raise ValidationFailed([FieldError("drill", "required")])
    conditions: list[dict[str, Any]] = []
    for path, value in key.items():
        grouping = groupings.get(path)
        if grouping is None:
            raise ValidationFailed([FieldError(f"drill.{path}", "unknown_field")])
        conditions += _key_conditions(ctx, spec.object, grouping, value, f"drill.{path}")
    drill_filter: dict[str, Any] = {"and": [*([spec.filter] if spec.filter else []), *conditions]}
    tabular = ReportSpec(
        object=spec.object,
        type="tabular",
        filter=drill_filter,
        aggregates=spec.aggregates,
        columns=spec.columns,
        limit=spec.limit if spec.type == "tabular" else None,
    )
    result = _tabular(ctx, tabular, cursor, columns, amounts)
    result["filter"] = drill_filter  # for "open as a list" in the web app
    return result


def _key_conditions(
    ctx: Context, object_name: str, grouping: dict[str, Any], value: Any, where: str
) -> list[dict[str, Any]]:
    path = grouping["field"]
    if value is None:
        return [{"field": path, "op": "is_null", "value": True}]
    bucket = grouping.get("bucket")
    if bucket is None:
        return [{"field": path, "op": "eq", "value": value}]
    try:
        start = date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed([FieldError(where, "invalid_date")]) from None
    end = _bucket_end(start, bucket)
    _, f = PathResolver(ctx, ctx.object(object_name)).field(path)
    if f.type.value == "datetime" or (f.return_type is not None and f.return_type == "datetime"):
        # Buckets of date-times are the tenant's days: their bounds are its local midnights.
        low: Any = datetime.combine(start, time(), tzinfo=ctx.time_zone).isoformat()
        high: Any = datetime.combine(end, time(), tzinfo=ctx.time_zone).isoformat()
    else:
        low, high = start.isoformat(), end.isoformat()
    return [{"field": path, "op": "gte", "value": low}, {"field": path, "op": "lt", "value": high}]


def _bucket_end(start: date, bucket: str) -> date:
    from datetime import timedelta

    months = {"month": 1, "quarter": 3, "fiscal_quarter": 3, "year": 12, "fiscal_year": 12}
    if bucket == "day":
        return start + timedelta(days=1)
    if bucket == "week":
        return start + timedelta(days=7)
    index = start.year * 12 + start.month - 1 + months[bucket]
    return date(index // 12, index % 12 + 1, 1)


# ------------------------------------------------------------------ summary and matrix
def _grouped(
    ctx: Context, spec: ReportSpec, columns: list[dict[str, Any]], amounts: _Money
) -> dict[str, Any]:
    rows = [g["field"] for g in spec.group_by]
    cols = [g["field"] for g in spec.column_group_by]
    measures = _internal_measures(spec.aggregates)
    limit = min(spec.limit or MAX_GROUPS, MAX_GROUPS)
    groupings = [*spec.group_by, *spec.column_group_by]
    # A matrix's column totals are folded from its cells, which come row by row: each cell
    # brings its column's place among the columns, so the totals come in the columns' order.
    result = _aggregate(ctx, spec, groupings, measures, limit, amounts, ranked=len(cols))
    groups = result["groups"]
    truncated = len(groups) >= limit
    distinct = [value_name(a) for a in spec.aggregates if a["op"] == "count_distinct"]
    folded = not truncated and not distinct and not result.get("warnings")

    totals = _fold(groups, measures) if folded else _totals_query(ctx, spec, spec.filter, amounts)

    def level(
        paths: list[str], groupings: list[dict[str, Any]], *, ranked: bool = False
    ) -> list[dict[str, Any]]:
        """Totals per key over ``paths``: folded from the groups, or queried when they cannot."""
        if folded:
            return _fold_by(groups, paths, measures, ranked=ranked)
        return _aggregate(ctx, spec, groupings, measures, MAX_GROUPS, amounts)["groups"]

    answer: dict[str, Any] = {"type": spec.type, "object": spec.object, "columns": columns}
    if spec.type == "summary":
        subtotals = []
        for depth in range(1, len(rows)):
            for group in level(rows[:depth], spec.group_by[:depth]):
                subtotals.append({"level": depth, **group})
        ordered = _sort(groups, subtotals, rows, spec.sort)
        answer["groups"] = ordered
        answer["subtotals"] = subtotals
    else:
        answer["groups"] = groups
        answer["row_totals"] = _sort(level(rows, spec.group_by), [], rows, spec.sort)
        answer["column_totals"] = level(cols, spec.column_group_by, ranked=True)
    answer["totals"] = totals
    answer["truncated"] = truncated
    _percentages(spec, answer)
    for part in ("groups", "subtotals", "row_totals", "column_totals"):
        if part in answer:
            for group in answer[part]:
                group.pop("rank", None)
                group["values"] = _public(spec, group["values"])
    answer["totals"] = _public(spec, answer["totals"])
    return answer


def _aggregate(
    ctx: Context,
    spec: ReportSpec,
    groupings: list[dict[str, Any]],
    measures: list[dict[str, Any]],
    limit: int,
    amounts: _Money,
    *,
    ranked: int = 0,
) -> dict[str, Any]:
    aggregate = AggregateSpec(
        filter=spec.filter,
        group_by=[{k: v for k, v in g.items() if v is not None} for g in groupings],
        aggregates=measures,
        limit=limit,
        conversion=amounts.conversion,
        ranked=ranked,
    )
    return amounts.note(run_aggregate(ctx, spec.object, aggregate))


def _totals_query(ctx: Context, spec: ReportSpec, filter: Any, amounts: _Money) -> dict[str, Any]:
    """The grand totals as one aggregate without groups."""
    measures = _internal_measures(spec.aggregates)
    aggregate = AggregateSpec(
        filter=filter,
        group_by=[],
        aggregates=measures,
        limit=1,
        conversion=amounts.conversion,
    )
    groups = amounts.note(run_aggregate(ctx, spec.object, aggregate))["groups"]
    return groups[0]["values"] if groups else {}


def _internal_measures(aggregates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The aggregates asked for, plus an exact sum and a count per averaged field (to fold
    averages over groups), each once."""
    found: dict[str, dict[str, Any]] = {}
    for item in aggregates:
        measure = {"op": item["op"], **({"field": item["field"]} if item.get("field") else {})}
        found.setdefault(value_name(measure), measure)
        if item["op"] == "avg":
            for op in ("sum", "count"):
                extra = {"op": op, "field": item["field"]}
                found.setdefault(value_name(extra), extra)
    return list(found.values())


def _fold(groups: Iterable[dict[str, Any]], measures: list[dict[str, Any]]) -> dict[str, Any]:
    """One total over groups: counts and sums add, minima and maxima compare, averages are
    the folded sum over the folded count."""
    total: dict[str, Any] = {}
    for measure in measures:
        name = value_name(measure)
        op = measure["op"]
        values = [g["values"].get(name) for g in groups]
        present = [v for v in values if v is not None]
        if op == "count":
            total[name] = sum(int(v) for v in present)
        elif op == "sum":
            total[name] = sum((Decimal(str(v)) for v in present), Decimal(0)) if present else None
        elif op in ("min", "max") and present:
            total[name] = (min if op == "min" else max)(present, key=_order_key)
        elif op in ("min", "max"):
            total[name] = None
    for measure in measures:
        if measure["op"] == "avg":
            name = value_name(measure)
            field = measure["field"]
            amount = total.get(value_name({"op": "sum", "field": field}))
            count = total.get(value_name({"op": "count", "field": field}))
            total[name] = (
                _avg(Decimal(str(amount)) / count) if amount is not None and count else None
            )
    return {k: _plain(v) for k, v in total.items()}


def _fold_by(
    groups: list[dict[str, Any]],
    paths: list[str],
    measures: list[dict[str, Any]],
    *,
    ranked: bool = False,
) -> list[dict[str, Any]]:
    """Totals per distinct key over ``paths``, in the order the keys first appear — or, when
    ``ranked`` (``paths`` are the ranked groupings: a matrix's columns), in their ranks'."""
    buckets: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for group in groups:
        key = tuple(group["key"].get(p) for p in paths)
        buckets.setdefault(key, []).append(group)
    keys = list(buckets)
    if ranked:
        keys.sort(key=lambda k: int(buckets[k][0]["rank"]))
    return [
        {"key": dict(zip(paths, key, strict=True)), "values": _fold(buckets[key], measures)}
        for key in keys
    ]


def _sort(
    groups: list[dict[str, Any]],
    subtotals: list[dict[str, Any]],
    paths: list[str],
    sort: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Groups in the report's order, level by level: a sort on an aggregate orders each
    level's keys by their subtotal (the finest level by its own value); a sort on a grouping
    reverses or keeps that level's key order; otherwise the database's order (keys ascending,
    text by pinyin, empty keys last) stands."""
    if not sort or not groups:
        return groups
    position: dict[tuple[Any, ...], int] = {}
    for i, group in enumerate(groups):
        for depth in range(1, len(paths) + 1):
            position.setdefault(_prefix(group, paths, depth), i)
    by_prefix = {
        (s["level"], tuple(s["key"].get(p) for p in paths[: s["level"]])): s for s in subtotals
    }

    def order(group: dict[str, Any]) -> tuple[Any, ...]:
        terms: list[Any] = []
        for depth in range(1, len(paths) + 1):
            prefix = _prefix(group, paths, depth)
            if depth == len(paths):
                values = group["values"]
            else:
                values = by_prefix.get((depth, prefix), {}).get("values", {})
            for item in sort:
                key, descending = item["key"], item.get("direction") == "desc"
                if key in paths:
                    if paths.index(key) == depth - 1:
                        index = position[prefix]
                        terms.append(-index if descending else index)
                    continue
                terms.append(_sort_term(values.get(key), descending))
            terms.append(position[prefix])
        return tuple(terms)

    return sorted(groups, key=order)


def _prefix(group: dict[str, Any], paths: list[str], depth: int) -> tuple[Any, ...]:
    return tuple(group["key"].get(p) for p in paths[:depth])


def _sort_term(value: Any, descending: bool) -> tuple[int, Any]:
    """Empty values last either way; numbers compared as numbers."""
    if value is None:
        return (1, 0)
    number = _order_key(value)
    if isinstance(number, Decimal):
        return (0, -number if descending else number)
    return (0, _Reversed(number) if descending else number)


class _Reversed:
    """A text or date value that sorts the other way round."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(self.value > other.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def _order_key(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    return value


def _percentages(spec: ReportSpec, answer: dict[str, Any]) -> None:
    """``percent_<value>``: a group's share of the grand total, in percent to 0.01."""
    for aggregate in spec.aggregates:
        if not aggregate.get("percent_of_total"):
            continue
        name = value_name(aggregate)
        total = answer["totals"].get(name)
        for part in ("groups", "subtotals", "row_totals", "column_totals"):
            for group in answer.get(part, []):
                group["values"][f"percent_{name}"] = _percent(group["values"].get(name), total)
        answer["totals"][f"percent_{name}"] = _percent(total, total)


def _percent(value: Any, total: Any) -> Any:
    if value is None or total in (None, 0):
        return None
    share = Decimal(str(value)) * 100 / Decimal(str(total))
    return _plain(share.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP))


def _public(spec: ReportSpec, values: dict[str, Any]) -> dict[str, Any]:
    """The values the report asked for (and their percentages), without the internal sums and
    counts that fold averages."""
    wanted = {value_name(a) for a in spec.aggregates}
    wanted |= {f"percent_{value_name(a)}" for a in spec.aggregates if a.get("percent_of_total")}
    return {k: v for k, v in values.items() if k in wanted}


def _avg(value: Decimal) -> Any:
    return _plain(round(value, 6))


def _plain(value: Any) -> Any:
    """Whole numbers as ints (as the aggregate API writes them), others exact."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


# ------------------------------------------------------------------ columns
def _columns(ctx: Context, spec: ReportSpec) -> list[dict[str, Any]]:
    """What the answer's keys and values are, labelled in the reader's language."""
    obj = ctx.object(spec.object)
    resolver = PathResolver(ctx, obj)
    described: list[dict[str, Any]] = []

    def path_info(path: str, where: str) -> dict[str, Any]:
        try:
            resolver.field(path)
        except PathError as exc:
            raise ValidationFailed(
                [FieldError(where, "invalid_filter", {"reason": exc.reason, "field": path})]
            ) from None
        labels, current, f = [], obj, None
        for part in path.split("."):
            f = current.fields[part]
            labels.append(label(f.labels, ctx.locale) or f.name)
            if f.target and ctx.schema.get(f.target) is not None:
                current = ctx.object(f.target)
        assert f is not None
        return {
            "label": " › ".join(labels),
            "type": str(f.type.value),
            **({"target": f.target} if f.target else {}),
            **({"options": [o.value for o in f.options]} if f.options else {}),
        }

    for key, items in (("row", spec.group_by), ("column", spec.column_group_by)):
        for i, item in enumerate(items):
            where = f"{'group_by' if key == 'row' else 'column_group_by'}.{i}.field"
            info = path_info(item["field"], where)
            described.append(
                {"key": item["field"], "kind": f"{key}_group", "bucket": item.get("bucket"), **info}
            )
    for i, item in enumerate(spec.aggregates):
        info = path_info(item["field"], f"aggregates.{i}.field") if item.get("field") else {}
        described.append(
            {
                "key": value_name(item),
                "kind": "aggregate",
                "op": item["op"],
                "field": item.get("field"),
                "percent_of_total": bool(item.get("percent_of_total")),
                **({"field_label": info["label"], "type": info["type"]} if info else {}),
            }
        )
    for i, path in enumerate(spec.columns or []):
        described.append({"key": path, "kind": "detail", **path_info(path, f"columns.{i}")})
    return described
