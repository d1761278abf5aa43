"""Health, readiness and Prometheus metrics (request ids and the access log: keyi.api.edge)."""

from __future__ import annotations

import ipaddress
import os
import secrets

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from keyi.api.context import bearer_token, services
from keyi.platform.errors import Unauthenticated
from keyi.settings import Settings

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

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class MetricsAccess:
    """Who may read /metrics: a caller with KEYI_METRICS_TOKEN, or a client address inside
    KEYI_METRICS_ALLOW. Route names, status counts and latencies tell an attacker what is
    installed and how busy it is, so by default nobody may without configuration."""

    def __init__(self, settings: Settings) -> None:
        self.token = settings.metrics_token
        # A malformed network fails at start, not silently at the first scrape.
        self.networks = [ipaddress.ip_network(n, strict=False) for n in settings.metrics_allow]

    def check(self, request: Request) -> None:
        token = bearer_token(request)
        if self.token and token and secrets.compare_digest(token, self.token):
            return
        host = request.client.host if request.client else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise Unauthenticated("metrics_token_required") from None
        if not any(address in network for network in self.networks):
            raise Unauthenticated("metrics_token_required")


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
    if not services(request).platform.ping():
        return Response('{"status":"unavailable"}', status_code=503, media_type="application/json")
    return Response('{"status":"ok"}', media_type="application/json")


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    request.app.state.metrics_access.check(request)
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
