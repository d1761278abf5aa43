"""Rebuilding a tenant's search index from its records (upgrades and ``keyi tenant reindex``).

The records service keeps the index current on every write; this is for when the index's storage
or token rules change (see :mod:`keyi.platform.search.storage`), or to repair it. It reads each
searchable object's live records in primary-key order, in batches, and writes their index
entries exactly as a create does (:func:`keyi.platform.records.service.search_texts`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from keyi.platform.records import statistics
from keyi.platform.records.service import TEXT_LIKE, search_texts
from keyi.platform.schema import CompiledSchema, search_table
from keyi.platform.search import index_records
from keyi.platform.search.storage import install_search_storage, stored_table

__all__ = ["BATCH", "rebuild_search_index", "upgrade_search_index"]

BATCH = 2000


def rebuild_search_index(conn: Connection, schema: CompiledSchema) -> int:
    """Replace the whole index with entries made from the records; the number indexed.

    Runs in the caller's transaction. On PostgreSQL the tables are truncated, so searches wait
    until it commits, and the token table (the storage before the document table) is emptied
    too.
    """
    install_search_storage(conn, search_table)
    target = stored_table(conn, search_table)
    if conn.dialect.name == "postgresql":
        # TRUNCATE gives the space back at once (a DELETE waits for a VACUUM, and the token
        # table of an upgraded tenant is most of its size); searches wait for the commit.
        for name in (target.name, search_table.name):
            conn.exec_driver_sql(f"TRUNCATE {statistics.quoted(conn, name)}")
    else:
        conn.execute(sa.delete(target))
    count = 0
    for obj in schema.objects.values():
        if not obj.definition.features.search:
            continue
        table = obj.table
        names = [
            f.name
            for f in obj.definition.fields
            if f.type in TEXT_LIKE
            and (f.searchable or f.name == obj.definition.name_field)
            and f.name in table.c
        ]
        after: str | None = None
        while True:
            stmt = (
                sa.select(table.c.id, *(table.c[n] for n in names))
                .where(table.c.deleted_at.is_(None))
                .order_by(table.c.id)
                .limit(BATCH)
            )
            if after is not None:
                stmt = stmt.where(table.c.id > after)
            rows = [dict(row) for row in conn.execute(stmt).mappings()]
            if not rows:
                break
            index_records(
                conn,
                search_table,
                object_name=obj.name,
                documents=[(str(r["id"]), search_texts(obj, r)) for r in rows],
                fresh=True,
            )
            count += len(rows)
            after = str(rows[-1]["id"])
    if conn.dialect.name == "postgresql":
        for name in (target.name, search_table.name):
            conn.exec_driver_sql(f"ANALYZE {statistics.quoted(conn, name)}")
    return count


def upgrade_search_index(conn: Connection, schema: CompiledSchema) -> int | None:
    """Create missing search storage and, if this database's index table was missing, rebuild
    it; the number of records indexed, or ``None`` when nothing had to be done."""
    if not install_search_storage(conn, search_table):
        return None
    return rebuild_search_index(conn, schema)
