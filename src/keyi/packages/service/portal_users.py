"""Customer portal users (``portal_user``): who they are, invitations and sign-in links by mail.

A portal user is a contact invited to the customer portal. The record says who (contact, name
and sign-in email copied from the contact unless given), what they may see (``company_access``:
every case of the contact's account, not only their own) and where they stand (``status``:
invited → active once the invitation is accepted; disabled / enabled by an administrator).
The secrets — password hash, lock-out, sessions, one-time links — are in the tenant's portal
tables under the realm ``customer`` (keyi.platform.portal), never in a field.

Mails go through the job queue like the survey invitations (keyi.packages.service.surveys):
the action enqueues a job in its transaction; the job issues the one-time token (only its hash
is stored), mails the link and commits — a relay that refuses the mail rolls the token back
and the job is retried. Disabling a user (any path that sets the status) revokes every one of
their sessions in the same transaction; each request checks the status again besides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import Conflict
from keyi.platform.hooks import AfterWriteEvent, UpgradeEvent, WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.jobs.queue import ClaimedJob, enqueue
from keyi.platform.jobs.registry import job_handler
from keyi.platform.notifications.email import absolute_url
from keyi.platform.notify import MessageTemplate, email_from_rendered, render, send_email
from keyi.platform.permissions import Actor
from keyi.platform.portal import PortalAuth, Purpose
from keyi.platform.portal.principals import INVITE_VALID
from keyi.platform.records import RecordsService

__all__ = [
    "INVITE_JOB",
    "LOGIN_LINK_JOB",
    "OBJECT",
    "REALM",
    "PortalPerson",
    "auth_for",
    "invite",
    "portal_actor",
    "set_status",
]

log = logging.getLogger("keyi.service.portal")
hooks = registry.package("service")

OBJECT = "portal_user"
REALM = "customer"
INVITE_JOB = "service.portal_invite"
LOGIN_LINK_JOB = "service.portal_login_link"
ACTOR_SUFFIX = {"zh-CN": "（客户门户）", "en": " (customer portal)"}

MESSAGES.update(
    {
        "portal_user_disabled": {
            "en": "This portal user is disabled: enable them first.",
            "zh-CN": "该门户用户已停用，请先启用。",
        },
        "contact_without_email": {
            "en": "The contact has no email address to invite.",
            "zh-CN": "该联系人没有邮箱，无法邀请。",
        },
        "portal_user_exists": {
            "en": "This contact already has a portal user.",
            "zh-CN": "该联系人已有门户用户。",
        },
    }
)


@dataclass(frozen=True)
class PortalPerson:
    """A signed-in portal user as the portal routes use them: the record, their contact and
    the contact's account (the grants are computed from these, never from a request)."""

    id: str
    name: str
    email: str
    locale: str
    company_access: bool
    contact_id: str
    contact_name: str
    account_id: str | None
    account_name: str | None


def auth_for(ctx: Context) -> PortalAuth:
    """The customer realm's sign-in on this transaction, with the installation's session
    lifetime and idle timeout (the same as internal sessions)."""
    settings = ctx.platform_settings
    return PortalAuth(
        ctx.conn,
        REALM,
        now=ctx.now(),
        session_hours=settings.session_ttl_hours if settings is not None else 24 * 7,
        idle_minutes=settings.session_idle_minutes if settings is not None else 120,
    )


def portal_actor(name: str) -> Actor:
    """The system actor a portal user's writes run as, named after them, so history and audit
    say who (``张三（客户门户）``)."""
    suffix = ACTOR_SUFFIX["en"] if name.isascii() else ACTOR_SUFFIX["zh-CN"]
    return Actor.system(f"{name}{suffix}"[:200])


def _row(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any] | None:
    if not record_id:
        return None
    table = ctx.object(object_name).table
    found = (
        ctx.conn.execute(
            sa.select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(found) if found is not None else None


def person(ctx: Context, portal_user_id: str) -> PortalPerson | None:
    """The portal user, their contact and its account as stored, or None when any is gone."""
    user = _row(ctx, OBJECT, portal_user_id)
    if user is None:
        return None
    contact = _row(ctx, "contact", user["contact"])
    if contact is None:
        return None
    account = _row(ctx, "account", contact.get("account"))
    return PortalPerson(
        id=str(user["id"]),
        name=str(user["name"] or contact.get("name") or ""),
        email=str(user["email"] or ""),
        locale=str(user["locale"] or "zh-CN"),
        company_access=bool(user["company_access"]),
        contact_id=str(contact["id"]),
        contact_name=str(contact.get("name") or ""),
        account_id=str(account["id"]) if account else None,
        account_name=str(account.get("name") or "") if account else None,
    )


def status_of(ctx: Context, portal_user_id: str) -> str | None:
    user = _row(ctx, OBJECT, portal_user_id)
    return None if user is None else str(user["status"])


# ---------------------------------------------------------------- record rules
@hooks.before_save(OBJECT)
def portal_user_rules(ctx: Context, event: WriteEvent) -> None:
    """Name copied from the contact; email lower-cased, defaulting to the contact's (and
    required: the portal signs in by it)."""
    contact = _row(ctx, "contact", event.final("contact"))
    if contact is not None and (event.operation == "create" or "contact" in event.values):
        event.values["name"] = str(contact.get("name") or "")[:200]
    email = event.final("email")
    if not email and contact is not None and contact.get("email"):
        email = contact["email"]
    if email:
        email = str(email).strip().lower()
        if email != event.final("email"):
            event.values["email"] = email
    elif event.operation == "create" or "email" in event.values:
        event.errors.add("email", "required")


@hooks.after_write(OBJECT)
def portal_user_sign_in(ctx: Context, event: AfterWriteEvent) -> None:
    """The sign-in row follows the record's email; disabling or deleting the user, or moving
    it to another contact, ends every session at once, and unused links stop working."""
    auth = auth_for(ctx)
    if event.operation == "delete" or event.new is None:
        auth.revoke_sessions(event.record_id)
        auth.expire_tokens(event.record_id)
        return
    if event.new.get("email"):
        auth.ensure_credential(event.record_id, str(event.new["email"]))
    old = event.old or {}
    disabled = event.new.get("status") == "disabled" and old.get("status") != "disabled"
    # Given to another contact: what the sessions saw was someone else's; they end too.
    moved = event.operation == "update" and old.get("contact") != event.new.get("contact")
    if disabled or moved:
        auth.revoke_sessions(event.record_id)
        auth.expire_tokens(event.record_id)


@hooks.after_write("contact")
def contact_name_follows(ctx: Context, event: AfterWriteEvent) -> None:
    """A contact renamed: its portal user's name follows (the copy the list shows)."""
    if event.operation != "update" or event.new is None:
        return
    if (event.old or {}).get("name") == event.new.get("name"):
        return
    users = ctx.object(OBJECT).table
    found = ctx.conn.execute(
        sa.select(users.c.id).where(
            users.c.contact == event.record_id, users.c.deleted_at.is_(None)
        )
    ).scalar()
    if found is not None:
        RecordsService(ctx.as_system()).update(
            OBJECT, str(found), {"name": event.new.get("name")}, trusted_fields=frozenset({"name"})
        )


@hooks.after_install
def index_on_install(ctx: Context) -> None:
    from keyi.packages.service.portal_data import ensure_list_index

    ensure_list_index(ctx)


@hooks.after_upgrade
def index_on_upgrade(ctx: Context, event: UpgradeEvent) -> str | None:
    """Tenants from before the portal get the index of its case list."""
    from keyi.packages.service.portal_data import ensure_list_index

    return "case: index for the portal's case list" if ensure_list_index(ctx) else None


# ---------------------------------------------------------------- invitations
def invite(ctx: Context, contact_id: str) -> dict[str, Any]:
    """Create the contact's portal user (status invited) or re-invite the existing one, and
    queue the invitation mail; audited ``portal.invite``. A disabled user is not re-invited
    (409 ``portal_user_disabled``: enable first)."""
    users = ctx.object(OBJECT).table
    existing = ctx.conn.execute(
        sa.select(users.c.id).where(users.c.contact == contact_id, users.c.deleted_at.is_(None))
    ).scalar()
    records = RecordsService(ctx)
    stamp = {"invited_at": ctx.now()}
    if existing is None:
        contact = _row(ctx, "contact", contact_id) or {}
        if not contact.get("email"):
            raise Conflict("contact_without_email")
        name = str(contact.get("name") or "")
        locale = "zh-CN" if not name.isascii() else "en"
        values = {"contact": contact_id, "locale": locale, "status": "invited", **stamp}
        [user_id] = records.create_many(
            OBJECT, [values], trusted_fields=frozenset({"status", "invited_at"})
        )
        user = records.get(OBJECT, user_id)
    else:
        user = records.get(OBJECT, str(existing))
        if user.get("status") == "disabled":
            raise Conflict("portal_user_disabled")
        user = records.update(OBJECT, user["id"], stamp, trusted_fields=frozenset(stamp))
    queue_invitation(ctx, user)
    return user


def queue_invitation(ctx: Context, user: dict[str, Any]) -> None:
    enqueue(ctx.conn, INVITE_JOB, {"portal_user_id": user["id"]}, now=ctx.now())
    ctx.audit("portal.invite", object_name=OBJECT, record_id=user["id"], email=user.get("email"))


def set_status(ctx: Context, user: dict[str, Any], status: str) -> dict[str, Any]:
    """Disable or enable; audited ``portal.disable`` / ``portal.enable``. Enabling brings
    back ``active`` when a password was ever set, else ``invited``."""
    if status == "enabled":
        status = "active" if auth_for(ctx).has_password(user["id"]) else "invited"
    updated = RecordsService(ctx).update(
        OBJECT, user["id"], {"status": status}, trusted_fields=frozenset({"status"})
    )
    action = "portal.disable" if status == "disabled" else "portal.enable"
    ctx.audit(action, object_name=OBJECT, record_id=user["id"], email=user.get("email"))
    return updated


# ---------------------------------------------------------------- the mails
INVITE_MAIL = MessageTemplate(
    subject={
        "zh-CN": "{{ company }} 邀请您使用客户服务门户",
        "en": "{{ company }} invites you to its customer portal",
    },
    text={
        "zh-CN": (
            "您好 {{ name }}：\n\n{{ company }} 为您开通了客户服务门户。在门户中您可以提交工单、"
            "查看处理进度并回复客服，还可以查阅帮助文章。\n\n请打开下面的链接设置密码：\n"
            "{{ url }}\n\n链接 {{ days }} 天内有效，只能使用一次。\n\n—— {{ company }}\n"
        ),
        "en": (
            "Hello {{ name }},\n\n{{ company }} has opened its customer portal for you: submit "
            "cases, follow their progress, reply to our team and read help articles.\n\n"
            "Open this link to set your password:\n{{ url }}\n\n"
            "The link works for {{ days }} days and only once.\n\n— {{ company }}\n"
        ),
    },
)
LOGIN_MAIL = MessageTemplate(
    subject={
        "zh-CN": "{{ company }} 客户服务门户登录链接",
        "en": "Your sign-in link for the {{ company }} customer portal",
    },
    text={
        "zh-CN": (
            "您好 {{ name }}：\n\n请打开下面的链接登录客户服务门户：\n{{ url }}\n\n"
            "链接 {{ minutes }} 分钟内有效，只能使用一次。如果不是您本人申请，请忽略此邮件。"
            "\n\n—— {{ company }}\n"
        ),
        "en": (
            "Hello {{ name }},\n\nOpen this link to sign in to the customer portal:\n"
            "{{ url }}\n\nThe link works for {{ minutes }} minutes and only once. If you did "
            "not ask for it, ignore this mail.\n\n— {{ company }}\n"
        ),
    },
)


class PortalMailFailed(Exception):
    """The relay did not take the mail; the job is retried (its token rolled back)."""


def _mail(ctx: Context, job: ClaimedJob, purpose: Purpose) -> None:
    user = _row(ctx, OBJECT, str(job.payload.get("portal_user_id", "")))
    wanted = ("invited", "active") if purpose == Purpose.INVITE else ("active",)
    if user is None or user["status"] not in wanted or not user["email"]:
        return
    settings = ctx.platform_settings
    if settings is None or not settings.smtp_host:
        log.info("portal mail not sent: SMTP is not configured")
        return
    token, _ = auth_for(ctx).issue_token(str(user["id"]), purpose)
    path = "invite" if purpose == Purpose.INVITE else "link"
    values = {
        "name": user["name"] or "",
        "company": ctx.tenant.label,
        "url": absolute_url(settings, f"/portal/{ctx.tenant.name}/{path}/{token}"),
        "days": INVITE_VALID.days,
        "minutes": 15,
    }
    template = INVITE_MAIL if purpose == Purpose.INVITE else LOGIN_MAIL
    rendered = render(template, values, language=user["locale"], time_zone=ctx.time_zone)
    message = email_from_rendered(settings, user["email"], rendered)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2]
    message.replace_header(
        "Message-ID", f"<portal.{job.id}@{domain if '.' in domain else 'keyi.invalid'}>"
    )
    result = send_email(settings, message)
    if not result.ok:
        raise PortalMailFailed(result.error or "not sent")


@job_handler(INVITE_JOB)
def send_invitation(ctx: Context, job: ClaimedJob) -> None:
    """Mail an invitation link (``/portal/{tenant}/invite/{token}``, valid 7 days)."""
    _mail(ctx, job, Purpose.INVITE)


@job_handler(LOGIN_LINK_JOB)
def send_login_link(ctx: Context, job: ClaimedJob) -> None:
    """Mail a sign-in link (``/portal/{tenant}/link/{token}``, valid 15 minutes)."""
    _mail(ctx, job, Purpose.LOGIN)
