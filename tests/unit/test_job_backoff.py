"""Retry delays: exponential, capped, jittered (keyi.platform.jobs.queue.RetryPolicy)."""

from __future__ import annotations

import random
from datetime import timedelta

from keyi.platform.jobs.queue import DEFAULT_RETRY


def test_delays_grow_exponentially_up_to_the_cap_and_are_spread_out() -> None:
    rng = random.Random(1)
    policy = DEFAULT_RETRY
    for attempt in range(1, 15):
        ceiling = min(policy.cap, policy.first * 2 ** (attempt - 1))
        draws = [policy.delay(attempt, rng) for _ in range(200)]
        assert all(timedelta(seconds=1) <= d <= ceiling for d in draws)
        # Full jitter: the draws cover the range rather than sitting at its top.
        assert min(draws) < ceiling * 0.2 or ceiling <= timedelta(seconds=5)
        assert max(draws) > ceiling * 0.8
    assert max(policy.delay(40, rng) for _ in range(100)) <= policy.cap
