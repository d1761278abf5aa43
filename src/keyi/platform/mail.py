"""Outgoing email over SMTP (plain SMTP to a relay the operator configures).

Keyi does not queue mail yet: callers send after their transaction has committed and treat a
failure as "not sent" rather than undoing the work, because the link they mail (an invitation,
for instance) is also handed back to the administrator who can pass it on by other means.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from keyi.settings import Settings

log = logging.getLogger("keyi.mail")
SMTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def send(settings: Settings, mail: Mail) -> bool:
    """Send one message; True when the relay accepted it, False when not configured or failed."""
    if not settings.smtp_host:
        return False
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
        ) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # Never log the message body: it carries a one-time link.
        log.warning("mail not sent", extra={"smtp_host": settings.smtp_host}, exc_info=True)
        return False
    return True
