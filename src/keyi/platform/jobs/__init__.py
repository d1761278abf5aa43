"""Durable jobs: a queue per tenant, a worker that serves every tenant, the outbox relay.

:mod:`.queue` (enqueue, claim, finish, fail, retry), :mod:`.worker` (rounds over tenants),
:mod:`.relay` (outbox events to subscribers), :mod:`.registry` (job kinds and handlers),
:mod:`.table` (the table, in each tenant's namespace). See docs/architecture.md, "Jobs".
"""

from keyi.platform.jobs.queue import (
    DEAD,
    DONE,
    PENDING,
    ClaimedJob,
    RetryPolicy,
    enqueue,
    retry,
)
from keyi.platform.jobs.registry import import_modules, job_handler, registered_kinds
from keyi.platform.jobs.relay import OutboxEvent, subscribe
from keyi.platform.jobs.table import job_table

__all__ = [
    "DEAD",
    "DONE",
    "PENDING",
    "ClaimedJob",
    "OutboxEvent",
    "RetryPolicy",
    "enqueue",
    "import_modules",
    "job_handler",
    "job_table",
    "registered_kinds",
    "retry",
    "subscribe",
]
