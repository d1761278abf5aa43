"""The service console over HTTP: ordered by the next due time (cases without one last), keyset
pages that neither repeat nor skip, counts per status and SLA state, the next due time kept
by the package as the case moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.packages.service import console as consoles
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.integration.l2c_helpers import created, ok
from tests.integration.service_helpers import (
    SERVICE,
    S,
    get_case,
    make_case,
    make_queue,
    now,
    reply,
    set_status,
)

pytestmark = pytest.mark.packages(*SERVICE)


def set_sla(platform: Platform, tenant: TenantInfo, case_id: str, **values: Any) -> None:
    """Due times and state as the SLA engine would write them (trusted fields)."""
    with platform.context(tenant, Actor.system("sla")) as ctx:
        RecordsService(ctx).update("case", case_id, values, trusted_fields=frozenset(values))


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z"


def pages(client: TestClient, **params: Any) -> list[list[str]]:
    found, cursor = [], None
    while True:
        answer = ok(client.get(f"{S}/console", params={**params, "limit": 2, "cursor": cursor}))
        found.append([r["id"] for r in answer["records"]])
        cursor = answer["next_cursor"]
        if not cursor:
            return found


def test_console_orders_pages_and_counts(
    client: TestClient, platform: Platform, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = now(platform, tenant).replace(microsecond=0)
    queue = make_queue(client, "售后服务", "manual")
    cases = [make_case(client, queue=queue["id"], subject=f"工单{i}")["id"] for i in range(6)]
    # Due in 3 h, 1 h, 2 h (breached an hour ago for the fourth), none for the fifth.
    for case_id, hours, state in (
        (cases[0], 3, "on_track"),
        (cases[1], 1, "warning"),
        (cases[2], 2, "on_track"),
        (cases[3], -1, "breached"),
    ):
        set_sla(
            platform,
            tenant,
            case_id,
            first_response_due=_iso(at + timedelta(hours=hours)),
            resolution_due=_iso(at + timedelta(hours=24 + hours)),
            sla_status=state,
        )
    # The fifth has no service level (the shipped default policy gave it one on create).
    set_sla(
        platform, tenant, cases[4], first_response_due=None, resolution_due=None, sla_status=None
    )
    ok(set_status(client, cases[5], "resolved", resolution="已处理"))
    expected = [cases[3], cases[1], cases[2], cases[0], cases[4]]
    assert pages(client, view="queue", queue=queue["id"]) == [
        expected[0:2],
        expected[2:4],
        expected[4:5],
    ]
    first = ok(client.get(f"{S}/console", params={"view": "all_open"}))
    assert [r["id"] for r in first["records"]] == expected
    row = first["records"][0]
    assert row["next_due"] == row["first_response_due"] and row["sla_status"] == "breached"
    assert first["counts"] == {
        "status": {"new": 5},
        "sla_status": {"on_track": 2, "warning": 1, "breached": 1, "none": 1},
        "capped": False,
    }
    # Over the cap the counts are of that many cases, and say so.
    monkeypatch.setattr(consoles, "COUNT_CAP", 3)
    capped = ok(client.get(f"{S}/console", params={"view": "all_open"}))["counts"]
    assert capped["capped"] is True and capped["status"] == {"new": 4}
    assert sum(capped["sla_status"].values()) == 4
    monkeypatch.setattr(consoles, "COUNT_CAP", 5)
    assert ok(client.get(f"{S}/console", params={"view": "all_open"}))["counts"]["capped"] is False
    resolved = ok(client.get(f"{S}/console", params={"view": "all_open", "status": "resolved"}))
    assert [r["id"] for r in resolved["records"]] == [cases[5]]
    assert resolved["counts"]["status"] == {"new": 5}  # the view's open cases

    # The first public reply moves the next due time to the resolution's: last now.
    created(reply(client, cases[3], "您好，已收到。"))
    case = get_case(client, cases[3])
    assert case["next_due"] == case["resolution_due"]
    again = ok(client.get(f"{S}/console", params={"view": "all_open"}))
    assert [r["id"] for r in again["records"]] == [cases[1], cases[2], cases[0], cases[3], cases[4]]
    # Resolved: no next due time, out of the console's open views.
    ok(set_status(client, cases[1], "resolved", resolution="已处理"))
    assert get_case(client, cases[1])["next_due"] is None
    mine = ok(client.get(f"{S}/console", params={"view": "mine"}))
    assert cases[1] not in [r["id"] for r in mine["records"]]
    # A cursor of another sort order or a tampered one is refused, not misread.
    assert client.get(f"{S}/console", params={"cursor": "garbage"}).status_code == 422
