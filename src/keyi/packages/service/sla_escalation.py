"""The service-level round (a periodic job: keyi.platform.periodic): warnings and escalation.

At every scheduler round, for each open case whose clock runs (not waiting on the customer,
not resolved or closed), that has due times and whose ``sla_next_check`` has passed:

- the pending target's business time elapsed reached the policy's warn_at_percent → the case
  is ``warning`` and its owner is told (once per case and target: dedupe keys);
- a target is breached (no first response by its due time, a late one, or no resolution by
  its due time) → the case is ``breached`` and, once per target, escalated as its policy says:
  its owner's manager and the queue's owner are told, the priority goes one step up, the case
  moves to the escalation queue, and ``escalation_level`` goes up by one.

"Once per target" is kept in the case itself: ``sla_escalated`` lists the targets escalated so
far, so a round that runs again, or a round that sees a case another process already
escalated, does nothing twice. A raised priority recomputes the due times from the case's
creation, which can breach the other target on the spot (a first response that was in time
for "medium" is late for "high"): that breach belongs to the same escalation, not to a new one.

Which cases a round reads: only those whose ``sla_next_check`` (indexed) has passed — the
earliest of the warning instant, the first breach not yet marked and each breach not yet
escalated (sla.next_check_ts), kept by the case hooks and the recomputation — so the round's
cost follows what is due rather than the number of open cases. Writes go through the records
service as the job's actor (history and the other packages' hooks see them, e.g. a new
queue's assignment).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.service import sla
from keyi.platform import periodic
from keyi.platform.calendars import BusinessCalendar
from keyi.platform.notifications import RecordLink, notify
from keyi.platform.notify.templates import normalise_locale
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

jobs = periodic.registry.package("service")

WARNING_TEXT = {
    "zh-CN": "工单即将超时：{name}（{target}截止 {due}）",
    "en": "Case at risk: {name} ({target} due {due})",
}
BREACH_TEXT = {
    "zh-CN": "工单已超时并升级：{name}（{target}截止 {due}）",
    "en": "Case breached its SLA and was escalated: {name} ({target} was due {due})",
}
TARGET_NAMES = {
    "first_response": {"zh-CN": "首次响应", "en": "first response"},
    "resolution": {"zh-CN": "解决", "en": "resolution"},
}


@jobs.job("service_sla")
def sla_round(ctx: Context) -> int:
    """Warn and escalate what is due as of ``ctx.now()``; how many cases changed.

    Reads only the cases whose ``sla_next_check`` has passed (an indexed column every write
    of the case keeps, see sla.next_check_ts), oldest first, at most ``ROUND_LIMIT`` a round:
    a round's cost follows what is due, not how many cases are open."""
    if ctx.schema.get("case") is None:
        return 0
    cases = ctx.object("case").table
    now = sla.instant(ctx.now())
    assert now is not None
    stmt = (
        sa.select(cases)
        .where(
            cases.c.sla_next_check <= sla.stored(now),
            cases.c.deleted_at.is_(None),
        )
        .order_by(cases.c.sla_next_check, cases.c.id)
        .limit(ROUND_LIMIT)
    )
    policies: dict[str, sla.Policy | None] = {}
    targets: dict[str, Mapping[tuple[str, str | None], sla.Target]] = {}
    calendars: dict[str, BusinessCalendar | None] = {}
    grades: dict[Any, str | None] = {}
    changed = 0
    for row in [dict(r) for r in ctx.conn.execute(stmt).mappings()]:
        policy_id = str(row["sla_policy"] or "")
        if policy_id not in policies:
            policies[policy_id] = sla.policy_by_id(ctx, policy_id) if policy_id else None
        policy = policies[policy_id]
        calendar = target = None
        if policy is not None:
            if policy.id not in targets:
                targets[policy.id] = sla.targets_of(ctx, policy.id)
            if policy.calendar_id not in calendars:
                calendars[policy.calendar_id] = sla.load_calendar(ctx, policy.calendar_id)
            calendar = calendars[policy.calendar_id]
            if row["account"] not in grades:
                grades[row["account"]] = sla.account_grade(ctx, row["account"])
            target = sla.pick_target(targets[policy.id], row["priority"], grades[row["account"]])
        if (
            policy is None
            or calendar is None
            or target is None
            or not calendar.has_hours
            or row["status"] in (*sla.CLOSED_STATUSES, sla.PAUSED_STATUS)
            or row["first_response_due"] is None
            or row["sla_status"] not in sla.RUNNING_STATES
        ):
            _reschedule(ctx, row, None)  # nothing for the round to do (a stale check time)
            continue
        done = _check(ctx, row, policy, calendar, target, now)
        changed += done
        if not done:
            # Nothing happened (the check time is this very instant, or it was stale): keep
            # the time current so the case is not read again before its time.
            _reschedule(ctx, row, _check_time(row, policy, calendar, target))
    return changed


ROUND_LIMIT = 5000


def _check_time(
    row: Mapping[str, Any], policy: sla.Policy, calendar: BusinessCalendar, target: sla.Target
) -> datetime | None:
    start = sla.seconds_of(row["created_at"])
    responded = sla.seconds_of(row["first_responded_at"])
    assert start is not None
    warn = sla.warn_ts(
        calendar,
        start,
        target,
        float(row["sla_paused_minutes"] or 0),
        responded,
        policy.warn_at_percent,
    )
    return sla.naive_of(
        sla.next_check_ts(
            sla_status=row["sla_status"],
            fr_due=sla.seconds_of(row["first_response_due"]),
            res_due=sla.seconds_of(row["resolution_due"]),
            responded=responded,
            escalated=sla.escalated_of(row["sla_escalated"], row["escalation_level"]),
            warn_at=warn,
        )
    )


def _reschedule(ctx: Context, row: Mapping[str, Any], at: datetime | None) -> None:
    """Store a corrected check time: the round's own bookkeeping, not an edit (no version,
    no history), as the recomputation writes its derived values."""
    if at == row["sla_next_check"]:
        return
    cases = ctx.object("case").table
    ctx.conn.execute(
        sa.update(cases)
        .where(cases.c.id == row["id"], cases.c.version == row["version"])
        .values(sla_next_check=at)
    )


def _breaches(row: Mapping[str, Any], now: datetime, tz: Any) -> list[tuple[str, datetime]]:
    """The targets breached as of ``now``, each with its due time (in the calendar's zone)."""
    fr_due = sla.instant(row["first_response_due"])
    res_due = sla.instant(row["resolution_due"])
    responded = sla.instant(row["first_responded_at"])
    assert fr_due is not None and res_due is not None
    found = []
    if (responded is None and now > fr_due) or (responded is not None and responded > fr_due):
        found.append(("first_response", fr_due.astimezone(tz)))
    if now > res_due:
        found.append(("resolution", res_due.astimezone(tz)))
    return found


def _check(
    ctx: Context,
    row: dict[str, Any],
    policy: sla.Policy,
    calendar: BusinessCalendar,
    target: sla.Target,
    now: datetime,
) -> int:
    start = sla.instant(row["created_at"])
    fr_due = sla.instant(row["first_response_due"])
    res_due = sla.instant(row["resolution_due"])
    responded = sla.instant(row["first_responded_at"])
    assert start is not None and fr_due is not None and res_due is not None
    breaches = _breaches(row, now, calendar.tz)
    escalated = sla.escalated_of(row["sla_escalated"], row["escalation_level"])
    fresh = [b for b in breaches if b[0] not in escalated]
    case_id = str(row["id"])
    if fresh:
        _escalate(ctx, row, policy, fresh, escalated, now, calendar)
        return 1
    if breaches:
        if row["sla_status"] != "breached":
            _set(ctx, case_id, {"sla_status": "breached"})
            return 1
        return 0
    if row["sla_status"] != "on_track":
        return 0
    state = sla.status_at(
        now,
        calendar=calendar,
        start=start,
        target=target,
        paused_minutes=float(row["sla_paused_minutes"] or 0),
        first_responded_at=responded,
        first_response_due=fr_due,
        resolution_due=res_due,
        warn_at_percent=policy.warn_at_percent,
    )
    if state != "warning":
        return 0
    _set(ctx, case_id, {"sla_status": "warning"})
    pending, due = ("first_response", fr_due) if responded is None else ("resolution", res_due)
    _tell(
        ctx,
        [row.get("owner_id")],
        WARNING_TEXT,
        case_id,
        f"service-sla-warning:{case_id}:{pending}",
        row=row,
        target=pending,
        due=due.astimezone(calendar.tz),
    )
    return 1


def _escalate(
    ctx: Context,
    row: dict[str, Any],
    policy: sla.Policy,
    fresh: list[tuple[str, datetime]],
    escalated: frozenset[str],
    now: datetime,
    calendar: BusinessCalendar,
) -> None:
    """One escalation for the targets newly breached (``fresh``): each target is escalated
    once, however often the round sees it breached."""
    case_id = str(row["id"])
    level = int(row["escalation_level"] or 0) + 1
    done = escalated | {kind for kind, _ in fresh}
    values: dict[str, Any] = {
        "sla_status": "breached",
        "escalation_level": level,
        "sla_escalated": _ordered(done),
    }
    if policy.escalate_raise_priority and row["priority"] in sla.PRIORITIES[:-1]:
        values["priority"] = sla.PRIORITIES[sla.PRIORITIES.index(row["priority"]) + 1]
    if policy.escalate_to_queue and str(policy.escalate_to_queue) != str(row.get("queue") or ""):
        values["queue"] = str(policy.escalate_to_queue)
    if policy.escalate_notify:
        queue_owners = [_queue_owner(ctx, q) for q in (row.get("queue"), values.get("queue"))]
        kind, due = fresh[-1]
        _tell(
            ctx,
            [_manager(ctx, row.get("owner_id")), *queue_owners],
            BREACH_TEXT,
            case_id,
            f"service-sla-breach:{case_id}:{level}",
            row=row,
            target=kind,
            due=due,
        )
    updated = _set(ctx, case_id, values)
    if "priority" not in values:
        return
    # The raised priority recomputed the due times from the case's creation (the case hook):
    # a target that the shorter times breach now is part of this escalation, not a new one
    # (else raising the priority after a resolution breach would breach the first response
    # and escalate again, raising the priority again). The breach stands.
    after = {kind for kind, _ in _breaches(updated, now, calendar.tz)}
    extra: dict[str, Any] = {}
    if not after <= done:
        extra["sla_escalated"] = _ordered(done | after)
    if updated.get("sla_status") != "breached":
        extra["sla_status"] = "breached"
    if extra:
        _set(ctx, case_id, extra)


def _ordered(targets: frozenset[str] | set[str]) -> list[str]:
    return [t for t in sla.TARGETS if t in targets]


def _set(ctx: Context, case_id: str, values: dict[str, Any]) -> dict[str, Any]:
    return RecordsService(ctx).update("case", case_id, values, trusted_fields=frozenset(values))


def _manager(ctx: Context, user_id: Any) -> str | None:
    if not user_id:
        return None
    users = ctx.object("user").table
    found = ctx.conn.execute(sa.select(users.c.manager).where(users.c.id == user_id)).scalar()
    return str(found) if found else None


def _queue_owner(ctx: Context, queue_id: Any) -> str | None:
    if not queue_id:
        return None
    queues = ctx.object("queue").table
    found = ctx.conn.execute(sa.select(queues.c.owner_id).where(queues.c.id == queue_id)).scalar()
    return str(found) if found else None


def _tell(
    ctx: Context,
    user_ids: list[str | None],
    texts: Mapping[str, str],
    case_id: str,
    dedupe: str,
    *,
    row: Mapping[str, Any],
    target: str,
    due: datetime,
) -> int:
    """Notify users in their own language, once per ``dedupe`` key."""
    users = sorted({u for u in user_ids if u})
    if not users:
        return 0
    table = ctx.object("user").table
    languages = {
        str(u): lang
        for u, lang in ctx.conn.execute(
            sa.select(table.c.id, table.c.language).where(table.c.id.in_(users))
        )
    }
    by_language: dict[str, list[str]] = {}
    for user in users:
        by_language.setdefault(normalise_locale(languages.get(user)), []).append(user)
    written = 0
    name = row.get("case_no") or row.get("subject") or case_id
    for language, group in by_language.items():
        title = texts.get(language, texts["en"]).format(
            name=name,
            target=TARGET_NAMES[target].get(language, TARGET_NAMES[target]["en"]),
            due=due.strftime("%Y-%m-%d %H:%M"),
        )
        written += len(
            notify(
                ctx,
                group,
                title,
                link=RecordLink("case", case_id),
                source="service",
                dedupe_key=dedupe,
            )
        )
    return written
