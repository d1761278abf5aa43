"""Records of the lead-to-cash package made through the API, for the l2c tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.integration.helpers import make_account

L2C = ("core", "sales", "l2c")


def exact(response: httpx.Response) -> Any:
    """The body with numbers as Decimals (amounts come back as exact JSON numbers)."""
    return json.loads(response.content, parse_float=Decimal)


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return dict(exact(response))


def refused(response: httpx.Response, *fields: str) -> list[dict[str, Any]]:
    """A 422 problem+json naming exactly `fields`; its errors."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert [e["field"] for e in errors] == list(fields), errors
    return errors


def post(client: TestClient, object_name: str, **values: Any) -> httpx.Response:
    return client.post(f"/api/v1/records/{object_name}", json=values)


def make(client: TestClient, object_name: str, **values: Any) -> dict[str, Any]:
    return created(post(client, object_name, **values))


def get(client: TestClient, object_name: str, record_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/records/{object_name}/{record_id}")
    assert response.status_code == 200, response.text
    return dict(exact(response))


def make_product(client: TestClient, code: str, **values: Any) -> dict[str, Any]:
    return make(
        client,
        "product",
        **{"code": code, "name": f"产品{code}", "list_price": "100.00", "tax_rate": 13, **values},
    )


def make_book(client: TestClient, name: str = "标准价目表", **values: Any) -> dict[str, Any]:
    return make(client, "price_book", **{"name": name, "currency": "CNY", **values})


def add_entry(
    client: TestClient, book: dict[str, Any], product: dict[str, Any], price: str = "100.00"
) -> dict[str, Any]:
    return make(
        client, "price_book_entry", price_book=book["id"], product=product["id"], unit_price=price
    )


def make_opportunity(client: TestClient) -> dict[str, Any]:
    account = make_account(client)
    return make(
        client,
        "opportunity",
        name="云平台项目",
        account=account["id"],
        close_date="2027-06-30",
        amount="10000",
    )


def make_quote(
    client: TestClient, book: dict[str, Any], opportunity: dict[str, Any] | None = None
) -> dict[str, Any]:
    opp = opportunity or make_opportunity(client)
    return make(
        client,
        "quote",
        name="报价",
        account=opp["account"],
        opportunity=opp["id"],
        price_book=book["id"],
    )


def make_contract(client: TestClient, amount: str = "1000.00") -> dict[str, Any]:
    account = make_account(client)
    return make(
        client,
        "contract",
        name="年度服务合同",
        account=account["id"],
        amount=amount,
        start_date="2027-01-01",
        end_date="2027-12-31",
    )


def set_status(
    platform: Platform, tenant: TenantInfo, object_name: str, record_id: str, status: str
) -> None:
    """Change a read-only status as the package's actions and approvals do (a trusted write)."""
    with platform.context(tenant, Actor.system("test")) as ctx:
        RecordsService(ctx).update(
            object_name, record_id, {"status": status}, trusted_fields=frozenset({"status"})
        )
