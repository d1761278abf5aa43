"""Fill a derived matching key in rows written before the key existed (an upgrade's data step).

A package stores its duplicate-matching keys in read-only indexed fields that a before-save hook
derives from another field (the sales package: account.name_key from the name). A release that
adds such a field leaves it empty in every row already there, so matching would miss exactly
the old customers; the package's after-upgrade step calls :func:`fill_missing_keys` for them.

The rows are written with one UPDATE per batch of the key column alone, not through the
RecordsService. That is deliberate and safe for a *derived, read-only* key: nobody can set it,
its value is a function of a field the row already has (the one the hook would compute on the
next save), it is not searchable, and nothing the package ships (rules, roll-ups, flows, sharing)
reads it. Going through the full write path would instead stamp a history entry, an audit
line, an outbox event (webhooks to every subscriber) and a new ``updated_at``/``version`` on
hundreds of thousands of records no one changed, at a hundred times the cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from keyi.platform.context import Context

# Rows read and written per statement: a batch's ids and keys stay small in memory, and each
# SELECT is a short range scan of the primary key.
BATCH = 1000


def fill_missing_keys(
    ctx: Context,
    object_name: str,
    *,
    source: str,
    key: str,
    normalise: Callable[[Any], str | None],
    batch: int = BATCH,
) -> int:
    """Set ``key`` = ``normalise(source)`` on the rows of ``object_name`` whose key is empty and
    source is not, in ctx's transaction (recycle-bin rows too: a restored customer must match);
    the number of rows written. Does nothing if the tenant lacks the object or either field.

    Batches walk the primary key (``id > last``), so a source that normalises to nothing (a
    mobile that is not a number) is passed over rather than read again, and a second run only
    reads the rows it still lacks."""
    obj = ctx.schema.get(object_name)
    if obj is None or source not in obj.fields or key not in obj.fields:
        return 0
    table = obj.table
    ids, sources, keys = table.c.id, table.c[source], table.c[key]
    pending = (
        sa.select(ids, sources)
        .where(keys.is_(None), sources.is_not(None))
        .order_by(ids)
        .limit(batch)
    )
    write = sa.update(table).where(ids == sa.bindparam("row_id")).values({key: sa.bindparam("key")})
    written = 0
    after: Any = None
    while True:
        query = pending if after is None else pending.where(ids > after)
        rows = ctx.conn.execute(query).all()
        if not rows:
            return written
        after = rows[-1][0]
        values = [
            {"row_id": row_id, "key": value}
            for row_id, raw in rows
            if (value := normalise(raw)) is not None
        ]
        if values:
            ctx.conn.execute(write, values)  # one executemany per batch
            written += len(values)
