"""The public web form API (no sign-in): ``/api/v1/public/forms/{key}``.

- ``GET`` answers what the page needs to render the form — labels in zh-CN and en, the fields
  with their types and options, the consent text, the honeypot's name and a fresh render token
  (keyi.packages.marketing.web_forms) — and nothing else of the tenant.
- ``POST`` (JSON or ``application/x-www-form-urlencoded``) creates the lead (201) or updates the
  returning visitor's (200), answering ``{"ok": true, "message": …}`` or ``{"ok": true,
  "redirect": …}`` and never any lead data (keyi.packages.marketing.web_form_submit).
- ``OPTIONS`` answers a browser's CORS preflight for the form's allowed origins.

``key`` is the form's ``public_key``, never its record id. An unknown key, another tenant's,
an inactive form or a tenant without the marketing package all answer the same 404. Requests
are counted per client address (reads and submissions apart) in the platform's shared rate
store; bodies are limited at the edge (the small "auth" class, 16 KB by default).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from keyi.api.context import services
from keyi.api.ratelimit import client_address
from keyi.api.traits import BodyClass, body_class
from keyi.packages.marketing.web_form_submit import parse_submission, spam_reason, submit
from keyi.packages.marketing.web_forms import (
    HONEYPOT,
    MIN_FILL_MS,
    TARGET,
    form_fields,
    make_render_token,
    parse_origins,
    tenant_of_key,
)
from keyi.platform.context import Context, TenantInfo
from keyi.platform.crypto import SecretBox
from keyi.platform.errors import FieldError, KeyiError, NotFound, ValidationFailed
from keyi.platform.hooks import installed_packages
from keyi.platform.i18n import MESSAGES
from keyi.platform.permissions import Actor

__all__ = ["READS_PER_MINUTE", "SUBMITS_PER_MINUTE", "router"]

log = logging.getLogger("keyi.marketing.web_forms")

router = APIRouter(prefix="/api/v1/public/forms", tags=["marketing"])

PACKAGE = "marketing"
ACTOR = "web_form"
READS_PER_MINUTE = 60
SUBMITS_PER_MINUTE = 10
MAX_KEYS = 100  # fields in one form-encoded body
ERROR = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
PUBLIC: dict[str, Any] = {
    "openapi_extra": {"security": []},
    "responses": {
        404: {"description": "No such form, or not accepting submissions", **ERROR},
        429: {"description": "Too many requests from this address", **ERROR},
    },
}
FIELD_VALUE = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}
SUBMISSION_SCHEMA = {
    "type": "object",
    "description": "The form's fields by lead field name, plus utm_source … utm_content, "
    'consent (true / "on"), language (zh-CN / en), _token (the render token) and hp_url '
    "(the honeypot, left empty).",
    "additionalProperties": {
        "anyOf": [*FIELD_VALUE["anyOf"], {"type": "array", "items": {"type": "string"}}]
    },
}
DEFAULT_THANKS = {
    "zh-CN": "提交成功，感谢您的关注！我们会尽快与您联系。",
    "en": "Thank you! We will be in touch soon.",
}
DEFAULT_CONSENT = {
    "zh-CN": "我同意接收产品与活动信息，并同意按照隐私政策处理我的个人信息。",
    "en": "I agree to receive news about products and events, and to the processing of my "
    "personal information under the privacy policy.",
}

MESSAGES.update(
    {
        "unsupported_media_type": {
            "en": "Send the form as JSON or as application/x-www-form-urlencoded.",
            "zh-CN": "请以 JSON 或 application/x-www-form-urlencoded 格式提交表单。",
        }
    }
)


class UnsupportedMediaType(KeyiError):
    status = 415
    code = "unsupported_media_type"


# ---------------------------------------------------------------- shapes
class FormOption(BaseModel):
    value: str
    labels: dict[str, str]


class PublicFormField(BaseModel):
    field: str
    type: str
    required: bool
    labels: dict[str, str]
    max_length: int | None = None
    options: list[FormOption] | None = None


class PublicConsent(BaseModel):
    required: bool
    labels: dict[str, str]


class PublicForm(BaseModel):
    """What the public page renders; nothing else of the tenant leaves."""

    key: str
    name: str
    company: str
    language: Literal["zh-CN", "en"]
    fields: list[PublicFormField]
    consent: PublicConsent | None
    honeypot: str
    token: str
    min_seconds: int


class FormAnswer(BaseModel):
    """The answer to a submission: the thank-you message or where to go; never lead data."""

    ok: Literal[True] = True
    message: str | None = None
    redirect: str | None = None


# ---------------------------------------------------------------- helpers
def _limit(request: Request, kind: str, limit: int) -> str:
    limiter = services(request).login_limiter
    address = client_address(request, limiter.trusted_proxies)
    limiter.check(address, kind=kind, limit=limit, window=60)
    return address


def _tenant(request: Request, key: str) -> TenantInfo:
    tenant_id = tenant_of_key(key)
    if tenant_id is None:
        raise NotFound("web_form_not_found")
    try:
        return services(request).platform.tenant_by_id(tenant_id)
    except NotFound:
        raise NotFound("web_form_not_found") from None


def _form(ctx: Context, key: str) -> dict[str, Any]:
    """The active form with this public key in ctx's tenant; 404 otherwise."""
    if PACKAGE not in installed_packages(ctx) or ctx.schema.get("web_form") is None:
        raise NotFound("web_form_not_found")
    table = ctx.object("web_form").table
    row = (
        ctx.conn.execute(
            sa.select(table).where(table.c.public_key == key, table.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    if row is None or not row["active"]:
        raise NotFound("web_form_not_found")
    return dict(row)


def _cors(response: Response, request: Request, form: Mapping[str, Any]) -> None:
    """Let a listed website's script read the answer (the iframe embed needs nothing)."""
    origin = request.headers.get("origin", "").rstrip("/").lower()
    if origin and origin in parse_origins(form.get("allowed_origins")):
        response.headers["Access-Control-Allow-Origin"] = request.headers["origin"]
        response.headers["Vary"] = "Origin"


def _labels(zh: str | None, en: str | None, default: Mapping[str, str]) -> dict[str, str]:
    return {"zh-CN": zh or default["zh-CN"], "en": en or default["en"]}


def _view(
    ctx: Context, box: SecretBox, tenant: TenantInfo, form: Mapping[str, Any], key: str
) -> PublicForm:
    lead = ctx.object(TARGET)
    shown: list[PublicFormField] = []
    for item in form_fields(form["fields"]):
        field = lead.fields.get(item.field)
        if field is None:  # removed from the lead since the form was saved
            continue
        labels = {**field.labels, **{k: v for k, v in item.labels.items() if v}}
        shown.append(
            PublicFormField(
                field=item.field,
                type=field.type.value,
                required=item.required,
                labels=labels,
                max_length=field.max_length,
                options=[
                    FormOption(value=o.value, labels=dict(o.labels))
                    for o in field.options or ()
                    if o.active
                ]
                or None,
            )
        )
    mode = form.get("consent_checkbox") or "none"
    consent = (
        None
        if mode == "none"
        else PublicConsent(
            required=mode == "required",
            labels=_labels(
                form.get("consent_text_zh"), form.get("consent_text_en"), DEFAULT_CONSENT
            ),
        )
    )
    return PublicForm(
        key=key,
        name=str(form["name"]),
        company=tenant.label,
        language="en" if form.get("language") == "en" else "zh-CN",
        fields=shown,
        consent=consent,
        honeypot=HONEYPOT,
        token=make_render_token(box, str(form["id"]), ctx.now()),
        min_seconds=MIN_FILL_MS // 1000,
    )


def _answer(form: Mapping[str, Any], language: str | None) -> FormAnswer:
    if form.get("redirect_url"):
        return FormAnswer(redirect=str(form["redirect_url"]))
    lang = language or ("en" if form.get("language") == "en" else "zh-CN")
    thanks = _labels(form.get("thank_you_zh"), form.get("thank_you_en"), DEFAULT_THANKS)
    return FormAnswer(message=thanks[lang])


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """The body as a flat mapping (a repeated form-encoded key becomes a list)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed([FieldError("body", "invalid_json")]) from None
        if not isinstance(body, dict):
            raise ValidationFailed([FieldError("body", "invalid_json")])
        return body
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_KEYS)
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed([FieldError("body", "invalid_request")]) from None
        form: dict[str, Any] = {}
        for name, value in pairs:
            if name in form:
                previous = form[name]
                form[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                form[name] = value
        return form
    raise UnsupportedMediaType()


# ---------------------------------------------------------------- routes
@router.get("/{key}", **PUBLIC)
def get_form(request: Request, response: Response, key: str) -> PublicForm:
    """The form behind a public key, to render it (no sign-in), with a fresh render token."""
    _limit(request, "marketing.form.read", READS_PER_MINUTE)
    tenant = _tenant(request, key)
    platform = services(request).platform
    with platform.context(tenant, Actor.system(ACTOR), write=False) as ctx:
        form = _form(ctx, key)
        _cors(response, request, form)
        response.headers["Cache-Control"] = "no-store"  # the token is per visit
        return _view(ctx, platform.secret_box, tenant, form, key)


def _submit(request: Request, key: str, raw: bytes, response: Response) -> FormAnswer:
    address = _limit(request, "marketing.form.submit", SUBMITS_PER_MINUTE)
    tenant = _tenant(request, key)
    body = _parse_body(request.headers.get("content-type", ""), raw)
    platform = services(request).platform
    with platform.context(tenant, Actor.system(ACTOR)) as ctx:
        form = _form(ctx, key)
        _cors(response, request, form)
        fields = form_fields(form["fields"], ctx.object(TARGET))
        submission = parse_submission(body, fields, ctx.object(TARGET).fields)
        reason = spam_reason(platform.secret_box, str(form["id"]), submission, now=ctx.now())
        if reason is not None:
            # Nothing written; the bot sees the success a person gets.
            log.warning(
                "web form submission dropped as spam",
                extra={"form": str(form["id"]), "tenant": tenant.name, "reason": reason},
            )
            response.status_code = 201
            return _answer(form, submission.language)
        outcome = submit(ctx, form, submission, client=address)
        response.status_code = 201 if outcome.created else 200
        return _answer(form, submission.language)


@router.post(
    "/{key}",
    status_code=201,
    response_model=FormAnswer,
    response_model_exclude_none=True,
    **{
        **PUBLIC,
        "responses": {
            **PUBLIC["responses"],
            200: {"description": "A returning visitor's lead was updated", "model": FormAnswer},
            413: {"description": "The body is over the small-body limit", **ERROR},
            415: {"description": "Neither JSON nor form-encoded", **ERROR},
            429: {"description": "Too many submissions from this address", **ERROR},
        },
        "openapi_extra": {
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": SUBMISSION_SCHEMA},
                    "application/x-www-form-urlencoded": {"schema": SUBMISSION_SCHEMA},
                },
            },
        },
    },
)
@body_class(BodyClass.AUTH)
async def submit_form(request: Request, response: Response, key: str) -> Any:
    """Submit the form: 201 when a lead was created, 200 when a returning visitor's lead was
    updated (the body is the same either way and holds no lead data). 422 names an unknown,
    oversized or invalid field and writes nothing; spam is answered like a success and
    dropped."""
    raw = await request.body()
    try:
        return await run_in_threadpool(_submit, request, key, raw, response)
    except KeyiError as exc:
        allowed = response.headers.get("Access-Control-Allow-Origin")
        if allowed is None:
            raise
        # A listed website's script must be able to read why (which field): the error as the
        # app answers it, with the form's CORS headers.
        answer = await request.app.exception_handlers[KeyiError](request, exc)
        answer.headers["Access-Control-Allow-Origin"] = allowed
        answer.headers["Vary"] = "Origin"
        return answer


@router.options("/{key}", include_in_schema=False)
def preflight(request: Request, key: str) -> Response:
    """CORS preflight: allowed only for the origins the form lists."""
    answer = Response(status_code=204)
    try:
        _limit(request, "marketing.form.read", READS_PER_MINUTE)
        tenant = _tenant(request, key)
        with services(request).platform.context(tenant, Actor.system(ACTOR), write=False) as ctx:
            form = _form(ctx, key)
    except KeyiError:
        return answer
    _cors(answer, request, form)
    if "Access-Control-Allow-Origin" in answer.headers:
        answer.headers["Access-Control-Allow-Methods"] = "GET, POST"
        answer.headers["Access-Control-Allow-Headers"] = "Content-Type"
        answer.headers["Access-Control-Max-Age"] = "600"
    return answer
