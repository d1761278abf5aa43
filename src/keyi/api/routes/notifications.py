"""The signed-in user's notifications over HTTP (the logic: keyi.platform.notifications)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import Field, StrictBool

from keyi.api.bodies import StrictBody
from keyi.api.context import request_context
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.notifications import service

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class MarkReadBody(StrictBody):
    """Either `ids` (the notifications to mark read) or `all: true` (every unread one)."""

    ids: list[str] | None = Field(default=None, max_length=service.MAX_MARK_IDS)
    all: StrictBool = False


class PreferencesBody(StrictBody):
    email: StrictBool = Field(description="Send an email copy of each notification.")


@router.get("")
def list_notifications(
    request: Request,
    unread: bool = Query(False, description="Only unread ones."),
    cursor: str | None = Query(None, max_length=36),
    limit: int = Query(20, ge=1, le=service.MAX_LIST_LIMIT),
) -> dict[str, Any]:
    """Your notifications, newest first, with your unread count."""
    with request_context(request, write=False) as ctx:
        return service.list_for_user(ctx, unread_only=unread, cursor=cursor, limit=limit)


@router.get("/unread-count")
def unread_count(request: Request) -> dict[str, int]:
    """How many of your notifications are unread (the bell polls this)."""
    with request_context(request, write=False) as ctx:
        return {"unread": service.unread_count(ctx)}


@router.post("/read")
def mark_read(request: Request, body: MarkReadBody) -> dict[str, int]:
    """Mark some (`ids`) or all of your notifications read; other people's ids are ignored."""
    if body.all == (body.ids is not None):
        # Neither, or both: "all" beside a list would make the list meaningless.
        raise ValidationFailed([FieldError("ids", "invalid_request" if body.all else "required")])
    with request_context(request, write=True) as ctx:
        marked = service.mark_read(ctx, "all" if body.all else (body.ids or []))
        return {"marked": marked, "unread": service.unread_count(ctx)}


@router.get("/preferences")
def get_preferences(request: Request) -> dict[str, bool]:
    """Your notification channels (email copies on or off; whether email is available)."""
    with request_context(request, write=False) as ctx:
        return service.get_preferences(ctx)


@router.put("/preferences")
def set_preferences(request: Request, body: PreferencesBody) -> dict[str, bool]:
    """Turn email copies of your notifications on or off."""
    with request_context(request, write=True) as ctx:
        return service.set_preferences(ctx, email=body.email)
