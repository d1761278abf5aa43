"""Setup › Robot channels over HTTP (the logic: keyi.platform.notify.channels).

Bodies are taken as plain objects and validated by the service, so every problem comes back at
once as field errors; the schemas below are what the OpenAPI document shows. The URL and the
secret are write-only: no answer carries them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform.notify import channels
from keyi.platform.notify.results import SendResult

router = APIRouter(prefix="/api/v1/robot-channels", tags=["robot channels"])

_TIME = {"type": "string", "format": "date-time", "nullable": True}
_VENDOR = {
    "type": "string",
    "enum": ["wecom", "dingtalk", "feishu"],
    "description": "wecom (企业微信), dingtalk (钉钉) or feishu (飞书/Lark) group robot.",
}
CHANNEL_INPUT = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": channels.MAX_NAME},
        "vendor": _VENDOR,
        "url": {
            "type": "string",
            "maxLength": 2000,
            "description": "The robot's webhook URL (write-only: it holds the credential).",
        },
        "secret": {
            "type": "string",
            "nullable": True,
            "description": "DingTalk/Feishu signing secret (write-only); null removes it.",
        },
        "markdown": {"type": "boolean", "description": "Rich text (default) or plain text."},
        "active": {"type": "boolean"},
    },
    "additionalProperties": False,
}
CHANNEL: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "name",
        "vendor",
        "url_hint",
        "has_secret",
        "markdown",
        "active",
        "created_at",
        "updated_at",
        "last_status",
        "last_error",
        "last_at",
    ],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "vendor": _VENDOR,
        "url_hint": {
            "type": "string",
            "description": "The URL's host and last four characters, e.g. oapi.dingtalk.com/…a1b2",
        },
        "has_secret": {"type": "boolean"},
        "markdown": {"type": "boolean"},
        "active": {"type": "boolean"},
        "created_by": {"type": "string", "format": "uuid", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_by": {"type": "string", "format": "uuid", "nullable": True},
        "updated_at": {"type": "string", "format": "date-time"},
        "last_status": {"type": "string", "enum": ["ok", "failed"], "nullable": True},
        "last_error": {"type": "string", "nullable": True},
        "last_at": _TIME,
    },
}
TEST_RESULT = {
    "type": "object",
    "required": ["ok", "error", "status_code", "retryable", "channel"],
    "properties": {
        "ok": {"type": "boolean", "description": "The vendor accepted the message."},
        "error": {
            "type": "string",
            "nullable": True,
            "description": "The vendor's answer (e.g. 'dingtalk error 310000: sign not match')"
            " or why nothing was sent (url_private_address, secret_unreadable, ...).",
        },
        "status_code": {"type": "integer", "nullable": True},
        "retryable": {"type": "boolean", "description": "A later attempt may succeed."},
        "channel": CHANNEL,
    },
}


def _answer(status: int, schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"schema": schema}}}}


def _input() -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": CHANNEL_INPUT}}}}


def _id(value: str) -> str:
    return uuid_param(value, "robot_channel_not_found")


@router.get(
    "",
    responses=_answer(
        200,
        {
            "type": "object",
            "required": ["channels"],
            "properties": {"channels": {"type": "array", "items": CHANNEL}},
        },
    ),
)
def list_channels(request: Request) -> dict[str, Any]:
    """Every robot channel of the company, by name."""
    with request_context(request) as ctx:
        return channels.list_channels(ctx)


@router.post("", status_code=201, openapi_extra=_input(), responses=_answer(201, CHANNEL))
def create_channel(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Add a group robot: name, vendor, webhook URL and (DingTalk, Feishu) signing secret."""
    with request_context(request, write=True) as ctx:
        return channels.create_channel(ctx, body)


@router.get("/{channel_id}", responses=_answer(200, CHANNEL))
def get_channel(request: Request, channel_id: str) -> dict[str, Any]:
    with request_context(request) as ctx:
        return channels.get_channel(ctx, _id(channel_id))


@router.patch("/{channel_id}", openapi_extra=_input(), responses=_answer(200, CHANNEL))
def update_channel(
    request: Request, channel_id: str, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Change a channel; an absent url or secret keeps the stored one."""
    with request_context(request, write=True) as ctx:
        return channels.update_channel(ctx, _id(channel_id), body)


@router.delete("/{channel_id}", status_code=204)
def delete_channel(request: Request, channel_id: str) -> Response:
    """Delete a channel and its credentials; 409 while a flow posts to it."""
    with request_context(request, write=True) as ctx:
        channels.delete_channel(ctx, _id(channel_id))
    return Response(status_code=204)


@router.post("/{channel_id}/test", responses=_answer(200, TEST_RESULT))
def send_test(request: Request, channel_id: str) -> dict[str, Any]:
    """Send a test message now and answer the vendor's outcome (also for a channel that is
    switched off, to check it before switching it on)."""
    channel_id = _id(channel_id)
    # Read, post, record: three steps, so that no database transaction waits on the robot.
    with request_context(request) as ctx:
        channel, message, allow_private = channels.send_test(ctx, channel_id)
    if channel is None:
        result = SendResult(ok=False, error="secret_unreadable")
    else:
        result = channels.post(channel, message, allow_private=allow_private)
    with request_context(request, write=True, principal=request.state.principal) as ctx:
        return channels.test_answer(ctx, channel_id, result)
