"""Outgoing email over SMTP, to a relay the operator configures (``KEYI_SMTP_HOST``), secured
as ``KEYI_SMTP_SECURITY`` says: ``none``, ``starttls`` or ``ssl`` (keyi.platform.mailboxes
.security: the certificate is always verified, against the system's CAs and
``KEYI_MAIL_CA_FILE``; a relay that does not offer STARTTLS when it is asked for is an error).

Keyi does not queue mail yet: callers send after their transaction has committed and treat a
failure as "not sent" rather than undoing the work, because the link they mail (an invitation,
for instance) is also handed back to the administrator who can pass it on by other means.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from keyi.platform.mailboxes.security import tls_context
from keyi.settings import Settings

log = logging.getLogger("keyi.mail")
SMTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


INVITE_TEXT = {
    "zh-CN": (
        "{inviter} 邀请您加入“{company}”的客易 CRM。\n\n"
        "请在 {days} 天内打开以下链接设置密码并登录：\n{url}\n\n"
        "如果您不认识邀请人，请忽略本邮件。\n"
    ),
    "en": (
        "{inviter} invited you to {company} on Keyi CRM.\n\n"
        "Open this link within {days} days to choose a password and sign in:\n{url}\n\n"
        "If you do not know the sender, ignore this email.\n"
    ),
}
INVITE_SUBJECT = {
    "zh-CN": "邀请您加入“{company}”（客易 CRM）",
    "en": "You are invited to {company} on Keyi CRM",
}


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def invitation_mail(
    to: str, *, language: str | None, inviter: str, company: str, days: int, url: str
) -> Mail:
    """The invitation letter, in English for people whose language is English, else Chinese
    (the default language of a user record)."""
    locale = "en" if language == "en" else "zh-CN"
    params = {"inviter": inviter, "company": company, "days": days, "url": url}
    return Mail(
        to=to,
        subject=INVITE_SUBJECT[locale].format(**params),
        text=INVITE_TEXT[locale].format(**params),
    )


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
        deliver(settings, message)
    except (OSError, smtplib.SMTPException):
        # Never log the message body: it carries a one-time link.
        log.warning("mail not sent", extra={"smtp_host": settings.smtp_host}, exc_info=True)
        return False
    return True


def deliver(settings: Settings, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
    """Hand one built message to the configured relay (the one SMTP exchange every sender
    shares). Answers the recipients the relay refused while accepting others; raises OSError
    or smtplib.SMTPException when nothing was accepted or the relay could not be reached.
    """
    with relay(settings) as smtp:
        return smtp.send_message(message)


@contextmanager
def relay(settings: Settings) -> Iterator[smtplib.SMTP]:
    """A connection to the configured relay, secured as configured, for a sender that hands
    over many messages in a row (a bulk send: one connection per batch instead of one per
    message); closed at the end of the block. Raises as :func:`deliver` does."""
    if not settings.smtp_host:
        raise smtplib.SMTPException("SMTP is not configured")
    host, port, timeout = settings.smtp_host, settings.smtp_port, SMTP_TIMEOUT_SECONDS
    smtp: smtplib.SMTP
    if settings.smtp_security == "ssl":
        context = tls_context(settings.mail_ca_file)
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if settings.smtp_security == "starttls":
            # Raises SMTPNotSupportedError when the relay does not offer it: never plain text.
            smtp.starttls(context=tls_context(settings.mail_ca_file))
        yield smtp
