"""Setup › Webhooks over HTTP (the logic: keyi.platform.webhooks.subscriptions).

Bodies are taken as plain objects and validated by the service, so every problem comes back at
once as field errors; the schemas below are what the OpenAPI document shows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request, Response

from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform.webhooks import subscriptions as subs

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

_TIME = {"type": "string", "format": "date-time", "nullable": True}
_EVENTS = {
    "type": "array",
    "items": {"type": "string", "example": "opportunity.updated"},
    "description": "<object>.created|updated|deleted, or <object>.* for the three.",
}
WEBHOOK_INPUT = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "maxLength": 2048},
        "events": _EVENTS,
        "description": {"type": "string", "maxLength": 500, "nullable": True},
        "active": {"type": "boolean"},
    },
    "additionalProperties": False,
}
WEBHOOK: dict[str, Any] = {
    "type": "object",
    "required": ["id", "url", "events", "active", "consecutive_failures", "created_at"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "url": {"type": "string"},
        "events": _EVENTS,
        "description": {"type": "string", "nullable": True},
        "active": {"type": "boolean"},
        "consecutive_failures": {"type": "integer"},
        "disabled_at": _TIME,
        "disabled_reason": {
            "type": "string",
            "nullable": True,
            "description": "delivery_dead or consecutive_failures when switched off for failing",
        },
        "created_by": {"type": "string", "format": "uuid", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "previous_secret_until": {
            **_TIME,
            "description": "Until when the secret replaced by a rotation still signs.",
        },
    },
}
WEBHOOK_WITH_SECRET = {
    **WEBHOOK,
    "required": [*WEBHOOK["required"], "secret"],
    "properties": {
        **WEBHOOK["properties"],
        "secret": {"type": "string", "description": "whsec_…, shown only in this answer."},
    },
}
SETTINGS = {
    "type": "object",
    "required": ["allow_private", "installation_allows_private"],
    "properties": {
        "allow_private": {"type": "boolean"},
        "installation_allows_private": {"type": "boolean"},
    },
}
DELIVERY = {
    "type": "object",
    "required": ["id", "webhook_id", "event_type", "status", "attempts", "created_at", "body"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "The webhook-id header."},
        "webhook_id": {"type": "string", "format": "uuid"},
        "event_type": {"type": "string"},
        "event_id": {"type": "string", "format": "uuid", "nullable": True},
        "status": {"type": "string", "enum": ["pending", "delivered", "dead", "cancelled"]},
        "attempts": {"type": "integer"},
        "next_attempt_at": _TIME,
        "last_attempt_at": _TIME,
        "last_status_code": {"type": "integer", "nullable": True},
        "last_error": {"type": "string", "nullable": True},
        "last_duration_ms": {"type": "integer", "nullable": True},
        "response_excerpt": {"type": "string", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "delivered_at": _TIME,
        "body": {"type": "object", "additionalProperties": True},
    },
}


def _answer(status: int, schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"schema": schema}}}}


def _input(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": schema}}}}


def _id(value: str) -> str:
    return uuid_param(value, "webhook_not_found")


@router.get(
    "",
    responses=_answer(
        200,
        {
            "type": "object",
            "required": ["webhooks", "settings"],
            "properties": {"webhooks": {"type": "array", "items": WEBHOOK}, "settings": SETTINGS},
        },
    ),
)
def list_webhooks(request: Request) -> dict[str, Any]:
    """Every subscription of the company, oldest first, and the private-target settings."""
    with request_context(request) as ctx:
        return subs.list_webhooks(ctx)


@router.post(
    "",
    status_code=201,
    openapi_extra=_input(WEBHOOK_INPUT),
    responses=_answer(201, WEBHOOK_WITH_SECRET),
)
def create_webhook(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Subscribe a URL to events; the answer holds the signing secret, shown only here."""
    with request_context(request, write=True) as ctx:
        return subs.create_webhook(ctx, body)


@router.get("/settings", responses=_answer(200, SETTINGS))
def get_settings(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return subs.get_settings(ctx)


@router.patch(
    "/settings",
    openapi_extra=_input({"type": "object", "properties": {"allow_private": {"type": "boolean"}}}),
    responses=_answer(200, SETTINGS),
)
def update_settings(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Allow this company's webhooks to reach loopback and private networks (or not)."""
    with request_context(request, write=True) as ctx:
        return subs.update_settings(ctx, body)


@router.post("/deliveries/{delivery_id}/replay", responses=_answer(200, DELIVERY))
def replay_delivery(request: Request, delivery_id: str) -> dict[str, Any]:
    """Send a finished delivery again (same body, same webhook-id), with new attempts."""
    with request_context(request, write=True) as ctx:
        return subs.replay_delivery(ctx, uuid_param(delivery_id, "webhook_delivery_not_found"))


@router.get("/{webhook_id}", responses=_answer(200, WEBHOOK))
def get_webhook(request: Request, webhook_id: str) -> dict[str, Any]:
    with request_context(request) as ctx:
        return subs.get_webhook(ctx, _id(webhook_id))


@router.patch("/{webhook_id}", openapi_extra=_input(WEBHOOK_INPUT), responses=_answer(200, WEBHOOK))
def update_webhook(
    request: Request, webhook_id: str, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Change a subscription; ``active: true`` switches a disabled one on again."""
    with request_context(request, write=True) as ctx:
        return subs.update_webhook(ctx, _id(webhook_id), body)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(request: Request, webhook_id: str) -> Response:
    with request_context(request, write=True) as ctx:
        subs.delete_webhook(ctx, _id(webhook_id))
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", responses=_answer(200, WEBHOOK_WITH_SECRET))
def rotate_secret(request: Request, webhook_id: str) -> dict[str, Any]:
    """A new secret, shown only here; the old one keeps signing beside it for a day."""
    with request_context(request, write=True) as ctx:
        return subs.rotate_secret(ctx, _id(webhook_id))


@router.post("/{webhook_id}/test", status_code=202, responses=_answer(202, DELIVERY))
def send_test(request: Request, webhook_id: str) -> dict[str, Any]:
    """Queue a webhook.test event to the subscription; its delivery, pending."""
    with request_context(request, write=True) as ctx:
        return subs.send_test(ctx, _id(webhook_id))


@router.get(
    "/{webhook_id}/deliveries",
    responses=_answer(
        200,
        {
            "type": "object",
            "required": ["deliveries", "next_cursor"],
            "properties": {
                "deliveries": {"type": "array", "items": DELIVERY},
                "next_cursor": {"type": "string", "nullable": True},
            },
        },
    ),
)
def list_deliveries(
    request: Request,
    webhook_id: str,
    cursor: str | None = Query(None, max_length=36),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    """A subscription's deliveries, newest first, each with its body as sent."""
    with request_context(request) as ctx:
        return subs.list_deliveries(ctx, _id(webhook_id), cursor=cursor, limit=limit)
