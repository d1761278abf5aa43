"""Engines and connections: one control engine, and per-tenant namespaces.

SQLite (embedded): a file per tenant, WAL mode, and pysqlite's implicit transaction handling
replaced by explicit BEGIN so DDL is transactional like on PostgreSQL.
PostgreSQL: one engine; each tenant is a schema, selected with `SET LOCAL search_path` inside the
transaction, so it reverts by itself at commit or rollback and a pooled connection can never
carry one tenant's path into another tenant's request.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from psycopg.types.string import TextLoader
from sqlalchemy import event

from keyi.platform.jsoncodec import dumps_text

SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _sqlite_engine(path: Path, busy_timeout_ms: int = 30_000) -> sa.Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        pool_size=8,
        max_overflow=8,
        json_serializer=dumps_text,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level; SQLAlchemy's begin event below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        # A pooled connection forgets how it was last used: a transaction writes unless the
        # caller said it only reads (see Databases.control_read).
        record.info["write"] = True

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue instead of deadlocking
        # on a read-to-write upgrade. Reads are served by WAL snapshots either way.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write", True) else "BEGIN")

    return engine


# A pooled connection unused this long is checked before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0


def ping_when_idle(engine: sa.Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Check a pooled connection before use only when it sat idle in the pool.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip before each of the two
    connections a request takes, on a list request a fifth of its round trips. A connection
    that came back to the pool seconds ago is alive as far as anyone can tell; one that sat
    idle (a restarted or failed-over server, a proxy's idle timeout) is pinged, and a dead one
    is replaced transparently (``DisconnectionError`` makes the pool retry with a new
    connection). A server that goes away under steady load is noticed by the failing
    statement instead: its request answers 503 with Retry-After (keyi.api.unavailable) and
    SQLAlchemy drops every connection of the pool made before the failure.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure to answer means: not this connection
            raise sa.exc.DisconnectionError() from exc


def _uuids_as_text(dbapi_connection: Any, _record: Any) -> None:
    """Read uuid columns as their text: every id Keyi handles is a string (``Uuid(as_uuid=
    False)``), and psycopg's default loader builds a ``uuid.UUID`` that is turned straight back
    into text — about a microsecond per value, some 250 per list page."""
    dbapi_connection.adapters.register_loader("uuid", TextLoader)


class Databases:
    """Owns every engine of one Keyi installation."""

    def __init__(
        self, *, data_dir: Path, database_url: str | None, busy_timeout_ms: int = 30_000
    ) -> None:
        self.data_dir = data_dir
        self.busy_timeout_ms = busy_timeout_ms
        self.database_url = database_url
        self._lock = threading.Lock()
        self._tenant_engines: dict[str, sa.Engine] = {}
        if database_url:
            self.control = sa.create_engine(
                database_url,
                pool_size=10,
                max_overflow=10,
                # JSON columns (history, outbox, idempotency answers) keep decimals exact.
                json_serializer=dumps_text,
            )
            ping_when_idle(self.control)
            event.listen(self.control, "connect", _uuids_as_text)
        else:
            self.control = _sqlite_engine(data_dir / "control.sqlite", busy_timeout_ms)

    @property
    def is_postgres(self) -> bool:
        return self.control.dialect.name == "postgresql"

    @contextmanager
    def control_read(self) -> Iterator[sa.Connection]:
        """A read-only control connection: on SQLite a plain BEGIN (a WAL snapshot), so the
        session lookup of every request does not queue behind sign-ins for the write lock; on
        PostgreSQL in autocommit, for callers that read with one statement (the session lookup
        of every request): no BEGIN and ROLLBACK, two of its four round trips."""
        with self.control.connect() as conn:
            if self.is_postgres:
                conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.info["write"] = False
            yield conn

    def tenant_location(self, tenant_id: str) -> str:
        """Schema name (PostgreSQL) or file path (SQLite) for a new tenant."""
        if self.is_postgres:
            return "t_" + tenant_id.replace("-", "")[:24]
        return str(self.data_dir / "tenants" / f"{tenant_id}.sqlite")

    def tenant_schema(self, location: str) -> str | None:
        """The PostgreSQL schema of a tenant (its location), or None for a SQLite file."""
        return location if self.is_postgres else None

    def engine_for(self, location: str) -> sa.Engine:
        if self.is_postgres:
            return self.control
        with self._lock:
            engine = self._tenant_engines.get(location)
            if engine is None:
                engine = _sqlite_engine(Path(location), self.busy_timeout_ms)
                self._tenant_engines[location] = engine
            return engine

    @contextmanager
    def tenant_transaction(
        self, location: str, *, write: bool = True, set_path: bool = True
    ) -> Iterator[sa.Connection]:
        """A connection in a transaction in the tenant's namespace; commits on success.

        ``set_path=False`` leaves setting the PostgreSQL search path to the caller, who must do
        it before any statement on the tenant's tables (keyi.platform.metadata.store.SchemaCache
        folds it into the revision check every request makes first)."""
        engine = self.engine_for(location)
        with engine.connect() as conn:
            conn.info["write"] = write
            with conn.begin():
                if self.is_postgres:
                    if not SCHEMA_RE.match(location):
                        raise ValueError("invalid tenant schema")
                    if set_path:
                        conn.exec_driver_sql(f'SET LOCAL search_path TO "{location}"')
                yield conn

    def create_namespace(self, location: str) -> None:
        if self.is_postgres:
            if not SCHEMA_RE.match(location):
                raise ValueError("invalid tenant schema")
            with self.control.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{location}"')
        else:
            Path(location).parent.mkdir(parents=True, exist_ok=True)

    def drop_namespace(self, location: str) -> None:
        if self.is_postgres:
            if not SCHEMA_RE.match(location):
                raise ValueError("invalid tenant schema")
            with self.control.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{location}" CASCADE')
        else:
            with self._lock:
                engine = self._tenant_engines.pop(location, None)
            if engine is not None:
                engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(location + suffix).unlink(missing_ok=True)

    def dispose(self) -> None:
        with self._lock:
            for engine in self._tenant_engines.values():
                engine.dispose()
            self._tenant_engines.clear()
        self.control.dispose()
