"""Target attainment (目标达成): what each rep and department achieved against their target.

For one metric and period: per rep, the actual (from the aggregate engine, so with the reader's
record access: a manager counts the deals they may see, a rep only their own) against the rep's
target; per department, its own target when one is set, else the sum of its members' and
sub-departments' targets (recursively, so a region with no target of its own adds up its
branches), against the sum of its members' actuals, sub-departments included.

Which rows a reader gets follows the sales target object's read scope, the same rule record
access applies to targets (a rep's target is owned by the rep): a rep whose role reads "own"
targets gets their own row only; a department row needs every member of the department (and
below) within that scope, so its totals never mix what the reader may and may not see.

Numbers are exact decimals written as strings: money to the cent, percentages to 0.01; the
projection runs the pace so far to the end of the period (days in the tenant's time zone).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from keyi.packages.sales.periods import (
    HUNDRED,
    PERCENT_PLACES,
    PERIOD_TYPES,
    Period,
    on_track,
    projection,
    start_problem,
)
from keyi.packages.sales.target_rules import OBJECT, metric_available, option_label
from keyi.platform.access.model import Operation, Scope
from keyi.platform.analytics import money
from keyi.platform.analytics.spec import ReportSpec, require_readable
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.query.aggregate import MAX_GROUPS, AggregateSpec, Conversion, run_aggregate
from keyi.platform.query.dates import fiscal_start_month

if TYPE_CHECKING:
    from keyi.platform.context import Context

Json = dict[str, Any]
CENT = Decimal("0.01")
ZERO = Decimal(0)


def _day_range(field: str, period: Period) -> list[Json]:
    return [
        {"field": field, "op": "gte", "value": period.start.isoformat()},
        {"field": field, "op": "lt", "value": period.end.isoformat()},
    ]


def _moment_range(field: str, period: Period, tz: ZoneInfo) -> list[Json]:
    """A date-time field within the period's days as the company's clock shows them."""

    def midnight(day: date) -> str:
        local = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
        return local.replace(tzinfo=None).isoformat() + "Z"

    return [
        {"field": field, "op": "gte", "value": midnight(period.start)},
        {"field": field, "op": "lt", "value": midnight(period.end)},
    ]


def _won(period: Period, tz: ZoneInfo) -> list[Json]:
    return [{"field": "stage", "op": "eq", "value": "won"}, *_day_range("close_date", period)]


def _new_accounts(period: Period, tz: ZoneInfo) -> list[Json]:
    return _moment_range("created_at", period, tz)


def _activities(period: Period, tz: ZoneInfo) -> list[Json]:
    """Completed activities dated in the period: by when they took place (start_at: a call
    or visit defaults to the moment it is logged), else by the task's due date, else by when
    the activity was recorded (a note or an e-mail without a time)."""
    no_start = {"field": "start_at", "op": "is_null", "value": True}
    no_due = {"field": "due_date", "op": "is_null", "value": True}
    return [
        {"field": "status", "op": "eq", "value": "completed"},
        {
            "or": [
                {"and": _moment_range("start_at", period, tz)},
                {"and": [no_start, *_day_range("due_date", period)]},
                {"and": [no_start, no_due, *_moment_range("created_at", period, tz)]},
            ]
        },
    ]


def _payments(period: Period, tz: ZoneInfo) -> list[Json]:
    return _day_range("received_on", period)


@dataclass(frozen=True)
class Metric:
    """Where a metric's actuals come from: records of `object` owned by the rep, meeting
    `conditions` in the period, counted or with `field` summed."""

    object: str
    op: Literal["sum", "count"]
    field: str | None
    conditions: Callable[[Period, ZoneInfo], list[Json]]

    @property
    def money(self) -> bool:
        return self.op == "sum"

    def aggregate(self) -> Json:
        return {"op": "sum", "field": self.field} if self.op == "sum" else {"op": "count"}


MetricName = Literal["won_amount", "won_count", "new_accounts", "activities", "payments_received"]
METRICS: dict[str, Metric] = {
    "won_amount": Metric("opportunity", "sum", "amount", _won),
    "won_count": Metric("opportunity", "count", None, _won),
    "new_accounts": Metric("account", "count", None, _new_accounts),
    "activities": Metric("activity", "count", None, _activities),
    "payments_received": Metric("payment", "sum", "amount", _payments),
}


@dataclass
class Department:
    id: str
    name: str
    parent: str | None
    path: str


@dataclass
class User:
    id: str
    name: str
    department: str | None
    path: str | None


def check_request(
    ctx: Context, metric: str, period_type: str, period_start: date
) -> tuple[Metric, Period]:
    """The metric and period asked for, or every problem with them as field errors."""
    errors: list[FieldError] = []
    if metric not in METRICS:
        errors.append(FieldError("metric", "invalid_option", {"value": metric}))
    elif not metric_available(ctx, metric):
        label = option_label(ctx, "metric", metric)
        errors.append(FieldError("metric", "metric_unavailable", {"metric": label}))
    if period_type not in PERIOD_TYPES:
        errors.append(FieldError("period_type", "invalid_option", {"value": period_type}))
    else:
        problem = start_problem(period_start, period_type, fiscal_start_month(ctx.settings))
        if problem is not None:
            code, params = problem
            period = option_label(ctx, "period_type", period_type)
            errors.append(FieldError("period_start", code, {"period": period, **params}))
    if errors:
        raise ValidationFailed(errors)
    return METRICS[metric], Period.of(period_type, period_start)


def attainment(
    ctx: Context,
    *,
    metric: str,
    period_type: str,
    period_start: date,
    department: str | None = None,
) -> Json:
    """The attainment rows (departments in tree order, then reps) and the period's progress."""
    source, period = check_request(ctx, metric, period_type, period_start)
    targets_obj = ctx.object(OBJECT)
    if not ctx.policy.can(targets_obj, Operation.READ):
        raise Forbidden()
    departments = _departments(ctx)
    root = None
    if department is not None:
        root = departments.get(department)
        if root is None:
            raise ValidationFailed([FieldError("department", "invalid_reference")])
    users = _users(ctx)
    reachable = _reachable(ctx, users)
    in_scope = {
        u.id: u
        for u in users.values()
        if u.id in reachable and (root is None or (u.path or "").startswith(root.path))
    }
    user_targets, department_targets = _targets(ctx, metric, period)
    warnings: list[Json] = []
    actuals = _actuals(ctx, source, period, warnings)
    today = ctx.today()
    fmt = _money if source.money else _count

    def row(kind: str, id_: str, name: str, target: Decimal | None, actual: Decimal) -> Json:
        projected = projection(actual, period, today)
        return {
            "kind": kind,
            "id": id_,
            "name": name,
            "target": fmt(target),
            "actual": fmt(actual),
            "attainment_percent": (
                _two_places(actual * HUNDRED / target) if target and target > 0 else None
            ),
            "gap": fmt(target - actual) if target is not None else None,
            "projected": _two_places(projected) if projected is not None else None,
            "on_track": on_track(actual, target, period, today),
        }

    rows: list[Json] = []
    order = _tree_order(departments)
    spans = _department_reach(ctx)
    shown = [
        d
        for d in sorted(departments.values(), key=lambda d: order[d.id])
        if (root is None or d.path.startswith(root.path))
        and (spans is None or any(d.path.startswith(p) for p in spans))
        and _covered(d, users.values(), reachable)
    ]
    rolled = _rolled_up_targets(departments, users, user_targets, department_targets)
    for d in shown:
        members = [u for u in users.values() if (u.path or "").startswith(d.path)]
        actual = sum((actuals.get(u.id, ZERO) for u in members), ZERO)
        target = rolled.get(d.id)
        if target is None and actual == 0:
            continue
        rows.append({**row("department", d.id, d.name, target, actual), "parent": d.parent})
    ranked = sorted(
        in_scope.values(),
        key=lambda u: (order.get(u.department or "", len(order)), u.name, u.id),
    )
    for u in ranked:
        target = user_targets.get(u.id)
        actual = actuals.get(u.id, ZERO)
        if target is None and actual == 0:
            continue
        rows.append({**row("user", u.id, u.name, target, actual), "department": u.department})
    return {
        "metric": metric,
        "period_type": period_type,
        "currency": str(ctx.settings.get("currency") or "CNY") if source.money else None,
        "period": {
            "start": period.start.isoformat(),
            "end": period.last_day.isoformat(),
            "elapsed_percent": str(period.elapsed_percent(today)),
        },
        "rows": rows,
        "warnings": warnings,
    }


# ---------------------------------------------------------------- reading
def _departments(ctx: Context) -> dict[str, Department]:
    """The live departments: the organisation every user reads (departments are read-only
    reference data for every role)."""
    table = ctx.object("department").table
    found = ctx.conn.execute(
        sa.select(table.c.id, table.c.name, table.c.parent, table.c.path).where(
            table.c.deleted_at.is_(None)
        )
    )
    return {
        str(r.id): Department(str(r.id), str(r.name), r.parent, str(r.path or f"/{r.id}/"))
        for r in found
    }


def _users(ctx: Context) -> dict[str, User]:
    table = ctx.object("user").table
    found = ctx.conn.execute(
        sa.select(table.c.id, table.c.name, table.c.department, table.c.department_path).where(
            table.c.deleted_at.is_(None)
        )
    )
    return {str(r.id): User(str(r.id), str(r.name), r.department, r.department_path) for r in found}


def _reachable(ctx: Context, users: dict[str, User]) -> set[str]:
    """The users whose targets the reader's read scope on targets reaches (a rep's target is
    owned by the rep): everyone for an administrator or a scope of all."""
    users_table = ctx.object("user").table
    predicate = ctx.policy.assignable_owners(ctx.object(OBJECT), users_table.c.id)
    if predicate is None:
        return set(users)
    return {
        str(i)
        for i in ctx.conn.execute(
            sa.select(users_table.c.id).where(users_table.c.deleted_at.is_(None), predicate)
        ).scalars()
    }


def _department_reach(ctx: Context) -> list[str] | None:
    """The department subtrees (paths) the reader's read scope on targets spans, None for all:
    a department scope spans the reader's own department, a narrower one the departments the
    reader manages. A rep reading their own targets gets no department rows, even for a
    department of one, whose own target (owned by its manager) they may not read."""
    policy = ctx.policy
    if policy.unrestricted:
        return None
    principal = policy.principal
    if principal is None:
        return []
    scope = policy.permission(ctx.object(OBJECT)).read_scope
    if scope == Scope.ALL:
        return None
    if scope == Scope.DEPARTMENT:
        return [principal.department_path] if principal.department_path else []
    return list(principal.managed_paths)


def _targets(
    ctx: Context, metric: str, period: Period
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """The targets of the period the reader may read: per rep and per department."""
    spec = ReportSpec(
        object=OBJECT,
        filter={
            "and": [
                {"field": "metric", "op": "eq", "value": metric},
                {"field": "period_type", "op": "eq", "value": period.type},
                {"field": "period_start", "op": "eq", "value": period.start.isoformat()},
            ]
        },
        group_by=[{"field": "user"}, {"field": "department"}],
        aggregates=[{"op": "sum", "field": "target"}],
    )
    groups = _run(ctx, spec)
    by_user: dict[str, Decimal] = {}
    by_department: dict[str, Decimal] = {}
    for group in groups:
        value = group["values"]["sum_target"]
        if value is None:
            continue
        amount = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
        if group["key"]["user"]:
            by_user[str(group["key"]["user"])] = amount
        elif group["key"]["department"]:
            by_department[str(group["key"]["department"])] = amount
    return by_user, by_department


def _actuals(
    ctx: Context, source: Metric, period: Period, warnings: list[Json]
) -> dict[str, Decimal]:
    """The metric per owner over the records the reader may see. Money is summed in the
    tenant's currency at today's rates, as reports sum it (keyi.platform.analytics.money): deals
    in dollars and in yuan are not added as if they were one currency. Amounts in a currency
    without a rate are left out, and ``warnings`` names those currencies."""
    spec = ReportSpec(
        object=source.object,
        filter={"and": source.conditions(period, ctx.time_zone)},
        group_by=[{"field": "owner_id"}],
        aggregates=[source.aggregate()],
    )
    name = "sum_" + str(source.field) if source.op == "sum" else "count"
    found: dict[str, Decimal] = {}
    conversion = money.conversion(ctx) if source.money else None
    result = _run_answer(ctx, spec, conversion)
    warnings.extend(result.get("warnings", []))
    for group in result["groups"]:
        owner, value = group["key"]["owner_id"], group["values"][name]
        if owner and value is not None:
            found[str(owner)] = Decimal(str(value))
    return found


def _run(ctx: Context, spec: ReportSpec) -> list[Json]:
    """The groups of `spec` as the reader sees them (see :func:`_run_answer`)."""
    groups: list[Json] = _run_answer(ctx, spec, None)["groups"]
    return groups


def _run_answer(ctx: Context, spec: ReportSpec, conversion: Conversion | None) -> Json:
    """The aggregate answer of `spec` as the reader sees it; 403 when it reads a field or
    object closed to the reader (a number silently missing a part would mislead)."""
    require_readable(ctx, spec)
    answer: Json = run_aggregate(
        ctx,
        spec.object,
        AggregateSpec(
            filter=spec.filter,
            group_by=spec.group_by,
            aggregates=spec.aggregates,
            limit=MAX_GROUPS,
            conversion=conversion,
        ),
    )
    return answer


# ---------------------------------------------------------------- rolling up
def _tree_order(departments: dict[str, Department]) -> dict[str, int]:
    """Each department's place in the tree read top-down, siblings by name."""
    children: dict[str | None, list[Department]] = defaultdict(list)
    for d in departments.values():
        parent = d.parent if d.parent in departments else None
        children[parent].append(d)
    order: dict[str, int] = {}
    stack = sorted(children[None], key=lambda d: (d.name, d.id), reverse=True)
    while stack:
        d = stack.pop()
        if d.id in order:
            continue
        order[d.id] = len(order)
        stack.extend(sorted(children[d.id], key=lambda c: (c.name, c.id), reverse=True))
    for d in departments.values():  # a cycle no tree path should allow: still listed
        order.setdefault(d.id, len(order))
    return order


def _rolled_up_targets(
    departments: dict[str, Department],
    users: dict[str, User],
    user_targets: dict[str, Decimal],
    department_targets: dict[str, Decimal],
) -> dict[str, Decimal]:
    """Each department's target: its own if set, else the sum of its direct members' targets
    and its sub-departments' targets (each of those by the same rule); None when nothing
    below it has a target either."""
    members: dict[str, list[str]] = defaultdict(list)
    for u in users.values():
        if u.department:
            members[str(u.department)].append(u.id)
    children: dict[str, list[str]] = defaultdict(list)
    for d in departments.values():
        if d.parent:
            children[str(d.parent)].append(d.id)
    # Deepest first, so every child is summed before its parent.
    deepest_first = sorted(departments.values(), key=lambda d: d.path.count("/"), reverse=True)
    rolled: dict[str, Decimal] = {}
    for d in deepest_first:
        own = department_targets.get(d.id)
        if own is not None:
            rolled[d.id] = own
            continue
        parts = [user_targets[u] for u in members[d.id] if u in user_targets]
        parts += [rolled[c] for c in children[d.id] if c in rolled]
        if parts:
            rolled[d.id] = sum(parts, ZERO)
    return rolled


def _covered(department: Department, users: Iterable[User], reachable: set[str]) -> bool:
    """Whether every user in the department's subtree is within the reader's reach (so its
    totals never mix records the reader may and may not see)."""
    return all(u.id in reachable for u in users if (u.path or "").startswith(department.path))


# ---------------------------------------------------------------- numbers
def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT, ROUND_HALF_UP))


def _count(value: Decimal | None) -> str | None:
    """A count (or a count target) as a whole number when it is one."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.quantize(CENT, ROUND_HALF_UP))


def _two_places(value: Decimal) -> str:
    """A percentage or a projection, half-up to 0.01."""
    return str(value.quantize(PERCENT_PLACES, ROUND_HALF_UP))
