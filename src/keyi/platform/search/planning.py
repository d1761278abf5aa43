"""Search statements are planned with their values on PostgreSQL, never with a generic plan.

psycopg prepares a statement on the server once a connection has run its text five times, and
PostgreSQL then may switch the prepared statement to a *generic* plan, made without the
parameter values. A search statement's text is the same for every word and every user (the
terms, objects and user ids are parameters), so it is prepared after a handful of searches,
and the generic plan cannot know that ``document @@ $1`` matches 90 % of the documents for one
word and 0.01 % for another, nor that ``object = $2`` names an object of 14 rows: it estimated
500 matches and read the whole GIN posting list of the word for each small object (users,
departments) to keep the few of that object, instead of walking that object's 14 documents.
Measured at 100,000 accounts as the benchmark's subordinates manager: 80–180 ms and ~11,000
buffers per search with the generic plan against 1.2–2.2 ms and 120–680 buffers with a plan for
the values; ten times more at a million accounts.

So before a search statement the transaction asks for custom plans (``plan_cache_mode =
force_custom_plan``, PostgreSQL 12+), which costs one round trip and the planning of each
search (a few milliseconds, as for any statement before it is prepared). The setting is local
to the transaction: later statements in it are planned with their values too, which changes
their cost, never their result. SQLite has no plan cache of this kind: nothing to do.

The same statement turns PostgreSQL's JIT compilation off for the transaction. A search over a
million accounts is estimated above ``jit_above_cost`` (the estimate counts every document
holding a common word, the execution stops at the limit), so PostgreSQL compiled it to machine
code first: for 有限 as a manager at 1,000,000 accounts, 124 ms of JIT for a statement that
then ran in ~20 ms — the whole p95 tail of search. Searches are short by design; JIT pays only
for long scans.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["plan_with_values"]


_SETTINGS = sa.select(
    sa.func.set_config("plan_cache_mode", "force_custom_plan", True),
    sa.func.set_config("jit", "off", True),
)


def plan_with_values(conn: Connection) -> None:
    """Make PostgreSQL plan the rest of this transaction's statements with their values, and
    without JIT compilation (one round trip)."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(_SETTINGS)
