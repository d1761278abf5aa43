"""Shared steps of the marketing campaign tests: records through the HTTP API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform


def ref(value: Any) -> Any:
    """A lookup value as the API returns it: its id."""
    return value["id"] if isinstance(value, dict) else value


def post(client: TestClient, object_name: str, **values: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/records/{object_name}", json=values)
    assert response.status_code == 201, response.text
    return dict(response.json())


def patch(client: TestClient, object_name: str, record_id: str, **values: Any) -> dict[str, Any]:
    response = client.patch(f"/api/v1/records/{object_name}/{record_id}", json=values)
    assert response.status_code == 200, response.text
    return dict(response.json())


def get(client: TestClient, object_name: str, record_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/records/{object_name}/{record_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def campaign(client: TestClient, name: str, **values: Any) -> dict[str, Any]:
    return post(client, "campaign", name=name, **values)


def member(client: TestClient, campaign_id: str, **values: Any) -> dict[str, Any]:
    return post(client, "campaign_member", campaign=campaign_id, **values)


def opportunity(client: TestClient, account_id: str, **values: Any) -> dict[str, Any]:
    return post(
        client,
        "opportunity",
        **{"name": "CRM 项目", "account": account_id, "close_date": "2027-06-30", **values},
    )


def influence(client: TestClient, opportunity_id: str) -> dict[str, dict[str, Any]]:
    """The opportunity's attribution rows by model."""
    response = client.post(
        "/api/v1/records/campaign_influence/query",
        json={
            "filter": {"field": "opportunity", "op": "eq", "value": opportunity_id},
            "limit": 50,
        },
    )
    assert response.status_code == 200, response.text
    rows = response.json()["records"]
    by_model = {r["model"]: r for r in rows}
    assert len(by_model) == len(rows), rows
    return by_model


def money(value: Any) -> float:
    return float(value or 0)


def expense_status_setter(where: tuple[Platform, TenantInfo]) -> Any:
    """Set an expense's status as the system would: callers cannot (it is read-only, driven
    by the approval process, tested end to end in test_marketing_expenses.py)."""
    platform, tenant = where

    def set_status(expense_id: str, status: str) -> None:
        with platform.context(tenant, Actor.system("test")) as ctx:
            RecordsService(ctx).update(
                "marketing_expense",
                expense_id,
                {"status": status},
                trusted_fields=frozenset({"status"}),
            )

    return set_status
