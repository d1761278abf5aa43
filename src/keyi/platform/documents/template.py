"""Setup › Document template: the letterhead every PDF document of the company carries.

Company name, address, phone, tax id and bank account, a logo (PNG or JPEG, at most
``MAX_LOGO_BYTES``, checked by decoding it with Pillow so that no other file reaches the PDF
writer), the accent colour of titles and table headings, and the footer and terms texts in
zh-CN and en (a document prints the text of its own language).

Everyone who can open a document reads the template (it is printed on it); only those who may
manage the configuration (``can_manage_metadata``) change it, and each change is audited with
the names of the fields changed. Until an administrator saves one, the template is the
defaults below with the company's name from the tenant.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from keyi.platform.context import Context
from keyi.platform.documents.table import TEMPLATE_ID, document_template_table
from keyi.platform.errors import FieldErrors, Forbidden, NotFound
from keyi.platform.fieldtypes import datetime_json

__all__ = [
    "LANGUAGES",
    "MAX_LOGO_BYTES",
    "DocumentTemplate",
    "get_template",
    "load_template",
    "logo",
    "set_logo",
    "template_json",
    "update_template",
]

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 4000  # per side: a letterhead logo is printed 16 mm high
LANGUAGES = ("zh-CN", "en")
DEFAULT_ACCENT = "#1677FF"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TEXTS = {  # field: maximum length
    "company_name": 200,
    "address": 300,
    "phone": 100,
    "tax_id": 100,
    "bank_name": 200,
    "bank_account": 100,
}
_LOCALISED = {"footer_text": 300, "terms_text": 4000}
_FIELDS = {*_TEXTS, *_LOCALISED, "accent_color", "logo"}
# What the template holds besides its logo (a configuration package carries these).
TEMPLATE_KEYS = frozenset({*_TEXTS, *_LOCALISED, "accent_color"})
_MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class DocumentTemplate:
    company_name: str
    address: str
    phone: str
    tax_id: str
    bank_name: str
    bank_account: str
    accent_color: str
    footer_text: dict[str, str]
    terms_text: dict[str, str]
    logo: bytes | None
    logo_media_type: str | None
    updated_by: str | None = None
    updated_at: Any = None

    @property
    def accent_rgb(self) -> tuple[int, int, int]:
        value = self.accent_color.lstrip("#")
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)

    def text(self, which: str, locale: str) -> str:
        """The footer or terms text in a language, else in the other one (a company that
        wrote only Chinese terms prints them on an English quote too rather than none)."""
        texts: dict[str, str] = getattr(self, which)
        return texts.get(locale) or next((t for t in texts.values() if t), "")


def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def _default(ctx: Context) -> DocumentTemplate:
    return DocumentTemplate(
        company_name=ctx.tenant.label or ctx.tenant.name,
        address="",
        phone="",
        tax_id="",
        bank_name="",
        bank_account="",
        accent_color=DEFAULT_ACCENT,
        footer_text={},
        terms_text={},
        logo=None,
        logo_media_type=None,
    )


def load_template(ctx: Context) -> DocumentTemplate:
    """The template as stored, or the defaults (no permission check: for rendering)."""
    row = (
        ctx.conn.execute(
            sa.select(document_template_table).where(document_template_table.c.id == TEMPLATE_ID)
        )
        .mappings()
        .first()
    )
    if row is None:
        return _default(ctx)
    values = {k: v for k, v in row.items() if k != "id"}
    values["footer_text"] = dict(values["footer_text"] or {})
    values["terms_text"] = dict(values["terms_text"] or {})
    return DocumentTemplate(**values)


def template_json(template: DocumentTemplate) -> dict[str, Any]:
    """As the API shows it: the logo as a flag and size (its bytes: GET …/logo)."""
    return {
        **{name: getattr(template, name) for name in _TEXTS},
        "accent_color": template.accent_color,
        "footer_text": {lang: template.footer_text.get(lang, "") for lang in LANGUAGES},
        "terms_text": {lang: template.terms_text.get(lang, "") for lang in LANGUAGES},
        "has_logo": template.logo is not None,
        "logo_media_type": template.logo_media_type,
        "logo_size": len(template.logo) if template.logo is not None else None,
        "updated_by": template.updated_by,
        "updated_at": datetime_json(template.updated_at) if template.updated_at else None,
    }


def get_template(ctx: Context) -> dict[str, Any]:
    return template_json(load_template(ctx))


def logo(ctx: Context) -> tuple[bytes, str]:
    """The logo's bytes and media type; NotFound when the company has none."""
    template = load_template(ctx)
    if template.logo is None or template.logo_media_type is None:
        raise NotFound("document_logo_not_found")
    return template.logo, template.logo_media_type


def checked_logo(content: bytes, errors: FieldErrors, field: str = "logo") -> str | None:
    """The media type of a valid logo, or None with the problem added to ``errors``: at most
    MAX_LOGO_BYTES, a PNG or JPEG that Pillow decodes fully, at most MAX_LOGO_PIXELS a side."""
    if len(content) > MAX_LOGO_BYTES:
        errors.add(field, "logo_too_large", max_kb=MAX_LOGO_BYTES // 1024)
        return None
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format or ""
            width, height = image.size
            if kind not in _MEDIA_TYPES or max(width, height) > MAX_LOGO_PIXELS:
                raise ValueError(kind)
            image.load()  # decodes the pixels: a truncated or forged file fails here
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        errors.add(field, "logo_invalid", max_px=MAX_LOGO_PIXELS)
        return None
    return _MEDIA_TYPES[kind]


def update_template(ctx: Context, data: Any) -> dict[str, Any]:
    """Change any of the fields; ``logo`` is base64 (PNG/JPEG) or null to remove it.
    Every problem is answered at once as field errors; nothing is written then."""
    _authorise(ctx)
    errors = FieldErrors()
    if not isinstance(data, dict):
        errors.add("body", "invalid_request")
        errors.raise_if_any()
    for key in data:
        if key not in _FIELDS:
            errors.add(str(key), "unknown_field", field=str(key))
    current = load_template(ctx)
    values: dict[str, Any] = {}
    for name, limit in _TEXTS.items():
        if name in data:
            value = data[name]
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors.add(name, "invalid_text")
            elif len(value) > limit:
                # As the API documents it (maxLength): the value as sent, padding included.
                errors.add(name, "too_long", max=limit)
            else:
                values[name] = value.strip()
    if "accent_color" in data:
        color = data["accent_color"]
        if not isinstance(color, str) or not _COLOR.match(color):
            errors.add("accent_color", "invalid_color")
        else:
            values["accent_color"] = color.upper()
    for name, limit in _LOCALISED.items():
        if name in data:
            texts = _checked_texts(data[name], name, limit, errors)
            if texts is not None:
                values[name] = texts
    if "logo" in data:
        if data["logo"] is None:
            values["logo"] = None
            values["logo_media_type"] = None
        else:
            content = _decoded(data["logo"], errors)
            if content is not None:
                media_type = checked_logo(content, errors)
                if media_type is not None:
                    values["logo"] = content
                    values["logo_media_type"] = media_type
    errors.raise_if_any()
    changed = sorted(k for k, v in values.items() if getattr(current, k) != v)
    if changed:
        _save(ctx, current, values)
        ctx.audit("document_template.update", fields=[k for k in changed if k != "logo_media_type"])
    return get_template(ctx)


def set_logo(ctx: Context, content: bytes) -> dict[str, Any]:
    """Replace the logo with an uploaded file (the multipart form of ``update_template``)."""
    _authorise(ctx)
    errors = FieldErrors()
    media_type = checked_logo(content, errors)
    errors.raise_if_any()
    _save(ctx, load_template(ctx), {"logo": content, "logo_media_type": media_type})
    ctx.audit("document_template.update", fields=["logo"])
    return get_template(ctx)


def _checked_texts(value: Any, name: str, limit: int, errors: FieldErrors) -> dict[str, str] | None:
    if not isinstance(value, dict):
        errors.add(name, "invalid_request")
        return None
    texts: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            errors.add(f"{name}.{lang}", "unknown_field", field=str(lang))
        elif text is not None and not isinstance(text, str):
            errors.add(f"{name}.{lang}", "invalid_text")
        elif text and len(text) > limit:
            errors.add(f"{name}.{lang}", "too_long", max=limit)
        elif text and text.strip():
            texts[lang] = text.strip()
    return texts


def _decoded(value: Any, errors: FieldErrors) -> bytes | None:
    if not isinstance(value, str):
        errors.add("logo", "logo_invalid", max_px=MAX_LOGO_PIXELS)
        return None
    text = value.split(",", 1)[1] if value.startswith("data:") else value  # a data: URL too
    if len(text) > (MAX_LOGO_BYTES * 4) // 3 + 8:
        errors.add("logo", "logo_too_large", max_kb=MAX_LOGO_BYTES // 1024)
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        errors.add("logo", "logo_invalid", max_px=MAX_LOGO_PIXELS)
        return None


def _save(ctx: Context, current: DocumentTemplate, values: dict[str, Any]) -> None:
    """Insert the row on the first save, update it afterwards."""
    t = document_template_table
    stamp = {"updated_by": ctx.actor.id, "updated_at": ctx.now()}
    exists = ctx.conn.execute(sa.select(t.c.id).where(t.c.id == TEMPLATE_ID)).first()
    if exists is None:
        row = {
            name: getattr(current, name)
            for name in (*_TEXTS, *_LOCALISED, "accent_color", "logo", "logo_media_type")
        }
        ctx.conn.execute(sa.insert(t).values(id=TEMPLATE_ID, **{**row, **values, **stamp}))
    else:
        ctx.conn.execute(sa.update(t).where(t.c.id == TEMPLATE_ID).values(**values, **stamp))
