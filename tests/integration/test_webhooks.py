"""Outbound webhooks end to end: subscriptions over the API, the outbox fan-out, signed
deliveries to a real HTTP server on 127.0.0.1 run by the worker, retries, replay, disabling.

Signatures are verified with the Standard Webhooks reference library (standardwebhooks). The
worker runs synchronously (`run_until_idle`) with a clock the test moves, so backoff is
crossed without waiting.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker, utc_now
from keyi.platform.notifications.table import notification_table
from keyi.platform.tenancy import Platform
from keyi.platform.webhooks.delivery import DISABLE_AFTER_FAILURES, MAX_DELIVERY_ATTEMPTS
from keyi.platform.webhooks.table import delivery_table, webhook_table
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import create_warranty_object, make_account


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local webhook endpoint: answers each request with the next scripted status (then 200)."""

    url: str
    hits: list[Hit] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    always: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver = self.server.receiver
        with receiver.lock:
            receiver.hits.append(
                Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status = receiver.statuses.pop(0) if receiver.statuses else receiver.always or 200
        answer = b"ok" if status < 300 else b"broken"
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class Clock:
    """The worker's clock: real time, moved ahead by the test (deliveries are queued at the
    real time of the transaction that queues them)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def _worker(platform: Platform, tenant: TenantInfo, clock: Clock | None = None) -> Worker:
    return Worker(platform, tenants=[tenant.name], rng=random.Random(3), clock=clock or Clock())


def _run(platform: Platform, tenant: TenantInfo, clock: Clock | None = None) -> None:
    worker = _worker(platform, tenant, clock)
    try:
        worker.run_until_idle()
    finally:
        worker.stop()


def _round(platform: Platform, tenant: TenantInfo, clock: Clock) -> None:
    """One round: relays what is pending and runs the jobs due then, not the retries they queue."""
    worker = _worker(platform, tenant, clock)
    try:
        worker.run_round()
    finally:
        worker.stop()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", ""))


def _allow_private(client: TestClient) -> None:
    answer = client.patch("/api/v1/webhooks/settings", json={"allow_private": True})
    assert answer.status_code == 200, answer.text
    assert answer.json()["allow_private"] is True


def _subscribe(client: TestClient, url: str, events: list[str]) -> dict[str, Any]:
    answer = client.post("/api/v1/webhooks", json={"url": url, "events": events})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _verify(secret: str, hit: Hit) -> dict[str, Any]:
    verified = Webhook(secret).verify(hit.body, hit.headers)
    assert isinstance(verified, dict)
    return verified


def _deliveries(client: TestClient, webhook_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["deliveries"])


def _errors(answer: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in answer.json()["errors"]]


# ---------------------------------------------------------------- the API
def test_subscriptions_are_validated_saved_listed_changed_and_deleted(
    client: TestClient, receiver: Receiver
) -> None:
    bad_scheme = client.post(
        "/api/v1/webhooks", json={"url": "ftp://example.com/hook", "events": ["account.created"]}
    )
    assert bad_scheme.status_code == 422
    assert _errors(bad_scheme) == [("url", "url_scheme")]
    private = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["x.y"]})
    assert private.status_code == 422
    assert set(_errors(private)) == {("url", "url_private_address"), ("events.0", "unknown_object")}
    metadata = client.post(
        "/api/v1/webhooks",
        json={"url": "http://169.254.169.254/latest", "events": ["account.created"]},
    )
    assert _errors(metadata) == [("url", "url_private_address")]  # never, even when allowed
    events = client.post(
        "/api/v1/webhooks",
        json={
            "url": "https://1.1.1.1/hook",
            "events": ["nosuch.created", "account.archived", "account", "account.created"],
        },
    )
    assert events.status_code == 422
    assert _errors(events) == [
        ("events.0", "unknown_object"),
        ("events.1", "invalid_event_verb"),
        ("events.2", "invalid_event"),
    ]
    assert client.post("/api/v1/webhooks", json={"url": "https://1.1.1.1"}).status_code == 422
    unknown = client.post(
        "/api/v1/webhooks",
        json={"url": "https://1.1.1.1", "events": ["account.created"], "secret": "x"},
    )
    assert _errors(unknown) == [("secret", "unknown_field")]
    assert client.get("/api/v1/webhooks").json()["webhooks"] == []  # nothing half-saved

    _allow_private(client)
    created = _subscribe(client, receiver.url, ["account.created", "opportunity.*"])
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["account.created", "opportunity.*"]
    assert created["active"] is True
    listed = client.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed["webhooks"]] == [created["id"]]
    assert "secret" not in listed["webhooks"][0]
    assert listed["settings"] == {"allow_private": True, "installation_allows_private": False}
    shown = client.get(f"/api/v1/webhooks/{created['id']}").json()
    assert "secret" not in shown and shown["url"] == receiver.url

    changed = client.patch(
        f"/api/v1/webhooks/{created['id']}",
        json={"events": ["contact.deleted"], "description": "ERP 同步", "active": False},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["contact.deleted"]
    assert changed.json()["description"] == "ERP 同步"
    assert changed.json()["active"] is False and changed.json()["disabled_at"] is not None
    refused = client.patch(f"/api/v1/webhooks/{created['id']}", json={"url": "gopher://x"})
    assert _errors(refused) == [("url", "url_scheme")]
    assert client.get(f"/api/v1/webhooks/{created['id']}").json()["url"] == receiver.url

    assert client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{created['id']}").status_code == 404
    assert client.get(f"/api/v1/webhooks/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/v1/webhooks/not-an-id").status_code == 404

    # Switching the allowance off refuses private targets again.
    client.patch("/api/v1/webhooks/settings", json={"allow_private": False})
    again = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["account.*"]})
    assert _errors(again) == [("url", "url_private_address")]


def test_only_administrators_see_or_change_webhooks(
    app: Any, platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    created = _subscribe(client, "https://1.1.1.1/hook", ["account.created"])
    add_user(platform, tenant, email="rep@hooks.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "rep@hooks.example", tenant=tenant.name)
        hook = f"/api/v1/webhooks/{created['id']}"
        assert rep.get("/api/v1/webhooks").status_code == 403
        assert rep.get(hook).status_code == 403
        assert (
            rep.post(
                "/api/v1/webhooks", json={"url": "https://1.1.1.1", "events": ["account.created"]}
            ).status_code
            == 403
        )
        assert rep.patch(hook, json={"active": False}).status_code == 403
        assert rep.post(f"{hook}/rotate-secret").status_code == 403
        assert rep.post(f"{hook}/test").status_code == 403
        assert rep.get(f"{hook}/deliveries").status_code == 403
        allow = rep.patch("/api/v1/webhooks/settings", json={"allow_private": True})
        assert allow.status_code == 403
        assert rep.delete(hook).status_code == 403
    assert client.get(hook).json()["active"] is True


# ---------------------------------------------------------------- deliveries
def test_a_record_change_reaches_the_receiver_signed_per_standard_webhooks(
    platform: Platform, tenant: TenantInfo, client: TestClient, receiver: Receiver
) -> None:
    _allow_private(client)
    hook = _subscribe(client, receiver.url, ["account.updated"])
    account = make_account(client, name="钩子客户")
    updated = client.patch(
        f"/api/v1/records/account/{account['id']}", json={"name": "钩子客户（新）"}
    )
    assert updated.status_code == 200, updated.text
    assert receiver.hits == []  # nothing leaves before the worker relays the outbox
    _run(platform, tenant)

    assert len(receiver.hits) == 1  # the creation is not subscribed to
    hit = receiver.hits[0]
    payload = _verify(hook["secret"], hit)
    assert payload["type"] == "account.updated"
    assert payload["data"]["object"] == "account"
    assert payload["data"]["id"] == account["id"]
    assert payload["data"]["changes"] == ["name"]
    assert payload["data"]["record"]["name"] == "钩子客户（新）"
    assert hit.headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(hit.body, hit.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(hit.body.replace(b"account", b"acc0unt"), hit.headers)

    [delivery] = _deliveries(client, hook["id"])
    assert delivery["id"] == hit.headers["webhook-id"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert delivery["response_excerpt"] == "ok"
    assert delivery["body"] == payload
    _run(platform, tenant)
    assert len(receiver.hits) == 1  # an event fans out once


def test_a_failing_receiver_is_retried_with_backoff_then_succeeds_and_can_be_replayed(
    platform: Platform, tenant: TenantInfo, client: TestClient, receiver: Receiver
) -> None:
    _allow_private(client)
    hook = _subscribe(client, receiver.url, ["account.created"])
    receiver.statuses = [500, 503]
    clock = Clock()
    make_account(client, name="重试客户")
    _round(platform, tenant, clock)
    [delivery] = _deliveries(client, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "pending",
        1,
        500,
    )
    assert delivery["last_error"] == "HTTP 500" and delivery["response_excerpt"] == "broken"
    wait = _at(delivery["next_attempt_at"]) - _at(delivery["last_attempt_at"])
    assert timedelta(seconds=1) <= wait <= timedelta(seconds=5)  # DELIVERY_RETRY's first step
    clock.advance(minutes=2)  # past the first retry's ceiling (5 s)
    _round(platform, tenant, clock)
    assert len(receiver.hits) == 2
    [delivery] = _deliveries(client, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "pending",
        2,
        503,
    )
    clock.advance(minutes=2)  # past the second's (20 s)
    _round(platform, tenant, clock)
    assert len(receiver.hits) == 3
    [delivery] = _deliveries(client, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "delivered",
        3,
        200,
    )
    # One message, three attempts: the same webhook-id, each attempt signed and verifiable.
    assert {hit.headers["webhook-id"] for hit in receiver.hits} == {delivery["id"]}
    for hit in receiver.hits:
        assert _verify(hook["secret"], hit)["type"] == "account.created"
    assert client.get(f"/api/v1/webhooks/{hook['id']}").json()["consecutive_failures"] == 0

    replayed = client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "pending"
    again = client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/replay")
    assert again.status_code == 409  # still being sent
    _run(platform, tenant, clock)
    assert len(receiver.hits) == 4
    assert receiver.hits[3].body == receiver.hits[0].body  # the same bytes
    assert receiver.hits[3].headers["webhook-id"] == delivery["id"]
    assert _deliveries(client, hook["id"])[0]["status"] == "delivered"
    assert client.post(f"/api/v1/webhooks/deliveries/{uuid.uuid4()}/replay").status_code == 404


def test_a_receiver_failing_every_attempt_gets_its_subscription_disabled_and_audited(
    platform: Platform, tenant: TenantInfo, client: TestClient, receiver: Receiver
) -> None:
    _allow_private(client)
    zh_admin = add_user(
        platform,
        tenant,
        email="ops@hooks.example",
        name="运维",
        password=None,
        is_admin=True,
        extra={"language": "zh-CN"},
    )
    rep = add_user(platform, tenant, email="rep2@hooks.example", name="Rep", password=None)
    hook = _subscribe(client, receiver.url + "?token=s3cr3t", ["account.created"])
    receiver.always = 500
    clock = Clock()
    make_account(client, name="失败客户")
    for _ in range(MAX_DELIVERY_ATTEMPTS + 2):
        _run(platform, tenant, clock)
        clock.advance(hours=25)  # past every retry's ceiling (24 h)
    assert len(receiver.hits) == MAX_DELIVERY_ATTEMPTS
    [delivery] = _deliveries(client, hook["id"])
    assert (delivery["status"], delivery["attempts"]) == ("dead", MAX_DELIVERY_ATTEMPTS)
    shown = client.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert shown["active"] is False
    assert shown["disabled_reason"] == "delivery_dead"
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        audited = conn.execute(
            sa.select(audit_table.c.details).where(audit_table.c.action == "webhook.disabled")
        ).all()
    assert [row.details["reason"] for row in audited] == ["delivery_dead"]
    # Every active administrator is told, once, in their language; nobody else is.
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        told = (
            conn.execute(
                sa.select(notification_table).where(notification_table.c.source == "webhook")
            )
            .mappings()
            .all()
        )
    assert sorted(str(row["user_id"]) for row in told) == sorted(
        [client.get("/api/v1/me").json()["user"]["id"], zh_admin["id"]]
    )
    assert rep["id"] not in {str(row["user_id"]) for row in told}
    by_user = {str(row["user_id"]): row for row in told}
    assert by_user[zh_admin["id"]]["title"].startswith("Webhook 已停用")
    assert all(row["link_path"] == "/setup/webhooks" for row in told)
    assert all("s3cr3t" not in row["body"] and "s3cr3t" not in row["title"] for row in told)
    assert "127.0.0.1" in by_user[zh_admin["id"]]["body"]

    # Switched off, it gets no new events; switched on again, it does.
    make_account(client, name="停用期间")
    _run(platform, tenant, clock)
    assert len(receiver.hits) == MAX_DELIVERY_ATTEMPTS
    receiver.always = None
    on = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True})
    assert on.json()["active"] is True and on.json()["disabled_reason"] is None
    make_account(client, name="恢复之后")
    _run(platform, tenant, clock)
    assert len(receiver.hits) == MAX_DELIVERY_ATTEMPTS + 1
    assert _verify(hook["secret"], receiver.hits[-1])["data"]["record"]["name"] == "恢复之后"


def test_a_long_run_of_failed_attempts_disables_the_subscription(
    platform: Platform, tenant: TenantInfo, client: TestClient, receiver: Receiver
) -> None:
    _allow_private(client)
    hook = _subscribe(client, receiver.url, ["account.created"])
    # As if 19 attempts had failed since two hours ago.
    with platform.db.tenant_transaction(tenant.location) as conn:
        conn.execute(
            sa.update(webhook_table).values(
                consecutive_failures=DISABLE_AFTER_FAILURES - 1,
                failing_since=utc_now() - timedelta(hours=2),
            )
        )
    receiver.always = 500
    make_account(client, name="第二十次")
    _run(platform, tenant)
    shown = client.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert (shown["active"], shown["disabled_reason"]) == (False, "consecutive_failures")
    [delivery] = _deliveries(client, hook["id"])
    assert delivery["status"] == "cancelled"  # its next attempt would only fail too


def test_a_rotated_secret_signs_beside_the_new_one(
    platform: Platform, tenant: TenantInfo, client: TestClient, receiver: Receiver
) -> None:
    _allow_private(client)
    hook = _subscribe(client, receiver.url, ["account.created"])
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != hook["secret"]
    assert rotated.json()["previous_secret_until"] is not None
    make_account(client, name="轮换客户")
    _run(platform, tenant)
    [hit] = receiver.hits
    assert len(hit.headers["webhook-signature"].split(" ")) == 2
    assert _verify(hook["secret"], hit) == _verify(new_secret, hit)
    # Past the overlap only the new secret signs.
    with platform.db.tenant_transaction(tenant.location) as conn:
        conn.execute(
            sa.update(webhook_table).values(previous_secret_until=utc_now() - timedelta(seconds=1))
        )
    make_account(client, name="轮换之后")
    _run(platform, tenant)
    last = receiver.hits[-1]
    assert len(last.headers["webhook-signature"].split(" ")) == 1
    _verify(new_secret, last)
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(last.body, last.headers)
    # The stored secret is encrypted at rest.
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        stored = conn.execute(sa.select(webhook_table.c.secret)).scalar_one()
    assert stored.startswith("fernet:") and new_secret not in stored


def test_a_deleted_subscription_gets_nothing_not_even_what_was_queued(
    platform: Platform, tenant: TenantInfo, client: TestClient, receiver: Receiver
) -> None:
    _allow_private(client)
    hook = _subscribe(client, receiver.url, ["account.created"])
    kept = _subscribe(client, receiver.url.replace("/hook", "/kept"), ["account.created"])
    make_account(client, name="删除前")
    behind = Clock()
    behind.advance(minutes=-5)  # relays the event, but its deliveries are not due yet
    _round(platform, tenant, behind)
    assert len(_deliveries(client, hook["id"])) == 1
    assert receiver.hits == []
    assert client.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    make_account(client, name="删除后")
    _run(platform, tenant)
    assert {hit.path for hit in receiver.hits} == {"/kept"}
    names = [_verify(kept["secret"], hit)["data"]["record"]["name"] for hit in receiver.hits]
    assert sorted(names) == ["删除前", "删除后"]
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        rows = conn.execute(
            sa.select(delivery_table.c.webhook_id).where(delivery_table.c.webhook_id == hook["id"])
        ).all()
    assert rows == []


def test_custom_objects_and_deletes_have_events_and_a_test_event_can_be_sent(
    platform: Platform, tenant: TenantInfo, client: TestClient, receiver: Receiver
) -> None:
    create_warranty_object(client)
    _allow_private(client)
    hook = _subscribe(client, receiver.url, ["warranty.*"])
    created = client.post("/api/v1/records/warranty", json={"name": "延保 A", "serial_no": "SN-1"})
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    assert client.delete(f"/api/v1/records/warranty/{record_id}").status_code == 204
    _run(platform, tenant)
    payloads = [_verify(hook["secret"], hit) for hit in receiver.hits]
    assert [p["type"] for p in payloads] == ["warranty.created", "warranty.deleted"]
    assert all(p["data"]["id"] == record_id for p in payloads)
    assert payloads[1]["data"]["record"]["name"] == "延保 A"  # read from the recycle bin

    test = client.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert test.status_code == 202, test.text
    assert test.json()["status"] == "pending"
    _run(platform, tenant)
    sent = _verify(hook["secret"], receiver.hits[-1])
    assert sent["type"] == "webhook.test" and sent["data"]["webhook_id"] == hook["id"]
    assert _deliveries(client, hook["id"])[0]["status"] == "delivered"
