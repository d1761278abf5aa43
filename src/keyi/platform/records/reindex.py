"""Rebuilding a tenant's search index from its records (upgrades and ``keyi tenant reindex``).

The records service keeps the index current on every write; this is for when the index's storage
or token rules change (see :mod:`keyi.platform.search.storage`, :mod:`keyi.platform.search.rules`),
or to repair it. It reads each searchable object's live records in primary-key order, in batches,
and writes their index entries exactly as a create does
(:func:`keyi.platform.records.service.search_texts`).

Two ways: :func:`rebuild_search_index` in the caller's one transaction (repair, small tenants,
the storage upgrade), and :func:`refresh_search_tokens` for new token rules, which a large tenant
must get without one transaction holding a million documents: each batch commits on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from keyi.platform.records import statistics
from keyi.platform.records.service import TEXT_LIKE, search_texts
from keyi.platform.schema import CompiledSchema, search_table, system_metadata
from keyi.platform.search import index_records
from keyi.platform.search.documents import document_rows
from keyi.platform.search.index import copy_rows
from keyi.platform.search.rules import index_rules, record_index_rules
from keyi.platform.search.storage import (
    create_shadow,
    index_shadow,
    install_search_storage,
    stored_table,
    swap_shadow,
)
from keyi.platform.search.tokenize import TOKEN_RULES

if TYPE_CHECKING:
    from keyi.platform.schema import CompiledObject

__all__ = [
    "BATCH",
    "CATCH_UP_MARGIN",
    "rebuild_search_index",
    "refresh_search_tokens",
    "upgrade_search_index",
]

log = logging.getLogger(__name__)

BATCH = 2000

CATCH_UP_MARGIN = timedelta(minutes=5)
"""How long before a refresh started a write may have begun and still commit after the refresh
read its record: such records are read again at the end, under the live table's write lock.
Kept short: every record written within it is re-indexed under that lock (measured at 100k
just-imported accounts with one hour: all of them, 78 s, and a heap and GIN index bloated by
the rewrite); a record write transaction lasting longer than this could be missed."""

Transaction = Callable[[], AbstractContextManager[Connection]]
"""Opens a transaction in the tenant's namespace (``Database.tenant_transaction``)."""


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
    for obj in _searchable(schema):
        after: str | None = None
        while rows := _batch(conn, obj, after):
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
    record_index_rules(conn, system_metadata)
    return count


def _searchable(schema: CompiledSchema) -> Iterator[CompiledObject]:
    return (obj for obj in schema.objects.values() if obj.definition.features.search)


def _select(obj: CompiledObject) -> sa.Select[Any]:
    """The columns :func:`search_texts` reads, for live records."""
    table = obj.table
    names = [
        f.name
        for f in obj.definition.fields
        if f.type in TEXT_LIKE
        and (f.searchable or f.name == obj.definition.name_field)
        and f.name in table.c
    ]
    return sa.select(table.c.id, *(table.c[n] for n in names)).where(table.c.deleted_at.is_(None))


def _batch(conn: Connection, obj: CompiledObject, after: str | None) -> list[dict[str, Any]]:
    """The next :data:`BATCH` live records after ``after`` in primary-key order."""
    stmt = _select(obj).order_by(obj.table.c.id).limit(BATCH)
    if after is not None:
        stmt = stmt.where(obj.table.c.id > after)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def _documents(obj: CompiledObject, rows: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(str(r["id"]), search_texts(obj, r)) for r in rows]


def refresh_search_tokens(
    transaction: Transaction, load_schema: Callable[[Connection], CompiledSchema], *, label: str
) -> int | None:
    """Rebuild an index built by older token rules (:mod:`keyi.platform.search.rules`); the
    number of records indexed, or ``None`` when the index is current. Logged as it goes.

    Each batch of :data:`BATCH` records is a transaction of its own (``transaction()``), so a
    million records are never one transaction, and the tenant keeps serving meanwhile.

    * PostgreSQL: the batches fill a shadow table, indexed once when full (a GIN index built in
      bulk is smaller than one grown by inserts, and deleting a rules-1 document would leave its
      lexemes in the GIN index: PostgreSQL never removes a GIN key). The last transaction locks
      the live table against writes, indexes again the records written since the refresh began
      (or deleted, or restored), and swaps the tables. Searches meanwhile use the old index,
      whose identifier spellings new queries may miss for a few minutes.
    * SQLite (the token table, no GIN): each batch replaces its records' tokens in place; the
      tenant's writes are serialised with it by the database lock.

    An interrupted refresh starts again at the next start (the rules are recorded at the end).
    """
    with transaction() as conn:
        if index_rules(conn, system_metadata) >= TOKEN_RULES:
            return None
        postgres = conn.dialect.name == "postgresql"
        schema = load_schema(conn)
        started = datetime.now(UTC).replace(tzinfo=None)
        shadow = create_shadow(conn, search_table) if postgres else None
    log.info("%s: rebuilding the search index for token rules %d", label, TOKEN_RULES)
    clock = time.monotonic()
    count = 0
    for obj in _searchable(schema):
        after: str | None = None
        while True:
            with transaction() as conn:
                rows = _batch(conn, obj, after)
                if not rows:
                    break
                if shadow is not None:
                    docs = document_rows(obj.name, _documents(obj, rows))
                    if docs:
                        copy_rows(conn, shadow, docs)
                else:
                    index_records(
                        conn, search_table, object_name=obj.name, documents=_documents(obj, rows)
                    )
            count += len(rows)
            after = str(rows[-1]["id"])
            if count % (BATCH * 25) < len(rows):
                log.info("%s: search index: %d records (%s)", label, count, obj.name)
    if shadow is not None:
        with transaction() as conn:
            index_shadow(conn)
        with transaction() as conn:
            _catch_up(conn, schema, shadow, started - CATCH_UP_MARGIN)
            swap_shadow(conn)
            conn.exec_driver_sql(
                f"ANALYZE {statistics.quoted(conn, stored_table(conn, search_table).name)}"
            )
            record_index_rules(conn, system_metadata)
    else:
        with transaction() as conn:
            record_index_rules(conn, system_metadata)
    log.info(
        "%s: search index rebuilt for token rules %d: %d records in %.1f s",
        label,
        TOKEN_RULES,
        count,
        time.monotonic() - clock,
    )
    return count


def _catch_up(conn: Connection, schema: CompiledSchema, shadow: sa.Table, since: datetime) -> None:
    """Make the shadow match the records as of now, with writes to the index held off.

    Records written since ``since`` are indexed again; documents of records deleted since their
    batch are dropped; live records without a document (restored since) are indexed. Set-based:
    two anti-joins per object and the few records that changed."""
    live = stored_table(conn, search_table)
    conn.exec_driver_sql(
        f"LOCK TABLE {statistics.quoted(conn, live.name)} IN SHARE ROW EXCLUSIVE MODE"
    )
    for obj in _searchable(schema):
        table = obj.table
        same = sa.and_(shadow.c.object == obj.name, shadow.c.record_id == table.c.id)
        conn.execute(
            shadow.delete().where(
                shadow.c.object == obj.name,
                ~sa.exists().where(same, table.c.deleted_at.is_(None)),
            )
        )
        changed = _select(obj).where(sa.or_(table.c.updated_at >= since, ~sa.exists().where(same)))
        rows = [dict(row) for row in conn.execute(changed).mappings()]
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            conn.execute(
                shadow.delete().where(
                    shadow.c.object == obj.name,
                    shadow.c.record_id.in_([str(r["id"]) for r in chunk]),
                )
            )
            docs = document_rows(obj.name, _documents(obj, chunk))
            if docs:
                conn.execute(shadow.insert(), docs)


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
