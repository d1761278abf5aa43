"""Enqueue, claim, finish and retry jobs: the SQL of the durable queue (see :mod:`.table`).

A job's life: ``enqueue`` (in the caller's transaction, so a rolled-back write enqueues nothing)
→ ``claim`` (a short committed transaction: the job is leased to one worker and its attempt
counted) → the worker runs the handler in the tenant's transaction, which begins with
:func:`hold` and ends with :func:`finish` — the handler's effect and the job's completion commit
together → on an error, :func:`fail` schedules the next attempt with exponential backoff and full
jitter, or moves the job to ``dead`` after its last attempt, where an administrator sees it and
may :func:`retry` it.

Claiming skips jobs another worker holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has
one writer at a time anyway) and jobs whose lease has not run out. A worker killed in the middle
of a job never commits it: its transaction rolls back, and once the lease runs out the job is
claimed again — its attempt was counted, so a job that kills its worker every time ends dead
instead of looping. If a lease runs out while its worker is still busy (a job longer than the
lease), the second worker's :func:`hold` waits for the first one's row lock and then finds the
job done or no longer its own, and skips it: two workers never both commit one job.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from keyi.platform.ids import new_id
from keyi.platform.jobs.table import job_table

__all__ = [
    "DEAD",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_RETRY",
    "DONE",
    "PENDING",
    "ClaimedJob",
    "RetryPolicy",
    "claim",
    "commit_without_waiting",
    "enqueue",
    "fail",
    "finish",
    "hold",
    "prune_finished",
    "retry",
]

PENDING, DONE, DEAD = "pending", "done", "dead"
DEFAULT_MAX_ATTEMPTS = 8
"""With the default policy, eight attempts span about an hour and a half before a job is dead."""
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a failed job is tried again: after attempt *n*, a uniform draw in
    ``[0, min(cap, first × factor^(n-1))]`` ("full jitter": jobs that failed together, say
    against an endpoint that was down, come back spread out instead of in a wave), at least
    one second. A kind registers its own (:func:`keyi.platform.jobs.registry.job_handler`)."""

    first: timedelta = timedelta(seconds=10)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        # In float seconds, the exponent bounded: a large attempt number cannot overflow.
        growth = self.factor ** min(max(0, attempt - 1), 64)
        ceiling = min(self.cap.total_seconds(), self.first.total_seconds() * growth)
        return max(timedelta(seconds=1), timedelta(seconds=ceiling * (rng or random).random()))


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job leased to a worker: what its handler gets."""

    id: str
    kind: str
    payload: Mapping[str, Any]
    attempts: int
    """This attempt's number, counting from 1."""
    max_attempts: int


def enqueue(
    conn: sa.Connection,
    kind: str,
    payload: Mapping[str, Any],
    *,
    now: datetime,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> str | None:
    """Add a job in the caller's transaction; its id, or ``None`` when ``dedupe_key`` is
    already queued (a job is enqueued once per key, however often its cause is seen)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    job_id = new_id()
    values = {
        "id": job_id,
        "kind": kind,
        "payload": dict(payload),
        "status": PENDING,
        "run_at": run_at or now,
        "attempts": 0,
        "max_attempts": max_attempts,
        "dedupe_key": dedupe_key,
        "created_at": now,
    }
    if dedupe_key is None:
        conn.execute(sa.insert(job_table).values(values))
        return job_id
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(job_table)
    stmt = (
        insert.values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(job_table.c.id)
    )
    return job_id if conn.execute(stmt).first() is not None else None


def claim(
    conn: sa.Connection, worker: str, *, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedJob]:
    """Lease up to ``limit`` due jobs (oldest due first) to ``worker`` and count their attempt.

    The caller commits right away: the lease, not a held transaction, is what keeps the job
    from other workers until :func:`hold` takes its row."""
    t = job_table
    due = (
        sa.select(t.c.id)
        .where(
            t.c.status == PENDING,
            t.c.run_at <= now,
            sa.or_(t.c.locked_until.is_(None), t.c.locked_until < now),
        )
        .order_by(t.c.run_at, t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(t)
        .where(t.c.id.in_(due.scalar_subquery()))
        .values(locked_by=worker, locked_until=now + lease, attempts=t.c.attempts + 1)
        .returning(t.c.id, t.c.kind, t.c.payload, t.c.attempts, t.c.max_attempts)
    )
    jobs = [ClaimedJob(str(i), k, p or {}, a, m) for i, k, p, a, m in conn.execute(stmt)]
    jobs.sort(key=lambda job: job.id)
    return jobs


_ASYNC_COMMIT = sa.select(sa.func.set_config("synchronous_commit", "off", True))


def commit_without_waiting(conn: sa.Connection) -> None:
    """PostgreSQL: this transaction's commit does not wait for its WAL to reach the disk.

    Safe for a job's transaction because its effect and its completion are one transaction:
    a database crash can lose the last fraction of a second of finished jobs only together
    with their effects, and those jobs run again (a claim lost the same way only makes its job
    claimable again). Anything a user saw and acted on is durable: their own, synchronous,
    commit flushes the log up to it. Measured: trivial jobs 506 → 709 per second with two
    threads (keyi.platform.jobs benchmark in docs/benchmarks.md)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_ASYNC_COMMIT)


def hold(
    conn: sa.Connection, job: ClaimedJob, worker: str, *, now: datetime, lease: timedelta
) -> bool:
    """First statement of the transaction that runs ``job``: take its row (PostgreSQL waits for
    a worker still running it) and renew the lease; ``False`` if the job is no longer this
    worker's to run (done, dead, or leased again after this worker's lease ran out)."""
    t = job_table
    renewed = conn.execute(
        sa.update(t)
        .where(t.c.id == job.id, t.c.locked_by == worker, t.c.status == PENDING)
        .values(locked_until=now + lease)
    )
    return renewed.rowcount == 1


def finish(conn: sa.Connection, job: ClaimedJob, worker: str, *, now: datetime) -> None:
    """Mark ``job`` done, in the transaction that holds its effect."""
    t = job_table
    conn.execute(
        sa.update(t)
        .where(t.c.id == job.id, t.c.locked_by == worker)
        .values(status=DONE, finished_at=now, locked_by=None, locked_until=None, last_error=None)
    )


def fail(
    conn: sa.Connection,
    job: ClaimedJob,
    worker: str,
    error: str,
    *,
    now: datetime,
    policy: RetryPolicy = DEFAULT_RETRY,
    rng: random.Random | None = None,
) -> str:
    """Record a failed attempt (in a transaction of its own, after the job's rolled back):
    back to ``pending`` for later, or ``dead`` when it was the last attempt. The new status."""
    t = job_table
    dead = job.attempts >= job.max_attempts
    values: dict[str, Any] = {
        "locked_by": None,
        "locked_until": None,
        "last_error": error[:MAX_ERROR_CHARS],
    }
    if dead:
        values.update(status=DEAD, finished_at=now)
    else:
        values.update(run_at=now + policy.delay(job.attempts, rng))
    conn.execute(
        sa.update(t)
        .where(t.c.id == job.id, t.c.locked_by == worker, t.c.status == PENDING)
        .values(values)
    )
    return DEAD if dead else PENDING


def retry(conn: sa.Connection, job_ids: Sequence[str], *, now: datetime) -> int:
    """Give dead jobs a new round of attempts, due now (what Setup › Jobs "Retry" does)."""
    if not job_ids:
        return 0
    t = job_table
    result = conn.execute(
        sa.update(t)
        .where(t.c.id.in_(list(job_ids)), t.c.status == DEAD)
        .values(status=PENDING, attempts=0, run_at=now, finished_at=None)
    )
    return result.rowcount


def prune_finished(conn: sa.Connection, *, before: datetime, batch: int = 5000) -> int:
    """Delete done jobs finished before ``before``, in batches; dead ones stay until retried or
    deleted by hand, since nobody has dealt with them yet."""
    t = job_table
    deleted = 0
    while True:
        ids = (
            sa.select(t.c.id)
            .where(t.c.status == DONE, t.c.finished_at < before)
            .order_by(t.c.id)
            .limit(batch)
            .scalar_subquery()
        )
        count = conn.execute(sa.delete(t).where(t.c.id.in_(ids))).rowcount
        deleted += count
        if count < batch:
            return deleted
