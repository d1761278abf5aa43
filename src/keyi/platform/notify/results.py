"""The outcome of one delivery attempt, the same for every channel.

Channels answer with a result instead of raising, because a failed notification is an
expected event the caller records (and the job queue may retry), not a programming error.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SendResult"]


@dataclass(frozen=True)
class SendResult:
    """`ok` when the receiving side accepted the message.

    `error` is a short text for administrators (the vendor's or relay's own message; never a
    secret or a webhook URL). `status_code` is the HTTP status for robots. `retryable` says
    whether the same message may succeed later (a network failure, a 5xx, a rate limit, an
    SMTP 4xx) as opposed to needing someone to fix the configuration or the message.
    """

    ok: bool
    error: str | None = None
    status_code: int | None = None
    retryable: bool = False
