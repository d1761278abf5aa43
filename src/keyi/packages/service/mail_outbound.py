"""Email to case, outbound: a public reply on a case is mailed to the customer over SMTP.

Saving a public outbound case message queues a job (``service.mail_send``, in the same
transaction: a reply rolled back queues nothing, a saved one is never lost). The worker mails
it after the commit through the platform's SMTP relay (``KEYI_SMTP_HOST``), From the case's
queue address, To the case contact's email (else the address of the case's last inbound mail),
with the subject ``Re: [GD-2026-000123] <case subject>`` and In-Reply-To/References to the
thread, so the customer's answer comes back to the same case. The Message-ID, From, To and
sent_at are stamped on the message in the transaction that finishes the job.

What became of the mail shows on the message itself, not only on the job: ``send_status``
(read-only) is ``pending`` from the save, ``sent`` once the relay accepted it, ``failed`` with
``send_error`` saying why. A refused or unreachable relay is failed *and* tried again: the job
records the failure in its own transaction (so the message shows it at once; a job that raised
would roll that back) and queues the next attempt after a backoff (1 min, 5 min, 15 min, 1 h,
4 h), up to MAX_SEND_ATTEMPTS. No SMTP configured, or no address to send to, is failed without
automatic retries: nothing changes until someone acts. The ``retry_send`` action on a failed
message queues a new attempt now (the console's thread offers it). A message already stamped
sent is never mailed again. The Message-ID is
derived from the message's id, so in the one window where a retry can send twice (the relay
accepted, then the worker died before its commit) both copies carry the same Message-ID and
mail programs show one.

Internal notes, inbound messages and messages saved already sent (imported) are never mailed.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import BaseModel

from keyi.platform import mail
from keyi.platform.actions import registry as action_registry
from keyi.platform.errors import Conflict
from keyi.platform.fieldtypes import EMAIL_RE
from keyi.platform.hooks import AfterWriteEvent, WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.ids import new_id
from keyi.platform.jobs import enqueue, job_handler
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.jobs import ClaimedJob

__all__ = ["SEND_KIND", "build_reply", "queue_reply", "retry_send", "send_reply"]

log = logging.getLogger("keyi.service.mail")
hooks = registry.package("service")
actions = action_registry.package("service")
SEND_KIND = "service.mail_send"
MAX_REFERENCES = 20
STAMPED = frozenset(
    {"message_id", "from_address", "to_addresses", "sent_at", "send_status", "send_error"}
)
STATUS = frozenset({"send_status", "send_error"})
MAX_SEND_ATTEMPTS = 6
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
MAX_ERROR_CHARS = 500
# send_error values the web app words itself (other values are the relay's own words).
NOT_CONFIGURED = "smtp_not_configured"
NO_RECIPIENT = "no_recipient"

MESSAGES.update(
    {
        "not_failed": {
            "en": "Only a reply whose sending failed can be sent again.",
            "zh-CN": "只有发送失败的回复可以重新发送。",
        },
    }
)


def _mailed(values: Any) -> bool:
    return (
        values.get("visibility") == "public"
        and values.get("direction") == "outbound"
        and values.get("sent_at") is None
    )


@hooks.before_save("case_message")
def mark_pending(ctx: Context, event: WriteEvent) -> None:
    """A new public outbound message is ``pending`` until its job mails it (or fails)."""
    if event.operation != "create":
        return
    values = {name: event.final(name) for name in ("visibility", "direction", "sent_at")}
    if _mailed(values):
        event.values["send_status"] = "pending"
        event.values["send_error"] = None


@hooks.after_write("case_message")
def queue_reply(ctx: Context, event: AfterWriteEvent) -> None:
    """A new public outbound message: mail it after the commit (a job, deduplicated by id)."""
    new = event.new
    if event.operation != "create" or new is None or not _mailed(new):
        return
    enqueue(
        ctx.conn,
        SEND_KIND,
        {"message": event.record_id},
        now=ctx.now(),
        dedupe_key=f"{SEND_KIND}:{event.record_id}",
    )


@job_handler(SEND_KIND)
def send_reply(ctx: Context, job: ClaimedJob) -> None:
    """Mail one queued reply (see the module); raises when the relay refuses, to be retried."""
    message_id = str(job.payload["message"])
    messages = ctx.object("case_message").table
    message = _row(ctx, messages, message_id)
    if message is None or message["sent_at"] is not None:
        return  # deleted since, or already mailed
    case = _row(ctx, ctx.object("case").table, str(message["case"]))
    if case is None:
        return
    settings = ctx.platform_settings
    if settings is None or not mail.mail_configured(settings):
        log.info("reply not mailed: no SMTP", extra={"case_message": message_id})
        _set_status(ctx, message_id, "failed", NOT_CONFIGURED)
        return
    recipient = _recipient(ctx, case)
    if recipient is None:
        log.info("reply not mailed: no recipient", extra={"case_message": message_id})
        _set_status(ctx, message_id, "failed", NO_RECIPIENT)
        return
    built = build_reply(ctx, case, message, recipient, default_from=settings.smtp_from)
    try:
        refused = mail.deliver(settings, built)
        if refused:
            raise smtplib.SMTPException(f"the relay refused {len(refused)} recipient(s)")
    except (OSError, smtplib.SMTPException) as exc:
        attempt = int(job.payload.get("attempt") or 1)
        error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        log.warning(
            "reply not mailed",
            extra={"case_message": message_id, "attempt": attempt, "error": error},
        )
        _set_status(ctx, message_id, "failed", error)
        if attempt < MAX_SEND_ATTEMPTS:
            delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
            _queue_attempt(ctx, message_id, attempt + 1, run_at=ctx.now() + delay)
        return
    RecordsService(ctx).update(
        "case_message",
        message_id,
        {
            "message_id": str(built["Message-ID"]),
            "from_address": _address(str(built["From"])),
            "to_addresses": recipient,
            "sent_at": ctx.now(),
            "send_status": "sent",
            "send_error": None,
        },
        trusted_fields=STAMPED,
    )


def _address(header: str) -> str | None:
    """The From's address as the field stores it; None for one the field would refuse (the
    installation's default sender, no-reply@localhost, has no domain dot): the mail was sent,
    and the stamp must not undo that."""
    address = parseaddr(header)[1].lower()
    return address if address and EMAIL_RE.match(address) else None


def _set_status(ctx: Context, message_id: str, status: str, error: str | None) -> None:
    """The message's send status, written as the system (the job's actor, or the retry
    action's after the caller's edit access was checked)."""
    values = {"send_status": status, "send_error": error[:MAX_ERROR_CHARS] if error else None}
    RecordsService(ctx.as_system()).update(
        "case_message", message_id, values, trusted_fields=STATUS
    )


def _queue_attempt(ctx: Context, message_id: str, attempt: int, *, run_at: Any) -> None:
    """One more attempt at mailing a message (a key of its own: earlier attempts' jobs keep
    theirs until pruned)."""
    enqueue(
        ctx.conn,
        SEND_KIND,
        {"message": message_id, "attempt": attempt},
        now=ctx.now(),
        run_at=run_at,
        dedupe_key=f"{SEND_KIND}:{message_id}:{new_id()}",
    )


class SendStatus(BaseModel):
    send_status: str


def _failed(ctx: Context, record: dict[str, Any]) -> bool:
    if record.get("send_status") != "failed" or record.get("sent_at") is not None:
        raise Conflict("not_failed")
    return True


@actions.record(
    "case_message",
    "retry_send",
    labels={"en": "Send again", "zh-CN": "重新发送"},
    available=_failed,
    output=SendStatus,
)
def retry_send(ctx: Context, record: dict[str, Any], payload: None) -> SendStatus:
    """Mail a reply whose sending failed again, now (whoever may edit the case)."""
    _failed(ctx, record)
    _set_status(ctx, record["id"], "pending", None)
    _queue_attempt(ctx, record["id"], 1, run_at=ctx.now())
    return SendStatus(send_status="pending")


def build_reply(
    ctx: Context,
    case: dict[str, Any],
    message: dict[str, Any],
    recipient: str,
    *,
    default_from: str,
) -> EmailMessage:
    sender, domain = _sender(ctx, case, default_from)
    built = EmailMessage()
    built["From"] = sender
    built["To"] = recipient
    built["Subject"] = f"Re: [{case['case_no']}] {case['subject']}"
    built["Date"] = format_datetime(ctx.now().replace(tzinfo=UTC))
    built["Message-ID"] = f"<{message['id']}.{case['case_no']}@{domain}>"
    thread = _thread_ids(ctx, str(case["id"]), str(message["id"]))
    if thread:
        built["In-Reply-To"] = thread[-1]
        built["References"] = " ".join(thread[-MAX_REFERENCES:])
    # Auto-replies to a reply must not come back as new mail (RFC 3834 would have them
    # ignore us; the inbound side ignores theirs).
    built["Auto-Submitted"] = "no"
    built.set_content(message["body"] or "")
    return built


def _row(ctx: Context, table: sa.Table, record_id: str) -> dict[str, Any] | None:
    row = (
        ctx.conn.execute(
            sa.select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def _recipient(ctx: Context, case: dict[str, Any]) -> str | None:
    """The case contact's email, else the sender of the case's last inbound mail."""
    if case.get("contact"):
        contacts = ctx.object("contact").table
        address = ctx.conn.execute(
            sa.select(contacts.c.email).where(
                contacts.c.id == case["contact"], contacts.c.deleted_at.is_(None)
            )
        ).scalar()
        if address:
            return str(address)
    messages = ctx.object("case_message").table
    address = ctx.conn.execute(
        sa.select(messages.c.from_address)
        .where(
            messages.c.case == case["id"],
            messages.c.direction == "inbound",
            messages.c.from_address.is_not(None),
            messages.c.deleted_at.is_(None),
        )
        .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        .limit(1)
    ).scalar()
    return str(address) if address else None


def _sender(ctx: Context, case: dict[str, Any], default_from: str) -> tuple[str, str]:
    """The From of a reply: the case queue's address with the queue's name, else the
    platform's sender; and the domain its Message-IDs are made in."""
    address = None
    name = ""
    if case.get("queue"):
        queues = ctx.object("queue").table
        row = ctx.conn.execute(
            sa.select(queues.c.name, queues.c.email_address).where(queues.c.id == case["queue"])
        ).first()
        if row is not None and row[1]:
            name, address = str(row[0] or ""), str(row[1])
    if address is None:
        name, address = parseaddr(default_from)
    domain = address.rsplit("@", 1)[-1] if "@" in address else "keyi.invalid"
    try:
        formatted = str(Address(display_name=name, addr_spec=address))
    except (ValueError, IndexError):
        formatted = address
    return formatted, domain


def _thread_ids(ctx: Context, case_id: str, exclude: str) -> list[str]:
    """The Message-IDs of the case's mails so far, oldest first (the reply's References)."""
    messages = ctx.object("case_message").table
    rows = ctx.conn.execute(
        sa.select(messages.c.message_id)
        .where(
            messages.c.case == case_id,
            messages.c.id != exclude,
            messages.c.message_id.is_not(None),
            messages.c.deleted_at.is_(None),
        )
        .order_by(messages.c.created_at, messages.c.id)
    ).scalars()
    return [str(value) for value in rows]
