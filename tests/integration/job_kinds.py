"""Job kinds for the job tests, importable by a worker process (KEYI_JOB_MODULES)."""

from __future__ import annotations

import time
from pathlib import Path

from keyi.platform.context import Context
from keyi.platform.jobs import ClaimedJob, job_handler
from keyi.platform.records import RecordsService


@job_handler("test.create_account")
def create_account(ctx: Context, job: ClaimedJob) -> None:
    """Create an account named by the payload; on the attempt named ``hang_on_attempt``, write
    the ``started`` marker file after the effect and hang (to be killed before it commits)."""
    RecordsService(ctx).create("account", {"name": job.payload["name"]})
    if job.payload.get("hang_on_attempt") == job.attempts:
        Path(job.payload["started"]).write_text(job.id)
        time.sleep(120)


@job_handler("test.flaky")
def flaky(ctx: Context, job: ClaimedJob) -> None:
    """Create an account, then fail until attempt ``succeed_on`` (the account rolls back)."""
    RecordsService(ctx).create("account", {"name": f"{job.payload['name']} #{job.attempts}"})
    if job.attempts < job.payload.get("succeed_on", 10**6):
        raise RuntimeError(f"attempt {job.attempts} fails")


@job_handler("test.noop")
def noop(ctx: Context, job: ClaimedJob) -> None:
    """Nothing: queue throughput and fairness."""
