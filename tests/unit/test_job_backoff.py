"""Retry delays: exponential, capped, jittered (keyi.platform.jobs.queue.next_attempt_delay)."""

from __future__ import annotations

import random
from datetime import timedelta

from keyi.platform.jobs.queue import FIRST_DELAY, MAX_DELAY, next_attempt_delay


def test_delays_grow_exponentially_up_to_the_cap_and_are_spread_out() -> None:
    rng = random.Random(1)
    for attempt in range(1, 15):
        ceiling = min(MAX_DELAY, FIRST_DELAY * 2 ** (attempt - 1))
        draws = [next_attempt_delay(attempt, rng) for _ in range(200)]
        assert all(timedelta(seconds=1) <= d <= ceiling for d in draws)
        # Full jitter: the draws cover the range rather than sitting at its top.
        assert min(draws) < ceiling * 0.2 or ceiling <= timedelta(seconds=5)
        assert max(draws) > ceiling * 0.8
    assert max(next_attempt_delay(40, rng) for _ in range(100)) <= MAX_DELAY
