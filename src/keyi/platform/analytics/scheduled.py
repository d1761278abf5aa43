"""What report alerts and scheduled report emails share: both are someone's rule about a
report they may read, run on a cron schedule in the tenant's time zone, addressed to users
and (by administrators) roles, and seen and changed only by their owner and administrators."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from croniter import croniter

from keyi.platform.analytics import folders
from keyi.platform.analytics.tables import report_table
from keyi.platform.automation.model import ScheduleTrigger
from keyi.platform.automation.schedule import next_due
from keyi.platform.errors import FieldErrors, Forbidden, NotFound
from keyi.platform.ids import is_id, new_id

if TYPE_CHECKING:
    from keyi.platform.context import Context

MAX_RECIPIENT_IDS = 200


def readable_report(ctx: Context, report_id: Any, where: str = "report_id") -> Any:
    """A report the caller may read (the rule's subject), else a 422 on ``where``."""
    row = None
    if is_id(report_id):
        row = ctx.conn.execute(
            sa.select(report_table).where(
                report_table.c.id == report_id, report_table.c.deleted_at.is_(None)
            )
        ).first()
    if row is None or not folders.item_readable(ctx, row, folders.folder_row(ctx, row.folder_id)):
        errors = FieldErrors()
        errors.add(where, "not_found")
        errors.raise_if_any()
    return row


def check_schedule(schedule: Any, default: str, errors: FieldErrors) -> str:
    if schedule is None:
        return default
    if not isinstance(schedule, str) or len(schedule) > 100 or not croniter.is_valid(schedule):
        errors.add("schedule", "invalid_cron")
        return default
    return schedule


def next_due_at(ctx: Context, schedule: str, after: datetime) -> datetime:
    """The schedule's next time after ``after`` (naive UTC), in the tenant's time zone."""
    return next_due(ScheduleTrigger(type="schedule", cron=schedule), after, ctx.time_zone)


def check_recipients(ctx: Context, recipients: Any, errors: FieldErrors) -> dict[str, Any]:
    """{"users": [ids], "roles": [ids]}; roles only from administrators."""
    if recipients is None:
        return {"users": [], "roles": []}
    if not isinstance(recipients, dict) or set(recipients) - {"users", "roles"}:
        errors.add("recipients", "invalid_request")
        return {}
    clean: dict[str, list[str]] = {}
    for key in ("users", "roles"):
        ids = recipients.get(key) or []
        if (
            not isinstance(ids, list)
            or len(ids) > MAX_RECIPIENT_IDS
            or not all(is_id(i) for i in ids)
        ):
            errors.add(f"recipients.{key}", "invalid_id")
            continue
        clean[key] = list(dict.fromkeys(ids))
    if clean.get("roles") and not ctx.policy.can_manage_metadata():
        raise Forbidden("alert_roles_need_admin")
    return clean


def unknown_keys(data: dict[str, Any], known: set[str], errors: FieldErrors) -> None:
    for key in sorted(set(data) - known):
        errors.add(key, "unknown_field")


def owned_rows(ctx: Context, table: sa.Table, report_id: str | None) -> list[Any]:
    """The caller's rules (administrators: everyone's), oldest first, of one report or all."""
    stmt = sa.select(table).order_by(table.c.created_at)
    if not ctx.policy.can_manage_metadata():
        stmt = stmt.where(table.c.owner_id == ctx.actor.id)
    if report_id is not None:
        stmt = stmt.where(table.c.report_id == report_id)
    return list(ctx.conn.execute(stmt))


def owned_row(ctx: Context, table: sa.Table, row_id: str) -> Any:
    """One rule of the caller's (or any, for administrators); 404 otherwise."""
    row = None
    if is_id(row_id):
        row = ctx.conn.execute(sa.select(table).where(table.c.id == row_id)).first()
    if row is None or (row.owner_id != ctx.actor.id and not ctx.policy.can_manage_metadata()):
        raise NotFound()
    return row


def due_rows(ctx: Context, table: sa.Table, now: datetime, limit: int = 100) -> list[Any]:
    """Active rules whose time has come, the most overdue first."""
    return list(
        ctx.conn.execute(
            sa.select(table)
            .where(table.c.active.is_(True), table.c.next_run_at <= now)
            .order_by(table.c.next_run_at)
            .limit(limit)
        )
    )


def insert_owned(ctx: Context, table: sa.Table, values: dict[str, Any], action: str) -> str:
    """A new rule owned by the caller; audited as ``action``."""
    now = ctx.now()
    row_id = new_id()
    ctx.conn.execute(
        sa.insert(table).values(
            id=row_id, owner_id=ctx.actor.id, created_at=now, updated_at=now, **values
        )
    )
    ctx.audit(action, rule_id=row_id, report_id=values["report_id"])
    return row_id


def update_owned(
    ctx: Context, table: sa.Table, row_id: str, values: dict[str, Any], action: str
) -> None:
    ctx.conn.execute(
        sa.update(table).where(table.c.id == row_id).values(updated_at=ctx.now(), **values)
    )
    ctx.audit(action, rule_id=row_id)
