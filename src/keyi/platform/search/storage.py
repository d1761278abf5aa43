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

__all__ = ["install_search_storage", "stored_table"]


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
