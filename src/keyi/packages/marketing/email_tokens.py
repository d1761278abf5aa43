"""Signed tokens of the tracking and unsubscribe links a campaign email carries.

A token is ``base64url(kind · tenant id · delivery id [· url] · mac)``: the kind (``o`` open
pixel, ``c`` click, ``u`` unsubscribe), the tenant's UUID (16 bytes), the delivery's id
(8 bytes), for a click the original address, and an HMAC-SHA256 under the installation's key
(``SecretBox.mac``, purpose ``marketing.mail``) truncated to 128 bits. Nothing is looked up to
check one: a changed byte, another kind or another tenant fails the signature and the route
answers 404. The click's address is inside the signed part, so the redirect goes only where
the email said — never an open redirect. No expiry: an unsubscribe link must keep working.
"""

from __future__ import annotations

import base64
import hmac
import struct
import uuid
from typing import Literal

from keyi.platform.crypto import SecretBox
from keyi.platform.errors import NotFound

__all__ = ["Kind", "make_token", "read_token"]

Kind = Literal["o", "c", "u"]
MAC_PURPOSE = "marketing.mail"
MAC_BYTES = 16
_HEAD = 1 + 16 + 8
MAX_URL_BYTES = 2000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(
    box: SecretBox, kind: Kind, tenant_id: str, delivery_id: int, url: str | None = None
) -> str:
    payload = kind.encode() + uuid.UUID(tenant_id).bytes + struct.pack(">Q", delivery_id)
    if url is not None:
        payload += url.encode("utf-8")
    return _b64(payload + box.mac(MAC_PURPOSE, payload)[:MAC_BYTES])


def read_token(box: SecretBox, kind: Kind, token: str) -> tuple[str, int, str | None]:
    """(tenant id, delivery id, url or None) of a genuine token of ``kind``; NotFound for
    anything else."""
    if not token.isascii() or len(token) > 4 * (MAX_URL_BYTES + _HEAD + MAC_BYTES) // 3 + 4:
        raise NotFound()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise NotFound() from None
    if len(raw) < _HEAD + MAC_BYTES:
        raise NotFound()
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if not hmac.compare_digest(mac, box.mac(MAC_PURPOSE, payload)[:MAC_BYTES]):
        raise NotFound()
    if payload[:1] != kind.encode():
        raise NotFound()
    tenant_id = str(uuid.UUID(bytes=payload[1:17]))
    (delivery_id,) = struct.unpack(">Q", payload[17:_HEAD])
    rest = payload[_HEAD:]
    if kind == "c":
        try:
            url = rest.decode("utf-8")
        except UnicodeDecodeError:
            raise NotFound() from None
        if not url.startswith(("https://", "http://")):
            raise NotFound()
        return tenant_id, int(delivery_id), url
    if rest:
        raise NotFound()
    return tenant_id, int(delivery_id), None
