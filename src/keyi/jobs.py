"""Scheduled jobs, run for every tenant: in the server process (embedded) or by `keyi jobs run`.

Each job runs per tenant in its own transaction as a named system actor, so one tenant's
failure neither blocks nor rolls back another's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from keyi.packages import register_all_hooks
from keyi.platform import outbox, periodic, pools
from keyi.platform.analytics import alerts, refresh, subscriptions
from keyi.platform.automation import schedule
from keyi.platform.context import Context
from keyi.platform.jobs import queue
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from keyi.settings import Settings

log = logging.getLogger("keyi.jobs")


def jobs(settings: Settings) -> dict[str, Callable[[Context], int]]:
    """The jobs by name, configured from ``settings``, then the packages' periodic jobs."""
    register_all_hooks()  # the packages' modules register their periodic jobs on import
    return {
        **periodic.registry.jobs(),
        "pool_return": pools.return_stale,
        "outbox_prune": partial(
            outbox.prune_delivered, retention=timedelta(days=settings.outbox_retention_days)
        ),
        "job_prune": partial(_prune_jobs, retention=timedelta(days=settings.job_retention_days)),
        "flow_schedules": schedule.ensure_scheduled,
        "report_alerts": alerts.run_due_alerts,
        "report_subscriptions": subscriptions.run_due_subscriptions,
        "dashboard_answers": refresh.refresh_kept_answers,
    }


def _prune_jobs(ctx: Context, *, retention: timedelta) -> int:
    return queue.prune_finished(ctx.conn, before=ctx.now() - retention)


def run_all(platform: Platform) -> dict[str, int]:
    """Run every job once for every tenant; returns how many records each job touched."""
    configured = jobs(platform.settings)
    totals = dict.fromkeys(configured, 0)
    for tenant in platform.list_tenants():
        for name, job in configured.items():
            try:
                with platform.context(tenant, Actor.system(f"job:{name}")) as ctx:
                    totals[name] += job(ctx)
            except Exception:
                log.exception("job failed", extra={"job": name, "tenant": tenant.name})
    return totals


class Scheduler:
    """Runs the jobs every `interval` seconds in a daemon thread (embedded single-process mode)."""

    def __init__(self, platform: Platform, interval: float = 600) -> None:
        self.platform = platform
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="keyi-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            run_all(self.platform)
