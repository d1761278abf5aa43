"""The worker's `imports.run`: an import started through the API, run as the user who
started it (their record access and field rights decide, row by row).

The run executes in the job's transaction (see :mod:`keyi.imports.runs`); its progress goes to
:mod:`keyi.imports.live` and, on PostgreSQL, through a second connection to the run row, so a
server in another process shows it too. A cancel request is read from both after each chunk.
The job is tried once: a failed import is reported on its run, never silently repeated.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from keyi.imports import live, runs, uploads
from keyi.platform.analytics.readers import as_user
from keyi.platform.context import Context
from keyi.platform.import_tables import run_table
from keyi.platform.jobs import ClaimedJob, enqueue, job_handler

__all__ = ["RUN_JOB", "enqueue_run"]

RUN_JOB = "imports.run"
log = logging.getLogger("keyi.imports")


def enqueue_run(ctx: Context, run_id: str) -> None:
    enqueue(ctx.conn, RUN_JOB, {"run_id": run_id}, now=ctx.now(), max_attempts=1)


@job_handler(RUN_JOB)
def run_import(ctx: Context, job: ClaimedJob) -> None:
    run_id = str(job.payload["run_id"])
    run = ctx.conn.execute(sa.select(run_table).where(run_table.c.id == run_id)).mappings().first()
    if run is None or run["status"] != "queued":
        return  # cancelled before it started, or already run
    upload = (
        ctx.conn.execute(
            sa.select(uploads.upload_table).where(uploads.upload_table.c.id == run["upload_id"])
        )
        .mappings()
        .first()
    )
    side = _SideChannel(ctx, run_id)
    with as_user(ctx, str(run["created_by"])) as acting:
        if not acting or upload is None:
            ctx.conn.execute(
                sa.update(run_table)
                .where(run_table.c.id == run_id)
                .values(
                    status="failed",
                    file_error={"code": "not_found", "params": {}, "message": "", "errors": []},
                    finished_at=ctx.now(),
                )
            )
            return
        try:
            with uploads.materialise(ctx.conn, dict(upload)) as path:
                runs.execute(
                    ctx,
                    run_id,
                    path,
                    on_start=lambda source: side.start(source.total),
                    on_progress=side.progress,
                    cancelled=side.cancelled,
                )
        finally:
            live.finish(run_id)


class _SideChannel:
    """Progress out and cancel requests in while the import's transaction is open."""

    def __init__(self, ctx: Context, run_id: str) -> None:
        self.ctx = ctx
        self.run_id = run_id
        platform = ctx.platform
        self.db = platform.db if platform is not None and platform.db.is_postgres else None

    def start(self, total: int) -> None:
        live.start(self.run_id, total)
        self._write(status="running", total=total, started_at=self.ctx.now())

    def progress(self, now: live.Progress) -> None:
        live.update(self.run_id, now)
        self._write(
            processed=now.processed, created=now.created, updated=now.updated, failed=now.failed
        )

    def cancelled(self) -> bool:
        if live.is_cancelled(self.run_id):
            return True
        if self.db is None:
            return False
        with self.db.tenant_transaction(self.ctx.tenant.location, write=False) as conn:
            return runs.cancel_requested_in_db(conn, self.run_id)

    def _write(self, **values: object) -> None:
        if self.db is None:
            return
        try:
            with self.db.tenant_transaction(self.ctx.tenant.location) as conn:
                conn.execute(
                    sa.update(run_table).where(run_table.c.id == self.run_id).values(values)
                )
        except sa.exc.DBAPIError:
            log.warning("import progress not recorded", extra={"run_id": self.run_id})
