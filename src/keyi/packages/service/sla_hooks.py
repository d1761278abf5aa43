"""The service-level hooks: due times on a case's create and priority (or policy) change, the
clock stopped while waiting on the customer, met or breached at resolution; the checks of
calendars, working hours and targets; every open case of a policy recomputed when its targets
or calendar change; and the standard calendar and policy a tenant receives with the package.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.service import sla, sla_escalation, sla_recompute
from keyi.platform.calendars import BusinessCalendar, parse_hhmm
from keyi.platform.errors import Conflict
from keyi.platform.hooks import AfterWriteEvent, DeleteEvent, UpgradeEvent, WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("service")
# Imported for their jobs: the periodic round (service_sla) and the recomputation.
__all__ = ["sla_escalation", "sla_recompute"]

MESSAGES.update(
    {
        "invalid_time": {
            "en": "Enter a time as HH:MM (00:00–24:00).",
            "zh-CN": "请按 HH:MM 格式填写时间（00:00–24:00）。",
        },
        "end_not_after_start": {
            "en": "The end must be later than the start.",
            "zh-CN": "结束时间必须晚于开始时间。",
        },
        "target_too_long": {
            "en": "A target is at most {max} business hours.",
            "zh-CN": "时限最多为 {max} 个工作小时。",
        },
        "calendar_without_hours": {
            "en": "The calendar has no working hours: add some before a policy uses it.",
            "zh-CN": "该日历没有任何工作时段，请先添加工作时段再用于服务等级协议。",
        },
        "calendar_last_hours": {
            "en": "These are the last working hours of a calendar that SLA policies use.",
            "zh-CN": "这是服务等级协议所用日历的最后一个工作时段，不能删除。",
        },
        "duplicate_target": {
            "en": "The policy already has a target for this priority and grade.",
            "zh-CN": "该协议已有此优先级与客户级别的时限。",
        },
        "unknown_time_zone": {
            "en": "Unknown time zone (use an IANA name such as Asia/Shanghai).",
            "zh-CN": "未知时区（请使用 IANA 时区名称，如 Asia/Shanghai）。",
        },
    }
)

# Names spelled from other fields: whoever may not read those may not read the name either.
hooks.derived("business_hours", "name", ("weekday", "start_time", "end_time"))
hooks.derived("sla_target", "name", ("priority", "account_grade"))

WEEKDAY_NAMES = {"1": "Mon", "2": "Tue", "3": "Wed", "4": "Thu", "5": "Fri", "6": "Sat", "7": "Sun"}


# ------------------------------------------------------------------ cases
class _Lookups:
    """What one write's events share: policies, targets and calendars read once per batch."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.policies: dict[str, sla.Policy | None] = {}
        self.targets: dict[str, dict[tuple[str, str | None], sla.Target]] = {}
        self.calendars: dict[str, BusinessCalendar | None] = {}
        self.grades: dict[Any, str | None] = {}
        self._default: list[sla.Policy | None] = []

    def policy(self, policy_id: str | None) -> sla.Policy | None:
        if not policy_id:
            if not self._default:
                self._default.append(sla.default_policy(self.ctx))
            return self._default[0]
        if policy_id not in self.policies:
            self.policies[policy_id] = sla.policy_by_id(self.ctx, policy_id)
        return self.policies[policy_id]

    def target(self, policy: sla.Policy, priority: str | None, account: Any) -> sla.Target | None:
        if policy.id not in self.targets:
            self.targets[policy.id] = sla.targets_of(self.ctx, policy.id)
        if account not in self.grades:
            self.grades[account] = sla.account_grade(self.ctx, account)
        return sla.pick_target(self.targets[policy.id], priority, self.grades[account])

    def calendar(self, policy: sla.Policy) -> BusinessCalendar | None:
        if policy.calendar_id not in self.calendars:
            self.calendars[policy.calendar_id] = sla.load_calendar(self.ctx, policy.calendar_id)
        return self.calendars[policy.calendar_id]


@hooks.before_save_many("case")
def case_service_level(ctx: Context, events: Sequence[WriteEvent]) -> None:
    lookups = _Lookups(ctx)
    now = sla.instant(ctx.now())
    assert now is not None
    for event in events:
        if event.operation == "create":
            _on_create(lookups, event, now)
        else:
            _on_update(lookups, event, now)
        if event.operation == "create" or any(_changed(event, n) for n in CHECK_INPUTS):
            _set_next_check(lookups, event, now)


# What the round's next check time depends on (besides the policy's own inputs).
CHECK_INPUTS = (
    "status",
    "sla_status",
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "sla_paused_minutes",
    "escalation_level",
    "sla_escalated",
    "priority",
    "account",
    "sla_policy",
)


def _set_next_check(lookups: _Lookups, event: WriteEvent, now: datetime) -> None:
    """The case's ``sla_next_check`` from its final values (see sla.next_check_ts)."""
    value = None
    fr, res = (
        sla.instant(event.final("first_response_due")),
        sla.instant(event.final("resolution_due")),
    )
    state = event.final("sla_status")
    if event.final("status") not in (*sla.CLOSED_STATUSES, sla.PAUSED_STATUS) and fr and res:
        responded = sla.seconds_of(sla.instant(event.final("first_responded_at")))
        warn = None
        policy = lookups.policy(event.final("sla_policy"))
        if state == "on_track" and policy is not None:
            calendar = lookups.calendar(policy)
            target = lookups.target(policy, event.final("priority"), event.final("account"))
            if calendar is not None and target is not None and calendar.has_hours:
                created = sla.instant((event.old or {}).get("created_at")) or now
                warn = sla.warn_ts(
                    calendar,
                    created.timestamp(),
                    target,
                    float(event.final("sla_paused_minutes") or 0),
                    responded,
                    policy.warn_at_percent,
                )
        value = sla.naive_of(
            sla.next_check_ts(
                sla_status=state,
                fr_due=fr.timestamp(),
                res_due=res.timestamp(),
                responded=responded,
                escalated=sla.escalated_of(
                    event.final("sla_escalated"), event.final("escalation_level")
                ),
                warn_at=warn,
            )
        )
    if event.operation == "create" or value != (event.old or {}).get("sla_next_check"):
        event.values["sla_next_check"] = value


def _on_create(lookups: _Lookups, event: WriteEvent, now: datetime) -> None:
    policy = lookups.policy(event.final("sla_policy"))
    if policy is None:
        return
    event.values["sla_policy"] = policy.id
    event.values["sla_paused_minutes"] = 0
    event.values["escalation_level"] = 0
    _set_due(lookups, event, policy, now, paused=0)
    if event.final("sla_status") is None:
        return
    if event.final("status") == sla.PAUSED_STATUS:
        event.values["sla_paused_at"] = sla.stored(now)
        event.values["sla_status"] = "paused"


def _set_due(
    lookups: _Lookups, event: WriteEvent, policy: sla.Policy, start: datetime, paused: float
) -> tuple[BusinessCalendar, sla.Target] | None:
    """Due times from ``start`` for the case's priority and account; none without a target."""
    target = lookups.target(policy, event.final("priority"), event.final("account"))
    calendar = lookups.calendar(policy)
    if target is None or calendar is None or not calendar.has_hours:
        event.values.update(first_response_due=None, resolution_due=None, sla_status=None)
        return None
    due = sla.due_times(calendar, start, target, paused)
    event.values["first_response_due"] = sla.stored(due.first_response)
    event.values["resolution_due"] = sla.stored(due.resolution)
    event.values["sla_status"] = "on_track"
    return calendar, target


def _changed(event: WriteEvent, name: str) -> bool:
    return name in event.values and event.values[name] != (event.old or {}).get(name)


def _on_update(lookups: _Lookups, event: WriteEvent, now: datetime) -> None:
    old = event.old or {}
    before, after = old.get("status"), event.final("status")
    if before in sla.CLOSED_STATUSES and after in sla.CLOSED_STATUSES:
        return  # resolved or closed: its service level was decided (met or breached)
    recompute = any(_changed(event, n) for n in ("priority", "sla_policy", "account"))
    if not (recompute or before != after or _changed(event, "first_responded_at")):
        return
    policy = lookups.policy(event.final("sla_policy"))
    if policy is None:
        return
    if _changed(event, "sla_policy") and not event.values.get("sla_policy"):
        event.values["sla_policy"] = policy.id  # cleared: back to the default
    created = sla.instant(old.get("created_at")) or now
    paused = float(event.final("sla_paused_minutes") or 0)
    paused_at = sla.instant(event.final("sla_paused_at"))
    calendar = lookups.calendar(policy)
    # Leaving "waiting on customer": the business time it waited moves the due times.
    if before == sla.PAUSED_STATUS and after != sla.PAUSED_STATUS and paused_at is not None:
        if calendar is not None and calendar.has_hours:
            paused += round(calendar.between(paused_at, now))
        event.values["sla_paused_minutes"] = int(paused)
        event.values["sla_paused_at"] = paused_at = None
        recompute = True
    if recompute or event.final("first_response_due") is None:
        found = _set_due(lookups, event, policy, created, paused)
    else:
        target = lookups.target(policy, event.final("priority"), event.final("account"))
        found = (calendar, target) if calendar is not None and target is not None else None
    if found is None or event.final("first_response_due") is None:
        return
    calendar, target = found
    if after == sla.PAUSED_STATUS:
        if paused_at is None:
            event.values["sla_paused_at"] = sla.stored(now)
        event.values["sla_status"] = "paused"
        return
    state = sla.status_at(
        now,
        calendar=calendar,
        start=created,
        target=target,
        paused_minutes=paused,
        first_responded_at=sla.instant(event.final("first_responded_at")),
        first_response_due=_due(event, "first_response_due"),
        resolution_due=_due(event, "resolution_due"),
        warn_at_percent=policy.warn_at_percent,
    )
    if after in sla.CLOSED_STATUSES:
        if before in sla.CLOSED_STATUSES and not recompute:
            return  # already closed: met or breached stays
        state = "breached" if state == "breached" or old.get("sla_status") == "breached" else "met"
    elif old.get("sla_status") == "breached" and before not in sla.CLOSED_STATUSES:
        state = "breached" if not recompute else state
    event.values["sla_status"] = state


def _due(event: WriteEvent, name: str) -> datetime:
    value = sla.instant(event.final(name))
    assert value is not None
    return value


# ------------------------------------------------------------------ calendars and targets
@hooks.before_save("business_calendar")
def calendar_checks(ctx: Context, event: WriteEvent) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone = event.final("time_zone")
    if zone is not None:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            event.errors.add("time_zone", "unknown_time_zone")


@hooks.before_save("business_hours")
def hours_checks(ctx: Context, event: WriteEvent) -> None:
    """HH:MM times and the end after the start; the record's name says the day and the hours
    ("Mon 09:00–18:00"). Hours that overlap others of the same day are allowed: the engine
    merges them (09:00–12:00 and 11:00–18:00 work 09:00–18:00)."""
    times = {}
    for name in ("start_time", "end_time"):
        value = event.final(name)
        try:
            times[name] = parse_hhmm(value)
        except ValueError:
            event.errors.add(name, "invalid_time")
    if len(times) < 2:
        return
    start, end = times["start_time"], times["end_time"]
    if start == 1440 or end <= start:
        event.errors.add("end_time", "end_not_after_start")
        return
    day = WEEKDAY_NAMES.get(str(event.final("weekday")), "?")
    event.values["name"] = f"{day} {event.final('start_time')}–{event.final('end_time')}"


def _calendar_used(ctx: Context, calendar_id: Any) -> bool:
    policies = ctx.object("sla_policy").table
    return (
        ctx.conn.execute(
            sa.select(policies.c.id)
            .where(policies.c.calendar == calendar_id, policies.c.deleted_at.is_(None))
            .limit(1)
        ).first()
        is not None
    )


def _hours_count(ctx: Context, calendar_id: Any, *, besides: Any = None) -> int:
    table = ctx.object("business_hours").table
    stmt = sa.select(sa.func.count()).where(
        table.c.calendar == calendar_id, table.c.deleted_at.is_(None)
    )
    if besides is not None:
        stmt = stmt.where(table.c.id != besides)
    return int(ctx.conn.execute(stmt).scalar_one())


@hooks.before_delete("business_hours")
def keep_last_hours(ctx: Context, event: DeleteEvent) -> None:
    """A calendar a policy uses keeps at least one working interval (due times need one)."""
    calendar_id = event.old.get("calendar")
    if (
        _calendar_used(ctx, calendar_id)
        and _hours_count(ctx, calendar_id, besides=event.record_id) == 0
    ):
        raise Conflict("calendar_last_hours")


@hooks.before_save("sla_policy")
def policy_checks(ctx: Context, event: WriteEvent) -> None:
    calendar_id = event.final("calendar")
    checked = event.operation == "create" or _changed(event, "calendar")
    if calendar_id and checked and _hours_count(ctx, calendar_id) == 0:
        event.errors.add("calendar", "calendar_without_hours")
    if event.final("is_default") and (event.operation == "create" or _changed(event, "is_default")):
        # One default: the policy made default takes it from the others.
        table = ctx.object("sla_policy").table
        others = ctx.conn.execute(
            sa.select(table.c.id).where(
                table.c.is_default.is_(True),
                table.c.id != event.record_id,
                table.c.deleted_at.is_(None),
            )
        ).scalars()
        records = RecordsService(ctx.as_system())
        for other in list(others):
            records.update("sla_policy", str(other), {"is_default": False})


# A year of round-the-clock hours: a due time further off is a typo, and would have the
# engine walk (and cache) centuries of days.
MAX_TARGET_HOURS = 8760


@hooks.before_save("sla_target")
def target_checks(ctx: Context, event: WriteEvent) -> None:
    """At most MAX_TARGET_HOURS, and one target per priority and grade in a policy (above
    zero is the object's own validation rule)."""
    for name in ("first_response_hours", "resolution_hours"):
        value = event.final(name)
        if value is not None and float(value) > MAX_TARGET_HOURS:
            event.errors.add(name, "target_too_long", max=MAX_TARGET_HOURS)
    grade = event.final("account_grade")
    event.values["name"] = f"{event.final('priority')} / {grade or '*'}"
    table = ctx.object("sla_target").table
    grade_match = (
        table.c.account_grade.is_(None) if grade is None else table.c.account_grade == grade
    )
    same = ctx.conn.execute(
        sa.select(table.c.id)
        .where(
            table.c.policy == event.final("policy"),
            table.c.priority == event.final("priority"),
            grade_match,
            table.c.id != event.record_id,
            table.c.deleted_at.is_(None),
        )
        .limit(1)
    ).first()
    if same is not None:
        event.errors.add("priority", "duplicate_target")


# ------------------------------------------------------------------ recompute on change
# The open cases of a policy are recomputed by a job (sla_recompute): the save answers at once.
TARGET_INPUTS = ("policy", "priority", "account_grade", "first_response_hours", "resolution_hours")


@hooks.after_write("sla_target")
def target_changed(ctx: Context, event: AfterWriteEvent) -> None:
    old, new = event.old or {}, event.new or {}
    if event.operation == "update" and all(old.get(n) == new.get(n) for n in TARGET_INPUTS):
        return  # a new name or description: no due time moves
    policies = {str(r["policy"]) for r in (event.old, event.new) if r and r.get("policy")}
    for policy_id in sorted(policies):
        sla_recompute.request(ctx, policy_id)


POLICY_INPUTS = ("calendar", "warn_at_percent")


@hooks.after_write("sla_policy")
def policy_changed(ctx: Context, event: AfterWriteEvent) -> None:
    if event.operation != "update" or event.new is None:
        return  # a new policy has no cases yet; a deleted one's cases keep their times
    old = event.old or {}
    if any(old.get(n) != event.new.get(n) for n in POLICY_INPUTS):
        sla_recompute.request(ctx, event.record_id)


def _calendar_changed(ctx: Context, event: AfterWriteEvent) -> None:
    calendar_ids = (
        {event.record_id}
        if event.object_name == "business_calendar"
        else {str(r["calendar"]) for r in (event.old, event.new) if r and r.get("calendar")}
    )
    for calendar_id in sorted(calendar_ids):
        for policy_id in sla.policies_on(ctx, calendar_id):
            sla_recompute.request(ctx, policy_id)


for _name in ("business_hours", "calendar_holiday", "business_calendar"):
    hooks.after_write(_name)(_calendar_changed)


# ------------------------------------------------------------------ shipped records
@hooks.after_install
def ship_on_install(ctx: Context) -> None:
    sla.ship_standard(ctx)


@hooks.after_upgrade
def ship_on_upgrade(ctx: Context, event: UpgradeEvent) -> str | None:
    """A tenant from before the service package (or before its standard SLA) gets the
    standard calendar and policy; one that has them (or had them: the recycle bin counts)
    keeps its own. Every policy's open cases are recomputed (a job each): cases from before
    ``sla_next_check`` existed get theirs, and the round reads them by it."""
    shipped = sla.ship_standard(ctx)
    if ctx.schema.get("case") is None or ctx.schema.get("sla_policy") is None:
        return shipped
    cases = ctx.object("case").table
    # Running cases without a check time are from before the field (one on track, at risk,
    # or breached and not yet escalated always has one): only then is the recomputation worth
    # a pass over every case.
    unchecked = ctx.conn.execute(
        sa.select(cases.c.id)
        .where(
            cases.c.deleted_at.is_(None),
            sa.or_(
                cases.c.sla_status.in_(("on_track", "warning")),
                sa.and_(cases.c.sla_status == "breached", cases.c.escalation_level == 0),
            ),
            cases.c.sla_next_check.is_(None),
            cases.c.status.not_in((*sla.CLOSED_STATUSES, sla.PAUSED_STATUS)),
        )
        .limit(1)
    ).first()
    if unchecked is None:
        return shipped
    table = ctx.object("sla_policy").table
    for policy_id in ctx.conn.execute(
        sa.select(table.c.id).where(table.c.deleted_at.is_(None)).order_by(table.c.id)
    ).scalars():
        sla_recompute.request(ctx, str(policy_id))
    return shipped
