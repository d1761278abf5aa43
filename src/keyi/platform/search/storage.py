"""Creating the search index's storage in an existing tenant (the DDL, in one place).

Tenants made before the document table existed (PostgreSQL: one ``tsvector`` per record instead
of a token row per token, :mod:`.documents`) have only the token table. The upgrade at start or
``keyi tenant reindex`` calls :func:`install_search_storage` and, when it created the document
table, rebuilds the index from the records
(:func:`keyi.platform.records.reindex.rebuild_search_index`) and empties the token table, which
PostgreSQL no longer reads.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from keyi.platform.search.documents import DOCUMENT_TABLE_NAME

__all__ = [
    "SHADOW_NAME",
    "create_shadow",
    "index_shadow",
    "install_search_storage",
    "shadow_table",
    "stored_table",
    "swap_shadow",
]


def stored_table(conn: Connection, table: sa.Table) -> sa.Table:
    """The table this database keeps the index in: documents on PostgreSQL, else tokens.

    ``table`` is the token table from :func:`~keyi.platform.search.define_search_table`."""
    if conn.dialect.name == "postgresql":
        return table.metadata.tables[DOCUMENT_TABLE_NAME]
    return table


def install_search_storage(conn: Connection, table: sa.Table) -> bool:
    """Create the search tables and indexes that are missing; whether the index must be rebuilt.

    True when this database's index table (:func:`stored_table`) did not exist, i.e. a tenant
    from an earlier release whose records are indexed elsewhere or not at all. Idempotent.
    """
    docs = table.metadata.tables[DOCUMENT_TABLE_NAME]
    inspector = sa.inspect(conn)
    missing = {t.name for t in (table, docs) if not inspector.has_table(t.name)}
    for t in (table, docs):
        if t.name in missing:
            t.create(conn)
    return stored_table(conn, table).name in missing


SHADOW_NAME = f"{DOCUMENT_TABLE_NAME}_next"
"""PostgreSQL: where a rebuild under new token rules writes documents before they replace the
live table (see :func:`keyi.platform.records.reindex.refresh_search_tokens`)."""


def shadow_table(table: sa.Table) -> sa.Table:
    """The shadow document table: the live one's columns, no index yet (loaded first, indexed
    once, which builds a smaller GIN index than inserting into it row by row)."""
    live = table.metadata.tables[DOCUMENT_TABLE_NAME]
    columns = (sa.Column(c.name, c.type, nullable=c.nullable) for c in live.columns)
    return sa.Table(SHADOW_NAME, sa.MetaData(), *columns)


def create_shadow(conn: Connection, table: sa.Table) -> sa.Table:
    """A fresh, empty shadow table (one left by an interrupted rebuild is dropped first)."""
    shadow = shadow_table(table)
    shadow.drop(conn, checkfirst=True)
    shadow.create(conn)
    return shadow


def index_shadow(conn: Connection) -> None:
    """Give the loaded shadow its primary key and GIN index, under names of their own."""
    name = _quoted(conn, SHADOW_NAME)
    conn.exec_driver_sql(
        f"ALTER TABLE {name} ADD CONSTRAINT {_quoted(conn, 'pk_' + SHADOW_NAME)} "
        "PRIMARY KEY (object, record_id)"
    )
    conn.exec_driver_sql(
        f"CREATE INDEX {_quoted(conn, 'ix_' + SHADOW_NAME + '_document')} ON {name} "
        "USING gin (document)"
    )


def swap_shadow(conn: Connection) -> None:
    """Replace the live document table by the shadow, with the live table's names.

    Takes the live table's exclusive lock for the moment of the swap (searches wait for it);
    statements planned on the old table are planned again by PostgreSQL."""
    live = DOCUMENT_TABLE_NAME
    conn.exec_driver_sql(f"DROP TABLE {_quoted(conn, live)}")
    conn.exec_driver_sql(
        f"ALTER TABLE {_quoted(conn, SHADOW_NAME)} RENAME TO {_quoted(conn, live)}"
    )
    for old, new in (
        (f"pk_{SHADOW_NAME}", f"pk_{live}"),
        (f"ix_{SHADOW_NAME}_document", f"ix_{live}_document"),
    ):
        conn.exec_driver_sql(f"ALTER INDEX {_quoted(conn, old)} RENAME TO {_quoted(conn, new)}")


def _quoted(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))
