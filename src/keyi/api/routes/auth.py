"""Login, logout and the current user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from keyi.api.context import CSRF_COOKIE, SESSION_COOKIE, authenticate, request_context, services
from keyi.platform.context import Context

router = APIRouter(prefix="/api/v1", tags=["auth"])


class LoginBody(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    tenant: str | None = None


def me_payload(ctx: Context) -> dict[str, Any]:
    users = ctx.object("user")
    row = (
        ctx.conn.execute(users.table.select().where(users.table.c.id == ctx.actor.id))
        .mappings()
        .first()
    )
    settings = ctx.settings
    return {
        "user": {
            "id": ctx.actor.id,
            "name": ctx.actor.name,
            "email": row["email"] if row else None,
            "is_admin": ctx.actor.is_admin,
            "language": row["language"] if row else None,
        },
        "tenant": {
            "name": ctx.tenant.name,
            "label": ctx.tenant.label,
            "currency": settings.get("currency"),
            "locale": settings.get("locale"),
            "time_zone": settings.get("time_zone"),
        },
    }


@router.post("/auth/login")
def login(body: LoginBody, request: Request, response: Response) -> dict[str, Any]:
    svc = services(request)
    session = svc.auth.login(body.email, body.password, body.tenant)
    secure = svc.platform.settings.secure_cookies
    max_age = svc.platform.settings.session_ttl_hours * 3600
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        session.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )
    with request_context(request, principal=session.principal, write=True) as ctx:
        ctx.audit("auth.login", via="password")
        payload = me_payload(ctx)
    return {"token": session.token, **payload}


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response) -> Response:
    _, token = authenticate(request)
    services(request).auth.logout(token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me")
def me(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return me_payload(ctx)
