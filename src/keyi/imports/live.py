"""Progress and cancel requests of the imports running in this process.

An import runs in one transaction (its job's, or the CLI's), so its progress cannot be read
from the database until it commits — and on SQLite nothing else may write while it runs. The
runner therefore reports each chunk here; the API answers a run's progress from here when the
run is in this process (the embedded server runs its worker in process), and on PostgreSQL the
runner also commits its counts through a second connection for servers in other processes.
A cancel request is noted here first, so the runner sees it after its current chunk even when
the database is busy with the import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["Progress", "cancel", "finish", "is_cancelled", "progress", "start", "update"]


@dataclass(frozen=True)
class Progress:
    total: int
    processed: int
    created: int
    updated: int
    failed: int


_lock = threading.Lock()
_running: dict[str, Progress] = {}
_cancelled: set[str] = set()


def start(run_id: str, total: int) -> None:
    with _lock:
        _running[run_id] = Progress(total, 0, 0, 0, 0)


def update(run_id: str, value: Progress) -> None:
    with _lock:
        if run_id in _running:
            _running[run_id] = value


def progress(run_id: str) -> Progress | None:
    with _lock:
        return _running.get(run_id)


def cancel(run_id: str) -> bool:
    """Ask a run of this process to stop; True if it is running here."""
    with _lock:
        if run_id not in _running:
            return False
        _cancelled.add(run_id)
        return True


def is_cancelled(run_id: str) -> bool:
    with _lock:
        return run_id in _cancelled


def finish(run_id: str) -> None:
    with _lock:
        _running.pop(run_id, None)
        _cancelled.discard(run_id)
