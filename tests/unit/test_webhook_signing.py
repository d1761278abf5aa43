"""Webhook signatures, verified by the Standard Webhooks reference library (standardwebhooks)."""

from __future__ import annotations

import base64
import time
from datetime import datetime
from decimal import Decimal

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from keyi.platform.webhooks import event_body, headers, new_secret, sign
from keyi.platform.webhooks.signing import secret_key

BODY = b'{"type":"opportunity.updated","timestamp":"2026-11-23T08:00:00.000Z","data":{}}'
MSG_ID = "msg_01J9Z8K7ZQ"


def test_new_secret_has_the_spec_format() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32
    assert first != second


def test_known_answer_of_the_reference_library() -> None:
    # The test vector of the reference library's own sign() test.
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signed_delivery_verifies_with_the_reference_library() -> None:
    secret = new_secret()
    body = event_body(
        "opportunity.updated",
        datetime(2026, 11, 23, 8, 0),
        {"object": "opportunity", "id": "0193", "changes": {"amount": Decimal("1234567.10")}},
    )
    sent = headers(secret, MSG_ID, int(time.time()), body)
    assert set(sent) == {"content-type", "webhook-id", "webhook-timestamp", "webhook-signature"}
    assert sent["content-type"] == "application/json"
    assert sent["webhook-id"] == MSG_ID
    payload = Webhook(secret).verify(body, sent)
    assert payload["type"] == "opportunity.updated"
    assert payload["data"]["changes"]["amount"] == 1234567.1


def test_tampered_body_fails() -> None:
    secret = new_secret()
    sent = headers(secret, MSG_ID, int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"updated", b"deleted"), sent)


def test_wrong_secret_fails() -> None:
    sent = headers(new_secret(), MSG_ID, int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_changed_message_id_fails() -> None:
    secret = new_secret()
    sent = headers(secret, MSG_ID, int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**sent, "webhook-id": "msg_other"})


def test_stale_timestamp_fails() -> None:
    secret = new_secret()
    sent = headers(secret, MSG_ID, int(time.time()) - 600, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, sent)


def test_rotation_signs_with_every_secret() -> None:
    current, previous = new_secret(), new_secret()
    sent = headers([current, previous], MSG_ID, int(time.time()), BODY)
    signatures = sent["webhook-signature"].split(" ")
    assert len(signatures) == 2
    assert all(value.startswith("v1,") for value in signatures)
    # A receiver that knows either secret accepts the message; one that knows neither does not.
    Webhook(current).verify(BODY, sent)
    Webhook(previous).verify(BODY, sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # no prefix
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"x" * 16).decode(),  # shorter than 24 bytes
        "whsec_" + base64.b64encode(b"x" * 65).decode(),  # longer than 64 bytes
    ],
)
def test_malformed_secret_is_refused_without_echoing_it(secret: str) -> None:
    with pytest.raises(ValueError) as caught:
        secret_key(secret)
    assert secret.removeprefix("whsec_") not in str(caught.value)


@pytest.mark.parametrize("msg_id", ["", "msg.1", "msg 1", "msg\n1", "x" * 256])
def test_message_id_that_could_confuse_the_signed_content_is_refused(msg_id: str) -> None:
    with pytest.raises(ValueError):
        sign(new_secret(), msg_id, 1614265330, BODY)


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError):
        headers([], MSG_ID, 1614265330, BODY)
