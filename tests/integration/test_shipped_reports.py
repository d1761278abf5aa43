"""Reports the packages ship: filed in the package's folder (shared with everyone) when a
company is created, added to older companies by the upgrade, brought up to date only where the
company kept them as shipped, and every one of them runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages import Package, install_resolved, load_package
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.analytics.shipped import content_digest
from keyi.platform.analytics.tables import report_folder_table, report_table
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform, utcnow
from tests.conftest import new_tenant_name
from tests.integration.helpers import make_account
from tests.integration.l2c_helpers import L2C, make, make_contract

SYSTEM = Actor.system("test")
SALES_REPORTS = {
    "sales.activities_by_rep_and_type",
    "sales.forecast_by_fiscal_quarter",
    "sales.forecast_by_month",
    "sales.lead_source_conversion",
    "sales.lost_reasons",
    "sales.pipeline_by_stage",
    "sales.won_by_department",
    "sales.won_by_rep",
}
L2C_REPORTS = {"l2c.contracts_by_month", "l2c.payments_by_month"}


def reports_of(platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        return {r.key: r for r in ctx.conn.execute(sa.select(report_table)).all()}


def folders_of(platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        return {r.key: r for r in ctx.conn.execute(sa.select(report_folder_table)).all()}


def fixture_data(client: TestClient) -> None:
    """A little of everything the shipped reports read, dated so their periods include it."""
    today = utcnow().date()
    account = make_account(client, name="报表测试有限公司")["id"]
    for stage, amount in (("won", "1000"), ("won", "500"), ("negotiation", "300")):
        make(
            client,
            "opportunity",
            name=stage,
            account=account,
            stage=stage,
            amount=amount,
            close_date=today.isoformat(),
        )
    make(
        client,
        "opportunity",
        name="lost",
        account=account,
        stage="lost",
        lost_reason="competitor",
        amount="80",
        close_date=(today - timedelta(days=3)).isoformat(),
    )
    for kind in ("call", "visit", "task"):
        make(client, "activity", subject=kind, type=kind, due_date=today.isoformat())
    for source, status in (("website", "new"), ("website", "converted"), ("referral", "new")):
        make(client, "lead", name="王芳", company="某某公司", source=source, status=status)


def run(client: TestClient, definition: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/reports/run", json=definition)
    assert response.status_code == 200, (definition, response.text)
    return dict(response.json())


@pytest.mark.packages(*L2C)
def test_a_new_company_gets_every_shipped_report_and_each_runs(
    platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    folders = folders_of(platform, tenant)
    assert set(folders) == {"sales.reports", "l2c.reports"}
    sales = folders["sales.reports"]
    assert sales.name == {"zh-CN": "销售分析", "en": "Sales analytics"}
    assert sales.sharing == {"scope": "all"} and sales.owner_id is None
    assert sales.package == "sales"

    reports = reports_of(platform, tenant)
    assert set(reports) == SALES_REPORTS | L2C_REPORTS
    for key, row in reports.items():
        package = key.split(".")[0]
        assert row.package == package and row.folder_id == folders[f"{package}.reports"].id
        assert row.version == 1 and row.owner_id is None and row.deleted_at is None
        assert set(row.name) == {"zh-CN", "en"} and set(row.description) == {"zh-CN", "en"}

    fixture_data(client)
    contract = make_contract(client, amount="2000.00")
    signed = client.patch(
        f"/api/v1/records/contract/{contract['id']}",
        json={"signed_on": utcnow().date().isoformat()},
    )
    assert signed.status_code == 200, signed.text
    make(
        client,
        "payment",
        account=contract["account"],
        contract=contract["id"],
        amount="600",
        received_on=utcnow().date().isoformat(),
    )
    results = {key: run(client, row.definition) for key, row in reports.items()}

    for key, row in reports.items():
        result, chart = results[key], row.chart
        assert result["type"] == row.type == row.definition["type"], key
        # The chart names what the result has: its axes are groupings, its value an aggregate.
        groupings = {c["key"] for c in result["columns"] if c["kind"].endswith("_group")}
        values = {c["key"] for c in result["columns"] if c["kind"] == "aggregate"}
        assert chart["x"] in groupings and chart.get("series", chart["x"]) in groupings, key
        assert chart["value"] in values, key

    admin = client.get("/api/v1/me").json()["user"]["id"]
    won = results["sales.won_by_rep"]
    assert [(g["key"]["owner_id"], g["values"]) for g in won["groups"]] == [
        (admin, {"sum_amount": 1500, "count": 2})
    ]
    funnel = results["sales.pipeline_by_stage"]["groups"]
    assert [(g["key"]["stage"], g["values"]["count"]) for g in funnel] == [("negotiation", 1)]
    month = results["sales.forecast_by_month"]
    categories = {g["key"]["forecast_category"]: g["values"] for g in month["groups"]}
    assert categories["closed"]["sum_amount"] == 1500
    # Weighted: 300 at negotiation's 60 %.
    assert categories["best_case"]["sum_expected_revenue"] == 180
    lost = results["sales.lost_reasons"]["groups"]
    assert [(g["key"]["lost_reason"], g["values"]["percent_count"]) for g in lost] == [
        ("competitor", 100)
    ]
    activities = results["sales.activities_by_rep_and_type"]
    assert activities["totals"]["count"] == 3
    leads = results["sales.lead_source_conversion"]
    assert {(g["key"]["source"], g["key"]["status"]) for g in leads["groups"]} == {
        ("website", "new"),
        ("website", "converted"),
        ("referral", "new"),
    }
    assert results["l2c.payments_by_month"]["totals"] == {"sum_amount": 600, "count": 1}
    assert results["l2c.contracts_by_month"]["totals"] == {"count": 1, "sum_amount": 2000}


def sales_without_reports() -> Package:
    return replace(load_package("sales"), reports=(), report_folder=None)


def newer_sales(changed: set[str]) -> Package:
    """This release's sales package with the reports of ``changed`` renamed (a later release
    that improved them)."""
    sales = load_package("sales")
    reports = tuple(
        replace(r, name={**r.name, "en": r.name["en"] + " (v2)"}) if r.key in changed else r
        for r in sales.reports
    )
    return replace(sales, reports=reports)


def test_the_upgrade_adds_reports_and_updates_only_those_kept_as_shipped(
    platform: Platform,
) -> None:
    core = load_package("core")
    info = platform.create_tenant(
        new_tenant_name(),
        installer=lambda ctx: install_resolved(ctx, [core, sales_without_reports()]),
    )
    try:
        assert reports_of(platform, info) == {} and folders_of(platform, info) == {}
        report = upgrade_tenant(platform, info, packages=[core, load_package("sales")])
        added = sorted(n.target for n in report.changes if ":report:" in n.target)
        assert added == sorted(f"sales:report:{k}" for k in SALES_REPORTS), report.lines()
        assert set(folders_of(platform, info)) == {"sales.reports"}
        before = reports_of(platform, info)
        assert set(before) == SALES_REPORTS

        # The company edits one report, bins one and deletes one for good; it renames the folder.
        with platform.context(info, SYSTEM) as ctx:
            edited = before["sales.won_by_rep"]
            ctx.conn.execute(
                sa.update(report_table)
                .where(report_table.c.id == edited.id)
                .values(name={"zh-CN": "我们的排行榜"}, version=2)
            )
            ctx.conn.execute(
                sa.update(report_table)
                .where(report_table.c.key == "sales.lost_reasons")
                .values(deleted_at=utcnow())
            )
            ctx.conn.execute(
                sa.delete(report_table).where(report_table.c.key == "sales.forecast_by_month")
            )
            ctx.conn.execute(
                sa.update(report_folder_table).values(
                    name={"": "分析"}, sharing={"scope": "private"}
                )
            )

        changed = {
            "sales.won_by_rep",  # edited by the company: kept, reported
            "sales.pipeline_by_stage",  # kept as shipped: updated
            "sales.lost_reasons",  # in the recycle bin: left there
            "sales.forecast_by_month",  # deleted for good: not brought back
        }
        report = upgrade_tenant(platform, info, packages=[core, newer_sales(changed)])
        notes = {n.target: str(n) for n in report.changes if ":report:" in n.target}
        assert notes == {
            "sales:report:sales.pipeline_by_stage": (
                "sales:report:sales.pipeline_by_stage: standard report updated"
            )
        }, report.lines()
        assert [n.target for n in report.conflicts] == ["sales:report:sales.won_by_rep"]

        after = reports_of(platform, info)
        assert set(after) == SALES_REPORTS - {"sales.forecast_by_month"}
        assert after["sales.won_by_rep"].name == {"zh-CN": "我们的排行榜"}
        assert after["sales.won_by_rep"].version == 2
        updated = after["sales.pipeline_by_stage"]
        assert updated.name["en"] == "Pipeline by stage (v2)" and updated.version == 2
        assert after["sales.lost_reasons"].name["en"] == "Win/loss reasons"
        untouched = after["sales.activities_by_rep_and_type"]
        assert untouched.version == 1 and untouched.updated_at == before[untouched.key].updated_at
        folder = folders_of(platform, info)["sales.reports"]
        assert folder.name == {"": "分析"} and folder.sharing == {"scope": "private"}

        # Nothing left to do; and a report edited back to the shipped text counts as kept.
        assert upgrade_tenant(platform, info, packages=[core, newer_sales(changed)]).changes == []
        with platform.context(info, SYSTEM) as ctx:
            shipped = next(r for r in newer_sales(changed).reports if r.key == "sales.won_by_rep")
            ctx.conn.execute(
                sa.update(report_table)
                .where(report_table.c.key == "sales.won_by_rep")
                .values(name=shipped.name)
            )
            row = ctx.conn.execute(
                sa.select(report_table).where(report_table.c.key == "sales.won_by_rep")
            ).one()
            assert content_digest(dict(row._mapping)) == shipped.digest()
        third = newer_sales({"sales.won_by_rep"})
        third = replace(
            third,
            reports=tuple(
                replace(r, name={**r.name, "en": "Ranking v3"})
                if r.key == "sales.won_by_rep"
                else r
                for r in third.reports
            ),
        )
        report = upgrade_tenant(platform, info, packages=[core, third])
        assert report.conflicts == [], report.lines()
        assert reports_of(platform, info)["sales.won_by_rep"].name["en"] == "Ranking v3"
    finally:
        platform.drop_tenant(info.name)


def test_a_bad_shipped_definition_fails_when_the_package_loads() -> None:
    from keyi.platform.analytics.shipped import ShippedReport
    from keyi.platform.errors import ValidationFailed

    good = {
        "key": "k",
        "name": {"en": "K"},
        "object": "opportunity",
        "definition": {"type": "summary", "group_by": [{"field": "stage"}]},
    }
    assert ShippedReport.from_file("sales", good).key == "sales.k"
    with pytest.raises(ValidationFailed):
        ShippedReport.from_file(
            "sales", {**good, "definition": {"type": "summary", "group_by": [{"x": 1}]}}
        )
    with pytest.raises(ValueError, match="unknown keys"):
        ShippedReport.from_file("sales", {**good, "folder": "x"})
