"""Setup › Lead-to-cash over HTTP: the tenant's l2c settings (``/api/v1/l2c/settings``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_member, count, rights
from tests.integration.l2c_helpers import L2C, make, planned_contract, post, refused

pytestmark = pytest.mark.packages(*L2C)
URL = "/api/v1/l2c/settings"


def test_admin_toggles_overpayment_and_payments_follow(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    assert client.get(URL).json() == {"allow_overpayment": False}
    pay = planned_contract(client, "100.00").payment()
    errors = refused(post(client, "payment", **pay, amount="100.01"), "amount")
    assert errors[0]["code"] == "exceeds_open_amount"

    on = client.put(URL, json={"allow_overpayment": True})
    assert on.status_code == 200, on.text
    assert on.json() == {"allow_overpayment": True}
    assert client.get(URL).json() == {"allow_overpayment": True}
    make(client, "payment", **pay, amount="100.01")  # above the open amount: accepted

    off = client.put(URL, json={"allow_overpayment": False})
    assert off.json() == {"allow_overpayment": False}
    errors = refused(post(client, "payment", **pay, amount="1.00"), "amount")
    assert errors[0]["code"] == "exceeds_open_amount"
    assert count(client, "payment") == 1

    # Each change is audited once; setting the same value again changes (and audits) nothing.
    assert client.put(URL, json={"allow_overpayment": False}).status_code == 200
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        details = [
            row.details
            for row in ctx.conn.execute(
                sa.select(audit_table.c.details)
                .where(audit_table.c.action == "l2c.settings")
                .order_by(audit_table.c.at, audit_table.c.id)
            )
        ]
    assert [d["allow_overpayment"] for d in details] == [True, False]


def test_bad_bodies_are_field_errors(client: TestClient) -> None:
    for body, field in (
        ({"allow_overpayment": "yes"}, "allow_overpayment"),
        ({"allow_overpayment": 1}, "allow_overpayment"),
        ({}, "allow_overpayment"),
        ({"allow_overpayment": True, "other": 1}, "other"),
    ):
        response = client.put(URL, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert client.get(URL).json() == {"allow_overpayment": False}


def test_a_rep_reads_but_may_not_change(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    assert client.put(URL, json={"allow_overpayment": True}).status_code == 200
    add_member(platform, tenant, "rep@example.com", {"payment": rights("own")})
    login(client, "rep@example.com", ADMIN_PASSWORD, tenant.name)
    assert client.get(URL).json() == {"allow_overpayment": True}
    response = client.put(URL, json={"allow_overpayment": False})
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert client.get(URL).json() == {"allow_overpayment": True}


@pytest.mark.packages("core", "sales")
def test_tenant_without_l2c_has_no_settings(client: TestClient) -> None:
    assert client.get(URL).status_code == 404
    assert client.put(URL, json={"allow_overpayment": True}).status_code == 404
