"""From an HTTP request to a platform Context: authentication, CSRF, locale, transaction.

Routes call `request_context(...)` in a `with` block and build their answer inside it, so the
transaction commits before the response leaves and any error rolls everything back.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import Request, Response

from keyi.api.ratelimit import LoginRateLimiter
from keyi.api.traits import is_read_only
from keyi.platform.access.principal import load_caller
from keyi.platform.auth import AuthService, Caller, NewSession
from keyi.platform.context import Context
from keyi.platform.errors import Forbidden, Unauthenticated
from keyi.platform.i18n import negotiate
from keyi.platform.permissions import AccessPolicy, Actor
from keyi.platform.tenancy import Platform
from keyi.settings import Settings

SESSION_COOKIE = "keyi_session"
CSRF_COOKIE = "keyi_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Services:
    platform: Platform
    auth: AuthService
    login_limiter: LoginRateLimiter


def services(request: Request) -> Services:
    return request.app.state.services


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def authenticate(request: Request) -> tuple[Caller, str]:
    """The caller's principal and token; cookie sessions must carry the CSRF header to write."""
    svc = services(request)
    token = bearer_token(request)
    via_cookie = False
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        via_cookie = token is not None
    if not token:
        raise Unauthenticated()
    principal = svc.auth.resolve(token)
    if principal is None:
        raise Unauthenticated()
    # A read key may call the POST routes marked read-only (a query sent as a body); every
    # other non-GET route writes and is refused.
    if (
        principal.scope == "read"
        and request.method not in SAFE_METHODS
        and not is_read_only(request.scope)
    ):
        raise Forbidden("read_only_key")
    if via_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not principal.csrf_token or not secrets.compare_digest(sent, principal.csrf_token):
            raise Forbidden("csrf")
    return principal, token


def set_session_cookies(response: Response, settings: Settings, session: NewSession) -> None:
    """The web app's session: an HttpOnly token cookie and a script-readable CSRF cookie."""
    max_age = settings.session_ttl_hours * 3600
    for name, value, http_only in (
        (SESSION_COOKIE, session.token, True),
        (CSRF_COOKIE, session.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=http_only,
            samesite="lax",
            secure=settings.cookies_secure,
            path="/",
        )


def locale_of(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


@contextmanager
def request_context(
    request: Request, *, write: bool = False, principal: Caller | None = None
) -> Iterator[Context]:
    if principal is None:
        principal, _ = authenticate(request)
    svc = services(request)
    tenant = svc.platform.tenant_by_id(principal.tenant_id)
    # The actor is built inside the tenant transaction from the user record, so a deactivated
    # user or a revoked admin flag takes effect on the very next request.
    placeholder = Actor(id=principal.user_id, name="", is_admin=False)
    with svc.platform.context(tenant, placeholder, locale=locale_of(request), write=write) as ctx:
        loaded = load_caller(ctx.conn, ctx.schema, principal.user_id)
        if loaded is None or not loaded[0]["is_active"]:
            raise Unauthenticated()
        row, org, permissions = loaded
        actor = Actor(id=principal.user_id, name=row["name"], is_admin=bool(row["is_admin"]))
        ctx.act_as(actor, AccessPolicy(actor, org, permissions))
        request.state.principal = principal
        yield ctx
