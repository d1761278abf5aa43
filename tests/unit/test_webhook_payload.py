"""Webhook bodies (exact bytes, exact decimals, UTC timestamps) and the retry backoff."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from keyi.platform.webhooks import DELIVERY_RETRY, event_body


def test_body_is_type_timestamp_data_in_that_order() -> None:
    body = event_body(
        "opportunity.updated",
        datetime(2026, 11, 23, 8, 30, 5, 123456),
        {"object": "opportunity", "id": "0193a", "changes": {"stage": ["new", "won"]}},
    )
    assert body == (
        b'{"type":"opportunity.updated","timestamp":"2026-11-23T08:30:05.123Z",'
        b'"data":{"object":"opportunity","id":"0193a","changes":{"stage":["new","won"]}}}'
    )


def test_aware_timestamp_is_written_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    body = event_body("account.created", datetime(2026, 1, 1, 9, 0, tzinfo=tokyo), {})
    assert json.loads(body)["timestamp"] == "2026-01-01T00:00:00.000Z"
    same = event_body("account.created", datetime(2026, 1, 1, 0, 0, tzinfo=UTC), {})
    assert same == body


def test_decimals_keep_every_digit() -> None:
    body = event_body(
        "opportunity.updated", datetime(2026, 1, 1), {"amount": Decimal("1234567890123456.78")}
    )
    assert b'"amount":1234567890123456.78' in body


@pytest.mark.parametrize("event_type", ["", "opportunity updated", "a..b", ".a", "a.", "机会.更新"])
def test_event_type_must_be_dotted_identifiers(event_type: str) -> None:
    with pytest.raises(ValueError):
        event_body(event_type, datetime(2026, 1, 1), {})


def test_deliveries_retry_on_the_standard_webhooks_shaped_schedule() -> None:
    ceilings = [DELIVERY_RETRY.delay(n, _Top()).total_seconds() for n in range(1, 12)]
    assert ceilings[:8] == [5.0, 20.0, 80.0, 320.0, 1280.0, 5120.0, 20480.0, 81920.0]
    assert ceilings[8:] == [24 * 3600.0] * 3
    assert DELIVERY_RETRY.delay(10_000, _Top()) == timedelta(hours=24)


class _Top(random.Random):
    """A random source that always draws the top of the range: shows the ceiling."""

    def random(self) -> float:
        return 1.0
