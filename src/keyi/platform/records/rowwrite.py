"""Many rows into one table in one go: PostgreSQL ``COPY`` for large batches, else executemany.

A bulk write stores three or four rows per record (the record, its history entry, its outbox
event, its search document). As executemany those are one pipelined INSERT per row on psycopg;
``COPY`` streams them in one statement, several times faster once a batch holds hundreds of rows
(docs/bulk-write.md has the numbers). Values go through each column's SQLAlchemy bind processor
first, so JSON, decimals and custom column types are written exactly as an INSERT writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

COPY_MIN_ROWS = 200
"""Fewer rows go through executemany: COPY's set-up costs more than it saves on a few rows."""

use_copy = True
"""Whether PostgreSQL batches use COPY at all (the bench turns it off to compare)."""


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` on the caller's transaction.

    A unique or check violation raised by COPY surfaces as SQLAlchemy's ``IntegrityError``, as
    from an INSERT, so callers map it to a field error the same way."""
    if not rows:
        return
    if not use_copy or conn.dialect.name != "postgresql" or len(rows) < COPY_MIN_ROWS:
        conn.execute(sa.insert(table), list(rows))
        return
    _copy(conn, table, rows)


def _copy(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    import psycopg
    from psycopg import sql

    columns = tuple(rows[0])
    processors = [_bind_processor(conn, table.c[name]) for name in columns]
    # Tenants select their schema with SET LOCAL search_path; a caller that maps it with
    # schema_translate_map instead gets it named explicitly (as keyi.platform.search does).
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(table.schema)
    name = sql.Identifier(schema, table.name) if schema else sql.Identifier(table.name)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        name, sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            write = copy.write_row
            if any(processors):
                for row in rows:
                    write(
                        [
                            value if process is None or value is None else process(value)
                            for process, value in zip(
                                processors, [row[c] for c in columns], strict=True
                            )
                        ]
                    )
            else:
                for row in rows:
                    write([row[c] for c in columns])
    except psycopg.errors.IntegrityError as exc:
        raise sa_exc.IntegrityError(statement.as_string(driver), None, exc) from exc


def _bind_processor(conn: sa.Connection, column: sa.Column[Any]) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(conn.dialect).bind_processor(
        conn.dialect
    )
    return processor
