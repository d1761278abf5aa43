"""The signed-in person's own account: profile, password change, and the forgotten-password
flow (which needs no session)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from pydantic import BaseModel, Field

from keyi.api.context import authenticate, locale_of, request_context, services
from keyi.api.ratelimit import client_address
from keyi.api.traits import BodyClass, body_class
from keyi.platform.account import RESET_MINUTES, AccountService
from keyi.platform.errors import Forbidden, TooManyAttempts
from keyi.platform.mail import Mail, mail_configured, send
from keyi.platform.profile import me_payload, update_profile
from keyi.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["auth"])

# Per client address and per mailbox: enough for a person who mistyped, too few to flood.
RESET_REQUESTS_PER_ADDRESS = 10
RESET_ADDRESS_WINDOW = 15 * 60
RESET_REQUESTS_PER_EMAIL = 3
RESET_EMAIL_WINDOW = 60 * 60


class ForgotBody(BaseModel):
    email: str = Field(min_length=3, max_length=320)


class ResetBody(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class ChangePasswordBody(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    password: str = Field(min_length=1, max_length=1024)


class ProfileBody(BaseModel):
    model_config = {"extra": "allow"}
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=50)
    language: str | None = Field(default=None, max_length=10)


RESET_SUBJECT = {"zh-CN": "重置您的客易 CRM 密码", "en": "Reset your Keyi CRM password"}
RESET_TEXT = {
    "zh-CN": (
        "有人（希望是您本人）请求重置此邮箱在客易 CRM 的密码。\n\n"
        "请在 {minutes} 分钟内打开以下链接设置新密码（仅可使用一次）：\n{url}\n\n"
        "如果不是您本人操作，请忽略本邮件，您的密码不会改变。\n"
    ),
    "en": (
        "Someone (hopefully you) asked to reset the Keyi CRM password for this email.\n\n"
        "Open this link within {minutes} minutes to choose a new password (it works once):\n"
        "{url}\n\n"
        "If it was not you, ignore this email; your password stays as it is.\n"
    ),
}


def reset_url(settings: Settings, token: str) -> str:
    """The link to mail: on the configured public address, else the server's own one.

    Never the request's Host header: whoever asks for a reset chooses that header, and a link
    pointing at their site would hand them the victim's token (reset poisoning).
    """
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return f"{base.rstrip('/')}/reset-password?token={token}"


def _mail_reset(settings: Settings, to: str, url: str, locale: str) -> None:
    lang = "en" if locale == "en" else "zh-CN"
    params = {"minutes": RESET_MINUTES, "url": url}
    send(
        settings,
        Mail(
            to=to,
            subject=RESET_SUBJECT[lang],
            text=RESET_TEXT[lang].format(**params),
        ),
    )


@router.post(
    "/auth/password/forgot",
    status_code=202,
    response_class=Response,
    responses={202: {"description": "Accepted (whether or not the email is known); no body"}},
)
@body_class(BodyClass.AUTH)
def forgot_password(body: ForgotBody, request: Request, background: BackgroundTasks) -> Response:
    """Always 202, known email or not; the link goes out by mail after the response."""
    svc = services(request)
    limiter = svc.login_limiter
    limiter.check(
        client_address(request, limiter.trusted_proxies),
        kind="reset-address",
        limit=RESET_REQUESTS_PER_ADDRESS,
        window=RESET_ADDRESS_WINDOW,
    )
    email = body.email.strip().lower()
    try:
        limiter.check(
            email, kind="reset-email", limit=RESET_REQUESTS_PER_EMAIL, window=RESET_EMAIL_WINDOW
        )
    except TooManyAttempts:  # over the mailbox's limit: answer as always, send nothing
        return Response(status_code=202)
    link = AccountService(svc.platform, svc.auth).request_reset(email)
    settings = svc.platform.settings
    if link is not None and mail_configured(settings):
        # After the response (and so after the commit): timing does not tell known emails.
        background.add_task(
            _mail_reset, settings, link.email, reset_url(settings, link.token), locale_of(request)
        )
    return Response(status_code=202)


@router.post("/auth/password/reset", status_code=204)
@body_class(BodyClass.AUTH)
def reset_password(body: ResetBody, request: Request) -> Response:
    """A new password from a mailed link; every session of the identity is signed out."""
    svc = services(request)
    svc.login_limiter.check_request(request, kind="reset-token")
    AccountService(svc.platform, svc.auth).reset(body.token, body.password)
    return Response(status_code=204)


@router.post("/auth/password/change", status_code=204)
@body_class(BodyClass.AUTH)
def change_password(body: ChangePasswordBody, request: Request) -> Response:
    """Needs the current password; the caller's other sessions are signed out."""
    principal, token = authenticate(request)
    if principal.identity_id is None:  # API keys have no password to change
        raise Forbidden()
    with request_context(request, principal=principal) as ctx:
        name = ctx.actor.name
    svc = services(request)
    AccountService(svc.platform, svc.auth).change_password(
        principal.identity_id,
        body.current_password,
        body.password,
        name=name,
        keep_session=token,
    )
    with request_context(request, principal=principal, write=True) as ctx:
        ctx.audit("auth.password_change", object_name="user", record_id=ctx.actor.id)
    return Response(status_code=204)


@router.get("/me/security")
def my_security(request: Request) -> dict[str, Any]:
    """What the profile's security section shows: whether two-factor sign-in is on, and
    whether the caller has a password to change (API keys and SSO-only people do not)."""
    principal, _ = authenticate(request)
    if principal.identity_id is None:
        raise Forbidden()
    svc = services(request)
    return AccountService(svc.platform, svc.auth).security_state(principal.identity_id)


@router.patch("/me")
@body_class(BodyClass.AUTH)
def update_me(body: ProfileBody, request: Request) -> dict[str, Any]:
    """Change one's own profile fields (name, phone, language); answers /me's payload."""
    data = body.model_dump(exclude_unset=True)
    with request_context(request, write=True) as ctx:
        update_profile(ctx, data)
        return me_payload(ctx)
