"""The l2c daily job: overdue plans (status + one notification), contract end notices once per
threshold, expired contracts and quotes (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from keyi.jobs import jobs
from keyi.packages.l2c import workflow
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.l2c_helpers import (
    L2C,
    activate,
    get,
    make_contract,
    make_quote,
    ok,
    split_contract,
)

pytestmark = pytest.mark.packages(*L2C)


def _today(platform: Platform, tenant: TenantInfo) -> date:
    with platform.context(tenant, Actor.system("test")) as ctx:
        return ctx.today()


def _run(platform: Platform, tenant: TenantInfo) -> int:
    job = jobs(platform.settings)["l2c_daily"]
    with platform.context(tenant, Actor.system("job:l2c_daily")) as ctx:
        return job(ctx)


def _titles(client: TestClient) -> list[str]:
    found = ok(client.get("/api/v1/notifications", params={"limit": 100}))["notifications"]
    return [n["title"] for n in found]


def test_overdue_plans_flip_and_notify_once(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    today = _today(platform, tenant)
    made = make_contract(
        client,
        amount="3000",
        start_date=(today - timedelta(days=60)).isoformat(),
        end_date=(today + timedelta(days=300)).isoformat(),
    )
    activate(platform, tenant, made["id"])
    days = (-5, 0, 10)
    late, due_today, later = split_contract(
        client, made, [((today + timedelta(days=d)).isoformat(), "1000") for d in days]
    )
    assert _run(platform, tenant) >= 1
    assert get(client, "payment_plan", late)["status"] == "overdue"
    assert get(client, "payment_plan", due_today)["status"] == "pending"
    assert get(client, "payment_plan", later)["status"] == "pending"
    overdue = [t for t in _titles(client) if "overdue" in t.lower() or "逾期" in t]
    assert len(overdue) == 1
    # the next round changes and tells nothing more
    _run(platform, tenant)
    assert len([t for t in _titles(client) if "overdue" in t.lower() or "逾期" in t]) == 1


def test_contract_end_notices_once_per_threshold_and_expiry(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    today = _today(platform, tenant)

    def active(days_left: int) -> str:
        made = make_contract(
            client,
            name=f"合同{days_left}",
            start_date=(today - timedelta(days=400)).isoformat(),
            end_date=(today + timedelta(days=days_left)).isoformat(),
        )
        activate(platform, tenant, made["id"])
        return str(made["id"])

    soon, later, far, ended = active(20), active(50), active(200), active(-1)
    _run(platform, tenant)
    _run(platform, tenant)
    titles = _titles(client)
    assert len([t for t in titles if "合同20" in t]) == 1
    assert any("30" in t for t in titles if "合同20" in t)
    assert len([t for t in titles if "合同50" in t]) == 1
    assert any("60" in t for t in titles if "合同50" in t)
    assert not [t for t in titles if "合同200" in t]
    assert get(client, "contract", ended)["status"] == "expired"
    assert {get(client, "contract", c)["status"] for c in (soon, later, far)} == {"active"}


def test_quotes_past_valid_until_expire(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    today = _today(platform, tenant)
    past = (today - timedelta(days=1)).isoformat()
    draft, sent, approved, current = (
        make_quote(client, lines=[("1", "100", "0")]) for _ in range(4)
    )
    with platform.context(tenant, Actor.system("test")) as ctx:
        workflow.set_fields(ctx, "quote", draft["id"], {"valid_until": past})
        workflow.set_fields(ctx, "quote", sent["id"], {"valid_until": past, "status": "sent"})
        workflow.set_fields(
            ctx, "quote", approved["id"], {"valid_until": past, "status": "approved"}
        )
        workflow.set_fields(ctx, "quote", current["id"], {"valid_until": today.isoformat()})
    _run(platform, tenant)
    assert get(client, "quote", draft["id"])["status"] == "expired"
    assert get(client, "quote", sent["id"])["status"] == "expired"
    assert get(client, "quote", approved["id"])["status"] == "approved"
    assert get(client, "quote", current["id"])["status"] == "draft"


def test_tenants_without_the_package_are_left_alone(platform: Platform) -> None:
    from keyi.provisioning import create_tenant
    from tests.conftest import ADMIN_PASSWORD, new_tenant_name

    other = create_tenant(
        platform,
        new_tenant_name(),
        admin_email="solo@l2c.example",
        admin_password=ADMIN_PASSWORD,
        admin_name="管理员",
        packages=("core", "sales"),
    )
    try:
        assert _run(platform, other) == 0
    finally:
        platform.drop_tenant(other.name)
