"""What a webhook delivery carries, and when a failed one is tried again (DELIVERY_RETRY).

The body follows the Standard Webhooks payload shape, `{"type", "timestamp", "data"}`: `type`
is the event (`opportunity.updated`), `timestamp` when it happened (not when it is sent: a
retry carries the same body), `data` the object, id and changes. It is encoded once with the
platform's JSON codec, so decimals keep their digits, and the same bytes are signed, sent,
logged and replayed: a body encoded again could differ by a byte and fail verification.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from keyi.platform import jsoncodec
from keyi.platform.fieldtypes import datetime_json, to_utc_naive
from keyi.platform.jobs.queue import RetryPolicy

# Full-stop delimited identifiers of [a-zA-Z0-9_], as the Standard Webhooks spec recommends.
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")

# Retry schedule of deliveries (a keyi.platform.jobs.RetryPolicy): before the n-th retry wait a
# random time between 0 and min(24 h, 5 s × 4^(n-1)) — ceilings 5 s, 20 s, 80 s, ~5 min,
# ~21 min, ~85 min, ~5.7 h, ~22.8 h, then 24 h: nine retries wait about 27 h in all on average
# (54 h at most), the shape of the schedule the Standard Webhooks spec suggests (immediately,
# then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: nine retries over about three
# days). How many attempts before giving up and disabling the endpoint is the caller's choice;
# a receiver's `Retry-After` (DeliveryResult.retry_after) should lengthen the wait, never
# shorten it.
DELIVERY_RETRY = RetryPolicy(first=timedelta(seconds=5), factor=4.0, cap=timedelta(hours=24))


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
