"""Setup › SMS over HTTP (the logic: keyi.platform.sms.settings).

The key secret is write-only: no answer carries it (``has_secret`` says whether one is kept).
A test send reads the settings, calls the vendor outside any transaction, then records the
outcome, so no database write waits on the vendor.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from keyi.api.context import request_context
from keyi.platform.sms import settings
from keyi.platform.sms.provider import SmsResult

router = APIRouter(prefix="/api/v1/sms", tags=["sms"])

_PROVIDER = {"type": "string", "enum": list(settings.PROVIDERS)}
_TIME = {"type": "string", "format": "date-time", "nullable": True}
_TEXT = {"type": "string", "nullable": True}
SETTINGS_INPUT = {
    "type": "object",
    "properties": {
        "provider": _PROVIDER,
        "base_url": {**_TEXT, "description": "The vendor's endpoint, when not the default."},
        "region": _TEXT,
        "access_key_id": {**_TEXT, "description": "AccessKey ID (Aliyun) or SecretId (Tencent)."},
        "access_key_secret": {
            **_TEXT,
            "description": "AccessKey secret / SecretKey: write-only; omitted keeps it, null "
            "removes it.",
        },
        "sdk_app_id": {**_TEXT, "description": "Tencent's SmsSdkAppId."},
        "sign_name": {**_TEXT, "description": "The default approved sign name (签名)."},
        "opt_out_keywords": {"type": "array", "items": {"type": "string"}},
        "rate_per_minute": {"type": "integer", "minimum": 1, "maximum": settings.MAX_RATE},
    },
    "additionalProperties": False,
}
SETTINGS: dict[str, Any] = {
    "type": "object",
    "required": [
        "provider",
        "base_url",
        "region",
        "access_key_id",
        "has_secret",
        "sdk_app_id",
        "sign_name",
        "opt_out_keywords",
        "rate_per_minute",
        "updated_at",
        "last_test_status",
        "last_test_error",
        "last_test_at",
        "inbound_paths",
        "report_paths",
    ],
    "properties": {
        "provider": _PROVIDER,
        "base_url": _TEXT,
        "region": _TEXT,
        "access_key_id": _TEXT,
        "has_secret": {"type": "boolean"},
        "sdk_app_id": _TEXT,
        "sign_name": _TEXT,
        "opt_out_keywords": {"type": "array", "items": {"type": "string"}},
        "rate_per_minute": {"type": "integer"},
        "updated_at": _TIME,
        "last_test_status": {"type": "string", "enum": ["sent", "failed"], "nullable": True},
        "last_test_error": _TEXT,
        "last_test_at": _TIME,
        "inbound_paths": {
            "type": "object",
            "description": "The reply (opt-out) callback path per provider, token included.",
            "additionalProperties": {"type": "string"},
        },
        "report_paths": {
            "type": "object",
            "description": "The delivery report callback path per provider, token included.",
            "additionalProperties": {"type": "string"},
        },
    },
}
TEST_INPUT = {
    "type": "object",
    "required": ["phone", "template_code"],
    "properties": {
        "phone": {"type": "string"},
        "template_code": {"type": "string"},
        "sign_name": _TEXT,
        "params": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}
TEST_RESULT = {
    "type": "object",
    "required": ["ok", "provider", "message_id", "error_code", "error_message"],
    "properties": {
        "ok": {"type": "boolean"},
        "provider": _PROVIDER,
        "message_id": _TEXT,
        "error_code": _TEXT,
        "error_message": _TEXT,
    },
}


def _answer(schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"application/json": {"schema": schema}}}}


def _input(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": schema}}}}


@router.get("/settings", responses=_answer(SETTINGS))
def get_settings(request: Request) -> dict[str, Any]:
    """The company's SMS provider settings (administrators)."""
    with request_context(request) as ctx:
        return settings.get_settings(ctx)


@router.put("/settings", openapi_extra=_input(SETTINGS_INPUT), responses=_answer(SETTINGS))
def update_settings(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Change the SMS settings given; the others are kept."""
    with request_context(request, write=True) as ctx:
        return settings.update_settings(ctx, body)


@router.post("/test", openapi_extra=_input(TEST_INPUT), responses=_answer(TEST_RESULT))
def send_test(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Send one message with the saved settings and answer the vendor's verdict."""
    with request_context(request) as ctx:
        prepared, sms = settings.prepare_test(ctx, body)
    result = prepared if isinstance(prepared, SmsResult) else prepared.send(sms)
    with request_context(request, write=True, principal=request.state.principal) as ctx:
        return settings.record_test(ctx, result)
