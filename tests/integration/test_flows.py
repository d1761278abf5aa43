"""Record-triggered flows (keyi.platform.automation), through the API and the worker."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.automation.model import DateTrigger, ScheduleTrigger
from keyi.platform.automation.schedule import next_due
from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker, utc_now
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import package_table
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login

LABELS = {"en": "Flow", "zh-CN": "流程"}


def _flow(name: str, trigger: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "labels": LABELS, "trigger": trigger, "actions": actions}


def _run_jobs(platform: Platform, tenant: TenantInfo) -> list[Any]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(3))
    try:
        return worker.run_until_idle()
    finally:
        worker.stop()


def _account(client: TestClient, **values: Any) -> dict[str, Any]:
    response = client.post("/api/v1/records/account", json={"name": "客户", **values})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _opportunity(client: TestClient, account_id: str, **values: Any) -> dict[str, Any]:
    body = {"name": "商机", "account": account_id, "close_date": "2026-12-31", **values}
    response = client.post("/api/v1/records/opportunity", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_a_flow_is_checked_before_it_is_saved(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    post = lambda body: client.post("/api/v1/flows", json=body)  # noqa: E731
    record = {"type": "record", "object": "opportunity", "events": ["updated"]}
    assert _errors(
        post(
            _flow(
                "a",
                {**record, "object": "nope"},
                [{"type": "update_fields", "values": {"name": "'x'"}}],
            )
        )
    ) == {"trigger.object": "object_not_found"}
    errors = _errors(
        post(
            _flow(
                "b",
                {**record, "condition": "stage = "},
                [
                    {"type": "update_fields", "values": {"no_such": "1", "amount": "'text'"}},
                    {"type": "create_record", "object": "activity", "values": {"type": "'task'"}},
                    {"type": "update_fields", "target": "name", "values": {"name": "'x'"}},
                    {"type": "update_fields", "values": {"stage": "'finished'"}},
                ],
            )
        )
    )
    assert errors == {
        "trigger.condition": "invalid_expression",
        "actions.0.values.no_such": "field_not_found",
        "actions.0.values.amount": "type_mismatch",
        "actions.1.values.subject": "required",
        "actions.2.target": "flow_not_a_lookup",
        "actions.3.values.stage": "invalid_option",
    }
    assert _errors(
        post(
            _flow(
                "c",
                {**record, "condition": "amount + 1"},
                [{"type": "update_fields", "values": {"next_step": "'x'"}}],
            )
        )
    ) == {"trigger.condition": "not_boolean"}
    assert _errors(
        post(
            _flow(
                "d",
                {**record, "timing": "before_save"},
                [{"type": "create_record", "object": "activity", "values": {"subject": "'x'"}}],
            )
        )
    ) == {"actions.0.type": "flow_before_save_action"}
    assert _errors(
        post(_flow("e", record, [{"type": "update_fields", "values": {"next_step": "'again'"}}]))
    ) == {"trigger.condition": "flow_cycle"}
    # Nothing half-saved: only the sales package's standard flows, shipped switched off.
    standard = client.get("/api/v1/flows").json()["flows"]
    assert [(f["name"], f["active"]) for f in standard] == [
        ("lead_idle_reminder", False),
        ("won_follow_up", False),
    ]

    add_user(platform, tenant, email="rep@flows.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "rep@flows.example", tenant=tenant.name)
        assert rep.get("/api/v1/flows").status_code == 403
        good = _flow(
            "f",
            record | {"condition": "stage = 'won'"},
            [{"type": "update_fields", "values": {"next_step": "'x'"}}],
        )
        assert rep.post("/api/v1/flows", json=good).status_code == 403


def test_a_before_save_flow_sets_fields_in_the_same_write(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    flow = _flow(
        "tag_manufacturers",
        {
            "type": "record",
            "object": "account",
            "events": ["created", "updated"],
            "condition": "industry = 'manufacturing'",
            "timing": "before_save",
        },
        [{"type": "update_fields", "values": {"description": "'制造业客户：' & name"}}],
    )
    created = client.post("/api/v1/flows", json=flow)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    plain = _account(client, name="贸易公司", industry="retail")
    maker = _account(client, name="华信机械", industry="manufacturing")
    assert plain["description"] is None
    assert maker["description"] == "制造业客户：华信机械"
    changed = client.patch(
        f"/api/v1/records/account/{plain['id']}",
        json={"industry": "manufacturing"},
        headers={"If-Match": str(plain["version"])},
    )
    assert changed.json()["description"] == "制造业客户：贸易公司"
    # In the record's history as part of the write itself; no job was needed.
    assert _run_jobs(platform, tenant) == []
    runs = client.get(f"/api/v1/flows/{created.json()['id']}/runs").json()["runs"]
    assert [(r["status"], r["event"]) for r in runs] == [("done", "updated"), ("done", "created")]


def test_won_opportunity_creates_a_task_once_and_updates_its_account(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    flow = _flow(
        "won_task",
        {
            "type": "record",
            "object": "opportunity",
            "events": ["created", "updated"],
            "condition": "stage = 'won'",
            "only_when_starting_to_match": True,
        },
        [
            {
                "type": "create_record",
                "object": "activity",
                "values": {
                    "subject": "'回访：' & name",
                    "type": "'task'",
                    "owner_id": "owner_id",
                    "opportunity": "id",
                    "account": "account",
                    "due_date": "ADDDAYS(TODAY(), 3)",
                },
            },
            {"type": "update_fields", "target": "account", "values": {"grade": "'A'"}},
        ],
    )
    saved = client.post("/api/v1/flows", json=flow)
    assert saved.status_code == 201, saved.text
    account = _account(client, name="恒芯科技")
    opportunity = _opportunity(client, account["id"], stage="negotiation")
    assert _run_jobs(platform, tenant) == []  # not won: nothing queued
    won = client.patch(
        f"/api/v1/records/opportunity/{opportunity['id']}",
        json={"stage": "won"},
        headers={"If-Match": str(opportunity["version"])},
    ).json()
    # Still won after another edit: the flow does not start again.
    client.patch(
        f"/api/v1/records/opportunity/{opportunity['id']}",
        json={"next_step": "签约"},
        headers={"If-Match": str(won["version"])},
    )
    outcomes = _run_jobs(platform, tenant)
    assert [(o.kind, o.status) for o in outcomes] == [("flow.run", "done")]
    runs = client.get(f"/api/v1/records/opportunity/{opportunity['id']}/flow-runs").json()["runs"]
    assert [r["status"] for r in runs] == ["done"], runs[0]["error"]
    tasks = client.post(
        "/api/v1/records/activity/query",
        json={"filter": {"field": "opportunity", "op": "eq", "value": opportunity["id"]}},
    ).json()["records"]
    assert [(t["subject"], t["type"], t["account"]) for t in tasks] == [
        ("回访：商机", "task", account["id"])
    ]
    assert tasks[0]["owner_id"] == won["owner_id"]
    assert client.get(f"/api/v1/records/account/{account['id']}").json()["grade"] == "A"
    runs = client.get(f"/api/v1/records/opportunity/{opportunity['id']}/flow-runs").json()["runs"]
    assert [r["status"] for r in runs] == ["done"]
    steps = runs[0]["steps"]
    assert [(s["type"], s["outcome"]) for s in steps] == [
        ("create_record", "done"),
        ("update_fields", "done"),
    ]
    assert steps[0]["record_id"] == tasks[0]["id"]


def test_a_refused_action_undoes_the_run_and_is_recorded(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    flow = _flow(
        "bad_task",
        {"type": "record", "object": "account", "events": ["created"]},
        [
            {"type": "update_fields", "values": {"phone": "'13800138000'"}},
            # Refused by the activity's validation rule, after the first action ran.
            {
                "type": "create_record",
                "object": "activity",
                "values": {"subject": "'通话'", "duration_minutes": "0 - 5"},
            },
        ],
    )
    response = client.post("/api/v1/flows", json=flow)
    assert response.status_code == 201, response.text
    account = _account(client, name="校验客户")
    assert [o.status for o in _run_jobs(platform, tenant)] == ["done"]  # recorded, not retried
    assert client.get(f"/api/v1/records/account/{account['id']}").json()["phone"] is None
    [run] = client.get(f"/api/v1/records/account/{account['id']}/flow-runs").json()["runs"]
    assert run["status"] == "failed" and "ValidationFailed" in run["error"]


def test_a_flow_that_keeps_starting_itself_is_stopped_with_a_recorded_error(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    flow = _flow(
        "ping_pong",
        {
            "type": "record",
            "object": "account",
            "events": ["updated"],
            "condition": "employees >= 0",
        },
        [{"type": "update_fields", "values": {"employees": "employees + 1"}}],
    )
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    account = _account(client, name="循环客户", employees=0)
    client.patch(
        f"/api/v1/records/account/{account['id']}",
        json={"employees": 1},
        headers={"If-Match": str(account["version"])},
    )
    _run_jobs(platform, tenant)
    runs = client.get(f"/api/v1/records/account/{account['id']}/flow-runs").json()["runs"]
    statuses = [r["status"] for r in runs]
    assert statuses[0] == "failed" and statuses[1:] == ["done"] * 5
    assert "more than 5 deep" in runs[0]["error"]
    # 1 (the person's edit) + 5 runs that each added one.
    assert client.get(f"/api/v1/records/account/{account['id']}").json()["employees"] == 6


def test_editing_and_deleting_a_flow(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    body = _flow(
        "note_deletes",
        {"type": "record", "object": "account", "events": ["deleted"]},
        [{"type": "create_record", "object": "activity", "values": {"subject": "'已删除：' & id"}}],
    )
    flow = client.post("/api/v1/flows", json=body).json()
    stale = client.put(
        f"/api/v1/flows/{flow['id']}", json={**body, "active": False}, headers={"If-Match": "7"}
    )
    assert stale.status_code == 412
    off = client.put(
        f"/api/v1/flows/{flow['id']}", json={**body, "active": False}, headers={"If-Match": "1"}
    )
    assert off.status_code == 200 and off.json()["version"] == 2 and off.json()["active"] is False
    account = _account(client, name="将删除")
    assert client.delete(f"/api/v1/records/account/{account['id']}").status_code == 204
    assert _run_jobs(platform, tenant) == []  # switched off
    client.put(f"/api/v1/flows/{flow['id']}", json=body)
    other = _account(client, name="再删除")
    client.delete(f"/api/v1/records/account/{other['id']}")
    assert [o.status for o in _run_jobs(platform, tenant)] == ["done"]
    taken = client.post("/api/v1/flows", json=body)
    assert _errors(taken) == {"name": "name_taken"}
    assert client.delete(f"/api/v1/flows/{flow['id']}").status_code == 204
    assert client.get(f"/api/v1/flows/{flow['id']}").status_code == 404
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["entries"]]
    assert {"flow.create", "flow.update", "flow.delete"} <= set(actions)


@pytest.mark.parametrize("missing", ["name", "trigger", "actions"])
def test_a_flow_body_missing_a_part_is_refused(client: TestClient, missing: str) -> None:
    body = _flow(
        "x",
        {"type": "record", "object": "account", "events": ["created"]},
        [{"type": "update_fields", "values": {"phone": "'1'"}}],
    )
    del body[missing]
    assert client.post("/api/v1/flows", json=body).status_code == 422


def _team(platform: Platform, tenant: TenantInfo, size: int) -> tuple[str, list[str]]:
    """A team of ``size`` new users (in joining order), made as an administrator would."""
    users = [
        add_user(
            platform,
            tenant,
            email=f"m{i}-{tenant.name}@team.example",
            name=f"成员{i}",
            password=None,
        )["id"]
        for i in range(size)
    ]
    with platform.context(tenant, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        team = records.create("team", {"name": "电销一组"})["id"]
        for user in users:
            records.create("team_member", {"team": team, "user": user})
    return team, users


def test_owners_are_assigned_in_turn_and_to_the_least_loaded_member(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    team, (first, second, third) = _team(platform, tenant, 3)
    rotation = _flow(
        "lead_round_robin",
        {"type": "record", "object": "lead", "events": ["created"]},
        [{"type": "assign_owner", "strategy": "round_robin", "team_id": team}],
    )
    assert client.post("/api/v1/flows", json=rotation).status_code == 201
    leads = [
        client.post("/api/v1/records/lead", json={"name": f"线索{i}"}).json()["id"]
        for i in range(4)
    ]
    _run_jobs(platform, tenant)
    owners = [client.get(f"/api/v1/records/lead/{lead}").json()["owner_id"] for lead in leads]
    assert owners == [first, second, third, first]

    # Least loaded, among active members: `first` owns two accounts, `second` one, `third`
    # none but is switched off.
    for owner in (first, first, second):
        _account(client, name="存量客户", owner_id=owner)
    with platform.context(tenant, Actor.system("test")) as ctx:
        RecordsService(ctx).update("user", third, {"is_active": False})
    balance = _flow(
        "account_least_loaded",
        {
            "type": "record",
            "object": "account",
            "events": ["created"],
            "condition": "name = '新客户'",
        },
        [{"type": "assign_owner", "strategy": "least_loaded", "team_id": team}],
    )
    assert client.post("/api/v1/flows", json=balance).status_code == 201
    new = [_account(client, name="新客户")["id"] for _ in range(2)]
    _run_jobs(platform, tenant)
    owners = [client.get(f"/api/v1/records/account/{a}").json()["owner_id"] for a in new]
    # The first goes to `second` (1 < 2); then both own two and `first` joined first.
    assert owners == [second, first]


def test_an_assignment_naming_nobody_is_refused_at_save(client: TestClient) -> None:
    body = _flow(
        "assign_nobody",
        {"type": "record", "object": "lead", "events": ["created"]},
        [
            {"type": "assign_owner", "strategy": "round_robin"},
            {"type": "assign_owner", "strategy": "user", "user_id": str(uuid.uuid4())},
        ],
    )
    assert _errors(client.post("/api/v1/flows", json=body)) == {
        "actions.0.team_id": "required",
        "actions.1.user_id": "record_not_found",
    }


def test_won_opportunity_notifies_the_owners_manager_in_their_language(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    boss = add_user(
        platform,
        tenant,
        email="boss@flows.example",
        name="王经理",
        password=ADMIN_PASSWORD,
        extra={"language": "en"},
    )
    rep = add_user(
        platform,
        tenant,
        email="rep2@flows.example",
        name="李销售",
        password=ADMIN_PASSWORD,
        extra={"manager": boss["id"]},
    )
    flow = _flow(
        "won_notify_manager",
        {
            "type": "record",
            "object": "opportunity",
            "events": ["updated"],
            "condition": "stage = 'won'",
            "only_when_starting_to_match": True,
        },
        [
            {
                "type": "notify",
                "recipients": [{"type": "owner_manager"}, {"type": "owner"}],
                "title": {"zh-CN": "{{ record.name }} 已赢单", "en": "{{ record.name }} was won"},
                "body": {
                    "zh-CN": "金额 {{ record.amount | money('CNY') }}",
                    "en": "Amount {{ record.amount | money('CNY') }}",
                },
            }
        ],
    )
    saved = client.post("/api/v1/flows", json=flow)
    assert saved.status_code == 201, saved.text
    bad = {**flow, "name": "bad_template"}
    bad["actions"] = [{**flow["actions"][0], "title": {"zh-CN": "{{ record.name "}}]
    assert _errors(client.post("/api/v1/flows", json=bad)) == {
        "actions.0.title.zh-CN": "invalid_template"
    }
    account = _account(client, name="赢单客户")
    opportunity = _opportunity(
        client, account["id"], name="大单", amount="120000", owner_id=rep["id"]
    )
    client.patch(
        f"/api/v1/records/opportunity/{opportunity['id']}",
        json={"stage": "won"},
        headers={"If-Match": str(opportunity["version"])},
    )
    assert [o.status for o in _run_jobs(platform, tenant) if o.kind == "flow.run"] == ["done"]
    seen = {}
    for email in ("boss@flows.example", "rep2@flows.example"):
        with TestClient(app) as person:
            login(person, email, tenant=tenant.name)
            seen[email] = person.get("/api/v1/notifications").json()["notifications"]
    [to_boss] = seen["boss@flows.example"]
    assert to_boss["title"] == "大单 was won"
    assert to_boss["body"] == "Amount CN¥120,000.00"
    [to_rep] = seen["rep2@flows.example"]
    assert to_rep["title"] == "大单 已赢单"


def _worker_at(platform: Platform, tenant: TenantInfo, when: datetime) -> list[Any]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(5), clock=lambda: when)
    try:
        return worker.run_until_idle()
    finally:
        worker.stop()


def test_scheduled_and_date_flows_are_checked_at_save(client: TestClient) -> None:
    action = {"type": "update_fields", "values": {"phone": "'1'"}}
    assert _errors(
        client.post(
            "/api/v1/flows",
            json=_flow(
                "bad_cron", {"type": "schedule", "cron": "0 9 * *", "object": "account"}, [action]
            ),
        )
    ) == {"trigger.cron": "flow_bad_cron"}
    assert _errors(
        client.post(
            "/api/v1/flows",
            json=_flow("no_record", {"type": "schedule", "cron": "0 9 * * 1"}, [action]),
        )
    ) == {"actions.0.type": "flow_needs_record"}
    assert _errors(
        client.post(
            "/api/v1/flows",
            json=_flow(
                "not_a_date",
                {"type": "date", "object": "opportunity", "field": "name", "offset_days": -3},
                [action],
            ),
        )
    ) == {"trigger.field": "flow_not_a_date", "actions.0.values.phone": "field_not_found"}


def test_a_scheduled_flow_runs_at_its_times_in_the_tenants_zone_once_per_record(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    cold = _account(client, name="沉睡客户", grade="D")
    _account(client, name="活跃客户", grade="A")
    trigger = {
        "type": "schedule",
        "cron": "0 9 * * *",
        "object": "account",
        "condition": "grade = 'D'",
    }
    flow = _flow(
        "wake_cold_accounts",
        trigger,
        [{"type": "update_fields", "values": {"description": "'请回访'"}}],
    )
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    due = next_due(ScheduleTrigger(**trigger), utc_now(), ZoneInfo("Asia/Shanghai"))
    assert due.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).hour == 9
    assert _worker_at(platform, tenant, due - timedelta(minutes=1)) == []
    ran = _worker_at(platform, tenant, due + timedelta(minutes=1))
    assert sorted(o.kind for o in ran) == ["flow.run", "flow.tick"]
    assert client.get(f"/api/v1/records/account/{cold['id']}").json()["description"] == "请回访"
    # Nothing more until the next day's 9:00; then again.
    assert _worker_at(platform, tenant, due + timedelta(hours=23)) == []
    again = _worker_at(platform, tenant, due + timedelta(days=1, minutes=1))
    assert sorted(o.kind for o in again) == ["flow.run", "flow.tick"]


def test_a_date_flow_runs_days_before_the_date_once_per_date_value(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    trigger = {
        "type": "date",
        "object": "opportunity",
        "field": "close_date",
        "offset_days": -3,
        "at_hour": 8,
    }
    flow = _flow(
        "closing_soon",
        trigger,
        [
            {
                "type": "create_record",
                "object": "activity",
                "values": {"subject": "'即将到期：' & name", "opportunity": "id"},
            }
        ],
    )
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    zone = ZoneInfo("Asia/Shanghai")
    due = next_due(DateTrigger(**trigger), utc_now(), zone)
    day = due.replace(tzinfo=UTC).astimezone(zone).date()
    account = _account(client, name="到期客户")
    soon = _opportunity(client, account["id"], name="三天后", close_date=str(day + timedelta(3)))
    _opportunity(client, account["id"], name="还早", close_date=str(day + timedelta(10)))
    _run_jobs(platform, tenant)
    assert _worker_at(platform, tenant, due + timedelta(minutes=5)) != []
    tasks = client.post(
        "/api/v1/records/activity/query",
        json={"filter": {"field": "subject", "op": "starts_with", "value": "即将到期"}},
    ).json()
    assert [(t["subject"], t["opportunity"]) for t in tasks["records"]] == [
        ("即将到期：三天后", soon["id"])
    ]


def test_a_scheduled_flow_without_an_object_creates_a_record_each_time(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    trigger = {"type": "schedule", "cron": "30 17 * * 5"}
    flow = _flow(
        "weekly_report",
        trigger,
        [
            {
                "type": "create_record",
                "object": "activity",
                "values": {"subject": "'本周周报'", "due_date": "TODAY()"},
            }
        ],
    )
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    due = next_due(ScheduleTrigger(**trigger), utc_now(), ZoneInfo("Asia/Shanghai"))
    _worker_at(platform, tenant, due + timedelta(seconds=1))
    reports = client.post(
        "/api/v1/records/activity/query",
        json={"filter": {"field": "subject", "op": "eq", "value": "本周周报"}},
    ).json()["records"]
    assert len(reports) == 1


def test_standard_flows_come_once_and_a_deleted_one_stays_deleted(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """New companies get the sales package's flows switched off; a company from before they
    shipped gets them at its upgrade; one an administrator deleted is not brought back."""
    names = lambda: sorted(f["name"] for f in client.get("/api/v1/flows").json()["flows"])  # noqa: E731
    assert names() == ["lead_idle_reminder", "won_follow_up"]
    won = next(
        f for f in client.get("/api/v1/flows").json()["flows"] if f["name"] == "won_follow_up"
    )
    assert client.delete(f"/api/v1/flows/{won['id']}").status_code == 204
    upgrade_tenant(platform, tenant)
    assert names() == ["lead_idle_reminder"]
    # As a company from before the standard flows: its baseline records none.
    with platform.context(tenant, Actor.system("test")) as ctx:
        row = ctx.conn.execute(
            sa.select(package_table.c.definition).where(package_table.c.name == "sales")
        ).scalar_one()
        ctx.conn.execute(
            sa.update(package_table)
            .where(package_table.c.name == "sales")
            .values(definition={"objects": row["objects"]}, digest="before-flows")
        )
    report = upgrade_tenant(platform, tenant)
    assert "sales:flow:won_follow_up: standard flow added (off)" in [str(n) for n in report.changes]
    assert names() == ["lead_idle_reminder", "won_follow_up"]
