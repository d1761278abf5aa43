"""The l2c package's standard approval processes: quote discount and contract approval, with
the status each outcome sets (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.l2c_helpers import L2C, act, get, make_contract, make_quote, ok

pytestmark = pytest.mark.packages(*L2C)


class Team:
    """A rep and their manager, signed in."""

    def __init__(self, app: Any, platform: Platform, tenant: TenantInfo) -> None:
        suffix = tenant.name
        boss = add_user(
            platform,
            tenant,
            email=f"boss-{suffix}@l2c.example",
            name="王经理",
            password=ADMIN_PASSWORD,
        )
        self.boss_id = str(boss["id"])
        rep = add_user(
            platform,
            tenant,
            email=f"rep-{suffix}@l2c.example",
            name="李销售",
            password=ADMIN_PASSWORD,
            extra={"manager": self.boss_id},
        )
        self.rep_id = str(rep["id"])
        self.clients: list[TestClient] = []
        self.rep = self._client(app, f"rep-{suffix}@l2c.example", tenant)
        self.boss = self._client(app, f"boss-{suffix}@l2c.example", tenant)

    def _client(self, app: Any, email: str, tenant: TenantInfo) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        login(client, email, tenant=tenant.name)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.__exit__(None, None, None)


@pytest.fixture
def team(app: Any, platform: Platform, tenant: TenantInfo) -> Iterator[Team]:
    found = Team(app, platform, tenant)
    yield found
    found.close()


def _decide(client: TestClient, approval_id: str, decision: str, comment: str = "") -> dict:
    return ok(client.post(f"/api/v1/approvals/{approval_id}/{decision}", json={"comment": comment}))


def test_the_standard_processes_are_installed_once(client: TestClient) -> None:
    processes = ok(client.get("/api/v1/approval-processes"))["processes"]
    names = {p["name"]: p for p in processes}
    assert {"quote_discount", "contract_approval"} <= set(names)
    assert names["quote_discount"]["object"] == "quote"
    definition = names["quote_discount"].get("definition", names["quote_discount"])
    assert definition["on_approve"] == {"status": "'approved'"}


def test_discount_over_threshold_needs_the_manager(team: Team) -> None:
    made = make_quote(team.rep, lines=[("1", "10000", "25"), ("1", "100", "0")])
    assert made["max_discount_percent"] == Decimal("25")
    submitted = ok(act(team.rep, "quote", made["id"], "submit"))
    assert submitted["status"] == "in_approval" and submitted["approval_id"]
    # locked while in approval
    refused = team.rep.patch(f"/api/v1/records/quote/{made['id']}", json={"terms": "改"})
    assert refused.status_code == 409 and refused.json()["code"] == "record_in_approval"
    [waiting] = ok(team.boss.get("/api/v1/approvals", params={"box": "pending"}))["approvals"]
    assert waiting["id"] == submitted["approval_id"] and waiting["process"] == "quote_discount"
    done = _decide(team.boss, submitted["approval_id"], "approve", "同意")
    assert done["status"] == "approved"
    assert get(team.rep, "quote", made["id"])["status"] == "approved"


def test_discount_within_threshold_is_approved_on_submit(team: Team) -> None:
    made = make_quote(team.rep, lines=[("2", "1000", "20")])
    submitted = ok(act(team.rep, "quote", made["id"], "submit"))
    assert submitted["status"] == "approved"
    assert get(team.rep, "quote", made["id"])["status"] == "approved"
    assert ok(team.boss.get("/api/v1/approvals/counts")) == {"pending": 0}
    # submitted once: a second submit names the status
    again = act(team.rep, "quote", made["id"], "submit")
    assert again.status_code == 409 and again.json()["code"] == "invalid_status"


def test_rejected_quote_is_a_draft_again_with_the_comment(team: Team) -> None:
    made = make_quote(team.rep, lines=[("1", "5000", "30")])
    approval_id = ok(act(team.rep, "quote", made["id"], "submit"))["approval_id"]
    done = _decide(team.boss, approval_id, "reject", "折扣太高")
    assert done["status"] == "rejected"
    assert get(team.rep, "quote", made["id"])["status"] == "draft"
    comments = [e.get("comment") for e in done["trail"] if e["action"] == "rejected"]
    assert comments == ["折扣太高"]
    # a draft again: editable and can be submitted again
    ok(team.rep.patch(f"/api/v1/records/quote/{made['id']}", json={"terms": "新条款"}))
    assert ok(act(team.rep, "quote", made["id"], "submit"))["status"] == "in_approval"


def test_recall_returns_the_quote_to_draft(team: Team) -> None:
    made = make_quote(team.rep, lines=[("1", "5000", "50")])
    approval_id = ok(act(team.rep, "quote", made["id"], "submit"))["approval_id"]
    ok(team.rep.post(f"/api/v1/approvals/{approval_id}/recall", json={}))
    assert get(team.rep, "quote", made["id"])["status"] == "draft"


def test_contract_approval_makes_it_active(team: Team) -> None:
    made = make_contract(team.rep, amount="500000")
    submitted = ok(act(team.rep, "contract", made["id"], "submit"))
    assert submitted["status"] == "in_approval"
    done = _decide(team.boss, submitted["approval_id"], "approve")
    assert done["status"] == "approved"
    assert get(team.rep, "contract", made["id"])["status"] == "active"


def test_contract_rejected_is_draft(team: Team) -> None:
    made = make_contract(team.rep)
    approval_id = ok(act(team.rep, "contract", made["id"], "submit"))["approval_id"]
    _decide(team.boss, approval_id, "reject", "条款不全")
    assert get(team.rep, "contract", made["id"])["status"] == "draft"


def test_without_an_active_process_a_submit_approves_at_once(client: TestClient) -> None:
    processes = ok(client.get("/api/v1/approval-processes"))["processes"]
    [process] = [p for p in processes if p["name"] == "contract_approval"]
    definition = {k: v for k, v in (process.get("definition") or process).items()}
    definition["active"] = False
    for key in ("id", "version", "created_at", "updated_at", "definition"):
        definition.pop(key, None)
    ok(client.put(f"/api/v1/approval-processes/{process['id']}", json=definition))
    made = make_contract(client)
    assert ok(act(client, "contract", made["id"], "submit")) == {
        "approval_id": None,
        "status": "active",
    }
