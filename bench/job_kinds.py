"""Job kinds for the queue benchmark (imported by its workers through KEYI_JOB_MODULES)."""

from __future__ import annotations

from keyi.platform.context import Context
from keyi.platform.jobs import ClaimedJob, job_handler


@job_handler("bench.noop")
def noop(ctx: Context, job: ClaimedJob) -> None:
    """A trivial job: what the queue itself costs (claim, hold, finish, commit)."""
