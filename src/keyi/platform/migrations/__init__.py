"""Versioned schema migrations (alembic) for the control database and each tenant's system tables.

Two chains, each a directory of alembic revisions beside this module:

- ``control``: the control database (one SQLite file, or one PostgreSQL schema);
- ``tenant``: the system tables of one tenant (``keyi_*``), run once per tenant — per SQLite
  file, per PostgreSQL schema — with the version table inside the tenant's own namespace, so a
  tenant that is backed up, restored or dropped carries its schema version with it.

Object tables are not here: their shape is a function of each tenant's metadata, so they are
reconciled with it instead (`keyi.platform.schema.Ddl.sync_indexes`).

A new database is created at head (``create_all`` of the live definitions, then stamped); an
existing one runs the revisions it lacks. Every run happens inside the caller's transaction
(DDL is transactional on both databases: see `keyi.platform.database`), after taking a
PostgreSQL advisory lock, so several server processes starting at once upgrade a database once:
the others wait, then find it at head. On SQLite the caller's ``BEGIN IMMEDIATE`` already
serialises writers.

How to add a revision: docs/architecture.md ("Adding a migration").
"""

from __future__ import annotations

import hashlib
import threading
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

__all__ = [
    "VERSION_TABLE",
    "Chain",
    "add_missing_columns",
    "create_missing",
    "current_revision",
    "head_revision",
    "lock",
    "pending_revisions",
    "revision_schema",
    "stamp_head",
    "upgrade",
]

VERSION_TABLE = "keyi_alembic_version"
"""Alembic's version table, named like the system tables (no object may be called ``keyi_*``)."""

HERE = Path(__file__).resolve().parent

# alembic's `op` and `context` are module-level proxies set for the duration of a run, so two
# threads of one process must not run revisions at once (on any database).
_running = threading.Lock()


class Chain(Enum):
    """A chain of revisions and the directory that holds it."""

    CONTROL = "control"
    TENANT = "tenant"

    @property
    def location(self) -> Path:
        return HERE / self.value


@cache
def _script(location: Path) -> ScriptDirectory:
    """The revision map of a chain, read once per process (there may be thousands of tenants)."""
    return ScriptDirectory(str(location))


def _location(chain: Chain, location: Path | None) -> Path:
    return location if location is not None else chain.location


def head_revision(chain: Chain, *, location: Path | None = None) -> str:
    head = _script(_location(chain, location)).get_current_head()
    if head is None:
        raise RuntimeError(f"the {chain.value} chain has no revisions")
    return head


def _context(conn: sa.Connection, schema: str | None) -> MigrationContext:
    return MigrationContext.configure(
        conn,
        opts={
            "version_table": VERSION_TABLE,
            "version_table_schema": schema,
            "transactional_ddl": True,
        },
    )


def current_revision(conn: sa.Connection, *, schema: str | None) -> str | None:
    """The revision a database is at, or None if it has never been versioned."""
    return _context(conn, schema).get_current_revision()


def pending_revisions(
    conn: sa.Connection, chain: Chain, *, schema: str | None, location: Path | None = None
) -> list[tuple[str, str]]:
    """The revisions `upgrade` would run on this database, oldest first: ``(id, message)``,
    the message being the first paragraph of the revision's docstring. Reads only (a dry run
    of ``keyi tenant upgrade`` shows them); a database never versioned lacks every revision."""
    script = _script(_location(chain, location))
    current = current_revision(conn, schema=schema)
    found = script.iterate_revisions("heads", current or "base")
    return [(r.revision, " ".join((r.doc or "").split())) for r in reversed(list(found))]


def lock(conn: sa.Connection, key: str) -> None:
    """Serialise migrations of one database across processes, until the transaction ends.

    PostgreSQL: a transaction-level advisory lock on a 64-bit hash of ``key``. SQLite: nothing
    to do, the caller's transaction began with ``BEGIN IMMEDIATE`` and so holds the write lock.
    """
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"keyi migrate {key}".encode()).digest()
    conn.execute(
        sa.select(sa.func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True)))
    )


def upgrade(
    conn: sa.Connection,
    chain: Chain,
    *,
    schema: str | None,
    to: str = "head",
    location: Path | None = None,
) -> list[str]:
    """Run the revisions the database lacks, up to ``to``; the revisions applied, in order.

    ``schema`` is the PostgreSQL schema that holds the tables and the version table (None on
    SQLite). ``location`` replaces the chain's directory (tests add a revision of their own).
    The caller owns the transaction and has taken `lock`.
    """
    script = _script(_location(chain, location))
    applied: list[str] = []

    def steps(revision: Any, _context: MigrationContext) -> Any:
        found = script._upgrade_revs(to, revision)
        applied.extend(step.revision.revision for step in found)
        return found

    config = Config()
    config.attributes.update(schema=schema)
    with _running, EnvironmentContext(config, script, fn=steps, destination_rev=to) as env:
        env.configure(
            connection=conn,
            version_table=VERSION_TABLE,
            version_table_schema=schema,
            transactional_ddl=True,
        )
        env.run_migrations()
    return applied


def stamp_head(
    conn: sa.Connection, chain: Chain, *, schema: str | None, location: Path | None = None
) -> None:
    """Record that a database just created from the live definitions is at head."""
    _context(conn, schema).stamp(_script(_location(chain, location)), "head")


# ---------------------------------------------------------------- helpers for revisions
def create_missing(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """Create the tables of ``metadata`` a database lacks, and the columns its tables lack.

    Only for the revisions that adopt databases made before versioning (which may already have
    some of what the revision adds); a later revision states its changes with ``op`` directly.
    """
    metadata.create_all(conn, checkfirst=True)
    add_missing_columns(conn, metadata)


def add_missing_columns(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """Add the columns of ``metadata``'s tables that the database lacks (nullable, or with a
    server default: safe on a table with rows)."""
    inspector = sa.inspect(conn)
    preparer = conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name, schema=table.schema)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable and column.server_default is None:
                raise RuntimeError(f"cannot add {table.name}.{column.name}: no default")
            spec = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {spec}")


def revision_schema() -> str | None:
    """Inside a revision: the PostgreSQL schema being migrated (None on SQLite)."""
    from alembic import context

    schema = context.config.attributes.get("schema")
    return str(schema) if schema is not None else None
