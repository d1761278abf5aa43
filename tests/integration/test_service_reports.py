"""The service package's standard reports: filed in its folder, each runs and counts right."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.integration.l2c_helpers import ok
from tests.integration.service_helpers import SERVICE, make_case, make_queue, me, set_status
from tests.integration.test_shipped_reports import folders_of, reports_of, run

pytestmark = pytest.mark.packages(*SERVICE)
KEYS = {
    "service.open_cases_by_status_priority",
    "service.cases_by_queue_owner",
    "service.cases_by_month_type",
    "service.satisfaction_by_agent",
    "service.satisfaction_by_queue",
    "service.satisfaction_by_month",
}


def _groups(result: dict[str, Any], *keys: str) -> dict[tuple[Any, ...], int]:
    return {tuple(g["key"][k] for k in keys): g["values"]["count"] for g in result["groups"]}


def test_service_reports_ship_and_run(
    platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    folders = folders_of(platform, tenant)
    assert folders["service.reports"].name == {"zh-CN": "服务分析", "en": "Service analytics"}
    reports = {k: r for k, r in reports_of(platform, tenant).items() if k.startswith("service.")}
    assert set(reports) == KEYS
    queue = make_queue(client, "售后服务", "manual")
    make_case(client, queue=queue["id"], priority="high", type="fault")
    make_case(client, queue=queue["id"], priority="high", type="fault")
    make_case(client, priority="low", type="inquiry", status="in_progress")
    done = make_case(client, priority="urgent", type="complaint", status="in_progress")
    ok(set_status(client, done["id"], "resolved", resolution="已处理"))
    results = {key: run(client, row.definition) for key, row in reports.items()}
    open_cases = results["service.open_cases_by_status_priority"]
    assert _groups(open_cases, "status", "priority") == {
        ("new", "high"): 2,
        ("in_progress", "low"): 1,
    }
    by_queue = results["service.cases_by_queue_owner"]
    admin = me(client)
    assert _groups(by_queue, "queue", "owner_id") == {(queue["id"], admin): 2, (None, admin): 2}
    by_month = results["service.cases_by_month_type"]
    assert {k[1]: n for k, n in _groups(by_month, "created_at", "type").items()} == {
        "fault": 2,
        "inquiry": 1,
        "complaint": 1,
    }
    for key, row in reports.items():
        groupings = {c["key"] for c in results[key]["columns"] if c["kind"].endswith("_group")}
        assert row.chart["x"] in groupings, key
