"""The outbox relay: every committed change reaches the subscribers that turn it into jobs.

The records service writes one outbox event per change in the change's transaction. The worker
reads a tenant's pending events in order, hands each to every subscriber (flows, webhooks, ...:
they enqueue jobs, in the same transaction) and marks it processed — so an event fans out
exactly once whatever the worker does: killed in the middle, nothing is marked and nothing is
enqueued. A subscriber failing on one event (a bug, bad metadata) must not stop the tenant's
others: that event's work is undone to a savepoint and retried in later rounds, and after
:data:`MAX_EVENT_ATTEMPTS` it is set aside (marked processed with the error logged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.schema import outbox_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

__all__ = ["MAX_EVENT_ATTEMPTS", "OutboxEvent", "relay_events", "subscribe"]

log = logging.getLogger("keyi.jobs")
MAX_EVENT_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: str
    event: str
    """``record.created``, ``record.updated``, ``record.deleted``, ``record.restored``, ..."""
    object: str
    record_id: str | None
    actor_id: str | None
    payload: Mapping[str, Any]
    created_at: datetime


Subscriber = Callable[["Context", OutboxEvent], None]
_SUBSCRIBERS: dict[str, Subscriber] = {}


def subscribe(name: str) -> Callable[[Subscriber], Subscriber]:
    """Register the decorated function to see every event of every tenant, under ``name``."""

    def register(func: Subscriber) -> Subscriber:
        _SUBSCRIBERS[name] = func
        return func

    return register


def relay_events(ctx: Context, *, limit: int = 200) -> int:
    """Fan out up to ``limit`` pending events of the context's tenant; how many were handled."""
    t = outbox_table
    rows = ctx.conn.execute(
        sa.select(
            t.c.id,
            t.c.event,
            t.c.object,
            t.c.record_id,
            t.c.actor_id,
            t.c.payload,
            t.c.created_at,
            t.c.attempts,
        )
        .where(t.c.processed_at.is_(None))
        .order_by(t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return 0
    done: list[str] = []
    for row in rows:
        event = OutboxEvent(
            str(row.id),
            row.event,
            row.object,
            None if row.record_id is None else str(row.record_id),
            None if row.actor_id is None else str(row.actor_id),
            row.payload or {},
            row.created_at,
        )
        if _deliver(ctx, event, row.attempts or 0):
            done.append(event.id)
    if done:
        ctx.conn.execute(sa.update(t).where(t.c.id.in_(done)).values(processed_at=ctx.now()))
    return len(rows)


def _deliver(ctx: Context, event: OutboxEvent, attempts: int) -> bool:
    """Hand ``event`` to every subscriber; ``True`` when it is finished with (delivered, or
    given up on), ``False`` to see it again in a later round."""
    if not _SUBSCRIBERS:
        return True
    savepoint = ctx.conn.begin_nested()
    try:
        for subscriber in _SUBSCRIBERS.values():
            subscriber(ctx, event)
    except Exception as exc:
        savepoint.rollback()
        attempts += 1
        log.exception(
            "outbox subscriber failed",
            extra={"tenant": ctx.tenant.name, "event_id": event.id, "attempt": attempts},
        )
        ctx.conn.execute(
            sa.update(outbox_table).where(outbox_table.c.id == event.id).values(attempts=attempts)
        )
        if attempts >= MAX_EVENT_ATTEMPTS:
            log.error(
                "outbox event set aside after %d attempts: %s",
                attempts,
                type(exc).__name__,
                extra={"tenant": ctx.tenant.name, "event_id": event.id},
            )
            return True
        return False
    savepoint.commit()
    return True
