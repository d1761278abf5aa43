"""Setup › Jobs: what the queue holds, for the people who administer the company.

Dead jobs are the ones someone has to look at (out of attempts: an endpoint gone, a bug, bad
configuration); retrying gives them a new round of attempts and is audited. Only those who may
manage the configuration (``can_manage_metadata``) see the queue: a job's payload and error can
name records and addresses.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import is_id
from keyi.platform.jobs import queue
from keyi.platform.jobs.table import job_table

__all__ = ["STATUSES", "list_jobs", "retry_job"]

STATUSES = (queue.PENDING, queue.DONE, queue.DEAD)
_COLUMNS = (
    "id",
    "kind",
    "status",
    "attempts",
    "max_attempts",
    "run_at",
    "created_at",
    "finished_at",
    "last_error",
    "payload",
)


def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def list_jobs(
    ctx: Context, *, status: str | None = None, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """Newest first, optionally of one status; with the count of each status."""
    _authorise(ctx)
    if status is not None and status not in STATUSES:
        raise ValidationFailed([FieldError("status", "invalid_option", {"value": status})])
    if cursor is not None and not is_id(cursor):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")])
    t = job_table
    stmt = sa.select(*(t.c[name] for name in _COLUMNS)).order_by(t.c.id.desc()).limit(limit + 1)
    if status is not None:
        stmt = stmt.where(t.c.status == status)
    if cursor is not None:
        stmt = stmt.where(t.c.id < cursor)
    rows = ctx.conn.execute(stmt).mappings().all()
    jobs = [_job_json(row) for row in rows[:limit]]
    counts = dict.fromkeys(STATUSES, 0)
    for name, count in ctx.conn.execute(
        sa.select(t.c.status, sa.func.count()).group_by(t.c.status)
    ):
        counts[name] = int(count)
    return {
        "jobs": jobs,
        "counts": counts,
        "next_cursor": jobs[-1]["id"] if len(rows) > limit else None,
    }


def retry_job(ctx: Context, job_id: str) -> dict[str, Any]:
    """Retry a dead job now: 404 if there is no such job, 409 if it is not dead."""
    _authorise(ctx)
    if not is_id(job_id):
        raise NotFound()
    t = job_table
    row = ctx.conn.execute(sa.select(t.c.status, t.c.kind).where(t.c.id == job_id)).first()
    if row is None:
        raise NotFound()
    if row.status != queue.DEAD:
        raise Conflict("job_not_dead")
    queue.retry(ctx.conn, [job_id], now=ctx.now())
    ctx.audit("job.retry", job_id=job_id, kind=row.kind)
    found = ctx.conn.execute(sa.select(*(t.c[n] for n in _COLUMNS)).where(t.c.id == job_id))
    return _job_json(found.mappings().one())


def _job_json(row: Any) -> dict[str, Any]:
    job = dict(row)
    job["id"] = str(job["id"])
    for name in ("run_at", "created_at", "finished_at"):
        job[name] = datetime_json(job[name])
    return job
