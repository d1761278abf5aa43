"""The job table: one per tenant, beside the records its jobs change.

Why in the tenant's namespace rather than one queue in the control database: a job whose effect
is ours (a field update, a created task, a notification row) commits that effect and its own
completion in **one transaction** — on SQLite too, where the control database is another file.
So a worker killed in the middle of a job leaves neither half: the effect rolls back with the
completion and the job runs again. Fairness between tenants comes from the worker visiting
tenants in turn (:mod:`.worker`), not from one shared ordering.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["JOB_TABLE_NAME", "job_table"]

JOB_TABLE_NAME = "keyi_job"

job_table = sa.Table(
    JOB_TABLE_NAME,
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    # pending (waiting or retrying, see run_at), done, dead (out of attempts; retried by hand)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("run_at", sa.DateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    # The worker holding the job and until when: a lease, so a crashed worker's job is retried.
    sa.Column("locked_by", sa.String(64), nullable=True),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    # Enqueueing the same key twice keeps one job: handlers that enqueue stay idempotent.
    sa.Column("dedupe_key", sa.String(255), nullable=True, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Index(
        "ix_keyi_job_due",
        "run_at",
        "id",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_keyi_job_status", "status", "id"),
)
