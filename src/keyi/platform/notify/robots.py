"""Group-chat robots: WeCom (企业微信), DingTalk (钉钉) and Feishu/Lark (飞书) custom bots.

Each vendor's custom robot is one webhook URL an administrator copies from the group's
settings, plus (DingTalk, Feishu) a signing secret. The request formats and signatures follow
the vendors' published guides:

- WeCom 群机器人: POST JSON `{"msgtype": "markdown", "markdown": {"content": ...}}` (or
  `text`/`content`) to `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`. No signature:
  the key in the URL is the credential. Content at most 2048 (text) / 4096 (markdown) bytes.
- DingTalk 自定义机器人 (加签): `timestamp` (milliseconds) and
  `sign = base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}"))` added to the URL's
  query (URL-encoded there); JSON `{"msgtype": "markdown", "markdown": {"title", "text"}}`.
- Feishu 自定义机器人 (签名校验): `timestamp` (seconds, a string) and
  `sign = base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b""))` in the JSON body, next to
  `msg_type` (`text` or `post`) and `content`. Note the key/message order differs from DingTalk.

All three answer HTTP 200 with a code in the body (`errcode`, Feishu `code`): non-zero is a
failure carrying the vendor's message. Both signatures are only valid for an hour, so they are
made at send time, never stored.

The webhook URL is a credential (WeCom's key, DingTalk's access_token) and is checked against
SSRF by the caller before it gets here; this module never logs it or the secret, takes the
HTTP client from the caller and never follows redirects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import httpx

from keyi.platform.errors import FieldErrors, ValidationFailed
from keyi.platform.notify.results import SendResult

__all__ = [
    "VENDORS",
    "RobotChannel",
    "RobotMessage",
    "dingtalk_sign",
    "feishu_sign",
    "robot_channel",
    "send",
]

log = logging.getLogger("keyi.notify.robots")

Vendor = Literal["wecom", "dingtalk", "feishu"]
VENDORS: tuple[Vendor, ...] = ("wecom", "dingtalk", "feishu")
SIGNING_VENDORS = frozenset({"dingtalk", "feishu"})
WECOM_TEXT_MAX_BYTES = 2048
WECOM_MARKDOWN_MAX_BYTES = 4096
MAX_URL_CHARS = 2000
MAX_ERROR_CHARS = 500
# Vendor codes that mean "too many messages, try later" rather than "fix the configuration":
# WeCom 45009 (API frequency limit), DingTalk 130101 (sending too fast), Feishu 11232
# (message frequency limit).
RATE_LIMIT_CODES = {"wecom": {45009}, "dingtalk": {130101}, "feishu": {11232}}


@dataclass(frozen=True)
class RobotMessage:
    """What every vendor can show: a title, a body (plain text or the vendors' common markdown
    subset: headings, bold, links) and an optional link to the record."""

    title: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class RobotChannel:
    """One configured group robot. `url` is the full webhook URL (credential included) and
    `secret` the signing secret; neither appears in repr, logs or errors."""

    vendor: Vendor
    url: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)
    markdown: bool = True  # False sends plain text


def robot_channel(data: Any) -> RobotChannel:
    """A channel from administrator input `{"vendor", "url", "secret"?, "markdown"?}`, raising
    ValidationFailed with every problem. Only the shape is checked here: whether the host may
    be called (SSRF) is the caller's check of the URL."""
    errors = FieldErrors()
    if not isinstance(data, Mapping):
        raise ValidationFailed([], "invalid_request")
    vendor = data.get("vendor")
    if vendor not in VENDORS:
        errors.add("vendor", "invalid_option", value=str(vendor))
    url = data.get("url")
    if not isinstance(url, str) or not url:
        errors.add("url", "required")
    elif len(url) > MAX_URL_CHARS:
        errors.add("url", "too_long", max=MAX_URL_CHARS)
    else:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError):
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            errors.add("url", "invalid_url")
    secret = data.get("secret")
    if secret in ("", None):
        secret = None
    elif not isinstance(secret, str):
        errors.add("secret", "invalid_text")
    elif vendor == "wecom":
        errors.add("secret", "unknown_field", field="secret")  # WeCom robots do not sign
    markdown = data.get("markdown", True)
    if not isinstance(markdown, bool):
        errors.add("markdown", "invalid_boolean")
    for key in data:
        if key not in ("vendor", "url", "secret", "markdown"):
            errors.add(str(key), "unknown_field", field=str(key))
    errors.raise_if_any()
    return RobotChannel(cast(Vendor, vendor), cast(str, url), secret, markdown)


# ------------------------------------------------------------------ signatures
def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: HMAC-SHA256 keyed with the secret over "timestamp\\nsecret", base64 (the caller
    URL-encodes it into the query)."""
    return _b64_hmac(secret.encode(), f"{timestamp_ms}\n{secret}".encode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message, base64."""
    return _b64_hmac(f"{timestamp_s}\n{secret}".encode(), b"")


# ------------------------------------------------------------------ payloads
def _clip_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut at a character boundary with an ellipsis."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    ellipsis = "…"
    cut = raw[: limit - len(ellipsis.encode())].decode("utf-8", "ignore")
    return cut + ellipsis


def _markdown(message: RobotMessage, heading: str) -> str:
    title = f"[{message.title}]({message.url})" if message.url else message.title
    return f"{heading}{title}\n\n{message.text}" if message.text else f"{heading}{title}"


def _plain(message: RobotMessage) -> str:
    return "\n".join(part for part in (message.title, message.text, message.url) if part)


def _wecom(channel: RobotChannel, message: RobotMessage) -> dict[str, Any]:
    if channel.markdown:
        content = _clip_bytes(_markdown(message, "### "), WECOM_MARKDOWN_MAX_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {
        "msgtype": "text",
        "text": {"content": _clip_bytes(_plain(message), WECOM_TEXT_MAX_BYTES)},
    }


def _dingtalk(channel: RobotChannel, message: RobotMessage) -> dict[str, Any]:
    if channel.markdown:
        # `title` is what the conversation list and the notification show; `text` the body.
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": _markdown(message, "#### ")},
        }
    return {"msgtype": "text", "text": {"content": _plain(message)}}


def _feishu(channel: RobotChannel, message: RobotMessage) -> dict[str, Any]:
    if not channel.markdown:
        return {"msg_type": "text", "content": {"text": _plain(message)}}
    # A rich-text post: a title, one paragraph per line, the link last. One language block
    # (the message is already rendered in the recipient's language); clients of any language
    # show the only block there is.
    paragraphs: list[list[dict[str, str]]] = [
        [{"tag": "text", "text": line}] for line in message.text.split("\n")
    ]
    if message.url:
        paragraphs.append([{"tag": "a", "text": message.url, "href": message.url}])
    return {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": message.title, "content": paragraphs}}},
    }


# ------------------------------------------------------------------ sending
def _credentials(channel: RobotChannel) -> list[str]:
    """What must never appear in an error: the URL, the secret, and the URL's own credential
    (WeCom's `key` and DingTalk's `access_token` query values, Feishu's hook id in the path)."""
    found = [channel.url, *([channel.secret] if channel.secret else [])]
    try:
        url = httpx.URL(channel.url)
    except httpx.InvalidURL:
        return found
    found += [value for _, value in url.params.multi_items()]
    found.append(url.path.rsplit("/", 1)[-1])
    return [value for value in found if len(value) >= 6]


def _redact(text: str, channel: RobotChannel) -> str:
    for secret in sorted(_credentials(channel), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text[:MAX_ERROR_CHARS]


def _answer(channel: RobotChannel, response: httpx.Response) -> SendResult:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    code: Any = None
    text: Any = None
    if isinstance(body, dict):
        if channel.vendor == "feishu":
            code = body.get("code", body.get("StatusCode"))
            text = body.get("msg", body.get("StatusMessage"))
        else:
            code, text = body.get("errcode"), body.get("errmsg")
    if 200 <= status < 300 and code == 0:
        return SendResult(ok=True, status_code=status)
    retryable = status == 429 or status >= 500
    if isinstance(code, int) and code != 0:
        error = f"{channel.vendor} error {code}: {text or ''}".strip()
        retryable = retryable or code in RATE_LIMIT_CODES[channel.vendor]
    elif 300 <= status < 400:
        error = f"HTTP {status}: the robot URL redirects (not followed)"
    elif not 200 <= status < 300:
        error = f"HTTP {status}"
    else:
        error = "unexpected answer (no result code)"
    return SendResult(
        ok=False, error=_redact(error, channel), status_code=status, retryable=retryable
    )


def send(
    channel: RobotChannel,
    message: RobotMessage,
    *,
    client: httpx.Client,
    now: float | None = None,
) -> SendResult:
    """Post one message to the channel's robot; never raises for network or vendor failures.

    `client` is the caller's (SSRF-checked transport, timeouts); `now` is POSIX seconds for
    the signature timestamp, the current time by default.
    """
    moment = time.time() if now is None else now
    try:
        url = httpx.URL(channel.url)
    except httpx.InvalidURL:
        return SendResult(ok=False, error="invalid robot URL")
    if channel.vendor == "wecom":
        payload = _wecom(channel, message)
    elif channel.vendor == "dingtalk":
        payload = _dingtalk(channel, message)
        if channel.secret:
            timestamp_ms = int(moment * 1000)
            # Passed as a query parameter, httpx percent-encodes the base64 (+ / =) once.
            url = url.copy_merge_params(
                {
                    "timestamp": str(timestamp_ms),
                    "sign": dingtalk_sign(channel.secret, timestamp_ms),
                }
            )
    else:
        payload = _feishu(channel, message)
        if channel.secret:
            timestamp_s = int(moment)
            payload = {
                "timestamp": str(timestamp_s),
                "sign": feishu_sign(channel.secret, timestamp_s),
                **payload,
            }
    try:
        response = client.post(url, json=payload, follow_redirects=False)
    except httpx.HTTPError as exc:
        result = SendResult(
            ok=False, error=_redact(f"{type(exc).__name__}: {exc}", channel), retryable=True
        )
    else:
        result = _answer(channel, response)
    if not result.ok:
        log.warning(
            "robot message not sent",
            extra={"vendor": channel.vendor, "status": result.status_code, "error": result.error},
        )
    return result
