"""Sales targets (销售目标): the object's rules (period starts, fiscal quarters and years, one
target per slot, who may set them) and attainment — department roll-ups, the projection, the
reader's access — through the HTTP API on each backend; plus the period arithmetic alone."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, get_args

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages import install_resolved, load_package
from keyi.packages.sales.periods import Period, is_period_start, on_track, projection
from keyi.packages.sales.targets import METRICS, MetricName
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.access import admin
from keyi.platform.context import TenantInfo
from keyi.platform.metadata import store
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import meta_state_table
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login, new_tenant_name
from tests.integration.helpers import make_account, rights

SYSTEM = Actor.system("test")
URL = "/api/v1/analytics/targets/attainment"
TARGETS = "/api/v1/records/sales_target"


# ---------------------------------------------------------------- the company
@dataclass
class Org:
    """总部 ⊃ {华东区 (manager 周经理) ⊃ {上海组}, 华西区}; reps 王芳 (上海组), 李雷 (华东区),
    赵敏 (华西区); a manager role reading its department, a rep role reading its own."""

    tenant: TenantInfo
    departments: dict[str, str]
    users: dict[str, str]
    emails: dict[str, str]


PEOPLE = {"manager": "华东区", "wang": "上海组", "li": "华东区", "zhao": "华西区"}
NAMES = {"manager": "周经理", "wang": "王芳", "li": "李雷", "zhao": "赵敏"}
SALES_OBJECTS = ("account", "opportunity", "activity")


def build_org(platform: Platform, tenant: TenantInfo) -> Org:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        hq = records.create("department", {"name": "总部"})["id"]
        east = records.create("department", {"name": "华东区", "parent": hq})["id"]
        shanghai = records.create("department", {"name": "上海组", "parent": east})["id"]
        west = records.create("department", {"name": "华西区", "parent": hq})["id"]
    departments = {"总部": hq, "华东区": east, "上海组": shanghai, "华西区": west}
    users, emails = {}, {}
    for person, department in PEOPLE.items():
        email = f"{person}@{tenant.name}.example"
        user = add_user(
            platform,
            tenant,
            email=email,
            name=NAMES[person],
            password=ADMIN_PASSWORD,
            extra={"department": departments[department]},
        )
        users[person], emails[person] = user["id"], email
    manager_rights = {o: rights("department", delete=True) for o in SALES_OBJECTS}
    rep_rights = {o: rights("own") for o in SALES_OBJECTS}
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        records.update("department", east, {"manager": users["manager"]})
        manager_role = records.create("role", {"name": "销售经理"})["id"]
        rep_role = records.create("role", {"name": "销售代表"})["id"]
        admin.set_role_permissions(
            ctx,
            manager_role,
            {**manager_rights, "sales_target": rights("department", delete=True)},
        )
        admin.set_role_permissions(
            ctx,
            rep_role,
            {**rep_rights, "sales_target": {"read": True, "read_scope": "own"}},
        )
        records.update("user", users["manager"], {"role": manager_role})
        for rep in ("wang", "li", "zhao"):
            records.update("user", users[rep], {"role": rep_role})
    return Org(tenant, departments, users, emails)


@pytest.fixture
def org(platform: Platform, tenant: TenantInfo) -> Org:
    return build_org(platform, tenant)


@pytest.fixture
def as_user(client: TestClient, platform: Platform, tenant: TenantInfo) -> Iterator[Any]:
    """Sign the client in as one of the org's people (the admin again at the end)."""

    def sign_in(email: str) -> TestClient:
        login(client, email, ADMIN_PASSWORD, tenant.name)
        return client

    yield sign_in
    login(client, admin_email_of(platform, tenant), ADMIN_PASSWORD, tenant.name)


def tenant_today(platform: Platform, tenant: TenantInfo) -> date:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        return ctx.today()


def set_fiscal_start(platform: Platform, tenant: TenantInfo, month: int) -> None:
    """The tenant's fiscal year start month, written as the settings API stores it."""
    with platform.context(tenant, SYSTEM) as ctx:
        settings = dict(
            ctx.conn.execute(
                sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
            ).scalar_one()
            or {}
        )
        settings["fiscal_year_start_month"] = month
        ctx.conn.execute(
            sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(settings=settings)
        )
        store.bump_version(ctx.conn)


def target(client: TestClient, status: int = 201, **values: Any) -> dict[str, Any]:
    body = {"metric": "won_amount", "period_type": "month", **values}
    response = client.post(TARGETS, json=body)
    assert response.status_code == status, response.text
    return dict(response.json())


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def won(client: TestClient, owner: str, amount: str, close_date: date, **extra: Any) -> None:
    account = make_account(client, name=f"客户{amount}{close_date}", owner_id=owner)
    body = {
        "name": f"商机 {amount}",
        "account": account["id"],
        "stage": "won",
        "amount": amount,
        "close_date": close_date.isoformat(),
        "owner_id": owner,
        **extra,
    }
    response = client.post("/api/v1/records/opportunity", json=body)
    assert response.status_code == 201, response.text


def attainment(client: TestClient, status: int = 200, **params: Any) -> dict[str, Any]:
    query = {"metric": "won_amount", "period_type": "month", **params}
    response = client.get(URL, params=query)
    assert response.status_code == status, response.text
    return dict(response.json())


def by_name(result: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["kind"], r["name"]): r for r in result["rows"]}


# ---------------------------------------------------------------- roll-ups
def test_department_targets_roll_up_from_members_and_own_target_wins(
    client: TestClient, org: Org
) -> None:
    month = date(2025, 3, 1)  # over: the projection is the actual
    u, d = org.users, org.departments
    target(client, user=u["wang"], period_start="2025-03-01", target="1000")
    target(client, user=u["li"], period_start="2025-03-01", target="500.50")
    target(client, user=u["zhao"], period_start="2025-03-01", target="300")
    # Another metric and another month: not part of these sums.
    target(client, user=u["wang"], period_start="2025-04-01", target="9999")
    target(client, user=u["wang"], period_start="2025-03-01", target="7", metric="won_count")
    won(client, u["wang"], "300.10", date(2025, 3, 1))
    won(client, u["wang"], "0.20", date(2025, 3, 31))
    won(client, u["li"], "600.25", date(2025, 3, 15))
    won(client, u["zhao"], "100", date(2025, 3, 2))
    won(client, u["zhao"], "555", date(2025, 4, 1))  # next month
    won(client, u["li"], "444", date(2025, 2, 28))  # last month
    lost = {"stage": "lost", "lost_reason": "price"}
    won(client, u["wang"], "777", date(2025, 3, 10), **lost)

    rows = by_name(attainment(client, period_start=month.isoformat()))
    wang, li = rows[("user", "王芳")], rows[("user", "李雷")]
    assert (wang["target"], wang["actual"], wang["gap"]) == ("1000.00", "300.30", "699.70")
    assert wang["attainment_percent"] == "30.03" and wang["department"] == d["上海组"]
    assert (li["target"], li["actual"], li["gap"]) == ("500.50", "600.25", "-99.75")
    assert li["attainment_percent"] == "119.93" and li["on_track"] is True
    assert wang["projected"] == "300.30" and wang["on_track"] is False
    # 上海组 has no target of its own: its member's. 华东区: its member's plus 上海组's.
    shanghai, east = rows[("department", "上海组")], rows[("department", "华东区")]
    assert (shanghai["target"], shanghai["actual"]) == ("1000.00", "300.30")
    assert (east["target"], east["actual"]) == ("1500.50", "900.55")
    assert east["parent"] == d["总部"]
    hq = rows[("department", "总部")]
    assert (hq["target"], hq["actual"]) == ("1800.50", "1000.55")
    assert hq["attainment_percent"] == "55.57"

    # A department's own target wins over its members' sum, and rolls up in its place.
    target(client, department=d["华东区"], period_start="2025-03-01", target="2000")
    rows = by_name(attainment(client, period_start=month.isoformat()))
    assert rows[("department", "华东区")]["target"] == "2000.00"
    assert rows[("department", "上海组")]["target"] == "1000.00"
    assert rows[("department", "总部")]["target"] == "2300.00"
    assert rows[("department", "总部")]["actual"] == "1000.55"
    # Departments first, top-down; reps after them.
    kinds = [r["kind"] for r in attainment(client, period_start=month.isoformat())["rows"]]
    assert kinds == ["department"] * 4 + ["user"] * 3

    # One department and what is below it.
    only = attainment(client, period_start=month.isoformat(), department=d["华东区"])
    assert {(r["kind"], r["name"]) for r in only["rows"]} == {
        ("department", "华东区"),
        ("department", "上海组"),
        ("user", "王芳"),
        ("user", "李雷"),
    }


def test_count_metrics_and_payments_need_their_package(
    client: TestClient, org: Org, platform: Platform, tenant: TenantInfo
) -> None:
    today = tenant_today(platform, tenant)
    month = today.replace(day=1)
    u = org.users
    for person in ("wang", "wang", "li"):
        make_account(client, name=f"{person}新客户{len(person)}", owner_id=u[person])
    activity = "/api/v1/records/activity"
    for body in (
        {"subject": "拜访", "type": "visit", "owner_id": u["wang"]},  # done, happened now
        {"subject": "电话", "type": "call", "owner_id": u["wang"], "status": "open"},
        {
            "subject": "任务",
            "type": "task",
            "status": "completed",
            "due_date": today.isoformat(),
            "owner_id": u["li"],
        },
        {
            "subject": "旧任务",
            "type": "task",
            "status": "completed",
            "due_date": (month - timedelta(days=1)).isoformat(),
            "owner_id": u["li"],
        },
        {"subject": "备注", "type": "note", "owner_id": u["zhao"]},  # done, dated by creation
    ):
        assert client.post(activity, json=body).status_code == 201
    won(client, u["li"], "10", today)
    won(client, u["li"], "20", today)
    target(
        client, user=u["wang"], period_start=month.isoformat(), target="4", metric="new_accounts"
    )

    start = month.isoformat()
    accounts = by_name(attainment(client, metric="new_accounts", period_start=start))
    # Each won deal above also made an account for 李雷.
    assert accounts[("user", "王芳")]["actual"] == "2"
    assert accounts[("user", "王芳")]["target"] == "4"
    assert accounts[("user", "王芳")]["attainment_percent"] == "50.00"
    assert accounts[("user", "李雷")]["actual"] == "3"
    assert accounts[("user", "李雷")]["target"] is None
    assert attainment(client, metric="new_accounts", period_start=start)["currency"] is None
    done = by_name(attainment(client, metric="activities", period_start=start))
    assert {k[1]: r["actual"] for k, r in done.items() if k[0] == "user"} == {
        "王芳": "1",
        "李雷": "1",
        "赵敏": "1",
    }
    counted = by_name(attainment(client, metric="won_count", period_start=start))
    assert counted[("user", "李雷")]["actual"] == "2"

    # Without the lead-to-cash package there are no payments to count.
    refused = client.get(
        URL, params={"metric": "payments_received", "period_type": "month", "period_start": start}
    )
    assert errors_of(refused) == {"metric": "metric_unavailable"}
    response = client.post(
        TARGETS,
        json={
            "user": u["wang"],
            "metric": "payments_received",
            "period_type": "month",
            "period_start": start,
            "target": "1",
        },
    )
    assert errors_of(response) == {"metric": "metric_unavailable"}


@pytest.mark.packages("core", "sales", "l2c")
def test_payments_received_by_received_on(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    me = client.get("/api/v1/me").json()["user"]["id"]
    account = make_account(client, name="回款客户")
    for amount, day in (("100.10", "2025-05-31"), ("0.20", "2025-05-01"), ("50", "2025-06-01")):
        body = {"account": account["id"], "amount": amount, "received_on": day}
        assert client.post("/api/v1/records/payment", json=body).status_code == 201, body
    target(client, user=me, metric="payments_received", period_start="2025-05-01", target="200")
    result = attainment(client, metric="payments_received", period_start="2025-05-01")
    (row,) = result["rows"]
    assert (row["actual"], row["target"], row["attainment_percent"]) == (
        "100.30",
        "200.00",
        "50.15",
    )
    assert result["currency"] == "CNY"


# ---------------------------------------------------------------- projection
def test_projection_runs_the_pace_to_the_end_of_the_period(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    me = client.get("/api/v1/me").json()["user"]["id"]
    today = tenant_today(platform, tenant)
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    days, elapsed = (end - start).days, today.day
    target(client, user=me, period_start=start.isoformat(), target="3100")
    won(client, me, "1000.00", start)
    won(client, me, "0.01", today)

    result = attainment(client, period_start=start.isoformat())
    assert result["period"] == {
        "start": start.isoformat(),
        "end": (end - timedelta(days=1)).isoformat(),
        "elapsed_percent": str(
            (Decimal(elapsed * 100) / days).quantize(Decimal("0.01"), ROUND_HALF_UP)
        ),
    }
    (row,) = result["rows"]
    actual = Decimal("1000.01")
    expected = (actual * days / elapsed).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert row["actual"] == "1000.01" and row["projected"] == str(expected)
    assert row["on_track"] is (actual * days >= Decimal(3100) * elapsed)

    # A period not begun has nothing to project; one that is over projects what it got.
    ahead = (end + timedelta(days=40)).replace(day=1)
    target(client, user=me, period_start=ahead.isoformat(), target="10")
    (future,) = attainment(client, period_start=ahead.isoformat())["rows"]
    assert (future["projected"], future["on_track"], future["actual"]) == (None, None, "0.00")
    assert attainment(client, period_start=ahead.isoformat())["period"]["elapsed_percent"] == "0.00"


def test_period_arithmetic() -> None:
    """Elapsed days count today; the projection and on-track compare exactly."""
    march = Period.of("month", date(2026, 3, 1))
    assert (march.days, march.last_day) == (31, date(2026, 3, 31))
    assert march.elapsed_days(date(2026, 2, 28)) == 0
    assert march.elapsed_days(date(2026, 3, 1)) == 1
    assert march.elapsed_days(date(2026, 4, 9)) == 31
    assert march.elapsed_percent(date(2026, 3, 10)) == Decimal("32.26")
    assert projection(Decimal(100), march, date(2026, 3, 10)) == Decimal(310)
    assert projection(Decimal(100), march, date(2026, 2, 1)) is None
    # 100 in 10 of 31 days is exactly 310: on track for 310, not for 310.01.
    assert on_track(Decimal(100), Decimal(310), march, date(2026, 3, 10)) is True
    assert on_track(Decimal(100), Decimal("310.01"), march, date(2026, 3, 10)) is False
    assert on_track(Decimal(100), None, march, date(2026, 3, 10)) is None
    quarter = Period.of("quarter", date(2026, 1, 1))
    assert (quarter.end, quarter.label(4)) == (date(2026, 4, 1), "FY2025-Q4")
    assert Period.of("quarter", date(2026, 4, 1)).label(1) == "2026-Q2"
    assert Period.of("year", date(2026, 4, 1)).label(4) == "FY2026"
    assert Period.of("month", date(2026, 4, 1)).label(4) == "2026-04"
    assert is_period_start(date(2026, 7, 1), "quarter", 4)
    assert not is_period_start(date(2026, 2, 1), "quarter", 4)
    assert is_period_start(date(2025, 11, 1), "quarter", 2)
    assert set(get_args(MetricName)) == set(METRICS)


# ---------------------------------------------------------------- access
def test_a_rep_sees_their_own_row_and_a_manager_their_department(
    client: TestClient, org: Org, as_user: Any
) -> None:
    u, d = org.users, org.departments
    for person, amount in (("wang", "100"), ("li", "200"), ("zhao", "300")):
        target(client, user=u[person], period_start="2025-03-01", target=amount)
        won(client, u[person], amount, date(2025, 3, 3))
    target(client, department=d["华西区"], period_start="2025-03-01", target="999")

    rep = as_user(org.emails["zhao"])
    result = attainment(rep, period_start="2025-03-01")
    assert [(r["kind"], r["name"], r["actual"], r["target"]) for r in result["rows"]] == [
        ("user", "赵敏", "300.00", "300.00")
    ]
    # A rep reads targets but sets none.
    assert target(rep, 403, user=u["zhao"], period_start="2025-05-01", target="1")
    zhao_targets = rep.get(TARGETS, params={"limit": 50}).json()["records"]
    assert {r["user"] for r in zhao_targets} == {u["zhao"]}

    manager = as_user(org.emails["manager"])
    rows = by_name(attainment(manager, period_start="2025-03-01"))
    assert set(rows) == {
        ("department", "华东区"),
        ("department", "上海组"),
        ("user", "王芳"),
        ("user", "李雷"),
    }
    assert rows[("department", "华东区")]["actual"] == "300.00"
    # A manager sets targets in their department, not elsewhere.
    made = target(manager, user=u["wang"], period_start="2025-06-01", target="5")
    assert made["owner_id"] == u["wang"]
    outside = manager.post(
        TARGETS,
        json={
            "user": u["zhao"],
            "metric": "won_amount",
            "period_type": "month",
            "period_start": "2025-06-01",
            "target": "5",
        },
    )
    assert errors_of(outside) == {"user": "target_out_of_scope"}
    # A department target is owned by its nearest manager (上海组 has none: 华东区's).
    team = target(manager, department=d["上海组"], period_start="2025-06-01", target="50")
    assert team["owner_id"] == u["manager"]
    assert team["name"] == "上海组 · 2025-06 · Won amount"


def test_who_may_read_and_set_targets(
    client: TestClient, platform: Platform, tenant: TenantInfo, as_user: Any
) -> None:
    """Without read access to targets there is no attainment; without a role (the small
    company's "everyone edits their own" default) no target is written."""
    roleless = add_user(
        platform,
        tenant,
        email=f"nobody@{tenant.name}.example",
        name="无角色",
        password=ADMIN_PASSWORD,
    )
    closed = add_user(
        platform,
        tenant,
        email=f"closed@{tenant.name}.example",
        name="无权限",
        password=ADMIN_PASSWORD,
    )
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        role = records.create("role", {"name": "无目标"})["id"]
        admin.set_role_permissions(ctx, role, {"opportunity": rights("own")})
        records.update("user", closed["id"], {"role": role})
    user = as_user(f"nobody@{tenant.name}.example")
    response = user.post(
        TARGETS,
        json={
            "user": roleless["id"],
            "metric": "won_amount",
            "period_type": "month",
            "period_start": "2025-06-01",
            "target": "1",
        },
    )
    assert response.status_code == 403 and response.json()["code"] == "targets_need_role"
    user = as_user(f"closed@{tenant.name}.example")
    assert attainment(user, 403, period_start="2025-06-01")["code"] == "forbidden"


# ---------------------------------------------------------------- the object's rules
def test_one_target_per_rep_or_department_period_and_metric(client: TestClient, org: Org) -> None:
    u, d = org.users, org.departments
    first = target(client, user=u["wang"], period_start="2025-03-01", target="10")
    assert first["name"] == "王芳 · 2025-03 · Won amount" and first["owner_id"] == u["wang"]
    again = client.post(
        TARGETS,
        json={
            "user": u["wang"],
            "metric": "won_amount",
            "period_type": "month",
            "period_start": "2025-03-01",
            "target": "20",
        },
    )
    assert errors_of(again) == {"user": "target_exists"}
    assert "王芳" in again.json()["errors"][0]["message"]
    # Another metric, period type or rep is another slot.
    target(client, user=u["wang"], period_start="2025-03-01", target="1", metric="won_count")
    other = target(client, user=u["li"], period_start="2025-03-01", target="10")
    # Moving a target into a taken slot is refused too.
    moved = client.patch(f"{TARGETS}/{other['id']}", json={"user": u["wang"]})
    assert errors_of(moved) == {"user": "target_exists"}
    team = target(
        client, department=d["上海组"], period_start="2025-01-01", period_type="quarter", target="1"
    )
    dup = client.post(
        TARGETS,
        json={
            "department": d["上海组"],
            "metric": "won_amount",
            "period_type": "quarter",
            "period_start": "2025-01-01",
            "target": "2",
        },
    )
    assert errors_of(dup) == {"department": "target_exists"}
    # A target in the recycle bin frees its slot.
    assert client.delete(f"{TARGETS}/{team['id']}").status_code == 204
    target(
        client, department=d["上海组"], period_start="2025-01-01", period_type="quarter", target="2"
    )
    # A rep or a department, never both or neither; never negative.
    both = client.post(
        TARGETS,
        json={
            "user": u["wang"],
            "department": d["上海组"],
            "metric": "won_amount",
            "period_type": "month",
            "period_start": "2025-08-01",
            "target": "-1",
        },
    )
    assert errors_of(both) == {"department": "validation_rule", "target": "validation_rule"}
    neither = client.post(
        TARGETS,
        json={
            "metric": "won_amount",
            "period_type": "month",
            "period_start": "2025-08-01",
            "target": "1",
        },
    )
    assert errors_of(neither) == {"user": "validation_rule"}


def test_period_start_is_the_first_day_of_a_fiscal_period(
    client: TestClient, org: Org, platform: Platform, tenant: TenantInfo
) -> None:
    u = org.users

    def refused(period_type: str, start: str) -> str:
        response = client.post(
            TARGETS,
            json={
                "user": u["wang"],
                "metric": "won_amount",
                "period_type": period_type,
                "period_start": start,
                "target": "1",
            },
        )
        assert errors_of(response) == {"period_start": "invalid_period_start"}
        return str(response.json()["errors"][0]["message"])

    assert "2025-03-01" in refused("month", "2025-03-15")
    assert "2025-01-01" in refused("quarter", "2025-02-01")
    assert "2025-01-01" in refused("year", "2025-04-01")
    target(client, user=u["wang"], period_type="quarter", period_start="2025-04-01", target="1")

    # A fiscal year from April: quarters start in April, July, October and January.
    set_fiscal_start(platform, tenant, 4)
    assert "2025-04-01" in refused("year", "2026-01-01")
    assert "2025-01-01" in refused("quarter", "2025-03-01")
    year = target(client, user=u["wang"], period_type="year", period_start="2025-04-01", target="1")
    assert year["name"] == "王芳 · FY2025 · Won amount"
    q4 = target(
        client, user=u["wang"], period_type="quarter", period_start="2026-01-01", target="1"
    )
    assert q4["name"] == "王芳 · FY2025-Q4 · Won amount"
    # Attainment asks for the same first days.
    bad = client.get(
        URL, params={"metric": "won_amount", "period_type": "quarter", "period_start": "2026-02-01"}
    )
    assert errors_of(bad) == {"period_start": "invalid_period_start"}
    result = attainment(client, period_type="year", period_start="2025-04-01")
    assert result["period"]["end"] == "2026-03-31"
    bad = client.get(
        URL, params={"metric": "nope", "period_type": "year", "period_start": "2025-04-01"}
    )
    assert bad.status_code == 422
    # A period past the calendar's ends is a field error, not a crash.
    edge = client.get(
        URL, params={"metric": "won_amount", "period_type": "year", "period_start": "0001-01-01"}
    )
    assert errors_of(edge) == {"period_start": "period_out_of_range"}
    late = client.post(
        TARGETS,
        json={
            "user": u["wang"],
            "metric": "won_amount",
            "period_type": "month",
            "period_start": "9999-12-01",
            "target": "1",
        },
    )
    assert errors_of(late) == {"period_start": "period_out_of_range"}


# ---------------------------------------------------------------- upgrade
def test_a_tenant_from_before_targets_gets_them_from_the_upgrade(platform: Platform) -> None:
    sales = load_package("sales")
    older = dataclasses.replace(
        sales, objects=tuple(o for o in sales.objects if o.name != "sales_target")
    )
    info = platform.create_tenant(
        new_tenant_name(),
        installer=lambda ctx: install_resolved(ctx, [load_package("core"), older]),
    )
    try:
        with platform.context(info, SYSTEM, write=False) as ctx:
            assert ctx.schema.get("sales_target") is None
        report = upgrade_tenant(platform, info)
        assert "sales_target: new object" in {str(n) for n in report.changes}
        assert report.conflicts == []
        with platform.context(info, SYSTEM) as ctx:
            records = RecordsService(ctx)
            rep = records.create("user", {"name": "王芳", "email": "wang@example.com"})
            made = records.create(
                "sales_target",
                {
                    "user": rep["id"],
                    "metric": "won_count",
                    "period_type": "month",
                    "period_start": "2025-03-01",
                    "target": 3,
                },
            )
            assert made["target_key"] == f"user:{rep['id']}|month|2025-03-01|won_count"
            assert made["owner_id"] == rep["id"]  # the hooks run for the upgraded tenant
        assert upgrade_tenant(platform, info).changes == []
    finally:
        platform.drop_tenant(info.name)


# ---------------------------------------------------------------- currencies
@pytest.mark.packages("core", "sales", "l2c")
def test_won_amount_of_several_currencies_is_summed_in_the_tenant_currency(
    client: TestClient,
) -> None:
    """Deals in dollars are converted at today's rate (as reports convert them), not added to
    yuan as they are; a currency without a rate is left out and named in `warnings`."""
    me = client.get("/api/v1/me").json()["user"]["id"]
    rate = {"currency": "USD", "rate": "7.1", "valid_from": "2020-01-01"}
    assert client.post("/api/v1/records/exchange_rate", json=rate).status_code == 201
    day = date(2025, 5, 10)
    won(client, me, "100", day)  # the tenant's currency
    won(client, me, "10", day, amount_currency="USD")  # 71 yuan
    target(client, user=me, period_start="2025-05-01", target="200")
    result = attainment(client, period_start="2025-05-01")
    (row,) = result["rows"]
    assert (row["actual"], row["attainment_percent"]) == ("171.00", "85.50")
    assert result["currency"] == "CNY" and result["warnings"] == []

    won(client, me, "1000", day, amount_currency="JPY")  # no rate: left out, and said so
    result = attainment(client, period_start="2025-05-01")
    assert result["rows"][0]["actual"] == "171.00"
    assert result["warnings"] == [
        {"code": "exchange_rate_missing", "currency": "JPY", "field": "amount"}
    ]
    # A count is no money: nothing to convert, nothing to warn about.
    counted = attainment(client, metric="won_count", period_start="2025-05-01")
    assert counted["warnings"] == [] and counted["currency"] is None
