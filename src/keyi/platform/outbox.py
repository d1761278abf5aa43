"""Outbox retention: delivered events are deleted after a while, so the table stays small.

The records service writes one small event per change in the change's transaction (ids, object,
event type and the names of changed fields; consumers re-read the record for values). A consumer
marks an event delivered by setting ``processed_at``; events never marked stay, however old, so
nothing is lost before a consumer has seen it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.schema import outbox_table

__all__ = ["DEFAULT_RETENTION", "PRUNE_BATCH", "prune_delivered"]

DEFAULT_RETENTION = timedelta(days=7)
"""How long a delivered event is kept (for inspection and re-delivery by hand)."""

PRUNE_BATCH = 5000
"""Rows deleted per statement: short statements keep locks and WAL bursts small on a big table."""


def prune_delivered(
    ctx: Context,
    *,
    retention: timedelta = DEFAULT_RETENTION,
    batch: int = PRUNE_BATCH,
    now: datetime | None = None,
) -> int:
    """Delete events delivered (``processed_at`` set) more than ``retention`` ago; how many.

    Deleted in batches of ``batch`` ids (oldest first, by the UUIDv7 key) until none is left.
    """
    cutoff = (now or ctx.now()) - retention
    table = outbox_table
    deleted = 0
    while True:
        ids = (
            sa.select(table.c.id)
            .where(table.c.processed_at.is_not(None), table.c.processed_at < cutoff)
            .order_by(table.c.id)
            .limit(batch)
            .scalar_subquery()
        )
        count = ctx.conn.execute(sa.delete(table).where(table.c.id.in_(ids))).rowcount
        deleted += count
        if count < batch:
            return deleted
