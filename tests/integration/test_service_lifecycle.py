"""A case's life over HTTP: transitions, resolve/close/reopen stamps, the reopen window, the
service settings and the auto-close job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from keyi.jobs import jobs
from keyi.packages.service.lifecycle import TRANSITIONS
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_member, rights
from tests.integration.l2c_helpers import conflict, ok, refused
from tests.integration.service_helpers import (
    SERVICE,
    S,
    action,
    backdate,
    get_case,
    make_case,
    now,
    set_status,
)

pytestmark = pytest.mark.packages(*SERVICE)
STATUSES = ["new", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed"]
# The path from `new` to each status through allowed steps.
PATH = {
    "new": [],
    "assigned": ["assigned"],
    "in_progress": ["in_progress"],
    "waiting_on_customer": ["waiting_on_customer"],
    "resolved": ["resolved"],
    "closed": ["resolved", "closed"],
}
ALLOWED = {
    ("new", "assigned"), ("new", "in_progress"), ("new", "waiting_on_customer"),
    ("new", "resolved"),
    ("assigned", "in_progress"), ("assigned", "waiting_on_customer"), ("assigned", "resolved"),
    ("in_progress", "waiting_on_customer"), ("in_progress", "resolved"),
    ("waiting_on_customer", "in_progress"), ("waiting_on_customer", "resolved"),
    ("resolved", "closed"), ("resolved", "in_progress"),
}  # fmt: skip


def test_the_table_is_the_documented_one() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


def _case_in(client: TestClient, status: str) -> str:
    case_id = str(make_case(client)["id"])
    for step in PATH[status]:
        extra = {"resolution": "已更换硒鼓"} if step == "resolved" else {}
        response = set_status(client, case_id, step, **extra)
        assert response.status_code == 200, response.text
    return case_id


def test_every_transition_is_allowed_or_refused_on_status(client: TestClient) -> None:
    for source in STATUSES:
        for target in STATUSES:
            if source == target:
                continue
            case_id = _case_in(client, source)
            extra = {"resolution": "已处理"} if target == "resolved" else {}
            response = set_status(client, case_id, target, **extra)
            if (source, target) in ALLOWED:
                assert response.status_code == 200, (source, target, response.text)
                assert response.json()["status"] == target
            else:
                errors = refused(response, "status")
                assert errors[0]["code"] == "invalid_transition", (source, target)
                assert get_case(client, case_id)["status"] == source


def test_resolving_needs_a_resolution_and_stamps(client: TestClient) -> None:
    case_id = _case_in(client, "in_progress")
    assert refused(set_status(client, case_id, "resolved"), "resolution")[0]["code"] == "required"
    assert refused(set_status(client, case_id, "resolved", resolution="  "), "resolution")
    assert get_case(client, case_id)["status"] == "in_progress"
    done = ok(set_status(client, case_id, "resolved", resolution="远程指导重启后恢复"))
    assert done["resolved_at"] is not None and done["closed_at"] is None
    closed = ok(action(client, case_id, "close"))
    assert closed["status"] == "closed"
    case = get_case(client, case_id)
    assert case["closed_at"] is not None and case["resolved_at"] == done["resolved_at"]
    # Closed is final: no reopen.
    conflict(action(client, case_id, "reopen"), "action_unavailable")


def test_resolve_action_needs_its_text(client: TestClient) -> None:
    case_id = _case_in(client, "assigned")
    response = action(client, case_id, "resolve", resolution="")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["resolution"]
    assert ok(action(client, case_id, "resolve", resolution="换货"))["status"] == "resolved"


def test_reopen_within_the_window_counts(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    case_id = _case_in(client, "resolved")
    reopened = ok(action(client, case_id, "reopen"))
    assert reopened["status"] == "in_progress"
    case = get_case(client, case_id)
    assert case["reopen_count"] == 1 and case["resolved_at"] is None
    ok(set_status(client, case_id, "resolved", resolution="再次处理"))
    # Resolved 15 days ago: beyond the default 14-day window.
    backdate(platform, tenant, case_id, resolved_at=now(platform, tenant) - timedelta(days=15))
    errors = refused(set_status(client, case_id, "in_progress"), "status")
    assert errors[0]["code"] == "reopen_window_passed"
    assert get_case(client, case_id)["reopen_count"] == 1
    # A longer window lets it reopen again.
    ok(client.put(f"{S}/settings", json={"auto_close_days": 30, "reopen_days": 20}))
    assert ok(set_status(client, case_id, "in_progress"))["reopen_count"] == 2


def _auto_close(platform: Platform, tenant: TenantInfo) -> int:
    job = jobs(platform.settings)["service_auto_close"]
    with platform.context(tenant, Actor.system("job:service_auto_close")) as ctx:
        return int(job(ctx))


def test_auto_close_after_n_days(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    old = _case_in(client, "resolved")
    fresh = _case_in(client, "resolved")
    open_case = _case_in(client, "in_progress")
    at = now(platform, tenant)
    backdate(platform, tenant, old, resolved_at=at - timedelta(days=8))
    backdate(platform, tenant, fresh, resolved_at=at - timedelta(days=6))
    assert _auto_close(platform, tenant) == 1
    assert get_case(client, old)["status"] == "closed"
    assert get_case(client, old)["closed_at"] is not None
    assert get_case(client, fresh)["status"] == "resolved"
    assert get_case(client, open_case)["status"] == "in_progress"
    assert _auto_close(platform, tenant) == 0  # idempotent
    ok(client.put(f"{S}/settings", json={"auto_close_days": 5, "reopen_days": 14}))
    assert _auto_close(platform, tenant) == 1
    assert get_case(client, fresh)["status"] == "closed"


def test_settings_validation_and_rights(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    assert ok(client.get(f"{S}/settings")) == {
        "auto_close_days": 7,
        "reopen_days": 14,
        "portal_queue": None,
    }
    for body, field in (
        ({"auto_close_days": 0, "reopen_days": 14}, "auto_close_days"),
        ({"auto_close_days": 7, "reopen_days": -1}, "reopen_days"),
        ({"auto_close_days": "7", "reopen_days": 14}, "auto_close_days"),
        ({"auto_close_days": 7}, "reopen_days"),
        ({"auto_close_days": 7, "reopen_days": 1, "x": 1}, "x"),
        ({"auto_close_days": 7, "reopen_days": 14, "portal_queue": tenant.id}, "portal_queue"),
        ({"auto_close_days": 7, "reopen_days": 14, "portal_queue": "x"}, "portal_queue"),
    ):
        response = client.put(f"{S}/settings", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert ok(client.get(f"{S}/settings")) == {
        "auto_close_days": 7,
        "reopen_days": 14,
        "portal_queue": None,
    }
    add_member(platform, tenant, "agent@example.com", {"case": rights("own")})
    login(client, "agent@example.com", ADMIN_PASSWORD, tenant.name)
    assert ok(client.get(f"{S}/settings"))["reopen_days"] == 14
    response = client.put(f"{S}/settings", json={"auto_close_days": 3, "reopen_days": 3})
    assert response.status_code == 403
