"""Single sign-on over HTTP: providers for administrators, and the browser sign-in flow.

The flow endpoints answer browser navigations, not API calls: every outcome is a redirect —
to the provider, to the web app once signed in, or to `/login?sso_error=<code>` — never a
JSON error a person would be left staring at.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import RedirectResponse

from keyi.api.context import request_context, services, set_session_cookies
from keyi.api.params import uuid_param
from keyi.platform.errors import TooManyAttempts
from keyi.platform.sso.oidc import OidcClient
from keyi.platform.sso.providers import SsoProviders
from keyi.platform.sso.signin import SsoFailure, SsoSignIn

router = APIRouter(prefix="/api/v1", tags=["sso"])
FLOW_COOKIE = "keyi_sso"
FLOW_COOKIE_PATH = "/api/v1/auth/sso"
CALLBACK_PATH = "/api/v1/auth/sso/callback"


# The provider body and answer as the OpenAPI document shows them. The routes take a plain
# object and SsoProviders validates it, so every problem comes back at once as field errors.
_PROVIDER_FIELDS: dict[str, Any] = {
    "name": {
        "type": "string",
        "pattern": "^[a-z][a-z0-9_-]{0,47}$",
        "description": "In sign-in links; set on creation only.",
    },
    "issuer": {"type": "string", "maxLength": 500, "description": "OpenID Connect issuer URL."},
    "client_id": {"type": "string", "maxLength": 255},
    "scopes": {"type": "array", "items": {"type": "string"}},
    "labels": {
        "type": "object",
        "properties": {"en": {"type": "string"}, "zh-CN": {"type": "string"}},
        "additionalProperties": False,
    },
    "provision_users": {"type": "boolean", "description": "Create unknown people on sign-in."},
    "default_role": {"type": "string", "format": "uuid", "nullable": True},
    "enabled": {"type": "boolean"},
    "trust_email": {
        "type": "boolean",
        "default": False,
        "description": (
            "Take the provider's email claim as verified even without email_verified: true. "
            "Only for providers that verify emails themselves, such as your company's IdP."
        ),
    },
}
PROVIDER_INPUT = {
    "type": "object",
    "properties": {
        **_PROVIDER_FIELDS,
        "client_secret": {
            "type": "string",
            "nullable": True,
            "description": "Write-only, stored encrypted; null removes it (public client).",
        },
    },
    "additionalProperties": False,
}
PROVIDER = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        **_PROVIDER_FIELDS,
        "has_client_secret": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
_INPUT_DOC = {"requestBody": {"content": {"application/json": {"schema": PROVIDER_INPUT}}}}


def _answer(status: int, schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {status: {"content": {"application/json": {"schema": schema}}}}


def _providers(request: Request) -> SsoProviders:
    return SsoProviders(services(request).platform)


def _signin(request: Request) -> SsoSignIn:
    # One OIDC client per app: its discovery and key cache outlive requests.
    oidc = getattr(request.app.state, "oidc_client", None)
    if oidc is None:
        oidc = request.app.state.oidc_client = OidcClient()
    svc = services(request)
    return SsoSignIn(svc.platform, svc.auth, oidc)


def callback_url(request: Request) -> str:
    """The redirect URI to register at the provider (the public address when configured)."""
    base = services(request).platform.settings.public_url or str(request.base_url)
    return base.rstrip("/") + CALLBACK_PATH


def _to_login(code: str, tenant: str | None = None) -> RedirectResponse:
    """The login page explains the code. The flow cookie stays: a forged callback must not
    spoil the sign-in the person is really doing (it expires by itself)."""
    query = {"sso_error": code, **({"tenant": tenant} if tenant else {})}
    return RedirectResponse("/login?" + urlencode(query), status_code=303)


# ------------------------------------------------------------------ administration
@router.get(
    "/sso/providers",
    responses=_answer(
        200,
        {
            "type": "object",
            "properties": {
                "providers": {"type": "array", "items": PROVIDER},
                "redirect_uri": {"type": "string"},
            },
        },
    ),
)
def list_providers(request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        providers = _providers(request).list(ctx)
    return {"providers": providers, "redirect_uri": callback_url(request)}


@router.post(
    "/sso/providers", status_code=201, openapi_extra=_INPUT_DOC, responses=_answer(201, PROVIDER)
)
def create_provider(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return _providers(request).create(ctx, body)


@router.get("/sso/providers/{provider_id}", responses=_answer(200, PROVIDER))
def get_provider(provider_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return _providers(request).get(ctx, uuid_param(provider_id, "not_found"))


@router.patch(
    "/sso/providers/{provider_id}", openapi_extra=_INPUT_DOC, responses=_answer(200, PROVIDER)
)
def update_provider(
    provider_id: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return _providers(request).update(ctx, uuid_param(provider_id, "not_found"), body)


@router.delete("/sso/providers/{provider_id}", status_code=204)
def delete_provider(provider_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        _providers(request).delete(ctx, uuid_param(provider_id, "not_found"))
    return Response(status_code=204)


# ------------------------------------------------------------------ the login page
@router.get("/auth/sso/providers")
def login_buttons(
    request: Request, tenant: str | None = Query(None, max_length=48)
) -> dict[str, Any]:
    """Public: the sign-in buttons of a company (names and labels only)."""
    return _providers(request).buttons(tenant)


@router.get(
    "/auth/sso/{tenant}/{provider}/start",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {"description": "To the identity provider"},
        303: {"description": "Back to the login page with ?sso_error=CODE"},
    },
)
def start(
    tenant: str,
    provider: str,
    request: Request,
    next: str | None = Query(None, max_length=1000),
) -> RedirectResponse:
    svc = services(request)
    try:
        # Each start writes a pending sign-in: limited like password attempts.
        svc.login_limiter.check_request(request)
        started = _signin(request).start(
            tenant, provider, redirect_uri=callback_url(request), next_path=next
        )
    except TooManyAttempts:
        return _to_login("rate_limited", tenant)
    except SsoFailure as failure:
        return _to_login(failure.code, tenant)
    response = RedirectResponse(started.url, status_code=302)
    response.set_cookie(
        FLOW_COOKIE,
        started.browser_token,
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=svc.platform.settings.cookies_secure,
        path=FLOW_COOKIE_PATH,
    )
    return response


@router.get(
    "/auth/sso/callback",
    status_code=303,
    response_class=RedirectResponse,
    responses={303: {"description": "Into the web app, or to the login page with ?sso_error"}},
)
def callback(
    request: Request,
    state: str | None = Query(None, max_length=200),
    code: str | None = Query(None, max_length=2000),
    error: str | None = Query(None, max_length=200),
) -> RedirectResponse:
    """The provider sends the browser back here; on success it lands in the web app."""
    try:
        signed_in = _signin(request).finish(
            state=state,
            code=code,
            error=error,
            browser_token=request.cookies.get(FLOW_COOKIE),
        )
    except SsoFailure as failure:
        return _to_login(failure.code)
    with request_context(request, principal=signed_in.session.principal, write=True) as ctx:
        ctx.audit(
            "auth.login",
            via="sso",
            provider=signed_in.provider,
            provisioned=signed_in.provisioned,
        )
    response = RedirectResponse(signed_in.next_path, status_code=303)
    set_session_cookies(response, services(request).platform.settings, signed_in.session)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response
