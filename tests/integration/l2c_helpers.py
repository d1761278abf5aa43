"""Lead-to-cash records made through the API for the l2c tests: products, price books,
opportunities, quotes with lines, contracts with a payment plan, and the actions on them.

Every answer is read with exact numbers (``Decimal``, never a float), so a test compares an
amount with ``Decimal("2599.00")`` or a plain integer and means the cent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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
R = "/api/v1/records"
# A quote line as (quantity, unit price, discount percent).
Line = tuple[str, str, str]


# ------------------------------------------------------------------ answers
def exact(response: httpx.Response) -> Any:
    """The body with numbers as Decimals (amounts come back as exact JSON numbers)."""
    return json.loads(response.content, parse_float=Decimal)


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The body of an answer that must have ``status``, with exact numbers."""
    assert response.status_code == status, response.text
    return dict(exact(response))


def created(response: httpx.Response) -> dict[str, Any]:
    return ok(response, 201)


def refused(response: httpx.Response, *fields: str) -> list[dict[str, Any]]:
    """A 422 problem+json naming exactly `fields`; its errors."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert [e["field"] for e in errors] == list(fields), errors
    return errors


def conflict(response: httpx.Response, code: str) -> dict[str, Any]:
    """A 409 problem+json with ``code``; its body."""
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["code"] == code, body
    return body


# ------------------------------------------------------------------ records API
def post(client: TestClient, object_name: str, **values: Any) -> httpx.Response:
    return client.post(f"{R}/{object_name}", json=values)


def make(client: TestClient, object_name: str, **values: Any) -> dict[str, Any]:
    return created(post(client, object_name, **values))


def get(client: TestClient, object_name: str, record_id: str) -> dict[str, Any]:
    return ok(client.get(f"{R}/{object_name}/{record_id}"))


def patch(client: TestClient, object_name: str, record_id: str, **values: Any) -> httpx.Response:
    return client.patch(f"{R}/{object_name}/{record_id}", json=values)


def act(
    client: TestClient, object_name: str, record_id: str, action: str, body: Any = None
) -> httpx.Response:
    """POST a record action; the response (the caller checks the status)."""
    path = f"{R}/{object_name}/{record_id}/{action}"
    return client.post(path) if body is None else client.post(path, json=body)


def menu(client: TestClient, object_name: str, record_id: str) -> dict[str, bool]:
    """The record's action menu: each action's name and whether it is available now."""
    answer = ok(client.get(f"{R}/{object_name}/{record_id}/actions"))
    return {item["name"]: item["available"] for item in answer["items"]}


def children(
    client: TestClient, object_name: str, field: str, parent_id: str, sort: str = "sort_order"
) -> list[dict[str, Any]]:
    body = {
        "filter": {"field": field, "op": "eq", "value": parent_id},
        "sort": [{"field": sort, "direction": "asc"}],
    }
    return list(ok(client.post(f"{R}/{object_name}/query", json=body))["records"])


# ------------------------------------------------------------------ catalogue
def make_book(client: TestClient, name: str = "标准价目表", **values: Any) -> dict[str, Any]:
    return make(client, "price_book", **{"name": name, "currency": "CNY", **values})


def add_entry(
    client: TestClient, book: dict[str, Any], product: dict[str, Any], price: str = "100.00"
) -> dict[str, Any]:
    return make(
        client, "price_book_entry", price_book=book["id"], product=product["id"], unit_price=price
    )


def make_product(
    client: TestClient, code: str | None = None, *, book: dict | None = None, **values: Any
) -> dict[str, Any]:
    """A product (a fresh code unless given); with ``book``, listed in it at its list price."""
    code = code or "P-" + uuid.uuid4().hex[:6]
    values = {"code": code, "name": f"产品{code}", "list_price": "100.00", "tax_rate": 13, **values}
    made = make(client, "product", **values)
    if book is not None:
        add_entry(client, book, made, str(values["list_price"]))
    return made


# ------------------------------------------------------------------ deals
def make_opportunity(
    client: TestClient, account: dict[str, Any] | None = None, **values: Any
) -> dict[str, Any]:
    account = account or make_account(client, name="客户" + uuid.uuid4().hex[:6])
    return make(
        client,
        "opportunity",
        **{
            "name": "云平台项目",
            "account": account["id"],
            "close_date": "2027-06-30",
            "amount": "10000",
            **values,
        },
    )


def make_quote(
    client: TestClient,
    book: dict[str, Any] | None = None,
    opportunity: dict[str, Any] | None = None,
    *,
    lines: Sequence[Line] = (),
    account: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A draft quote in ``book`` (a new one if none) for ``opportunity`` (a new one for
    ``account`` if none), with ``lines`` at 13 % tax, each of a new product in the book; the
    quote as the API reads it afterwards."""
    book = book or make_book(client)
    opp = opportunity or make_opportunity(client, account)
    quote = make(
        client,
        "quote",
        name="报价",
        account=opp["account"],
        opportunity=opp["id"],
        price_book=book["id"],
    )
    for index, (quantity, price, discount) in enumerate(lines):
        item = make_product(client, book=book, list_price=price)
        make(
            client,
            "quote_line",
            quote=quote["id"],
            product=item["id"],
            quantity=quantity,
            unit_price=price,
            discount_percent=discount,
            tax_rate="13",
            sort_order=index + 1,
        )
    return get(client, "quote", quote["id"]) if lines else quote


# ------------------------------------------------------------------ contracts, collections
def make_contract(client: TestClient, amount: str = "1000.00", **values: Any) -> dict[str, Any]:
    """A draft contract for ``amount``, for a new account unless ``values`` names one."""
    if "account" not in values:
        values["account"] = make_account(client, name="合同客户" + uuid.uuid4().hex[:6])["id"]
    return make(
        client,
        "contract",
        **{
            "name": "年度服务合同",
            "amount": amount,
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            **values,
        },
    )


def split_contract(
    client: TestClient, contract: dict[str, Any], plans: Sequence[tuple[str, str]]
) -> list[str]:
    """Payment plans of (due date, amount) through the contract's ``installments`` action;
    their ids in installment order."""
    body = {"mode": "amount", "installments": [{"due_date": d, "amount": a} for d, a in plans]}
    return list(ok(act(client, "contract", contract["id"], "installments", body))["plan_ids"])


@dataclass(frozen=True)
class PlannedContract:
    """A contract with one payment plan for its whole amount."""

    contract: dict[str, Any]
    plan: dict[str, Any]

    def payment(self, **values: Any) -> dict[str, Any]:
        """The body of a payment against the plan (amount and anything else from ``values``)."""
        return {
            "account": self.contract["account"],
            "payment_plan": self.plan["id"],
            "received_on": "2027-03-01",
            **values,
        }


def planned_contract(
    client: TestClient, amount: str = "100.00", due_date: str = "2099-01-31"
) -> PlannedContract:
    contract = make_contract(client, amount)
    plan = make(
        client,
        "payment_plan",
        contract=contract["id"],
        installment=1,
        due_date=due_date,
        amount=amount,
    )
    return PlannedContract(contract, plan)


# ------------------------------------------------------------------ trusted writes
def set_status(
    platform: Platform, tenant: TenantInfo, object_name: str, record_id: str, status: str
) -> None:
    """Change a read-only status as the package's actions and approvals do (a trusted write)."""
    with platform.context(tenant, Actor.system("test")) as ctx:
        RecordsService(ctx).update(
            object_name, record_id, {"status": status}, trusted_fields=frozenset({"status"})
        )


def activate(platform: Platform, tenant: TenantInfo, contract_id: str) -> None:
    """Make a contract active as the system (what an approved contract approval does)."""
    set_status(platform, tenant, "contract", contract_id, "active")
