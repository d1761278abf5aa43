"""Approval processes (审批流): 会签 and 或签, lock, recall, delegate, reminders, outcomes."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker, utc_now
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login

LABELS = {"en": "Large deals", "zh-CN": "大额商机审批"}


class People:
    """Signed-in clients of the people in an approval: a rep, their manager, three approvers."""

    def __init__(self, app: Any, platform: Platform, tenant: TenantInfo) -> None:
        self.app, self.tenant = app, tenant
        suffix = tenant.name
        self.ids: dict[str, str] = {}
        for who, extra in (("boss", {"language": "en"}), ("a1", {}), ("a2", {}), ("a3", {})):
            self.ids[who] = add_user(
                platform,
                tenant,
                email=f"{who}-{suffix}@ap.example",
                name=who,
                password=ADMIN_PASSWORD,
                extra=extra,
            )["id"]
        self.ids["rep"] = add_user(
            platform,
            tenant,
            email=f"rep-{suffix}@ap.example",
            name="rep",
            password=ADMIN_PASSWORD,
            extra={"manager": self.ids["boss"]},
        )["id"]
        self._clients: dict[str, TestClient] = {}

    def __getitem__(self, who: str) -> TestClient:
        if who not in self._clients:
            client = TestClient(self.app)
            client.__enter__()
            login(client, f"{who}-{self.tenant.name}@ap.example", tenant=self.tenant.name)
            self._clients[who] = client
        return self._clients[who]

    def close(self) -> None:
        for client in self._clients.values():
            client.__exit__(None, None, None)


@pytest.fixture
def people(app: Any, platform: Platform, tenant: TenantInfo) -> Iterator[People]:
    found = People(app, platform, tenant)
    yield found
    found.close()


def _process(people: People, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "large_deals",
        "labels": LABELS,
        "object": "opportunity",
        "entry_condition": "amount >= 100000",
        "steps": [
            {
                "labels": {"en": "Manager", "zh-CN": "直属上级"},
                "approvers": [{"type": "manager"}],
                "mode": "any",
            },
            {
                "labels": {"en": "Finance", "zh-CN": "财务会签"},
                "approvers": [
                    {"type": "user", "user_id": people.ids["a1"]},
                    {"type": "user", "user_id": people.ids["a2"]},
                ],
                "mode": "all",
            },
        ],
        "on_approve": {"next_step": "'已审批'"},
        "on_reject": {"next_step": "'被驳回'"},
    }
    body.update(changes)
    return body


def _opportunity(client: TestClient, amount: str = "250000") -> dict[str, Any]:
    account = client.post("/api/v1/records/account", json={"name": "审批客户"}).json()
    response = client.post(
        "/api/v1/records/opportunity",
        json={
            "name": "大单",
            "account": account["id"],
            "close_date": "2026-12-31",
            "amount": amount,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _submit(client: TestClient, record: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/approvals",
        json={"object": "opportunity", "record_id": record["id"], "comment": "请批"},
    )


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_a_process_is_checked_before_it_is_saved(
    client: TestClient, people: People, platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, Actor.system("test")) as ctx:
        empty_role = RecordsService(ctx).create("role", {"name": "空角色"})["id"]
    body = _process(people, object="opportunity", entry_condition="amount >")
    body["steps"][1]["approvers"] = [
        {"type": "user", "user_id": str(uuid.uuid4())},
        {"type": "role", "role_id": empty_role},
        {"type": "team"},
    ]
    body["on_approve"] = {"no_such": "1"}
    assert _errors(client.post("/api/v1/approval-processes", json=body)) == {
        "entry_condition": "invalid_expression",
        "steps.1.approvers.0.user_id": "approval_nobody",
        "steps.1.approvers.1.role_id": "approval_nobody",
        "steps.1.approvers.2.team_id": "required",
        "on_approve.no_such": "field_not_found",
    }
    assert _errors(
        client.post("/api/v1/approval-processes", json=_process(people, object="nope"))
    ) == {"object": "object_not_found"}
    assert (
        client.post("/api/v1/approval-processes", json=_process(people, steps=[])).status_code
        == 422
    )
    assert client.get("/api/v1/approval-processes").json() == {"processes": []}
    assert (
        people["rep"].post("/api/v1/approval-processes", json=_process(people)).status_code == 403
    )


def test_all_must_approve_then_the_outcome_is_written_and_the_submitter_told(
    client: TestClient, people: People
) -> None:
    assert client.post("/api/v1/approval-processes", json=_process(people)).status_code == 201
    rep, boss, a1, a2 = people["rep"], people["boss"], people["a1"], people["a2"]
    deal = _opportunity(rep)
    submitted = _submit(rep, deal)
    assert submitted.status_code == 201, submitted.text
    approval = submitted.json()
    assert (approval["status"], approval["step"], approval["can_recall"]) == ("pending", 0, True)
    [task] = approval["steps"][0]["tasks"]
    assert task["approver_id"] == people.ids["boss"]
    assert boss.get("/api/v1/approvals/counts").json() == {"pending": 1}
    [waiting] = boss.get("/api/v1/approvals", params={"box": "pending"}).json()["approvals"]
    assert waiting["id"] == approval["id"] and waiting["can_act"] is True
    assert waiting["record_title"] == "大单"
    # Only a current approver may act.
    assert rep.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).status_code == 403
    assert a1.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).status_code == 403
    after_boss = boss.post(f"/api/v1/approvals/{approval['id']}/approve", json={"comment": "同意"})
    assert after_boss.status_code == 200 and after_boss.json()["step"] == 1
    assert boss.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).status_code == 409
    # 会签: both finance approvers.
    one = a1.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).json()
    assert (one["status"], one["step"]) == ("pending", 1)
    assert a1.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).status_code == 409
    done = a2.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).json()
    assert done["status"] == "approved" and done["finished_at"] is not None
    assert [s["state"] for s in done["steps"]] == ["done", "done"]
    assert [t["status"] for t in done["steps"][1]["tasks"]] == ["approved", "approved"]
    actions = [e["action"] for e in done["trail"]]
    assert actions == ["submitted", "approved", "approved", "approved", "finished:approved"]
    assert rep.get(f"/api/v1/records/opportunity/{deal['id']}").json()["next_step"] == "已审批"
    titles = [n["title"] for n in rep.get("/api/v1/notifications").json()["notifications"]]
    assert titles == ["审批已通过：大额商机审批 — 大单"]
    boss_titles = [n["title"] for n in boss.get("/api/v1/notifications").json()["notifications"]]
    assert boss_titles == ["Approval requested: Large deals — 大单"]
    assert [
        a["id"] for a in a2.get("/api/v1/approvals", params={"box": "done"}).json()["approvals"]
    ] == [approval["id"]]
    assert [
        a["id"]
        for a in rep.get("/api/v1/approvals", params={"box": "submitted"}).json()["approvals"]
    ] == [approval["id"]]
    trail = rep.get(f"/api/v1/records/opportunity/{deal['id']}/approvals").json()["approvals"]
    assert [a["status"] for a in trail] == ["approved"]


def test_any_one_rejects_the_record_is_locked_meanwhile_and_recall_unlocks_it(
    client: TestClient, people: People
) -> None:
    body = _process(people)
    body["steps"] = [body["steps"][1] | {"mode": "any"}]
    assert client.post("/api/v1/approval-processes", json=body).status_code == 201
    rep, a1, a2 = people["rep"], people["a1"], people["a2"]
    assert _errors(_submit(rep, _opportunity(rep, amount="5000"))) == {
        "object": "approval_no_process"
    }
    deal = _opportunity(rep)
    approval = _submit(rep, deal).json()
    assert _submit(rep, deal).status_code == 409  # already waiting
    locked = rep.patch(
        f"/api/v1/records/opportunity/{deal['id']}",
        json={"name": "改名"},
        headers={"If-Match": str(deal["version"])},
    )
    assert locked.status_code == 409, locked.text
    assert locked.json()["code"] == "record_in_approval"
    assert rep.delete(f"/api/v1/records/opportunity/{deal['id']}").status_code == 409
    # 或签: the first decision counts.
    rejected = a1.post(f"/api/v1/approvals/{approval['id']}/reject", json={"comment": "价格太低"})
    assert rejected.json()["status"] == "rejected"
    assert [t["status"] for t in rejected.json()["steps"][0]["tasks"]] == ["rejected", "cancelled"]
    assert a2.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).status_code == 409
    current = rep.get(f"/api/v1/records/opportunity/{deal['id']}").json()
    assert current["next_step"] == "被驳回"
    # Unlocked once decided; a new submission, recalled by its submitter only.
    again = _submit(rep, current).json()
    assert a1.post(f"/api/v1/approvals/{again['id']}/recall", json={}).status_code == 403
    recalled = rep.post(f"/api/v1/approvals/{again['id']}/recall", json={})
    assert recalled.json()["status"] == "recalled"
    assert rep.post(f"/api/v1/approvals/{again['id']}/recall", json={}).status_code == 409
    edited = rep.patch(
        f"/api/v1/records/opportunity/{deal['id']}",
        json={"name": "改名"},
        headers={"If-Match": str(current["version"])},
    )
    assert edited.status_code == 200, edited.text
    # An administrator may edit a locked record.
    third = _submit(rep, edited.json()).json()
    assert (
        client.patch(
            f"/api/v1/records/opportunity/{deal['id']}", json={"description": "管理员备注"}
        ).status_code
        == 200
    )
    assert third["status"] == "pending"


def test_delegation_hands_the_task_over(client: TestClient, people: People) -> None:
    assert client.post("/api/v1/approval-processes", json=_process(people)).status_code == 201
    rep, boss, a3 = people["rep"], people["boss"], people["a3"]
    approval = _submit(rep, _opportunity(rep)).json()
    bad = boss.post(
        f"/api/v1/approvals/{approval['id']}/delegate", json={"user_id": str(uuid.uuid4())}
    )
    assert _errors(bad) == {"user_id": "record_not_found"}
    handed = boss.post(
        f"/api/v1/approvals/{approval['id']}/delegate",
        json={"user_id": people.ids["a3"], "comment": "出差，请代批"},
    )
    assert handed.status_code == 200, handed.text
    assert [t["status"] for t in handed.json()["steps"][0]["tasks"]] == ["delegated", "pending"]
    assert boss.post(f"/api/v1/approvals/{approval['id']}/approve", json={}).status_code == 409
    moved = a3.post(f"/api/v1/approvals/{approval['id']}/approve", json={})
    assert moved.status_code == 200 and moved.json()["step"] == 1


def test_a_waiting_approver_is_reminded_once(
    client: TestClient, people: People, platform: Platform, tenant: TenantInfo
) -> None:
    body = _process(people)
    body["steps"][0]["reminder_hours"] = 4
    assert client.post("/api/v1/approval-processes", json=body).status_code == 201
    approval = _submit(people["rep"], _opportunity(people["rep"])).json()
    now = utc_now()
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(1), clock=lambda: now)
    worker.run_until_idle()
    assert len(people["boss"].get("/api/v1/notifications").json()["notifications"]) == 1
    later = Worker(
        platform,
        tenants=[tenant.name],
        rng=random.Random(1),
        clock=lambda: now + timedelta(hours=5),
    )
    outcomes = [o for o in later.run_until_idle() if o.kind == "approval.remind"]
    worker.stop()
    later.stop()
    assert [o.status for o in outcomes] == ["done"]
    titles = [
        n["title"] for n in people["boss"].get("/api/v1/notifications").json()["notifications"]
    ]
    assert titles[0] == "Reminder, approval waiting: Large deals — 大单"
    assert approval["status"] == "pending"
