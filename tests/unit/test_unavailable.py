"""Which database errors answer 503 (retry later) and which stay server errors."""

from __future__ import annotations

import sqlite3

import psycopg
import sqlalchemy.exc as sa_exc
from psycopg import errors as pg

from keyi.api.unavailable import is_unavailable


def wrapped(orig: Exception) -> sa_exc.DBAPIError:
    """As SQLAlchemy wraps a driver's exception (OperationalError, IntegrityError, …)."""
    base = psycopg.Error if isinstance(orig, psycopg.Error) else sqlite3.Error
    return sa_exc.DBAPIError.instance("SELECT 1", {}, orig, base)


def test_unavailable_database_errors() -> None:
    for orig in (
        psycopg.OperationalError("connection refused"),  # no SQLSTATE: never reached the server
        pg.AdminShutdown("terminating connection"),
        pg.CannotConnectNow("the database system is starting up"),
        pg.TooManyConnections("too many clients"),
        pg.ConnectionFailure("connection failure"),
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("unable to open database file"),
    ):
        assert is_unavailable(wrapped(orig)), orig
    assert is_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))


def test_errors_of_one_transaction_are_not_unavailability() -> None:
    for orig in (
        pg.DeadlockDetected("deadlock detected"),
        pg.SerializationFailure("could not serialize access"),
        pg.QueryCanceled("canceling statement due to statement timeout"),
        pg.UniqueViolation("duplicate key"),
        sqlite3.OperationalError("no such table: account"),
    ):
        assert not is_unavailable(wrapped(orig)), orig
    assert not is_unavailable(ValueError("not a database error"))
