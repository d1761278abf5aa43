"""The customer portal end to end, through HTTP: an invitation mailed by a real SMTP server,
accepted with a password; a case opened in the portal (SLA, queue assignment, channel portal);
the agent's public reply shown and the internal note never; the customer's reply waking the
case; company access on and off; the sign-in link; lock-out; disabling."""

from __future__ import annotations

import mailbox
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.service.portal_routes import LINKS_PER_EMAIL
from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.portal.tables import token_table
from keyi.platform.tenancy import Platform
from tests.integration.service_helpers import add_to_queue, make_queue, me, reply, with_smtp
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.packages("core", "sales", "l2c", "service")
R = "/api/v1/records"
PASSWORD = "Blue-harbour-lantern-42"


@pytest.fixture
def mailing(platform: Platform, smtp_server: tuple[int, Path]) -> Iterator[Platform]:  # noqa: F811
    """The same databases, as an installation with an SMTP relay (the test's real server)."""
    with with_smtp(platform, smtp_server[0]) as configured:
        yield configured


def run_jobs(platform: Platform, tenant: TenantInfo) -> list[str]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(5))
    try:
        return [o.kind for o in worker.run_until_idle()]
    finally:
        worker.stop()


def mails(maildir: Path) -> list[Any]:
    if not maildir.exists():
        return []
    return sorted(mailbox.Maildir(str(maildir), create=False), key=lambda m: m["Date"] or "")


def text_of(message: Any) -> str:
    body = message.get_payload(decode=True)
    if body is None:
        body = next(
            p.get_payload(decode=True)
            for p in message.walk()
            if p.get_content_type() == "text/plain"
        )
    return str(body.decode())


def link_in(message: Any, tenant: TenantInfo, kind: str) -> str:
    pattern = rf"https://crm\.example\.com/portal/{tenant.name}/{kind}/([A-Za-z0-9_-]+)"
    match = re.search(pattern, text_of(message))
    assert match, text_of(message)
    return match.group(1)


def browser(client: TestClient) -> TestClient:
    """A customer's browser: no internal session, its own address."""
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return TestClient(client.app, client=(address, 50000))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def code(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["code"])


def portal_user_of(client: TestClient, contact_id: str) -> dict[str, Any]:
    found = ok(
        client.post(
            f"{R}/portal_user/query",
            json={"filter": {"field": "contact", "op": "eq", "value": contact_id}},
        )
    )["records"]
    assert len(found) == 1, found
    return dict(found[0])


@pytest.fixture
def company(client: TestClient) -> dict[str, Any]:
    """An account with two contacts, a contact of another account, and a portal queue the
    administrator is the only member of."""
    account = ok(client.post(f"{R}/account", json={"name": "华东精密"}), 201)
    other = ok(client.post(f"{R}/account", json={"name": "西部重工"}), 201)
    zhang = ok(
        client.post(
            f"{R}/contact",
            json={"name": "张三", "email": "Zhang.San@example.com", "account": account["id"]},
        ),
        201,
    )
    li = ok(
        client.post(
            f"{R}/contact",
            json={"name": "李四", "email": "li.si@example.com", "account": account["id"]},
        ),
        201,
    )
    wang = ok(
        client.post(
            f"{R}/contact",
            json={"name": "王五", "email": "wang.wu@example.com", "account": other["id"]},
        ),
        201,
    )
    queue = make_queue(client, "门户队列")
    add_to_queue(client, queue["id"], me(client))
    settings = ok(
        client.put(
            "/api/v1/service/settings",
            json={"auto_close_days": 7, "reopen_days": 14, "portal_queue": queue["id"]},
        )
    )
    assert settings["portal_queue"] == queue["id"]
    # A PUT without the portal queue (an older client) keeps it.
    kept = ok(
        client.put("/api/v1/service/settings", json={"auto_close_days": 7, "reopen_days": 14})
    )
    assert kept["portal_queue"] == queue["id"]
    return {
        "account": account,
        "other": other,
        "zhang": zhang,
        "li": li,
        "wang": wang,
        "queue": queue,
    }


def invite_and_accept(
    client: TestClient,
    mailing: Platform,
    tenant: TenantInfo,
    maildir: Path,
    contact: dict[str, Any],
) -> tuple[TestClient, dict[str, Any]]:
    seen = {m["Message-ID"] for m in mails(maildir)}
    invited = ok(client.post(f"{R}/contact/{contact['id']}/invite_to_portal"))
    assert invited["status"] == "invited"
    assert "service.portal_invite" in run_jobs(mailing, tenant)
    [message] = [m for m in mails(maildir) if m["Message-ID"] not in seen]
    token = link_in(message, tenant, "invite")
    customer = browser(client)
    accepted = ok(
        customer.post(
            f"/api/v1/portal/{tenant.name}/invitations/accept",
            json={"token": token, "password": PASSWORD},
        )
    )
    return customer, accepted


def test_invite_accept_case_thread_reply_and_wake(
    client: TestClient,
    mailing: Platform,
    tenant: TenantInfo,
    company: dict[str, Any],
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    P = f"/api/v1/portal/{tenant.name}"
    zhang = company["zhang"]

    invited = ok(client.post(f"{R}/contact/{zhang['id']}/invite_to_portal"))
    user = portal_user_of(client, zhang["id"])
    assert invited["portal_user_id"] == user["id"]
    assert (user["status"], user["email"], user["name"]) == (
        "invited",
        "zhang.san@example.com",
        "张三",
    )
    assert user["invited_at"] and user["locale"] == "zh-CN"
    assert run_jobs(mailing, tenant) == ["service.portal_invite"]
    [message] = mails(maildir)
    assert message["To"] == "zhang.san@example.com"
    assert str(make_header(decode_header(message["Subject"]))).endswith("邀请您使用客户服务门户")
    token = link_in(message, tenant, "invite")

    customer = browser(client)
    # Not signed in yet: every private route says so.
    assert code(customer.get(f"{P}/me"), 401) == "unauthenticated"
    # An invited user has no password: the sign-in refuses like a wrong one.
    refused = customer.post(
        f"{P}/login", json={"email": "zhang.san@example.com", "password": PASSWORD}
    )
    assert code(refused, 401) == "bad_credentials"

    shown = ok(customer.get(f"{P}/invitations/{token}"))
    assert shown == {"email": "zhang.san@example.com", "name": "张三", "company": "华东精密"}
    weak = customer.post(f"{P}/invitations/accept", json={"token": token, "password": "zhangsan1"})
    assert weak.status_code == 422, weak.text
    assert [e["field"] for e in weak.json()["errors"]] == ["password"]
    assert portal_user_of(client, zhang["id"])["status"] == "invited"  # nothing changed

    session = ok(
        customer.post(f"{P}/invitations/accept", json={"token": token, "password": PASSWORD})
    )
    assert session["token"].startswith("kp_") and session["csrf_token"]
    assert session["me"]["contact"] == {"id": zhang["id"], "name": "张三"}
    assert session["me"]["account"] == {"id": company["account"]["id"], "name": "华东精密"}
    assert session["me"]["company_access"] is False
    assert session["me"]["tenant"]["name"] == tenant.name
    assert customer.cookies.get("keyi_portal") == session["token"]
    assert customer.cookies.get("keyi_portal_csrf") == session["csrf_token"]
    # Each cookie is scoped to this company's portal: the session to its API, the CSRF token to
    # its pages (a customer of two companies keeps two).
    paths = {c.name: c.path for c in customer.cookies.jar}
    assert paths == {
        "keyi_portal": f"/api/v1/portal/{tenant.name}",
        "keyi_portal_csrf": f"/portal/{tenant.name}",
    }
    stored = portal_user_of(client, zhang["id"])
    assert stored["status"] == "active" and stored["last_login_at"]
    # The invitation is used up.
    assert code(customer.get(f"{P}/invitations/{token}"), 410) == "link_used"
    again = browser(client).post(
        f"{P}/invitations/accept", json={"token": token, "password": PASSWORD}
    )
    assert code(again, 410) == "link_used"

    # A case from the portal: CSRF is required with the cookie.
    new_case = {
        "subject": "打印机卡纸",
        "description": "第三层纸盒卡纸",
        "type": "fault",
        "priority": "high",
    }
    assert code(customer.post(f"{P}/cases", json=new_case), 403) == "csrf"
    headers = {"x-csrf-token": session["csrf_token"]}
    case = ok(customer.post(f"{P}/cases", json=new_case, headers=headers), 201)
    assert case["subject"] == "打印机卡纸" and case["contact_name"] == "张三"
    assert (case["priority"], case["priority_label"], case["type_label"]) == (
        "high",
        "高",
        "故障报修",
    )
    assert case["can_reply"] is True and case["last_message_at"] is None
    internal = ok(client.get(f"{R}/case/{case['id']}"))
    assert internal["channel"] == "portal"
    assert internal["contact"] == zhang["id"] and internal["account"] == company["account"]["id"]
    assert internal["queue"] == company["queue"]["id"]
    assert internal["owner_id"] == me(client) and internal["status"] == "assigned"
    assert internal["first_response_due"] and internal["resolution_due"]
    assert internal["created_by"] is None
    created = ok(client.get("/api/v1/audit", params={"object": "case", "record_id": case["id"]}))
    assert {e["actor_name"] for e in created["entries"]} == {"张三（客户门户）"}

    # The agent answers in public and writes an internal note.
    ok(reply(client, case["id"], "请重启打印机后再试。"), 201)
    ok(reply(client, case["id"], "内部：可能是硒鼓问题 SECRET-NOTE", visibility="internal"), 201)
    ok(client.patch(f"{R}/case/{case['id']}", json={"status": "waiting_on_customer"}))

    thread = ok(customer.get(f"{P}/cases/{case['id']}/messages"))["records"]
    assert [m["body"] for m in thread] == ["请重启打印机后再试。"]
    assert thread[0]["from_customer"] is False and thread[0]["author"] == "管理员"
    listed = customer.get(f"{P}/cases", params={"status": "all"})
    detail = customer.get(f"{P}/cases/{case['id']}")
    for answer in (listed, detail, customer.get(f"{P}/cases/{case['id']}/messages")):
        assert "SECRET-NOTE" not in answer.text and "内部" not in answer.text
        assert "@" not in answer.text.replace("zhang.san@example.com", "")  # no agent address
    [row] = listed.json()["records"]
    assert row["waiting_on_you"] is True and row["status_label"] == "等待客户回复"
    assert row["last_message_at"] == thread[0]["created_at"]

    # The customer's reply wakes the case.
    answered = ok(
        customer.post(
            f"{P}/cases/{case['id']}/messages", json={"body": "重启后好了一点"}, headers=headers
        ),
        201,
    )
    assert answered["from_customer"] is True and answered["author"] == "张三"
    woken = ok(client.get(f"{R}/case/{case['id']}"))
    assert woken["status"] == "in_progress"
    messages = ok(
        client.post(
            f"{R}/case_message/query",
            json={"filter": {"field": "case", "op": "eq", "value": case["id"]}},
        )
    )["records"]
    mine = [m for m in messages if m["direction"] == "inbound"]
    assert [(m["channel"], m["visibility"], m["author_contact"]) for m in mine] == [
        ("portal", "public", zhang["id"])
    ]
    assert len(ok(customer.get(f"{P}/cases/{case['id']}/messages"))["records"]) == 2

    # Resolved, then closed: no more replies.
    ok(
        client.patch(
            f"{R}/case/{case['id']}", json={"status": "resolved", "resolution": "更换搓纸轮"}
        )
    )
    resolved = ok(customer.get(f"{P}/cases/{case['id']}"))
    assert resolved["resolution"] == "更换搓纸轮" and resolved["can_reply"] is True
    survey_token = str(resolved["survey_url"]).rpartition("/survey/")[2]
    survey = ok(customer.get(f"/api/v1/public/surveys/{survey_token}"))  # the contact's survey
    assert survey["subject"] == "打印机卡纸"
    ok(client.patch(f"{R}/case/{case['id']}", json={"status": "closed"}))
    closed = customer.post(
        f"{P}/cases/{case['id']}/messages", json={"body": "还在吗"}, headers=headers
    )
    assert code(closed, 409) == "case_closed"
    assert ok(customer.get(f"{P}/cases"))["records"] == []  # open only by default
    assert len(ok(customer.get(f"{P}/cases", params={"status": "closed"}))["records"]) == 1

    # Audit: the invitation and the sign-in.
    user = portal_user_of(client, zhang["id"])
    entries = ok(
        client.get("/api/v1/audit", params={"object": "portal_user", "record_id": user["id"]})
    )
    by_action = {e["action"]: e for e in entries["entries"]}
    assert by_action["portal.invite"]["actor_name"] == "管理员"
    assert by_action["portal.login"]["actor_name"] == "张三（客户门户）"

    # Sign out: the session is gone.
    assert customer.post(f"{P}/logout", headers=headers).status_code == 204
    customer.cookies.set("keyi_portal", session["token"])
    assert code(customer.get(f"{P}/me"), 401) == "unauthenticated"


def test_company_access_on_and_off(
    client: TestClient,
    mailing: Platform,
    tenant: TenantInfo,
    company: dict[str, Any],
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    P = f"/api/v1/portal/{tenant.name}"
    colleague = ok(
        client.post(
            f"{R}/case",
            json={
                "subject": "同事的工单",
                "contact": company["li"]["id"],
                "account": company["account"]["id"],
            },
        ),
        201,
    )
    foreign = ok(
        client.post(
            f"{R}/case",
            json={
                "subject": "别家工单",
                "contact": company["wang"]["id"],
                "account": company["other"]["id"],
            },
        ),
        201,
    )
    customer, session = invite_and_accept(client, mailing, tenant, maildir, company["zhang"])
    bearer = {"Authorization": f"Bearer {session['token']}"}
    customer.cookies.clear()
    assert ok(customer.get(f"{P}/cases", headers=bearer))["records"] == []
    assert (
        code(customer.get(f"{P}/cases", params={"scope": "company"}, headers=bearer), 403)
        == "forbidden"
    )
    for case_id in (colleague["id"], foreign["id"]):
        assert customer.get(f"{P}/cases/{case_id}", headers=bearer).status_code == 404
        assert customer.get(f"{P}/cases/{case_id}/messages", headers=bearer).status_code == 404

    user = portal_user_of(client, company["zhang"]["id"])
    ok(client.patch(f"{R}/portal_user/{user['id']}", json={"company_access": True}))
    assert ok(customer.get(f"{P}/me", headers=bearer))["company_access"] is True
    listed = ok(customer.get(f"{P}/cases", params={"scope": "company"}, headers=bearer))["records"]
    assert [(c["subject"], c["contact_name"]) for c in listed] == [("同事的工单", "李四")]
    assert (
        ok(customer.get(f"{P}/cases/{colleague['id']}", headers=bearer))["subject"] == "同事的工单"
    )
    assert ok(customer.get(f"{P}/cases", headers=bearer))["records"] == []  # "mine" stays mine
    # Another company's case stays out of reach, with company access too.
    assert customer.get(f"{P}/cases/{foreign['id']}", headers=bearer).status_code == 404
    written = customer.post(
        f"{P}/cases/{foreign['id']}/messages", json={"body": "x"}, headers=bearer
    )
    assert written.status_code == 404

    ok(client.patch(f"{R}/portal_user/{user['id']}", json={"company_access": False}))
    assert customer.get(f"{P}/cases/{colleague['id']}", headers=bearer).status_code == 404


def test_login_link_lock_out_and_disabling(
    client: TestClient,
    mailing: Platform,
    platform: Platform,
    tenant: TenantInfo,
    company: dict[str, Any],
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    P = f"/api/v1/portal/{tenant.name}"
    customer, session = invite_and_accept(client, mailing, tenant, maildir, company["zhang"])
    seen = {m["Message-ID"] for m in mails(maildir)}

    # A sign-in link: 202 whoever asks; mailed only to an active portal user.
    stranger = browser(client)
    assert ok(stranger.post(f"{P}/login-link", json={"email": "nobody@example.com"}), 202) == {}
    assert ok(stranger.post(f"{P}/login-link", json={"email": "Zhang.San@example.com"}), 202) == {}
    assert run_jobs(mailing, tenant) == ["service.portal_login_link"]
    [message] = [m for m in mails(maildir) if m["Message-ID"] not in seen]
    token = link_in(message, tenant, "link")
    assert (
        code(stranger.post(f"{P}/login-link/redeem", json={"token": "nope"}), 404) == "link_invalid"
    )
    signed = ok(stranger.post(f"{P}/login-link/redeem", json={"token": token}))
    assert signed["me"]["email"] == "zhang.san@example.com"
    assert code(stranger.post(f"{P}/login-link/redeem", json={"token": token}), 410) == "link_used"
    # A link's fifteen minutes passed: expired.
    seen = {m["Message-ID"] for m in mails(maildir)}
    ok(stranger.post(f"{P}/login-link", json={"email": "zhang.san@example.com"}), 202)
    run_jobs(mailing, tenant)
    [fresh] = [m for m in mails(maildir) if m["Message-ID"] not in seen]
    late = link_in(fresh, tenant, "link")
    with platform.context(tenant, Actor.system("test")) as ctx:
        ctx.conn.execute(
            sa.update(token_table)
            .where(token_table.c.used_at.is_(None), token_table.c.purpose == "login")
            .values(expires_at=ctx.now() - timedelta(seconds=1))
        )
    assert (
        code(stranger.post(f"{P}/login-link/redeem", json={"token": late}), 410) == "link_expired"
    )
    # An invitation token is no sign-in link, nor the other way round.
    assert code(stranger.get(f"{P}/invitations/{late}"), 404) == "link_invalid"

    # Sign-in links per email address are limited (a mailbox is not flooded), quietly so for
    # unknown addresses too: the limit does not tell which addresses exist.
    flood = browser(client)
    answers = [
        flood.post(f"{P}/login-link", json={"email": "ghost@example.com"}).status_code
        for _ in range(LINKS_PER_EMAIL + 1)
    ]
    assert answers == [202] * LINKS_PER_EMAIL + [429]

    # Lock-out: five wrong passwords, then even the right one is refused for a while.
    guesser = browser(client)
    for _ in range(4):
        wrong = guesser.post(
            f"{P}/login", json={"email": "zhang.san@example.com", "password": "nope-nope-nope"}
        )
        assert code(wrong, 401) == "bad_credentials"
    fifth = guesser.post(
        f"{P}/login", json={"email": "zhang.san@example.com", "password": "nope-nope-nope"}
    )
    assert code(fifth, 429) == "locked"
    right = guesser.post(
        f"{P}/login", json={"email": "zhang.san@example.com", "password": PASSWORD}
    )
    assert code(right, 429) == "locked"
    # Unknown addresses answer like wrong passwords.
    unknown = guesser.post(f"{P}/login", json={"email": "ghost@example.com", "password": PASSWORD})
    assert code(unknown, 401) == "bad_credentials"

    # Disabling ends every session at once (cookie and bearer alike).
    headers = {"Authorization": f"Bearer {signed['token']}"}
    assert ok(stranger.get(f"{P}/me", headers=headers))["name"] == "张三"
    user = portal_user_of(client, company["zhang"]["id"])
    assert ok(client.post(f"{R}/portal_user/{user['id']}/disable"))["status"] == "disabled"
    assert code(stranger.get(f"{P}/me", headers=headers), 401) == "unauthenticated"
    assert code(customer.get(f"{P}/me"), 401) == "unauthenticated"
    # Enabling does not bring old sessions back.
    assert ok(client.post(f"{R}/portal_user/{user['id']}/enable"))["status"] == "active"
    assert code(stranger.get(f"{P}/me", headers=headers), 401) == "unauthenticated"
    assert session["token"] != signed["token"]


def test_password_change_ends_other_sessions_and_locale(
    client: TestClient,
    mailing: Platform,
    tenant: TenantInfo,
    company: dict[str, Any],
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    P = f"/api/v1/portal/{tenant.name}"
    customer, first = invite_and_accept(client, mailing, tenant, maildir, company["zhang"])
    other = browser(client)
    second = ok(
        other.post(f"{P}/login", json={"email": "zhang.san@example.com", "password": PASSWORD})
    )
    headers = {"x-csrf-token": first["csrf_token"]}
    wrong = customer.post(
        f"{P}/me/password",
        json={"current_password": "not-it-at-all", "new_password": "Silver-orchard-drum-77"},
        headers=headers,
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    changed = customer.post(
        f"{P}/me/password",
        json={"current_password": PASSWORD, "new_password": "Silver-orchard-drum-77"},
        headers=headers,
    )
    assert changed.status_code == 204, changed.text
    assert ok(customer.get(f"{P}/me"))["name"] == "张三"  # this session goes on
    assert code(other.get(f"{P}/me", headers={"Authorization": f"Bearer {second['token']}"}), 401)
    english = ok(customer.patch(f"{P}/me", json={"locale": "en"}, headers=headers))
    assert english["locale"] == "en"
    for body, field in (
        ({"subject": "Paper jam", "type": "no_such_type"}, "type"),
        ({"subject": "Paper jam", "priority": "urgent"}, "priority"),  # not the customer's
        ({"subject": " "}, "subject"),
        ({"subject": "x" * 301}, "subject"),
        ({"subject": "Paper jam", "owner_id": me(client)}, "owner_id"),
    ):
        bad = customer.post(f"{P}/cases", json=body, headers=headers)
        assert bad.status_code == 422, bad.text
        assert [e["field"] for e in bad.json()["errors"]] == [field], bad.text
    assert ok(customer.get(f"{P}/cases"))["records"] == []  # nothing was made
    case = ok(customer.post(f"{P}/cases", json={"subject": "Paper jam"}, headers=headers), 201)
    assert (case["status_label"], case["priority"], case["priority_label"]) == (
        "Assigned",
        "medium",
        "Medium",
    )


def test_case_list_reads_the_contact_activity_index(platform: Platform, tenant: TenantInfo) -> None:
    """A portal user's case list is one range scan of (contact, updated_at, id), the index the
    package makes on install: no sort of all the contact's cases."""
    from keyi.packages.service.portal_data import LIST_INDEX, ensure_list_index, list_cases
    from keyi.packages.service.portal_users import PortalPerson

    with platform.context(tenant, Actor.system("test")) as ctx:
        indexes = {i["name"]: i for i in sa.inspect(ctx.conn).get_indexes("case")}
        assert indexes[LIST_INDEX]["column_names"] == ["contact", "updated_at", "id"]
        assert ensure_list_index(ctx) is False  # made once
        contact = "00000000-0000-7000-8000-000000000001"
        me = PortalPerson(contact, "x", "x@example.com", "en", False, contact, "x", None, None)
        seen: list[tuple[str, Any]] = []

        def grab(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            seen.append((statement, params))

        sa.event.listen(ctx.conn, "before_cursor_execute", grab)
        try:
            list_cases(ctx, me, status="all")
        finally:
            sa.event.remove(ctx.conn, "before_cursor_execute", grab)
        [(statement, params)] = [(s, p) for s, p in seen if 'FROM "case"' in s]
        if ctx.conn.dialect.name == "sqlite":
            plan = str(ctx.conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all())
        else:  # a near-empty table is read whole; with 1M cases the planner takes the index
            ctx.conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = str(ctx.conn.exec_driver_sql("EXPLAIN " + statement, params).all())
        assert LIST_INDEX in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
