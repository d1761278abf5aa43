"""The SMS provider interface: one request in, one result out, whatever the vendor.

A provider sends one templated message to one or more numbers. China's SMS services do not take
free text: the text is a template the vendor approved (its *template code*) under an approved
*sign name* (the 【签名】 the handset shows), filled with parameters. The adapters
(:mod:`.aliyun`, :mod:`.tencent`, :mod:`.log`) turn an :class:`SmsRequest` into their vendor's
signed HTTP call and its answer into an :class:`SmsResult`; callers never see a vendor format.

A result is never an exception: a refused message (rate limit, bad template, unknown number) is
``ok=False`` with the vendor's code and message, and ``retryable`` says whether trying later may
help (a transport failure or a vendor's flow control) or not (a wrong template or number).
Secrets never appear in a result, an error message or a log line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from keyi.platform.dedupe.normalise import normalise_mobile

__all__ = [
    "SEGMENT_CHARS",
    "SINGLE_CHARS",
    "SmsProvider",
    "SmsRequest",
    "SmsResult",
    "e164",
    "mainland_or_international",
    "segments",
]

SINGLE_CHARS = 70
"""Characters one SMS holds when its text is Chinese (UCS-2), the sign name included."""
SEGMENT_CHARS = 67
"""Characters per part once a message is longer than one SMS (the rest is the join header);
China's vendors count and bill every message this way."""
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def e164(number: str | None) -> str | None:
    """A phone number in E.164 (+8613812345678), or None when it is not a usable mobile: an
    11-digit mainland mobile with or without +86/0086, or an international number with its
    country code."""
    normal = normalise_mobile(number)
    return normal if normal is not None and _E164.match(normal) else None


def mainland_or_international(number: str) -> str:
    """An E.164 number as Alibaba Cloud's PhoneNumbers wants it: a mainland mobile as its 11
    digits, any other with its country code and no ``+``."""
    if number.startswith("+86") and len(number) == 14:
        return number[3:]
    return number.lstrip("+")


def segments(text: str) -> int:
    """How many SMS ``text`` is sent (and billed) as: 70 characters fit one, a longer text
    goes in parts of 67. Counted in Unicode code points, as the vendors count."""
    length = len(text)
    if length <= SINGLE_CHARS:
        return 1 if length else 0
    return -(-length // SEGMENT_CHARS)


@dataclass(frozen=True)
class SmsRequest:
    """One templated message to one or more numbers (E.164)."""

    phone_numbers: tuple[str, ...]
    sign_name: str
    template_code: str
    params: dict[str, str] = field(default_factory=dict)
    """The template's variables in the template's order (Tencent's are positional)."""
    reference: str | None = None
    """Our id for the message, echoed back by the vendor in reports (OutId, SessionContext)."""


@dataclass(frozen=True)
class SmsResult:
    """What the vendor answered for a request."""

    ok: bool
    message_id: str | None = None
    """The vendor's id for the message (Aliyun BizId, Tencent SerialNo)."""
    error_code: str | None = None
    error_message: str | None = None
    retryable: bool = False
    status_code: int | None = None

    @property
    def status(self) -> str:
        return "sent" if self.ok else "failed"


class SmsProvider(Protocol):
    """A vendor adapter. ``name`` is what settings and message rows store."""

    name: str

    def send(self, request: SmsRequest) -> SmsResult: ...
