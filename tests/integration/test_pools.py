"""Public pool (公海): members see unowned records, claim within limits, give back, and stale
records return by themselves unless someone followed up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from keyi.jobs import run_all
from keyi.platform import pools
from keyi.platform.context import Context, TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform, utcnow
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_role, rights

SYSTEM = Actor.system("test")


@contextmanager
def context_at(platform: Platform, tenant: TenantInfo, days: int) -> Iterator[Context]:
    """A system context whose clock is `days` from now (to age records without waiting)."""
    with platform.db.tenant_transaction(tenant.location) as conn:
        yield Context(
            tenant,
            SYSTEM,
            conn,
            platform.schemas.get(conn, tenant.location),
            started_at=utcnow() + timedelta(days=days),
        )


@pytest.fixture
def pool_setup(platform: Platform, tenant: TenantInfo) -> dict[str, str]:
    rep1 = add_user(
        platform, tenant, email="rep1@pool.example", name="王芳", password=ADMIN_PASSWORD
    )
    rep2 = add_user(
        platform, tenant, email="rep2@pool.example", name="李雷", password=ADMIN_PASSWORD
    )
    add_role(platform, tenant, "销售代表", {"account": rights("own")}, [rep1, rep2])
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        pool = records.create(
            "pool",
            {
                "name": "华东公海",
                "object_name": "account",
                "claim_limit": 2,
                "return_after_days": 30,
            },
        )
        records.create("pool_member", {"pool": pool["id"], "user": rep1["id"]})
        ids = [
            records.create(
                "account", {"name": f"公海客户{i}", "owner_id": None, "pool_id": pool["id"]}
            )["id"]
            for i in range(3)
        ]
    return {
        "pool": pool["id"],
        "rep1": rep1["id"],
        "rep2": rep2["id"],
        **{f"a{i}": x for i, x in enumerate(ids)},
    }


def test_claim_and_give_back(app, tenant: TenantInfo, pool_setup: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as rep1, TestClient(app) as rep2:
        login(rep1, "rep1@pool.example", tenant=tenant.name)
        login(rep2, "rep2@pool.example", tenant=tenant.name)
        unowned = {"filter": {"field": "owner_id", "op": "is_null", "value": True}}
        assert len(rep1.post("/api/v1/records/account/query", json=unowned).json()["records"]) == 3
        assert rep2.post("/api/v1/records/account/query", json=unowned).json()["records"] == []
        listed = rep1.get("/api/v1/pools", params={"object": "account"}).json()["pools"]
        assert [(p["name"], p["unowned"], p["held_by_me"], p["claim_limit"]) for p in listed] == [
            ("华东公海", 3, 0, 2)
        ]
        assert rep2.get("/api/v1/pools").json()["pools"] == []
        # Not a member: the records do not exist for you.
        refused = rep2.post("/api/v1/records/account/claim", json={"ids": [pool_setup["a0"]]})
        assert (
            refused.status_code == 422 and refused.json()["errors"][0]["code"] == "record_not_found"
        )
        claimed = rep1.post(
            "/api/v1/records/account/claim", json={"ids": [pool_setup["a0"], pool_setup["a1"]]}
        )
        assert claimed.status_code == 200, claimed.text
        assert {r["owner_id"] for r in claimed.json()["records"]} == {pool_setup["rep1"]}
        assert all(r["claimed_at"] for r in claimed.json()["records"])
        over = rep1.post(
            "/api/v1/records/account/claim",
            json={"ids": [pool_setup["a2"]]},
            headers={"Accept-Language": "zh-CN"},
        )
        assert (
            over.status_code == 422
            and over.json()["errors"][0]["message"]
            == "您最多可从该公海持有 2 条记录（当前 2 条）。"
        )
        # Claimed records are now the rep's own: editable.
        assert (
            rep1.patch(
                f"/api/v1/records/account/{pool_setup['a0']}", json={"grade": "A"}
            ).status_code
            == 200
        )
        # Someone else's record cannot be given back by you; your own can.
        assert (
            rep2.post(
                "/api/v1/records/account/return", json={"ids": [pool_setup["a0"]]}
            ).status_code
            == 403
        )
        back = rep1.post("/api/v1/records/account/return", json={"ids": [pool_setup["a0"]]})
        assert back.status_code == 200
        again = rep1.post("/api/v1/records/account/claim", json={"ids": [pool_setup["a2"]]})
        assert again.status_code == 200
        taken = rep1.post("/api/v1/records/account/claim", json={"ids": [pool_setup["a2"]]})
        assert taken.json()["errors"][0]["code"] == "already_claimed"
        history = rep1.get(f"/api/v1/records/account/{pool_setup['a0']}/history").json()["entries"]
        owner_moves = [c for e in history for c in e["changes"] if c["field"] == "owner_id"]
        assert [(c["old"], c["new"]) for c in owner_moves] == [
            (pool_setup["rep1"], None),
            (None, pool_setup["rep1"]),
        ]
        assert history[0]["by"] == pool_setup["rep1"]
        bad = rep1.post("/api/v1/records/contact/claim", json={"ids": [pool_setup["a0"]]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "not_pooled"
        assert (
            rep1.post("/api/v1/records/account/claim", json={"ids": "everything"}).status_code
            == 422
        )


def test_stale_records_return_unless_followed_up(
    app, platform: Platform, tenant: TenantInfo, pool_setup: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as rep1:
        login(rep1, "rep1@pool.example", tenant=tenant.name)
        rep1.post(
            "/api/v1/records/account/claim", json={"ids": [pool_setup["a0"], pool_setup["a1"]]}
        )
    with context_at(platform, tenant, days=20) as ctx:
        # A call logged on a1 twenty days later counts as a follow-up.
        RecordsService(ctx).create(
            "activity",
            {
                "subject": "电话回访",
                "type": "call",
                "related_object": "account",
                "related_id": pool_setup["a1"],
            },
        )
    with context_at(platform, tenant, days=10) as ctx:
        assert pools.return_stale(ctx) == 0
    with context_at(platform, tenant, days=35) as ctx:
        assert pools.return_stale(ctx) == 1
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        assert records.get("account", pool_setup["a0"])["owner_id"] is None
        assert records.get("account", pool_setup["a1"])["owner_id"] == pool_setup["rep1"]
        assert records.history("account", pool_setup["a0"])[0]["changes"][0] == {
            "field": "owner_id",
            "old": pool_setup["rep1"],
            "new": None,
            "_display": {"old": "王芳"},
        }
    # The job runner covers every tenant; nothing is due right now.
    assert run_all(platform)["pool_return"] == 0
