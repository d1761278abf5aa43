"""Backup and restore time for a tenant of N accounts (keyi.platform.backup).

``python -m bench.backup --accounts 100000 [--base 2000] [--pg-schema keyi_bench_backup]``

The source tenant is the read benchmarks' lean tenant (``bench<N>``: ``--base`` demo accounts
with their records, then copies of the accounts and opportunities up to N by set-based SQL;
see bench.scale), on PostgreSQL. Measured, each from a cold process's point of view:

1. backup of the PostgreSQL tenant to an archive;
2. restore of the archive into a fresh PostgreSQL control schema (same kind of database: the
   archived search index is loaded);
3. restore of the same archive into an embedded SQLite installation (a move between
   databases: the search index is rebuilt from the records, the slow part);
4. backup of that SQLite tenant;
5. restore of the SQLite archive beside it (``--as copy``, same kind of database);
6. restore of the SQLite archive into PostgreSQL (``--as moved``: the move from the embedded
   database, SQLite's search tokens converted into PostgreSQL's documents by the server).

The budget (issue 17: < 5 minutes each for 1M accounts) applies to 1, 2, 4, 5 and 6.

Rows per second and the time extrapolated linearly to 1M accounts are printed and written
to bench/results/backup-<N>.json. The restored tenants are dropped at the end (the source stays
for the next run, so a second run skips the seeding).
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.environment import Backend, load_average, machine_info, postgres_url
from bench.harness import RESULTS_DIR
from bench.scale import ensure_scaled
from keyi.cli_backup import upgrade_restored
from keyi.platform.backup import backup_tenant, restore_tenant

BUDGET_SECONDS = 300.0  # issue 17: backup and restore of a 1M-account tenant < 5 minutes each


def _timed(label: str, run: Callable[[], Any], rows: int, accounts: int) -> dict[str, Any]:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    per_million = seconds * 1_000_000 / accounts
    print(
        f"{label}: {seconds:,.1f} s, {rows / seconds:,.0f} rows/s; "
        f"extrapolated to 1M accounts {per_million:,.0f} s "
        f"({'within' if per_million < BUDGET_SECONDS else 'OVER'} the 300 s budget)"
    )
    return {
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "seconds_per_1m_accounts": round(per_million, 1),
        "result": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=2_000, help="accounts seeded by the demo")
    parser.add_argument("--pg-schema", default="keyi_bench_backup")
    parser.add_argument("--keep", action="store_true", help="keep the archive and SQLite copy")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("keyi.platform.backup").setLevel(logging.INFO)

    work = Path(tempfile.mkdtemp(prefix="keyi-bench-backup-"))
    source = Backend.open(
        "postgresql", RESULTS_DIR / "data", pg_url=postgres_url(), pg_schema=args.pg_schema
    )
    target_pg = Backend.open("postgresql", work, pg_url=postgres_url(), pg_schema=None)
    target_sqlite = Backend.open("sqlite", work, pg_url=postgres_url(), pg_schema=None)
    results: dict[str, Any] = {
        "accounts": args.accounts,
        "machine": machine_info(),
        "load_before": load_average(),
    }
    try:
        tenant = ensure_scaled(source, args.accounts, args.base, "lean")
        archive = work / "tenant.zip"
        n = args.accounts

        backup = _timed(
            "backup (PostgreSQL)",
            lambda: backup_tenant(source.platform, tenant.name, archive).rows,
            0,
            n,
        )
        rows = int(backup["result"])
        backup["rows_per_second"] = round(rows / backup["seconds"])
        results["rows"] = rows
        results["archive_bytes"] = archive.stat().st_size
        print(f"archive: {rows:,} rows, {archive.stat().st_size / 1e6:,.1f} MB")
        results["backup_postgresql"] = backup
        results["restore_postgresql"] = _timed(
            "restore (PostgreSQL)",
            lambda: restore_tenant(target_pg.platform, archive, upgrade=upgrade_restored).rows,
            rows,
            n,
        )
        results["restore_postgresql_to_sqlite"] = _timed(
            "restore PostgreSQL archive into SQLite (a move: search index rebuilt)",
            lambda: restore_tenant(target_sqlite.platform, archive, upgrade=upgrade_restored).rows,
            rows,
            n,
        )
        second = work / "from-sqlite.zip"
        results["backup_sqlite"] = _timed(
            "backup (SQLite)",
            lambda: backup_tenant(target_sqlite.platform, tenant.name, second).rows,
            rows,
            n,
        )
        results["restore_sqlite"] = _timed(
            "restore (SQLite)",
            lambda: (
                restore_tenant(
                    target_sqlite.platform, second, as_name="copy", upgrade=upgrade_restored
                ).rows
            ),
            rows,
            n,
        )
        results["restore_sqlite_to_postgresql"] = _timed(
            "restore SQLite archive into PostgreSQL (a move: tokens converted to documents)",
            lambda: (
                restore_tenant(
                    target_pg.platform, second, as_name="moved", upgrade=upgrade_restored
                ).rows
            ),
            rows,
            n,
        )
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        results["load_after"] = load_average()
        print(f"peak RSS {results['peak_rss_mb']} MB; load {results['load_after']}")
    finally:
        target_pg.close(drop=True)
        target_sqlite.close(drop=not args.keep)
        source.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    out = RESULTS_DIR / f"backup-{args.accounts}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results in {out}")


if __name__ == "__main__":
    main()
