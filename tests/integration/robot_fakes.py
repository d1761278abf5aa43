"""Local HTTP servers that impersonate the WeCom, DingTalk and Feishu group robots.

Each fake endpoint checks the request the way the vendor documents it — path, credential in
the URL, JSON shape per message type — and recomputes the signature itself from the
published algorithm (not with the code under test), then answers like the vendor: HTTP 200
with `errcode`/`code` in the body. Shared by the adapter tests (test_notify_robots), the
robot channels API and the flows that post to robots (test_robot_channels).

Use the `serve` fixture (import it into the test module): ``vendor = serve(dingtalk)`` starts
one on 127.0.0.1 and ``vendor.received`` lists what it got; `*_url(vendor)` is the robot URL
an administrator would paste.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = [
    "DINGTALK_SECRET",
    "DINGTALK_TOKEN",
    "FEISHU_HOOK",
    "FEISHU_SECRET",
    "WECOM_KEY",
    "Check",
    "FakeVendor",
    "Received",
    "dingtalk",
    "dingtalk_signature",
    "dingtalk_url",
    "feishu",
    "feishu_signature",
    "feishu_url",
    "serve",
    "wecom",
    "wecom_url",
]

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "a9f3c0ffee"
DINGTALK_SECRET = "SECb5e2d1a4c7f64f1e9a0b3c8d2e6f7a1b4c9d0e3f2a5b6c7d8e9f0a1b2c3d4e5f"
FEISHU_HOOK = "5e3d587e-d78e-4a07-bd07-265f269f86fd"
FEISHU_SECRET = "nIMtb7r3N9pkXyXdtAbx6e"


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeVendor:
    """One local endpoint: `check` turns a request into (HTTP status, JSON answer)."""

    check: Callable[[Received], tuple[int, dict[str, Any]]]
    received: list[Received] = field(default_factory=list)
    base_url: str = ""


Check = Callable[["Received"], tuple[int, dict[str, Any]]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        parts = urlsplit(self.path)
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        request = Received(
            path=parts.path,
            query=parse_qs(parts.query),
            raw_query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server.vendor.received.append(request)
        status, answer = self.server.vendor.check(request)
        data = json.dumps(answer).encode()
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    vendor: FakeVendor


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Received], tuple[int, dict[str, Any]]]], FakeVendor]]:
    servers: list[_Server] = []

    def start(check: Callable[[Received], tuple[int, dict[str, Any]]]) -> FakeVendor:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.vendor = FakeVendor(check, base_url=f"http://127.0.0.1:{server.server_port}")
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server.vendor

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _is_json(request: Received) -> bool:
    return request.headers.get("content-type", "").startswith("application/json")


# ------------------------------------------------------------------ WeCom
def wecom(request: Received) -> tuple[int, dict[str, Any]]:
    """企业微信群机器人: key in the query, msgtype text|markdown with a `content` string."""
    if request.path != "/cgi-bin/webhook/send" or request.query.get("key") != [WECOM_KEY]:
        return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
    body = request.body
    if not _is_json(request) or not isinstance(body, dict):
        return 200, {"errcode": 40035, "errmsg": "invalid parameter"}
    kind = str(body.get("msgtype"))
    limits = {"text": 2048, "markdown": 4096}
    content = (body.get(kind) or {}).get("content") if kind in limits else None
    if not isinstance(content, str) or not content:
        return 200, {"errcode": 40008, "errmsg": "invalid message type"}
    if len(content.encode()) > limits[kind]:
        return 200, {"errcode": 40058, "errmsg": "content exceed max length"}
    return 200, {"errcode": 0, "errmsg": "ok"}


def wecom_url(vendor: FakeVendor, key: str = WECOM_KEY) -> str:
    return f"{vendor.base_url}/cgi-bin/webhook/send?key={key}"


# ------------------------------------------------------------------ DingTalk
def dingtalk_signature(secret: str, timestamp: str) -> str:
    """As DingTalk publishes it: HmacSHA256 keyed with the secret over "timestamp\\nsecret",
    then Base64 (then URL-encoded into the query string)."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def dingtalk(request: Received) -> tuple[int, dict[str, Any]]:
    if request.path != "/robot/send" or request.query.get("access_token") != [DINGTALK_TOKEN]:
        return 200, {"errcode": 300001, "errmsg": "token is not exist"}
    [timestamp] = request.query.get("timestamp", [""])
    [sign] = request.query.get("sign", [""])
    if (
        not timestamp.isdigit()
        or abs(int(timestamp) - time.time() * 1000) > 3600 * 1000
        or not hmac.compare_digest(sign, dingtalk_signature(DINGTALK_SECRET, timestamp))
    ):
        return 200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc]"}
    body = request.body
    if not _is_json(request) or not isinstance(body, dict):
        return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}
    if body.get("msgtype") == "markdown":
        markdown = body.get("markdown") or {}
        valid = isinstance(markdown.get("title"), str) and isinstance(markdown.get("text"), str)
    elif body.get("msgtype") == "text":
        valid = isinstance((body.get("text") or {}).get("content"), str)
    else:
        valid = False
    if not valid:
        return 200, {"errcode": 40035, "errmsg": "缺少参数 markdown"}
    return 200, {"errcode": 0, "errmsg": "ok"}


def dingtalk_url(vendor: FakeVendor, token: str = DINGTALK_TOKEN) -> str:
    return f"{vendor.base_url}/robot/send?access_token={token}"


# ------------------------------------------------------------------ Feishu
def feishu_signature(secret: str, timestamp: str) -> str:
    """As Feishu publishes it: "timestamp\\nsecret" is the HmacSHA256 KEY, the message is
    empty, then Base64."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu(request: Received) -> tuple[int, dict[str, Any]]:
    if request.path != f"/open-apis/bot/v2/hook/{FEISHU_HOOK}":
        return 404, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
    body = request.body
    if not _is_json(request) or not isinstance(body, dict):
        return 400, {"code": 9499, "msg": "Bad Request", "data": {}}
    timestamp, sign = body.get("timestamp"), body.get("sign")
    if (
        not isinstance(timestamp, str)  # a string of seconds
        or not timestamp.isdigit()
        or abs(int(timestamp) - time.time()) > 3600
        or not isinstance(sign, str)
        or not hmac.compare_digest(sign, feishu_signature(FEISHU_SECRET, timestamp))
    ):
        return 200, {
            "code": 19021,
            "msg": "sign match fail or timestamp is not within one hour from current time",
            "data": {},
        }
    kind, content = body.get("msg_type"), body.get("content")
    if kind == "text":
        valid = isinstance((content or {}).get("text"), str)
    elif kind == "post":
        languages = (content or {}).get("post") or {}
        valid = bool(languages) and all(
            isinstance(post.get("title"), str)
            and all(
                isinstance(paragraph, list)
                and all(isinstance(element.get("tag"), str) for element in paragraph)
                for paragraph in post.get("content", [])
            )
            for post in languages.values()
        )
    else:
        valid = False
    if not valid:
        return 200, {"code": 9499, "msg": "Bad Request", "data": {}}
    return 200, {"code": 0, "msg": "success", "data": {}}


def feishu_url(vendor: FakeVendor, hook: str = FEISHU_HOOK) -> str:
    return f"{vendor.base_url}/open-apis/bot/v2/hook/{hook}"
