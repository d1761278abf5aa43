"""Dashboard filters: the period, owner and pipeline a dashboard narrows every widget to.

A dashboard holds widgets over reports of different objects, so its filters are not filter
trees over one object: they are a few named choices, each turned into conditions on each
widget's own report — the period on the report's date (its ``date_field``, else its first date
grouping, else ``created_at``), the owner on ``owner_id``, the pipeline on a ``pipeline`` field.
A report whose object has no such field (or a field its reader may not see) is left as it is,
and its widget says which filters it ignored: a number silently not narrowed would pass for one
that was.

The conditions are ANDed with the report's own filter and go through the query compiler like any
filter, so a dashboard narrows what its reader sees and never widens it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.access.subtree import subtree_predicate
from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.errors import FieldError, FieldErrors, ValidationFailed
from keyi.platform.ids import is_id
from keyi.platform.metadata.model import OWNER_FIELD, FieldType
from keyi.platform.query import dates
from keyi.platform.query.filters import MAX_IN_VALUES
from keyi.platform.query.paths import PathError, PathResolver

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.schema import CompiledObject

FILTER_KEYS = ("period", "owner", "pipeline")
PIPELINE_FIELD = "pipeline"
DEPARTMENT_PATH = f"{OWNER_FIELD}.department_path"
MAX_PIPELINE = 100
DATE_TYPES = (FieldType.DATE, FieldType.DATETIME)


# ------------------------------------------------------------------ checking
def check_filters(ctx: Context, data: Any, where: str = "filters") -> dict[str, Any]:
    """The filters as stored: ``{period?, owner?: {user} | {department}, pipeline?}``.

    A key given as null is kept as null, so a run's filters can clear a dashboard's default
    (``{"owner": null}``: everyone's numbers); ``clean`` drops them for storage."""
    errors = FieldErrors()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError(where, "invalid_request")])
    clean: dict[str, Any] = {}
    for key in sorted(set(data) - set(FILTER_KEYS)):
        errors.add(f"{where}.{key}", "unknown_field", field=key)
    if "period" in data:
        period = data["period"]
        if period is not None and not dates.is_relative(period):
            errors.add(f"{where}.period", "invalid_option", value=str(period)[:100])
        clean["period"] = period
    if "owner" in data:
        clean["owner"] = _check_owner(ctx, data["owner"], f"{where}.owner", errors)
    if "pipeline" in data:
        pipeline = data["pipeline"]
        if pipeline is not None and (not isinstance(pipeline, str) or not pipeline.strip()):
            errors.add(f"{where}.pipeline", "invalid_text")
        elif isinstance(pipeline, str) and len(pipeline) > MAX_PIPELINE:
            errors.add(f"{where}.pipeline", "too_long", max=MAX_PIPELINE)
        clean["pipeline"] = pipeline
    errors.raise_if_any()
    return clean


def _check_owner(ctx: Context, owner: Any, where: str, errors: FieldErrors) -> Any:
    """``{"user": id}`` or ``{"department": id}`` of a user or department that exists."""
    if owner is None:
        return None
    if (
        not isinstance(owner, dict)
        or len(owner) != 1
        or next(iter(owner))
        not in (
            "user",
            "department",
        )
    ):
        errors.add(where, "invalid_request")
        return None
    kind, value = next(iter(owner.items()))
    if not is_id(value):
        errors.add(f"{where}.{kind}", "invalid_id")
        return None
    table = ctx.object(kind).table
    found = ctx.conn.execute(
        sa.select(table.c.id).where(table.c.id == value, table.c.deleted_at.is_(None))
    ).first()
    if found is None:
        errors.add(f"{where}.{kind}", "not_found")
        return None
    return {kind: str(value).lower()}


def clean(filters: dict[str, Any]) -> dict[str, Any]:
    """Without the keys that choose nothing (how a dashboard stores its defaults)."""
    return {k: v for k, v in filters.items() if v is not None}


def merge(defaults: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """A run's filters over the dashboard's: a key given replaces the default, null clears it."""
    return clean({**defaults, **(override or {})})


# ------------------------------------------------------------------ applying
@dataclass
class Applied:
    """What the filters became for one report: conditions to AND, and the filters it ignored."""

    conditions: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    period_field: str | None = None  # where the period went, when there was one

    def narrow(self, spec: ReportSpec) -> ReportSpec:
        """The report with the conditions ANDed to its own filter."""
        if not self.conditions:
            return spec
        own = [spec.filter] if spec.filter else []
        return replace(spec, filter={"and": [*own, *self.conditions]})


def apply(
    ctx: Context, spec: ReportSpec, filters: dict[str, Any], *, previous: bool = False
) -> Applied:
    """The conditions ``filters`` put on ``spec``'s rows; with ``previous`` the period is the
    one before it (a KPI's comparison), as absolute dates."""
    obj = ctx.object(spec.object)
    applied = Applied()
    period = filters.get("period")
    if period:
        path = period_field(ctx, obj, spec)
        applied.period_field = path
        if previous:
            start, end = previous_period(
                period, ctx.today(), dates.fiscal_start_month(ctx.settings)
            )
            applied.conditions += _between(ctx, obj, path, start, end)
        else:
            applied.conditions.append({"field": path, "op": "eq", "value": period})
    owner = filters.get("owner")
    if owner:
        if _readable(ctx, obj, OWNER_FIELD) and obj.definition.features.owner:
            applied.conditions.append(_owner_condition(ctx, obj, owner))
        else:
            applied.ignored.append("owner")
    pipeline = filters.get("pipeline")
    if pipeline:
        if _readable(ctx, obj, PIPELINE_FIELD):
            applied.conditions.append({"field": PIPELINE_FIELD, "op": "eq", "value": pipeline})
        else:
            applied.ignored.append("pipeline")
    return applied


def period_field(ctx: Context, obj: CompiledObject, spec: ReportSpec) -> str:
    """The date a period narrows: the report's ``date_field``, else its first grouping on a
    date, else when the record was created."""
    if spec.date_field:
        return spec.date_field
    for grouping in [*spec.group_by, *spec.column_group_by]:
        path = grouping.get("field") if isinstance(grouping, dict) else None
        if isinstance(path, str) and _date_kind(ctx, obj, path) is not None:
            return path
    return "created_at"


def _readable(ctx: Context, obj: CompiledObject, path: str) -> bool:
    try:
        PathResolver(ctx, obj).field(path)
    except PathError:
        return False
    return True


def _date_kind(ctx: Context, obj: CompiledObject, path: str) -> FieldType | None:
    try:
        _, f = PathResolver(ctx, obj).field(path)
    except PathError:
        return None
    kind = f.return_type if f.type == FieldType.FORMULA and f.return_type else f.type
    return kind if kind in DATE_TYPES else None


def _between(
    ctx: Context, obj: CompiledObject, path: str, start: date, end: date
) -> list[dict[str, Any]]:
    """``start <= path < end``; a date-time's bounds are the tenant's local midnights."""
    low: Any = start.isoformat()
    high: Any = end.isoformat()
    if _date_kind(ctx, obj, path) == FieldType.DATETIME:
        low = datetime.combine(start, time(), tzinfo=ctx.time_zone).isoformat()
        high = datetime.combine(end, time(), tzinfo=ctx.time_zone).isoformat()
    return [{"field": path, "op": "gte", "value": low}, {"field": path, "op": "lt", "value": high}]


def _owner_condition(ctx: Context, obj: CompiledObject, owner: dict[str, str]) -> dict[str, Any]:
    """A user's records, or the records of everyone in a department and its sub-departments.

    The department goes through the owner's ``department_path`` (one prefix condition) when the
    reader may see that field; otherwise through the members' ids, read here: the ids only
    narrow rows the reader already sees, and are not shown."""
    if "user" in owner:
        return {"field": OWNER_FIELD, "op": "eq", "value": owner["user"]}
    departments = ctx.object("department").table
    path = ctx.conn.execute(
        sa.select(departments.c.path).where(
            departments.c.id == owner["department"], departments.c.deleted_at.is_(None)
        )
    ).scalar()
    if not path:
        return {"or": []}  # a department gone since: nobody's records
    if _readable(ctx, obj, DEPARTMENT_PATH):
        return {"field": DEPARTMENT_PATH, "op": "starts_with", "value": path}
    users = ctx.object("user").table
    members = list(
        ctx.conn.execute(
            sa.select(users.c.id).where(
                subtree_predicate(ctx.conn, users.c.department_path, path),
                users.c.deleted_at.is_(None),
            )
        ).scalars()
    )
    chunks = [members[i : i + MAX_IN_VALUES] for i in range(0, len(members), MAX_IN_VALUES)]
    return {"or": [{"field": OWNER_FIELD, "op": "in", "value": chunk} for chunk in chunks]}


# ------------------------------------------------------------------ periods
def previous_period(value: str, today: date, fiscal_start: int = 1) -> tuple[date, date]:
    """[start, end) of the period just before the relative literal ``value``.

    Resolved as the same literal seen one period earlier, so it meets the current period
    exactly: this_month → last month, this_fiscal_quarter → the fiscal quarter before,
    last_n_days:30 → the 30 days before those, last_month → the month before last."""
    return dates.resolve(value, _one_period_back(value, today), fiscal_start)


def _one_period_back(value: str, today: date) -> date:
    match = dates.RELATIVE_RE.match(value)
    if match:
        _, unit, count_text = match.groups()
        count = int(count_text)
        if unit == "days":
            return today - timedelta(days=count)
        if unit == "weeks":
            return today - timedelta(weeks=count)
        return _months_earlier(today, count)
    if value in ("today", "yesterday", "tomorrow"):
        return today - timedelta(days=1)
    unit = value.rsplit("_", 1)[-1]
    if unit == "week":
        return today - timedelta(weeks=1)
    return _months_earlier(today, {"month": 1, "quarter": 3, "year": 12}[unit])


def _months_earlier(day: date, months: int) -> date:
    """The same day ``months`` earlier, or the last day of that month when it is shorter."""
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))
