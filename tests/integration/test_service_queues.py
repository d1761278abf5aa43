"""Queues over HTTP: assignment (round robin, least open, skills, caps, unavailable members,
manual queues), access of queue members and others, take / assign and their bulk forms, and
the conversation's hooks."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import add_member, rights
from tests.integration.l2c_helpers import conflict, created, ok, refused
from tests.integration.service_helpers import (
    SERVICE,
    R,
    S,
    action,
    add_to_queue,
    get_case,
    make_case,
    make_queue,
    me,
    reply,
    set_status,
)

pytestmark = pytest.mark.packages(*SERVICE)
AGENT_RIGHTS = {
    "case": rights("own"),
    "case_message": rights("own"),
    "queue": {"read": True},
    "queue_member": {"read": True},
    "account": {"read": True},
}


def agents(platform: Platform, tenant: TenantInfo, *names: str) -> dict[str, str]:
    """Users with an agent's role (own cases only), by name → id."""
    found = {}
    for i, name in enumerate(names):
        user = add_member(
            platform, tenant, f"{name}@example.com", AGENT_RIGHTS, name=name, role=f"坐席{i}"
        )
        found[name] = str(user["id"])
    return found


def owners(client: TestClient, queue_id: str, n: int, **values: Any) -> list[str]:
    return [str(make_case(client, queue=queue_id, **values)["owner_id"]) for _ in range(n)]


def test_round_robin_rotates_longest_waiting_first(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a", "b", "c")
    queue = make_queue(client, "售后服务")
    for name in ("a", "b", "c"):
        add_to_queue(client, queue["id"], users[name])
    got = owners(client, queue["id"], 6)
    # Never-assigned members first (in member order), then whoever waited longest.
    assert got == [users["a"], users["b"], users["c"]] * 2
    case = get_case(client, make_case(client, queue=queue["id"])["id"])
    assert case["status"] == "assigned"


def test_least_open_and_caps_and_unavailable(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a", "b", "c")
    queue = make_queue(client, "技术支持", "least_open")
    add_to_queue(client, queue["id"], users["a"])
    add_to_queue(client, queue["id"], users["b"], max_open_cases=1)
    away = add_to_queue(client, queue["id"], users["c"], available=False)
    # a already has two open cases of their own; b has none.
    for _ in range(2):
        make_case(client, owner_id=users["a"])
    assert owners(client, queue["id"], 1) == [users["b"]]
    # b is at the cap now: a gets the next ones, c is away.
    assert owners(client, queue["id"], 2) == [users["a"], users["a"]]
    # A resolved case no longer counts as open: b is free again.
    mine = make_case(client, owner_id=users["b"], status="in_progress")
    assert owners(client, queue["id"], 1) == [users["a"]]
    b_case = next(c for c in _cases(client) if c["owner_id"] == users["b"] and c["queue"])
    ok(set_status(client, b_case["id"], "resolved", resolution="ok"))
    ok(set_status(client, mine["id"], "resolved", resolution="ok"))
    assert owners(client, queue["id"], 1) == [users["b"]]
    # c back: fewest open cases wins.
    ok(client.patch(f"{R}/queue_member/{away['id']}", json={"available": True}))
    assert owners(client, queue["id"], 1) == [users["c"]]


def _cases(client: TestClient) -> list[dict[str, Any]]:
    return list(ok(client.post(f"{R}/case/query", json={"limit": 500}))["records"])


def test_nobody_free_or_manual_leaves_the_case_with_the_queue_owner(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a")
    admin = me(client)
    full = make_queue(client, "满员")
    add_to_queue(client, full["id"], users["a"], max_open_cases=1)
    assert owners(client, full["id"], 2) == [users["a"], admin]
    manual = make_queue(client, "手动", "manual")
    add_to_queue(client, manual["id"], users["a"])
    case = make_case(client, queue=manual["id"])
    assert case["owner_id"] == admin and case["status"] == "new"
    # An explicit owner is kept.
    assert make_case(client, queue=full["id"], owner_id=admin)["owner_id"] == admin


def test_skills_first(client: TestClient, platform: Platform, tenant: TenantInfo) -> None:
    users = agents(platform, tenant, "a", "b")
    queue = make_queue(client, "技能", match_skills=True)
    add_to_queue(client, queue["id"], users["a"], skills=["inquiry"])
    add_to_queue(client, queue["id"], users["b"], skills=["fault", "installation"])
    assert owners(client, queue["id"], 3, type="fault") == [users["b"]] * 3
    assert owners(client, queue["id"], 1, type="inquiry") == [users["a"]]
    # Nobody with the skill: anyone free, longest waiting first.
    assert owners(client, queue["id"], 2, type="complaint") == [users["b"], users["a"]]


def test_moving_to_a_queue_assigns_and_moves_access(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a", "b")
    first = make_queue(client, "一线", "manual")
    second = make_queue(client, "二线")
    add_to_queue(client, first["id"], users["a"])
    add_to_queue(client, second["id"], users["b"])
    case = make_case(client, queue=first["id"])
    moved = ok(client.patch(f"{R}/case/{case['id']}", json={"queue": second["id"]}))
    assert moved["owner_id"] == users["b"] and moved["status"] == "assigned"
    login(client, "a@example.com", ADMIN_PASSWORD, tenant.name)
    assert client.get(f"{R}/case/{case['id']}").status_code == 404


def test_members_see_and_take_their_queue_cases_others_do_not(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a", "b", "outsider")
    queue = make_queue(client, "手动队列", "manual")
    add_to_queue(client, queue["id"], users["a"])
    add_to_queue(client, queue["id"], users["b"])
    cases = [make_case(client, queue=queue["id"], subject=f"工单{i}") for i in range(3)]
    admin_email = admin_email_of(platform, tenant)

    login(client, "outsider@example.com", ADMIN_PASSWORD, tenant.name)
    assert client.get(f"{R}/case/{cases[0]['id']}").status_code == 404
    assert action(client, cases[0]["id"], "take").status_code == 404
    assert (
        ok(client.get(f"{S}/console", params={"view": "queue", "queue": queue["id"]}))["records"]
        == []
    )

    login(client, "a@example.com", ADMIN_PASSWORD, tenant.name)
    page = ok(client.get(f"{S}/console", params={"view": "queue"}))
    assert {r["id"] for r in page["records"]} == {c["id"] for c in cases}
    taken = ok(action(client, cases[0]["id"], "take"))
    assert taken == {"id": cases[0]["id"], "status": "assigned", "owner_id": users["a"]}
    # Assign to a member: fine; to someone outside the queue: refused on `user`.
    assert ok(action(client, cases[1]["id"], "assign", user=users["b"]))["owner_id"] == users["b"]
    errors = refused(action(client, cases[2]["id"], "assign", user=users["outsider"]), "user")
    assert errors[0]["code"] == "not_queue_member"
    assert action(client, cases[2]["id"], "assign", user="nope").status_code == 422
    mine = ok(client.get(f"{S}/console", params={"view": "mine"}))
    assert [r["id"] for r in mine["records"]] == [cases[0]["id"]]

    # Removing a from the queue takes the queue's cases away (their own stays theirs).
    login(client, admin_email, ADMIN_PASSWORD, tenant.name)
    member = ok(
        client.post(
            f"{R}/queue_member/query",
            json={"filter": {"field": "user", "op": "eq", "value": users["a"]}},
        )
    )["records"][0]
    assert client.delete(f"{R}/queue_member/{member['id']}").status_code == 204
    login(client, "a@example.com", ADMIN_PASSWORD, tenant.name)
    assert client.get(f"{R}/case/{cases[2]['id']}").status_code == 404
    assert client.get(f"{R}/case/{cases[0]['id']}").status_code == 200
    # Administrators assign to anyone.
    login(client, admin_email, ADMIN_PASSWORD, tenant.name)
    done = ok(action(client, cases[2]["id"], "assign", user=users["outsider"]))
    assert done["owner_id"] == users["outsider"]


def test_bulk_take_reports_each_failure(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a", "outsider")
    queue = make_queue(client, "批量", "manual")
    other = make_queue(client, "别的队列", "manual")
    add_to_queue(client, queue["id"], users["a"])
    mine = [make_case(client, queue=queue["id"]) for _ in range(2)]
    closed = make_case(client, queue=queue["id"])
    ok(set_status(client, closed["id"], "resolved", resolution="done"))
    hidden = make_case(client, queue=other["id"])
    login(client, "a@example.com", ADMIN_PASSWORD, tenant.name)
    ids = [mine[0]["id"], closed["id"], hidden["id"], mine[1]["id"], "not-an-id"]
    result = ok(client.post(f"{R}/case/take_many", json={"ids": ids}))
    assert [d["id"] for d in result["done"]] == [mine[0]["id"], mine[1]["id"]]
    assert [(e["id"], e["status"], e["code"]) for e in result["errors"]] == [
        (closed["id"], 409, "case_not_open"),
        (hidden["id"], 404, "record_not_found"),
        ("not-an-id", 404, "record_not_found"),
    ]
    assert all(get_case(client, c["id"])["owner_id"] == users["a"] for c in mine)
    result = ok(
        client.post(
            f"{R}/case/assign_many",
            json={"ids": [mine[0]["id"]], "user": users["outsider"]},
        )
    )
    assert result["done"] == [] and result["errors"][0]["fields"] == ["user"]
    for body in ({"ids": []}, {"ids": ["x"] * 201}, {}, {"ids": [1]}):
        assert client.post(f"{R}/case/take_many", json=body).status_code == 422, body


def test_conversation_hooks(client: TestClient, platform: Platform, tenant: TenantInfo) -> None:
    case = make_case(client, status="in_progress")
    note = created(reply(client, case["id"], "客户说  打印机\n一直卡纸", "internal"))
    assert note["summary"] == "客户说 打印机 一直卡纸" and note["direction"] == "outbound"
    assert get_case(client, case["id"])["first_responded_at"] is None
    first = created(reply(client, case["id"], "您好，请先重启打印机。"))
    stamped = get_case(client, case["id"])["first_responded_at"]
    assert stamped is not None
    created(reply(client, case["id"], "还有问题吗？"))
    assert get_case(client, case["id"])["first_responded_at"] == stamped
    # Messages are read-only once written (administrators may still correct them).
    agents(platform, tenant, "a")
    ok(client.patch(f"{R}/case/{case['id']}", json={"owner_id": me(client)}))
    long = created(reply(client, case["id"], "长" * 500, "internal"))
    assert len(long["summary"]) == 200
    ok(client.patch(f"{R}/case_message/{first['id']}", json={"body": "您好，请重启。"}))

    # The customer's message: public always; wakes a case waiting on them.
    ok(set_status(client, case["id"], "waiting_on_customer"))
    inbound = created(
        client.post(
            f"{R}/case_message",
            json={"case": case["id"], "body": "重启了还是不行", "direction": "inbound",
                  "visibility": "internal"},
        )
    )  # fmt: skip
    assert inbound["visibility"] == "public"
    assert get_case(client, case["id"])["status"] == "in_progress"
    ok(set_status(client, case["id"], "resolved", resolution="上门更换"))
    created(
        client.post(
            f"{R}/case_message",
            json={"case": case["id"], "body": "又坏了", "direction": "inbound"},
        )
    )
    again = get_case(client, case["id"])
    assert again["status"] == "in_progress" and again["reopen_count"] == 1
    thread = ok(client.get(f"{S}/cases/{case['id']}/messages"))["records"]
    assert [m["direction"] for m in thread] == ["outbound"] * 4 + ["inbound"] * 2
    for body in ({"body": "", "visibility": "public"}, {"body": "x", "visibility": "secret"},
                 {"body": "x"}):  # fmt: skip
        response = reply_raw(client, case["id"], body)
        assert response.status_code == 422, body


def reply_raw(client: TestClient, case_id: str, body: dict[str, Any]) -> Any:
    return client.post(f"{S}/cases/{case_id}/messages", json=body)


def test_messages_are_read_only_for_agents(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a")
    case = make_case(client, owner_id=users["a"])
    customer = created(
        client.post(
            f"{R}/case_message",
            json={"case": case["id"], "body": "设备无法开机", "direction": "inbound"},
        )
    )
    login(client, "a@example.com", ADMIN_PASSWORD, tenant.name)
    message = created(reply(client, case["id"], "已收到"))
    # The agent reads the whole thread of their case: a message is readable wherever its case
    # is (master-detail), whoever wrote it.
    thread = ok(client.get(f"{S}/cases/{case['id']}/messages"))["records"]
    assert [m["id"] for m in thread] == [customer["id"], message["id"]]
    assert ok(client.get(f"{R}/case_message/{customer['id']}"))["id"] == customer["id"]
    response = client.patch(f"{R}/case_message/{message['id']}", json={"body": "改"})
    conflict(response, "case_message_locked")


def test_routes_answer_404_for_ids_that_are_no_case(client: TestClient) -> None:
    for case_id in ("not-an-id", "01a24efb-314a-7741-9a31-2cb9a36eebe5"):
        assert client.get(f"{S}/cases/{case_id}/messages").status_code == 404
        assert reply(client, case_id, "x").status_code == 404
    response = client.get(f"{S}/console", params={"view": "queue", "queue": "x"})
    assert refused(response, "queue")
    assert refused(client.get(f"{S}/console", params={"status": "nope"}), "status")


def _owner_changes(client: TestClient, case_id: str) -> list[tuple[Any, Any]]:
    """(who, new owner) of each history entry that changed the owner, oldest first."""
    entries = ok(client.get(f"{R}/case/{case_id}/history"))["entries"]
    return [
        (e["by"], c["new"])
        for e in reversed(entries)
        for c in e["changes"]
        if c["field"] == "owner_id"
    ]


def test_take_and_assign_write_as_the_caller_with_their_checks(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    users = agents(platform, tenant, "a", "b")
    # A supervisor who reads every case but edits only their own, outside the queue.
    supervisor = str(
        add_member(
            platform,
            tenant,
            "sup@example.com",
            {**AGENT_RIGHTS, "case": {**rights(), "read_scope": "all", "edit_scope": "own"}},
            name="主管",
            role="主管",
        )["id"]
    )
    add_member(
        platform,
        tenant,
        "view@example.com",
        {**AGENT_RIGHTS, "case": {"read": True, "read_scope": "all"}},
        name="只读",
        role="只读",
    )
    queue = make_queue(client, "手动", "manual")
    add_to_queue(client, queue["id"], users["a"])
    add_to_queue(client, queue["id"], users["b"])
    cases = [make_case(client, queue=queue["id"], subject=f"工单{i}") for i in range(3)]

    login(client, "a@example.com", ADMIN_PASSWORD, tenant.name)
    ok(action(client, cases[0]["id"], "take"))
    ok(action(client, cases[1]["id"], "assign", user=users["b"]))
    # History names the agent who took and who handed over (not a system actor).
    assert _owner_changes(client, cases[0]["id"])[-1] == (users["a"], users["a"])
    assert _owner_changes(client, cases[1]["id"])[-1] == (users["a"], users["b"])

    # Reading is enough to take a case; assigning someone else's needs edit access to it.
    login(client, "sup@example.com", ADMIN_PASSWORD, tenant.name)
    taken = ok(action(client, cases[2]["id"], "take"))
    assert taken["owner_id"] == supervisor
    assert _owner_changes(client, cases[2]["id"])[-1] == (supervisor, supervisor)
    assert action(client, cases[1]["id"], "assign", user=users["a"]).status_code == 403
    # Their own case now: they may hand it to a queue member.
    assert ok(action(client, cases[2]["id"], "assign", user=users["a"]))["owner_id"] == users["a"]
    result = ok(
        client.post(f"{R}/case/assign_many", json={"ids": [cases[1]["id"]], "user": users["a"]})
    )
    assert [(e["id"], e["status"]) for e in result["errors"]] == [(cases[1]["id"], 403)]
    # Without the right to edit cases, no taking.
    login(client, "view@example.com", ADMIN_PASSWORD, tenant.name)
    assert client.get(f"{R}/case/{cases[0]['id']}").status_code == 200
    assert action(client, cases[0]["id"], "take").status_code == 403
    assert get_case(client, cases[0]["id"])["owner_id"] == users["a"]
