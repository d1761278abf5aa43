"""Replies to marketing SMS: an opt-out keyword (TD, T, 退订, STOP, UNSUBSCRIBE — configurable
in Setup › SMS) sets ``sms_opt_out`` on every contact and lead with that mobile.

The vendors push replies to a URL the tenant gives them (Alibaba Cloud: "上行短信 HTTP 批量推送",
a JSON array of ``{phone_number, content, send_time, sign_name, dest_code, sequence_id}``;
Tencent Cloud: "短信回复回调", ``{mobile, nationcode, text, sign, time, extend}``). Neither push
is signed, so the URL carries the tenant's per-provider token (keyi.platform.sms.settings:
an HMAC under the installation's key); an unknown tenant, a wrong token or a tenant without
marketing all get the same 404. Requests are rate-limited per client address.

A keyword counts when it is the whole reply or one of its words (``td``, ``退订。``, ``STOP
please``); a Chinese keyword also inside a sentence (``我要退订``). The change goes through the
records service as the system actor ``sms.inbound`` — history and audit show who and why — and
the campaign job checks the flag again before each send, so a queued message to someone who has
just opted out is skipped.

Contacts and leads are found by their ``mobile_key`` (the number in E.164, indexed).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from keyi.api.context import services
from keyi.api.ratelimit import client_address
from keyi.packages.marketing.sms_campaign import recount
from keyi.platform.context import Context
from keyi.platform.errors import NotFound
from keyi.platform.hooks import installed_packages
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.sms import messages
from keyi.platform.sms.log import mask
from keyi.platform.sms.provider import e164
from keyi.platform.sms.settings import check_inbound_token, load_config, opt_out_keywords

__all__ = ["delivery_report", "inbound", "is_opt_out", "opt_out_phone", "parse_replies", "router"]

log = logging.getLogger("keyi.marketing.sms")
PACKAGE = "marketing"
REPLIES_PER_MINUTE = 120
MAX_REPLIES = 500
_WORD = re.compile(r"[\w]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")

router = APIRouter(prefix="/api/v1/public/sms", tags=["marketing"])
PUBLIC: dict[str, Any] = {"openapi_extra": {"security": []}}


def is_opt_out(text: str, keywords: tuple[str, ...]) -> bool:
    """Whether a reply asks to stop: a keyword as the whole reply or one of its words, or a
    Chinese keyword anywhere in it."""
    normal = unicodedata.normalize("NFKC", text or "").strip().upper()
    if not normal:
        return False
    words = set(_WORD.findall(normal))
    for keyword in keywords:
        key = unicodedata.normalize("NFKC", keyword).strip().upper()
        if not key:
            continue
        if normal.strip(" .!。！,，") == key or key in words:
            return True
        if _CJK.search(key) and key in normal:
            return True
    return False


def parse_replies(provider: str, body: Any) -> list[tuple[str | None, str]]:
    """``(E.164 number or None, text)`` of each reply in a vendor's push."""
    items = body if isinstance(body, list) else [body]
    replies: list[tuple[str | None, str]] = []
    for item in items[:MAX_REPLIES]:
        if not isinstance(item, dict):
            continue
        if provider == "aliyun":
            number, text = item.get("phone_number"), item.get("content")
        else:
            mobile, code = item.get("mobile"), str(item.get("nationcode") or "86")
            number = f"+{code}{mobile}" if mobile and code != "86" else mobile
            text = item.get("text")
        replies.append((e164(str(number)) if number else None, str(text or "")))
    return replies


def _people_with(ctx: Context, object_name: str, phone: str) -> list[str]:
    table = ctx.object(object_name).table
    rows = ctx.conn.execute(
        sa.select(table.c.id).where(
            table.c.deleted_at.is_(None),
            table.c.mobile_key == phone,
            table.c.sms_opt_out.is_not(True),
        )
    )
    return [str(r.id) for r in rows]


def opt_out_phone(ctx: Context, phone: str) -> int:
    """Set ``sms_opt_out`` on every contact and lead with this number; how many changed."""
    records = RecordsService(ctx)
    changed = 0
    for object_name, ids in (
        ("contact", _people_with(ctx, "contact", phone)),
        ("lead", _people_with(ctx, "lead", phone)),
    ):
        for record_id in ids:
            records.update(object_name, record_id, {"sms_opt_out": True})
            changed += 1
    if changed:
        ctx.audit("sms.opt_out", phone=mask(phone), records=changed)
    return changed


def _limit(request: Request) -> None:
    limiter = services(request).login_limiter
    limiter.check(
        client_address(request, limiter.trusted_proxies),
        kind="sms.inbound",
        limit=REPLIES_PER_MINUTE,
        window=60,
    )


def _open(request: Request, tenant: str, provider: str) -> tuple[Any, Any]:
    _limit(request)
    if provider not in ("aliyun", "tencent"):
        raise NotFound()
    platform = services(request).platform
    try:
        return platform, platform.tenant(tenant)
    except NotFound:
        raise NotFound() from None


def _ack(provider: str) -> JSONResponse:
    if provider == "aliyun":
        return JSONResponse({"code": 0, "msg": "成功"})
    return JSONResponse({"result": 0, "errmsg": "OK"})


# A vendor's push: one item (an object of scalar values) or a list of them, in the vendor's own
# field names (keyi.platform.sms documents both vendors' shapes).
Scalar = str | int | float | bool | None
PushItem = dict[str, Scalar]
Push = list[PushItem] | PushItem | None


@router.post("/{tenant}/{provider}/inbound", **PUBLIC)
def inbound(
    request: Request, tenant: str, provider: str, token: str = "", body: Push = Body(default=None)
) -> JSONResponse:
    """A vendor's push of SMS replies (no sign-in: the token in the URL is the key). Opt-out
    keywords set ``sms_opt_out``; the answer is the acknowledgement the vendor expects."""
    platform, info = _open(request, tenant, provider)
    with platform.context(info, Actor.system("sms.inbound")) as ctx:
        if PACKAGE not in installed_packages(ctx) or not check_inbound_token(ctx, provider, token):
            raise NotFound()
        keywords = opt_out_keywords(load_config(ctx))
        for phone, text in parse_replies(provider, body):
            if phone is not None and is_opt_out(text, keywords):
                changed = opt_out_phone(ctx, phone)
                log.info("sms opt-out from %s: %d records", mask(phone), changed)
    return _ack(provider)


@router.post("/{tenant}/{provider}/report", **PUBLIC)
def delivery_report(
    request: Request, tenant: str, provider: str, token: str = "", body: Push = Body(default=None)
) -> JSONResponse:
    """A vendor's push of delivery reports (same token as replies): each message reported
    becomes ``delivered`` or ``undelivered`` and its campaign's counters follow."""
    platform, info = _open(request, tenant, provider)
    with platform.context(info, Actor.system("sms.report")) as ctx:
        if PACKAGE not in installed_packages(ctx) or not check_inbound_token(ctx, provider, token):
            raise NotFound()
        sources = messages.apply_reports(ctx, provider, messages.parse_reports(provider, body))
        for campaign_id in sorted(sources):
            recount(ctx, campaign_id)
    return _ack(provider)
