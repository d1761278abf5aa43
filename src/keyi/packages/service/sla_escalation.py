"""The service-level round (a periodic job: keyi.platform.periodic): warnings and escalation.

At every scheduler round, for each open case whose clock runs (not waiting on the customer,
not resolved or closed) and that has due times:

- the pending target's business time elapsed reached the policy's warn_at_percent → the case
  is ``warning`` and its owner is told (once per case and target: dedupe keys);
- a target is breached (no first response by its due time, a late one, or no resolution by
  its due time) → the case is ``breached`` and, once per breach, escalated as its policy says:
  its owner's manager and the queue's owner are told, the priority goes one step up, the case
  moves to the escalation queue, and ``escalation_level`` goes up by one.

"Once per breach" is kept in the case itself: the level counts the targets breached so far
(at most two: first response, resolution), so a round that runs again, or a round that sees
a case another process already escalated, does nothing twice. Writes go through the records
service as the job's actor (history and the other packages' hooks see them, e.g. a new
queue's assignment); a raised priority recomputes the due times like any priority change.
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

CHUNK = 2000
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
    """Warn and escalate what is due as of ``ctx.now()``; how many cases changed."""
    if ctx.schema.get("case") is None:
        return 0
    cases = ctx.object("case").table
    now = sla.instant(ctx.now())
    assert now is not None
    stmt = (
        sa.select(cases)
        .where(
            cases.c.deleted_at.is_(None),
            cases.c.status.not_in((*sla.CLOSED_STATUSES, sla.PAUSED_STATUS)),
            cases.c.sla_status.in_(("on_track", "warning", "breached")),
            cases.c.first_response_due.is_not(None),
            cases.c.sla_policy.is_not(None),
        )
        .order_by(cases.c.id)
    )
    policies: dict[str, sla.Policy | None] = {}
    targets: dict[str, Mapping[tuple[str, str | None], sla.Target]] = {}
    calendars: dict[str, BusinessCalendar | None] = {}
    grades: dict[Any, str | None] = {}
    changed = 0
    for row in [dict(r) for r in ctx.conn.execute(stmt).mappings()]:
        policy_id = str(row["sla_policy"])
        if policy_id not in policies:
            policies[policy_id] = sla.policy_by_id(ctx, policy_id)
        policy = policies[policy_id]
        if policy is None:
            continue
        if policy.id not in targets:
            targets[policy.id] = sla.targets_of(ctx, policy.id)
        if policy.calendar_id not in calendars:
            calendars[policy.calendar_id] = sla.load_calendar(ctx, policy.calendar_id)
        calendar = calendars[policy.calendar_id]
        if row["account"] not in grades:
            grades[row["account"]] = sla.account_grade(ctx, row["account"])
        target = sla.pick_target(targets[policy.id], row["priority"], grades[row["account"]])
        if calendar is None or target is None or not calendar.has_hours:
            continue
        changed += _check(ctx, row, policy, calendar, target, now)
    return changed


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
    breaches = []
    if (responded is None and now > fr_due) or (responded is not None and responded > fr_due):
        breaches.append(("first_response", fr_due.astimezone(calendar.tz)))
    if now > res_due:
        breaches.append(("resolution", res_due.astimezone(calendar.tz)))
    level = int(row["escalation_level"] or 0)
    case_id = str(row["id"])
    if len(breaches) > level:
        _escalate(ctx, row, policy, breaches[-1], level + 1)
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
    breach: tuple[str, datetime],
    level: int,
) -> None:
    case_id = str(row["id"])
    values: dict[str, Any] = {"sla_status": "breached", "escalation_level": level}
    if policy.escalate_raise_priority and row["priority"] in sla.PRIORITIES[:-1]:
        values["priority"] = sla.PRIORITIES[sla.PRIORITIES.index(row["priority"]) + 1]
    if policy.escalate_to_queue and str(policy.escalate_to_queue) != str(row.get("queue") or ""):
        values["queue"] = str(policy.escalate_to_queue)
    if policy.escalate_notify:
        queue_owners = [_queue_owner(ctx, q) for q in (row.get("queue"), values.get("queue"))]
        kind, due = breach
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
    _set(ctx, case_id, values)
    # A raised priority recomputed the due times (the case hook) and may have set a state
    # other than breached from them: the breach stands.
    if "priority" in values:
        _set(ctx, case_id, {"sla_status": "breached"})


def _set(ctx: Context, case_id: str, values: dict[str, Any]) -> None:
    RecordsService(ctx).update("case", case_id, values, trusted_fields=frozenset(values))


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
