"""The customer portal's HTTP API: ``/api/v1/portal/{tenant}/…`` (the contract is in
docs/api.md, "Customer portal").

A separate realm: a portal session (cookie ``keyi_portal`` or ``Authorization: Bearer kp_…``)
is resolved in the tenant's own portal tables (keyi.platform.portal), so an internal session
or API key is never a portal session and a portal token is never accepted by an internal
route (their lookup is the control database's). Every request re-reads the portal user: a
disabled, deleted or contact-less user is signed out at once. Writes made with the cookie
need the ``x-csrf-token`` header (the value of the readable ``keyi_portal_csrf`` cookie).

What a portal user may read is keyi.packages.service.portal_data's explicit grants; nothing
here runs the internal access policy for them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from keyi.api.context import CSRF_HEADER, SAFE_METHODS, bearer_token, locale_of, services
from keyi.api.ratelimit import client_address
from keyi.packages.service import portal_data, portal_users
from keyi.packages.service.portal_users import OBJECT, PortalPerson, auth_for, person
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import (
    FieldError,
    Forbidden,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
    ValidationFailed,
)
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.hooks import installed_packages
from keyi.platform.jobs.queue import enqueue
from keyi.platform.permissions import Actor
from keyi.platform.portal import LoginOutcome, PortalSession, Purpose, ResolvedSession
from keyi.platform.portal.principals import LOCK_MINUTES
from keyi.platform.records import RecordsService

router = APIRouter(prefix="/api/v1/portal/{tenant}", tags=["portal"])

COOKIE = "keyi_portal"
CSRF_COOKIE = "keyi_portal_csrf"
LOCALES = ["zh-CN", "en"]
# Per address per minute, beside the sign-in limiter's own limit (KEYI_LOGIN_RATE_LIMIT);
# sign-in links per email address per quarter hour, so nobody floods a customer's mailbox.
LINKS_PER_EMAIL = 5
LINK_EMAIL_WINDOW = 900
# Cases and replies per portal user per minute: a script with a stolen session cannot bury
# the service desk.
WRITES_PER_MINUTE = 30

PUBLIC: dict[str, Any] = {"openapi_extra": {"security": []}}
ERROR = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}


# ---------------------------------------------------------------- shapes
# Moments as the records API writes them: UTC, milliseconds, "Z".
Instant = Annotated[datetime, PlainSerializer(datetime_json, return_type=str)]


class PortalTenant(BaseModel):
    name: str
    display_name: str


class PortalRef(BaseModel):
    id: str
    name: str


class PortalInfo(BaseModel):
    tenant: PortalTenant
    locales: list[str]


class PortalMe(BaseModel):
    id: str
    name: str
    email: str
    locale: Literal["zh-CN", "en"]
    company_access: bool
    contact: PortalRef
    account: PortalRef | None
    tenant: PortalTenant


class PortalSignIn(BaseModel):
    token: str = Field(
        description="For API clients (Authorization: Bearer); browsers use the cookie."
    )
    csrf_token: str
    expires_at: Instant
    me: PortalMe


class PortalCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class PortalLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]


class PortalTokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PortalAcceptBody(PortalTokenBody):
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class PortalInvitation(BaseModel):
    email: str
    name: str
    company: str | None


class PortalMePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locale: Literal["zh-CN", "en"] | None = None


class PortalPasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class PortalCase(BaseModel):
    id: str
    case_no: str | None
    subject: str
    status: str
    status_label: str | None
    priority: str | None
    priority_label: str | None
    type: str | None
    type_label: str | None
    created_at: Instant
    updated_at: Instant
    last_message_at: Instant | None
    contact_name: str | None
    waiting_on_you: bool


class PortalCaseDetail(PortalCase):
    description: str | None
    resolution: str | None
    resolved_at: Instant | None
    closed_at: Instant | None
    can_reply: bool
    survey_url: str | None


class PortalCaseList(BaseModel):
    records: list[PortalCase]
    next_cursor: str | None


class PortalNewCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)] = ""
    type: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="A case type option (the records service checks it)."
    )
    priority: Literal["low", "medium", "high"] = "medium"


class PortalMessage(BaseModel):
    id: str
    body: str
    body_html: str | None
    from_customer: bool
    author: str
    created_at: Instant


class PortalMessageList(BaseModel):
    records: list[PortalMessage]


class PortalNewMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]


class PortalArticleSummary(BaseModel):
    id: str
    title: str
    summary: str | None
    category: PortalRef | None
    updated_at: Instant


class PortalArticle(PortalArticleSummary):
    body_html: str


class PortalArticleList(BaseModel):
    records: list[PortalArticleSummary]
    next_cursor: str | None


class PortalCategory(BaseModel):
    id: str
    name: str
    parent: str | None


class PortalCategoryList(BaseModel):
    records: list[PortalCategory]


# ---------------------------------------------------------------- plumbing
def _tenant(request: Request, name: str, *, public: bool = False) -> TenantInfo:
    """The tenant named in the path; unknown answers 401 on private routes (as a bad session
    would: the name is not confirmed) and 404 on public ones."""
    try:
        return services(request).platform.tenant(name)
    except NotFound:
        raise (NotFound("tenant_unknown") if public else Unauthenticated()) from None


def _require_portal(ctx: Context, *, public: bool) -> None:
    if "service" not in installed_packages(ctx):
        raise NotFound() if public else Unauthenticated()


@contextmanager
def _public(request: Request, tenant_name: str, *, write: bool) -> Iterator[Context]:
    """A tenant transaction for the sign-in routes (no session yet)."""
    tenant = _tenant(request, tenant_name, public=True)
    platform = services(request).platform
    with platform.context(
        tenant, Actor.system("portal"), locale=locale_of(request), write=write
    ) as ctx:
        _require_portal(ctx, public=True)
        yield ctx


@dataclass(frozen=True)
class Caller:
    ctx: Context
    me: PortalPerson
    session: ResolvedSession


@contextmanager
def _signed_in(request: Request, tenant_name: str, *, write: bool = False) -> Iterator[Caller]:
    """The portal session behind the request (see the module docstring), or 401."""
    token = bearer_token(request)
    via_cookie = False
    if token is None:
        token = request.cookies.get(COOKIE)
        via_cookie = token is not None
    if not token:
        raise Unauthenticated()
    tenant = _tenant(request, tenant_name)
    platform = services(request).platform
    with platform.context(
        tenant, Actor.system("portal"), locale=locale_of(request), write=write
    ) as ctx:
        _require_portal(ctx, public=False)
        session = auth_for(ctx).resolve(token, touch=write)
        if session is None:
            raise Unauthenticated()
        if via_cookie and request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
                raise Forbidden("csrf")
        if portal_users.status_of(ctx, session.principal_id) != "active":
            raise Unauthenticated()
        me = person(ctx, session.principal_id)
        if me is None:
            raise Unauthenticated()
        ctx.act_as(portal_users.portal_actor(me.name))
        yield Caller(ctx, me, session)
    if session.touch_due:  # a read: its use is noted in a short write of its own
        with platform.context(tenant, Actor.system("portal"), locale=locale_of(request)) as ctx:
            auth_for(ctx).touch(session.digest)


def _limit(
    request: Request,
    kind: str,
    *,
    key: str | None = None,
    limit: int | None = None,
    window: int | None = None,
) -> None:
    limiter = services(request).login_limiter
    subject = key if key is not None else client_address(request, limiter.trusted_proxies)
    limiter.check(subject, kind=kind, limit=limit, window=window)


def _me(ctx: Context, me: PortalPerson) -> PortalMe:
    return PortalMe(
        id=me.id,
        name=me.name,
        email=me.email,
        locale="en" if me.locale == "en" else "zh-CN",
        company_access=me.company_access,
        contact=PortalRef(id=me.contact_id, name=me.contact_name),
        account=PortalRef(id=me.account_id, name=me.account_name or "") if me.account_id else None,
        tenant=PortalTenant(name=ctx.tenant.name, display_name=ctx.tenant.label),
    )


def _start_session(
    request: Request, response: Response, ctx: Context, principal_id: str, method: str
) -> PortalSignIn:
    """A new session for a portal user who proved who they are: stamps ``last_login_at``,
    audits ``portal.login`` and sets the cookies."""
    me = person(ctx, principal_id)
    if me is None:
        raise Unauthenticated()
    ctx.act_as(portal_users.portal_actor(me.name))
    RecordsService(ctx).update(
        OBJECT,
        principal_id,
        {"last_login_at": ctx.now()},
        trusted_fields=frozenset({"last_login_at"}),
    )
    ctx.audit("portal.login", object_name=OBJECT, record_id=principal_id, method=method)
    session = auth_for(ctx).new_session(principal_id)
    _set_cookies(request, response, ctx.tenant, session)
    return PortalSignIn(
        token=session.token,
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
        me=_me(ctx, me),
    )


def _set_cookies(
    request: Request, response: Response, tenant: TenantInfo, session: PortalSession
) -> None:
    settings = services(request).platform.settings
    max_age = settings.session_ttl_hours * 3600
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        path=f"/api/v1/portal/{tenant.name}",
    )
    response.set_cookie(
        CSRF_COOKIE,
        session.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=settings.cookies_secure,
        # Readable by the portal's pages of this company only: a customer signed in to two
        # companies' portals in one browser keeps one CSRF token per portal.
        path=f"/portal/{tenant.name}",
    )


def _clear_cookies(request: Request, response: Response, tenant_name: str) -> None:
    settings = services(request).platform.settings
    response.delete_cookie(
        COOKIE, path=f"/api/v1/portal/{tenant_name}", secure=settings.cookies_secure, httponly=True
    )
    response.delete_cookie(
        CSRF_COOKIE, path=f"/portal/{tenant_name}", secure=settings.cookies_secure
    )


# ---------------------------------------------------------------- sign-in
@router.get("/info", responses={404: ERROR}, **PUBLIC)
def info(request: Request, tenant: str) -> PortalInfo:
    """The company behind a portal address, for the sign-in page (public). 404 for an unknown
    company or one without the service package."""
    _limit(request, "portal.info", limit=120, window=60)
    with _public(request, tenant, write=False) as ctx:
        return PortalInfo(
            tenant=PortalTenant(name=ctx.tenant.name, display_name=ctx.tenant.label),
            locales=LOCALES,
        )


@router.post("/login", responses={401: ERROR, 429: ERROR}, **PUBLIC)
def login(
    request: Request, response: Response, tenant: str, body: PortalCredentials
) -> PortalSignIn:
    """Sign in with email and password. 401 ``bad_credentials`` for a wrong password, an
    unknown email, or a user invited (no password yet) or disabled; 429 ``locked`` after five
    wrong passwords in a row (for 15 minutes, even with the right one)."""
    _limit(request, "portal.login")
    refusal: Exception
    with _public(request, tenant, write=True) as ctx:
        result = auth_for(ctx).login(body.email, body.password)
        if result.outcome == LoginOutcome.OK and result.principal_id is not None:
            if portal_users.status_of(ctx, result.principal_id) == "active":
                return _start_session(request, response, ctx, result.principal_id, "password")
            refusal = Unauthenticated("bad_credentials")
        elif result.outcome == LoginOutcome.LOCKED:
            refusal = TooManyAttempts("locked", minutes=LOCK_MINUTES)
        else:
            refusal = Unauthenticated("bad_credentials")
    # Raised after the transaction committed, so the failure count is kept.
    raise refusal


@router.post("/login-link", status_code=202, responses={429: ERROR}, **PUBLIC)
def login_link(request: Request, tenant: str, body: PortalLinkRequest) -> dict[str, Any]:
    """Mail a one-time sign-in link (valid 15 minutes) to an active portal user. Always 202
    with ``{}``: the answer never says whether the address is known."""
    _limit(request, "portal.link")
    email = body.email.lower()
    _limit(
        request,
        "portal.link.email",
        key=f"{tenant}\x00{email}",
        limit=LINKS_PER_EMAIL,
        window=LINK_EMAIL_WINDOW,
    )
    with _public(request, tenant, write=True) as ctx:
        users = ctx.object(OBJECT).table
        found = ctx.conn.execute(
            sa.select(users.c.id).where(
                users.c.email == email, users.c.status == "active", users.c.deleted_at.is_(None)
            )
        ).scalar()
        if found is not None:
            enqueue(
                ctx.conn, portal_users.LOGIN_LINK_JOB, {"portal_user_id": str(found)}, now=ctx.now()
            )
    return {}


@router.post("/login-link/redeem", responses={404: ERROR, 410: ERROR}, **PUBLIC)
def redeem_link(
    request: Request, response: Response, tenant: str, body: PortalTokenBody
) -> PortalSignIn:
    """Sign in with a mailed link, once. 404 ``link_invalid``; 410 ``link_used`` /
    ``link_expired``."""
    _limit(request, "portal.redeem")
    with _public(request, tenant, write=True) as ctx:
        principal_id = auth_for(ctx).redeem_token(body.token, Purpose.LOGIN)
        if portal_users.status_of(ctx, principal_id) != "active":
            raise NotFound("link_invalid")
        return _start_session(request, response, ctx, principal_id, "link")


@router.get("/invitations/{token}", responses={404: ERROR, 410: ERROR}, **PUBLIC)
def invitation(request: Request, tenant: str, token: str) -> PortalInvitation:
    """Who an invitation is for (before setting a password). 404 ``link_invalid``; 410
    ``link_used`` / ``link_expired``."""
    _limit(request, "portal.redeem")
    with _public(request, tenant, write=False) as ctx:
        principal_id = auth_for(ctx).peek_token(token, Purpose.INVITE)
        me = person(ctx, principal_id)
        if me is None or portal_users.status_of(ctx, principal_id) == "disabled":
            raise NotFound("link_invalid")
        return PortalInvitation(email=me.email, name=me.name, company=me.account_name)


@router.post("/invitations/accept", responses={404: ERROR, 410: ERROR, 422: ERROR}, **PUBLIC)
def accept_invitation(
    request: Request, response: Response, tenant: str, body: PortalAcceptBody
) -> PortalSignIn:
    """Set the password of an invitation (the password policy applies: 422 on ``password``)
    and sign in; the user becomes active and the link is used up."""
    _limit(request, "portal.redeem")
    with _public(request, tenant, write=True) as ctx:
        auth = auth_for(ctx)
        principal_id = auth.peek_token(body.token, Purpose.INVITE)
        me = person(ctx, principal_id)
        if me is None or portal_users.status_of(ctx, principal_id) == "disabled":
            raise NotFound("link_invalid")
        auth.set_password(principal_id, body.password, email=me.email, name=me.name)
        auth.redeem_token(body.token, Purpose.INVITE)
        ctx.act_as(portal_users.portal_actor(me.name))
        RecordsService(ctx).update(
            OBJECT, principal_id, {"status": "active"}, trusted_fields=frozenset({"status"})
        )
        return _start_session(request, response, ctx, principal_id, "invitation")


@router.post("/logout", status_code=204, responses={401: ERROR})
def logout(request: Request, tenant: str) -> Response:
    """End this session; the cookies are cleared."""
    with _signed_in(request, tenant, write=True) as caller:
        auth_for(caller.ctx).end_session(caller.session.digest)
    response = Response(status_code=204)
    _clear_cookies(request, response, tenant)
    return response


# ---------------------------------------------------------------- me
@router.get("/me", responses={401: ERROR})
def get_me(request: Request, tenant: str) -> PortalMe:
    with _signed_in(request, tenant) as caller:
        return _me(caller.ctx, caller.me)


@router.patch("/me", responses={401: ERROR})
def patch_me(request: Request, tenant: str, body: PortalMePatch) -> PortalMe:
    """Change the portal language (labels and mails follow it)."""
    with _signed_in(request, tenant, write=True) as caller:
        if body.locale is not None and body.locale != caller.me.locale:
            RecordsService(caller.ctx).update(OBJECT, caller.me.id, {"locale": body.locale})
        me = person(caller.ctx, caller.me.id)
        assert me is not None
        return _me(caller.ctx, me)


@router.post("/me/password", status_code=204, responses={401: ERROR, 422: ERROR})
def change_password(request: Request, tenant: str, body: PortalPasswordChange) -> Response:
    """Change the password (the current one is asked; 422 ``bad_credentials`` on
    ``current_password`` otherwise); every other session of the user ends."""
    with _signed_in(request, tenant, write=True) as caller:
        auth = auth_for(caller.ctx)
        if not auth.verify_password(caller.me.id, body.current_password):
            raise ValidationFailed([FieldError("current_password", "bad_credentials")])
        try:
            auth.set_password(
                caller.me.id, body.new_password, email=caller.me.email, name=caller.me.name
            )
        except ValidationFailed as refused:
            raise ValidationFailed(
                [FieldError("new_password", e.code, e.params) for e in refused.errors]
            ) from None
        auth.revoke_sessions(caller.me.id, keep=caller.session.digest)
        caller.ctx.audit("portal.password", object_name=OBJECT, record_id=caller.me.id)
    return Response(status_code=204)


# ---------------------------------------------------------------- cases
@router.get("/cases", responses={401: ERROR, 403: ERROR})
def list_cases(
    request: Request,
    tenant: str,
    scope: Literal["mine", "company"] = Query("mine"),
    status: Literal["open", "closed", "all"] = Query("open"),
    q: str = Query("", max_length=200),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=100),
) -> PortalCaseList:
    """My cases (or my company's, with company access: 403 ``forbidden``
    otherwise), newest activity first."""
    with _signed_in(request, tenant) as caller:
        found = portal_data.list_cases(
            caller.ctx, caller.me, scope=scope, status=status, q=q, cursor=cursor, limit=limit
        )
        return PortalCaseList.model_validate(found)


@router.post("/cases", status_code=201, responses={401: ERROR, 422: ERROR})
def create_case(request: Request, tenant: str, body: PortalNewCase) -> PortalCaseDetail:
    """Open a case (channel portal, for me and my company); the SLA and the portal queue's
    assignment apply as to any case."""
    with _signed_in(request, tenant, write=True) as caller:
        _limit(request, "portal.write", key=caller.me.id, limit=WRITES_PER_MINUTE, window=60)
        found = portal_data.create_case(
            caller.ctx,
            caller.me,
            subject=body.subject,
            description=body.description,
            case_type=body.type,
            priority=body.priority,
        )
        return PortalCaseDetail.model_validate(found)


@router.get("/cases/{case_id}", responses={401: ERROR, 404: ERROR})
def get_case(request: Request, tenant: str, case_id: str) -> PortalCaseDetail:
    with _signed_in(request, tenant) as caller:
        return PortalCaseDetail.model_validate(
            portal_data.case_detail(caller.ctx, caller.me, case_id)
        )


@router.get("/cases/{case_id}/messages", responses={401: ERROR, 404: ERROR})
def case_messages(request: Request, tenant: str, case_id: str) -> PortalMessageList:
    """The conversation as the customer sees it: public messages only, oldest first."""
    with _signed_in(request, tenant) as caller:
        found = portal_data.messages(caller.ctx, caller.me, case_id)
        return PortalMessageList.model_validate({"records": found})


@router.post(
    "/cases/{case_id}/messages", status_code=201, responses={401: ERROR, 404: ERROR, 409: ERROR}
)
def reply(request: Request, tenant: str, case_id: str, body: PortalNewMessage) -> PortalMessage:
    """Reply on a case: wakes a case waiting on me, reopens a resolved one within the reopen
    window; 409 ``case_closed`` when it can no longer take a reply."""
    with _signed_in(request, tenant, write=True) as caller:
        _limit(request, "portal.write", key=caller.me.id, limit=WRITES_PER_MINUTE, window=60)
        return PortalMessage.model_validate(
            portal_data.reply(caller.ctx, caller.me, case_id, body.body)
        )


# ---------------------------------------------------------------- help
@router.get("/articles", responses={401: ERROR})
def list_articles(
    request: Request,
    tenant: str,
    q: str = Query("", max_length=200),
    category: str | None = Query(None, max_length=36),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=100),
) -> PortalArticleList:
    """Public published articles: best match first for ``q``, else newest first."""
    with _signed_in(request, tenant) as caller:
        found = portal_data.list_articles(
            caller.ctx, q=q, category=category, cursor=cursor, limit=limit
        )
        return PortalArticleList.model_validate(found)


@router.get("/articles/{article_id}", responses={401: ERROR, 404: ERROR})
def get_article(request: Request, tenant: str, article_id: str) -> PortalArticle:
    with _signed_in(request, tenant) as caller:
        return PortalArticle.model_validate(portal_data.get_article(caller.ctx, article_id))


@router.get("/categories", responses={401: ERROR})
def list_categories(request: Request, tenant: str) -> PortalCategoryList:
    """Categories holding public articles (and those above them)."""
    with _signed_in(request, tenant) as caller:
        return PortalCategoryList.model_validate({"records": portal_data.categories(caller.ctx)})
