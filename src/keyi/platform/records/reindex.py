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
    """Rebuild the index of a tenant an earlier release indexed elsewhere; the number of
    records indexed, or ``None`` when nothing had to be done.

    The tenant migration (revision 0002) creates the document table; whether its records are
    indexed there is data, not schema: on PostgreSQL an empty document table beside token rows
    means the tenant's records were indexed by the token table only (which the rebuild then
    empties, so the next start finds nothing to do). Two one-row reads per start.
    """
    created = install_search_storage(conn, search_table)
    stored = stored_table(conn, search_table)
    if not created and (stored is search_table or not _only_in_tokens(conn, stored)):
        return None
    return rebuild_search_index(conn, schema)


def _only_in_tokens(conn: Connection, documents: sa.Table) -> bool:
    """Whether no record has a document while the token table holds entries."""
    first = sa.select(sa.literal(1))
    if conn.execute(first.select_from(documents).limit(1)).first() is not None:
        return False
    return conn.execute(first.select_from(search_table).limit(1)).first() is not None
