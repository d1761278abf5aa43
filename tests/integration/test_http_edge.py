"""The HTTP edge: body limits per route class, request id and security headers on every answer,
and 503 when the database is unavailable — each through real HTTP on both databases."""

from __future__ import annotations

import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.api.edge import SECURITY_HEADERS
from keyi.platform.auth import AuthService
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from keyi.settings import Settings
from tests.conftest import ADMIN_PASSWORD, POSTGRES_URL, admin_email_of, login, new_tenant_name
from tests.integration.helpers import count

LIMITS = {"max_body_auth": 1024, "max_body_json": 8 * 1024, "max_body_upload": 256 * 1024}


def assert_edge_headers(response: httpx.Response, request_id: str | None = None) -> None:
    """The request id (header and, for problems, body) and every security header."""
    sent = response.headers.get("x-request-id")
    assert sent, (response.status_code, response.headers)
    if request_id is not None:
        assert sent == request_id
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        assert response.json()["request_id"] == sent


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert_edge_headers(response)
    return body


@pytest.fixture
def limited_app(platform: Platform) -> FastAPI:
    return create_app(replace(platform.settings, **LIMITS), platform)


def test_body_limit_per_route_class(
    limited_app: FastAPI, platform: Platform, tenant: TenantInfo
) -> None:
    with TestClient(limited_app) as client:
        # Sign-in (auth class, 1 KiB): refused by size before the credentials are looked at.
        big_login = {"email": "x@example.com", "password": "p" * 2000}
        body = assert_problem(
            client.post("/api/v1/auth/login", json=big_login), 413, "payload_too_large"
        )
        assert "1024" in body["detail"]
        login(client, admin_email_of(platform, tenant))
        before = count(client, "account")
        # JSON class (8 KiB): a declared Content-Length over the limit...
        long_text = {"name": "大", "description": "x" * 9000}
        assert_problem(
            client.post("/api/v1/records/account", json=long_text), 413, "payload_too_large"
        )

        # ...and a chunked body without Content-Length, counted as it streams.
        def chunks() -> Iterator[bytes]:
            yield b'{"name": "chunked", "description": "'
            for _ in range(20):
                yield b"y" * 1000
            yield b'"}'

        chunked = client.post(
            "/api/v1/records/account",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
        assert "content-length" not in chunked.request.headers
        assert_problem(chunked, 413, "payload_too_large")
        assert count(client, "account") == before
        # Under the limit, the same route works.
        small = client.post("/api/v1/records/account", json={"name": "x", "description": "ok"})
        assert small.status_code == 201, small.text
        # Upload class (bulk creation, 256 KiB) takes what the JSON class refuses.
        rows = [{"name": f"客户{i}", "description": "z" * 500} for i in range(40)]
        bulk = client.post("/api/v1/records/account/bulk", json={"records": rows})
        assert bulk.status_code == 201, bulk.text
        assert count(client, "account") == before + 41


def test_every_error_carries_request_id_and_security_headers(
    platform: Platform, tenant: TenantInfo
) -> None:
    settings = replace(platform.settings, login_attempts_per_minute=1, **LIMITS)
    app = create_app(settings, platform)

    def boom() -> None:
        raise RuntimeError("a defect")

    app.add_api_route("/api/v1/test-boom", boom, methods=["POST"])
    email = admin_email_of(platform, tenant)
    # Sign-in limits are shared by every app on the database, per client address: this test
    # counts from an address of its own.
    peer = (f"198.51.100.{uuid.uuid4().int % 250 + 1}", 1000)
    with TestClient(app, raise_server_exceptions=False, client=peer) as client:
        login(client, email)
        own_id = "support-ticket-4711"
        # The caller's id is kept when it is a plain token, replaced when it is not.
        kept = client.get("/api/v1/records/nope", headers={"X-Request-Id": own_id})
        assert_problem(kept, 404, "object_not_found")
        assert_edge_headers(kept, own_id)
        replaced = client.get("/api/v1/records/nope", headers={"X-Request-Id": "bad id\t<x>"})
        assert replaced.headers["x-request-id"] != "bad id\t<x>"
        assert_problem(client.get("/api/v1/no-such-route"), 404, "not_found")
        not_allowed = assert_problem(
            client.put("/api/v1/records/account"), 405, "method_not_allowed"
        )
        assert not_allowed["status"] == 405
        assert "GET" in client.put("/api/v1/records/account").headers["allow"]
        assert_problem(
            client.post("/api/v1/records/account", json={"description": "x" * 9000}),
            413,
            "payload_too_large",
        )
        assert_problem(client.get("/api/v1/records/account?limit=abc"), 422, "invalid_request")
        assert_problem(
            client.post("/api/v1/records/account", json={"name": 5, "employees": "many"}),
            422,
            "invalid_request",
        )
        assert_problem(client.post("/api/v1/test-boom"), 500, "internal_error")
        anonymous = TestClient(app, raise_server_exceptions=False)
        assert_problem(anonymous.get("/api/v1/records/account"), 401, "unauthenticated")
        # The limiter allows one sign-in a minute here; the login above used it.
        wrong = {"email": email, "password": "Wrong-password-1"}
        assert_problem(client.post("/api/v1/auth/login", json=wrong), 429, "rate_limited")
        # Normal answers keep them too.
        assert_edge_headers(client.get("/api/v1/records/account"))


@contextmanager
def tcp_proxy(target: tuple[str, int]) -> Iterator[tuple[int, Callable[[], None]]]:
    """A TCP forwarder to PostgreSQL; calling `stop()` closes it and every connection before it
    returns, so the server looks gone (refused, reset) to everyone using the proxy's port."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    open_sockets: list[socket.socket] = [listener]
    lock = threading.Lock()
    stopped = False

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(target)
            with lock:
                if stopped:
                    client.close()
                    upstream.close()
                    return
                open_sockets.extend((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    def stop() -> None:
        nonlocal stopped
        with lock:
            stopped = True
            for s in open_sockets:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield port, stop
    finally:
        stop()


def _signed_in(platform: Platform, settings: Settings) -> tuple[TestClient, TenantInfo]:
    email = f"{uuid.uuid4().hex[:8]}@unavailable.example"
    tenant = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=email,
        admin_password=ADMIN_PASSWORD,
        admin_name="A",
    )
    client = TestClient(create_app(settings, platform), raise_server_exceptions=False)
    login(client, email)
    return client, tenant


def assert_unavailable(response: httpx.Response) -> None:
    assert_problem(response, 503, "database_unavailable")
    assert int(response.headers["retry-after"]) > 0


def test_database_unavailable_answers_503_with_retry_after(
    backend: str, platform: Platform, tmp_path: Path
) -> None:
    if backend == "sqlite":
        # Another connection holds the tenant's write lock past the busy timeout.
        settings = Settings(data_dir=tmp_path, sqlite_busy_timeout_ms=200)
        local = Platform(settings)
        local.init_control()
        try:
            client, tenant = _signed_in(local, settings)
            holder = sqlite3.connect(tenant.location, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            try:
                assert_unavailable(client.post("/api/v1/records/account", json={"name": "锁"}))
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            assert client.post("/api/v1/records/account", json={"name": "锁"}).status_code == 201
            assert count(client, "account") == 1
        finally:
            local.dispose()
        return
    # PostgreSQL through a proxy that then goes away: connections fail (refused / reset).
    assert POSTGRES_URL
    url = sa.make_url(POSTGRES_URL)
    schema = f"keyi_test_{uuid.uuid4().hex[:10]}"
    with tcp_proxy((url.host or "127.0.0.1", url.port or 5432)) as (port, stop_proxy):
        settings = Settings(
            data_dir=tmp_path,
            database_url=url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False),
            control_schema=schema,
        )
        local = Platform(settings)
        local.init_control()
        client, tenant = _signed_in(local, settings)
        assert client.get("/api/v1/records/account").status_code == 200
        assert client.get("/readyz").json() == {"status": "ok"}
        stop_proxy()
        try:
            assert client.get("/readyz").status_code == 503  # Platform.ping: not ready
            assert_unavailable(client.get("/api/v1/records/account"))
            assert_unavailable(client.post("/api/v1/records/account", json={"name": "断"}))
        finally:
            local.dispose()
    # Clean up directly (the proxy is gone).
    direct = Platform(replace(settings, database_url=POSTGRES_URL))
    try:
        direct.drop_tenant(tenant.name)
        with direct.db.control.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        direct.dispose()


def test_read_key_may_query_and_aggregate_but_never_write(
    app: FastAPI, platform: Platform, tenant: TenantInfo
) -> None:
    with TestClient(app) as admin:
        login(admin, admin_email_of(platform, tenant))
        user_id = admin.get("/api/v1/me").json()["user"]["id"]
        account = admin.post("/api/v1/records/account", json={"name": "只读"}).json()
    reader = AuthService(platform).create_api_key(tenant.id, user_id, "reports", scope="read")
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {reader}"
        # The routes marked read-only answer a read key, POST or not.
        queried = client.post("/api/v1/records/account/query", json={"limit": 5})
        assert queried.status_code == 200, queried.text
        assert [r["id"] for r in queried.json()["records"]] == [account["id"]]
        totals = client.post(
            "/api/v1/records/account/aggregate", json={"aggregates": [{"op": "count"}]}
        )
        assert totals.status_code == 200 and totals.json()["groups"][0]["values"]["count"] == 1
        assert client.get("/api/v1/search", params={"q": "只读"}).status_code == 200
        assert client.get("/api/v1/records/account/export").status_code == 200
        # Every other non-GET route still refuses it.
        record = f"/api/v1/records/account/{account['id']}"
        for method, path, body in (
            ("POST", "/api/v1/records/account", {"name": "x"}),
            ("POST", "/api/v1/records/account/bulk", {"records": [{"name": "x"}]}),
            ("POST", "/api/v1/records/account/mass-delete", {"ids": [account["id"]]}),
            ("PATCH", record, {"name": "y"}),
            ("DELETE", record, None),
            ("POST", "/api/v1/views", {"object": "account", "name": "v"}),
            (
                "POST",
                "/api/v1/metadata/objects",
                {"name": "x_obj", "labels": {"en": "X", "zh-CN": "X"}, "fields": []},
            ),
        ):
            refused = client.request(method, path, json=body)
            assert_problem(refused, 403, "read_only_key")
    with TestClient(app) as admin:
        login(admin, admin_email_of(platform, tenant))
        assert admin.get(record).json()["name"] == "只读"
        assert count(admin, "account") == 1


def test_metrics_need_the_token_or_an_allowed_address(platform: Platform) -> None:
    def app_with(**settings: Any) -> FastAPI:
        return create_app(replace(platform.settings, **settings), platform)

    # The default: nobody without configuration, loopback included.
    for host in ("127.0.0.1", "203.0.113.9"):
        with TestClient(app_with(), client=(host, 40000)) as outside:
            assert_problem(outside.get("/metrics"), 401, "metrics_token_required")
    token_app = app_with(metrics_token="scrape-" + uuid.uuid4().hex)
    with TestClient(token_app, client=("203.0.113.9", 40000)) as outside:
        assert_problem(outside.get("/metrics"), 401, "metrics_token_required")
        wrong = outside.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert_problem(wrong, 401, "metrics_token_required")
        token = token_app.state.metrics_access.token
        allowed = outside.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200 and "keyi_http_requests_total" in allowed.text
    internal_app = app_with(metrics_allow=("10.0.0.0/8", "::1"))
    with TestClient(internal_app, client=("10.1.2.3", 40000)) as internal:
        assert "keyi_http_requests_total" in internal.get("/metrics").text
    with TestClient(internal_app, client=("192.0.2.1", 40000)) as outside:
        assert_problem(outside.get("/metrics"), 401, "metrics_token_required")
