"""The outermost layer of the ASGI app: request id, security headers, body limits, access log
and request metrics.

It is a raw ASGI middleware wrapped around everything Starlette and FastAPI build — the
server-error handler included — so every answer passes through it: a 404 for an unknown route,
a 405, a 413, a validation 422, a 500. No error path can skip the request id or the security
headers, as they could when these were added by an `@app.middleware` inside the error handler.

Bodies are never buffered here. The limit of a request depends on the route's body class
(keyi.api.traits), known once the router matched; nothing reads a body before that, so the
check runs on the first read: a declared Content-Length over the limit is refused before a
byte is read, and a chunked body is counted as it streams and refused as soon as it passes
the limit.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keyi.api.traits import BodyClass, body_class_of
from keyi.platform.audit import Origin, current_origin

log = logging.getLogger("keyi.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# A caller's own request id is kept when it is a plain token; anything else (spaces, control
# or non-ASCII characters) would be echoed into headers and logs, so it is replaced.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


class RequestTooLarge(HTTPException):
    """The body is over its route class's limit; answered 413 by keyi.api.errors."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.limit = limit


def frames_allowed(headers: MutableHeaders) -> bool:
    """Whether the response names who may frame it (a CSP ``frame-ancestors`` other than
    'none', as an embeddable public page does): then that rule decides, not a blanket DENY."""
    policy = headers.get("content-security-policy", "")
    match = re.search(r"frame-ancestors\s+([^;]+)", policy)
    return match is not None and match.group(1).strip() != "'none'"


def request_id_of(headers: Headers) -> str:
    sent = headers.get("x-request-id", "")
    return sent if REQUEST_ID_RE.match(sent) else uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    origin = current_origin.get()
    return origin.request_id if origin else None


class Edge:
    """See the module docstring. `observe(method, route, status, seconds)` records metrics."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: Mapping[BodyClass, int],
        observe: Callable[[str, str, int, float], None],
    ) -> None:
        self.app = app
        self.limits = limits
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = request_id_of(headers)
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        current_origin.set(Origin(ip=client[0] if client else None, request_id=request_id))
        status = 500
        limit: int | None = None
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal limit, received
            if limit is None:
                limit = self.limits[body_class_of(scope)]
                declared = headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise RequestTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = list(message.get("headers", []))
                out = MutableHeaders(raw=message["headers"])
                out["X-Request-Id"] = request_id
                for key, value in SECURITY_HEADERS.items():
                    if key == "X-Frame-Options" and frames_allowed(out):
                        continue
                    out.setdefault(key, value)
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive_within_limit, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            self.observe(scope["method"], route, status, elapsed)
            # Paths and ids only: query strings, bodies and headers may carry secrets.
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                },
            )


class KeyiAPI(FastAPI):
    """FastAPI with the Edge around its whole middleware stack (set `state.body_limits` and
    `state.observe` before the first request)."""

    def build_middleware_stack(self) -> ASGIApp:
        return Edge(
            super().build_middleware_stack(),
            limits=self.state.body_limits,
            observe=self.state.observe,
        )
