"""`backup_tenant`: one tenant, read in one snapshot, streamed table by table into an archive.

The tenant's tables are read inside a single read transaction (PostgreSQL ``REPEATABLE READ``;
SQLite a WAL snapshot), so the archive is consistent while the tenant keeps serving writes. Each
table is paged by its primary key, encoded row by row and written through the zip stream: the
memory used does not grow with the tenant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata as pkg_metadata
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from keyi.platform import migrations
from keyi.platform.audit import record as audit_record
from keyi.platform.backup.archive import ArchiveWriter, Manifest, TableEntry
from keyi.platform.backup.codec import column_kind, encode_row
from keyi.platform.backup.control_rows import ARCHIVED, control_selects
from keyi.platform.backup.errors import BackupRefused
from keyi.platform.backup.secrets import SecretsOut
from keyi.platform.backup.tables import (
    read_pages,
    search_tables,
    server_json_pages,
    tenant_tables,
)
from keyi.platform.clock import utcnow
from keyi.platform.context import TenantInfo
from keyi.platform.migrations import Chain
from keyi.platform.tenancy import Platform

log = logging.getLogger(__name__)


def keyi_version() -> str:
    try:
        return pkg_metadata.version("keyi")
    except pkg_metadata.PackageNotFoundError:  # a source checkout without metadata
        return "0+unknown"


@dataclass
class BackupReport:
    manifest: Manifest
    path: Path
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.manifest.tables)


@contextmanager
def snapshot(platform: Platform, tenant: TenantInfo) -> Iterator[sa.Connection]:
    """A read-only transaction over the tenant seeing one point in time."""
    engine = platform.db.engine_for(tenant.location)
    with engine.connect() as conn:
        conn.info["write"] = False
        if platform.db.is_postgres:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if platform.db.is_postgres:
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql(f'SET LOCAL search_path TO "{tenant.location}"')
            yield conn


def _entry(part: str, table: sa.Table) -> TableEntry:
    return TableEntry(
        name=table.name,
        part=part,
        columns=[[c.name, column_kind(c)] for c in table.columns],
        file=f"{part}/{table.name}.jsonl",
    )


def _secret_positions(table: sa.Table) -> list[int]:
    return [i for i, c in enumerate(table.columns) if column_kind(c) == "string"]


def _write_table(
    writer: ArchiveWriter,
    conn: sa.Connection,
    part: str,
    table: sa.Table,
    secrets: SecretsOut | None,
    select: sa.Select[Any] | None = None,
) -> TableEntry:
    started = time.perf_counter()
    entry = _entry(part, table)
    positions = _secret_positions(table) if secrets is not None else []
    with writer.table(entry) as out:
        encoded = server_json_pages(conn, table) if select is None else None
        if encoded is not None:
            for lines in encoded:
                if secrets is not None:
                    lines = [_with_secrets(line, secrets) for line in lines]
                out.write_lines(lines)
            log.info("backup: %s %d rows in %.1f s", table.name, out.rows, _since(started))
            return entry
        pages = read_pages(conn, table) if select is None else [conn.execute(select).all()]
        for page in pages:
            lines = []
            for row in page:
                values = list(row)
                for i in positions:
                    if isinstance(values[i], str):
                        values[i] = secrets.convert(values[i])  # type: ignore[union-attr]
                lines.append(encode_row(values))
            out.write_lines(lines)
    log.info("backup: %s %d rows in %.1f s", table.name, entry.rows, time.perf_counter() - started)
    return entry


def _since(started: float) -> float:
    return time.perf_counter() - started


def _with_secrets(line: bytes, secrets: SecretsOut) -> bytes:
    """A server-encoded line with its secrets converted (parsed only when it has one)."""
    if b"fernet:" not in line:
        return line
    values = orjson.loads(line)
    converted = [secrets.convert(v) if isinstance(v, str) else v for v in values]
    return orjson.dumps(converted) + b"\n"


def backup_tenant(
    platform: Platform, name: str, path: Path, *, passphrase: str | None = None
) -> BackupReport:
    """Write tenant ``name`` to ``path`` (replaced only once the archive is complete)."""
    started = time.perf_counter()
    tenant = platform.tenant(name)
    pending = platform.pending_tenant_revisions(tenant)
    if pending:
        raise BackupRefused(
            "tenant_not_upgraded",
            f"tenant {name} lacks {len(pending)} schema revision(s): run keyi tenant upgrade first",
        )
    secrets = SecretsOut(platform.secret_box, passphrase)
    schema = platform.db.tenant_schema(tenant.location)
    path = Path(path)
    writer = ArchiveWriter(path)
    try:
        entries: list[TableEntry] = []
        with snapshot(platform, tenant) as conn:
            revision = migrations.current_revision(conn, schema=schema)
            if revision != migrations.head_revision(Chain.TENANT):
                raise BackupRefused("tenant_not_upgraded", f"tenant {name} is at {revision}")
            system, objects = tenant_tables(conn, schema)
            for table in system:
                entries.append(_write_table(writer, conn, "system", table, secrets))
            for _obj, table in objects:
                entries.append(_write_table(writer, conn, "object", table, None))
            search_storage = conn.dialect.name
            for table in search_tables(search_storage):
                entries.append(_write_table(writer, conn, "search", table, None))
        with platform.db.control.connect() as conn:
            t = platform.t
            selects = control_selects(t, tenant.id)
            for table_name in ARCHIVED:
                table = t[table_name]
                entries.append(
                    _write_table(writer, conn, "control", table, secrets, selects[table_name])
                )
        manifest = Manifest(
            keyi_version=keyi_version(),
            revision=str(revision),
            created_at=utcnow().isoformat() + "+00:00",
            tenant={"id": tenant.id, "name": tenant.name, "label": tenant.label},
            secrets=secrets.manifest(),
            tables=entries,
            search_storage=search_storage,
        )
        writer.finish(manifest)
    except BaseException:
        writer.abort()
        raise
    report = BackupReport(manifest, path, time.perf_counter() - started)
    with platform.db.tenant_transaction(tenant.location) as conn:
        audit_record(
            conn,
            actor_id=None,
            actor_name="cli",
            action="tenant.backup",
            at=utcnow(),
            details={
                "file": path.name,
                "tables": len(entries),
                "rows": report.rows,
                "secrets": manifest.secrets["mode"],
            },
        )
    return report
