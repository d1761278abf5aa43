"""The sender: a campaign's deliveries mailed in batches by the worker, at the tenant's rate.

A campaign is sent by a few *lanes* (jobs ``marketing.email_send``: four, or the tenant
setting ``marketing.email_lanes``; queued by keyi.packages.marketing.email_campaigns): each
run of a lane claims a batch of the campaign's due deliveries with ``SELECT … FOR UPDATE SKIP
LOCKED`` (PostgreSQL: lanes on two workers never take the same delivery; SQLite runs one
writer at a time), mails them over one SMTP connection, records each answer, adds to the
campaign's counters, queues its own next run and commits — the deliveries' outcome and the
job's completion in one transaction.

**Answers.** Accepted by the relay → ``sent`` (with ``sent_at`` and its Message-ID). A
permanent refusal (5xx) → ``bounced``, never tried again. A temporary one (4xx) or a lost
connection → tried again after 1, 5, 15, 60 minutes, ``failed`` after ``MAX_ATTEMPTS``.

**The crash window.** A delivery is marked sent only in the transaction that commits after
the relay accepted it; if the worker dies between the relay's acceptance and that commit, the
batch rolls back and is sent again when the job's lease runs out (at-least-once, like every
job). At most one batch (``BATCH``) can be sent twice that way, and each copy carries the same
Message-ID (made from the delivery's id), so mail programs that deduplicate show one. Nothing
is lost: a delivery leaves ``queued`` only with the answer that settles it.

**Rate.** Before a batch, a lane counts what the tenant sent in the last minute
(``keyi_delivery.sent_at``, indexed) and takes at most the rest of the tenant's
``marketing.email_rate_per_minute``; with nothing left it comes back in a few seconds. Lanes
racing may overshoot the minute's allowance by one batch each.

**The message**: From the campaign's sender, its Reply-To, ``List-Unsubscribe`` with the
one-click URL and a mailto, ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC
8058), a plain-text part made from the HTML, links rewritten through the click redirect and an
open pixel (keyi.packages.marketing.email_tracking).
"""

from __future__ import annotations

import base64
import logging
import secrets
import smtplib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.marketing import email_campaigns, email_render, email_templates
from keyi.packages.marketing.email_tokens import make_token
from keyi.platform import mail
from keyi.platform.deliveries import delivery_table
from keyi.platform.fieldtypes import EMAIL_RE
from keyi.platform.ids import new_id
from keyi.platform.jobs import enqueue, job_handler
from keyi.platform.notifications.email import absolute_url

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.jobs import ClaimedJob

__all__ = ["BATCH", "MAX_ATTEMPTS", "MailNotConfigured", "build_message", "send_batch", "sender_of"]

log = logging.getLogger("keyi.marketing.email")
BATCH = 50
MAX_ATTEMPTS = 4
MAX_ERROR_CHARS = 500
PUBLIC_MAIL = "/api/v1/public/mail"


class MailNotConfigured(Exception):
    """No SMTP relay: the job is retried (the deliveries stay queued) until one is set."""


def sender_of(ctx: Context, campaign: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """The campaign's From (its own, else the tenant's default) as the merge field sees it."""
    return {
        "name": campaign.get("from_name") or settings["from_name"],
        "email": campaign.get("from_address") or settings["from_address"] or "",
        "company": ctx.tenant.label,
    }


def _header(value: str) -> str:
    """A header value: as is when ASCII, else RFC 2047 encoded words (folded); line breaks
    never reach a header (no header injection)."""
    value = " ".join(value.split())
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _address_ok(address: str) -> bool:
    return bool(EMAIL_RE.match(address)) and address.isascii() and len(address) <= 320


def _body(text: str) -> str:
    return base64.encodebytes(text.encode("utf-8")).decode("ascii").replace("\n", "\r\n")


def build_message(
    *,
    sender: dict[str, Any],
    to: str,
    subject: str,
    html: str,
    text: str,
    reply_to: str | None,
    message_id: str | None,
    unsubscribe: str | None,
    now: datetime,
) -> bytes:
    """The message as the bytes handed to the relay (CRLF line ends: smtplib sends bytes as
    they are): multipart/alternative (plain text and HTML, UTF-8, base64). Built by hand
    rather than with ``email.message.EmailMessage``, whose header objects cost ~10 ms a
    message — the sender's budget is 200 a second."""
    name = " ".join(str(sender["name"] or "").split())
    headers = [
        ("From", formataddr((name, str(sender["email"])), charset="utf-8")),
        ("To", to),
        ("Subject", _header(subject)),
        ("Date", format_datetime(now.replace(tzinfo=UTC))),
    ]
    if message_id:
        headers.append(("Message-ID", message_id))
    if reply_to and _address_ok(reply_to):
        headers.append(("Reply-To", reply_to))
    if unsubscribe:
        mailto = f"mailto:{reply_to or sender['email']}?subject=unsubscribe"
        headers.append(("List-Unsubscribe", f"<{unsubscribe}>, <{mailto}>"))
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    boundary = f"=_keyi_{secrets.token_hex(12)}"
    headers += [
        ("Auto-Submitted", "auto-generated"),
        ("Precedence", "bulk"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    part = 'Content-Type: text/{kind}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    lines = [f"{key}: {value}" for key, value in headers]
    raw = (
        "\r\n".join(lines)
        + f"\r\n\r\n--{boundary}\r\n"
        + part.format(kind="plain")
        + _body(text)
        + f"\r\n--{boundary}\r\n"
        + part.format(kind="html")
        + _body(html)
        + f"\r\n--{boundary}--\r\n"
    )
    return raw.encode("ascii")


# ------------------------------------------------------------------ the lane
def _allowance(ctx: Context) -> int:
    rate = email_campaigns.campaign_settings(ctx)["rate_per_minute"]
    d = delivery_table
    recent = ctx.conn.execute(
        sa.select(sa.func.count())
        .select_from(d)
        .where(d.c.sent_at >= ctx.now() - timedelta(minutes=1))
    ).scalar_one()
    return max(0, int(rate) - int(recent))


def _claim(ctx: Context, campaign_id: str, limit: int) -> list[dict[str, Any]]:
    d = delivery_table
    stmt = (
        sa.select(d)
        .where(
            d.c.source_id == campaign_id,
            d.c.status == "queued",
            d.c.next_attempt_at <= ctx.now(),
        )
        .order_by(d.c.id)
        .limit(limit)
    )
    if ctx.dialect == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [dict(r) for r in ctx.conn.execute(stmt).mappings()]


def _people(ctx: Context, batch: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The batch's recipients by id (one query per object), with their accounts."""
    found: dict[str, dict[str, Any]] = {}
    by_object: dict[str, list[str]] = {}
    for row in batch:
        by_object.setdefault(row["recipient_object"], []).append(str(row["recipient_id"]))
    accounts: set[str] = set()
    for object_name, ids in by_object.items():
        table = ctx.object(object_name).table
        for person in ctx.conn.execute(sa.select(table).where(table.c.id.in_(ids))).mappings():
            found[str(person["id"])] = dict(person)
            if object_name == "contact" and person.get("account"):
                accounts.add(str(person["account"]))
    if accounts:
        table = ctx.object("account").table
        rows = ctx.conn.execute(sa.select(table).where(table.c.id.in_(sorted(accounts))))
        by_id = {str(r["id"]): dict(r) for r in rows.mappings()}
        for found_person in found.values():
            if found_person.get("account"):
                found_person["__account"] = by_id.get(str(found_person["account"]))
    return found


def _domain(address: str) -> str:
    domain = address.rpartition("@")[2]
    return domain if "." in domain else "keyi.invalid"


def _public(ctx: Context, path: str) -> str:
    settings = ctx.platform_settings
    assert settings is not None
    return absolute_url(settings, f"{PUBLIC_MAIL}{path}") or path


def _answer(exc: Exception, address: str) -> tuple[str, str]:
    """``bounced`` (permanent) or ``retry`` (temporary), and the relay's words."""
    code: int | None = None
    words = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = exc.recipients.get(address) or next(iter(exc.recipients.values()), None)
        if refused is not None:
            code = int(refused[0])
            words = f"{code} {refused[1].decode('utf-8', 'replace')}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = int(exc.smtp_code)
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        words = f"{code} {text}"
    if code is not None and 500 <= code < 600:
        return "bounced", words
    return "retry", words


def send_batch(ctx: Context, campaign: dict[str, Any], limit: int) -> tuple[int, bool]:
    """Claim and mail up to ``limit`` due deliveries; (how many were claimed, whether the
    connection broke)."""
    campaign_id = str(campaign["id"])
    batch = _claim(ctx, campaign_id, limit)
    if not batch:
        return 0, False
    settings = ctx.platform_settings
    if settings is None or not mail.mail_configured(settings) or ctx.platform is None:
        raise MailNotConfigured("SMTP is not configured")
    box = ctx.platform.secret_box
    template = email_templates.load_row(ctx, "email_template", campaign["template"])
    if template is None or not template.get("body_html"):
        # The template was deleted (or emptied) since the send began: nothing sensible to mail.
        gone = {int(row["id"]): ("failed", "template deleted") for row in batch}
        _record(ctx, campaign_id, batch, gone)
        return len(batch), False
    fields = email_templates.merge_fields(ctx)
    sender = sender_of(ctx, campaign, email_campaigns.campaign_settings(ctx))
    people = _people(ctx, batch)
    now = ctx.now()
    domain = _domain(str(sender["email"]))
    tenant = ctx.tenant.id
    envelope_from = str(sender["email"]) or parseaddr(settings.smtp_from)[1]
    outcome: dict[int, tuple[str, str | None]] = {}
    broken = False
    with mail.relay(settings) as smtp:
        for delivery in batch:
            delivery_id = int(delivery["id"])
            person = people.get(str(delivery["recipient_id"]))
            if person is None or person.get("deleted_at") is not None:
                outcome[delivery_id] = ("cancelled", "recipient deleted")
                continue
            if person.get("email_opt_out"):
                outcome[delivery_id] = ("cancelled", "opted out")
                continue
            address = str(delivery["address"])
            if not _address_ok(address):
                outcome[delivery_id] = ("bounced", "not an address this sender can use")
                continue
            unsubscribe = _public(ctx, f"/u/{make_token(box, 'u', tenant, delivery_id)}")
            values = email_templates.recipient_values(
                ctx,
                fields,
                str(delivery["recipient_object"]),
                person,
                person.get("__account"),
                sender,
                unsubscribe,
            )
            try:
                rendered = email_render.render_email(
                    str(template.get("subject") or ""), str(template.get("body_html") or ""), values
                )
            except email_render.RenderFailed as exc:
                outcome[delivery_id] = ("failed", f"template: {exc}")
                continue

            def tracked(url: str, delivery_id: int = delivery_id) -> str:
                return _public(ctx, f"/c/{make_token(box, 'c', tenant, delivery_id, url)}")

            body = email_render.rewrite_links(rendered.html, tracked, keep=(unsubscribe,))
            # The plain-text part's links go through the click redirect too: a click from a
            # text-only mail reader counts like one from the HTML.
            text = email_render.html_to_text(body)
            pixel = _public(ctx, f"/o/{make_token(box, 'o', tenant, delivery_id)}.gif")
            body += f'<img src="{pixel}" width="1" height="1" alt="" style="display:none">'
            message_id = f"<mk.{delivery_id}.{campaign_id[:8]}@{domain}>"
            message = build_message(
                sender=sender,
                to=address,
                subject=rendered.subject,
                html=body,
                text=text,
                reply_to=campaign.get("reply_to"),
                message_id=message_id,
                unsubscribe=unsubscribe,
                now=now,
            )
            try:
                smtp.sendmail(envelope_from, [address], message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                outcome[delivery_id] = _answer(exc, address)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                outcome[delivery_id] = ("retry", f"{type(exc).__name__}: {exc}")
                broken = True
                break
            outcome[delivery_id] = ("sent", message_id)
    _record(ctx, campaign_id, batch, outcome)
    return len(batch), broken


def _record(
    ctx: Context,
    campaign_id: str,
    batch: list[dict[str, Any]],
    outcome: Mapping[int, tuple[str, str | None]],
) -> None:
    """Each delivery's answer, in as few statements as the answers differ; the counters."""
    d = delivery_table
    now = ctx.now()
    attempts = {int(row["id"]): int(row["attempts"]) + 1 for row in batch}
    sent = [{"b_id": i, "b_mid": m} for i, (s, m) in outcome.items() if s == "sent"]
    if sent:
        ctx.conn.execute(
            sa.update(d)
            .where(d.c.id == sa.bindparam("b_id"))
            .values(
                status="sent",
                sent_at=now,
                attempts=d.c.attempts + 1,
                message_id=sa.bindparam("b_mid"),
                error=None,
            ),
            sent,
        )
    counts = {"sent": len(sent), "bounced": 0, "failed": 0}
    for delivery_id, (status, words) in outcome.items():
        if status == "sent":
            continue
        error = (words or "")[:MAX_ERROR_CHARS]
        values: dict[str, Any] = {"attempts": attempts[delivery_id], "error": error}
        if status == "retry" and attempts[delivery_id] < MAX_ATTEMPTS:
            values["next_attempt_at"] = now + email_campaigns.retry_after(attempts[delivery_id])
        elif status == "retry":
            values["status"] = "failed"
            counts["failed"] += 1
        else:
            values["status"] = status
            if status in counts:
                counts[status] += 1
        ctx.conn.execute(sa.update(d).where(d.c.id == delivery_id).values(values))
    email_campaigns.add_counts(ctx, campaign_id, **counts)


@job_handler(email_campaigns.SEND_JOB)
def send_lane(ctx: Context, job: ClaimedJob) -> None:
    """One run of a lane: a batch at the tenant's rate, then its next run (see the module)."""
    campaign_id = str(job.payload["campaign"])
    lane = int(job.payload.get("lane") or 0)
    table = ctx.object(email_campaigns.OBJECT).table
    row = ctx.conn.execute(sa.select(table).where(table.c.id == campaign_id)).mappings().first()
    if row is None or row["status"] != "sending" or row["deleted_at"] is not None:
        return
    campaign = dict(row)
    allowance = _allowance(ctx)
    if allowance <= 0:
        _again(ctx, campaign_id, lane, ctx.now() + timedelta(seconds=5))
        return
    claimed, broken = send_batch(ctx, campaign, min(BATCH, allowance))
    if claimed:
        _again(ctx, campaign_id, lane, ctx.now() + timedelta(seconds=5 if broken else 0))
        return
    d = delivery_table
    later = ctx.conn.execute(
        sa.select(sa.func.min(d.c.next_attempt_at)).where(
            d.c.source_id == campaign_id, d.c.status == "queued"
        )
    ).scalar()
    if later is None:
        email_campaigns.finish_campaign(ctx, campaign_id)
    elif later > ctx.now():
        _again(ctx, campaign_id, lane, later)
    # else: due ones exist but another lane holds them; that lane goes on.


def _again(ctx: Context, campaign_id: str, lane: int, run_at: datetime) -> None:
    enqueue(
        ctx.conn,
        email_campaigns.SEND_JOB,
        {"campaign": campaign_id, "lane": lane},
        now=ctx.now(),
        run_at=run_at,
        dedupe_key=f"{email_campaigns.SEND_JOB}:{campaign_id}:{lane}:{new_id()}",
    )


@job_handler(email_campaigns.TEST_JOB)
def send_test_mail(ctx: Context, job: ClaimedJob) -> None:
    """Mail a rendered test (see email_campaigns.send_test); raises to be retried."""
    settings = ctx.platform_settings
    if settings is None or not mail.mail_configured(settings):
        raise MailNotConfigured("SMTP is not configured")
    table = ctx.object(email_campaigns.OBJECT).table
    row = (
        ctx.conn.execute(sa.select(table).where(table.c.id == str(job.payload["campaign"])))
        .mappings()
        .first()
    )
    if row is None:
        return
    sender = sender_of(ctx, dict(row), email_campaigns.campaign_settings(ctx))
    message = build_message(
        sender=sender,
        to=str(job.payload["to"]),
        subject=str(job.payload["subject"]),
        html=str(job.payload["html"]),
        text=str(job.payload["text"]),
        reply_to=row.get("reply_to"),
        message_id=None,
        unsubscribe=None,
        now=ctx.now(),
    )
    envelope_from = str(sender["email"]) or parseaddr(settings.smtp_from)[1]
    with mail.relay(settings) as smtp:
        smtp.sendmail(envelope_from, [str(job.payload["to"])], message)
