"""Money is exact: random quote lines created through the API agree to the cent with a
reference computation in Decimal (each line rounded half-up, then summed), on both databases."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keyi.packages.l2c.money import line_amounts, split_by_percent
from tests.integration.l2c_helpers import (
    L2C,
    add_entry,
    created,
    get,
    make,
    make_book,
    make_opportunity,
    make_product,
    make_quote,
)

pytestmark = pytest.mark.packages(*L2C)

TAX_RATES = (0, 3, 6, 9, 13)
CENT = Decimal("0.01")


def reference(quantity: Decimal, price: Decimal, discount: Decimal, tax: int) -> dict[str, Decimal]:
    """The issue's formulas, written out independently of keyi.packages.l2c.money."""
    with localcontext() as ctx:
        ctx.prec = 100
        gross = quantity * price
        total = (gross * (1 - discount / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
        return {
            "line_total": total,
            "discount_amount": gross.quantize(CENT, rounding=ROUND_HALF_UP) - total,
            "tax_amount": (total * tax / 100).quantize(CENT, rounding=ROUND_HALF_UP),
        }


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False)


lines = st.lists(
    st.tuples(
        decimals("0", "10000", 3),  # quantity
        decimals("0", "1000000", 2),  # unit price
        decimals("0", "100", 2),  # discount %
        st.sampled_from(TAX_RATES),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture
def priced(client: TestClient) -> dict[str, Any]:
    """A price book holding one product per tax rate, and an opportunity to quote."""
    book = make_book(client)
    products = {}
    for rate in TAX_RATES:
        product = make_product(client, f"T{rate}", tax_rate=rate)
        add_entry(client, book, product)
        products[rate] = product
    return {"book": book, "products": products, "opportunity": make_opportunity(client)}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=lines)
def test_quote_lines_and_totals_match_the_reference(
    client: TestClient, priced: dict[str, Any], drawn: list[tuple[Decimal, Decimal, Decimal, int]]
) -> None:
    quote = make_quote(client, priced["book"], priced["opportunity"])
    expected_lines = []
    for quantity, price, discount, tax in drawn:
        line = make(
            client,
            "quote_line",
            quote=quote["id"],
            product=priced["products"][tax]["id"],
            # Amounts as strings, with the trailing zeros a user might type.
            quantity=f"{quantity:.3f}",
            unit_price=f"{price:.2f}",
            discount_percent=f"{discount:.2f}",
        )
        want = reference(quantity, price, discount, tax)
        assert Decimal(line["quantity"]) == quantity
        assert Decimal(line["unit_price"]) == price
        assert Decimal(line["discount_percent"]) == discount
        assert Decimal(line["tax_rate"]) == tax
        for name, value in want.items():
            assert Decimal(line[name]) == value, (name, quantity, price, discount, tax)
        assert line_amounts(quantity, price, discount, tax).line_total == want["line_total"]
        expected_lines.append(want)
    totals = get(client, "quote", quote["id"])
    subtotal = sum((w["line_total"] for w in expected_lines), Decimal(0))
    tax_total = sum((w["tax_amount"] for w in expected_lines), Decimal(0))
    discount_total = sum((w["discount_amount"] for w in expected_lines), Decimal(0))
    assert Decimal(totals["subtotal"]) == subtotal
    assert Decimal(totals["tax"]) == tax_total
    assert Decimal(totals["discount"]) == discount_total
    assert Decimal(totals["grand_total"]) == subtotal + tax_total
    assert Decimal(totals["max_discount_percent"]) == max(d for _, _, d, _ in drawn)


def test_amounts_sent_as_strings_come_back_exact(
    client: TestClient, priced: dict[str, Any]
) -> None:
    quote = make_quote(client, priced["book"], priced["opportunity"])
    line = created(
        client.post(
            "/api/v1/records/quote_line",
            json={
                "quote": quote["id"],
                "product": priced["products"][13]["id"],
                "quantity": "3.333",
                "unit_price": "1234567890123.45",
                "discount_percent": "12.5",
            },
        )
    )
    # 3.333 × 1234567890123.45 = 4114814777781.45885; × 0.875 = 3600462930558.776… → …58.78
    assert line["unit_price"] == Decimal("1234567890123.45")
    assert line["line_total"] == Decimal("3600462930558.78")
    assert line["discount_amount"] == Decimal("514351847222.68")
    assert line["tax_amount"] == Decimal("468060180972.64")
    # Half a cent rounds up, not to even: 0.125 → 0.13, 0.135 → 0.14 (tax 0 %).
    for price, total in (("0.125", "0.13"), ("0.135", "0.14")):
        half = make(
            client,
            "quote_line",
            quote=quote["id"],
            product=priced["products"][0]["id"],
            quantity="0.5",
            unit_price=str(Decimal(price) * 2),
        )
        assert half["line_total"] == Decimal(total)
    stored = get(client, "quote", quote["id"])
    assert stored["subtotal"] == Decimal("3600462930558.78") + Decimal("0.27")
    assert stored["grand_total"] == stored["subtotal"] + stored["tax"]


def test_installment_split_sums_to_the_total() -> None:
    parts = split_by_percent("1000.01", [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")])
    assert parts == [Decimal("333.30"), Decimal("333.30"), Decimal("333.41")]
    assert sum(parts) == Decimal("1000.01")
