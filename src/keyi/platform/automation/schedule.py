"""Scheduled and date-relative flows: a ``flow.tick`` job at each due time starts the runs.

A tick is enqueued for the flow's next due time (cron in the tenant's time zone; date flows
daily at their hour) when the flow is saved, by the tick itself for the time after, and by
the periodic ``flow_schedules`` job (keyi.jobs) — always with the due time in its dedupe key,
so however many of them ask, a due time is ticked once. A tick checks the flow is still the
version it was scheduled for (an edited or switched-off flow's old ticks do nothing), then
enqueues one ``flow.run`` per record to act on, each deduplicated per record and due time (a
date flow: per record and date value, so a record runs once per date it holds).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from croniter import croniter

from keyi.platform.automation.model import (
    MAX_SCHEDULED_RECORDS,
    DateTrigger,
    FlowDef,
    ScheduleTrigger,
)
from keyi.platform.automation.tables import flow_table
from keyi.platform.context import Context
from keyi.platform.expressions import compile_sql, parse
from keyi.platform.jobs import ClaimedJob, enqueue, job_handler
from keyi.platform.metadata.model import FieldType
from keyi.platform.query.paths import PathResolver

__all__ = ["TICK_JOB", "ensure_scheduled", "next_due", "schedule_flow"]

TICK_JOB = "flow.tick"


def next_due(trigger: ScheduleTrigger | DateTrigger, after: datetime, zone: ZoneInfo) -> datetime:
    """The first due time strictly after ``after`` (naive UTC in, naive UTC out)."""
    local = after.replace(tzinfo=UTC).astimezone(zone)
    if isinstance(trigger, ScheduleTrigger):
        due = croniter(trigger.cron, local).get_next(datetime)
    else:
        due = datetime.combine(local.date(), time(trigger.at_hour), zone)
        if due <= local:
            due = datetime.combine(local.date() + timedelta(days=1), time(trigger.at_hour), zone)
    return due.astimezone(UTC).replace(tzinfo=None)


def schedule_flow(
    ctx: Context, flow_id: str, version: int, flow: FlowDef, *, after: datetime | None = None
) -> None:
    """Enqueue the flow's next tick (nothing for record-triggered or inactive flows)."""
    trigger = flow.trigger
    if not flow.active or not isinstance(trigger, ScheduleTrigger | DateTrigger):
        return
    due = next_due(trigger, after or ctx.now(), ctx.time_zone)
    enqueue(
        ctx.conn,
        TICK_JOB,
        {"flow_id": flow_id, "version": version, "due": due.isoformat()},
        now=ctx.now(),
        run_at=due,
        dedupe_key=f"flow-tick:{flow_id}:{version}:{due.isoformat()}",
    )


def ensure_scheduled(ctx: Context) -> int:
    """Every active scheduled or date flow has its next tick queued (keyi.jobs runs this)."""
    rows = ctx.conn.execute(
        sa.select(flow_table.c.id, flow_table.c.version, flow_table.c.definition).where(
            flow_table.c.active.is_(True)
        )
    )
    count = 0
    for flow_id, version, definition in rows:
        flow = FlowDef.model_validate(definition)
        if isinstance(flow.trigger, ScheduleTrigger | DateTrigger):
            schedule_flow(ctx, str(flow_id), int(version), flow)
            count += 1
    return count


@job_handler(TICK_JOB)
def tick(ctx: Context, job: ClaimedJob) -> None:
    payload = job.payload
    row = ctx.conn.execute(
        sa.select(flow_table.c.version, flow_table.c.active, flow_table.c.definition).where(
            flow_table.c.id == payload["flow_id"]
        )
    ).first()
    if row is None or not row.active or row.version != payload["version"]:
        return
    flow = FlowDef.model_validate(row.definition)
    trigger = flow.trigger
    assert isinstance(trigger, ScheduleTrigger | DateTrigger)
    due = datetime.fromisoformat(payload["due"])
    flow_id = str(payload["flow_id"])
    if trigger.object is None:
        _start(ctx, flow_id, None, None, "scheduled", f"flow-run:{flow_id}:{due.isoformat()}")
    elif isinstance(trigger, ScheduleTrigger):
        for record_id in _matching(ctx, trigger.object, trigger.condition, None):
            key = f"flow-run:{flow_id}:{due.isoformat()}:{record_id}"
            _start(ctx, flow_id, trigger.object, record_id, "scheduled", key)
    else:
        day = due.replace(tzinfo=UTC).astimezone(ctx.time_zone).date()
        target = day - timedelta(days=trigger.offset_days)
        window = _date_window(ctx, trigger, target)
        for record_id in _matching(ctx, trigger.object, trigger.condition, window):
            key = f"flow-date:{flow_id}:{record_id}:{target.isoformat()}"
            _start(ctx, flow_id, trigger.object, record_id, "date", key)
    schedule_flow(ctx, flow_id, int(row.version), flow, after=due)


def _date_window(ctx: Context, trigger: DateTrigger, target: date) -> Any:
    """Records whose date field falls on ``target`` (a date-time field: that day in the
    tenant's time zone)."""
    obj = ctx.object(trigger.object)
    column = obj.table.c[trigger.field]
    f = obj.fields.get(trigger.field)
    if f is not None and f.type == FieldType.DATE:
        return column == target
    start = datetime.combine(target, time(0), ctx.time_zone).astimezone(UTC)
    begin = start.replace(tzinfo=None)
    return sa.and_(column >= begin, column < begin + timedelta(days=1))


def _matching(
    ctx: Context, object_name: str, condition: str | None, window: Any | None
) -> list[str]:
    """Ids of the object's live records meeting ``condition`` (in SQL), at most
    MAX_SCHEDULED_RECORDS, oldest first."""
    obj = ctx.object(object_name)
    table = obj.table
    resolver = PathResolver(ctx, obj)
    stmt = sa.select(table.c.id).where(table.c.deleted_at.is_(None))
    if window is not None:
        stmt = stmt.where(window)
    if condition and condition.strip():
        compiled = compile_sql(
            parse(condition), resolver.column, dialect=ctx.dialect, today=ctx.today(), now=ctx.now()
        )
        stmt = stmt.where(compiled)
    stmt = resolver.apply_joins(stmt.order_by(table.c.id).limit(MAX_SCHEDULED_RECORDS))
    return [str(record_id) for record_id in ctx.conn.execute(stmt).scalars()]


def _start(
    ctx: Context,
    flow_id: str,
    object_name: str | None,
    record_id: str | None,
    event: str,
    dedupe_key: str,
) -> None:
    enqueue(
        ctx.conn,
        "flow.run",
        {
            "flow_id": flow_id,
            "object": object_name,
            "record_id": record_id,
            "event": event,
            "depth": 1,
        },
        now=ctx.now(),
        dedupe_key=dedupe_key,
    )
