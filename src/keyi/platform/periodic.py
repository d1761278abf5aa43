"""Periodic jobs that packages contribute (a daily sweep of overdue plans, expiring contracts).

The scheduler (keyi.jobs) runs every job in every tenant at each round, each in its own
transaction as the system actor ``job:<name>``. A package's job runs only for tenants that
installed the package, like its hooks. Rounds come every few minutes, so a job must be
idempotent: it acts on what is due as of ``ctx.today()`` and deduplicates what it tells people
(notifications carry a dedupe key), which is what makes a "daily" job correct however often it
runs and whenever a missed day is caught up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from keyi.platform.hooks import installed_packages

if TYPE_CHECKING:
    from keyi.platform.context import Context

__all__ = ["PeriodicJob", "PeriodicRegistry", "registry"]

PeriodicJob = Callable[["Context"], int]
"""Does the work due in the tenant of the context; returns how many records it touched."""


class PeriodicRegistry:
    def __init__(self) -> None:
        self._jobs: dict[str, tuple[str, PeriodicJob]] = {}

    def package(self, name: str) -> PackagePeriodic:
        """Where the package ``name`` registers its periodic jobs."""
        return PackagePeriodic(self, name)

    def register(self, job_name: str, package: str, fn: PeriodicJob) -> None:
        existing = self._jobs.get(job_name)
        if (
            existing is not None
            and existing[1] is not fn
            and existing[1].__qualname__ != (fn.__qualname__)
        ):
            raise ValueError(f"periodic job {job_name!r} is already registered")
        self._jobs[job_name] = (package, fn)

    def jobs(self) -> dict[str, PeriodicJob]:
        """Each job by name, wrapped to do nothing for tenants without its package."""
        return {name: _for_installed(package, fn) for name, (package, fn) in self._jobs.items()}


def _for_installed(package: str, fn: PeriodicJob) -> PeriodicJob:
    def run(ctx: Context) -> int:
        if package not in installed_packages(ctx):
            return 0
        return fn(ctx)

    run.__name__ = getattr(fn, "__name__", "periodic")
    return run


@dataclass(frozen=True)
class PackagePeriodic:
    """A package's view: ``jobs = registry.package("l2c")``, then ``@jobs.job("l2c_daily")``."""

    registry: PeriodicRegistry
    name: str

    def job(self, job_name: str) -> Callable[[PeriodicJob], PeriodicJob]:
        def register(fn: PeriodicJob) -> PeriodicJob:
            self.registry.register(job_name, self.name, fn)
            return fn

        return register


registry = PeriodicRegistry()
