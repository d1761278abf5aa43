"""Email to case: read each queue's mailbox over IMAP and turn new mails into cases or replies.

Run by the periodic job ``service_mail_poll`` (every scheduler round, a few minutes apart) in the
tenant's transaction. A mailbox is read by one poller at a time: its row is locked for the poll
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL — a second poller skips it; SQLite has one writer at a
time), and the highest UID read commits with the cases the mails made, so a crash reads the
same mails again and the Message-ID dedupe makes that harmless.

A mail becomes:
- nothing, when it was sent by a machine (auto-reply, bounce, bulk: see mail_parse) or when a
  message with its Message-ID is already on a case (read twice);
- a public inbound message on an existing case, when its subject carries the case number
  (``[GD-2026-000123]``) or its In-Reply-To/References name a message of the case;
- else a new case in the mailbox's queue (channel email), with the first message.
Each mail is stored in its own savepoint: one that fails is logged (without its content) and
the others go on. Cases and messages are written through the records service as the job's
system actor, so the package's hooks (status, assignment, SLA) apply as to any other case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from keyi.packages.service.mail_parse import ParsedMail, case_token, clean_text, parse_mail
from keyi.packages.service.mailbox import imap_settings, security_of
from keyi.platform import periodic
from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.errors import Conflict, NotFound
from keyi.platform.mailboxes import imap
from keyi.platform.mailboxes.files import store_file
from keyi.platform.mailboxes.table import mailbox_table
from keyi.platform.records import RecordsService

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "PollResult",
    "poll_all",
    "poll_mailbox",
    "read_now",
    "receive",
]

log = logging.getLogger("keyi.service.mail")
jobs = periodic.registry.package("service")

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
"""An attachment above this is not stored; the message notes it was refused."""
MAX_ATTACHMENTS = 20
NO_SUBJECT = "(no subject)"
EMPTY_BODY = "(empty message)"
MESSAGE_FIELDS = frozenset({"body_html", "from_address", "to_addresses", "message_id", "sent_at"})


@dataclass
class PollResult:
    read: int = 0
    cases: int = 0
    replies: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0


@jobs.job("service_mail_poll")
def poll_all(ctx: Context) -> int:
    """Read every active queue mailbox of the tenant; how many mails became records."""
    t = mailbox_table
    query = sa.select(t).where(t.c.active.is_(True), t.c.owner_object == "queue").order_by(t.c.id)
    if ctx.conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    touched = 0
    for row in ctx.conn.execute(query).mappings().all():
        result = poll_mailbox(ctx, dict(row))
        touched += result.cases + result.replies
    return touched


def read_now(ctx: Context, queue_id: str) -> tuple[PollResult, str | None]:
    """Read one queue's mailbox at once (an administrator's "Read now"), as the job would:
    the outcome and the mailbox's error. 404 without a mailbox; 409 ``mailbox_busy`` while
    another poller holds it."""
    t = mailbox_table
    where = (t.c.owner_object == "queue", t.c.owner_id == queue_id)
    if ctx.conn.execute(sa.select(t.c.id).where(*where)).first() is None:
        raise NotFound()
    query = sa.select(t).where(*where)
    if ctx.conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = ctx.conn.execute(query).mappings().first()
    if row is None:
        raise Conflict("mailbox_busy")
    result = poll_mailbox(ctx, dict(row))
    error = ctx.conn.execute(sa.select(t.c.last_error).where(*where)).scalar()
    return result, error


def poll_mailbox(ctx: Context, mailbox: dict[str, Any]) -> PollResult:
    """Read one mailbox's new mails (after its last UID) into cases; records the outcome."""
    result = PollResult()
    error: str | None = None
    t = mailbox_table
    try:
        settings = imap_settings(
            ctx,
            host=mailbox["host"],
            port=mailbox["port"],
            security=security_of(mailbox),
            username=mailbox["username"],
            password=_password(ctx, mailbox["password"]),
            folder=mailbox["folder"],
        )
        with imap.connect(settings) as (client, validity):
            last_uid = mailbox["last_uid"] or 0
            if mailbox["uid_validity"] is not None and mailbox["uid_validity"] != validity:
                last_uid = 0  # the folder was recreated: read it again (dedupe by Message-ID)
            uids = imap.fetch_after(client, last_uid)
            done: list[int] = []
            for uid in uids:
                raw = imap.fetch_one(client, uid)
                if raw is not None:
                    _receive_safely(ctx, mailbox, raw, result)
                done.append(uid)
                last_uid = uid
            imap.mark_seen(client, done)
            ctx.conn.execute(
                sa.update(t)
                .where(t.c.id == mailbox["id"])
                .values(uid_validity=validity, last_uid=last_uid)
            )
        if result.failed:
            # Their UIDs are passed (they stay on the server, unread by Keyi): say so where
            # the administrator looks, the log has the reason.
            error = f"{result.failed} mail(s) could not be stored; see the server log"
    except imap.ImapError as exc:
        error = str(exc)
    except SecretUnreadable:
        error = "the stored password cannot be decrypted with this installation's key"
    if error:
        log.warning("mailbox not read", extra={"mailbox": mailbox["id"], "reason": error})
    ctx.conn.execute(
        sa.update(t)
        .where(t.c.id == mailbox["id"])
        .values(last_polled_at=ctx.now(), last_error=error)
    )
    return result


def _password(ctx: Context, stored: str) -> str:
    if ctx.platform is None:
        return stored
    return ctx.platform.secret_box.decrypt(stored)


def _receive_safely(ctx: Context, mailbox: dict[str, Any], raw: bytes, result: PollResult) -> None:
    result.read += 1
    try:
        with ctx.conn.begin_nested():
            outcome = receive(ctx, str(mailbox["owner_id"]), parse_mail(raw))
    except Exception:
        log.warning("mail not stored", extra={"mailbox": mailbox["id"]}, exc_info=True)
        result.failed += 1
        return
    setattr(result, outcome, getattr(result, outcome) + 1)


def receive(ctx: Context, queue_id: str, mail: ParsedMail) -> str:
    """Store one parsed mail; the outcome: "cases", "replies", "duplicates" or "ignored"."""
    if mail.automatic:
        return "ignored"
    messages = ctx.object("case_message").table
    seen = ctx.conn.execute(
        sa.select(messages.c.id).where(messages.c.message_id == mail.message_id).limit(1)
    ).first()
    if seen is not None:
        return "duplicates"
    contact = _contact_for(ctx, mail.from_address)
    case_id = _case_for(ctx, mail)
    records = RecordsService(ctx)
    outcome = "replies"
    if case_id is None:
        values: dict[str, Any] = {
            "subject": mail.subject or NO_SUBJECT,
            "description": mail.text or None,
            "channel": "email",
            "queue": queue_id,
        }
        if contact is not None:
            values["contact"] = contact["id"]
            if contact.get("account"):
                values["account"] = contact["account"]
        case_id = records.create_many("case", [values])[0]
        outcome = "cases"
    notes = _attachment_notes(mail)
    body = mail.text or (NO_SUBJECT if not mail.readable else EMPTY_BODY)
    if notes:
        body = body + "\n\n" + "\n".join(notes)
    message: dict[str, Any] = {
        "case": case_id,
        "visibility": "public",
        "direction": "inbound",
        "channel": "email",
        "body": clean_text(body),
        "body_html": mail.html,
        "from_address": mail.from_address,
        "to_addresses": mail.to_addresses or None,
        "message_id": mail.message_id[:500],
        "sent_at": mail.sent_at or ctx.now(),
    }
    if contact is not None:
        message["author_contact"] = contact["id"]
    [message_id] = records.create_many("case_message", [message], trusted_fields=MESSAGE_FIELDS)
    for attachment in _stored_attachments(mail):
        store_file(
            ctx.conn,
            object_name="case",
            record_id=case_id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            content=attachment.content,
            now=ctx.now(),
            source_id=message_id,
            created_by=ctx.actor.name[:100],
        )
    return outcome


def _stored_attachments(mail: ParsedMail) -> list[Any]:
    return [a for a in mail.attachments if len(a.content) <= MAX_ATTACHMENT_BYTES][:MAX_ATTACHMENTS]


def _attachment_notes(mail: ParsedMail) -> list[str]:
    """A line per attachment not kept (too big, or past the count limit)."""
    notes = []
    kept = 0
    for attachment in mail.attachments:
        size = len(attachment.content)
        if size > MAX_ATTACHMENT_BYTES:
            notes.append(
                f"[Attachment refused: {attachment.filename} ({_megabytes(size)}) is larger "
                f"than {_megabytes(MAX_ATTACHMENT_BYTES)}]"
            )
        elif kept >= MAX_ATTACHMENTS:
            notes.append(f"[Attachment refused: {attachment.filename} (more than 20 files)]")
        else:
            kept += 1
    return notes


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _case_for(ctx: Context, mail: ParsedMail) -> str | None:
    """The case a mail answers: by the case number in its subject, else by the messages its
    In-Reply-To and References name."""
    cases = ctx.object("case").table
    token = case_token(mail.subject)
    if token is not None:
        row = ctx.conn.execute(
            sa.select(cases.c.id).where(cases.c.case_no == token, cases.c.deleted_at.is_(None))
        ).first()
        if row is not None:
            return str(row[0])
    references = [*mail.in_reply_to, *reversed(mail.references)]
    if references:
        messages = ctx.object("case_message").table
        row = ctx.conn.execute(
            sa.select(messages.c.case)
            .join(cases, cases.c.id == messages.c.case)
            .where(
                messages.c.message_id.in_(references),
                messages.c.deleted_at.is_(None),
                cases.c.deleted_at.is_(None),
            )
            .order_by(messages.c.created_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            return str(row[0])
    return None


def _contact_for(ctx: Context, address: str | None) -> dict[str, Any] | None:
    """The live contact with the sender's address (the most recently changed, if several)."""
    if not address:
        return None
    contacts = ctx.object("contact").table
    row = (
        ctx.conn.execute(
            sa.select(contacts.c.id, contacts.c.account)
            .where(sa.func.lower(contacts.c.email) == address, contacts.c.deleted_at.is_(None))
            .order_by(contacts.c.updated_at.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return {"id": str(row["id"]), "account": row["account"]} if row is not None else None
