"""Building lead-to-cash records over the API for the l2c tests (products, price books,
opportunities with lines, quotes with lines, contracts)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.helpers import make_account

R = "/api/v1/records"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def create(client: TestClient, object_name: str, **values: Any) -> dict[str, Any]:
    return ok(client.post(f"{R}/{object_name}", json=values), 201)


def get(client: TestClient, object_name: str, record_id: str) -> dict[str, Any]:
    return ok(client.get(f"{R}/{object_name}/{record_id}"))


def act(client: TestClient, object_name: str, record_id: str, action: str, body: Any = None) -> Any:
    """POST a record action; the response (the caller checks the status)."""
    path = f"{R}/{object_name}/{record_id}/{action}"
    return client.post(path) if body is None else client.post(path, json=body)


def children(
    client: TestClient, object_name: str, field: str, parent_id: str, sort: str = "sort_order"
) -> list[dict]:
    body = {
        "filter": {"field": field, "op": "eq", "value": parent_id},
        "sort": [{"field": sort, "direction": "asc"}],
    }
    return list(ok(client.post(f"{R}/{object_name}/query", json=body))["records"])


def product(
    client: TestClient, price: str = "1000", tax_rate: str = "13", book: dict | None = None
) -> dict[str, Any]:
    """A product; with ``book``, listed in that price book at ``price``."""
    code = "P-" + uuid.uuid4().hex[:6]
    made = create(
        client, "product", code=code, name=f"产品{code}", list_price=price, tax_rate=tax_rate
    )
    if book is not None:
        create(
            client, "price_book_entry", price_book=book["id"], product=made["id"], unit_price=price
        )
    return made


def price_book(client: TestClient, *, standard: bool = True, currency: str = "CNY") -> dict:
    return create(
        client, "price_book", name=f"价目表{currency}", currency=currency, is_standard=standard
    )


def opportunity(
    client: TestClient, account: dict[str, Any] | None = None, amount: str = "0"
) -> dict:
    account = account or make_account(client, name="客户" + uuid.uuid4().hex[:6])
    return create(
        client,
        "opportunity",
        name="年度采购",
        account=account["id"],
        close_date="2027-12-31",
        amount=amount,
    )


def quote(
    client: TestClient, lines: list[tuple[str, str, str]], *, account: dict | None = None
) -> dict[str, Any]:
    """A draft quote with lines (quantity, unit price, discount percent), tax 13 %."""
    opp = opportunity(client, account)
    book = price_book(client, standard=False)
    made = create(
        client,
        "quote",
        name="报价",
        account=opp["account"],
        opportunity=opp["id"],
        price_book=book["id"],
    )
    for index, (quantity, price, discount) in enumerate(lines):
        item = product(client, price, book=book)
        create(
            client,
            "quote_line",
            quote=made["id"],
            product=item["id"],
            quantity=quantity,
            unit_price=price,
            discount_percent=discount,
            tax_rate="13",
            sort_order=index + 1,
        )
    return get(client, "quote", made["id"])


def contract(client: TestClient, amount: str = "100000", **values: Any) -> dict[str, Any]:
    account = make_account(client, name="合同客户" + uuid.uuid4().hex[:6])
    return create(
        client,
        "contract",
        **{
            "name": "年度服务合同",
            "account": account["id"],
            "amount": amount,
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            **values,
        },
    )


def activate(platform: Any, tenant: Any, contract_id: str) -> None:
    """Make a contract active as the system (what an approval would do)."""
    from keyi.packages.l2c import workflow
    from keyi.platform.permissions import Actor

    with platform.context(tenant, Actor.system("test")) as ctx:
        workflow.set_fields(ctx, "contract", contract_id, {"status": "active"})
