"""The fiscal year's first month: set by administrators, read by everyone, and followed at
once by fiscal buckets, fiscal relative dates and the export's period names — checked across
the March 31 / April 1 boundary of a company whose fiscal year starts in April."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from keyi.platform.analytics.run import run_report
from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, make_account, rights

DAYS = ["2025-03-31", "2025-04-01", "2026-01-15", "2026-03-31", "2026-04-01", "2027-03-31"]


def _deals(client: TestClient) -> None:
    account = make_account(client, name="财年客户")
    rows = [
        {"name": day, "account": account["id"], "stage": "proposal", "close_date": day}
        for day in DAYS
    ]
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text


def _keys(client: TestClient, bucket: str) -> dict[str, int]:
    response = client.post(
        "/api/v1/reports/run",
        json={"object": "opportunity", "group_by": [{"field": "close_date", "bucket": bucket}]},
    )
    assert response.status_code == 200, response.text
    return {g["key"]["close_date"]: g["values"]["count"] for g in response.json()["groups"]}


def test_only_administrators_set_the_month(
    app,
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,  # type: ignore[no-untyped-def]
) -> None:
    assert client.get("/api/v1/analytics/settings").json() == {
        "fiscal_year_start_month": 1,
        "dashboard_answer_minutes": 15,
    }
    for bad in (0, 13, "4", 4.0, None):
        refused = client.put("/api/v1/analytics/settings", json={"fiscal_year_start_month": bad})
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["field"] == "fiscal_year_start_month"
    add_member(platform, tenant, "rep@fiscal.example", {"opportunity": rights("all")})
    with TestClient(app) as rep:
        login(rep, "rep@fiscal.example", tenant=tenant.name)
        refused = rep.put("/api/v1/analytics/settings", json={"fiscal_year_start_month": 4})
        assert refused.status_code == 403
        saved = client.put("/api/v1/analytics/settings", json={"fiscal_year_start_month": 4})
        assert saved.status_code == 200 and saved.json()["fiscal_year_start_month"] == 4
        assert rep.get("/api/v1/analytics/settings").json()["fiscal_year_start_month"] == 4
    [entry] = client.get("/api/v1/audit", params={"action": "analytics.settings"}).json()["entries"]
    assert entry["details"] == {"fiscal_year_start_month": 4, "previous": 1}


def test_fiscal_buckets_follow_an_april_year(client: TestClient) -> None:
    _deals(client)
    assert _keys(client, "fiscal_quarter") == _keys(client, "quarter")  # January: calendar
    assert client.put("/api/v1/analytics/settings", json={"fiscal_year_start_month": 4}).json()
    # The very next request groups by April years: March 31 closes a year, April 1 opens one.
    assert _keys(client, "fiscal_year") == {"2024-04-01": 1, "2025-04-01": 3, "2026-04-01": 2}
    assert _keys(client, "fiscal_quarter") == {
        "2025-01-01": 1,
        "2025-04-01": 1,
        "2026-01-01": 2,
        "2026-04-01": 1,
        "2027-01-01": 1,
    }
    # The export names them as the fiscal year does: Jan–Mar 2026 is FY2025's fourth quarter.
    response = client.post(
        "/api/v1/reports/export",
        params={"format": "csv"},
        json={
            "object": "opportunity",
            "group_by": [{"field": "close_date", "bucket": "fiscal_quarter"}],
        },
        headers={"Accept-Language": "en"},
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:-1]] == [
        "FY2024 Q4",
        "FY2025 Q1",
        "FY2025 Q4",
        "FY2026 Q1",
        "FY2026 Q4",
    ]


def _names_on(platform: Platform, tenant: TenantInfo, moment: datetime, literal: str) -> list[str]:
    """The deals a report filtered on ``literal`` finds when the company's clock says
    ``moment`` (UTC; the tenant's day is Asia/Shanghai's)."""
    spec = ReportSpec(
        object="opportunity",
        type="tabular",
        filter={"field": "close_date", "op": "eq", "value": literal},
        columns=["name"],
        sort=[{"key": "name"}],
        limit=50,
    )
    with platform.context(tenant, Actor.system("test")) as ctx:
        ctx.started_at = moment
        return [r["name"] for r in run_report(ctx, spec)["records"]]


def test_fiscal_relative_dates_across_the_boundary(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    _deals(client)
    client.put("/api/v1/analytics/settings", json={"fiscal_year_start_month": 4})
    # 23:30 on March 31 in Shanghai is still March 31 there, though April 1 is near in UTC...
    march_31 = datetime(2026, 3, 31, 15, 30)
    # ... and 00:30 on April 1 in Shanghai is April 1 there, though still March 31 in UTC.
    april_1 = datetime(2026, 3, 31, 16, 30)
    cases: dict[tuple[datetime, str], list[str]] = {
        (march_31, "this_fiscal_quarter"): ["2026-01-15", "2026-03-31"],
        (april_1, "this_fiscal_quarter"): ["2026-04-01"],
        (march_31, "this_fiscal_year"): ["2025-04-01", "2026-01-15", "2026-03-31"],
        (april_1, "this_fiscal_year"): ["2026-04-01", "2027-03-31"],
        (april_1, "last_fiscal_year"): ["2025-04-01", "2026-01-15", "2026-03-31"],
        (march_31, "last_fiscal_quarter"): [],
        (march_31, "next_fiscal_year"): ["2026-04-01", "2027-03-31"],
        (april_1, "next_fiscal_year"): [],
    }
    found: dict[tuple[datetime, str], Any] = {
        case: _names_on(platform, tenant, *case) for case in cases
    }
    assert found == cases
