"""`restore_tenant`: a tenant back from an archive, on either database, all or nothing.

Everything that can be checked is checked before anything changes: the manifest, the format
and revision (an archive from a newer Keyi is refused), the target name, the secrets' key or
passphrase, and every table file's checksum. Then the namespace is made with this code's
schema: system tables, the archived metadata, the object tables from that metadata, the rows
(PostgreSQL ``COPY``, SQLite ``executemany``), the object indexes, the sequences moved past the
restored values and the search index rebuilt; then the tenant upgrade brings an older
archive's packages up to date; the control rows come last, so the tenant appears only when
whole. A failure at any step drops the namespace: no tenant is left behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from keyi.platform import audit, migrations
from keyi.platform.backup.archive import FORMAT_VERSION, ArchiveReader, Manifest, TableEntry
from keyi.platform.backup.codec import column_kind, decode_row, decoder
from keyi.platform.backup.control_rows import ControlRestore
from keyi.platform.backup.errors import BackupRefused
from keyi.platform.backup.secrets import SecretsIn
from keyi.platform.backup.tables import search_tables, system_tables
from keyi.platform.clock import utcnow
from keyi.platform.context import TenantInfo
from keyi.platform.database import SCHEMA_RE
from keyi.platform.ids import new_id
from keyi.platform.metadata.store import load_compiled, load_definitions
from keyi.platform.migrations import Chain, stamp_head
from keyi.platform.records.reindex import rebuild_search_index
from keyi.platform.schema import Ddl, build_table, meta_state_table, system_metadata
from keyi.platform.search.documents import WEIGHT_CLASSES
from keyi.platform.tenancy import TENANT_NAME_RE, Platform

BATCH = 5000
_TOKENS = sa.Table(
    "keyi_restore_tokens",
    sa.MetaData(),
    sa.Column("token", sa.Text),
    sa.Column("object", sa.Text),
    sa.Column("record_id", sa.Uuid(as_uuid=False)),
    sa.Column("weight", sa.SmallInteger),
)
log = logging.getLogger(__name__)


@dataclass
class RestoreReport:
    tenant: TenantInfo
    rows: int = 0
    indexed: int = 0  # records indexed by a rebuild, or index rows loaded
    search: str = ""  # "loaded" (same kind of database), "converted" (SQLite → PostgreSQL)
    # or "rebuilt" (PostgreSQL → SQLite: tokens are made from the records again)
    seconds: float = 0.0
    upgraded: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    reused_identities: int = 0


def _known_revisions() -> set[str]:
    script = migrations._script(Chain.TENANT.location)
    return {r.revision for r in script.walk_revisions()}


def check_archive(platform: Platform, reader: ArchiveReader, name: str) -> None:
    """Refuse what cannot be restored, before anything is changed."""
    m = reader.manifest
    if m.format_version > FORMAT_VERSION:
        raise BackupRefused(
            "archive_newer",
            f"archive format {m.format_version} is newer than this Keyi's ({FORMAT_VERSION}): "
            f"made by Keyi {m.keyi_version}, upgrade Keyi to restore it",
        )
    if m.revision not in _known_revisions():
        raise BackupRefused(
            "archive_newer",
            f"archive at tenant schema revision {m.revision}, unknown to this Keyi "
            f"(made by Keyi {m.keyi_version}, newer than this one): upgrade Keyi to restore it",
        )
    if not TENANT_NAME_RE.match(name):
        raise BackupRefused("invalid_name", f"{name!r} is not a valid tenant name")
    with platform.db.control_read() as conn:
        taken = conn.execute(
            sa.select(platform.t["tenant"].c.id).where(platform.t["tenant"].c.name == name)
        ).first()
    if taken:
        raise BackupRefused(
            "name_taken", f"a tenant named {name} exists: restore with --as NEW_NAME"
        )
    known = {t.name for t in system_tables()}
    for entry in m.part("system"):
        if entry.name not in known:
            raise BackupRefused("archive_unknown_table", f"unknown system table {entry.name}")
    derived = {t.name for t in search_tables("postgresql") + search_tables("sqlite")}
    for entry in m.part("search"):
        if entry.name not in derived:
            raise BackupRefused("archive_unknown_table", f"unknown search table {entry.name}")
    for required in ("keyi_meta_object", "keyi_meta_state"):
        if m.table("system", required) is None:
            raise BackupRefused("archive_corrupt", f"the archive lacks {required}")
    if m.table("control", "tenant") is None:
        raise BackupRefused("archive_corrupt", "the archive lacks the tenant row")


def _namespace_exists(platform: Platform, location: str) -> bool:
    """Whether a tenant namespace is there already: another installation sharing this
    PostgreSQL database (its own control schema) may hold a tenant with the archived id."""
    if not platform.db.is_postgres:
        return Path(location).exists()
    with platform.db.control_read() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": location}
        ).first()
    return found is not None


def _tenant_id(platform: Platform, m: Manifest, renamed: bool) -> str:
    """The archived id when it is free here (same id after a move), else a new one."""
    archived = str(m.tenant["id"])
    if renamed:
        return new_id()
    with platform.db.control_read() as conn:
        used = conn.execute(
            sa.select(platform.t["tenant"].c.id).where(platform.t["tenant"].c.id == archived)
        ).first()
    if used or _namespace_exists(platform, platform.db.tenant_location(archived)):
        return new_id()
    return archived


def create_fresh_namespace(platform: Platform, location: str) -> None:
    """Create the tenant's namespace, failing if it exists: a restore never writes into (nor,
    when it fails, drops) a namespace it did not make."""
    if platform.db.is_postgres:
        if not SCHEMA_RE.match(location):
            raise ValueError("invalid tenant schema")
        with platform.db.control.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{location}"')
        return
    if _namespace_exists(platform, location):
        raise BackupRefused("namespace_exists", f"{location} exists already")
    platform.db.create_namespace(location)


def _records(
    reader: ArchiveReader,
    entry: TableEntry,
    table: sa.Table,
    convert: Callable[[str], str] | None = None,
) -> tuple[list[str], Iterator[list[Any]]]:
    """The archived columns this table has, and the decoded rows (secrets converted)."""
    names = entry.column_names
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise BackupRefused(
            "archive_unknown_column", f"{entry.name}: columns unknown to this Keyi: {unknown}"
        )
    decoders = [decoder(table.c[n]) for n in names]
    secret_positions = (
        [i for i, n in enumerate(names) if column_kind(table.c[n]) == "string"] if convert else []
    )

    def rows() -> Iterator[list[Any]]:
        for raw in reader.rows(entry):
            values = decode_row(decoders, raw)
            for i in secret_positions:
                if isinstance(values[i], str):
                    values[i] = convert(values[i])  # type: ignore[misc]
            yield values

    return names, rows()


def _copy(conn: sa.Connection, table: sa.Table, names: list[str], rows: Iterator[list[Any]]) -> int:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    count = 0
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _executemany(
    conn: sa.Connection, table: sa.Table, names: list[str], rows: Iterator[list[Any]]
) -> int:
    """Batched INSERTs; JSON columns bound as their archived text (no re-encoding)."""
    postgres = conn.dialect.name == "postgresql"
    keys = list(names)
    overrides: dict[str, Any] = {}
    for i, name in enumerate(names):
        if column_kind(table.c[name]) == "json":
            keys[i] = f"{name}__text"
            param = sa.bindparam(keys[i], type_=sa.Text)
            overrides[name] = sa.cast(param, table.c[name].type) if postgres else param
    statement = sa.insert(table).values(overrides) if overrides else sa.insert(table)
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(keys, row, strict=True)))
        if len(batch) >= BATCH:
            conn.execute(statement, batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(statement, batch)
        count += len(batch)
    return count


def _sqlite_executemany(
    conn: sa.Connection, table: sa.Table, names: list[str], rows: Iterator[list[Any]]
) -> int:
    """SQLite, every column archived: the driver's executemany with SQLAlchemy's own value
    conversion per column (uuid, datetime, decimal… as SQLAlchemy stores them), without
    compiling a statement per batch — most of the time of the general path."""
    dialect = conn.dialect
    processors = [
        None
        if column_kind(table.c[n]) == "json"
        else table.c[n].type._cached_bind_processor(dialect)
        for n in names
    ]
    active = [(i, p) for i, p in enumerate(processors) if p is not None]
    quote = dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    count = 0
    batch: list[list[Any]] = []
    try:
        for row in rows:
            for i, process in active:
                if row[i] is not None:
                    row[i] = process(row[i])
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


def load_table(
    conn: sa.Connection,
    reader: ArchiveReader,
    entry: TableEntry,
    table: sa.Table,
    convert: Callable[[str], str] | None = None,
) -> int:
    names, rows = _records(reader, entry, table, convert)
    if entry.rows == 0:
        return 0
    started = time.perf_counter()
    complete = set(names) == {c.name for c in table.columns}
    if conn.dialect.name == "postgresql" and complete:
        count = _copy(conn, table, names, rows)
    elif conn.dialect.name == "sqlite" and complete:
        count = _sqlite_executemany(conn, table, names, rows)
    else:
        count = _executemany(conn, table, names, rows)  # python-side defaults for the missing
    log.info("restore: %s %d rows in %.1f s", table.name, count, time.perf_counter() - started)
    return count


def reset_sequences(conn: sa.Connection, schema: str) -> None:
    """PostgreSQL: every serial column's sequence continues after its largest restored value."""
    columns = sa.table(
        "columns",
        sa.column("table_schema"),
        sa.column("table_name"),
        sa.column("column_name"),
        sa.column("column_default"),
        schema="information_schema",
    )
    found = conn.execute(
        sa.select(columns.c.table_name, columns.c.column_name).where(
            columns.c.table_schema == schema, columns.c.column_default.like("nextval(%")
        )
    ).all()
    quote = conn.dialect.identifier_preparer.quote
    for table_name, column_name in found:
        qualified = f"{quote(schema)}.{quote(table_name)}"
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608
                f"COALESCE(MAX({quote(column_name)}), 0) + 1, false) FROM {qualified}"
            ),
            {"table": qualified, "column": column_name},
        )


def _load_namespace(
    platform: Platform,
    reader: ArchiveReader,
    info: TenantInfo,
    secrets: SecretsIn,
    report: RestoreReport,
) -> None:
    m = reader.manifest
    schema = platform.db.tenant_schema(info.location)
    with platform.db.tenant_transaction(info.location) as conn:
        system_metadata.create_all(conn)
        audit.install_append_only(conn)
        stamp_head(conn, Chain.TENANT, schema=schema)
        by_name = {t.name: t for t in system_tables()}
        for entry in m.part("system"):
            table = by_name[entry.name]
            with _indexes_after(conn, table, entry.rows):
                report.rows += load_table(conn, reader, entry, table, secrets.convert)
        # A new revision: no process may serve this namespace from a schema cached before.
        conn.execute(
            sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(revision=new_id())
        )
        definitions = load_definitions(conn)
        tables = {obj.name: build_table(obj, sa.MetaData()) for obj in definitions}
        archived = {e.name: e for e in m.part("object")}
        if set(archived) != set(tables):
            raise BackupRefused(
                "archive_corrupt",
                f"object tables {sorted(archived)} do not match the metadata {sorted(tables)}",
            )
        for name, table in tables.items():
            table.create(conn)  # indexes after the rows: one sort each instead of row by row
            report.rows += load_table(conn, reader, archived[name], table)
        started = time.perf_counter()
        Ddl(conn).sync_indexes(definitions)
        if schema is not None:
            reset_sequences(conn, schema)
        log.info("restore: object indexes in %.1f s", time.perf_counter() - started)
        started = time.perf_counter()
        report.search, report.indexed = _search_index(conn, reader)
        log.info("restore: search index %s in %.1f s", report.search, time.perf_counter() - started)
        audit.record(
            conn,
            actor_id=None,
            actor_name="cli",
            action="tenant.restore",
            at=utcnow(),
            details={
                "from_tenant": m.tenant.get("name"),
                "keyi_version": m.keyi_version,
                "revision": m.revision,
                "created_at": m.created_at,
                "rows": report.rows,
            },
        )


def _search_index(conn: sa.Connection, reader: ArchiveReader) -> tuple[str, int]:
    """Load the archived index when it was made on this kind of database (its GIN index built
    once after the rows), else rebuild it from the records; the number of records indexed."""
    m = reader.manifest
    wanted = search_tables(conn.dialect.name)
    entries = [m.table("search", t.name) for t in wanted]
    sources = [m.table("search", t.name) for t in search_tables(m.search_storage or "none")]
    convert = m.search_storage == "sqlite" and conn.dialect.name == "postgresql"
    if None in (sources if convert else entries):
        return "rebuilt", rebuild_search_index(conn, load_compiled(conn))
    indexes = _drop_indexes(conn, wanted[0])
    for table in wanted:
        conn.execute(sa.delete(table))
    if convert:
        tokens, state = sources
        assert tokens is not None and state is not None
        count = _documents_from_tokens(conn, reader, tokens)
        load_table(conn, reader, state, wanted[1])
    else:
        for table, entry in zip(wanted, entries, strict=True):
            assert entry is not None
            load_table(conn, reader, entry, table)
        count = entries[0].rows if entries[0] is not None else 0
    for index in indexes:
        index.create(conn)
    return ("converted" if convert else "loaded"), count


INDEXES_AFTER_ROWS = 20_000
"""A table with more rows than this gets its secondary indexes after them: one sort each
instead of a B-tree insert per row (the search tokens: ~18 rows per record on SQLite)."""


def _drop_indexes(conn: sa.Connection, table: sa.Table) -> list[sa.Index]:
    # On PostgreSQL the tenant's schema is the one SET LOCAL search_path chose, not the
    # connection's default that the inspector would read.
    schema = (
        conn.exec_driver_sql("SELECT current_schema()").scalar()
        if conn.dialect.name == "postgresql"
        else None
    )
    existing = {i["name"] for i in sa.inspect(conn).get_indexes(table.name, schema=schema)}
    dropped = [i for i in table.indexes if i.name in existing]
    for index in dropped:
        index.drop(conn)
    return dropped


@contextmanager
def _indexes_after(conn: sa.Connection, table: sa.Table, rows: int) -> Iterator[None]:
    indexes = _drop_indexes(conn, table) if rows > INDEXES_AFTER_ROWS else []
    yield
    for index in indexes:
        index.create(conn)


_WEIGHT_CLASS = sa.case(
    *((_TOKENS.c.weight == w, sa.literal(c)) for w, c in WEIGHT_CLASSES.items()),
    else_=sa.literal(""),
)


def _documents_from_tokens(conn: sa.Connection, reader: ArchiveReader, entry: TableEntry) -> int:
    """SQLite's token rows (a token, a record, its best weight) made into PostgreSQL's
    documents by the server: the same lexemes and weight classes `document_from_tokens` writes,
    without tokenizing a record again (a rebuild is most of a move's time). Rows of records."""
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_TOKENS.name} (token text, object text, record_id uuid, "
        "weight smallint) ON COMMIT DROP"
    )
    names, rows = _records(reader, entry, search_tables("sqlite")[0])
    _copy(conn, _TOKENS, names, rows)
    t = _TOKENS.c
    lexeme = (
        sa.literal("'")
        + sa.func.replace(sa.func.replace(t.token, "\\", "\\\\"), "'", "''")
        + sa.literal("':1")
        + _WEIGHT_CLASS
    )
    documents = search_tables("postgresql")[0]
    select = sa.select(
        t.object,
        t.record_id,
        sa.cast(sa.func.string_agg(lexeme, sa.literal(" ")), documents.c.document.type),
    ).group_by(t.object, t.record_id)
    inserted = conn.execute(
        sa.insert(documents).from_select(["object", "record_id", "document"], select)
    )
    return int(inserted.rowcount or 0)


def _control_rows(
    platform: Platform, reader: ArchiveReader, info: TenantInfo, secrets: SecretsIn
) -> ControlRestore:
    m = reader.manifest
    t = platform.t
    with platform.db.control.begin() as conn:
        restore = ControlRestore(conn, t, info.id, secrets.convert)
        tenant_entry = m.table("control", "tenant")
        assert tenant_entry is not None
        _names, rows = _records(reader, tenant_entry, t["tenant"])
        original = [dict(zip(tenant_entry.column_names, r, strict=True)) for r in rows]
        conn.execute(
            sa.insert(t["tenant"]).values(
                id=info.id,
                name=info.name,
                label=info.label,
                location=info.location,
                status=original[0]["status"] if original else "active",
                created_at=original[0]["created_at"] if original else utcnow(),
            )
        )
        for table_name in ("identity", "membership", "api_key", "invitation"):
            _put(restore, reader, m, table_name)
        for table_name in ("sso_provider", "sso_link"):
            _put(restore, reader, m, table_name)
    return restore


def _put(restore: ControlRestore, reader: ArchiveReader, m: Manifest, name: str) -> None:
    entry = m.table("control", name)
    if entry is None:
        return
    names, rows = _records(reader, entry, restore.t[name])
    restore.put(name, (dict(zip(names, r, strict=True)) for r in rows))


def restore_tenant(
    platform: Platform,
    path: Path,
    *,
    as_name: str | None = None,
    passphrase: str | None = None,
    upgrade: Callable[[Platform, TenantInfo], list[str]] | None = None,
) -> RestoreReport:
    """Restore the archive at ``path`` as a new tenant (named as archived, or ``as_name``)."""
    started = time.perf_counter()
    reader = ArchiveReader(Path(path))
    try:
        m = reader.manifest
        name = as_name or str(m.tenant["name"])
        check_archive(platform, reader, name)
        secrets = SecretsIn(m.secrets, platform.secret_box, passphrase)
        reader.verify()
        tenant_id = _tenant_id(platform, m, renamed=as_name is not None)
        label = str(m.tenant.get("label") or name)
        info = TenantInfo(
            id=tenant_id,
            name=name,
            label=label,
            location=platform.db.tenant_location(tenant_id),
        )
        report = RestoreReport(tenant=info)
        create_fresh_namespace(platform, info.location)
        try:
            _load_namespace(platform, reader, info, secrets, report)
            if upgrade is not None:
                started = time.perf_counter()
                report.upgraded = upgrade(platform, info)
                log.info("restore: tenant upgrade in %.1f s", time.perf_counter() - started)
            control = _control_rows(platform, reader, info, secrets)
        except BaseException:
            platform.db.drop_namespace(info.location)
            platform.schemas.forget(info.location)
            raise
        report.skipped = control.skipped
        report.reused_identities = control.reused_identities
    finally:
        reader.close()
    report.seconds = time.perf_counter() - started
    return report
