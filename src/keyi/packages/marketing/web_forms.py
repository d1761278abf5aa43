"""Web forms (web-to-lead): the form definition's rules, its public key, the render token.

A ``web_form`` record says which lead fields a visitor fills (``fields``, a JSON list checked
here at save), the consent checkbox, the thank-you message or redirect, and the campaign that
gets the responses. What happens on a submission is keyi.packages.marketing.web_form_submit;
the public routes are keyi.packages.marketing.web_form_routes.

**Public key.** The public side never sees the record id (a UUIDv7 starts with its creation
time, so neighbours are partly guessable). Each form gets, at creation, a read-only
``public_key``: the tenant's id (16 bytes, so the public route knows which tenant database to
open — the URL carries nothing else) and 16 random bytes, base64url (43 characters). The random
half is what makes it unguessable (128 bits); the key is compared whole against the stored one,
so another tenant's key, or a changed character, finds nothing (404).

**Render token.** The definition the public page fetches carries a token: the form's id and
the moment it was issued (milliseconds), signed with an HMAC under the installation's key
(``SecretBox.mac``, purpose ``marketing.web_form``). A submission without it, with a changed
byte, another form's token, one older than a day or one less than three seconds old (no person
fills a form that fast) is treated as spam: dropped without writing, answered as a success.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from keyi.platform.context import Context
from keyi.platform.crypto import SecretBox
from keyi.platform.errors import FieldErrors
from keyi.platform.hooks import WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.metadata.model import (
    OWNER_FIELD,
    POOL_FIELD,
    SYSTEM_FIELDS,
    FieldDef,
    FieldType,
)
from keyi.platform.schema import CompiledObject

__all__ = [
    "HONEYPOT",
    "MAX_FORM_FIELDS",
    "FormField",
    "check_fields",
    "fillable",
    "form_fields",
    "make_render_token",
    "new_public_key",
    "parse_origins",
    "read_render_token",
    "tenant_of_key",
]

hooks = registry.package("marketing")

TARGET = "lead"
MAX_FORM_FIELDS = 30
MAX_LABEL = 200
MAX_ORIGINS = 20
# The hidden field a person never sees and a bot fills; named like a field bots like.
HONEYPOT = "hp_url"
# A submission this soon after the page got its token is a script, not a person.
MIN_FILL_MS = 3000
# A page left open longer must be reloaded (the token is refused as stale).
TOKEN_MAX_AGE_MS = 24 * 3600 * 1000
MAC_PURPOSE = "marketing.web_form"
MAC_BYTES = 16
KEY_BYTES = 32  # 16 of the tenant id, 16 random

# Field types a visitor can fill in a plain form field.
FILLABLE_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.LONG_TEXT,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.PICKLIST,
        FieldType.MULTI_PICKLIST,
        FieldType.INTEGER,
        FieldType.DECIMAL,
        FieldType.PERCENT,
        FieldType.BOOLEAN,
        FieldType.DATE,
    }
)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Lead fields the company fills, never the visitor: how the lead is worked (status, rating),
# where it came from (set by the form itself) and the consent record (the checkbox sets it).
NOT_ON_FORMS = frozenset(
    {
        "status",
        "rating",
        "source",
        "consent",
        "consent_at",
        "email_opt_out",
        "sms_opt_out",
        *UTM_FIELDS,
    }
)
DEFAULT_FIELDS: list[dict[str, Any]] = [
    {"field": "name", "required": True},
    {"field": "company", "required": False},
    {"field": "mobile", "required": False},
    {"field": "email", "required": False},
]

MESSAGES.update(
    {
        "web_form_fields_list": {
            "en": 'List the form\'s fields: [{"field": "name", "required": true}, …].',
            "zh-CN": '请以列表填写表单字段：[{"field": "name", "required": true}, …]。',
        },
        "web_form_too_many_fields": {
            "en": "A form has at most {max} fields.",
            "zh-CN": "一个表单最多 {max} 个字段。",
        },
        "web_form_field_entry": {
            "en": 'Each entry names a field ("field") and may say "required" (true/false) '
            'and "labels" (zh-CN, en).',
            "zh-CN": '每一项需指明字段（"field"），可选 "required"（true/false）和 '
            '"labels"（zh-CN、en）。',
        },
        "web_form_field_not_fillable": {
            "en": "The lead field '{field}' cannot be filled by a visitor.",
            "zh-CN": "线索字段“{field}”不能由访客填写。",
        },
        "web_form_field_twice": {
            "en": "The field '{field}' is on the form twice.",
            "zh-CN": "字段“{field}”在表单中重复出现。",
        },
        "web_form_field_needed": {
            "en": "The form must ask for '{field}' (required), which every lead needs.",
            "zh-CN": "表单必须包含必填的“{field}”，每条线索都需要该字段。",
        },
        "web_form_label": {
            "en": "Labels are short texts in zh-CN and en (at most {max} characters).",
            "zh-CN": "标签为中文（zh-CN）和英文（en）短文本，最多 {max} 个字符。",
        },
        "web_form_origin": {
            "en": "'{origin}' is not a website origin such as https://www.example.com.",
            "zh-CN": "“{origin}”不是网站来源，应形如 https://www.example.com。",
        },
        "web_form_too_many_origins": {
            "en": "At most {max} websites.",
            "zh-CN": "最多 {max} 个网站。",
        },
        "web_form_not_found": {
            "en": "This form does not exist or no longer accepts submissions.",
            "zh-CN": "该表单不存在或已停止接收提交。",
        },
    }
)


# ---------------------------------------------------------------- keys and tokens
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    if not text.isascii() or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


def new_public_key(tenant_id: str) -> str:
    """A fresh public key for a form of the tenant (see the module docstring)."""
    return _b64(uuid.UUID(tenant_id).bytes + secrets.token_bytes(KEY_BYTES - 16))


def tenant_of_key(key: str) -> str | None:
    """The tenant id a public key names; None for anything not shaped like a key."""
    raw = _unb64(key)
    if raw is None or len(raw) != KEY_BYTES:
        return None
    return str(uuid.UUID(bytes=raw[:16]))


def _epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def make_render_token(box: SecretBox, form_id: str, issued_at: datetime) -> str:
    """The token the public page sends back with the submission."""
    payload = uuid.UUID(form_id).bytes + struct.pack(">Q", _epoch_ms(issued_at))
    return _b64(payload + box.mac(MAC_PURPOSE, payload)[:MAC_BYTES])


def read_render_token(
    box: SecretBox, token: str | None, form_id: str, *, now: datetime
) -> str | None:
    """Why a submission's token is refused ("missing", "tampered", "too_fast", "expired"), or
    None for a genuine token of this form, issued at least MIN_FILL_MS and at most a day ago."""
    if not token:
        return "missing"
    raw = _unb64(token)
    if raw is None or len(raw) != 24 + MAC_BYTES:
        return "tampered"
    payload, mac = raw[:24], raw[24:]
    if not hmac.compare_digest(mac, box.mac(MAC_PURPOSE, payload)[:MAC_BYTES]):
        return "tampered"
    if payload[:16] != uuid.UUID(form_id).bytes:
        return "tampered"  # another form's token
    (issued,) = struct.unpack(">Q", payload[16:])
    age = _epoch_ms(now) - issued
    if age < MIN_FILL_MS:
        return "too_fast"
    if age > TOKEN_MAX_AGE_MS:
        return "expired"
    return None


# ---------------------------------------------------------------- the definition
@dataclass(frozen=True)
class FormField:
    """One field of a form: the lead field, whether the visitor must fill it, its labels
    (the form's own, else the lead field's)."""

    field: str
    required: bool
    labels: dict[str, str]


def fillable(field: FieldDef) -> bool:
    """Whether a visitor may fill this lead field: a plain, writable field of a simple type
    that is not the company's to set (owner, status, source, consent, UTM)."""
    return (
        field.type in FILLABLE_TYPES
        and not field.read_only
        and not field.system
        and field.name not in SYSTEM_FIELDS
        and field.name not in (OWNER_FIELD, POOL_FIELD)
        and field.name not in NOT_ON_FORMS
    )


def _labels_ok(labels: Any) -> bool:
    return isinstance(labels, dict) and all(
        key in ("zh-CN", "en") and isinstance(text, str) and len(text) <= MAX_LABEL
        for key, text in labels.items()
    )


def check_fields(target: CompiledObject, raw: Any, errors: FieldErrors) -> None:
    """Add to ``errors`` (under ``fields``) what is wrong with a form's field list."""
    if not isinstance(raw, list) or not raw:
        errors.add("fields", "web_form_fields_list")
        return
    if len(raw) > MAX_FORM_FIELDS:
        errors.add("fields", "web_form_too_many_fields", max=MAX_FORM_FIELDS)
        return
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        where = f"fields.{i}"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("field"), str)
            or set(entry) - {"field", "required", "labels"}
            or not isinstance(entry.get("required", False), bool)
        ):
            errors.add(where, "web_form_field_entry")
            continue
        name = entry["field"]
        field = target.fields.get(name)
        if field is None or not fillable(field):
            errors.add(where, "web_form_field_not_fillable", field=name)
            continue
        if name in seen:
            errors.add(where, "web_form_field_twice", field=name)
        seen.add(name)
        if "labels" in entry and not _labels_ok(entry["labels"]):
            errors.add(f"{where}.labels", "web_form_label", max=MAX_LABEL)
    required_here = {e["field"] for e in raw if isinstance(e, dict) and e.get("required") is True}
    for field in target.definition.fields:
        if field.required and field.default is None and field.name not in required_here:
            errors.add("fields", "web_form_field_needed", field=field.name)


def form_fields(stored: Any, target: CompiledObject | None = None) -> list[FormField]:
    """The fields of a saved form (its JSON text or list), as checked at save; with
    ``target``, only those the lead still has (a custom field deleted since the form was
    saved drops off the form instead of refusing every submission)."""
    items = json.loads(stored) if isinstance(stored, str) else (stored or [])
    return [
        FormField(
            field=str(item["field"]),
            required=bool(item.get("required", False)),
            labels={k: str(v) for k, v in (item.get("labels") or {}).items()},
        )
        for item in items
        if target is None or str(item["field"]) in target.fields
    ]


def parse_origins(text: str | None) -> list[str]:
    """The allowed origins of a form, one per line, normalised (lower case, no slash)."""
    return [line.strip().rstrip("/").lower() for line in (text or "").splitlines() if line.strip()]


def _origin_ok(origin: str) -> bool:
    parts = urlsplit(origin)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.path
        and not parts.query
        and not parts.fragment
        and not parts.username
    )


@hooks.before_save("web_form")
def web_form_rules(ctx: Context, event: WriteEvent) -> None:
    """A new form gets its public key (and the usual four fields when none were given); the
    field list and allowed origins are checked whenever they change."""
    if event.operation == "create":
        event.values["public_key"] = new_public_key(ctx.tenant.id)
        event.values["submission_count"] = 0
        if event.values.get("fields") is None:
            event.values["fields"] = json.dumps(DEFAULT_FIELDS, ensure_ascii=False)
    target = ctx.schema.get(TARGET)
    if "fields" in event.values and target is not None:
        stored = event.values["fields"]
        check_fields(target, json.loads(stored) if stored else None, event.errors)
    if "allowed_origins" in event.values:
        origins = parse_origins(event.values["allowed_origins"])
        if len(origins) > MAX_ORIGINS:
            event.errors.add("allowed_origins", "web_form_too_many_origins", max=MAX_ORIGINS)
        for origin in origins:
            if not _origin_ok(origin):
                event.errors.add("allowed_origins", "web_form_origin", origin=origin[:100])
                break
        if not event.errors.items:
            event.values["allowed_origins"] = "\n".join(origins) or None
