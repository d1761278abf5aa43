"""Owner assignment within the actor's scope, and quarter buckets (issue 11, data part)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import create_warranty_object, rights
from tests.integration.test_access import build_org, grant, set_role

OWN_ACCOUNTS = {"account": rights("own", delete=True)}


def writes(platform: Platform, tenant: TenantInfo) -> int:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        return int(
            ctx.conn.execute(
                sa.select(sa.func.count())
                .select_from(audit_table)
                .where(audit_table.c.action.like("record.%"))
            ).scalar_one()
        )


def accounts_named(platform: Platform, tenant: TenantInfo, name: str) -> int:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        table = ctx.object("account").table
        return int(
            ctx.conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.name == name)
            ).scalar_one()
        )


def test_own_scope_user_cannot_create_for_a_colleague(
    app,  # type: ignore[no-untyped-def]
    platform: Platform,
    tenant: TenantInfo,
) -> None:
    org = build_org(platform, tenant)
    grant(platform, org, "own", OWN_ACCOUNTS)
    set_role(platform, org, "rep_east", "own")
    with TestClient(app) as rep:
        login(rep, org.emails["rep_east"], tenant=tenant.name)
        before = writes(platform, tenant)
        response = rep.post(
            "/api/v1/records/account",
            json={"name": "替同事建的客户", "owner_id": org.users["rep_north"]},
        )
        assert response.status_code == 422, response.text
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
            ("owner_id", "owner_out_of_scope")
        ]
        assert accounts_named(platform, tenant, "替同事建的客户") == 0
        assert writes(platform, tenant) == before
        # Themselves: fine; bulk create names the row.
        mine = rep.post(
            "/api/v1/records/account",
            json={"name": "自己的客户", "owner_id": org.users["rep_east"]},
        )
        assert mine.status_code == 201, mine.text
        bulk = rep.post(
            "/api/v1/records/account/bulk",
            json={
                "records": [
                    {"name": "甲"},
                    {"name": "乙", "owner_id": org.users["outsider"]},
                ]
            },
        )
        assert bulk.status_code == 422
        assert [e["field"] for e in bulk.json()["errors"]] == ["1.owner_id"], bulk.text
        # Reassigning one's own record to a colleague is refused the same way, nothing written.
        before = writes(platform, tenant)
        moved = rep.patch(
            f"/api/v1/records/account/{mine.json()['id']}",
            json={"owner_id": org.users["rep_north"]},
        )
        assert moved.status_code == 422, moved.text
        assert moved.json()["errors"][0]["field"] == "owner_id"
        assert writes(platform, tenant) == before
        assert (
            rep.get(f"/api/v1/records/account/{mine.json()['id']}").json()["owner_id"]
            == (org.users["rep_east"])
        )


def test_wider_scopes_may_assign_within_their_reach(
    app,  # type: ignore[no-untyped-def]
    platform: Platform,
    tenant: TenantInfo,
) -> None:
    """A department-scoped lead assigns to their own department, not to another one."""
    org = build_org(platform, tenant)
    grant(
        platform,
        org,
        "department",
        {"account": {**OWN_ACCOUNTS["account"], "read_scope": "department"}},
    )
    set_role(platform, org, "lead_east", "department")
    with TestClient(app) as lead:
        login(lead, org.emails["lead_east"], tenant=tenant.name)
        ok = lead.post(
            "/api/v1/records/account", json={"name": "组内", "owner_id": org.users["rep_east"]}
        )
        assert ok.status_code == 201, ok.text
        refused = lead.post(
            "/api/v1/records/account", json={"name": "组外", "owner_id": org.users["rep_north"]}
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "owner_id"


def test_quarter_buckets_on_dates_and_datetimes_in_the_tenant_time_zone(
    client: TestClient,
) -> None:
    """Dates in all four quarters (none on a quarter's first month) and datetimes near a
    quarter boundary in UTC that fall in the next quarter in Asia/Shanghai (UTC+8)."""
    create_warranty_object(client)
    rows = [
        ("2026-02-14", "2026-03-31T15:30:00Z"),  # Q1 date; 23:30 Shanghai: still Q1
        ("2026-05-20", "2026-03-31T16:30:00Z"),  # Q2 date; 00:30 on 1 April Shanghai: Q2
        ("2026-08-31", "2026-09-30T17:00:00Z"),  # Q3 date; 1 October Shanghai: Q4
        ("2026-12-01", "2026-12-31T15:59:00Z"),  # Q4 date; 23:59 Shanghai: Q4
        ("2026-11-30", "2026-06-15T00:00:00Z"),  # Q4 date; Q2
    ]
    for i, (day, moment) in enumerate(rows):
        created = client.post(
            "/api/v1/records/warranty",
            json={
                "name": f"w{i}",
                "serial_no": f"Q-{i}",
                "starts_on": day,
                "registered_at": moment,
            },
        )
        assert created.status_code == 201, created.text

    def buckets(field: str) -> dict[str, int]:
        response = client.post(
            "/api/v1/records/warranty/aggregate",
            json={"group_by": [{"field": field, "bucket": "quarter"}]},
        )
        assert response.status_code == 200, response.text
        return {g["key"][field]: g["values"]["count"] for g in response.json()["groups"]}

    assert buckets("starts_on") == {
        "2026-01-01": 1,
        "2026-04-01": 1,
        "2026-07-01": 1,
        "2026-10-01": 2,
    }
    assert buckets("registered_at") == {"2026-01-01": 1, "2026-04-01": 2, "2026-10-01": 2}
