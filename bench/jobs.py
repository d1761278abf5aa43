"""Queue throughput: ``python -m bench.jobs --jobs N --workers W [--concurrency C]``.

Enqueues N trivial jobs (``bench.noop``) into a tenant of its own (PostgreSQL by default,
``--backend sqlite`` for the embedded database), starts W
``keyi worker`` processes (each running C jobs at a time) and waits until every job is done.
Throughput is N over the time between the first and the last job finished (as the database
recorded them, so process start-up is not counted). Then it checks what the budget asks: no job
lost (all done) and none run twice (every job finished on its first attempt, none leased again).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.environment import load_average, machine_info, postgres_url
from bench.harness import RESULTS_DIR
from keyi.platform.jobs import enqueue, job_table
from keyi.platform.jobs.worker import utc_now
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from keyi.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CONTROL_SCHEMA = "keyi_bench_jobs"
TENANT = "benchjobs"


def _platform(data_dir: Path, backend: str, control_schema: str) -> Platform:
    url = postgres_url() if backend == "postgresql" else None
    settings = Settings(data_dir=data_dir, database_url=url, control_schema=control_schema)
    platform = Platform(settings)
    platform.init_control()
    return platform


def _tenant(platform: Platform) -> Any:
    if TENANT in {t.name for t in platform.list_tenants()}:
        return platform.tenant(TENANT)
    return create_tenant(
        platform,
        TENANT,
        admin_email="admin@benchjobs.example",
        admin_password=secrets.token_urlsafe(16),  # nobody signs in: the bench runs jobs
        admin_name="Bench",
    )


def _enqueue(platform: Platform, tenant: Any, count: int) -> None:
    with platform.context(tenant, Actor.system("bench")) as ctx:
        ctx.conn.execute(sa.delete(job_table))
        now = utc_now()
        for i in range(count):
            enqueue(ctx.conn, "bench.noop", {"i": i}, now=now)


def _workers(platform: Platform, workers: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    settings = platform.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    if settings.database_url:
        env["KEYI_DATABASE_URL"] = settings.database_url
    env.update(
        KEYI_DATA_DIR=str(settings.data_dir),
        KEYI_CONTROL_SCHEMA=settings.control_schema,
        KEYI_JOB_MODULES="bench.job_kinds",
        KEYI_JOB_POLL_SECONDS="0.05",
        PYTHONPATH=str(REPO),
    )
    command = [sys.executable, "-c", "from keyi.cli import main; main()", "worker"]
    return [
        subprocess.Popen(  # noqa: S603 - our own CLI
            [*command, "--concurrency", str(concurrency)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]


def run(
    jobs: int,
    workers: int,
    concurrency: int,
    data_dir: Path,
    *,
    backend: str = "postgresql",
    control_schema: str = CONTROL_SCHEMA,
) -> dict[str, Any]:
    platform = _platform(data_dir, backend, control_schema)
    tenant = _tenant(platform)
    _enqueue(platform, tenant, jobs)
    t = job_table
    started = time.monotonic()
    processes = _workers(platform, workers, concurrency)
    try:
        while True:
            with platform.db.tenant_transaction(tenant.location, write=False) as conn:
                done = conn.execute(
                    sa.select(sa.func.count()).where(t.c.status == "done")
                ).scalar_one()
            if done >= jobs or time.monotonic() - started > 600:
                break
            time.sleep(0.2)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        row = conn.execute(
            sa.select(
                sa.func.count().filter(t.c.status == "done"),
                sa.func.count().filter(t.c.attempts != 1),
                sa.func.min(t.c.finished_at),
                sa.func.max(t.c.finished_at),
            )
        ).one()
    done, repeated, first, last = row
    seconds = (last - first).total_seconds() if first and last else float("nan")
    platform.dispose()
    return {
        "backend": backend,
        "jobs": jobs,
        "workers": workers,
        "concurrency": concurrency,
        "done": int(done),
        "lost": jobs - int(done),
        "run_more_than_once": int(repeated),
        "seconds": round(seconds, 2),
        "jobs_per_second": round(jobs / seconds, 1) if seconds else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--data-dir", type=Path, default=RESULTS_DIR / "data" / "jobs")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    result = run(
        args.jobs,
        args.workers,
        args.concurrency,
        args.data_dir / args.backend,
        backend=args.backend,
    )
    result.update(
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_info(),
        load_average=load_average(),
    )
    print(json.dumps(result, indent=2))
    out = RESULTS_DIR / f"jobs-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
