"""Notification email: build a MIME message from a rendered template and send it over SMTP.

The SMTP exchange itself is `keyi.platform.mail.deliver` (the relay from Settings, the same one
invitations use); this module adds what notifications need on top: an HTML alternative, a
Message-ID for threading and de-duplication, and a result instead of an exception, so a
caller (the job queue) can record and retry failures.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from keyi.platform.mail import deliver
from keyi.platform.notify.results import SendResult
from keyi.platform.notify.templates import RenderedMessage
from keyi.settings import Settings

__all__ = ["build_email", "email_from_rendered", "send_email"]

log = logging.getLogger("keyi.notify.email")


def _domain_of(sender: str) -> str:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2]
    # make_msgid without a domain asks the resolver for this host's FQDN, which can stall.
    return domain if domain and "." in domain else "keyi.invalid"


def build_email(
    *,
    sender: str,
    to: str | Address | Sequence[str | Address],
    subject: str,
    text: str,
    html: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """A UTF-8 message: plain text alone, or multipart/alternative text + HTML when `html` is
    given (clients that show HTML pick it, the rest show the text). Non-ASCII subjects and
    display names (`王芳 <wang@example.com>`) are encoded by the email package (RFC 2047).

    Raises ValueError for a header with a line break (header injection) or no recipient.
    """
    recipients = [to] if isinstance(to, str | Address) else list(to)
    if not recipients:
        raise ValueError("a message needs at least one recipient")
    message = EmailMessage()
    # The default policy refuses CR/LF in header values with ValueError.
    message["From"] = sender
    message["To"] = ", ".join(str(recipient) for recipient in recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message.set_content(text, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def email_from_rendered(
    settings: Settings, to: str | Address | Sequence[str | Address], rendered: RenderedMessage
) -> EmailMessage:
    """The message for a rendered template, from the configured sender address."""
    return build_email(
        sender=settings.smtp_from,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )


def _code_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {text}".strip()


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address}: {_code_text(*reply)}" for address, reply in refused.items())


def send_email(settings: Settings, message: EmailMessage) -> SendResult:
    """Send through the configured relay; never raises for SMTP or network failures.

    Not ok when SMTP is not configured, the relay is unreachable, or it refused the message or
    every recipient. When it refused only some recipients the message went to the others: ok,
    with the refused addresses in `error` (sending again would duplicate it for the rest).
    Retryable: network failures and 4xx replies (the relay's "try again later").
    """
    if not settings.smtp_host:
        return SendResult(ok=False, error="SMTP is not configured")
    try:
        refused = deliver(settings, message)
    except smtplib.SMTPRecipientsRefused as exc:
        result = SendResult(
            ok=False,
            error=f"recipients refused: {_refusals(exc.recipients)}",
            retryable=all(400 <= code < 500 for code, _ in exc.recipients.values()),
        )
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
        result = SendResult(
            ok=False,
            error=_code_text(exc.smtp_code, exc.smtp_error),
            retryable=400 <= exc.smtp_code < 500,
        )
    except (OSError, smtplib.SMTPException) as exc:  # unreachable, timed out, disconnected
        result = SendResult(ok=False, error=f"{type(exc).__name__}: {exc}", retryable=True)
    else:
        if not refused:
            return SendResult(ok=True)
        return SendResult(ok=True, error=f"some recipients refused: {_refusals(refused)}")
    # Never log the body or the subject: they carry customer data.
    log.warning(
        "notification email not sent",
        extra={"smtp_host": settings.smtp_host, "error": result.error},
    )
    return result
