"""A case's life: which status may follow which, what resolving and reopening need, the
tenant's service settings (auto-close after N days, reopen within M days) and the periodic job
that closes resolved cases.

    new → assigned → in_progress ⇄ waiting_on_customer → resolved → closed
                                         resolved → in_progress (reopen, within M days)

Shortcuts a service desk needs are allowed too (a case answered on first contact goes from new
or assigned straight to resolved; an agent may ask the customer before starting). Anything else
is refused on ``status`` (422 ``invalid_transition`` naming both statuses); ``closed`` is final.
The package itself moves a case back to ``new`` when it goes to a queue where nobody takes it
(keyi.packages.service.assignment): that write is trusted, not a user's transition.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform import periodic
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.i18n import MESSAGES
from keyi.platform.metadata import store
from keyi.platform.records import RecordsService
from keyi.platform.schema import meta_state_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

MESSAGES.update(
    {
        "invalid_transition": {
            "en": "A case cannot go from “{from_status}” to “{to_status}”.",
            "zh-CN": "工单不能从“{from_status}”变为“{to_status}”。",
        },
        "out_of_range": {
            "en": "Must be a whole number from {min} to {max}.",
            "zh-CN": "必须是 {min} 到 {max} 之间的整数。",
        },
        "reopen_window_passed": {
            "en": "The case was resolved more than {days} days ago and can no longer be reopened.",
            "zh-CN": "工单解决已超过 {days} 天，不能再重新打开。",
        },
    }
)

OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting_on_customer")
DONE_STATUSES = ("resolved", "closed")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"assigned", "in_progress", "waiting_on_customer", "resolved"}),
    "assigned": frozenset({"in_progress", "waiting_on_customer", "resolved"}),
    "in_progress": frozenset({"waiting_on_customer", "resolved"}),
    "waiting_on_customer": frozenset({"in_progress", "resolved"}),
    "resolved": frozenset({"closed", "in_progress"}),
    "closed": frozenset(),
}
# Statuses a case may be created in (a case logged after the fact may already be resolved).
CREATE_STATUSES = frozenset({"new", "assigned", "in_progress", "waiting_on_customer", "resolved"})

AUTO_CLOSE_DAYS = "service.auto_close_days"
REOPEN_DAYS = "service.reopen_days"
DEFAULTS = {AUTO_CLOSE_DAYS: 7, REOPEN_DAYS: 14}
LIMITS = {AUTO_CLOSE_DAYS: (1, 365), REOPEN_DAYS: (0, 365)}
PUBLIC_NAMES = {AUTO_CLOSE_DAYS: "auto_close_days", REOPEN_DAYS: "reopen_days"}
# The queue cases from the customer portal go to (its assignment rules pick the agent); none:
# portal cases wait unassigned for an agent to take them.
PORTAL_QUEUE = "service.portal_queue"


# ------------------------------------------------------------------ settings
def service_settings(ctx: Context) -> dict[str, Any]:
    """The tenant's settings (every signed-in user may read them: the case page says why a
    reopen is refused)."""
    found: dict[str, Any] = {
        PUBLIC_NAMES[key]: int(ctx.settings.get(key, default)) for key, default in DEFAULTS.items()
    }
    found["portal_queue"] = portal_queue(ctx)
    return found


def portal_queue(ctx: Context) -> str | None:
    """The queue portal cases go to, if one is set and still live."""
    queue_id = ctx.settings.get(PORTAL_QUEUE)
    if not queue_id:
        return None
    queues = ctx.object("queue").table
    found = ctx.conn.execute(
        sa.select(queues.c.id).where(queues.c.id == queue_id, queues.c.deleted_at.is_(None))
    ).scalar()
    return None if found is None else str(found)


def set_service_settings(ctx: Context, values: dict[str, Any]) -> dict[str, Any]:
    """Administrators only; stored with the tenant's settings (like the analytics settings)
    and the metadata version bumped, so every process reads them on its next request."""
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()
    problems = []
    for key, name in PUBLIC_NAMES.items():
        value = values.get(name)
        low, high = LIMITS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(FieldError(name, "out_of_range", {"min": low, "max": high}))
    wanted: dict[str, Any] = {key: values.get(name) for key, name in PUBLIC_NAMES.items()}
    if "portal_queue" in values:  # left out: kept as it is (older clients do not send it)
        queue_id = values["portal_queue"]
        queues = ctx.object("queue").table
        if queue_id is not None and (
            not isinstance(queue_id, str)
            or not UUID_RE.match(queue_id)
            or ctx.conn.execute(
                sa.select(queues.c.id).where(queues.c.id == queue_id, queues.c.deleted_at.is_(None))
            ).first()
            is None
        ):
            problems.append(FieldError("portal_queue", "invalid_reference"))
        wanted[PORTAL_QUEUE] = queue_id
    if problems:
        raise ValidationFailed(problems)
    settings = dict(
        ctx.conn.execute(
            sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
        ).scalar_one()
        or {}
    )
    if any(settings.get(key, DEFAULTS.get(key)) != value for key, value in wanted.items()):
        settings.update(wanted)
        ctx.conn.execute(
            sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(settings=settings)
        )
        store.bump_version(ctx.conn)
        ctx.refresh_schema(dataclasses.replace(ctx.schema, settings=settings, memo={}))
        ctx.audit(
            "service.settings",
            **{PUBLIC_NAMES.get(k, "portal_queue"): v for k, v in wanted.items()},
        )
    return service_settings(ctx)


def reopen_days(ctx: Context) -> int:
    return int(ctx.settings.get(REOPEN_DAYS, DEFAULTS[REOPEN_DAYS]))


def auto_close_days(ctx: Context) -> int:
    return int(ctx.settings.get(AUTO_CLOSE_DAYS, DEFAULTS[AUTO_CLOSE_DAYS]))


def can_reopen(ctx: Context, resolved_at: datetime | None) -> bool:
    """Whether a case resolved at ``resolved_at`` is still within the reopen window."""
    if resolved_at is None:
        return True
    return ctx.now() - resolved_at <= timedelta(days=reopen_days(ctx))


# ------------------------------------------------------------------ labels
def status_label(ctx: Context, value: Any) -> str:
    field = ctx.object("case").fields["status"]
    for option in field.options or ():
        if option.value == value:
            return option.labels.get(ctx.locale) or option.labels.get("en") or str(value)
    return str(value)


# ------------------------------------------------------------------ auto-close
jobs = periodic.registry.package("service")


@jobs.job("service_auto_close")
def auto_close(ctx: Context) -> int:
    """Close the cases resolved more than N days ago (N: the tenant's setting); each through
    the records service as the job, so history, flows and the outbox see it. Idempotent: a
    closed case is no longer ``resolved``."""
    cases = ctx.object("case").table
    cutoff = ctx.now() - timedelta(days=auto_close_days(ctx))
    due = ctx.conn.execute(
        sa.select(cases.c.id)
        .where(
            cases.c.deleted_at.is_(None),
            cases.c.status == "resolved",
            cases.c.resolved_at <= cutoff,
        )
        .order_by(cases.c.resolved_at, cases.c.id)
    ).scalars()
    records = RecordsService(ctx)
    closed = 0
    for case_id in [str(i) for i in due]:
        records.update("case", case_id, {"status": "closed"})
        closed += 1
    return closed
