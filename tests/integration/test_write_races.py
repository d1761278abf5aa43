"""Concurrent writes of the same thing, on real connections (issue 11, data part).

Each race is made deterministic rather than left to timing: a first writer runs in a platform
context and stops before its commit; the second writer (an HTTP request, in a thread) starts;
on PostgreSQL the test waits until the database reports the second one blocked by the first
(pg_blocking_pids), then lets the first commit. SQLite serialises writers at BEGIN IMMEDIATE,
so there the second simply runs after the first: the outcome the API promises is the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.audit import audit_table
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import RetryLater, ValidationFailed
from keyi.platform.idempotency import IdempotencyService
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import history_table, outbox_table
from keyi.platform.tenancy import Platform
from tests.integration.helpers import create_warranty_object, make_account

WAIT_SECONDS = 20


def admin_actor(client: TestClient) -> Actor:
    me = client.get("/api/v1/me").json()["user"]
    return Actor(id=me["id"], name=me["name"], is_admin=True)


class Background:
    """One HTTP request run in a thread; `result()` waits for its response."""

    def __init__(self, call: Callable[[], httpx.Response]) -> None:
        self._response: httpx.Response | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], httpx.Response]) -> None:
        try:
            self._response = call()
        except BaseException as exc:  # re-raised in the test thread
            self._error = exc

    def result(self) -> httpx.Response:
        self._thread.join(WAIT_SECONDS * 2)
        assert not self._thread.is_alive(), "the second request never finished"
        if self._error is not None:
            raise self._error
        assert self._response is not None
        return self._response


def wait_until_blocked_by(ctx: Context, background: Background | None = None) -> None:
    """PostgreSQL: wait until some backend waits for a lock held by ctx's transaction."""
    if ctx.dialect != "postgresql":
        return
    pid = ctx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    engine = ctx.conn.engine
    deadline = time.monotonic() + WAIT_SECONDS
    with engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
                ),
                {"pid": pid},
            ).scalar()
            probe.rollback()
            if waiting:
                return
            time.sleep(0.02)
    pytest.fail("the second writer never blocked on the first")


@contextmanager
def first_writer(platform: Platform, tenant: TenantInfo, actor: Actor) -> Iterator[Context]:
    with platform.context(tenant, actor) as ctx:
        yield ctx


Race = Callable[[Callable[[RecordsService], object], Callable[[], httpx.Response]], httpx.Response]


@pytest.fixture
def race(client: TestClient, platform: Platform, tenant: TenantInfo) -> Race:
    """The race most tests here stage: `race(first, second)` runs `first` as the signed-in
    administrator in a transaction held open until `second` (an HTTP request, in a thread)
    waits behind it; then the first commits and the second's response is returned."""

    def run(
        first: Callable[[RecordsService], object], second: Callable[[], httpx.Response]
    ) -> httpx.Response:
        with first_writer(platform, tenant, admin_actor(client)) as ctx:
            first(RecordsService(ctx))
            pending = Background(second)
            wait_until_blocked_by(ctx)
        return pending.result()

    return run


def count_rows(platform: Platform, tenant: TenantInfo, table: sa.Table, *where: Any) -> int:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        return int(
            ctx.conn.execute(
                sa.select(sa.func.count()).select_from(table).where(*where)
            ).scalar_one()
        )


# ------------------------------------------------------------------ unique values
def test_concurrent_creates_with_one_unique_value(client: TestClient, race: Race) -> None:
    create_warranty_object(client)
    response = race(
        lambda records: records.create("warranty", {"name": "一号", "serial_no": "SN-RACE"}),
        lambda: client.post(
            "/api/v1/records/warranty", json={"name": "二号", "serial_no": "SN-RACE"}
        ),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("serial_no", "not_unique")
    ]
    listed = client.get("/api/v1/records/warranty", params={"f": "serial_no:eq:SN-RACE"}).json()
    assert [r["name"] for r in listed["records"]] == ["一号"]


def test_concurrent_update_to_a_taken_unique_value(client: TestClient, race: Race) -> None:
    create_warranty_object(client)
    other = client.post("/api/v1/records/warranty", json={"name": "b", "serial_no": "SN-B"})
    response = race(
        lambda records: records.create("warranty", {"name": "a", "serial_no": "SN-A"}),
        lambda: client.patch(
            f"/api/v1/records/warranty/{other.json()['id']}", json={"serial_no": "SN-A"}
        ),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "serial_no"
    assert client.get(f"/api/v1/records/warranty/{other.json()['id']}").json()["serial_no"] == (
        "SN-B"
    )


def test_mass_update_losing_a_unique_race_names_the_field(client: TestClient, race: Race) -> None:
    """Mass update carries on past a record's error to report them all; after a unique
    violation PostgreSQL runs nothing more in that transaction: still a 422, never a 500."""
    create_warranty_object(client)
    ids = [
        client.post("/api/v1/records/warranty", json={"name": n, "serial_no": n}).json()["id"]
        for n in ("m1", "m2")
    ]
    response = race(
        lambda records: records.create("warranty", {"name": "先到", "serial_no": "SN-MASS"}),
        lambda: client.post(
            "/api/v1/records/warranty/mass-update",
            json={"ids": ids[:1] + ids[1:], "values": {"serial_no": "SN-MASS"}},
        ),
    )
    assert response.status_code == 422, response.text
    assert {e["field"].rpartition(".")[2] for e in response.json()["errors"]} == {"serial_no"}
    names = {r["serial_no"] for r in client.get("/api/v1/records/warranty").json()["records"]}
    assert names == {"m1", "m2", "SN-MASS"}


# ------------------------------------------------------------------ idempotency keys
def test_concurrent_posts_with_one_idempotency_key(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    actor = admin_actor(client)
    body = {"name": "幂等客户"}
    with first_writer(platform, tenant, actor) as ctx:
        keys = IdempotencyService(ctx)
        assert keys.claim("key-race", "account", body) is None
        first = RecordsService(ctx).create("account", body)
        keys.complete("key-race", 201, first)
        second = Background(
            lambda: client.post(
                "/api/v1/records/account", json=body, headers={"Idempotency-Key": "key-race"}
            )
        )
        wait_until_blocked_by(ctx)
    response = second.result()
    assert response.status_code == 201, response.text
    assert response.json()["id"] == first["id"]
    listed = client.get("/api/v1/records/account", params={"f": "name:eq:幂等客户"}).json()
    assert len(listed["records"]) == 1


def test_idempotency_key_released_when_the_first_request_fails(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """The first request rolls back: the waiting one claims the key and creates the record."""
    actor = admin_actor(client)
    body = {"name": "回滚后重试"}
    second: Background | None = None
    with pytest.raises(ValidationFailed), first_writer(platform, tenant, actor) as ctx:
        assert IdempotencyService(ctx).claim("key-rollback", "account", body) is None
        second = Background(
            lambda: client.post(
                "/api/v1/records/account",
                json=body,
                headers={"Idempotency-Key": "key-rollback"},
            )
        )
        wait_until_blocked_by(ctx)
        RecordsService(ctx).create("account", {})  # name is required: fails, rolls back
    assert second is not None
    response = second.result()
    assert response.status_code == 201, response.text
    replay = client.post(
        "/api/v1/records/account", json=body, headers={"Idempotency-Key": "key-rollback"}
    )
    assert replay.status_code == 201 and replay.json()["id"] == response.json()["id"]


def test_parallel_http_posts_with_one_idempotency_key(client: TestClient) -> None:
    """Many clients at once, no choreography: one record, every answer a replay or a 409."""
    barrier = threading.Barrier(4)
    responses: list[httpx.Response] = []

    def post() -> httpx.Response:
        barrier.wait(WAIT_SECONDS)
        return client.post(
            "/api/v1/records/account", json={"name": "并发幂等"}, headers={"Idempotency-Key": "k4"}
        )

    workers = [Background(post) for _ in range(4)]
    responses = [w.result() for w in workers]
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    for r in responses:
        if r.status_code == 409:
            assert r.json()["code"] == "idempotency_in_progress"
    listed = client.get("/api/v1/records/account", params={"f": "name:eq:并发幂等"}).json()
    assert len(listed["records"]) == 1


# ------------------------------------------------------------------ delete / restore
def side_effects(platform: Platform, tenant: TenantInfo, record_id: str, op: str) -> list[int]:
    """How many history, outbox and audit rows `op` left for the record (each once: [1, 1, 1])."""
    return [
        count_rows(platform, tenant, table, table.c.record_id == record_id, column == value)
        for table, column, value in (
            (history_table, history_table.c.operation, op),
            (outbox_table, outbox_table.c.event, f"record.{op}d"),
            (audit_table, audit_table.c.action, f"record.{op}"),
        )
    ]


def test_concurrent_deletes_of_one_record(
    client: TestClient, platform: Platform, tenant: TenantInfo, race: Race
) -> None:
    account = make_account(client, name="删两次")
    response = race(
        lambda records: records.delete("account", account["id"]),
        lambda: client.delete(f"/api/v1/records/account/{account['id']}"),
    )
    assert response.status_code == 404, response.text
    assert side_effects(platform, tenant, account["id"], "delete") == [1, 1, 1]


def test_concurrent_restores_of_one_record(
    client: TestClient, platform: Platform, tenant: TenantInfo, race: Race
) -> None:
    account = make_account(client, name="恢复两次")
    assert client.delete(f"/api/v1/records/account/{account['id']}").status_code == 204
    response = race(
        lambda records: records.restore("account", account["id"]),
        lambda: client.post(f"/api/v1/records/account/{account['id']}/restore"),
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "not_deleted"
    assert side_effects(platform, tenant, account["id"], "restore") == [1, 1, 1]
    assert client.get(f"/api/v1/records/account/{account['id']}").json()["version"] == 3


# ------------------------------------------------------------------ PATCH and versions
def test_patch_without_if_match_applies_to_the_current_row(client: TestClient, race: Race) -> None:
    account = make_account(client, name="并发编辑")
    response = race(
        lambda records: records.update("account", account["id"], {"grade": "A"}),
        lambda: client.patch(f"/api/v1/records/account/{account['id']}", json={"city": "苏州"}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 3
    final = client.get(f"/api/v1/records/account/{account['id']}").json()
    assert (final["grade"], final["city"], final["version"]) == ("A", "苏州", 3)


def test_patch_with_a_stale_if_match_still_answers_412(client: TestClient, race: Race) -> None:
    account = make_account(client, name="并发编辑版本")
    response = race(
        lambda records: records.update("account", account["id"], {"grade": "A"}),
        lambda: client.patch(
            f"/api/v1/records/account/{account['id']}",
            json={"city": "苏州"},
            headers={"If-Match": '"1"'},
        ),
    )
    assert response.status_code == 412, response.text
    assert response.json()["current"] == 2
    assert client.get(f"/api/v1/records/account/{account['id']}").json()["city"] != "苏州"


# ------------------------------------------------------------------ deadlocks
def test_deadlock_answers_conflict_retry(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """Two transactions lock two records in opposite orders: PostgreSQL aborts one of them.
    The victim answers 409 `conflict_retry` with Retry-After (HTTP) or raises RetryLater
    (platform); the other commits. On SQLite the writers queue and both succeed."""
    a = make_account(client, name="死锁A")
    b = make_account(client, name="死锁B")
    actor = admin_actor(client)
    first_failed: RetryLater | None = None
    second: Background | None = None
    try:
        with first_writer(platform, tenant, actor) as ctx:
            service = RecordsService(ctx)
            service.update("account", a["id"], {"grade": "A"})
            second = Background(
                lambda: client.post(
                    "/api/v1/records/account/mass-update",
                    json={"ids": [b["id"], a["id"]], "values": {"city": "深圳"}},
                )
            )
            wait_until_blocked_by(ctx)
            if ctx.dialect == "postgresql":
                service.update("account", b["id"], {"grade": "A"})
    except RetryLater as exc:
        first_failed = exc
    assert second is not None
    response = second.result()
    if platform.db.is_postgres:
        if first_failed is None:
            assert response.status_code == 409, response.text
            assert response.json()["code"] == "conflict_retry"
            assert response.headers["Retry-After"] == "1"
            assert client.get(f"/api/v1/records/account/{b['id']}").json()["grade"] == "A"
        else:
            assert response.status_code == 200, response.text
            assert client.get(f"/api/v1/records/account/{b['id']}").json()["grade"] != "A"
    else:
        assert first_failed is None and response.status_code == 200, response.text
