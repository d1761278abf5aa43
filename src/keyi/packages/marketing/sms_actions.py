"""SMS actions: send one template to a contact or lead now; start or cancel an SMS campaign.

``send_sms`` (contacts, leads; edit access to the person, read access to the template) checks
the person like a campaign does — not opted out, consent granted, a mobile — renders the
template from the person's fields and calls the vendor at once, answering its verdict. It is
idempotent: the web dialog sends a ``request_key`` it made when it opened, and the same key
sends once (a double click, a retried request); without a key, the same template to the same
person again within ``REPEAT_SECONDS`` answers the first message instead of sending a second.

``send`` and ``cancel`` on an SMS campaign: keyi.packages.marketing.sms_campaign. ``send`` is
available in ``draft`` only, and the action holds the campaign's row (edit access locks it), so
two clicks start it once: the second sees ``sending`` and gets 409 ``action_unavailable``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keyi.packages.marketing import sms_campaign
from keyi.packages.marketing.sms_render import (
    eligibility,
    mapped_fields,
    params_for,
    render_text,
)
from keyi.platform.actions import registry
from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.errors import Conflict, FieldError, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.i18n import MESSAGES
from keyi.platform.ids import new_id
from keyi.platform.records import RecordsService
from keyi.platform.sms import messages
from keyi.platform.sms.settings import build_provider, load_config
from keyi.platform.sms.table import sms_message_table

actions = registry.package("marketing")
REPEAT_SECONDS = 60
SOURCE = "record"

MESSAGES.update(
    {
        "sms_opted_out": {
            "en": "This person has opted out of SMS.",
            "zh-CN": "此人已退订短信。",
        },
        "sms_no_consent": {
            "en": "This person has not given marketing consent.",
            "zh-CN": "此人未授权营销联系。",
        },
        "sms_no_number": {
            "en": "This person has no usable mobile number.",
            "zh-CN": "此人没有可用的手机号码。",
        },
        "template_object_mismatch": {
            "en": "The template is for other recipients (contacts or leads) than this one.",
            "zh-CN": "该模板的发送对象（联系人或线索）与此不符。",
        },
        "template_inactive": {"en": "The template is not active.", "zh-CN": "该模板未启用。"},
        "sign_name_missing": {
            "en": "Set a sign name on the template or in Setup › SMS.",
            "zh-CN": "请在模板或“设置 › 短信”中填写短信签名。",
        },
    }
)


class SendSmsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # x-keyi-lookup / x-keyi-request-key: the web app's action form shows a template picker
    # and makes the key itself, once per opening (web/src/lib/actionForm.ts).
    template: str = Field(
        pattern=UUID_RE.pattern,
        description="The SMS template's id.",
        json_schema_extra={"x-keyi-lookup": "sms_template"},
    )
    request_key: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=100)]
        | None
    ) = Field(
        default=None,
        description="Made by the client once per send (a UUID): the same key sends once.",
        json_schema_extra={"x-keyi-request-key": True},
    )


class SendSmsResult(BaseModel):
    message_id: str
    status: str
    text: str | None
    segments: int | None
    provider: str | None
    provider_message_id: str | None
    error_code: str | None
    error_message: str | None
    duplicate: bool = Field(description="An earlier send of the same request was answered.")


class CampaignCounts(BaseModel):
    status: str
    audience_count: int
    queued_count: int
    sent_count: int
    delivered_count: int
    failed_count: int
    skipped_opt_out_count: int
    skipped_no_consent_count: int
    skipped_no_number_count: int


def _answer(row: Any, duplicate: bool) -> SendSmsResult:
    data = messages.message_json(row)
    return SendSmsResult(
        message_id=str(data["id"]),
        status=str(data["status"]),
        text=data["text"],
        segments=data["segments"],
        provider=data["provider"],
        provider_message_id=data["provider_message_id"],
        error_code=data["error_code"],
        error_message=data["error_message"],
        duplicate=duplicate,
    )


def _earlier(
    ctx: Context,
    object_name: str,
    record: dict[str, Any],
    payload: SendSmsInput,
    template: dict[str, Any],
) -> Any:
    t = sms_message_table
    if payload.request_key is not None:
        where: Any = t.c.request_key == _key(object_name, record, payload)
    else:
        where = sa.and_(
            t.c.record_id == record["id"],
            t.c.source == SOURCE,
            t.c.template_code == template["template_code"],
            t.c.created_at > ctx.now() - timedelta(seconds=REPEAT_SECONDS),
        )
    return ctx.conn.execute(sa.select(t).where(where).order_by(t.c.created_at.desc())).first()


def _key(object_name: str, record: dict[str, Any], payload: SendSmsInput) -> str:
    return f"{object_name}:{record['id']}:{payload.request_key}"


def send_to_person(
    ctx: Context, object_name: str, record: dict[str, Any], payload: SendSmsInput
) -> SendSmsResult:
    template = RecordsService(ctx).get("sms_template", payload.template)
    if template.get("object") != object_name:
        raise ValidationFailed([FieldError("template", "template_object_mismatch")])
    if template.get("active") is False:
        raise ValidationFailed([FieldError("template", "template_inactive")])
    earlier = _earlier(ctx, object_name, record, payload, template)
    if earlier is not None:
        return _answer(earlier, duplicate=True)
    config = load_config(ctx)
    sign = template.get("sign_name") or config.get("sign_name")
    if config["provider"] != "log" and not sign:
        raise ValidationFailed([FieldError("template", "sign_name_missing")])
    person = sms_campaign.people(ctx, object_name, [str(record["id"])], mapped_fields(template))
    phone, reason = eligibility(person.get(str(record["id"]), {}))
    if reason is not None:
        raise Conflict(f"sms_{reason}")
    readable = ctx.policy.readable_fields(ctx.object(object_name))
    params = params_for(template, person[str(record["id"])], readable)
    message_id = new_id()
    row = {
        "id": message_id,
        "source": SOURCE,
        "source_id": None,
        "object": object_name,
        "record_id": record["id"],
        "phone": phone,
        "sign_name": sign,
        "template_code": template["template_code"],
        "params": params,
        "text": render_text(template, params, sign),
        "status": messages.QUEUED,
        "request_key": _key(object_name, record, payload) if payload.request_key else None,
    }
    inserted = messages.insert_messages(ctx, [row])
    if inserted == 0:  # a concurrent request with the same key got there first
        return _answer(_earlier(ctx, object_name, record, payload, template), duplicate=True)
    t = sms_message_table
    try:
        provider = build_provider(ctx, config)
    except SecretUnreadable:
        ctx.conn.execute(
            sa.update(t)
            .where(t.c.id == message_id)
            .values(status=messages.FAILED, error_code="secret_unreadable")
        )
    else:
        messages.deliver(ctx, provider, {**row, "params": params})
    final = ctx.conn.execute(sa.select(t).where(t.c.id == message_id)).first()
    ctx.audit("sms.send", object_name=object_name, record_id=str(record["id"]))
    return _answer(final, duplicate=False)


for _object in ("contact", "lead"):

    def _send(
        ctx: Context, record: dict[str, Any], payload: SendSmsInput, _object: str = _object
    ) -> SendSmsResult:
        """Send an SMS template to this person now (consent, opt-out and number checked)."""
        return send_to_person(ctx, _object, record, payload)

    actions.record(
        _object,
        "send_sms",
        labels={"en": "Send SMS", "zh-CN": "发送短信"},
        input=SendSmsInput,
        output=SendSmsResult,
        access="edit",
    )(_send)


def _counts(status: str, counts: dict[str, int]) -> CampaignCounts:
    return CampaignCounts(status=status, **counts)


@actions.record(
    "sms_campaign",
    "send",
    labels={"en": "Send", "zh-CN": "开始发送"},
    output=CampaignCounts,
    access="edit",
    available=lambda ctx, record: record.get("status") == "draft",
)
def send_campaign(ctx: Context, record: dict[str, Any], payload: None) -> CampaignCounts:
    """Fix the audience and start sending at the company's SMS rate."""
    return _counts("sending", sms_campaign.start_campaign(ctx, record))


@actions.record(
    "sms_campaign",
    "cancel",
    labels={"en": "Cancel", "zh-CN": "取消发送"},
    output=CampaignCounts,
    access="edit",
    available=lambda ctx, record: record.get("status") in ("draft", "sending"),
)
def cancel_campaign(ctx: Context, record: dict[str, Any], payload: None) -> CampaignCounts:
    """Stop sending: waiting messages are dropped, sent ones stay."""
    return _counts("cancelled", sms_campaign.cancel_campaign(ctx, record))


class SmsMessageOut(BaseModel):
    """One SMS to this person: what was sent, when, and what the provider said."""

    id: str
    source: str
    source_id: str | None
    phone: str | None
    provider: str | None
    template_code: str | None
    text: str | None
    segments: int | None
    status: str
    reason: str | None
    provider_message_id: str | None
    error_code: str | None
    error_message: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


class SmsMessages(BaseModel):
    items: list[SmsMessageOut]


def _utc(row: dict[str, Any]) -> dict[str, Any]:
    """The row's times as UTC instants (stored naive in UTC)."""
    out: dict[str, Any] = {k: row.get(k) for k in SmsMessageOut.model_fields}
    for key in ("created_at", "sent_at", "delivered_at"):
        moment = out[key]
        if isinstance(moment, datetime):
            out[key] = moment.replace(tzinfo=UTC)
    return out


for _object in ("contact", "lead"):

    def _messages(
        ctx: Context, record: dict[str, Any], payload: None, _object: str = _object
    ) -> SmsMessages:
        """The SMS sent (or skipped) to this person, newest first (the last 50)."""
        rows = messages.messages_of_record(ctx, str(record["id"]))
        return SmsMessages(items=[SmsMessageOut.model_validate(_utc(r)) for r in rows])

    actions.record(
        _object,
        "sms_messages",
        labels={"en": "SMS sent", "zh-CN": "短信记录"},
        output=SmsMessages,
        method="GET",
        access="read",
        menu=False,
    )(_messages)
