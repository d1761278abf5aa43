"""The worker: visits every tenant in turn, relays its outbox and runs its due jobs.

``keyi worker --concurrency N`` runs one in its own process (several may share a PostgreSQL
database); ``keyi serve`` runs one in process in the embedded default. A *round* visits each
tenant once, starting one tenant further each round: it relays the tenant's pending outbox
events (:mod:`.relay`) and claims at most ``batch`` of its due jobs, then runs all the round's
jobs on ``concurrency`` threads and waits for them. So a tenant with ten thousand queued jobs
gets ``batch`` of them per round, like every other tenant with work — one company's flood delays
the others by one batch, not by its whole backlog. A round that found nothing waits
``poll_seconds`` before the next.

Each job runs in the tenant's transaction as the system actor ``job:<kind>``: :func:`.queue.hold`
first, then the handler, then :func:`.queue.finish`, committed together (see :mod:`.queue` for
what that guarantees when a worker dies). A failure rolls the job's work back and is recorded
in a transaction of its own (:func:`.queue.fail`).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from keyi.platform.context import TenantInfo
from keyi.platform.jobs import queue
from keyi.platform.jobs.registry import handler_for, import_modules, retry_policy_for
from keyi.platform.jobs.relay import relay_events
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform

__all__ = ["Outcome", "RoundResult", "Worker", "utc_now"]

log = logging.getLogger("keyi.jobs")
TENANTS_REFRESH_SECONDS = 10.0
STANDARD_JOB_MODULES = (
    "keyi.platform.automation.runner",
    "keyi.platform.automation.robots",
    "keyi.platform.automation.schedule",
    "keyi.platform.webhooks.delivery",
    "keyi.platform.approvals.engine",
    "keyi.platform.analytics.subscriptions",
    "keyi.imports.jobs",
)
"""The platform's own job kinds and outbox subscribers, imported by every worker (by name:
they use the records service, which itself enqueues jobs, so a static import would be a
cycle)."""


def utc_now() -> datetime:
    """Naive UTC, as every stored time in Keyi."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Outcome:
    job_id: str
    kind: str
    status: str
    """``done``; ``pending`` (failed, will retry) or ``dead``; ``skipped`` (not ours any more)."""


@dataclass(frozen=True, slots=True)
class RoundResult:
    events: int
    outcomes: tuple[Outcome, ...]

    @property
    def busy(self) -> bool:
        return bool(self.events or self.outcomes)


class UnknownJobKind(Exception):
    """No handler is registered for the job's kind in this worker process."""


class Worker:
    def __init__(
        self,
        platform: Platform,
        *,
        concurrency: int = 1,
        batch: int | None = None,
        lease: timedelta | None = None,
        poll_seconds: float | None = None,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        name: str | None = None,
        tenants: Collection[str] | None = None,
    ) -> None:
        """``tenants`` limits the worker to the tenants of these names (default: all)."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        import_modules(STANDARD_JOB_MODULES)
        settings = platform.settings
        self.platform = platform
        self.concurrency = concurrency
        self.batch = batch or max(4, concurrency)
        self.lease = lease or timedelta(seconds=settings.job_lease_seconds)
        self.poll_seconds = settings.job_poll_seconds if poll_seconds is None else poll_seconds
        self.clock = clock
        self.rng = rng or random.Random()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self) & 0xFFFF:04x}"
        self.only = None if tenants is None else frozenset(tenants)
        self._offset = 0
        self._tenants: list[TenantInfo] = []
        self._tenants_at = float("-inf")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="keyi-job")

    # ------------------------------------------------------------ running
    def run_round(self) -> RoundResult:
        """Visit every tenant once: relay its outbox, claim its due jobs; run them all."""
        tenants = self._tenant_list()
        if not tenants:
            return RoundResult(0, ())
        start = self._offset % len(tenants)
        self._offset += 1
        events = 0
        claimed: list[tuple[TenantInfo, queue.ClaimedJob]] = []
        for tenant in tenants[start:] + tenants[:start]:
            try:
                events += self._relay(tenant)
                claimed += [(tenant, job) for job in self._claim(tenant)]
            except Exception:
                log.exception("worker could not visit tenant", extra={"tenant": tenant.name})
        outcomes = list(self._pool.map(lambda item: self.run_job(*item), claimed))
        return RoundResult(events, tuple(outcomes))

    def run_until_idle(self, *, max_rounds: int = 1000) -> list[Outcome]:
        """Rounds until one finds nothing due (tests, ``keyi worker --once``)."""
        outcomes: list[Outcome] = []
        for _ in range(max_rounds):
            result = self.run_round()
            outcomes += result.outcomes
            if not result.busy:
                break
        return outcomes

    def run_job(self, tenant: TenantInfo, job: queue.ClaimedJob) -> Outcome:
        started = time.perf_counter()
        try:
            with self.platform.context(tenant, Actor.system(f"job:{job.kind}")) as ctx:
                queue.commit_without_waiting(ctx.conn)
                if not queue.hold(ctx.conn, job, self.name, now=self.clock(), lease=self.lease):
                    return Outcome(job.id, job.kind, "skipped")
                handler = handler_for(job.kind)
                if handler is None:
                    raise UnknownJobKind(job.kind)
                handler(ctx, job)
                queue.finish(ctx.conn, job, self.name, now=self.clock())
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            with self.platform.db.tenant_transaction(tenant.location) as conn:
                status = queue.fail(
                    conn,
                    job,
                    self.name,
                    error,
                    now=self.clock(),
                    policy=retry_policy_for(job.kind),
                    rng=self.rng,
                )
            log.warning(
                "job failed",
                exc_info=status == queue.DEAD,
                extra={
                    "tenant": tenant.name,
                    "job_id": job.id,
                    "kind": job.kind,
                    "attempt": job.attempts,
                    "status": status,
                },
            )
            return Outcome(job.id, job.kind, status)
        log.debug(
            "job done",
            extra={
                "tenant": tenant.name,
                "job_id": job.id,
                "kind": job.kind,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return Outcome(job.id, job.kind, queue.DONE)

    # ------------------------------------------------------------ background
    def start(self) -> threading.Thread:
        """Run rounds in a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self.run_forever, name="keyi-worker", daemon=True)
        self._thread.start()
        return self._thread

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_round().busy
            except Exception:
                log.exception("worker round failed")
                busy = False
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def wake(self) -> None:
        """Start the next round now (something was enqueued in this process)."""
        self._wake.set()

    def stop(self, timeout: float | None = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    # ------------------------------------------------------------ per tenant
    def _tenant_list(self) -> list[TenantInfo]:
        if time.monotonic() - self._tenants_at > TENANTS_REFRESH_SECONDS:
            self._tenants = [
                t for t in self.platform.list_tenants() if self.only is None or t.name in self.only
            ]
            self._tenants_at = time.monotonic()
        return self._tenants

    def _relay(self, tenant: TenantInfo) -> int:
        with self.platform.context(tenant, Actor.system("job:relay")) as ctx:
            return relay_events(ctx)

    def _claim(self, tenant: TenantInfo) -> list[queue.ClaimedJob]:
        with self.platform.db.tenant_transaction(tenant.location) as conn:
            queue.commit_without_waiting(conn)
            return queue.claim(
                conn, self.name, now=self.clock(), lease=self.lease, limit=self.batch
            )
