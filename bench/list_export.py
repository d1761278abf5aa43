"""A list view's export, rows per second: ``python -m bench.list_export --tenant T``.

Exports every account of a seeded tenant (``python -m bench --accounts N``) with the list's
default columns — what ``GET /records/account/export?format=csv|xlsx`` streams — as the tenant's
administrator, through the platform (keyi.platform.export / keyi.platform.export_xlsx: pages
of 500 records by keyset cursor in short transactions, cells converted, the file written), and
reports seconds, rows per second, size and the process's peak memory per format. The file's
chunks are counted and thrown away: the HTTP layer only passes them on.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bench.environment import Backend, load_average, postgres_url
from bench.harness import RESULTS_DIR, platform_users
from bench.operations import act_as_user
from keyi.demo.seed import email_domain
from keyi.platform import export
from keyi.platform import export_xlsx as xlsx_export
from keyi.platform.context import Context, TenantInfo
from keyi.platform.export_xlsx import export_xlsx
from keyi.platform.permissions import Actor
from keyi.platform.query.listing import QuerySpec


def export_once(
    backend: Backend, tenant: TenantInfo, actor: Actor, fmt: str, object_name: str
) -> tuple[float, float, int]:
    """(seconds, this process's CPU seconds, bytes) of one export of every record of
    ``object_name`` (at most ``export.MAX_ROWS``). CPU seconds say what the export costs
    when the machine is shared: on a loaded machine the wall time mostly measures waiting."""

    @contextmanager
    def reader() -> Iterator[Context]:
        with backend.platform.context(tenant, actor, write=False) as ctx:
            act_as_user(ctx, actor)
            yield ctx

    started, cpu = time.perf_counter(), time.process_time()
    spec = QuerySpec()
    if fmt == "csv":
        size = sum(len(chunk.encode()) for chunk in export.export_csv(reader, object_name, spec))
    else:
        size = sum(len(chunk) for chunk in export_xlsx(reader, object_name, spec, object_name))
    return time.perf_counter() - started, time.process_time() - cpu, size


def count(backend: Backend, tenant: TenantInfo, object_name: str) -> int:
    with backend.platform.db.tenant_transaction(tenant.location, write=False) as conn:
        table = sa.table(object_name, sa.column("deleted_at"))
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.deleted_at.is_(None))
            ).scalar_one()
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.list_export", description=__doc__)
    parser.add_argument("--tenant", required=True, help="e.g. bench500000marketing")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--data-dir", type=Path, default=RESULTS_DIR / "data")
    parser.add_argument("--pg-schema", default="keyi_bench")
    parser.add_argument("--object", default="account")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--rows", type=int, default=export.MAX_ROWS, help="at most this many")
    args = parser.parse_args()
    backend = Backend.open(
        args.backend, args.data_dir, pg_url=postgres_url(), pg_schema=args.pg_schema
    )
    try:
        tenant = backend.platform.tenant(args.tenant)
        admin_id, admin_name = platform_users(backend, tenant)[f"admin@{email_domain(tenant.name)}"]
        actor = Actor(id=admin_id, name=admin_name, is_admin=True)
        rows = min(count(backend, tenant, args.object), args.rows)
        # The exports' own cap, as a smaller one.
        export.MAX_ROWS = xlsx_export.MAX_ROWS = args.rows
        for fmt in args.formats.split(","):
            seconds, cpu, size = export_once(backend, tenant, actor, fmt, args.object)
            print(
                {
                    "format": fmt,
                    "rows": rows,
                    "seconds": round(seconds, 1),
                    "rows_per_second": round(rows / seconds),
                    "cpu_seconds": round(cpu, 1),
                    "megabytes": round(size / 1e6, 1),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                    "load_average": load_average(),
                },
                flush=True,
            )
    finally:
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
