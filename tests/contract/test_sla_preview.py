"""The issue's SLA contract on a new company (every default package): the shipped policy
``standard`` on ``china_standard`` — high priority's first response is 4 business hours — so a
case starting Friday 2026-12-04 17:00 +08:00 is due Monday 2026-12-07 12:00 +08:00, and a new
case gets its read-only due times and ``sla_status`` on create."""

from __future__ import annotations

from tests.contract.conftest import World


def test_issue_example(world: World) -> None:
    body = {"policy": "standard", "priority": "high", "start": "2026-12-04T17:00:00+08:00"}
    answer = world.api.ok("POST", "/service/sla/preview", json=body)
    assert answer["first_response_due"] == "2026-12-07T12:00:00+08:00"
    assert answer["first_response_minutes"] == 240
    assert answer["calendar"] == "china_standard"


def test_case_gets_due_times_on_create(world: World) -> None:
    case = world.api.ok(
        "POST", "/records/case", 201, json={"subject": "合同打印故障", "priority": "high"}
    )
    assert case["sla_status"] == "on_track"
    assert case["first_response_due"] is not None and case["resolution_due"] is not None
    assert case["first_response_due"] < case["resolution_due"]
    # Read-only: a client cannot set them.
    refused = world.api.request("PATCH", f"/records/case/{case['id']}", json={"sla_status": "met"})
    assert refused.status_code == 422
