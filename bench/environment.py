"""Where a benchmark runs: the machine, the backend's platform, and the data set's size."""

from __future__ import annotations

import os
import platform as pyplatform
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.settings import Settings

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "synchronous_commit",
    "max_parallel_workers_per_gather",
)


def postgres_url() -> str:
    return (
        os.environ.get("KEYI_BENCH_POSTGRES_URL")
        or os.environ.get("KEYI_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL
    )


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "ram_gb": mem_gb,
        "python": pyplatform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sa.__version__,
        "os": pyplatform.platform(),
    }


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


@dataclass
class Backend:
    """A platform on one backend with its own namespace for benchmark tenants."""

    name: str  # sqlite | postgresql
    platform: Platform
    control_schema: str | None
    temporary: bool

    @classmethod
    def open(cls, name: str, data_dir: Path, *, pg_url: str, pg_schema: str | None) -> Backend:
        if name == "postgresql":
            schema = pg_schema or f"keyi_bench_{uuid.uuid4().hex[:8]}"
            settings = Settings(
                data_dir=data_dir / "postgresql", database_url=pg_url, control_schema=schema
            )
            instance = cls(name, Platform(settings), schema, temporary=pg_schema is None)
        elif name == "sqlite":
            instance = cls(
                name, Platform(Settings(data_dir=data_dir / "sqlite")), None, temporary=False
            )
        else:
            raise ValueError(f"unknown backend {name!r}")
        instance.platform.init_control()
        return instance

    def close(self, *, drop: bool = False) -> None:
        if drop:
            for tenant in self.platform.list_tenants():
                self.platform.drop_tenant(tenant.name)
            if self.name == "postgresql" and self.control_schema:
                with self.platform.db.control.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.control_schema}" CASCADE')
        self.platform.dispose()

    def server_info(self) -> dict[str, Any]:
        if self.name != "postgresql":
            return {"sqlite": sqlite3.sqlite_version}
        with self.platform.db.control.connect() as conn:
            info: dict[str, Any] = {"version": conn.exec_driver_sql("SHOW server_version").scalar()}
            for key in PG_SETTINGS:
                info[key] = conn.exec_driver_sql(f"SHOW {key}").scalar()
        return info

    def analyze(self, tenant: TenantInfo) -> None:
        """Fresh statistics (and, on PostgreSQL, a visibility map) after bulk loading."""
        if self.name == "postgresql":
            engine = self.platform.db.control
            with engine.connect() as conn:
                tables = (
                    conn.execute(
                        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                        {"s": tenant.location},
                    )
                    .scalars()
                    .all()
                )
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as conn:
                for table in tables:
                    conn.exec_driver_sql(f'VACUUM (ANALYZE) "{tenant.location}"."{table}"')
        else:
            with self.platform.db.tenant_transaction(tenant.location) as conn:
                conn.exec_driver_sql("ANALYZE")

    def sizes(self, tenant: TenantInfo, objects: tuple[str, ...]) -> dict[str, Any]:
        rows: dict[str, int] = {}
        with self.platform.db.tenant_transaction(tenant.location, write=False) as conn:
            search_tables = ("keyi_search_token", "keyi_search_document")
            for name in (*objects, *search_tables, "keyi_history", "keyi_outbox"):
                quoted = f'"{name}"'
                rows[name] = int(
                    conn.exec_driver_sql(f"SELECT count(*) FROM {quoted}").scalar_one()
                )
            if self.name == "postgresql":
                size = conn.execute(
                    sa.text(
                        "SELECT sum(pg_total_relation_size(quote_ident(schemaname) || '.' || "
                        "quote_ident(tablename))) FROM pg_tables WHERE schemaname = :s"
                    ),
                    {"s": tenant.location},
                ).scalar_one()
            else:
                size = sum(
                    Path(tenant.location + suffix).stat().st_size
                    for suffix in ("", "-wal")
                    if Path(tenant.location + suffix).exists()
                )
        return {"rows": rows, "bytes": int(size or 0)}
