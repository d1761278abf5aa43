"""Sign-in rate limiting per client address, kept in the serving process."""

from __future__ import annotations

import threading
import time
from collections import deque

from keyi.platform.errors import TooManyAttempts


class LoginRateLimiter:
    """At most `limit` sign-in attempts per client address per minute (per process).

    Per-identity lock-out (in the control database) stops password guessing on one account;
    this stops one address from spraying many accounts.
    """

    def __init__(self, limit: int = 20, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(address, deque())
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise TooManyAttempts()
            hits.append(now)
            if len(self._hits) > 10000:  # forget idle addresses
                for key in [k for k, v in self._hits.items() if not v or now - v[-1] > self.window]:
                    del self._hits[key]
