"""Receivables with aging, exact to the cent, in CNY across currencies, only readable plans,
by account or owner (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_member, rights
from tests.integration.l2c_helpers import L2C, make, make_contract, ok, split_contract

pytestmark = pytest.mark.packages(*L2C)

AS_OF = "2027-06-30"
URL = "/api/v1/l2c/receivables"


def _setup(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    cny = make_contract(client, amount="10000")
    ids = split_contract(
        client,
        cny,
        [
            ("2027-07-15", "1000"),  # current
            ("2027-06-30", "1000"),  # due on the day: current
            ("2027-06-10", "1000.10"),  # 20 days late, 500 paid
            ("2027-05-01", "2000"),  # 60 days
            ("2027-04-01", "3000"),  # 90 days
            ("2027-03-01", "1999.90"),  # 121 days
        ],
    )
    make(
        client,
        "payment",
        account=cny["account"],
        contract=cny["id"],
        payment_plan=ids[2],
        amount="500",
        received_on="2027-06-15",
    )
    usd = make_contract(client, amount="100", currency="USD", amount_currency="USD")
    split_contract(client, usd, [("2027-06-20", "100")])
    for currency, rate, valid_from in (
        ("USD", "7.000000", "2026-01-01"),
        ("USD", "7.123456", "2027-01-01"),
        ("USD", "8.000000", "2027-07-01"),  # not valid yet on AS_OF
    ):
        make(client, "exchange_rate", currency=currency, rate=rate, valid_from=valid_from)
    return cny, usd


def _buckets(*values: str) -> dict[str, str]:
    return dict(zip(("current", "d0_30", "d31_60", "d61_90", "d90_plus"), values, strict=True))


def test_aging_by_account_exact_to_the_cent(client: TestClient) -> None:
    cny, usd = _setup(client)
    found = ok(client.get(URL, params={"as_of": AS_OF}))
    assert (found["as_of"], found["currency"]) == (AS_OF, "CNY")
    assert found["totals"] == {
        "outstanding": "10212.35",
        "overdue": "8212.35",
        "buckets": _buckets("2000.00", "1212.45", "2000.00", "3000.00", "1999.90"),
    }
    rows = {row["id"]: row for row in found["rows"]}
    assert rows[cny["account"]]["outstanding"] == "9500.00"
    assert rows[cny["account"]]["overdue"] == "7500.00"
    assert rows[cny["account"]]["buckets"] == _buckets(
        "2000.00", "500.10", "2000.00", "3000.00", "1999.90"
    )
    assert rows[cny["account"]]["name"].startswith("合同客户")
    # 100 USD × 7.123456 = 712.3456 → 712.35
    assert rows[usd["account"]]["buckets"] == _buckets("0.00", "712.35", "0.00", "0.00", "0.00")
    assert found["next_cursor"] is None
    # a page at a time
    first = ok(client.get(URL, params={"as_of": AS_OF, "limit": 1}))
    assert len(first["rows"]) == 1 and first["next_cursor"]
    second = ok(
        client.get(URL, params={"as_of": AS_OF, "limit": 1, "cursor": first["next_cursor"]})
    )
    assert {first["rows"][0]["id"], second["rows"][0]["id"]} == set(rows)
    assert second["next_cursor"] is None
    assert client.get(URL, params={"group_by": "nope"}).status_code == 422


def test_a_rep_sees_only_own_plans_and_grouping_by_owner(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    _setup(client)
    email = f"rep-{tenant.name}@l2c.example"
    objects = ("account", "contact", "opportunity", "contract", "payment_plan", "payment")
    rep = add_member(
        platform, tenant, email, {name: rights("own", delete=True) for name in objects}
    )
    with TestClient(app) as rep_client:
        login(rep_client, email, ADMIN_PASSWORD, tenant=tenant.name)
        mine = make_contract(rep_client, amount="400")
        split_contract(rep_client, mine, [("2027-06-01", "400")])
        seen = ok(rep_client.get(URL, params={"as_of": AS_OF, "group_by": "owner"}))
        assert seen["totals"]["outstanding"] == "400.00"
        assert [(r["id"], r["outstanding"]) for r in seen["rows"]] == [(rep["id"], "400.00")]
        assert seen["rows"][0]["buckets"]["d0_30"] == "400.00"
    everyone = ok(client.get(URL, params={"as_of": AS_OF, "group_by": "owner"}))
    by_owner = {r["id"]: r["outstanding"] for r in everyone["rows"]}
    assert by_owner.pop(rep["id"]) == "400.00"
    assert list(by_owner.values()) == ["10212.35"]
    assert everyone["totals"]["outstanding"] == "10612.35"
