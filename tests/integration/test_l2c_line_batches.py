"""Quote lines written together are checked together: a quote with twenty lines costs the same
statements as one with two (the lines' quote, products and price-book entries are read once per
batch by the package's batch hook), and every line still gets its own values and errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.integration.helpers import count
from tests.integration.l2c_helpers import (
    L2C,
    add_entry,
    exact,
    get,
    make_book,
    make_opportunity,
    make_product,
    make_quote,
    refused,
    set_status,
)
from tests.integration.test_statement_budgets import Counter

pytestmark = pytest.mark.packages(*L2C)

# The tenant transaction of `POST /records/quote/tree` with its lines, whatever their number
# (measured on both backends): request setup 3 (begin, meta state, user); the quote 10
# (references 3, its number, its price book, insert, audit, history, outbox, search); the
# lines 11 (references 2, the quotes, the products, the price-book entries, the superseded
# check, one insert, one roll-up update of the quote, audit, history, outbox); the read back 1.
TREE_BUDGET = 25


def tree_body(
    opportunity: dict[str, Any], book: dict[str, Any], products: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "record": {
            "name": "批量报价",
            "account": opportunity["account"],
            "opportunity": opportunity["id"],
            "price_book": book["id"],
        },
        "children": [
            {
                "object": "quote_line",
                "records": [
                    {
                        "product": p["id"],
                        "quantity": str(1 + i % 3),
                        "unit_price": "80.00",
                        "discount_percent": str(i % 4 * 5),
                    }
                    for i, p in enumerate(products)
                ],
            }
        ],
    }


@pytest.fixture
def counter(platform: Platform, tenant: TenantInfo) -> Counter:
    return Counter(platform, tenant)


def test_a_twenty_line_quote_costs_no_statement_per_line(
    client: TestClient, counter: Counter
) -> None:
    book = make_book(client)
    products = [make_product(client, f"P-{i:03d}", tax_rate=6 + i % 2 * 7) for i in range(20)]
    for product in products:
        add_entry(client, book, product, "80.00")
    opportunity = make_opportunity(client)
    client.post("/api/v1/records/quote/tree", json=tree_body(opportunity, book, products[:2]))

    measured: dict[int, list[str]] = {}
    for lines in (2, 20):
        with counter.count() as statements:
            response = client.post(
                "/api/v1/records/quote/tree", json=tree_body(opportunity, book, products[:lines])
            )
        assert response.status_code == 201, response.text
        measured[lines] = list(statements)
    listing = "\n".join(f"{i + 1}. {s.splitlines()[0][:160]}" for i, s in enumerate(measured[20]))
    assert len(measured[20]) == len(measured[2]), listing
    assert len(measured[20]) <= TREE_BUDGET, listing

    # Batched, each line still has its own product's name and tax rate and its own amounts.
    body = exact(response)
    [(_, line_ids)] = [(c["object"], c["ids"]) for c in body["children"]]
    lines = [get(client, "quote_line", line_id) for line_id in line_ids]
    for i, (line, product) in enumerate(zip(lines, products, strict=True)):
        assert line["name"] == f"{product['code']} {product['name']}"
        assert line["tax_rate"] == 6 + i % 2 * 7
        gross = Decimal(1 + i % 3) * Decimal("80.00")
        assert line["line_total"] == (gross * (1 - Decimal(i % 4 * 5) / 100)).quantize(
            Decimal("0.01")
        )
        assert line["unit_price_currency"] == "CNY"
    assert body["record"]["subtotal"] == sum(line["line_total"] for line in lines)


def test_each_line_of_a_batch_gets_its_own_errors(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    book = make_book(client)
    priced, stray = make_product(client, "P-1"), make_product(client, "P-2")
    add_entry(client, book, priced)
    draft, approved = make_quote(client, book), make_quote(client, book)
    set_status(platform, tenant, "quote", approved["id"], "approved")

    def line(quote: dict[str, Any], product: dict[str, Any]) -> dict[str, Any]:
        return {"quote": quote["id"], "product": product["id"], "unit_price": "100.00"}

    bulk = client.post(
        "/api/v1/records/quote_line/bulk",
        json={
            "records": [
                line(draft, priced),
                line(draft, stray),
                line(approved, priced),
                line(draft, priced),
            ]
        },
    )
    errors = refused(bulk, "1.product", "2.quote")
    assert [e["code"] for e in errors] == ["not_in_price_book", "quote_not_editable"]
    assert count(client, "quote_line") == 0

    # In a tree the place names the child: the second line's product is not in the book.
    opportunity = make_opportunity(client)
    tree = client.post(
        "/api/v1/records/quote/tree", json=tree_body(opportunity, book, [priced, stray])
    )
    [error] = refused(tree, "children.0.records.1.product")
    assert error["code"] == "not_in_price_book"
    assert count(client, "quote_line") == 0
