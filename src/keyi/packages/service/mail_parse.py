"""A raw mail as the case conversation stores it: addresses, threading headers, plain text,
sanitised HTML, attachments, and whether it was sent by a machine.

Parsing never raises: a mail that is not RFC 5322 (garbage bytes, broken MIME) becomes a mail
whose text is the bytes decoded as well as they can be, so one bad mail is stored, readable,
and never stops the mailbox's other mails.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3

__all__ = ["Attachment", "ParsedMail", "case_token", "parse_mail", "sanitise_html"]

MAX_TEXT_CHARS = 100_000
"""Longer bodies are cut (the whole mail stays on the server); a case message is for reading."""
CASE_TOKEN = re.compile(r"\[(GD-\d{4}-\d{6})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Tags a mail may show, minus images (remote images would tell the sender the mail was read;
# they are removed rather than loaded) and anything that runs or embeds.
ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS - {"img", "map", "area"})
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
AUTO_SENDERS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str
    subject: str
    from_address: str | None
    from_name: str
    to_addresses: str
    in_reply_to: list[str]
    references: list[str]
    text: str
    html: str | None
    sent_at: datetime | None
    attachments: list[Attachment] = field(default_factory=list)
    automatic: bool = False
    """Sent by a machine (an auto-reply, a bounce, a list): stored nowhere, answered never."""
    readable: bool = True
    """False when the bytes were not a mail the parser understood (stored as text)."""


def case_token(subject: str) -> str | None:
    """The case number in ``[GD-2026-000123]`` form in a subject, if any."""
    found = CASE_TOKEN.search(subject or "")
    return found.group(1) if found else None


def sanitise_html(markup: str) -> str:
    """HTML safe to show in the app: no scripts, styles, event handlers, javascript: URLs,
    forms, frames or images; links open with rel=noopener noreferrer."""
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "title", "head"},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def clean_text(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Text PostgreSQL and the app can hold: no NULs or control characters, at most ``limit``."""
    return _CONTROL.sub("", value)[:limit]


def parse_mail(raw: bytes) -> ParsedMail:
    try:
        return _parse(raw)
    except Exception:
        return _unreadable(raw)


def _parse(raw: bytes) -> ParsedMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage) or not message.keys():
        return _unreadable(raw)
    name, address = parseaddr(str(message.get("From", "")))
    address = address.strip().lower()
    if not _looks_like_address(address):
        address = ""
    text, markup, attachments = _bodies(message)
    subject = clean_text(str(message.get("Subject", "") or ""), 300).strip()
    message_id = _ids(str(message.get("Message-ID", "") or ""))
    return ParsedMail(
        message_id=message_id[0] if message_id else _synthetic_id(raw),
        subject=subject,
        from_address=address or None,
        from_name=clean_text(name, 200),
        to_addresses=clean_text(
            ", ".join(a for _, a in getaddresses([str(v) for v in message.get_all("To", [])])),
            1000,
        ),
        in_reply_to=_ids(str(message.get("In-Reply-To", "") or "")),
        references=_ids(str(message.get("References", "") or "")),
        text=clean_text(text),
        html=sanitise_html(markup) if markup else None,
        sent_at=_date(message),
        attachments=attachments,
        automatic=_automatic(message, address),
    )


def _bodies(message: EmailMessage) -> tuple[str, str | None, list[Attachment]]:
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    markup = _content(rich) if rich is not None else None
    if plain is not None:
        text = _content(plain)
    elif markup is not None:
        text = _html_to_text(markup)
    else:
        text = ""
    attachments = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:  # noqa: S112 - a broken part is skipped, not the mail
            continue
        attachments.append(
            Attachment(
                filename=clean_text(part.get_filename() or "attachment", 255),
                content_type=part.get_content_type(),
                content=bytes(payload) if isinstance(payload, bytes | bytearray) else b"",
            )
        )
    return text, markup, attachments


def _content(part: Message) -> str:
    try:
        value = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        value = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


_TAG = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>")


def _html_to_text(markup: str) -> str:
    """A readable plain text of an HTML-only mail (for search and the message body)."""
    cleaned = sanitise_html(markup)
    return html.unescape(_TAG.sub("", _BLOCK.sub("\n", cleaned))).strip()


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value)[:50]


def _synthetic_id(raw: bytes) -> str:
    """A mail without a Message-ID gets one from its bytes, so reading it twice still dedupes."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.keyi.invalid>"


def _date(message: EmailMessage) -> datetime | None:
    try:
        value = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _automatic(message: EmailMessage, address: str) -> bool:
    """RFC 3834 auto-replies, bounces (RFC 3464 reports), bulk and list mail, mailer daemons:
    answering any of these is how mail loops start."""
    auto_submitted = str(message.get("Auto-Submitted", "") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    precedence = str(message.get("Precedence", "") or "").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("List-Id"):
        return True
    if message.get_content_type() == "multipart/report":
        return True
    local = address.split("@", 1)[0]
    return bool(address) and any(local.startswith(prefix) for prefix in AUTO_SENDERS)


def _looks_like_address(address: str) -> bool:
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError, TypeError):
        return False
    return bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address))


def _unreadable(raw: bytes) -> ParsedMail:
    return ParsedMail(
        message_id=_synthetic_id(raw),
        subject="",
        from_address=None,
        from_name="",
        to_addresses="",
        in_reply_to=[],
        references=[],
        text=clean_text(raw.decode("utf-8", "replace")),
        html=None,
        sent_at=None,
        readable=False,
    )
