"""Setup › Document template over HTTP (the logic: keyi.platform.documents.template).

The letterhead printed on quotes and contracts. Everyone signed in reads it (it is on every
document they open); only administrators change it. The logo travels either inside the JSON
body (base64, ``null`` removes it) or as a multipart upload on ``PUT …/logo``; its bytes are
served by ``GET …/logo``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from keyi.api.context import request_context
from keyi.api.traits import BodyClass, body_class
from keyi.platform.documents import template
from keyi.platform.errors import FieldErrors

router = APIRouter(prefix="/api/v1/document-template", tags=["document template"])

_LOCALISED = {
    "type": "object",
    "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
    "additionalProperties": False,
}
TEMPLATE_INPUT = {
    "type": "object",
    "properties": {
        "company_name": {"type": "string", "maxLength": 200},
        "address": {"type": "string", "maxLength": 300},
        "phone": {"type": "string", "maxLength": 100},
        "tax_id": {"type": "string", "maxLength": 100, "description": "统一社会信用代码"},
        "bank_name": {"type": "string", "maxLength": 200},
        "bank_account": {"type": "string", "maxLength": 100},
        "accent_color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"},
        "footer_text": _LOCALISED,
        "terms_text": _LOCALISED,
        "logo": {
            "type": "string",
            "nullable": True,
            "format": "byte",
            "description": "PNG or JPEG, base64, at most 512 KB; null removes the logo.",
        },
    },
    "additionalProperties": False,
}
TEMPLATE: dict[str, Any] = {
    "type": "object",
    "required": ["company_name", "accent_color", "footer_text", "terms_text", "has_logo"],
    "properties": {
        **{k: v for k, v in TEMPLATE_INPUT["properties"].items() if k != "logo"},  # type: ignore[attr-defined]
        "has_logo": {"type": "boolean"},
        "logo_media_type": {"type": "string", "nullable": True},
        "logo_size": {"type": "integer", "nullable": True},
        "updated_by": {"type": "string", "format": "uuid", "nullable": True},
        "updated_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}


def _answer(schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"application/json": {"schema": schema}}}}


@router.get("", responses=_answer(TEMPLATE))
def get_template(request: Request) -> dict[str, Any]:
    """The company's letterhead for documents (defaults until an administrator saves one)."""
    with request_context(request) as ctx:
        return template.get_template(ctx)


@router.put(
    "",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": TEMPLATE_INPUT}}}},
    responses=_answer(TEMPLATE),
)
def put_template(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Change the template (administrators); absent fields keep their value."""
    with request_context(request, write=True) as ctx:
        return template.update_template(ctx, body)


@router.get(
    "/logo",
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
    response_class=Response,
)
def get_logo(request: Request) -> Response:
    with request_context(request) as ctx:
        content, media_type = template.logo(ctx)
    return Response(content, media_type=media_type, headers={"Cache-Control": "private"})


_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.put("/logo", openapi_extra=_UPLOAD, responses=_answer(TEMPLATE))
@body_class(BodyClass.UPLOAD)
async def put_logo(request: Request) -> dict[str, Any]:
    """Upload the logo as a file (multipart form field ``file``).

    The form is read from the request here rather than declared as a ``File`` parameter: the
    app-wide body check reads the body first, and Starlette parses a form from that cached
    body, whereas FastAPI's own form parsing would consume the stream before the check."""
    errors = FieldErrors()
    content = b""
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if isinstance(upload, StarletteUpload):
            content = await upload.read(template.MAX_LOGO_BYTES + 1)
        else:
            errors.add("file", "required")
    if len(content) > template.MAX_LOGO_BYTES:
        errors.add("logo", "logo_too_large", max_kb=template.MAX_LOGO_BYTES // 1024)
    errors.raise_if_any()
    return await run_in_threadpool(_save_logo, request, content)


def _save_logo(request: Request, content: bytes) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return template.set_logo(ctx, content)
