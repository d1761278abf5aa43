"""The email editor's and the campaign page's endpoints (signed in; record actions — send,
schedule, cancel, test — go through keyi.platform.actions):

- ``POST /api/v1/marketing/email/preview`` — a template (saved, or the editor's unsaved
  subject/body/blocks) rendered for a chosen contact or lead, or for sample data; 422 with the
  template's problems at ``subject``/``body_html``/``blocks``.
- ``GET /api/v1/marketing/email/campaigns/{id}/audience`` — how many people the campaign's
  segment holds for the caller.
- ``GET /api/v1/marketing/email/campaigns/{id}/deliveries`` — the per-recipient table, by id,
  with a cursor.
- ``GET``/``PUT /api/v1/marketing/email/settings`` — the send rate and the default sender
  (administrators change them).

Every endpoint answers 404 for tenants without the marketing package and checks the caller's
access to the records it names.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from keyi.api.context import request_context
from keyi.packages.marketing import audience, email_campaigns, email_render, email_templates
from keyi.platform.access.model import Operation
from keyi.platform.actions import load_record
from keyi.platform.context import Context
from keyi.platform.deliveries import delivery_table
from keyi.platform.errors import FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.fieldtypes import EMAIL_RE, UUID_RE
from keyi.platform.hooks import installed_packages
from keyi.platform.metadata import store
from keyi.platform.records import RecordsService
from keyi.platform.schema import meta_state_table

EMAIL_PATTERN = EMAIL_RE.pattern
__all__ = ["router"]

router = APIRouter(prefix="/api/v1/marketing/email", tags=["marketing"])
MAX_PAGE = 200


def _require(ctx: Context) -> None:
    if "marketing" not in installed_packages(ctx):
        raise NotFound()


# ------------------------------------------------------------------ preview
class PreviewBody(BaseModel):
    """A saved template (``template``), or the editor's unsaved parts; the recipient
    (``record_object`` and ``record_id``) or sample data in ``language``."""

    model_config = ConfigDict(extra="forbid")

    template: str | None = Field(default=None, max_length=36)
    subject: str | None = Field(default=None, max_length=300)
    body_html: str | None = Field(default=None, max_length=email_render.MAX_SOURCE_CHARS)
    blocks: list[dict[str, Any]] | None = Field(default=None, max_length=email_render.MAX_BLOCKS)
    language: Literal["zh-CN", "en"] = "zh-CN"
    record_object: Literal["contact", "lead"] | None = None
    record_id: str | None = Field(default=None, max_length=36)


class Preview(BaseModel):
    subject: str
    html: str
    text: str


@router.post("/preview")
def preview(request: Request, body: PreviewBody) -> Preview:
    """Render a template for one recipient, as the campaign would (without tracking)."""
    with request_context(request) as ctx:
        _require(ctx)
        if not ctx.policy.can(ctx.object("email_template"), Operation.READ):
            raise Forbidden()
        subject, body_html, blocks = body.subject, body.body_html, body.blocks
        language = body.language
        if body.template:
            saved = RecordsService(ctx).get("email_template", body.template)
            subject = subject if subject is not None else saved.get("subject")
            if body_html is None and blocks is None:
                body_html, blocks = saved.get("body_html"), saved.get("blocks")
            language = saved.get("language") or language
        errors, html_body = email_templates.validate_template(
            ctx, subject, body_html, blocks, from_blocks=body_html is None
        )
        if errors:
            raise ValidationFailed(errors)
        fields = email_templates.merge_fields(ctx)
        settings = email_campaigns.campaign_settings(ctx)
        sender = {
            "name": settings["from_name"],
            "email": settings["from_address"] or "",
            "company": ctx.tenant.label,
        }
        if body.record_object and body.record_id:
            record = RecordsService(ctx).get(body.record_object, body.record_id)
            found = email_templates.record_values(ctx, body.record_object, record)
            values = email_templates.recipient_values(
                ctx, fields, body.record_object, found["row"], found["account"], sender, "#"
            )
        else:
            sample = email_templates.sample_values(ctx, str(language))
            values = email_templates.recipient_values(
                ctx, fields, "contact", sample["recipient"], sample["account"], sender, "#"
            )
        try:
            rendered = email_render.render_email(str(subject or ""), html_body or "", values)
        except email_render.RenderFailed as exc:
            raise ValidationFailed(
                [FieldError(exc.part, "template_render_failed", {"reason": exc.reason})]
            ) from None
        return Preview(subject=rendered.subject, html=rendered.html, text=rendered.text)


# ------------------------------------------------------------------ campaign page
def _campaign(ctx: Context, campaign_id: str) -> dict[str, Any]:
    _require(ctx)
    if not UUID_RE.match(campaign_id):
        raise NotFound("record_not_found")
    return load_record(ctx, "email_campaign", campaign_id, Operation.READ)


class AudienceCount(BaseModel):
    count: int | None = Field(
        description="People in the segment the caller may read; null "
        "when the campaign has no segment."
    )


@router.get("/campaigns/{campaign_id}/audience")
def audience_size(request: Request, campaign_id: str) -> AudienceCount:
    with request_context(request) as ctx:
        campaign = _campaign(ctx, campaign_id)
        if not campaign.get("segment"):
            return AudienceCount(count=None)
        segment = audience.load_segment(ctx, str(campaign["segment"]))
        return AudienceCount(count=audience.audience_count(ctx, segment))


DeliveryStatus = Literal["queued", "sent", "bounced", "failed", "cancelled"]


class Delivery(BaseModel):
    id: int
    recipient_object: str
    recipient_id: str
    address: str
    status: str
    attempts: int
    error: str | None
    sent_at: datetime | None
    opened_at: datetime | None
    open_count: int
    clicked_at: datetime | None
    click_count: int
    unsubscribed_at: datetime | None


class DeliveryPage(BaseModel):
    records: list[Delivery]
    next_cursor: str | None


@router.get("/campaigns/{campaign_id}/deliveries")
def deliveries(
    request: Request,
    campaign_id: str,
    status: DeliveryStatus | None = None,
    limit: int = Query(default=50, ge=1, le=MAX_PAGE),
    cursor: str | None = Query(default=None, max_length=20, pattern=r"^\d+$"),
) -> DeliveryPage:
    """The campaign's deliveries in id order (``cursor``: the last id of the page before)."""
    with request_context(request) as ctx:
        _campaign(ctx, campaign_id)
        d = delivery_table
        stmt = sa.select(d).where(d.c.source_id == campaign_id).order_by(d.c.id).limit(limit + 1)
        if status is not None:
            stmt = stmt.where(d.c.status == status)
        if cursor is not None:
            stmt = stmt.where(d.c.id > int(cursor))
        rows = [Delivery.model_validate(dict(r)) for r in ctx.conn.execute(stmt).mappings()]
        more = len(rows) > limit
        rows = rows[:limit]
        return DeliveryPage(records=rows, next_cursor=str(rows[-1].id) if more else None)


# ------------------------------------------------------------------ settings
class EmailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_per_minute: int = Field(ge=1, le=100_000, description="Messages per minute, at most.")
    from_name: str | None = Field(default=None, max_length=100)
    from_address: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)


@router.get("/settings")
def get_settings(request: Request) -> EmailSettings:
    with request_context(request) as ctx:
        _require(ctx)
        return EmailSettings(**email_campaigns.campaign_settings(ctx))


@router.put("/settings")
def put_settings(request: Request, body: EmailSettings) -> EmailSettings:
    """Administrators only; stored with the tenant's settings and audited."""
    with request_context(request, write=True) as ctx:
        _require(ctx)
        if not ctx.policy.can_manage_metadata():
            raise Forbidden()
        settings = dict(
            ctx.conn.execute(
                sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
            ).scalar_one()
            or {}
        )
        settings.update(
            {
                email_campaigns.RATE_KEY: body.rate_per_minute,
                email_campaigns.FROM_NAME_KEY: body.from_name,
                email_campaigns.FROM_ADDRESS_KEY: str(body.from_address)
                if body.from_address
                else None,
            }
        )
        ctx.conn.execute(
            sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(settings=settings)
        )
        store.bump_version(ctx.conn)
        ctx.refresh_schema(dataclasses.replace(ctx.schema, settings=settings, memo={}))
        ctx.audit("marketing.email_settings", **body.model_dump(mode="json"))
        return EmailSettings(**email_campaigns.campaign_settings(ctx))
