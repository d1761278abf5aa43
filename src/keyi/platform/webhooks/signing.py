"""Webhook signatures per the Standard Webhooks specification (symmetric scheme, `v1`).

A receiver verifies a delivery with any Standard Webhooks library, so Keyi follows the spec
to the byte rather than inventing a scheme:

- the secret is shown to the customer as `whsec_` + base64 of 24 to 64 random bytes; the HMAC
  key is the decoded bytes, not the text;
- the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, with the body exactly as
  sent (a re-serialised body would not verify);
- `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>`, one per secret,
  so a rotated secret can be signed with alongside the new one for a while (zero-downtime
  rotation: the receiver accepts the message if any signature matches a secret it knows).

The message id must stay the same across retries of one event to one endpoint (receivers use
it as an idempotency key) and the timestamp is the attempt's, renewed on every retry (receivers
refuse stale ones to stop replays). Neither may contain a full stop: it would let one signed
content be read as another.

Secrets and signatures are returned to the caller only; nothing here logs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's marker of a secret, not a secret)
# The spec: at least 24 bytes (192 bits), at most 64 (512 bits). 32 bytes is the length of
# SHA-256's output, the least key RFC 2104 recommends for HMAC-SHA256.
SECRET_BYTES = 32
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
SIGNATURE_VERSION = "v1"
# A message id is a header value and part of the signed content: printable ASCII, no dot,
# no space (the signature header is space-separated) and bounded.
_MESSAGE_ID = re.compile(r"[!-~]{1,255}")


def new_secret() -> str:
    """A fresh signing secret for an endpoint, as shown to the customer (`whsec_…`)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret. Raises ValueError (without the secret's text) when
    it is not one; never echo the secret in an error."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(
            f"a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes of key"
        )
    return key


def _check_metadata(msg_id: str, timestamp: int) -> None:
    if not _MESSAGE_ID.fullmatch(msg_id) or "." in msg_id:
        raise ValueError("a webhook message id is 1-255 printable ASCII characters, no '.'")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValueError("a webhook timestamp is whole seconds since the Unix epoch")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">` keyed by the secret."""
    _check_metadata(msg_id, timestamp)
    content = f"{msg_id}.{timestamp}.".encode("ascii") + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers(
    secret: str | Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed with every secret given.

    `secret` is the endpoint's current secret, or a list of the current one first and the
    previous ones still honoured during a rotation.
    """
    keys = [secret] if isinstance(secret, str) else list(secret)
    if not keys:
        raise ValueError("at least one webhook secret is needed to sign")
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(key, msg_id, timestamp, body) for key in keys),
    }
