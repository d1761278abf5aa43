"""User administration over HTTP: list, invite, accept, deactivate, reactivate, transfer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field, WithJsonSchema

from keyi.api.bodies import FILTER_SCHEMA, RecordValues, StrictBody
from keyi.api.context import (
    authenticate,
    request_context,
    services,
    set_session_cookies,
)
from keyi.api.params import uuid_param
from keyi.api.traits import BodyClass, body_class
from keyi.platform import ownership
from keyi.platform.profile import me_payload
from keyi.platform.users import IssuedInvitation, UsersService, require_manager

router = APIRouter(prefix="/api/v1", tags=["users"])


class AcceptBody(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    totp: str | None = Field(default=None, max_length=12)


_TRANSFER_ITEM = {
    "anyOf": [
        {"type": "string", "description": "An object name: all of its records."},
        {
            "type": "object",
            "properties": {"object": {"type": "string"}, "filter": FILTER_SCHEMA},
            "required": ["object"],
            "additionalProperties": False,
        },
    ]
}


class TransferBody(StrictBody):
    to_user: str = Field(json_schema_extra={"format": "uuid"})
    # Each entry is checked by keyi.platform.ownership, which names `objects.<i>.filter.…`.
    objects: list[Annotated[Any, WithJsonSchema(_TRANSFER_ITEM)]] | None = Field(
        default=None, description="What to move (default: every owned object)."
    )


def _users(request: Request) -> UsersService:
    svc = services(request)
    return UsersService(svc.platform, svc.auth)


def _delivered(request: Request, issued: IssuedInvitation) -> dict[str, Any]:
    """After commit: mail the link (the address the admin used, if none is configured)."""
    return _users(request).deliver(issued, base_url=str(request.base_url))


@router.get("/users")
def list_users(
    request: Request,
    status: str | None = Query(None, max_length=16),
    q: str | None = Query(None, max_length=200),
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, max_length=36),
) -> dict[str, Any]:
    with request_context(request) as ctx:
        return _users(request).list_users(ctx, status=status, q=q, limit=limit, cursor=cursor)


@router.post("/users/invite", status_code=201)
def invite(request: Request, body: RecordValues = Body(...)) -> dict[str, Any]:
    """The new user's values (as a user record's, `is_active` aside; the per-tenant document
    has the exact fields); the invitation link is mailed when SMTP is set up."""
    with request_context(request, write=True) as ctx:
        issued = _users(request).invite(ctx, body)
    return _delivered(request, issued)


@router.post("/users/{user_id}/reinvite")
def reinvite(user_id: str, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        issued = _users(request).reinvite(ctx, uuid_param(user_id, "record_not_found"))
    return _delivered(request, issued)


@router.delete("/users/{user_id}/invitation", status_code=204)
def revoke_invitation(user_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        _users(request).revoke_invitation(ctx, uuid_param(user_id, "record_not_found"))
    return Response(status_code=204)


@router.post("/users/{user_id}/deactivate")
def deactivate(user_id: str, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return _users(request).deactivate(ctx, uuid_param(user_id, "record_not_found"))


@router.post("/users/{user_id}/reactivate")
def reactivate(user_id: str, request: Request) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return _users(request).reactivate(ctx, uuid_param(user_id, "record_not_found"))


@router.post("/users/{user_id}/transfer")
def transfer(user_id: str, request: Request, body: TransferBody) -> dict[str, Any]:
    """Move ownership in batches; each batch re-checks that the caller may still manage users."""
    principal, _ = authenticate(request)
    with request_context(request, principal=principal) as ctx:
        require_manager(ctx)
        source, target, items = ownership.parse_transfer(
            ctx, uuid_param(user_id, "record_not_found"), body.to_user, body.objects
        )
    return ownership.transfer(
        lambda: request_context(request, write=True, principal=principal), source, target, items
    )


# ------------------------------------------------------------------ the invited person
@router.get("/auth/invitation")
def describe_invitation(
    request: Request, token: str = Query(..., max_length=200)
) -> dict[str, Any]:
    return _users(request).describe_invitation(token)


@router.post("/auth/accept-invite")
@body_class(BodyClass.AUTH)
def accept_invite(body: AcceptBody, request: Request, response: Response) -> dict[str, Any]:
    """Choose a password (or prove the existing one), activate the membership, sign in."""
    svc = services(request)
    svc.login_limiter.check_request(request)
    accepted = _users(request).accept(body.token, body.password, body.totp)
    session = svc.auth.login(accepted.email, body.password, accepted.tenant.name, body.totp)
    set_session_cookies(response, svc.platform.settings, session)
    with request_context(request, principal=session.principal, write=True) as ctx:
        ctx.audit("auth.login", via="invitation")
        payload = me_payload(ctx)
    return {"token": session.token, **payload}
