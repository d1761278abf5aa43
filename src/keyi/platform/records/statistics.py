"""Planner statistics after bulk writes, for databases that do not refresh them on their own.

PostgreSQL plans from statistics that ANALYZE gathers; autovacuum normally runs it once a table
has changed by ``50 + 10 %`` of its rows. Where autovacuum is off (or lags behind an import), a
table that grew from nothing keeps the statistics of an empty table, and plans made for ten rows
run against a hundred thousand: an import into a new tenant slowed from 700 to 170 rows/s until
an ANALYZE. So a large write applies autovacuum's threshold (50 rows + 10 % of the rows counted at
the last ANALYZE) to itself and analyses in its own transaction.

Only writes of at least :data:`MIN_ROWS` rows look: single-record writes pay nothing. The check is
one catalogue read; the ANALYZE samples a bounded number of rows (300 × the statistics target)
and, since each one lets the table grow by a tenth before the next, runs O(log n) times while a
table is filled. SQLite keeps no statistics unless asked and plans well without them here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

__all__ = ["ANALYZE_FRACTION", "ANALYZE_THRESHOLD", "MIN_ROWS", "analyze_if_stale", "quoted"]

MIN_ROWS = 50
"""Writes of fewer rows never check (autovacuum's base threshold)."""
ANALYZE_THRESHOLD = 50
ANALYZE_FRACTION = 0.1
"""PostgreSQL's defaults for autovacuum_analyze_threshold and autovacuum_analyze_scale_factor."""

_TUPLES = sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)")


def analyze_if_stale(
    conn: sa.Connection, table: str, written: int, also: Sequence[str] = ()
) -> bool:
    """ANALYZE ``table`` (and ``also``, tables the same write filled) when ``written`` rows
    exceed autovacuum's rule against the row count of its last ANALYZE; whether it did.

    ``reltuples`` is ``-1`` for a table never analysed (PostgreSQL 14+): any large write then
    qualifies. Only this write counts, not the changes since the last ANALYZE: those counters
    include the current transaction's rows only after commit, so after an ANALYZE in the same
    transaction they would count its rows again. Many small writes into a big table therefore
    never analyse, which is harmless: the planner scales ``reltuples`` by the table's current
    size, so statistics stay proportionate; what misleads it is a table analysed (or never
    analysed) while nearly empty. Table names resolve through the tenant's ``search_path``.
    """
    if conn.dialect.name != "postgresql" or written < MIN_ROWS:
        return False
    tuples = conn.execute(_TUPLES, {"name": quoted(conn, table)}).scalar()
    if tuples is None or written <= ANALYZE_THRESHOLD + ANALYZE_FRACTION * max(float(tuples), 0):
        return False
    for name in (table, *also):
        conn.exec_driver_sql(f"ANALYZE {quoted(conn, name)}")
    return True


def quoted(conn: sa.Connection, name: str) -> str:
    """``name`` quoted as an identifier for this database (for DDL that cannot bind it)."""
    return str(conn.dialect.identifier_preparer.quote(name))
