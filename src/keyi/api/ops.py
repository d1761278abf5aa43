"""Health, readiness, Prometheus metrics and the request-id + access-log middleware."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from keyi.api.context import services
from keyi.platform.audit import Origin, current_origin

log = logging.getLogger("keyi.access")
router = APIRouter(tags=["operations"])
MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    """Per-app registry, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "keyi_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "keyi_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={
        200: {"content": {"application/json": {}}},
        503: {"description": "Database unreachable", "content": {"application/json": {}}},
    },
)
def readyz(request: Request) -> Response:
    try:
        with services(request).platform.db.control.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:
        return Response('{"status":"unavailable"}', status_code=503, media_type="application/json")
    return Response('{"status":"ok"}', media_type="application/json")


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    return Response(generate_latest(scrape_registry(request)), media_type=CONTENT_TYPE_LATEST)


def scrape_registry(request: Request) -> CollectorRegistry:
    """What a scrape reports: this process's metrics, or every server process's.

    Under `keyi serve --workers N` a scrape reaches one process at random; prometheus_client's
    multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `keyi serve` for its processes) keeps
    each process's values in a shared folder so any one of them can report the sum.
    """
    if os.environ.get(MULTIPROCESS_DIR_ENV):
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        return shared
    own: CollectorRegistry = request.app.state.metrics.registry
    return own


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def install_middleware(app: FastAPI) -> None:
    app.state.metrics = Metrics()

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id[:64]
        current_origin.set(
            Origin(ip=request.client.host if request.client else None, request_id=request_id[:64])
        )
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        route_name = getattr(route, "path", "unmatched")
        app.state.metrics.requests.labels(
            request.method, route_name, str(response.status_code)
        ).inc()
        app.state.metrics.latency.labels(request.method, route_name).observe(elapsed)
        response.headers["X-Request-Id"] = request_id
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        # Paths and ids only: query strings, bodies and headers may carry secrets.
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "ms": round(elapsed * 1000, 1),
            },
        )
        return response
