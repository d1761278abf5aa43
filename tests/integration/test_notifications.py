"""In-app notifications and their email copies, on SQLite and PostgreSQL
(keyi.platform.notifications), through the services and the HTTP API."""

from __future__ import annotations

import mailbox
import random
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.context import TenantInfo
from keyi.platform.jobs import DONE, PENDING, ClaimedJob, job_table
from keyi.platform.jobs.worker import Worker, utc_now
from keyi.platform.notifications import (
    EMAIL_JOB,
    RecordLink,
    list_for_user,
    mark_read,
    notification_table,
    notify,
    set_preferences,
    unread_count,
)
from keyi.platform.notifications.email import send_notification_email
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture

SYSTEM = Actor.system("test")


@contextmanager
def statements_of(platform: Platform, tenant: TenantInfo) -> Iterator[list[str]]:
    """The statements the tenant's transactions run in the block (on PostgreSQL: those of the
    connections that selected the tenant's schema, by SET LOCAL or set_config; the control
    database's session lookup is not the tenant's cost)."""
    seen: list[tuple[int, str]] = []
    tenant_connections: set[int] = set()

    def listener(conn: sa.Connection, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if tenant.location in statement or tenant.location in repr(params):
            tenant_connections.add(id(conn))
        seen.append((id(conn), statement))

    engine = platform.db.engine_for(tenant.location)
    found: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield found
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
        postgres = platform.db.is_postgres
        found += [s for c, s in seen if not postgres or c in tenant_connections]


class Clock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _user(platform: Platform, tenant: TenantInfo, name: str, **extra: Any) -> dict[str, Any]:
    email = f"{name.lower()}.{uuid.uuid4().hex[:6]}@example.com"
    user = add_user(
        platform, tenant, email=email, name=name, password=ADMIN_PASSWORD, extra=extra or None
    )
    return {**user, "email": email}


def _as(user: dict[str, Any]) -> Actor:
    return Actor(id=user["id"], name=user["name"])


def _notify(platform: Platform, tenant: TenantInfo, user_ids: list[str], title: str, **kw: Any):  # type: ignore[no-untyped-def]
    with platform.context(tenant, SYSTEM) as ctx:
        return notify(ctx, user_ids, title, kw.pop("body", ""), **kw)


def _email_jobs(platform: Platform, tenant: TenantInfo) -> list[Any]:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        return list(conn.execute(sa.select(job_table).where(job_table.c.kind == EMAIL_JOB)))


def _messages(maildir: Path) -> list[Any]:
    return list(mailbox.Maildir(str(maildir), create=False))


def _text(message: Any) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode(part.get_content_charset()))


@pytest.fixture
def people(platform: Platform, tenant: TenantInfo) -> dict[str, dict[str, Any]]:
    return {
        "wang": _user(platform, tenant, "Wang"),
        "li": _user(platform, tenant, "Li", language="en"),
        "zhao": _user(platform, tenant, "Zhao"),
    }


@pytest.fixture
def mailing(
    platform: Platform,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> Iterator[Platform]:
    """The same databases, as an installation with an SMTP relay (the test's real server)."""
    port, _ = smtp_server
    settings = replace(
        platform.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="Keyi <crm@example.com>",
        public_url="https://crm.example.com/",
    )
    configured = Platform(settings)
    try:
        yield configured
    finally:
        configured.dispose()


# ------------------------------------------------------------------ the service
def test_notify_writes_one_row_per_user_in_the_callers_transaction(
    platform: Platform, tenant: TenantInfo, people: dict[str, dict[str, Any]]
) -> None:
    wang, li = people["wang"], people["li"]
    with pytest.raises(RuntimeError), platform.context(tenant, SYSTEM) as ctx:
        notify(ctx, [wang["id"]], "rolled back")
        raise RuntimeError("the cause failed")
    record_id = str(uuid.uuid4())
    ids = _notify(
        platform,
        tenant,
        [wang["id"], li["id"], str(uuid.uuid4()), "not-an-id"],  # unknown users are skipped
        "  商机已赢单\n  华东大客户  ",
        body="金额 ¥1,200,000",
        link=RecordLink("opportunity", record_id),
        source="flow",
    )
    assert len(ids) == 2
    with platform.context(tenant, _as(wang), write=False) as ctx:
        page = list_for_user(ctx)
    assert page["unread"] == 1 and page["next_cursor"] is None
    [item] = page["notifications"]
    assert item["title"] == "商机已赢单 华东大客户"  # one line
    assert item["body"] == "金额 ¥1,200,000"
    assert item["source"] == "flow" and item["read_at"] is None
    assert item["link"] == {
        "object": "opportunity",
        "record_id": record_id,
        "path": f"/o/opportunity/{record_id}",
    }
    # No SMTP relay in this installation: in-app only, no email job.
    assert _email_jobs(platform, tenant) == []


def test_bad_calls_are_the_callers_mistake(
    platform: Platform, tenant: TenantInfo, people: dict[str, dict[str, Any]]
) -> None:
    wang = people["wang"]["id"]
    for kwargs in (
        {"link": "//evil.example.com/x"},
        {"link": "https://evil.example.com/"},
        {"link": "/\\evil.example.com"},
        {"link": RecordLink("opportunity", "1; drop table")},
        {"source": "Not A Source"},
    ):
        with pytest.raises(ValueError), platform.context(tenant, SYSTEM) as ctx:
            notify(ctx, [wang], "title", **kwargs)
    with pytest.raises(ValueError), platform.context(tenant, SYSTEM) as ctx:
        notify(ctx, [wang], "   ")
    assert _notify(platform, tenant, [], "nobody") == []
    long = _notify(platform, tenant, [wang], "x" * 500, body="y" * 10_000, link="/setup/jobs")
    with platform.context(tenant, _as(people["wang"]), write=False) as ctx:
        [item] = list_for_user(ctx)["notifications"]
    assert item["id"] == long[0]
    assert len(item["title"]) == 200 and len(item["body"]) == 4000
    assert item["link"] == {"path": "/setup/jobs"}


def test_each_user_lists_only_their_own_newest_first_with_cursor_pages(
    platform: Platform, tenant: TenantInfo, people: dict[str, dict[str, Any]]
) -> None:
    wang, li = people["wang"], people["li"]
    mine = [_notify(platform, tenant, [wang["id"]], f"第 {n} 条")[0] for n in range(5)]
    _notify(platform, tenant, [li["id"]], "Li's own")
    with platform.context(tenant, _as(wang), write=False) as ctx:
        first = list_for_user(ctx, limit=2)
        second = list_for_user(ctx, limit=2, cursor=first["next_cursor"])
        third = list_for_user(ctx, limit=2, cursor=second["next_cursor"])
    seen = [n["id"] for page in (first, second, third) for n in page["notifications"]]
    assert seen == list(reversed(mine))
    assert third["next_cursor"] is None
    with platform.context(tenant, _as(li), write=False) as ctx:
        assert [n["title"] for n in list_for_user(ctx)["notifications"]] == ["Li's own"]
        assert unread_count(ctx) == 1


def test_unread_count_and_mark_read_one_then_all_only_touch_the_readers_rows(
    platform: Platform, tenant: TenantInfo, people: dict[str, dict[str, Any]]
) -> None:
    wang, li = people["wang"], people["li"]
    a, b, c = (_notify(platform, tenant, [wang["id"]], t)[0] for t in ("a", "b", "c"))
    [lis] = _notify(platform, tenant, [li["id"]], "li")
    with platform.context(tenant, _as(wang)) as ctx:
        assert unread_count(ctx) == 3
        assert mark_read(ctx, [b, lis]) == 1  # Li's id is not Wang's to mark
        assert mark_read(ctx, [b]) == 0  # already read
        assert unread_count(ctx) == 2
        unread = list_for_user(ctx, unread_only=True)["notifications"]
        assert [n["id"] for n in unread] == [c, a]
        assert mark_read(ctx, "all") == 2
        assert unread_count(ctx) == 0
        assert all(n["read_at"] for n in list_for_user(ctx)["notifications"])
    with platform.context(tenant, _as(li), write=False) as ctx:
        assert unread_count(ctx) == 1
    with platform.context(tenant, SYSTEM, write=False) as ctx, pytest.raises(Exception) as exc:
        unread_count(ctx)  # a system actor has no inbox
    assert type(exc.value).__name__ == "Forbidden"


def test_a_dedupe_key_notifies_each_user_once(
    platform: Platform, tenant: TenantInfo, people: dict[str, dict[str, Any]]
) -> None:
    wang, li = people["wang"]["id"], people["li"]["id"]
    first = _notify(platform, tenant, [wang], "审批待办", dedupe_key="approval:42:step:1")
    again = _notify(platform, tenant, [wang, li], "审批待办", dedupe_key="approval:42:step:1")
    other = _notify(platform, tenant, [wang], "审批待办", dedupe_key="approval:42:step:2")
    assert len(first) == 1 and len(again) == 1 and len(other) == 1
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        t = notification_table
        counts = dict(
            conn.execute(sa.select(t.c.user_id, sa.func.count()).group_by(t.c.user_id)).all()
        )
    assert counts == {wang: 2, li: 1}


def test_unread_count_is_one_query(
    platform: Platform, tenant: TenantInfo, people: dict[str, dict[str, Any]]
) -> None:
    wang = people["wang"]
    for n in range(3):
        _notify(platform, tenant, [wang["id"]], f"n{n}")
    with platform.context(tenant, _as(wang), write=False) as ctx:
        seen: list[str] = []
        listen = lambda *args: seen.append(args[2])  # noqa: E731
        sa.event.listen(ctx.conn, "before_cursor_execute", listen)
        assert unread_count(ctx) == 3
        sa.event.remove(ctx.conn, "before_cursor_execute", listen)
    statements = seen
    assert len(statements) == 1, statements
    assert "keyi_notification" in statements[0] and "count" in statements[0].lower()


# ------------------------------------------------------------------ email
def test_email_copies_go_through_a_real_smtp_server_in_each_users_language(
    mailing: Platform,
    tenant: TenantInfo,
    people: dict[str, dict[str, Any]],
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    wang, li, zhao = people["wang"], people["li"], people["zhao"]
    with mailing.context(tenant, _as(zhao)) as ctx:
        set_preferences(ctx, email=False)  # Zhao reads the bell only
    record_id = str(uuid.uuid4())
    ids = _notify(
        mailing,
        tenant,
        [wang["id"], li["id"], zhao["id"]],
        "商机「华东」已赢单",
        body="<b>金额</b> ¥1,200,000",
        link=RecordLink("opportunity", record_id),
        source="flow",
        dedupe_key="won:1",
    )
    assert len(ids) == 3
    assert len(_email_jobs(mailing, tenant)) == 2  # not Zhao's
    assert _messages(maildir) == []  # nothing is sent before the worker runs

    worker = Worker(mailing, tenants=[tenant.name], rng=random.Random(3))
    outcomes = worker.run_until_idle()
    worker.stop()
    assert sorted(o.status for o in outcomes if o.kind == EMAIL_JOB) == [DONE, DONE]
    received = {m["To"]: m for m in _messages(maildir)}
    assert set(received) == {wang["email"], li["email"]}

    chinese = received[wang["email"]]
    assert str(make_header(decode_header(chinese["Subject"]))) == "商机「华东」已赢单"
    text = _text(chinese)
    assert "<b>金额</b> ¥1,200,000" in text
    assert f"查看：https://crm.example.com/o/opportunity/{record_id}" in text
    html = next(p for p in chinese.walk() if p.get_content_type() == "text/html")
    assert "&lt;b&gt;金额&lt;/b&gt;" in html.get_payload(decode=True).decode()  # escaped
    english = received[li["email"]]
    assert f"Open: https://crm.example.com/o/opportunity/{record_id}" in _text(english)
    assert "turn them off in Keyi CRM's notifications" in _text(english)
    assert chinese["Message-ID"] != english["Message-ID"]

    # Sent marker: the job run again (as after a worker died before its commit was seen)
    # sends nothing more; the in-app rows carry it.
    job = next(j for j in _email_jobs(mailing, tenant) if j.payload["notification_id"] == ids[0])
    with mailing.context(tenant, Actor.system(f"job:{EMAIL_JOB}")) as ctx:
        send_notification_email(ctx, ClaimedJob(str(job.id), EMAIL_JOB, job.payload, 2, 8))
    assert len(_messages(maildir)) == 2
    # A retried cause does not mail twice either.
    assert _notify(mailing, tenant, [wang["id"]], "商机「华东」已赢单", dedupe_key="won:1") == []
    assert len(_email_jobs(mailing, tenant)) == 2


def test_an_unreachable_relay_makes_the_job_retry_until_it_is_delivered_once(
    mailing: Platform,
    tenant: TenantInfo,
    people: dict[str, dict[str, Any]],
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    li = people["li"]
    # The relay moved: this installation points at a port nobody listens on.
    broken = Platform(replace(mailing.settings, smtp_port=_closed_port()))
    try:
        [nid] = _notify(broken, tenant, [li["id"]], "Quote approved", link="/setup/jobs")
        clock = Clock()
        worker = Worker(broken, tenants=[tenant.name], clock=clock, rng=random.Random(1))
        assert [o.status for o in worker.run_until_idle()] == [PENDING]
        worker.stop()
    finally:
        broken.dispose()
    [job] = _email_jobs(mailing, tenant)
    assert job.status == PENDING and "ConnectionRefusedError" in (job.last_error or "")
    assert _messages(maildir) == []
    with mailing.db.tenant_transaction(tenant.location, write=False) as conn:
        t = notification_table
        assert conn.execute(sa.select(t.c.emailed_at).where(t.c.id == nid)).scalar() is None

    # The relay is back (the configured one): the next attempt delivers, once.
    clock.advance(hours=2)
    worker = Worker(mailing, tenants=[tenant.name], clock=clock, rng=random.Random(1))
    assert [o.status for o in worker.run_until_idle()] == [DONE]
    worker.stop()
    [message] = _messages(maildir)
    assert message["To"] == li["email"]
    assert message["Message-ID"] == f"<notification.{nid}@example.com>"
    assert "https://crm.example.com/setup/jobs" in _text(message)


def _closed_port() -> int:
    """A local port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ HTTP
@pytest.fixture
def http(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform.settings, platform)) as client:
        yield client


def test_the_api_lists_counts_and_marks_only_the_callers_notifications(
    platform: Platform,
    tenant: TenantInfo,
    people: dict[str, dict[str, Any]],
    http: TestClient,
) -> None:
    wang, li = people["wang"], people["li"]
    first = _notify(platform, tenant, [wang["id"]], "一", link="/o/account")[0]
    second = _notify(platform, tenant, [wang["id"]], "二")[0]
    [lis] = _notify(platform, tenant, [li["id"]], "Li only")

    login(http, li["email"], tenant=tenant.name)
    assert http.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    # Li cannot mark Wang's notification read: ignored, Wang's count is untouched.
    response = http.post("/api/v1/notifications/read", json={"ids": [first, second]})
    assert response.status_code == 200, response.text
    assert response.json() == {"marked": 0, "unread": 1}
    page = http.get("/api/v1/notifications").json()
    assert [n["id"] for n in page["notifications"]] == [lis]

    login(http, wang["email"], tenant=tenant.name)
    assert http.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    page = http.get("/api/v1/notifications", params={"limit": 1}).json()
    assert [n["id"] for n in page["notifications"]] == [second]
    assert page["unread"] == 2 and page["next_cursor"] == second
    rest = http.get("/api/v1/notifications", params={"cursor": page["next_cursor"]}).json()
    assert [n["id"] for n in rest["notifications"]] == [first]
    assert rest["notifications"][0]["link"] == {"path": "/o/account"}

    marked = http.post("/api/v1/notifications/read", json={"ids": [first]}).json()
    assert marked == {"marked": 1, "unread": 1}
    unread = http.get("/api/v1/notifications", params={"unread": "true"}).json()
    assert [n["id"] for n in unread["notifications"]] == [second]
    assert http.post("/api/v1/notifications/read", json={"all": True}).json() == {
        "marked": 1,
        "unread": 0,
    }
    login(http, li["email"], tenant=tenant.name)
    assert http.get("/api/v1/notifications/unread-count").json() == {"unread": 1}


def test_the_api_refuses_bad_input_with_field_errors(
    tenant: TenantInfo, people: dict[str, dict[str, Any]], http: TestClient
) -> None:
    login(http, people["wang"]["email"], tenant=tenant.name)
    for body, field in (
        ({}, "ids"),
        ({"ids": ["x"]}, "ids.0"),
        ({"ids": [], "all": True}, "ids"),
        ({"all": "yes"}, "all"),
        ({"ids": [str(uuid.uuid4())], "extra": 1}, "extra"),
    ):
        response = http.post("/api/v1/notifications/read", json=body)
        assert response.status_code == 422, (body, response.text)
        fields = [e["field"] for e in response.json()["errors"]]
        assert field in fields, (body, fields)
    response = http.get("/api/v1/notifications", params={"cursor": "nope"})
    assert response.status_code == 422
    assert http.get("/api/v1/notifications", params={"limit": 0}).status_code == 422
    http.headers.pop("Authorization")
    assert http.get("/api/v1/notifications/unread-count").status_code == 401


def test_email_preference_over_http(
    tenant: TenantInfo, people: dict[str, dict[str, Any]], http: TestClient
) -> None:
    login(http, people["zhao"]["email"], tenant=tenant.name)
    # This installation has no SMTP relay: the web app hides the switch.
    assert http.get("/api/v1/notifications/preferences").json() == {
        "email": True,
        "email_available": False,
    }
    response = http.put("/api/v1/notifications/preferences", json={"email": False})
    assert response.json() == {"email": False, "email_available": False}
    assert http.get("/api/v1/notifications/preferences").json()["email"] is False
    assert http.put("/api/v1/notifications/preferences", json={}).status_code == 422


def test_the_polled_count_costs_one_notification_query_per_request(
    platform: Platform,
    tenant: TenantInfo,
    people: dict[str, dict[str, Any]],
    http: TestClient,
) -> None:
    wang = people["wang"]
    _notify(platform, tenant, [wang["id"]], "polled")
    login(http, wang["email"], tenant=tenant.name)
    with statements_of(platform, tenant) as statements:
        assert http.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    touching = [s for s in statements if "keyi_notification" in s]
    assert len(touching) == 1, statements
    # Beside it only what every authenticated request runs (metadata state, the caller).
    assert len(statements) <= 4, statements
