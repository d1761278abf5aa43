"""Which tables make a tenant, and reading one in keyset pages.

A tenant's namespace holds the system tables (``system_metadata``: metadata, history, outbox,
files, jobs, approvals, flows, deliveries…), one table per object (built from its metadata,
never reflected) and alembic's version table (carried as the manifest's revision). The search
index is derived from the records and its storage differs by database (token rows on SQLite,
``tsvector`` documents on PostgreSQL): the archive carries the source database's storage as
its ``search`` part, loaded as it is by a restore on the same kind of database and rebuilt from
the records by one on the other kind (rebuilding costs far more than loading).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from keyi.platform.backup.codec import column_kind, select_expression
from keyi.platform.backup.errors import BackupRefused
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.store import load_definitions
from keyi.platform.migrations import VERSION_TABLE
from keyi.platform.schema import build_table, system_metadata
from keyi.platform.search.documents import DOCUMENT_TABLE_NAME
from keyi.platform.search.index import SEARCH_TABLE_NAME
from keyi.platform.search.rules import STATE_TABLE_NAME
from keyi.platform.search.storage import SHADOW_NAME

DERIVED = frozenset({SEARCH_TABLE_NAME, DOCUMENT_TABLE_NAME, SHADOW_NAME, STATE_TABLE_NAME})
"""Rebuilt by a restore rather than archived (the search index and its rules)."""

PAGE_ROWS = 5000
PAGE_ROWS_WITH_BYTES = 200  # files: a page of attachments stays a few megabytes


def system_tables() -> list[sa.Table]:
    """The archived system tables, parents before children (as ``create_all`` orders them)."""
    return [t for t in system_metadata.sorted_tables if t.name not in DERIVED]


def search_tables(dialect: str) -> list[sa.Table]:
    """The search index as ``dialect`` stores it, with the rules it was built under."""
    stored = DOCUMENT_TABLE_NAME if dialect == "postgresql" else SEARCH_TABLE_NAME
    return [system_metadata.tables[stored], system_metadata.tables[STATE_TABLE_NAME]]


def object_tables(definitions: list[ObjectDef]) -> list[tuple[ObjectDef, sa.Table]]:
    return [(obj, build_table(obj, sa.MetaData())) for obj in definitions]


def tenant_tables(
    conn: sa.Connection, schema: str | None
) -> tuple[list[sa.Table], list[tuple[ObjectDef, sa.Table]]]:
    """The system and object tables of the tenant on ``conn``; refused when the namespace has a
    table that is neither (an archive must never leave data behind without saying so)."""
    objects = object_tables(load_definitions(conn))
    known = {t.name for t in system_metadata.sorted_tables} | {t.name for _o, t in objects}
    present = set(sa.inspect(conn).get_table_names(schema=schema))
    unknown = sorted(present - known - {VERSION_TABLE} - DERIVED)
    if unknown:
        raise BackupRefused(
            "unknown_tables", f"the tenant has tables this Keyi does not know: {', '.join(unknown)}"
        )
    missing = sorted({t.name for _o, t in objects} - present)
    if missing:
        raise BackupRefused(
            "missing_tables", f"objects without a table (run keyi tenant upgrade): {missing}"
        )
    return system_tables(), objects


def _key(table: sa.Table) -> list[sa.Column[Any]]:
    key = list(table.primary_key.columns)
    if not key:
        raise BackupRefused("no_primary_key", f"{table.name} has no primary key to page by")
    return key


def _after(key: list[sa.Column[Any]], last: tuple[Any, ...]) -> sa.ColumnElement[bool]:
    """Rows after ``last`` in key order; values bound with their column's type (a uuid
    compares with a uuid on PostgreSQL, not with text)."""
    values = [sa.literal(v, type_=c.type) for c, v in zip(key, last, strict=True)]
    if len(key) == 1:
        return key[0] > values[0]
    return sa.tuple_(*key) > sa.tuple_(*values)


def read_pages(conn: sa.Connection, table: sa.Table) -> Iterator[list[sa.Row[Any]]]:
    """The rows of ``table`` in primary-key order, a page at a time (keyset: each page starts
    after the last key of the one before, so a page costs the same at any depth)."""
    key = _key(table)
    has_bytes = any(isinstance(c.type, sa.LargeBinary) for c in table.columns)
    size = PAGE_ROWS_WITH_BYTES if has_bytes else PAGE_ROWS
    columns = [select_expression(c) for c in table.columns]
    positions = [list(table.columns).index(c) for c in key]
    base = sa.select(*columns).order_by(*key).limit(size)
    last: tuple[Any, ...] | None = None
    while True:
        query = base if last is None else base.where(_after(key, last))
        rows = list(conn.execute(query).all())
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        final = rows[-1]
        last = tuple(final[i] for i in positions)


# PostgreSQL functions take at most 100 arguments: wider tables take the general path.
JSON_ARRAY_MAX_COLUMNS = 100


def _pg_json_value(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """The column as `codec.encode_value` would write it, computed by PostgreSQL."""
    kind = column_kind(column)
    if kind in ("json", "decimal"):
        return sa.cast(column, sa.Text)
    if kind == "datetime":
        naive = (
            sa.func.timezone("UTC", column) if getattr(column.type, "timezone", False) else column
        )
        return sa.func.to_char(naive, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    if kind == "bytes":
        return sa.func.translate(sa.func.encode(column, "base64"), "\n", "")
    return column


# What SQLite can write as the archive does by itself: its stored form (SQLAlchemy's) is the
# archive's, or a string function away (uuid dashes, the ISO "T" and zone).
SQLITE_JSON_KINDS = frozenset({"string", "int", "bool", "uuid", "datetime", "json"})


def _sqlite_json_value(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    kind = column_kind(column)
    if kind == "uuid":  # stored as 32 hex digits (SQLAlchemy's Uuid without a native type)
        parts = [sa.func.substr(column, start, length) for start, length in _UUID_PARTS]
        return _joined(parts)
    if kind == "datetime":  # stored as "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC
        return sa.func.replace(column, " ", "T").op("||")("+00:00")
    return column


_UUID_PARTS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def _joined(parts: Sequence[sa.ColumnElement[Any]]) -> sa.ColumnElement[Any]:
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")("-").op("||")(part)
    return joined


def server_json_pages(conn: sa.Connection, table: sa.Table) -> Iterator[list[bytes]] | None:
    """Each row already encoded as its archive line by the database (PostgreSQL's
    ``json_build_array``, SQLite's ``json_array``), a keyset page at a time: no value passes
    through Python objects, several times faster than decoding and encoding them here. None
    for a table the database cannot encode so (too wide; on SQLite, a decimal, float, date or
    bytes column, whose stored form differs from the archive's)."""
    if len(table.columns) > JSON_ARRAY_MAX_COLUMNS:
        return None
    line: sa.ColumnElement[Any]
    if conn.dialect.name == "postgresql":
        line = sa.cast(
            sa.func.json_build_array(*[_pg_json_value(c) for c in table.columns]), sa.Text
        )
    elif all(column_kind(c) in SQLITE_JSON_KINDS for c in table.columns):
        line = sa.func.json_array(*[_sqlite_json_value(c) for c in table.columns])
    else:
        return None
    return _json_pages(conn, table, line)


def _json_pages(
    conn: sa.Connection, table: sa.Table, line: sa.ColumnElement[Any]
) -> Iterator[list[bytes]]:
    key = _key(table)
    has_bytes = any(isinstance(c.type, sa.LargeBinary) for c in table.columns)
    size = PAGE_ROWS_WITH_BYTES if has_bytes else PAGE_ROWS
    base = sa.select(line, *key).order_by(*key).limit(size)
    last: tuple[Any, ...] | None = None
    while True:
        query = base if last is None else base.where(_after(key, last))
        rows = conn.execute(query).all()
        if not rows:
            return
        yield [row[0].encode() + b"\n" for row in rows]
        if len(rows) < size:
            return
        last = tuple(rows[-1][1:])
