"""Job kinds and their handlers.

Packages and platform modules register the kinds they enqueue at import time; a worker runs a
job by calling its kind's handler inside the tenant's transaction, as the named system actor
``job:<kind>``. A handler must be idempotent for effects outside that transaction (an HTTP call,
an email): the job may run again if the worker dies after the effect and before the commit.
Extension modules named in ``KEYI_JOB_MODULES`` are imported by workers to add kinds.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from keyi.platform.jobs.queue import DEFAULT_RETRY, RetryPolicy

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.jobs.queue import ClaimedJob

__all__ = [
    "Handler",
    "handler_for",
    "import_modules",
    "job_handler",
    "registered_kinds",
    "retry_policy_for",
]

Handler = Callable[["Context", "ClaimedJob"], None]
_HANDLERS: dict[str, Handler] = {}
_POLICIES: dict[str, RetryPolicy] = {}


def job_handler(kind: str, *, retry: RetryPolicy = DEFAULT_RETRY) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``kind`` (one handler per kind),
    with the schedule its failed jobs are retried on."""

    def register(func: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not func:
            raise ValueError(f"job kind {kind!r} already has a handler")
        _HANDLERS[kind] = func
        _POLICIES[kind] = retry
        return func

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def retry_policy_for(kind: str) -> RetryPolicy:
    return _POLICIES.get(kind, DEFAULT_RETRY)


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


def import_modules(names: Iterable[str]) -> None:
    """Import extension modules so that their ``@job_handler`` registrations run."""
    for name in names:
        importlib.import_module(name)
