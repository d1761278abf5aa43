"""What a webhook delivery carries, and when a failed one is tried again.

The body follows the Standard Webhooks payload shape, `{"type", "timestamp", "data"}`: `type`
is the event (`opportunity.updated`), `timestamp` when it happened (not when it is sent: a
retry carries the same body), `data` the object, id and changes. It is encoded once with the
platform's JSON codec, so decimals keep their digits, and the same bytes are signed, sent,
logged and replayed: a body encoded again could differ by a byte and fail verification.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from typing import Any, Protocol

from keyi.platform import jsoncodec
from keyi.platform.fieldtypes import datetime_json, to_utc_naive

# Full-stop delimited identifiers of [a-zA-Z0-9_], as the Standard Webhooks spec recommends.
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")

# Retry schedule: before the n-th retry (n = failed attempts so far) wait a random time
# between 0 and min(cap, base * factor ** (n - 1)) ("full jitter": retries of many events
# that failed together spread out instead of arriving in waves). With the defaults the
# ceilings are 5 s, 20 s, 80 s, ~5 min, ~21 min, ~85 min, ~5.7 h, ~22.8 h, then 24 h: nine
# retries wait about 27 h in all on average (54 h at most), the same shape as the schedule
# the Standard Webhooks spec suggests (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
# 14 h, 20 h, 24 h: nine retries over about three days). How many attempts before giving up
# and disabling the endpoint is the caller's choice; a receiver's `Retry-After`
# (DeliveryResult.retry_after) should lengthen the wait, never shorten it.
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 24 * 3600.0
BACKOFF_FACTOR = 4.0


class Uniform(Protocol):
    """What backoff needs of a random source (the `random` module, a seeded Random)."""

    def uniform(self, a: float, b: float, /) -> float: ...


def event_body(event_type: str, timestamp: datetime, data: dict[str, Any]) -> bytes:
    """The delivery body of one event, as the exact bytes to sign and send.

    `timestamp` is UTC: an aware datetime is converted, a naive one is taken as UTC (the
    platform's storage convention, keyi.platform.clock). It is written like every datetime
    in the API: ISO 8601 with milliseconds and `Z`.
    """
    if not isinstance(event_type, str) or not _EVENT_TYPE.fullmatch(event_type):
        raise ValueError("an event type is dot-separated identifiers, e.g. 'opportunity.updated'")
    if not isinstance(data, dict):
        raise TypeError("webhook data is a JSON object")
    return jsoncodec.dumps(
        {"type": event_type, "timestamp": datetime_json(to_utc_naive(timestamp)), "data": data}
    )


def backoff(
    attempt: int,
    *,
    base: float = BACKOFF_BASE_SECONDS,
    cap: float = BACKOFF_CAP_SECONDS,
    factor: float = BACKOFF_FACTOR,
    rng: Uniform = random,
) -> float:
    """Seconds to wait before the next try, after `attempt` failed attempts (1 or more)."""
    if attempt < 1:
        raise ValueError("backoff is for after a failed attempt (attempt >= 1)")
    # The exponent is bounded so a large attempt number cannot overflow the float.
    return rng.uniform(0.0, min(cap, base * factor ** min(attempt - 1, 64)))
