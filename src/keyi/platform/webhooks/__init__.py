"""Outbound webhooks: the pieces of one delivery, without storage or scheduling.

A delivery of an event to a subscribed endpoint goes:

1. `payload.event_body(type, timestamp, data)` — the body, `{"type", "timestamp", "data"}`,
   encoded once; the same bytes are signed, sent, kept in the delivery log and replayed.
2. `signing.headers(secret_or_secrets, msg_id, attempt_timestamp, body)` — the Standard
   Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`); several secrets
   sign during a secret rotation. `signing.new_secret()` makes an endpoint's `whsec_` secret.
3. `send.deliver(url, body, headers, allow_private=...)` — one POST to an address checked
   against SSRF and pinned against DNS rebinding, returning a `DeliveryResult` (status,
   duration, error, response excerpt) and never raising for what the network does.
4. On failure, the job queue retries on `payload.DELIVERY_RETRY`, a `jobs.RetryPolicy`.

`targets.check_url(url, allow_private=...)` also validates a URL when a subscription is
saved (ValidationFailed on the field `url`). `allow_private` is the installation's
`Settings.webhook_allow_private` (`KEYI_WEBHOOK_ALLOW_PRIVATE=1`) or a tenant's allowance.

Subscriptions, the delivery log, the job that calls `deliver` and the disabling of failing
endpoints live with the automation engine and its job queue, which use these functions.
"""

from __future__ import annotations

from keyi.platform.webhooks.payload import DELIVERY_RETRY, event_body
from keyi.platform.webhooks.send import DeliveryResult, deliver
from keyi.platform.webhooks.signing import headers, new_secret, sign
from keyi.platform.webhooks.targets import Target, address_allowed, check_url

__all__ = [
    "DELIVERY_RETRY",
    "DeliveryResult",
    "Target",
    "address_allowed",
    "check_url",
    "deliver",
    "event_body",
    "headers",
    "new_secret",
    "sign",
]
