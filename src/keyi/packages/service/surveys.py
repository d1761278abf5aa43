"""Satisfaction surveys (CSAT/NPS): an invitation mailed when a case is resolved, answered once
on a public page without signing in.

Flow: the case's after-write hook sees the status become ``resolved`` and, when the case's
contact has an email address, writes a ``survey_response`` row (status ``pending``) and
enqueues the ``service.survey_invite`` job in the same transaction — nothing leaves the
database before the resolution commits. The job mails the link ``/survey/<token>`` and marks
the row ``sent``. Resolving again after a reopen supersedes the open invitation (its link stops
working) and sends a new one, so a case never has two open invitations.

The token carries the tenant id, the survey id and the expiry, signed with an HMAC under the
installation's key (``SecretBox.mac``, purpose ``service.survey``): a changed byte, another
tenant's id or a later expiry fails the signature. Single use is the database's: the answer is
written by an UPDATE guarded by ``answered_at IS NULL`` (so of two concurrent answers exactly
one lands), then copied to the case through the records service as the system actor.
"""

from __future__ import annotations

import base64
import hmac
import logging
import struct
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keyi.api.context import locale_of, services
from keyi.api.ratelimit import client_address
from keyi.platform.context import Context, TenantInfo
from keyi.platform.crypto import SecretBox
from keyi.platform.errors import KeyiError, NotFound
from keyi.platform.hooks import AfterWriteEvent, installed_packages, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.jobs.queue import ClaimedJob, enqueue
from keyi.platform.jobs.registry import job_handler
from keyi.platform.notifications.email import absolute_url
from keyi.platform.notify import MessageTemplate, email_from_rendered, render, send_email
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService

__all__ = [
    "SURVEY_DAYS",
    "SURVEY_JOB",
    "make_token",
    "read_token",
    "router",
]

log = logging.getLogger("keyi.service.surveys")

hooks = registry.package("service")

SURVEY_JOB = "service.survey_invite"
SURVEY_DAYS = 30
MAC_PURPOSE = "service.survey"
MAC_BYTES = 16  # 128 bits of HMAC-SHA256: forging one is out of reach, the link stays short
OPEN = ("pending", "sent")
# Answers per client address per minute (reads and writes counted apart).
READS_PER_MINUTE = 60
ANSWERS_PER_MINUTE = 10
PACKAGE = "service"

MESSAGES.update(
    {
        "survey_invalid": {
            "en": "This survey link is not valid. Check that you opened the whole link.",
            "zh-CN": "调查链接无效，请确认打开的是完整链接。",
        },
        "survey_expired": {
            "en": "This survey link has expired.",
            "zh-CN": "调查链接已过期。",
        },
        "survey_answered": {
            "en": "This survey has already been answered. Thank you!",
            "zh-CN": "该调查已提交过，感谢您的反馈！",
        },
        "survey_superseded": {
            "en": "This survey was replaced by a newer one for the same case.",
            "zh-CN": "该调查已被同一工单的新调查取代。",
        },
    }
)


class SurveyClosed(KeyiError):
    """The link was good once but can no longer be answered (410 Gone: expired, answered or
    superseded); the code says which."""

    status = 410
    code = "survey_expired"


# ---------------------------------------------------------------- tokens
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(box: SecretBox, tenant_id: str, survey_id: str, expires_at: datetime) -> str:
    """The link's token: tenant id, survey id, expiry (UTC seconds) and their signature."""
    expiry = int(expires_at.replace(tzinfo=UTC).timestamp())
    payload = uuid.UUID(tenant_id).bytes + uuid.UUID(survey_id).bytes + struct.pack(">I", expiry)
    return _b64(payload + box.mac(MAC_PURPOSE, payload)[:MAC_BYTES])


def read_token(box: SecretBox, token: str, *, now: datetime) -> tuple[str, str]:
    """(tenant id, survey id) of a genuine, unexpired token; NotFound("survey_invalid") for
    anything altered or malformed, SurveyClosed("survey_expired") after its expiry."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise NotFound("survey_invalid") from None
    if len(raw) != 36 + MAC_BYTES or not token.isascii():
        raise NotFound("survey_invalid")
    payload, mac = raw[:36], raw[36:]
    if not hmac.compare_digest(mac, box.mac(MAC_PURPOSE, payload)[:MAC_BYTES]):
        raise NotFound("survey_invalid")
    (expiry,) = struct.unpack(">I", payload[32:])
    if now.replace(tzinfo=UTC).timestamp() >= expiry:
        raise SurveyClosed("survey_expired")
    return str(uuid.UUID(bytes=payload[:16])), str(uuid.UUID(bytes=payload[16:32]))


# ---------------------------------------------------------------- invitation on resolve
def _language(contact: dict[str, Any]) -> str:
    """Contacts have no language field: a name without any CJK character reads English."""
    name = str(contact.get("name") or "")
    return "zh-CN" if not name or any("\u3000" <= c <= "\u9fff" for c in name) else "en"


@hooks.after_write("case")
def invite_on_resolve(ctx: Context, event: AfterWriteEvent) -> None:
    """A case that becomes resolved gets a survey invitation (see the module docstring)."""
    if event.operation not in ("create", "update") or event.new is None:
        return
    if event.new.get("status") != "resolved" or (event.old or {}).get("status") == "resolved":
        return
    contact_id = event.new.get("contact")
    if not contact_id:
        return
    contacts = ctx.object("contact").table
    contact = (
        ctx.conn.execute(
            sa.select(contacts.c.name, contacts.c.email).where(
                contacts.c.id == contact_id, contacts.c.deleted_at.is_(None)
            )
        )
        .mappings()
        .first()
    )
    if contact is None or not contact["email"]:
        return
    records = RecordsService(ctx.as_system())
    surveys = ctx.object("survey_response").table
    stale = ctx.conn.execute(
        sa.select(surveys.c.id).where(
            surveys.c.case == event.record_id,
            surveys.c.status.in_(OPEN),
            surveys.c.deleted_at.is_(None),
        )
    ).scalars()
    for survey_id in sorted(str(i) for i in stale):
        records.update(
            "survey_response",
            survey_id,
            {"status": "superseded"},
            trusted_fields=frozenset({"status"}),
        )
    values = {
        "case": event.record_id,
        "contact": contact_id,
        "agent": event.new.get("owner_id"),
        "queue": event.new.get("queue"),
        "email": contact["email"],
        "language": _language(dict(contact)),
        "status": "pending",
        "expires_at": ctx.now() + timedelta(days=SURVEY_DAYS),
    }
    [survey_id] = records.create_many("survey_response", [values], trusted_fields=frozenset(values))
    enqueue(
        ctx.conn,
        SURVEY_JOB,
        {"survey_id": survey_id},
        now=ctx.now(),
        dedupe_key=f"{SURVEY_JOB}:{survey_id}",
    )


# ---------------------------------------------------------------- the mail
INVITE = MessageTemplate(
    subject={
        "zh-CN": "请评价工单 {{ case_no }} 的服务",
        "en": "How did we do on case {{ case_no }}?",
    },
    text={
        "zh-CN": (
            "您好 {{ name }}：\n\n您的工单“{{ subject }}”（{{ case_no }}）已解决。"
            "请花一分钟告诉我们您的感受：\n{{ url }}\n\n"
            "链接 {{ days }} 天内有效，只能提交一次。\n\n—— {{ company }}\n"
        ),
        "en": (
            'Hello {{ name }},\n\nYour case "{{ subject }}" ({{ case_no }}) is resolved. '
            "Please take a minute to tell us how we did:\n{{ url }}\n\n"
            "The link works for {{ days }} days and can be answered once.\n\n— {{ company }}\n"
        ),
    },
)


class SurveyMailFailed(Exception):
    """The relay did not take the invitation; the job is retried."""


def _row(ctx: Context, object_name: str, record_id: str) -> dict[str, Any] | None:
    table = ctx.object(object_name).table
    row = (
        ctx.conn.execute(
            sa.select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


@job_handler(SURVEY_JOB)
def send_invitation(ctx: Context, job: ClaimedJob) -> None:
    """Mail one pending invitation and mark it sent. A superseded or already sent survey, or
    an installation without a relay, ends the job quietly (the row stays ``pending``)."""
    survey = _row(ctx, "survey_response", str(job.payload.get("survey_id", "")))
    if survey is None or survey["status"] != "pending":
        return
    settings = ctx.platform_settings
    if settings is None or not settings.smtp_host or ctx.platform is None:
        log.info("survey invitation not sent: SMTP is not configured")
        return
    case = _row(ctx, "case", str(survey["case"])) or {}
    contact = _row(ctx, "contact", str(survey["contact"])) or {}
    token = make_token(ctx.platform.secret_box, ctx.tenant.id, survey["id"], survey["expires_at"])
    values = {
        "name": contact.get("name") or "",
        "subject": case.get("subject") or "",
        "case_no": case.get("case_no") or "",
        "url": absolute_url(settings, f"/survey/{token}"),
        "days": SURVEY_DAYS,
        "company": ctx.tenant.label,
    }
    rendered = render(INVITE, values, language=survey["language"], time_zone=ctx.time_zone)
    message = email_from_rendered(settings, survey["email"], rendered)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2]
    # The same Message-ID on every attempt: a copy sent twice shows once.
    message.replace_header(
        "Message-ID", f"<survey.{survey['id']}@{domain if '.' in domain else 'keyi.invalid'}>"
    )
    result = send_email(settings, message)
    if not result.ok:
        raise SurveyMailFailed(result.error or "not sent")
    RecordsService(ctx).update(
        "survey_response",
        survey["id"],
        {"status": "sent", "sent_at": ctx.now()},
        trusted_fields=frozenset({"status", "sent_at"}),
    )


# ---------------------------------------------------------------- the public API
router = APIRouter(prefix="/api/v1/public/surveys", tags=["service"])
# Public (the token is the key), and a link that can no longer be answered is 410 Gone.
PUBLIC: dict[str, Any] = {
    "responses": {
        410: {
            "description": "Expired, already answered or superseded",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    },
    "openapi_extra": {"security": []},
}


class SurveyView(BaseModel):
    """What the public page shows before the answer."""

    company: str
    case_no: str | None
    subject: str
    language: Literal["zh-CN", "en"]
    expires_at: datetime


class SurveyAnswer(BaseModel):
    """The customer's answers: CSAT is required, NPS and the comment are optional."""

    model_config = ConfigDict(extra="forbid", strict=True)

    csat: int = Field(ge=1, le=5, description="Satisfaction, 1 (very unhappy) to 5 (very happy).")
    nps: int | None = Field(
        default=None, ge=0, le=10, description="Likelihood to recommend, 0 to 10."
    )
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class SurveyThanks(BaseModel):
    answered_at: datetime
    nps_category: Literal["promoter", "passive", "detractor"] | None


def nps_category(score: int | None) -> str | None:
    """Promoters 9–10, passives 7–8, detractors 0–6."""
    if score is None:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _limit(request: Request, kind: str, limit: int) -> None:
    svc = services(request)
    limiter = svc.login_limiter
    limiter.check(
        client_address(request, limiter.trusted_proxies), kind=kind, limit=limit, window=60
    )


def _open(request: Request, token: str) -> tuple[TenantInfo, str]:
    svc = services(request)
    platform = svc.platform
    tenant_id, survey_id = read_token(
        platform.secret_box, token, now=datetime.now(UTC).replace(tzinfo=None)
    )
    try:
        tenant = platform.tenant_by_id(tenant_id)
    except NotFound:
        raise NotFound("survey_invalid") from None
    return tenant, survey_id


def _survey(ctx: Context, survey_id: str) -> dict[str, Any]:
    """The survey still open to an answer; the reason it is not, otherwise."""
    if PACKAGE not in installed_packages(ctx):
        raise NotFound("survey_invalid")
    survey = _row(ctx, "survey_response", survey_id)
    if survey is None:
        raise NotFound("survey_invalid")
    if survey["answered_at"] is not None or survey["status"] == "answered":
        raise SurveyClosed("survey_answered")
    if survey["status"] == "superseded":
        raise SurveyClosed("survey_superseded")
    if survey["expires_at"] is not None and survey["expires_at"] <= ctx.now():
        raise SurveyClosed("survey_expired")
    return survey


@router.get("/{token}", **PUBLIC)
def get_survey(request: Request, token: str) -> SurveyView:
    """The survey behind a link, for the public page (no sign-in; the token is the key).
    404 ``survey_invalid`` for a link altered or unknown, 410 ``survey_expired`` /
    ``survey_answered`` / ``survey_superseded`` for one that can no longer be answered."""
    _limit(request, "survey.read", READS_PER_MINUTE)
    tenant, survey_id = _open(request, token)
    platform = services(request).platform
    with platform.context(
        tenant, Actor.system("survey"), locale=locale_of(request), write=False
    ) as ctx:
        survey = _survey(ctx, survey_id)
        case = _row(ctx, "case", str(survey["case"])) or {}
        return SurveyView(
            company=tenant.label,
            case_no=case.get("case_no"),
            subject=str(case.get("subject") or ""),
            language="en" if survey["language"] == "en" else "zh-CN",
            expires_at=survey["expires_at"],
        )


@router.post("/{token}", **PUBLIC)
def answer_survey(request: Request, token: str, body: SurveyAnswer) -> SurveyThanks:
    """Answer once: the scores land on the survey and on its case. A second answer (even a
    concurrent one) gets 410 ``survey_answered`` and changes nothing."""
    _limit(request, "survey.answer", ANSWERS_PER_MINUTE)
    tenant, survey_id = _open(request, token)
    platform = services(request).platform
    with platform.context(tenant, Actor.system("survey"), locale=locale_of(request)) as ctx:
        survey = _survey(ctx, survey_id)
        now = ctx.now()
        category = nps_category(body.nps)
        table = ctx.object("survey_response").table
        # The single-use guard: of two answers racing, only one finds answered_at empty (on
        # PostgreSQL the second waits for the first's row lock, then sees it answered).
        claimed = ctx.conn.execute(
            sa.update(table)
            .where(table.c.id == survey_id, table.c.answered_at.is_(None))
            .values(answered_at=now)
        ).rowcount
        if claimed != 1:
            raise SurveyClosed("survey_answered")
        records = RecordsService(ctx)
        answers = {
            "status": "answered",
            "answered_at": now,
            "csat": body.csat,
            "nps": body.nps,
            "nps_category": category,
            "comment": body.comment or None,
        }
        records.update("survey_response", survey_id, answers, trusted_fields=frozenset(answers))
        scores = {"csat_score": body.csat, "nps_score": body.nps, "survey_comment": body.comment}
        records.update("case", str(survey["case"]), scores, trusted_fields=frozenset(scores))
        return SurveyThanks(answered_at=now, nps_category=category)  # type: ignore[arg-type]
