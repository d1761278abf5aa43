"""Scheduled report emails: a report sent to users and roles on a schedule, as an xlsx or CSV
attachment or as a link.

The scheduler's round (``report_subscriptions``) enqueues one ``report.email`` job per
recipient and scheduled run (deduplicated by subscription, recipient and run); the worker then
builds that recipient's file in their own view of the report — a rep's copy holds the rep's
rows — and sends it through the SMTP relay. A recipient who can no longer read the report (or
is inactive, or has no address) gets nothing; a file over MAX_ATTACHMENT_BYTES is replaced by
the link. A failed send raises, so the queue retries it like every email.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics import export, folders, scheduled
from keyi.platform.analytics.readers import as_user, expand_recipients
from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.analytics.tables import report_subscription_table, report_table
from keyi.platform.errors import FieldErrors, KeyiError
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.i18n import label
from keyi.platform.jobs.queue import ClaimedJob, enqueue
from keyi.platform.jobs.registry import job_handler
from keyi.platform.notifications.email import absolute_url
from keyi.platform.notify import MessageTemplate, email_from_rendered, render, send_email

if TYPE_CHECKING:
    from keyi.platform.context import Context

log = logging.getLogger("keyi.reports")

EMAIL_JOB = "report.email"
FORMATS = ("xlsx", "csv", "link")
DEFAULT_SCHEDULE = "0 8 * * 1"  # Mondays at 08:00, the tenant's time
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
subscriptions = report_subscription_table
TEMPLATE = MessageTemplate(
    subject={"zh-CN": "报表：{{ name }}", "en": "Report: {{ name }}"},
    text={
        "zh-CN": (
            "{{ name }}\n\n{% if attached %}报表见附件。{% else %}在客易 CRM 中查看报表。"
            "{% endif %}\n{% if url %}查看：{{ url }}\n{% endif %}\n—— 客易 CRM · {{ company }}\n"
            "您收到这封邮件，是因为订阅了此报表。\n"
        ),
        "en": (
            "{{ name }}\n\n{% if attached %}The report is attached.{% else %}Open the report in "
            "Keyi CRM.{% endif %}\n{% if url %}Open: {{ url }}\n{% endif %}\n— Keyi CRM · "
            "{{ company }}\nYou get this email because you are subscribed to this report.\n"
        ),
    },
)


class ReportEmailFailed(Exception):
    """The relay did not take the message; the job is retried."""


# ------------------------------------------------------------------ CRUD
def subscription_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "report_id": row.report_id,
        "schedule": row.schedule,
        "format": row.format,
        "recipients": row.recipients,
        "owner_id": row.owner_id,
        "active": row.active,
        "next_run_at": datetime_json(row.next_run_at),
        "last_sent_at": datetime_json(row.last_sent_at),
        "updated_at": datetime_json(row.updated_at),
    }


def list_subscriptions(ctx: Context, report_id: str | None = None) -> list[dict[str, Any]]:
    return [subscription_json(r) for r in scheduled.owned_rows(ctx, subscriptions, report_id)]


def _values(ctx: Context, data: dict[str, Any], current: Any | None) -> dict[str, Any]:
    errors = FieldErrors()
    known = {"report_id", "schedule", "format", "recipients", "active"}
    scheduled.unknown_keys(data, known, errors)
    report = scheduled.readable_report(
        ctx, data.get("report_id", current.report_id if current else None)
    )
    schedule = scheduled.check_schedule(
        data.get("schedule", current.schedule if current else None), DEFAULT_SCHEDULE, errors
    )
    fmt = data.get("format", current.format if current else "xlsx")
    if fmt not in FORMATS:
        errors.add("format", "invalid_choice")
    recipients = scheduled.check_recipients(
        ctx, data.get("recipients", current.recipients if current else None), errors
    )
    active = data.get("active", current.active if current else True)
    if not isinstance(active, bool):
        errors.add("active", "invalid_boolean")
    errors.raise_if_any()
    return {
        "report_id": report.id,
        "schedule": schedule,
        "format": fmt,
        "recipients": recipients,
        "active": active,
        "next_run_at": scheduled.next_due_at(ctx, schedule, ctx.now()),
    }


def create_subscription(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    values = _values(ctx, data, None)
    sub_id = scheduled.insert_owned(ctx, subscriptions, values, "report_subscription.create")
    return subscription_json(_own(ctx, sub_id))


def _own(ctx: Context, sub_id: str) -> Any:
    return scheduled.owned_row(ctx, subscriptions, sub_id)


def get_subscription(ctx: Context, sub_id: str) -> dict[str, Any]:
    return subscription_json(_own(ctx, sub_id))


def update_subscription(ctx: Context, sub_id: str, data: dict[str, Any]) -> dict[str, Any]:
    row = _own(ctx, sub_id)
    values = _values(ctx, data, row)
    scheduled.update_owned(ctx, subscriptions, row.id, values, "report_subscription.update")
    return get_subscription(ctx, row.id)


def delete_subscription(ctx: Context, sub_id: str) -> None:
    row = _own(ctx, sub_id)
    ctx.conn.execute(sa.delete(subscriptions).where(subscriptions.c.id == row.id))
    ctx.audit("report_subscription.delete", subscription_id=row.id)


# ------------------------------------------------------------------ sending
def run_due_subscriptions(ctx: Context) -> int:
    """The scheduler's round: one email job per recipient of every subscription now due."""
    now = ctx.now()
    due = scheduled.due_rows(ctx, subscriptions, now)
    queued = 0
    for row in due:
        run_key = row.next_run_at.isoformat()
        users = expand_recipients(
            ctx, [row.owner_id, *row.recipients.get("users", [])], row.recipients.get("roles", [])
        )
        for user_id in users:
            queued += (
                enqueue(
                    ctx.conn,
                    EMAIL_JOB,
                    {"subscription_id": row.id, "user_id": user_id},
                    now=now,
                    dedupe_key=f"{EMAIL_JOB}:{row.id}:{user_id}:{run_key}"[:255],
                )
                is not None
            )
        ctx.conn.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.id == row.id)
            .values(last_sent_at=now, next_run_at=scheduled.next_due_at(ctx, row.schedule, now))
        )
    return queued


@job_handler(EMAIL_JOB)
def send_report_email(ctx: Context, job: ClaimedJob) -> None:
    """Build one recipient's copy in their view and send it (see the module docstring)."""
    settings = ctx.platform_settings
    if settings is None or not settings.smtp_host:
        log.info("report email skipped: SMTP is not configured")
        return
    sub = ctx.conn.execute(
        sa.select(subscriptions).where(subscriptions.c.id == job.payload.get("subscription_id"))
    ).first()
    if sub is None or not sub.active:
        return
    report = ctx.conn.execute(
        sa.select(report_table).where(
            report_table.c.id == sub.report_id, report_table.c.deleted_at.is_(None)
        )
    ).first()
    if report is None:
        return
    users = ctx.object("user").table
    person = ctx.conn.execute(
        sa.select(users.c.email, users.c.language).where(
            users.c.id == job.payload.get("user_id"), users.c.deleted_at.is_(None)
        )
    ).first()
    if person is None or not person.email:
        return
    language = person.language or str(ctx.settings.get("locale") or "zh-CN")
    name = label(report.name, language) or "Report"
    attachment: bytes | None = None
    with as_user(ctx, str(job.payload.get("user_id"))) as acting:
        if not acting or not folders.item_readable(
            ctx, report, folders.folder_row(ctx, report.folder_id)
        ):
            return
        if sub.format != "link":
            try:
                attachment = _file(ctx, report, name, sub.format)
            except KeyiError:
                return  # closed to this recipient now (a field hidden from them)
    url = absolute_url(settings, f"/reports/{report.id}")
    rendered = render(
        TEMPLATE,
        {
            "name": name,
            "attached": attachment is not None,
            "url": url,
            "company": ctx.tenant.label,
        },
        language=language,
        time_zone=ctx.time_zone,
    )
    message = email_from_rendered(settings, person.email, rendered)
    if attachment is not None:
        maintype, subtype = export.MEDIA_TYPES[sub.format].split(";")[0].split("/")
        message.add_attachment(
            attachment, maintype=maintype, subtype=subtype, filename=f"{name}.{sub.format}"
        )
    result = send_email(settings, message)
    if not result.ok:
        raise ReportEmailFailed(result.error or "not sent")


def _file(ctx: Context, report: Any, name: str, fmt: str) -> bytes | None:
    """The recipient's file, or None (send the link) when it is too large to attach."""
    sheet = export.prepare(
        ctx,
        ReportSpec.from_json(report.definition),
        title=name,
        saved=True,
        open_context=lambda: nullcontext(ctx),
        fmt=fmt,  # type: ignore[arg-type]
    )
    data = bytearray()
    for chunk in export.stream(sheet, fmt):  # type: ignore[arg-type]
        data += chunk
        if len(data) > MAX_ATTACHMENT_BYTES:
            return None
    return bytes(data)
