"""``POST /api/v1/service/sla/preview`` over HTTP: the issue's example (Friday 2026-12-04
17:00 +08:00, standard/high → Monday 12:00 +08:00), a grade's own target, the warning for a
year China's holiday data does not cover, and per-field problems for bad input; and a tenant
from before the service package gets the standard calendar and policy from the upgrade."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.packages.service import sla
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.calendars import china
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform

SERVICE = ("core", "sales", "l2c", "service")
URL = "/api/v1/service/sla/preview"
SYSTEM = Actor.system("test")


def preview(client: TestClient, **body: Any) -> Any:
    return client.post(URL, json=body)


@pytest.mark.packages(*SERVICE)
def test_the_issues_example(client: TestClient) -> None:
    answer = preview(client, policy="standard", priority="high", start="2026-12-04T17:00:00+08:00")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["first_response_due"] == "2026-12-07T12:00:00+08:00"
    assert found["resolution_due"] == "2026-12-08T15:00:00+08:00"
    assert (found["calendar"], found["time_zone"]) == ("china_standard", "Asia/Shanghai")
    assert found["warnings"] == []
    # The same instant in UTC: answered in the calendar's offset.
    utc = preview(client, policy="standard", priority="high", start="2026-12-04T09:00:00Z")
    assert utc.json()["first_response_due"] == "2026-12-07T12:00:00+08:00"
    # Spring Festival 2026: from the eve into the make-up Saturday, then after the holiday.
    festival = preview(
        client, policy="standard", priority="high", start="2026-02-13T17:30:00+08:00"
    )
    assert festival.json()["first_response_due"] == "2026-02-14T12:30:00+08:00"
    assert festival.json()["resolution_due"] == "2026-02-24T15:30:00+08:00"


@pytest.mark.packages(*SERVICE)
def test_grade_and_uncovered_year(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        policy = sla.policy_by_key(ctx, "standard")
        assert policy is not None
        RecordsService(ctx).create(
            "sla_target",
            {
                "policy": policy.id,
                "priority": "high",
                "account_grade": "A",
                "first_response_hours": "0.5",
                "resolution_hours": 4,
            },
        )
    vip = preview(
        client,
        policy="standard",
        priority="high",
        start="2026-12-04T17:00:00+08:00",
        account_grade="A",
    )
    assert vip.json()["first_response_due"] == "2026-12-04T17:30:00+08:00"
    assert vip.json()["resolution_due"] == "2026-12-07T12:00:00+08:00"
    year = china.covered_years()[1] + 1
    later = preview(client, policy="standard", priority="low", start=f"{year}-03-02T09:00:00+08:00")
    assert later.status_code == 200
    assert later.json()["warnings"] == [f"china_holidays_not_covered:{year}"]


@pytest.mark.packages(*SERVICE)
@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"policy": "nope", "priority": "high"}, "policy", "unknown_policy"),
        ({"policy": "standard", "priority": "highest"}, "priority", "unknown_priority"),
        ({"start": "2026-12-04 17:00"}, "start", "datetime_needs_offset"),
        ({"start": "next friday"}, "start", "datetime_needs_offset"),
        ({"account_grade": "Z"}, "account_grade", "unknown_grade"),
    ],
)
def test_bad_input_is_a_field_problem(
    client: TestClient, body: dict[str, Any], field: str, code: str
) -> None:
    full = {"policy": "standard", "priority": "high", "start": "2026-12-04T17:00:00+08:00", **body}
    answer = client.post(URL, json=full)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [(field, code)]


@pytest.mark.packages(*SERVICE)
def test_missing_and_extra_fields(client: TestClient) -> None:
    answer = client.post(URL, json={"policy": "standard", "priority": "high"})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["start"]


@pytest.mark.packages("core", "sales", "l2c")
def test_upgrade_ships_the_standard_sla(platform: Platform, tenant: TenantInfo) -> None:
    """A company made before the service package gets it, with the calendar and the default
    policy, from ``keyi tenant upgrade``; a second upgrade adds nothing."""
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert ctx.schema.get("sla_policy") is None
    report = upgrade_tenant(platform, tenant)
    assert report.conflicts == []
    assert any("standard SLA added" in str(n) for n in report.changes), report.changes
    with platform.context(tenant, SYSTEM) as ctx:
        policy = sla.default_policy(ctx)
        assert policy is not None and policy.key == "standard"
        made = RecordsService(ctx).create("case", {"subject": "升级后的工单", "priority": "high"})
        assert made["sla_status"] == "on_track" and made["first_response_due"] is not None
    assert upgrade_tenant(platform, tenant).changes == []
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert len(sla._rows(ctx, "sla_policy")) == 1
        assert len(sla._rows(ctx, "business_calendar")) == 1
