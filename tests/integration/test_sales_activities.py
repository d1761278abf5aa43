"""Sales activities and account rules: what a rep logging calls and an admin checking credit
codes rely on (issue 11)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.integration.helpers import make_account, make_contact


def _log(client: TestClient, **values: Any) -> dict[str, Any]:
    response = client.post("/api/v1/records/activity", json=values)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_logged_calls_and_visits_are_done_and_timed(client: TestClient) -> None:
    acme = make_account(client, name="Acme")
    on_account = {"related_object": "account", "related_id": acme["id"]}
    before = datetime.now(UTC) - timedelta(seconds=5)
    call = _log(client, subject="回访", type="call", **on_account)
    assert call["status"] == "completed"
    assert before <= _parse(call["start_at"]) <= datetime.now(UTC) + timedelta(seconds=5)
    visit = _log(client, subject="上门", type="visit", **on_account)
    assert visit["status"] == "completed" and visit["start_at"]
    note = _log(client, subject="记一笔", type="note", **on_account)
    assert note["status"] == "completed" and note["start_at"] is None
    # A task is planned: still open, no time invented, its due date as given.
    task = _log(client, subject="发报价", type="task", due_date="2030-01-02", **on_account)
    assert task["status"] == "open" and task["start_at"] is None
    assert task["due_date"] == "2030-01-02"
    # What the caller says wins: a planned call, a visit logged for last week, time unknown.
    planned = _log(client, subject="约电话", type="call", status="open", **on_account)
    assert planned["status"] == "open"
    last_week = _log(
        client, subject="展会拜访", type="visit", start_at="2026-03-02T06:30:00Z", **on_account
    )
    assert _parse(last_week["start_at"]) == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    unknown = _log(client, subject="很久以前", type="call", start_at=None, **on_account)
    assert unknown["start_at"] is None and unknown["status"] == "completed"
    # Only creation applies the defaults: turning a task into a call later changes nothing else.
    changed = client.patch(f"/api/v1/records/activity/{task['id']}", json={"type": "call"})
    assert changed.status_code == 200 and changed.json()["status"] == "open"


def test_account_timeline_has_its_contacts_and_opportunities_activities(
    client: TestClient,
) -> None:
    """The account timeline is one query on the indexed `account` lookup, which the sales hook
    fills for activities logged on the account's contacts and opportunities too."""
    acme = make_account(client, name="Acme")
    other = make_account(client, name="Other")
    contact = make_contact(client, account=acme["id"])
    opp = client.post(
        "/api/v1/records/opportunity",
        json={"name": "ERP", "account": acme["id"], "close_date": "2030-01-01"},
    ).json()
    _log(client, subject="on account", type="note", related_object="account", related_id=acme["id"])
    _log(
        client,
        subject="names the contact",
        type="call",
        related_object="account",
        related_id=acme["id"],
        contact=contact["id"],
    )
    _log(
        client,
        subject="on contact",
        type="call",
        related_object="contact",
        related_id=contact["id"],
    )
    _log(
        client,
        subject="on opportunity",
        type="visit",
        related_object="opportunity",
        related_id=opp["id"],
    )
    _log(client, subject="elsewhere", type="note", related_object="account", related_id=other["id"])

    def timeline(field: str, record_id: str) -> set[str]:
        body = {
            "filter": {"field": field, "op": "eq", "value": record_id},
            "sort": [{"field": "created_at", "direction": "desc"}],
        }
        records = client.post("/api/v1/records/activity/query", json=body).json()["records"]
        count = client.post(
            "/api/v1/records/activity/aggregate",
            json={"filter": body["filter"], "aggregates": [{"op": "count"}]},
        ).json()["groups"][0]["values"]["count"]
        assert count == len(records)  # the tab's count is the timeline's length
        return {r["subject"] for r in records}

    assert timeline("account", acme["id"]) == {
        "on account",
        "names the contact",
        "on contact",
        "on opportunity",
    }
    # A contact's timeline also has what was logged on the account naming the contact.
    assert timeline("contact", contact["id"]) == {"names the contact", "on contact"}
    assert timeline("opportunity", opp["id"]) == {"on opportunity"}


def test_credit_code_is_checked_by_a_rule_the_admin_can_change(client: TestClient) -> None:
    bad = client.post(
        "/api/v1/records/account", json={"name": "假公司", "credit_code": "914403001922038217"}
    )
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["credit_code"]
    for code in ("9144030019220382", "91440300192203821O", "91350100m000100y43"):
        refused = client.post("/api/v1/records/account", json={"name": "x", "credit_code": code})
        assert refused.status_code == 422, code
    assert client.get("/api/v1/records/account", params={"q": "假公司"}).json()["records"] == []
    good = client.post(
        "/api/v1/records/account", json={"name": "华为技术", "credit_code": "914403001922038216"}
    )
    assert good.status_code == 201, good.text
    assert make_account(client, name="无代码")["credit_code"] is None  # blank is allowed

    # The rule is metadata: listed for the administrator, and switching it off lets codes in.
    account = client.get("/api/v1/metadata/objects/account").json()
    rules = account["validation_rules"]
    rule = next(r for r in rules if r["name"] == "credit_code_valid")
    assert "IS_USCC(credit_code)" in rule["condition"] and rule["field"] == "credit_code"
    rules = [r | {"active": False} if r["name"] == "credit_code_valid" else r for r in rules]
    patched = client.patch("/api/v1/metadata/objects/account", json={"validation_rules": rules})
    assert patched.status_code == 200, patched.text
    legacy = client.post(
        "/api/v1/records/account", json={"name": "旧代码", "credit_code": "110108000000016"}
    )
    assert legacy.status_code == 201, legacy.text


def test_account_timeline_is_one_statement_on_the_account_index(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """The timeline's rows come from one SELECT on activity, filtered by the indexed lookup (no
    OR over the polymorphic pair, no subquery per contact or opportunity)."""
    acme = make_account(client, name="Acme")
    contact = make_contact(client, account=acme["id"])
    for related_object, related_id in (("account", acme["id"]), ("contact", contact["id"])):
        _log(client, subject="x", type="call", related_object=related_object, related_id=related_id)
    engine = platform.db.engine_for(tenant.location)
    seen: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        seen.append((args[2], args[3]))  # statement, parameters

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        body = {
            "filter": {"field": "account", "op": "eq", "value": acme["id"]},
            "sort": [{"field": "created_at", "direction": "desc"}],
            "limit": 30,
        }
        records = client.post("/api/v1/records/activity/query", json=body).json()["records"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert len(records) == 2
    rows = [(s, p) for s, p in seen if re.search(r'\bFROM "?activity"?(\s|$)', s)]
    assert len(rows) == 1, [s for s, _ in seen]
    statement, parameters = rows[0]
    if platform.db.is_postgres:
        # Planner statistics of a tiny table say "scan it"; ask what it would use otherwise.
        with platform.db.tenant_transaction(tenant.location, write=False) as conn:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
        assert "Seq Scan on activity" not in plan and "Index" in plan, plan
    else:
        with platform.db.tenant_transaction(tenant.location, write=False) as conn:
            plan = " ".join(
                str(r[-1])
                for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
        assert "ix_activity_account" in plan, plan
