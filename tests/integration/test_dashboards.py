"""Dashboards: CRUD in folders with versions and a recycle bin, layout checks per field,
dashboard filters narrowing every widget exactly as the same filter on the report would, a rep
seeing only their own rows in a shared dashboard, one broken widget leaving the others alone,
KPIs with the previous period, and home dashboards (the user's own over the role's)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.access import admin
from keyi.platform.analytics import folders
from keyi.platform.analytics.dashboard_filters import previous_period
from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.analytics.tables import report_table
from keyi.platform.context import TenantInfo
from keyi.platform.ids import new_id
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import make_account, rights

SYSTEM = Actor.system("dashboard-test")


# ------------------------------------------------------------------ helpers
def save_report(
    platform: Platform,
    tenant: TenantInfo,
    definition: dict[str, Any],
    *,
    owner_id: str | None,
    folder_id: str | None = None,
    chart: dict[str, Any] | None = None,
) -> str:
    """A saved report row, written as the report store writes it (its routes land separately)."""
    spec = ReportSpec.from_json(definition)
    spec.check_shape()
    report_id = new_id()
    with platform.context(tenant, SYSTEM) as ctx:
        ctx.conn.execute(
            sa.insert(report_table).values(
                id=report_id,
                folder_id=folder_id,
                name={"": f"report {report_id[-4:]}"},
                object=spec.object,
                type=spec.type,
                definition=spec.to_json(),
                chart=chart,
                owner_id=owner_id,
                version=1,
                created_at=ctx.now(),
                updated_at=ctx.now(),
            )
        )
    return report_id


def shared_folder(platform: Platform, tenant: TenantInfo, scope: str = "all") -> str:
    with platform.context(tenant, SYSTEM) as ctx:
        return str(folders.create_folder(ctx, {"name": "共享", "sharing": {"scope": scope}})["id"])


def today_of(platform: Platform, tenant: TenantInfo) -> date:
    with platform.context(tenant, SYSTEM) as ctx:
        return ctx.today()


def me(client: TestClient) -> str:
    return str(client.get("/api/v1/me").json()["user"]["id"])


def widget(widget_id: str, kind: str = "report", **extra: Any) -> dict[str, Any]:
    return {"id": widget_id, "kind": kind, "x": 0, "y": 0, "w": 6, "h": 4, **extra}


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/dashboards", json={"name": "销售看板", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def run(client: TestClient, dashboard_id: str, **body: Any) -> dict[str, dict[str, Any]]:
    response = client.post(f"/api/v1/dashboards/{dashboard_id}/run", json=body)
    assert response.status_code == 200, response.text
    return {w["id"]: w for w in response.json()["widgets"]}


def report_run(client: TestClient, definition: dict[str, Any], extra: Any) -> dict[str, Any]:
    """/reports/run of the definition with ``extra`` ANDed: what a widget must equal."""
    own = [definition["filter"]] if definition.get("filter") else []
    body = {**definition, "filter": {"and": [*own, *extra]}}
    response = client.post("/api/v1/reports/run", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def signed_in(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    login(client, email)
    return client


@dataclass
class Org:
    """销售部 ⊃ 华东组; a rep in each, an outsider in 财务部; deals owned across them."""

    departments: dict[str, str]
    users: dict[str, str]
    emails: dict[str, str]
    paths: dict[str, str]


def build_org(platform: Platform, tenant: TenantInfo) -> Org:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        sales = records.create("department", {"name": "销售部"})
        east = records.create("department", {"name": "华东组", "parent": sales["id"]})
        finance = records.create("department", {"name": "财务部"})
    departments = {"sales": sales["id"], "east": east["id"], "finance": finance["id"]}
    placement = {"lead": "sales", "rep_east": "east", "outsider": "finance"}
    users, emails = {}, {}
    for person, department in placement.items():
        email = f"{person}-{uuid.uuid4().hex[:6]}@dash.example"
        user = add_user(
            platform,
            tenant,
            email=email,
            name=person,
            password=ADMIN_PASSWORD,
            extra={"department": departments[department]},
        )
        users[person], emails[person] = user["id"], email
    with platform.context(tenant, SYSTEM) as ctx:
        paths = {
            name: RecordsService(ctx).get("department", i)["path"]
            for name, i in departments.items()
        }
    return Org(departments, users, emails, paths)


def deals(client: TestClient, org: Org, today: date) -> list[dict[str, Any]]:
    """Opportunities this month, last month and earlier, per owner, in both pipelines."""
    account = make_account(client, name="看板客户", province="北京")
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    rows = []
    owners = [org.users["lead"], org.users["rep_east"], org.users["outsider"]]
    for i in range(24):
        when = (this_month, last_month, date(today.year - 2, 6, 1))[i % 3]
        rows.append(
            {
                "name": f"Deal {i}",
                "account": account["id"],
                "owner_id": owners[i % len(owners)],
                "pipeline": ("standard", "project")[(i // 3) % 2],
                "stage": ("prospecting", "proposal", "won")[(i // 6) % 3],
                "close_date": (when + timedelta(days=i % 5)).isoformat(),
                "amount": str(Decimal(1000 + 37 * i)),
            }
        )
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text
    return rows


# ------------------------------------------------------------------ periods (pure)
def test_previous_period_meets_the_current_one() -> None:
    day = date(2026, 3, 31)
    assert previous_period("this_month", day) == (date(2026, 2, 1), date(2026, 3, 1))
    assert previous_period("last_month", day) == (date(2026, 1, 1), date(2026, 2, 1))
    assert previous_period("this_quarter", day) == (date(2025, 10, 1), date(2026, 1, 1))
    assert previous_period("this_year", day) == (date(2025, 1, 1), date(2026, 1, 1))
    assert previous_period("last_n_days:30", day) == (date(2026, 1, 31), date(2026, 3, 2))
    assert previous_period("this_week", date(2026, 1, 1)) == (
        date(2025, 12, 22),
        date(2025, 12, 29),
    )
    assert previous_period("today", date(2026, 1, 1)) == (date(2025, 12, 31), date(2026, 1, 1))
    # Fiscal years from April: the quarter before Q1 FY2026 (Apr–Jun 2026) is Jan–Mar 2026.
    assert previous_period("this_fiscal_quarter", date(2026, 4, 15), 4) == (
        date(2026, 1, 1),
        date(2026, 4, 1),
    )
    assert previous_period("this_fiscal_year", date(2026, 3, 31), 4) == (
        date(2024, 4, 1),
        date(2025, 4, 1),
    )
    # last_n_months:1 on the 31st: the month before ends where the current one starts.
    assert previous_period("last_n_months:1", day) == (date(2026, 1, 29), date(2026, 3, 1))


# ------------------------------------------------------------------ CRUD
def test_crud_versions_recycle_bin_and_audit(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    report = save_report(platform, tenant, {"object": "account"}, owner_id=me(client))
    layout = [widget("a", report_id=report, chart={"type": "bar", "value": "count"})]
    created = client.post(
        "/api/v1/dashboards",
        json={"name": {"zh-CN": "看板", "en": "Board"}, "layout": layout, "filters": {}},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["etag"] == '"1"'
    assert body["version"] == 1 and body["can_edit"] and body["layout"] == layout
    dashboard_id = body["id"]
    listed = client.get("/api/v1/dashboards").json()["dashboards"]
    assert [d["id"] for d in listed] == [dashboard_id] and "layout" not in listed[0]

    stale = client.patch(
        f"/api/v1/dashboards/{dashboard_id}", json={"name": "旧"}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412, stale.text
    renamed = client.patch(
        f"/api/v1/dashboards/{dashboard_id}",
        json={"name": "新看板", "filters": {"period": "this_quarter"}, "version": 1},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["version"] == 2 and renamed.json()["name"] == {"": "新看板"}
    assert renamed.json()["filters"] == {"period": "this_quarter"}
    assert renamed.json()["layout"] == layout  # untouched keys stay

    assert client.delete(f"/api/v1/dashboards/{dashboard_id}").status_code == 204
    assert client.get(f"/api/v1/dashboards/{dashboard_id}").status_code == 404
    assert client.post(f"/api/v1/dashboards/{dashboard_id}/run", json={}).status_code == 404
    assert client.get("/api/v1/dashboards").json()["dashboards"] == []
    binned = client.get("/api/v1/dashboards", params={"deleted": "true"}).json()["dashboards"]
    assert [d["id"] for d in binned] == [dashboard_id]
    restored = client.post(f"/api/v1/dashboards/{dashboard_id}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    again = client.post(f"/api/v1/dashboards/{dashboard_id}/restore")
    assert again.status_code == 409, again.text

    actions = [
        e["action"]
        for e in client.get("/api/v1/audit", params={"limit": 50}).json()["entries"]
        if e["action"].startswith("dashboard.")
    ]
    assert sorted(actions) == sorted(
        ["dashboard.create", "dashboard.update", "dashboard.delete", "dashboard.restore"]
    )


def test_sharing_follows_the_folder(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    """Private: the author's alone; in a shared folder: readable by all, editable by its
    managers only; only a folder's managers put dashboards in it."""
    org = build_org(platform, tenant)
    folder = shared_folder(platform, tenant)
    private = create(client)
    shared = create(client, folder_id=folder)
    with signed_in(app, org.emails["rep_east"]) as rep:
        assert rep.get(f"/api/v1/dashboards/{private['id']}").status_code == 404
        seen = rep.get(f"/api/v1/dashboards/{shared['id']}")
        assert seen.status_code == 200 and seen.json()["can_edit"] is False
        assert [d["id"] for d in rep.get("/api/v1/dashboards").json()["dashboards"]] == [
            shared["id"]
        ]
        assert (
            rep.patch(f"/api/v1/dashboards/{shared['id']}", json={"name": "x"}).status_code == 403
        )
        assert rep.delete(f"/api/v1/dashboards/{shared['id']}").status_code == 403
        into = rep.post("/api/v1/dashboards", json={"name": "mine", "folder_id": folder})
        assert into.status_code == 403, into.text
        own = rep.post("/api/v1/dashboards", json={"name": "mine"})
        assert own.status_code == 201 and own.json()["can_edit"] is True
    # A private dashboard is private from administrators too.
    assert client.get(f"/api/v1/dashboards/{own.json()['id']}").status_code == 404


def test_layout_and_filters_are_checked_per_field(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    mine = save_report(platform, tenant, {"object": "account"}, owner_id=me(client))
    someone = add_user(platform, tenant, email="x@dash.example", name="x", password=None)
    theirs = save_report(platform, tenant, {"object": "account"}, owner_id=someone["id"])
    layout = [
        widget("a", report_id=mine),
        widget("a", report_id=mine),  # duplicate id
        widget("c", report_id=theirs),  # a private report of someone else
        {**widget("d", report_id=mine), "w": 13, "x": -1},
        widget("e", kind="pie", report_id=mine),
        widget("f", kind="kpi", report_id=mine, value="sum_amount", compare="yesterday"),
        widget("g", kind="target", metric="won_amount", period_type="week"),
        widget("h", report_id=mine, chart={"type": "radar", "colour": "red"}),
        {**widget("i", report_id=mine), "w": 8, "x": 6},
        widget("j", report_id=mine, extra=1),
    ]
    response = client.post(
        "/api/v1/dashboards",
        json={
            "name": "",
            "layout": layout,
            "filters": {"period": "this_fortnight", "owner": {"user": str(uuid.uuid4())}, "x": 1},
        },
    )
    assert response.status_code == 422, response.text
    found = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert found == {
        ("name", "required"),
        ("layout.1.id", "not_unique"),
        ("layout.2.report_id", "not_found"),
        ("layout.3.x", "invalid_integer"),
        ("layout.3.w", "invalid_integer"),
        ("layout.4.kind", "invalid_option"),
        ("layout.5.value", "invalid_option"),
        ("layout.5.compare", "invalid_option"),
        ("layout.6.period_type", "invalid_option"),
        ("layout.7.chart.type", "invalid_option"),
        ("layout.7.chart.colour", "unknown_field"),
        ("layout.8.w", "invalid_integer"),
        ("layout.9.extra", "unknown_field"),
        ("filters.period", "invalid_option"),
        ("filters.owner.user", "not_found"),
        ("filters.x", "unknown_field"),
    }
    too_many = [widget(str(i), report_id=mine) for i in range(31)]
    refused = client.post("/api/v1/dashboards", json={"name": "n", "layout": too_many})
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("layout", "too_many")]


# ------------------------------------------------------------------ filters
def test_filters_narrow_every_widget_exactly(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """Each widget equals /reports/run of its report with the equivalent filter ANDed: period
    on the report's date, department as its members' ids (sub-departments included), the
    pipeline where the object has one; a report on an object without them ignores and says so."""
    org = build_org(platform, tenant)
    deals(client, org, today_of(platform, tenant))
    admin_id = me(client)
    by_stage = {
        "object": "opportunity",
        "type": "summary",
        "group_by": [{"field": "stage"}],
        "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
        "date_field": "close_date",
    }
    by_month = {
        "object": "opportunity",
        "type": "matrix",
        "filter": {"field": "stage", "op": "ne", "value": "won"},
        "group_by": [{"field": "close_date", "bucket": "month"}],
        "column_group_by": [{"field": "pipeline"}],
        "aggregates": [{"op": "sum", "field": "amount"}],
    }
    listing = {
        "object": "opportunity",
        "type": "tabular",
        "columns": ["name", "amount"],
        "sort": [{"key": "name", "direction": "asc"}],
        "date_field": "close_date",
    }
    accounts = {"object": "account", "type": "summary", "group_by": [{"field": "province"}]}
    departments = {"object": "department", "type": "summary", "group_by": [{"field": "name"}]}
    definitions = {
        "stage": by_stage,
        "month": by_month,
        "list": listing,
        "accounts": accounts,
        "departments": departments,
    }
    ids = {k: save_report(platform, tenant, d, owner_id=admin_id) for k, d in definitions.items()}
    dashboard = create(
        client,
        layout=[widget(k, report_id=i) for k, i in ids.items()],
        filters={"period": "this_month", "owner": {"department": org.departments["sales"]}},
    )
    members = [org.users["lead"], org.users["rep_east"]]  # 销售部 and its 华东组
    cases = [
        ({}, {"period": "this_month", "department": members}),
        ({"filters": {"pipeline": "project"}}, {"period": "this_month", "department": members}),
        (
            {"filters": {"period": "last_month", "owner": {"user": org.users["outsider"]}}},
            {"period": "last_month", "user": org.users["outsider"]},
        ),
        ({"filters": {"owner": None, "period": None}}, {}),
    ]
    for body, expected in cases:
        widgets = run(client, dashboard["id"], **body)
        pipeline = (body.get("filters") or {}).get("pipeline")
        for key, definition in definitions.items():
            obj = definition["object"]
            date_path = {"opportunity": "close_date", "account": "created_at"}.get(obj)
            extra: list[dict[str, Any]] = []
            if "period" in expected:
                path = "created_at" if obj == "department" else date_path
                extra.append({"field": path, "op": "eq", "value": expected["period"]})
            owned = obj != "department"
            if owned and "department" in expected:
                extra.append({"field": "owner_id", "op": "in", "value": expected["department"]})
            if owned and "user" in expected:
                extra.append({"field": "owner_id", "op": "eq", "value": expected["user"]})
            if pipeline and obj == "opportunity":
                extra.append({"field": "pipeline", "op": "eq", "value": pipeline})
            got = widgets[key]
            assert "error" not in got, (key, got)
            want = report_run(client, definition, extra)
            assert got["result"] == want, (key, body)
            # The report's sort comes along: the web orders the widget's groups by it.
            assert got["sort"] == definition.get("sort", []), key
            ignored = set(got["filters_ignored"])
            if obj == "department":
                assert ignored == (
                    {"owner"} if expected.get("department") or "user" in expected else set()
                ) | ({"pipeline"} if pipeline else set())
            elif obj == "account":
                assert ignored == ({"pipeline"} if pipeline else set())
            else:
                assert ignored == set()
    # The narrowing is real: the filtered stage widget counts fewer deals than the report.
    narrowed = run(client, dashboard["id"])["stage"]["result"]["totals"]["count"]
    assert 0 < narrowed < 24


def test_department_filter_without_the_owners_paths(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    """A reader who may not see users' department paths gets the same narrowing (through the
    members' ids), not an error and not everyone's rows."""
    org = build_org(platform, tenant)
    deals(client, org, today_of(platform, tenant))
    folder = shared_folder(platform, tenant)
    definition = {"object": "opportunity", "group_by": [{"field": "stage"}]}
    report = save_report(platform, tenant, definition, owner_id=me(client), folder_id=folder)
    dashboard = create(
        client,
        folder_id=folder,
        layout=[widget("w", report_id=report)],
        filters={"owner": {"department": org.departments["sales"]}},
    )
    with platform.context(tenant, SYSTEM) as ctx:
        role = RecordsService(ctx).create("role", {"name": "看不到路径"})
        admin.set_role_permissions(
            ctx,
            role["id"],
            {
                "opportunity": rights("all"),
                "account": rights("all"),
                "user": rights("all", fields={"department_path": "hidden"}),
            },
        )
        RecordsService(ctx).update("user", org.users["outsider"], {"role": role["id"]})
    with signed_in(app, org.emails["outsider"]) as outsider:
        got = run(outsider, dashboard["id"])["w"]
        members = [org.users["lead"], org.users["rep_east"]]
        want = report_run(
            outsider, definition, [{"field": "owner_id", "op": "in", "value": members}]
        )
        assert got["result"] == want
        assert got["result"]["totals"]["count"] == 16


def test_a_rep_sees_only_own_rows_in_a_shared_dashboard(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    org = build_org(platform, tenant)
    rows = deals(client, org, today_of(platform, tenant))
    folder = shared_folder(platform, tenant)
    definition = {
        "object": "opportunity",
        "group_by": [{"field": "owner_id"}],
        "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
    }
    report = save_report(platform, tenant, definition, owner_id=me(client), folder_id=folder)
    dashboard = create(
        client,
        folder_id=folder,
        layout=[
            widget("by_owner", report_id=report),
            widget("total", kind="kpi", report_id=report, value="sum_amount", target=50000),
        ],
    )
    with platform.context(tenant, SYSTEM) as ctx:
        role = RecordsService(ctx).create("role", {"name": "代表"})
        admin.set_role_permissions(
            ctx, role["id"], {"opportunity": rights("own"), "account": rights("all")}
        )
        RecordsService(ctx).update("user", org.users["rep_east"], {"role": role["id"]})
    own = [r for r in rows if r["owner_id"] == org.users["rep_east"]]
    own_sum = sum(Decimal(r["amount"]) for r in own)
    with signed_in(app, org.emails["rep_east"]) as rep:
        widgets = run(rep, dashboard["id"])
    groups = widgets["by_owner"]["result"]["groups"]
    assert [g["key"]["owner_id"] for g in groups] == [org.users["rep_east"]]
    assert groups[0]["values"]["count"] == len(own)
    kpi = widgets["total"]["result"]
    assert Decimal(str(kpi["value"])) == own_sum and kpi["target"] == 50000
    everyone = run(client, dashboard["id"])
    assert len(everyone["by_owner"]["result"]["groups"]) == 3
    assert Decimal(str(everyone["total"]["result"]["value"])) == sum(
        Decimal(r["amount"]) for r in rows
    )


def test_one_broken_widget_does_not_fail_the_others(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    org = build_org(platform, tenant)
    folder = shared_folder(platform, tenant)
    admin_id = me(client)
    good = save_report(platform, tenant, {"object": "account"}, owner_id=admin_id, folder_id=folder)
    on_phone = {"object": "account", "group_by": [{"field": "phone"}]}
    hidden = save_report(platform, tenant, on_phone, owner_id=admin_id, folder_id=folder)
    gone = save_report(platform, tenant, {"object": "account"}, owner_id=admin_id, folder_id=folder)
    private = save_report(platform, tenant, {"object": "account"}, owner_id=admin_id)
    dashboard = create(
        client,
        folder_id=folder,
        layout=[
            widget("good", report_id=good),
            widget("hidden", report_id=hidden),
            widget("gone", report_id=gone),
            widget("private", report_id=private),
            widget("goal", kind="target", metric="won_amount", period_type="month"),
        ],
        filters={"owner": {"department": org.departments["east"]}},
    )
    with platform.context(tenant, SYSTEM) as ctx:
        ctx.conn.execute(
            sa.update(report_table).where(report_table.c.id == gone).values(deleted_at=ctx.now())
        )
        role = RecordsService(ctx).create("role", {"name": "无电话"})
        admin.set_role_permissions(
            ctx, role["id"], {"account": rights("all", fields={"phone": "hidden"})}
        )
        RecordsService(ctx).update("user", org.users["rep_east"], {"role": role["id"]})
    make_account(client, name="东区客户", owner_id=org.users["rep_east"])
    with signed_in(app, org.emails["rep_east"]) as rep:
        widgets = run(rep, dashboard["id"])
    assert widgets["good"]["result"]["totals"] == {"count": 1}
    assert widgets["hidden"]["error"] == {"status": 403, "code": "report_field_hidden"}
    assert widgets["gone"]["error"] == {"status": 404, "code": "not_found"}
    assert widgets["private"]["error"] == {"status": 404, "code": "not_found"}
    assert widgets["goal"]["result"] == {
        "metric": "won_amount",
        "period_type": "month",
        "department": org.departments["east"],
        "user": None,
    }
    # A definition a metadata change broke: that widget's 422, the others still answer.
    broken = save_report(
        platform, tenant, {"object": "account", "group_by": [{"field": "nope"}]}, owner_id=admin_id
    )
    mixed = create(client, layout=[widget("ok", report_id=good), widget("bad", report_id=broken)])
    answered = run(client, mixed["id"])
    assert answered["bad"]["error"]["status"] == 422
    assert answered["bad"]["error"]["errors"][0]["field"] == "group_by.0.field"
    assert answered["ok"]["result"]["totals"]["count"] >= 1


def test_kpi_value_previous_period_and_trend(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    org = build_org(platform, tenant)
    today = today_of(platform, tenant)
    rows = deals(client, org, today)
    definition = {
        "object": "opportunity",
        "group_by": [{"field": "close_date", "bucket": "month"}],  # the period goes here
        "aggregates": [{"op": "sum", "field": "amount"}, {"op": "count"}],
    }
    report = save_report(
        platform, tenant, definition, owner_id=me(client), chart={"type": "kpi", "value": "count"}
    )
    accounts = save_report(platform, tenant, {"object": "account"}, owner_id=me(client))
    dashboard = create(
        client,
        layout=[
            widget("sum", kind="kpi", report_id=report, value="sum_amount", target=9999),
            widget("count", kind="kpi", report_id=report),  # the chart's value
            widget("flat", kind="kpi", report_id=report, compare="none"),
            widget("new", kind="kpi", report_id=accounts),  # a date-time: created_at
        ],
        filters={"period": "this_month"},
    )
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)

    def total(start: date, end: date) -> Decimal:
        return sum(
            (
                Decimal(r["amount"])
                for r in rows
                if start <= date.fromisoformat(r["close_date"]) < end
            ),
            Decimal(0),
        )

    next_month = (this_month + timedelta(days=32)).replace(day=1)
    now, before = total(this_month, next_month), total(last_month, this_month)
    widgets = run(client, dashboard["id"])
    kpi = widgets["sum"]["result"]
    assert Decimal(str(kpi["value"])) == now and Decimal(str(kpi["previous"])) == before
    assert kpi["target"] == 9999 and kpi["period_field"] == "close_date"
    trend = ((now - before) * 100 / before).quantize(Decimal("0.01"))
    assert Decimal(str(kpi["trend_percent"])) == trend
    assert kpi["column"]["key"] == "sum_amount" and kpi["column"]["type"] == "currency"
    assert widgets["count"]["result"]["value"] == 8 and widgets["count"]["result"]["previous"] == 8
    assert widgets["count"]["result"]["trend_percent"] == 0
    assert widgets["flat"]["result"]["previous"] is None
    created = widgets["new"]["result"]
    assert created["period_field"] == "created_at"
    assert (created["value"], created["previous"], created["trend_percent"]) == (1, 0, None)
    # No period: nothing to compare with.
    plain = run(client, dashboard["id"], filters={"period": None})["count"]["result"]
    assert plain["value"] == 24 and plain["previous"] is None and plain["trend_percent"] is None
    # The 30 days before the last 30.
    rolling = run(client, dashboard["id"], filters={"period": "last_n_days:30"})["sum"]["result"]
    start, end = previous_period("last_n_days:30", today)
    assert Decimal(str(rolling["previous"] or 0)) == total(start, end)


# ------------------------------------------------------------------ home
def test_home_dashboard_resolution(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    org = build_org(platform, tenant)
    folder = shared_folder(platform, tenant)
    with platform.context(tenant, SYSTEM) as ctx:
        role = RecordsService(ctx).create("role", {"name": "销售"})
        RecordsService(ctx).update("user", org.users["rep_east"], {"role": role["id"]})
    for_role = create(client, folder_id=folder)
    private = create(client)
    assert (
        client.put(
            f"/api/v1/dashboards/home/roles/{role['id']}", json={"dashboard_id": private["id"]}
        ).json()["errors"][0]["code"]
        == "not_shared"
    )
    set_role = client.put(
        f"/api/v1/dashboards/home/roles/{role['id']}", json={"dashboard_id": for_role["id"]}
    )
    assert set_role.status_code == 200, set_role.text
    with signed_in(app, org.emails["rep_east"]) as rep:
        assert rep.get("/api/v1/dashboards/home").json() == {
            "dashboard_id": for_role["id"],
            "source": "role",
        }
        # Only administrators set a role's home.
        refused = rep.put(
            f"/api/v1/dashboards/home/roles/{role['id']}", json={"dashboard_id": None}
        )
        assert refused.status_code == 403
        # Nobody makes someone else's private dashboard their home.
        assert (
            rep.put("/api/v1/dashboards/home", json={"dashboard_id": private["id"]}).status_code
            == 422
        )
        own = rep.post("/api/v1/dashboards", json={"name": "我的"}).json()
        chosen = rep.put("/api/v1/dashboards/home", json={"dashboard_id": own["id"]})
        assert chosen.json() == {"dashboard_id": own["id"], "source": "user"}
        # Their own gone to the recycle bin: the role's again.
        assert rep.delete(f"/api/v1/dashboards/{own['id']}").status_code == 204
        assert rep.get("/api/v1/dashboards/home").json()["source"] == "role"
        # The role's moved where the rep cannot read it: nothing (not a dashboard they cannot open).
        hidden = client.patch(f"/api/v1/dashboards/{for_role['id']}", json={"folder_id": None})
        assert hidden.status_code == 200, hidden.text
        assert rep.get("/api/v1/dashboards/home").json() == {"dashboard_id": None, "source": None}
        assert rep.put("/api/v1/dashboards/home", json={"dashboard_id": None}).status_code == 200
    # The administrator has no role and chose nothing.
    assert client.get("/api/v1/dashboards/home").json() == {"dashboard_id": None, "source": None}


def test_a_run_of_named_widgets_answers_those_only(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """The web app asks for each widget on its own (they then run in parallel): a run naming
    widgets answers exactly those, in that order, each as the whole run answers it; an id the
    layout lacks (a widget removed since) answers its own 404."""
    admin_id = me(client)
    make_account(client, name="单项客户", province="北京")
    by_province = save_report(
        platform,
        tenant,
        {"object": "account", "group_by": [{"field": "province"}]},
        owner_id=admin_id,
    )
    total = save_report(platform, tenant, {"object": "account"}, owner_id=admin_id)
    dashboard = create(
        client,
        layout=[
            widget("provinces", report_id=by_province),
            widget("total", kind="kpi", report_id=total, compare="none"),
            widget("goal", kind="target", metric="won_amount", period_type="month"),
        ],
    )
    whole = run(client, dashboard["id"])
    response = client.post(
        f"/api/v1/dashboards/{dashboard['id']}/run",
        json={"widgets": ["total", "removed", "provinces", "total"]},
    )
    assert response.status_code == 200, response.text
    answered = response.json()["widgets"]
    assert [w["id"] for w in answered] == ["total", "removed", "provinces"]
    # Kept from the whole run (keyi.platform.analytics.kept): the same answer, as of its time.
    assert answered[0] == {**whole["total"], "cached": True}
    assert answered[1]["error"] == {"status": 404, "code": "not_found"}
    assert answered[2] == {**whole["provinces"], "cached": True}
    assert run(client, dashboard["id"], widgets=[]) == {}
    for bad, where in (
        ({"widgets": "total"}, "widgets"),
        ({"widgets": [""]}, "widgets.0"),
        ({"widgets": ["x"] * 31}, "widgets"),
    ):
        refused = client.post(f"/api/v1/dashboards/{dashboard['id']}/run", json=bad)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [where], refused.text
