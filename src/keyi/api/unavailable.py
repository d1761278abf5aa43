"""Which database errors mean "unavailable for now, retry" (503) rather than a defect (500).

PostgreSQL: no connection could be made or it was lost (no SQLSTATE, class 08), the server is
shutting down or starting (57P01–57P03), or it is out of resources (class 53: too many
connections, disk full). Deadlocks and serialization failures are OperationalErrors too, but
they belong to the transaction that lost, not to the server's availability, so they are not
matched here. SQLite: another writer held the lock past the busy timeout, or the file cannot
be opened. A pool that hands out no connection in time is overloaded: also 503.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy.exc as sa_exc

RETRY_AFTER_SECONDS = 5
SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.TimeoutError):  # the connection pool is exhausted
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return any(text.startswith(known) for known in SQLITE_UNAVAILABLE)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        # psycopg raises OperationalError without a SQLSTATE when it cannot reach the server.
        return isinstance(exc, sa_exc.OperationalError)
    return sqlstate.startswith(("08", "53")) or sqlstate in ("57P01", "57P02", "57P03")
