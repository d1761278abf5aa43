"""Service levels: which policy and target a case gets, its due times on the policy's business
calendar, the clock stopped while waiting on the customer, and when the service-level round
next has something to do for a case (``next_check_ts``). The recomputation of every open case
when a policy's inputs change is sla_recompute's (set-based, in a job).

The arithmetic is the platform's business-hours engine (keyi.platform.calendars); this module
only reads the tenant's calendars, policies and targets and turns stored naive-UTC timestamps
into instants and back. Calendars are cached per process, keyed by their rows, so an edit is
seen at once and an unchanged calendar keeps its per-day cache across requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.calendars import BusinessCalendar, china, parse_hhmm

if TYPE_CHECKING:
    from keyi.platform.context import Context

PRIORITIES = ("low", "medium", "high", "urgent")  # in rising order: escalation raises one step
CLOSED_STATUSES = ("resolved", "closed")
PAUSED_STATUS = "waiting_on_customer"
_CACHE_LIMIT = 256
_calendars: dict[tuple[Any, ...], BusinessCalendar] = {}


@dataclass(frozen=True)
class Target:
    """A policy's target for one priority (and grade): business minutes to each due time."""

    first_response: float
    resolution: float


@dataclass(frozen=True)
class Policy:
    id: str
    key: str
    calendar_id: str
    warn_at_percent: int
    escalate_notify: bool
    escalate_raise_priority: bool
    escalate_to_queue: str | None


def instant(value: datetime | None) -> datetime | None:
    """A stored naive-UTC timestamp as an aware instant."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stored(value: datetime) -> datetime:
    """An aware instant as the storage convention (naive UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None)


# ------------------------------------------------------------------ calendars
def _rows(ctx: Context, object_name: str, **where: Any) -> list[dict[str, Any]]:
    table = ctx.object(object_name).table
    stmt = sa.select(table).where(table.c.deleted_at.is_(None))
    for name, value in where.items():
        stmt = stmt.where(table.c[name] == value)
    return [dict(r) for r in ctx.conn.execute(stmt.order_by(table.c.id)).mappings()]


def hours_of(rows: Iterable[Mapping[str, Any]]) -> dict[int, list[tuple[int, int]]]:
    """Working-hours rows as the engine's intervals per ISO weekday."""
    hours: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        interval = (parse_hhmm(row["start_time"]), parse_hhmm(row["end_time"]))
        hours.setdefault(int(row["weekday"]), []).append(interval)
    return hours


def build_calendar(
    calendar: Mapping[str, Any],
    hours: Iterable[Mapping[str, Any]],
    dates: Iterable[Mapping[str, Any]],
) -> BusinessCalendar:
    """The engine's calendar for a business_calendar row and its hours and dates, cached by
    their content (a new process, or an edit, builds it afresh)."""
    hours, dates = list(hours), list(dates)
    key = calendar_key(calendar, hours, dates)
    found = _calendars.get(key)
    if found is None:
        found = BusinessCalendar(
            calendar["time_zone"],
            hours_of(hours),
            days_off=[_day(r["date"]) for r in dates if r["kind"] == "holiday"],
            extra_workdays=[_day(r["date"]) for r in dates if r["kind"] == "workday"],
            china_holidays=bool(calendar.get("china_holidays")),
        )
        if len(_calendars) >= _CACHE_LIMIT:
            _calendars.clear()
        _calendars[key] = found
    return found


def calendar_key(
    calendar: Mapping[str, Any],
    hours: Iterable[Mapping[str, Any]],
    dates: Iterable[Mapping[str, Any]],
) -> tuple[Any, ...]:
    """What a calendar's due times depend on, as a hashable value (its cache key, and part of
    a recomputation's fingerprint)."""
    return (
        str(calendar["id"]),
        calendar["time_zone"],
        bool(calendar.get("china_holidays")),
        tuple(sorted((str(r["weekday"]), r["start_time"], r["end_time"]) for r in hours)),
        tuple(sorted((_day(r["date"]), r["kind"]) for r in dates)),
    )


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def load_calendar(ctx: Context, calendar_id: str) -> BusinessCalendar | None:
    """The tenant's calendar by id (None when it is gone)."""
    found = load_calendar_keyed(ctx, calendar_id)
    return None if found is None else found[0]


def load_calendar_keyed(
    ctx: Context, calendar_id: str
) -> tuple[BusinessCalendar, tuple[Any, ...]] | None:
    """The calendar and its :func:`calendar_key` (None when it is gone)."""
    rows = _rows(ctx, "business_calendar", id=calendar_id)
    if not rows:
        return None
    hours = _rows(ctx, "business_hours", calendar=calendar_id)
    dates = _rows(ctx, "calendar_holiday", calendar=calendar_id)
    return build_calendar(rows[0], hours, dates), calendar_key(rows[0], hours, dates)


# ------------------------------------------------------------------ policies and targets
def _policy(row: Mapping[str, Any]) -> Policy:
    return Policy(
        id=str(row["id"]),
        key=row["key"],
        calendar_id=str(row["calendar"]),
        warn_at_percent=int(row.get("warn_at_percent") or 80),
        escalate_notify=bool(row.get("escalate_notify")),
        escalate_raise_priority=bool(row.get("escalate_raise_priority")),
        escalate_to_queue=row.get("escalate_to_queue"),
    )


def policy_by_id(ctx: Context, policy_id: str | None) -> Policy | None:
    rows = _rows(ctx, "sla_policy", id=policy_id) if policy_id else []
    return _policy(rows[0]) if rows else None


def policy_by_key(ctx: Context, key: str) -> Policy | None:
    rows = _rows(ctx, "sla_policy", key=key)
    return _policy(rows[0]) if rows else None


def default_policy(ctx: Context) -> Policy | None:
    """The active default policy (the oldest, should several claim it)."""
    table = ctx.object("sla_policy").table
    row = (
        ctx.conn.execute(
            sa.select(table)
            .where(
                table.c.deleted_at.is_(None),
                table.c.is_default.is_(True),
                table.c.active.is_(True),
            )
            .order_by(table.c.created_at, table.c.id)
            .limit(1)
        )
        .mappings()
        .first()
    )
    return _policy(dict(row)) if row else None


def targets_of(ctx: Context, policy_id: str) -> dict[tuple[str, str | None], Target]:
    """Every target of a policy: (priority, grade or None) → minutes."""
    found = {}
    for row in _rows(ctx, "sla_target", policy=policy_id):
        found[(row["priority"], row.get("account_grade"))] = Target(
            _minutes(row["first_response_hours"]), _minutes(row["resolution_hours"])
        )
    return found


def pick_target(
    targets: Mapping[tuple[str, str | None], Target], priority: str | None, grade: str | None
) -> Target | None:
    """A target for the account's grade beats one for any grade."""
    if priority is None:
        return None
    found = targets.get((priority, grade)) if grade else None
    return found or targets.get((priority, None))


def _minutes(hours: Any) -> float:
    return float(Decimal(str(hours)) * 60)


def account_grade(ctx: Context, account_id: str | None) -> str | None:
    if not account_id or ctx.schema.get("account") is None:
        return None
    table = ctx.object("account").table
    if "grade" not in table.c:
        return None
    return ctx.conn.execute(
        sa.select(table.c.grade).where(table.c.id == account_id)
    ).scalar_one_or_none()


# ------------------------------------------------------------------ due times
@dataclass(frozen=True)
class DueTimes:
    first_response: datetime
    resolution: datetime


def due_times(
    calendar: BusinessCalendar, start: datetime, target: Target, paused_minutes: float = 0
) -> DueTimes:
    """Due times from `start` (the case's creation), the clock's stopped time added."""
    return DueTimes(
        calendar.add(start, target.first_response + paused_minutes),
        calendar.add(start, target.resolution + paused_minutes),
    )


def status_at(
    now: datetime,
    *,
    calendar: BusinessCalendar,
    start: datetime,
    target: Target,
    paused_minutes: float,
    first_responded_at: datetime | None,
    first_response_due: datetime,
    resolution_due: datetime,
    warn_at_percent: int,
) -> str:
    """on_track, warning or breached for an open case that is not paused.

    Breached: the first response came (or is still missing) after its due time, or the
    resolution is late. Warning: the pending target's business time elapsed reached
    warn_at_percent (the first response's while none came, then the resolution's).
    """
    return status_ts(
        now.timestamp(),
        calendar=calendar,
        start=start.timestamp(),
        target=target,
        paused_minutes=paused_minutes,
        responded=None if first_responded_at is None else first_responded_at.timestamp(),
        first_response_due=first_response_due.timestamp(),
        resolution_due=resolution_due.timestamp(),
        warn_at_percent=warn_at_percent,
    )


def status_ts(
    now: float,
    *,
    calendar: BusinessCalendar,
    start: float,
    target: Target,
    paused_minutes: float,
    responded: float | None,
    first_response_due: float,
    resolution_due: float,
    warn_at_percent: int,
) -> str:
    """:func:`status_at` on POSIX seconds (the bulk recomputation's form)."""
    if responded is not None:
        if responded > first_response_due:
            return "breached"
    elif now > first_response_due:
        return "breached"
    if now > resolution_due:
        return "breached"
    warn_at = warn_ts(calendar, start, target, paused_minutes, responded, warn_at_percent)
    return "warning" if now >= warn_at else "on_track"


_EPOCH = datetime(1970, 1, 1)


def _seconds(naive: datetime) -> float:
    """A stored naive-UTC timestamp as POSIX seconds (no time-zone object on the way)."""
    return (naive - _EPOCH).total_seconds()


def _naive(seconds: float) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


# ------------------------------------------------------------------ the round's next check
TARGETS = ("first_response", "resolution")  # in the order they fall due
RUNNING_STATES = ("on_track", "warning", "breached")


def escalated_of(value: Any, level: int | None) -> frozenset[str]:
    """The targets already escalated: the case's ``sla_escalated`` (a JSON list), or for a case
    escalated before that field existed, the first ``escalation_level`` targets."""
    if value:
        found = json.loads(value) if isinstance(value, str) else list(value)
        return frozenset(str(v) for v in found)
    return frozenset(TARGETS[: int(level or 0)])


def breach_times(
    fr_due: float, res_due: float, responded: float | None
) -> tuple[tuple[str, float], ...]:
    """Each target with the instant after which it is breached: the first response's due time
    (already past for a late response; none for one that came in time), the resolution's."""
    found: list[tuple[str, float]] = []
    if responded is None or responded > fr_due:
        found.append(("first_response", fr_due))
    found.append(("resolution", res_due))
    return tuple(found)


def next_check_ts(
    *,
    sla_status: str | None,
    fr_due: float | None,
    res_due: float | None,
    responded: float | None,
    escalated: frozenset[str],
    warn_at: float | None,
) -> float | None:
    """When the service-level round (sla_escalation) next has something to do for an open
    case whose clock runs: its warning instant while on track, the first breach while not yet
    marked breached, and each target's breach not yet escalated. None when nothing is left
    (or the clock is stopped, or there are no due times). The round reads only cases whose
    check time has passed, by an index, and each write of the case keeps the time current."""
    if sla_status not in RUNNING_STATES or fr_due is None or res_due is None:
        return None
    breaches = breach_times(fr_due, res_due, responded)
    times = [t for target, t in breaches if target not in escalated]
    if sla_status != "breached":
        times.append(min(t for _, t in breaches))
    if sla_status == "on_track" and warn_at is not None:
        times.append(warn_at)
    return min(times) if times else None


def warn_ts(
    calendar: BusinessCalendar,
    start: float,
    target: Target,
    paused_minutes: float,
    responded: float | None,
    warn_at_percent: int,
) -> float:
    """The instant the pending target's business time reaches warn_at_percent."""
    pending = target.first_response if responded is None else target.resolution
    return calendar.add_seconds(start, (pending * warn_at_percent / 100 + paused_minutes) * 60)


def seconds_of(value: datetime | None) -> float | None:
    """A stored timestamp (naive UTC, or aware) as POSIX seconds."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.timestamp()
    return _seconds(value)


def naive_of(seconds: float | None) -> datetime | None:
    return None if seconds is None else _naive(seconds)


def policies_on(ctx: Context, calendar_id: str) -> list[str]:
    table = ctx.object("sla_policy").table
    return [
        str(i)
        for i in ctx.conn.execute(
            sa.select(table.c.id).where(
                table.c.calendar == calendar_id, table.c.deleted_at.is_(None)
            )
        ).scalars()
    ]


# ------------------------------------------------------------------ shipped records
STANDARD_CALENDAR = "china_standard"
STANDARD_POLICY = "standard"
# (priority, first response hours, resolution hours), in business hours.
STANDARD_TARGETS = (("urgent", 1, 8), ("high", 4, 16), ("medium", 8, 40), ("low", 16, 80))


def _exists(ctx: Context, object_name: str, key: str) -> Any:
    """The record's id with that key, the recycle bin included (a tenant that deleted a
    shipped record does not get it back)."""
    table = ctx.object(object_name).table
    return ctx.conn.execute(sa.select(table.c.id).where(table.c.key == key)).scalar()


def ship_standard(ctx: Context) -> str | None:
    """The calendar ``china_standard`` (Monday–Friday 09:00–18:00 Asia/Shanghai, China's
    holidays and make-up days) and the default policy ``standard`` on it, each created once
    per tenant. Idempotent: what the tenant has (by key) is left as it is."""
    from keyi.platform.records import RecordsService

    if any(
        ctx.schema.get(n) is None
        for n in ("business_calendar", "business_hours", "sla_policy", "sla_target")
    ):
        return None
    records = RecordsService(ctx.as_system())
    added = []
    calendar_id = _exists(ctx, "business_calendar", STANDARD_CALENDAR)
    if calendar_id is None:
        calendar = records.create(
            "business_calendar",
            {
                "name": "中国标准工作日历",
                "key": STANDARD_CALENDAR,
                "time_zone": "Asia/Shanghai",
                "china_holidays": True,
                "description": "Monday–Friday 09:00–18:00, China's public holidays and "
                "make-up working days (周一至周五 09:00–18:00，法定节假日与调休).",
            },
        )
        calendar_id = calendar["id"]
        records.create_many(
            "business_hours",
            [
                {
                    "calendar": calendar_id,
                    "weekday": str(d),
                    "start_time": "09:00",
                    "end_time": "18:00",
                }
                for d in range(1, 6)
            ],
        )
        added.append(f"calendar {STANDARD_CALENDAR}")
    if _exists(ctx, "sla_policy", STANDARD_POLICY) is None:
        policy = records.create(
            "sla_policy",
            {
                "name": "标准服务等级",
                "key": STANDARD_POLICY,
                "calendar": str(calendar_id),
                "is_default": True,
                "active": True,
                "warn_at_percent": 80,
            },
        )
        records.create_many(
            "sla_target",
            [
                {
                    "policy": policy["id"],
                    "priority": priority,
                    "first_response_hours": first,
                    "resolution_hours": resolution,
                }
                for priority, first, resolution in STANDARD_TARGETS
            ],
        )
        added.append(f"policy {STANDARD_POLICY}")
    return f"standard SLA added: {', '.join(added)}" if added else None


# ------------------------------------------------------------------ preview
def preview(
    calendar: BusinessCalendar, target: Target, start: datetime
) -> tuple[DueTimes, list[int]]:
    """Due times for a case starting at ``start``, and the years whose China holiday data
    was missing on the way (those days followed the weekday rules)."""
    due = due_times(calendar, start, target)
    if not calendar.china_holidays:
        return due, []
    last = max(due.first_response, due.resolution).astimezone(calendar.tz).year
    first = start.astimezone(calendar.tz).year
    return due, [y for y in range(first, last + 1) if not china.covered(y)]
