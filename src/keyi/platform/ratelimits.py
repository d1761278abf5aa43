"""Rate-limit counters shared by every server process: in the control database, or in Redis.

Counters are fixed windows: a key (hashed, so no address or email is stored in clear) and the
window's start; each hit adds one atomically and answers the new count. Several `keyi serve`
processes, or several machines behind one load balancer, therefore see one count — a limit kept
in a process's memory is multiplied by the number of processes and forgotten at each restart.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from keyi.platform.database import Databases

# Old windows are deleted at most this often per process (one indexed DELETE).
PRUNE_EVERY_SECONDS = 60.0
# How long a window's row is kept after it ends (covers the longest window used).
KEEP_SECONDS = 3600


def hashed_key(kind: str, value: str) -> str:
    """A fixed-length key that does not keep the address or email it counts."""
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


class RateStore(Protocol):
    def hit(self, key: str, window_seconds: int) -> int:
        """Count one hit for `key` in the current window; answers the hits in it so far."""


class DatabaseRateStore:
    """Counters in the control database's `rate_limit` table (one upsert per hit)."""

    def __init__(self, db: Databases, table: sa.Table) -> None:
        self.db = db
        self.table = table
        self._pruned = 0.0
        self._lock = threading.Lock()

    def hit(self, key: str, window_seconds: int) -> int:
        now = int(time.time())
        window_start = now - now % window_seconds
        t = self.table
        insert: Any = (postgresql if self.db.is_postgres else sqlite).insert(t)
        stmt = (
            insert.values(key=key, window_start=window_start, hits=1)
            .on_conflict_do_update(
                index_elements=[t.c.key, t.c.window_start], set_={"hits": t.c.hits + 1}
            )
            .returning(t.c.hits)
        )
        with self.db.control.begin() as conn:
            hits = int(conn.execute(stmt).scalar_one())
            if self._prune_due():
                conn.execute(sa.delete(t).where(t.c.window_start < now - KEEP_SECONDS))
        return hits

    def _prune_due(self) -> bool:
        with self._lock:
            if time.monotonic() - self._pruned < PRUNE_EVERY_SECONDS:
                return False
            self._pruned = time.monotonic()
            return True


class RedisRateStore:
    """Counters in Redis: INCR on a key per window, expiring with the window."""

    def __init__(self, url: str) -> None:
        import redis  # only needed when configured

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key: str, window_seconds: int) -> int:
        now = int(time.time())
        name = f"keyi:rl:{key}:{now - now % window_seconds}"
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window_seconds + 1)
        hits, _ = pipe.execute()
        return int(hits)


def rate_store(db: Databases, table: sa.Table, redis_url: str | None) -> RateStore:
    """Redis when configured, else the control database."""
    if redis_url:
        return RedisRateStore(redis_url)
    return DatabaseRateStore(db, table)
