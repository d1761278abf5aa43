"""Email to case, outbound: a public reply on a case is mailed to the customer over SMTP.

Saving a public outbound case message queues a job (``service.mail_send``, in the same
transaction: a reply rolled back queues nothing, a saved one is never lost). The worker mails
it after the commit through the platform's SMTP relay (``KEYI_SMTP_HOST``), From the case's
queue address, To the case contact's email (else the address of the case's last inbound mail),
with the subject ``Re: [GD-2026-000123] <case subject>`` and In-Reply-To/References to the
thread, so the customer's answer comes back to the same case. The Message-ID, From, To and
sent_at are stamped on the message in the transaction that finishes the job; a refused or
unreachable relay fails the job, which the queue retries with backoff (and shows as dead after
its last attempt). A message already stamped sent is never mailed again. The Message-ID is
derived from the message's id, so in the one window where a retry can send twice (the relay
accepted, then the worker died before its commit) both copies carry the same Message-ID and
mail programs show one.

Internal notes, inbound messages and messages saved already sent (imported) are never mailed.
"""

from __future__ import annotations

import logging
from datetime import UTC
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform import mail
from keyi.platform.hooks import AfterWriteEvent, registry
from keyi.platform.jobs import enqueue, job_handler
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.jobs import ClaimedJob

__all__ = ["SEND_KIND", "build_reply", "queue_reply", "send_reply"]

log = logging.getLogger("keyi.service.mail")
hooks = registry.package("service")
SEND_KIND = "service.mail_send"
MAX_REFERENCES = 20
STAMPED = frozenset({"message_id", "from_address", "to_addresses", "sent_at"})


@hooks.after_write("case_message")
def queue_reply(ctx: Context, event: AfterWriteEvent) -> None:
    """A new public outbound message: mail it after the commit (a job, deduplicated by id)."""
    new = event.new
    if event.operation != "create" or new is None:
        return
    if new.get("visibility") != "public" or new.get("direction") != "outbound":
        return
    if new.get("sent_at") is not None:
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
    recipient = _recipient(ctx, case)
    settings = ctx.platform_settings
    if recipient is None or settings is None or not mail.mail_configured(settings):
        log.info("reply not mailed: no recipient or SMTP", extra={"message": message_id})
        return
    built = build_reply(ctx, case, message, recipient, default_from=settings.smtp_from)
    refused = mail.deliver(settings, built)
    if refused:
        raise RuntimeError(f"the relay refused {len(refused)} recipient(s)")
    RecordsService(ctx).update(
        "case_message",
        message_id,
        {
            "message_id": str(built["Message-ID"]),
            "from_address": parseaddr(str(built["From"]))[1].lower() or None,
            "to_addresses": recipient,
            "sent_at": ctx.now(),
        },
        trusted_fields=STAMPED,
    )


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
