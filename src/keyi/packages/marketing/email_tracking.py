"""The public side of a campaign email: open pixel, click redirect, one-click unsubscribe.

No sign-in: the signed token in the URL is the key (keyi.packages.marketing.email_tokens), so
a token altered, of another kind or of another tenant is a 404, and the click redirect only
goes to the address the email carried. Each route is rate-limited per client address.

- ``GET /api/v1/public/mail/o/{token}.gif`` — a 1×1 GIF; the delivery's first open sets
  ``opened_at`` and adds one to the campaign's ``opened``; every open adds to ``open_count``.
- ``GET /api/v1/public/mail/c/{token}`` — 302 to the original address; the first click sets
  ``clicked_at`` (and ``opened_at``: images may be blocked) and the campaign's ``clicked``.
- ``GET /api/v1/public/mail/u/{token}`` — a small page (zh-CN/en by the browser's language)
  asking to confirm, whose button POSTs to the same address.
- ``POST /api/v1/public/mail/u/{token}`` — unsubscribes, with no page needed: what a mail
  program's one-click unsubscribe sends (RFC 8058, body ``List-Unsubscribe=One-Click``). The
  recipient's ``email_opt_out`` is set through the records service by the system actor
  ``email.unsubscribe`` (history and audit show it), so every later send skips them. A second
  POST changes nothing and answers the same.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from keyi.api.context import locale_of, services
from keyi.api.ratelimit import client_address
from keyi.packages.marketing import email_campaigns
from keyi.packages.marketing.email_tokens import Kind, read_token
from keyi.platform.context import Context, TenantInfo
from keyi.platform.deliveries import delivery_table
from keyi.platform.errors import NotFound
from keyi.platform.hooks import installed_packages
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/public/mail", tags=["marketing"])
PUBLIC: dict[str, Any] = {"openapi_extra": {"security": []}}
# The unsubscribe page answers a bad link with a page too (a person reads it, not a program).
PAGE: dict[str, Any] = {
    **PUBLIC,
    "responses": {
        200: {"content": {"text/html": {}}},
        404: {"description": "Not a valid link (a page saying so)", "content": {"text/html": {}}},
    },
}
TRACKS_PER_MINUTE = 600  # a mail provider's image proxy fetches for many readers
UNSUBSCRIBES_PER_MINUTE = 30
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"

PAGE_TEXT = {
    "zh-CN": {
        "title": "退订邮件",
        "ask": "确定不再接收 {company} 发送到 {address} 的营销邮件吗？",
        "button": "确认退订",
        "done": "已退订：{address} 不会再收到 {company} 的营销邮件。",
        "invalid": "此链接无效。",
    },
    "en": {
        "title": "Unsubscribe",
        "ask": "Stop marketing emails from {company} to {address}?",
        "button": "Unsubscribe",
        "done": "You are unsubscribed: {address} will get no more marketing emails from {company}.",
        "invalid": "This link is not valid.",
    },
}


def _limit(request: Request, kind: str, limit: int) -> None:
    limiter = services(request).login_limiter
    limiter.check(
        client_address(request, limiter.trusted_proxies), kind=kind, limit=limit, window=60
    )


def _open(request: Request, kind: Kind, token: str) -> tuple[TenantInfo, int, str | None]:
    platform = services(request).platform
    tenant_id, delivery_id, url = read_token(platform.secret_box, kind, token)
    try:
        tenant = platform.tenant_by_id(tenant_id)
    except NotFound:
        raise NotFound() from None
    return tenant, delivery_id, url


def _delivery(ctx: Context, delivery_id: int) -> dict[str, Any]:
    if "marketing" not in installed_packages(ctx):
        raise NotFound()
    d = delivery_table
    row = ctx.conn.execute(sa.select(d).where(d.c.id == delivery_id)).mappings().first()
    if row is None:
        raise NotFound()
    return dict(row)


def _first(ctx: Context, delivery_id: int, column: str) -> bool:
    """Stamp ``column`` if still empty; True for the request that stamped it (of two racing,
    one finds it empty)."""
    d = delivery_table
    stamped = ctx.conn.execute(
        sa.update(d).where(d.c.id == delivery_id, d.c[column].is_(None)).values({column: ctx.now()})
    ).rowcount
    return stamped == 1


def _track(request: Request, kind: Kind, token: str) -> str | None:
    _limit(request, "mail.track", TRACKS_PER_MINUTE)
    tenant, delivery_id, url = _open(request, kind, token)
    platform = services(request).platform
    with platform.context(tenant, Actor.system("email.tracking")) as ctx:
        delivery = _delivery(ctx, delivery_id)
        d = delivery_table
        counts: dict[str, int] = {}
        if _first(ctx, delivery_id, "opened_at"):
            counts["opened"] = 1
        if kind == "c":
            if _first(ctx, delivery_id, "clicked_at"):
                counts["clicked"] = 1
            ctx.conn.execute(
                sa.update(d).where(d.c.id == delivery_id).values(click_count=d.c.click_count + 1)
            )
        else:
            ctx.conn.execute(
                sa.update(d).where(d.c.id == delivery_id).values(open_count=d.c.open_count + 1)
            )
        email_campaigns.add_counts(ctx, str(delivery["source_id"]), **counts)
    return url


@router.get("/o/{token}.gif", response_class=Response, **PUBLIC)
def open_pixel(request: Request, token: str) -> Response:
    """The open pixel (1×1 GIF); 404 for a token altered or unknown."""
    _track(request, "o", token)
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/c/{token}", response_class=RedirectResponse, status_code=302, **PUBLIC)
def click(request: Request, token: str) -> RedirectResponse:
    """Count the click and redirect (302) to the link's address, which the token signs."""
    url = _track(request, "c", token)
    assert url is not None
    return RedirectResponse(url, status_code=302, headers=NO_STORE)


def _mask(address: str) -> str:
    """``li.na@example.com`` → ``l***@example.com``: the page confirms whose address without
    showing it whole to whoever holds the link."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _page(locale: str, message: str, *, form: bool, status: int = 200) -> HTMLResponse:
    text = PAGE_TEXT[locale]
    button = (
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{html.escape(text["button"])}</button></form>'
        if form
        else ""
    )
    body = (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(text['title'])}</title><style>"
        "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',Arial,sans-serif;"
        "background:#f5f5f5;margin:0;padding:48px 16px;color:#333}"
        "main{max-width:480px;margin:auto;background:#fff;padding:32px;border-radius:8px}"
        "button{background:#1677ff;color:#fff;border:0;border-radius:4px;padding:10px 24px;"
        "font-size:15px;cursor:pointer}</style></head><body><main>"
        f"<h1>{html.escape(text['title'])}</h1><p>{html.escape(message)}</p>{button}"
        "</main></body></html>"
    )
    headers = {**NO_STORE, "Content-Security-Policy": PAGE_CSP}
    return HTMLResponse(body, status_code=status, headers=headers)


def _locale(request: Request) -> str:
    return "en" if locale_of(request) == "en" else "zh-CN"


@router.get("/u/{token}", response_class=HTMLResponse, **PAGE)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """The confirmation page (its button POSTs here); 404 page for a bad token."""
    _limit(request, "mail.unsubscribe", UNSUBSCRIBES_PER_MINUTE)
    locale = _locale(request)
    try:
        tenant, delivery_id, _ = _open(request, "u", token)
        platform = services(request).platform
        with platform.context(tenant, Actor.system("email.unsubscribe"), write=False) as ctx:
            delivery = _delivery(ctx, delivery_id)
    except NotFound:
        return _page(locale, PAGE_TEXT[locale]["invalid"], form=False, status=404)
    params = {"company": tenant.label, "address": _mask(str(delivery["address"]))}
    if delivery["unsubscribed_at"] is not None:
        return _page(locale, PAGE_TEXT[locale]["done"].format(**params), form=False)
    return _page(locale, PAGE_TEXT[locale]["ask"].format(**params), form=True)


def unsubscribe(ctx: Context, delivery: dict[str, Any]) -> None:
    """Opt the delivery's recipient out of email (see the module); once."""
    if not _first(ctx, int(delivery["id"]), "unsubscribed_at"):
        return
    email_campaigns.add_counts(ctx, str(delivery["source_id"]), unsubscribed=1)
    object_name, record_id = str(delivery["recipient_object"]), str(delivery["recipient_id"])
    table = ctx.object(object_name).table
    opted = ctx.conn.execute(
        sa.select(table.c.email_opt_out).where(
            table.c.id == record_id, table.c.deleted_at.is_(None)
        )
    ).first()
    if opted is not None and not opted[0]:
        RecordsService(ctx).update(
            object_name, record_id, {"email_opt_out": True}, trusted_fields=frozenset()
        )


@router.post("/u/{token}", response_class=HTMLResponse, **PAGE)
def unsubscribe_now(request: Request, token: str) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058) and the page's button: 200 with a short page."""
    _limit(request, "mail.unsubscribe", UNSUBSCRIBES_PER_MINUTE)
    locale = _locale(request)
    try:
        tenant, delivery_id, _ = _open(request, "u", token)
    except NotFound:
        return _page(locale, PAGE_TEXT[locale]["invalid"], form=False, status=404)
    platform = services(request).platform
    with platform.context(tenant, Actor.system("email.unsubscribe")) as ctx:
        try:
            delivery = _delivery(ctx, delivery_id)
        except NotFound:
            return _page(locale, PAGE_TEXT[locale]["invalid"], form=False, status=404)
        unsubscribe(ctx, delivery)
    params = {"company": tenant.label, "address": _mask(str(delivery["address"]))}
    return _page(locale, PAGE_TEXT[locale]["done"].format(**params), form=False)
