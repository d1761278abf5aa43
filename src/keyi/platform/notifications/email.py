"""The ``notify.email`` job: the email copy of one in-app notification.

Runs in the worker after the notification committed, inside the tenant transaction that
completes the job. The copy is rendered in the recipient's language with the channel layer's
sandboxed templates (title and body are data there, never template source) and sent through the
SMTP relay. A failed send raises, so the queue retries it with backoff and, out of attempts,
leaves it dead in Setup › Jobs where an administrator can fix the relay and retry.

Sending twice is what at-least-once delivery risks when a worker dies between the SMTP
exchange and the commit; two guards keep it rare and harmless: ``emailed_at`` is set in the
completing transaction (a job run again after a commit sends nothing), and the Message-ID is
derived from the notification id, so a copy that does go twice carries the same Message-ID and
mail clients show it once.

What is checked at send time rather than when notifying: the user still exists, is active and
has an address; their email preference is still on; the installation still has a relay. Any of
those missing ends the job quietly — nothing to send is not a failure to retry.
"""

from __future__ import annotations

import logging
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.jobs.queue import ClaimedJob
from keyi.platform.jobs.registry import job_handler
from keyi.platform.notifications.service import EMAIL_JOB, link_path
from keyi.platform.notifications.table import notification_table, preference_table
from keyi.platform.notify import MessageTemplate, email_from_rendered, render, send_email
from keyi.settings import Settings

__all__ = [
    "EMAIL_TEMPLATE",
    "NotificationEmailFailed",
    "absolute_url",
    "message_id",
    "send_notification_email",
]

log = logging.getLogger("keyi.notifications")

EMAIL_TEMPLATE = MessageTemplate(
    subject={"zh-CN": "{{ title }}", "en": "{{ title }}"},
    text={
        "zh-CN": (
            "{{ title }}\n\n{% if body %}{{ body }}\n\n{% endif %}"
            "{% if url %}查看：{{ url }}\n\n{% endif %}"
            "—— 客易 CRM · {{ company }}\n"
            "您收到这封邮件，是因为开启了通知邮件；可在客易 CRM 的通知中关闭。\n"
        ),
        "en": (
            "{{ title }}\n\n{% if body %}{{ body }}\n\n{% endif %}"
            "{% if url %}Open: {{ url }}\n\n{% endif %}"
            "— Keyi CRM · {{ company }}\n"
            "You get this email because notification emails are on; turn them off in Keyi "
            "CRM's notifications.\n"
        ),
    },
    html={
        "zh-CN": (
            "<p><strong>{{ title }}</strong></p>{% if body %}<p>{{ body }}</p>{% endif %}"
            '{% if url %}<p><a href="{{ url }}">查看</a></p>{% endif %}'
            '<p style="color:#888">客易 CRM · {{ company }}。'
            "可在客易 CRM 的通知中关闭通知邮件。</p>"
        ),
        "en": (
            "<p><strong>{{ title }}</strong></p>{% if body %}<p>{{ body }}</p>{% endif %}"
            '{% if url %}<p><a href="{{ url }}">Open in Keyi</a></p>{% endif %}'
            '<p style="color:#888">Keyi CRM · {{ company }}. Turn notification emails off in '
            "Keyi CRM's notifications.</p>"
        ),
    },
)


class NotificationEmailFailed(Exception):
    """The relay did not take the message; the job is retried (the error says why)."""


def message_id(settings: Settings, notification_id: str) -> str:
    """The same Message-ID for every attempt at one notification's email."""
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2]
    return f"<notification.{notification_id}@{domain if '.' in domain else 'keyi.invalid'}>"


def absolute_url(settings: Settings, path: str | None) -> str | None:
    """A path of the web app as a link for messages read outside it (emails, group robots)."""
    if path is None:
        return None
    # The configured public address only (as password-reset links): never a request's Host.
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return f"{base.rstrip('/')}{path}"


def _recipient(ctx: Context, user_id: str) -> Any:
    users = ctx.object("user").table
    p = preference_table
    stmt = (
        sa.select(users.c.email, users.c.language, users.c.name, users.c.is_active, p.c.email)
        .select_from(users.outerjoin(p, p.c.user_id == users.c.id))
        .where(users.c.id == user_id, users.c.deleted_at.is_(None))
    )
    return ctx.conn.execute(stmt).first()


@job_handler(EMAIL_JOB)
def send_notification_email(ctx: Context, job: ClaimedJob) -> None:
    """Email one notification to its user (see the module docstring for what is skipped)."""
    notification_id = str(job.payload.get("notification_id", ""))
    t = notification_table
    row = ctx.conn.execute(sa.select(t).where(t.c.id == notification_id)).mappings().first()
    if row is None or row["emailed_at"] is not None:
        return
    settings = ctx.platform_settings
    if settings is None or not settings.smtp_host:
        log.info("notification email skipped: SMTP is not configured")
        return
    recipient = _recipient(ctx, str(row["user_id"]))
    if recipient is None or not recipient.is_active or not recipient.email:
        return
    email, language, name, _active, wants_email = recipient
    if wants_email is False:
        return
    values = {
        "title": row["title"],
        "body": row["body"],
        "url": absolute_url(settings, link_path(row)),
        "company": ctx.tenant.label,
        "user": {"name": name},
    }
    rendered = render(EMAIL_TEMPLATE, values, language=language, time_zone=ctx.time_zone)
    message = email_from_rendered(settings, email, rendered)
    message.replace_header("Message-ID", message_id(settings, notification_id))
    result = send_email(settings, message)
    if not result.ok:
        raise NotificationEmailFailed(result.error or "not sent")
    ctx.conn.execute(sa.update(t).where(t.c.id == notification_id).values(emailed_at=ctx.now()))
