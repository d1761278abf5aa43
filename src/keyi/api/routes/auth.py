"""Login, logout and the current user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from keyi.api.context import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    authenticate,
    request_context,
    services,
    set_session_cookies,
)
from keyi.api.traits import BodyClass, body_class
from keyi.platform.errors import Forbidden
from keyi.platform.profile import me_payload

router = APIRouter(prefix="/api/v1", tags=["auth"])


class LoginBody(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    tenant: str | None = None
    totp: str | None = Field(default=None, max_length=12)


class CodeBody(BaseModel):
    code: str = Field(min_length=6, max_length=12)


class PasswordBody(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


@router.post("/auth/login")
@body_class(BodyClass.AUTH)
def login(body: LoginBody, request: Request, response: Response) -> dict[str, Any]:
    svc = services(request)
    svc.login_limiter.check_request(request)
    session = svc.auth.login(body.email, body.password, body.tenant, body.totp)
    set_session_cookies(response, svc.platform.settings, session)
    with request_context(request, principal=session.principal, write=True) as ctx:
        ctx.audit("auth.login", via="password")
        payload = me_payload(ctx)
    return {"token": session.token, **payload}


@router.post("/auth/logout", status_code=204)
@body_class(BodyClass.AUTH)
def logout(request: Request, response: Response) -> Response:
    _, token = authenticate(request)
    services(request).auth.logout(token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/auth/logout-everywhere", status_code=204)
@body_class(BodyClass.AUTH)
def logout_everywhere(request: Request) -> Response:
    principal, _ = authenticate(request)
    if principal.identity_id is None:
        raise Forbidden()
    services(request).auth.revoke_sessions(identity_id=principal.identity_id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _identity(request: Request) -> tuple[str, str]:
    principal, _ = authenticate(request)
    if principal.identity_id is None:  # API keys cannot manage sign-in factors
        raise Forbidden()
    with request_context(request, principal=principal) as ctx:
        email = me_payload(ctx)["user"]["email"]
    return principal.identity_id, str(email)


@router.post("/auth/totp/setup")
@body_class(BodyClass.AUTH)
def totp_setup(request: Request) -> dict[str, str]:
    identity_id, email = _identity(request)
    return services(request).auth.totp_setup(identity_id, email)


@router.post("/auth/totp/enable", status_code=204)
@body_class(BodyClass.AUTH)
def totp_enable(body: CodeBody, request: Request) -> Response:
    identity_id, _ = _identity(request)
    services(request).auth.totp_enable(identity_id, body.code)
    return Response(status_code=204)


@router.post("/auth/totp/disable", status_code=204)
@body_class(BodyClass.AUTH)
def totp_disable(body: PasswordBody, request: Request) -> Response:
    identity_id, _ = _identity(request)
    services(request).auth.totp_disable(identity_id, body.password)
    return Response(status_code=204)


@router.get("/me")
def me(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return me_payload(ctx)
