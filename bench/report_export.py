"""A tabular report's export, rows per second: ``python -m bench.report_export --tenant T``.

Exports every opportunity of the benchmark's seeded tenant (``python -m bench --accounts N``)
as a tabular report with all its default columns and the count and sum of amount under them —
what `POST /reports/export?format=xlsx` streams — as the tenant's administrator, through the
platform (``keyi.platform.analytics.export``: pages of records read in short transactions,
cells in the reader's language, the file written), and reports rows per second per format.
The file is read to the end and thrown away: the HTTP layer only passes its chunks on.

``--profile`` prints cProfile's top functions of one export (run it with few ``--rows``).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.environment import Backend, load_average, postgres_url
from bench.harness import RESULTS_DIR, platform_users
from bench.operations import act_as_user
from keyi.demo.seed import email_domain
from keyi.platform.analytics import export
from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.context import Context, TenantInfo
from keyi.platform.permissions import Actor

REPORT = {
    "object": "opportunity",
    "type": "tabular",
    "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
}


def export_once(
    backend: Backend, tenant: TenantInfo, actor: Actor, fmt: Any, rows: int
) -> tuple[float, int, int]:
    """(seconds, rows written, bytes) of one export of at most ``rows`` records."""

    @contextmanager
    def reader() -> Iterator[Context]:
        with backend.platform.context(tenant, actor, write=False) as ctx:
            act_as_user(ctx, actor)
            yield ctx

    limit = export.MAX_ROWS
    export.MAX_ROWS = rows  # the export's own cap, as a smaller one
    try:
        started = time.perf_counter()
        with reader() as ctx:
            sheet = export.prepare(
                ctx,
                ReportSpec.from_json(REPORT),
                title="Opportunities",
                saved=False,
                open_context=reader,
                fmt=fmt,
            )
        written = 0

        def counting(source: Iterable[export.Row]) -> Iterator[export.Row]:
            nonlocal written
            for row in source:
                written += row.style == "data"
                yield row

        sheet.rows = counting(sheet.rows)
        size = sum(len(chunk) for chunk in export.stream(sheet, fmt))
        return time.perf_counter() - started, written, size
    finally:
        export.MAX_ROWS = limit


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_export", description=__doc__)
    parser.add_argument("--tenant", required=True, help="e.g. bench100000")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--data-dir", type=Path, default=RESULTS_DIR / "data")
    parser.add_argument("--pg-schema", default="keyi_bench")
    parser.add_argument("--rows", type=int, default=200_000, help="at most this many records")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    backend = Backend.open(
        args.backend, args.data_dir, pg_url=postgres_url(), pg_schema=args.pg_schema
    )
    try:
        tenant = backend.platform.tenant(args.tenant)
        admin_id, admin_name = platform_users(backend, tenant)[f"admin@{email_domain(tenant.name)}"]
        actor = Actor(id=admin_id, name=admin_name, is_admin=True)
        for fmt in args.formats.split(","):
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(export_once, backend, tenant, actor, fmt, args.rows)
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
                continue
            measured = [
                export_once(backend, tenant, actor, fmt, args.rows) for _ in range(args.runs)
            ]
            seconds = statistics.median(m[0] for m in measured)
            rows, size = measured[0][1], measured[0][2]
            print(
                {
                    "format": fmt,
                    "rows": rows,
                    "seconds_p50": round(seconds, 2),
                    "rows_per_second": round(rows / seconds),
                    "megabytes": round(size / 1e6, 1),
                    "runs": args.runs,
                    "load_average": load_average(),
                }
            )
    finally:
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
