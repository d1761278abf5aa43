"""The lead-to-cash data rules: bad input is refused per field with nothing written, locked
documents stay locked, and a payment plan's status follows its payments and due date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from keyi.packages.l2c.hooks import set_allow_overpayment
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.helpers import count
from tests.integration.l2c_helpers import (
    L2C,
    add_entry,
    get,
    make,
    make_book,
    make_contract,
    make_product,
    make_quote,
    planned_contract,
    post,
    refused,
    set_status,
)

pytestmark = pytest.mark.packages(*L2C)


def test_bad_lines_are_refused_per_field_and_nothing_is_written(client: TestClient) -> None:
    book = make_book(client)
    product = make_product(client, "P-001", book=book, list_price="80.00")
    stray = make_product(client, "P-404")
    quote = make_quote(client, book)
    line = {"quote": quote["id"], "product": product["id"], "unit_price": "80.00"}

    refused(post(client, "quote_line", **line, quantity="-1"), "quantity")
    refused(post(client, "quote_line", **line, discount_percent="100.01"), "discount_percent")
    refused(post(client, "quote_line", **line, discount_percent="-5"), "discount_percent")
    errors = refused(post(client, "quote_line", **{**line, "product": stray["id"]}), "product")
    assert errors[0]["code"] == "not_in_price_book"
    # An inactive entry does not count either.
    other = make_product(client, "P-002")
    entry = add_entry(client, book, other)
    patched = client.patch(
        f"/api/v1/records/price_book_entry/{entry['id']}", json={"active": False}
    )
    assert patched.status_code == 200, patched.text
    refused(post(client, "quote_line", **{**line, "product": other["id"]}), "product")
    assert count(client, "quote_line") == 0
    assert get(client, "quote", quote["id"])["subtotal"] == 0

    # The same rules hold for opportunity and order lines (no price book check there).
    opp_line = post(
        client,
        "opportunity_line",
        opportunity=quote["opportunity"],
        product=stray["id"],
        unit_price="10",
        quantity="-2",
    )
    refused(opp_line, "quantity")
    assert count(client, "opportunity_line") == 0


def test_line_defaults_and_name_come_from_the_product(client: TestClient) -> None:
    book = make_book(client)
    product = make_product(
        client, "P-009", book=book, name="实施服务", tax_rate=6, list_price="99.99"
    )
    quote = make_quote(client, book)
    line = make(client, "quote_line", quote=quote["id"], product=product["id"], unit_price="99.99")
    assert line["tax_rate"] == 6 and line["quantity"] == 1 and line["discount_percent"] == 0
    assert line["name"] == "P-009 实施服务"
    assert (line["line_total"], line["tax_amount"]) == (Decimal("99.99"), Decimal("6.00"))
    assert quote["currency"] == "CNY"


def test_a_quote_that_left_draft_cannot_be_edited(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    book = make_book(client)
    product = make_product(client, "P-001", book=book)
    quote = make_quote(client, book)
    line = make(
        client,
        "quote_line",
        quote=quote["id"],
        product=product["id"],
        unit_price="100.00",
        quantity=2,
    )
    set_status(platform, tenant, "quote", quote["id"], "approved")

    edit = client.patch(f"/api/v1/records/quote/{quote['id']}", json={"name": "改价"})
    assert refused(edit, "name")[0]["code"] == "quote_not_editable"
    line_edit = client.patch(f"/api/v1/records/quote_line/{line['id']}", json={"quantity": 3})
    assert refused(line_edit, "quote")[0]["code"] == "quote_not_editable"
    new_line = post(client, "quote_line", quote=quote["id"], product=product["id"], unit_price=1)
    refused(new_line, "quote")
    gone = client.delete(f"/api/v1/records/quote_line/{line['id']}")
    assert gone.status_code == 409 and gone.json()["code"] == "quote_not_editable"
    after = get(client, "quote", quote["id"])
    assert (after["name"], after["subtotal"], after["status"]) == ("报价", 200, "approved")
    assert get(client, "quote_line", line["id"])["quantity"] == 2
    # Status itself stays the package's to change (read-only to callers).
    refused(
        client.patch(f"/api/v1/records/quote/{quote['id']}", json={"status": "draft"}), "status"
    )


def test_an_active_contract_keeps_its_amount(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    contract = make_contract(client, "5000.00")
    assert contract["status"] == "draft" and contract["contract_no"].startswith("HT-")
    draft_edit = client.patch(
        f"/api/v1/records/contract/{contract['id']}", json={"amount": "6000.00"}
    )
    assert draft_edit.status_code == 200, draft_edit.text
    set_status(platform, tenant, "contract", contract["id"], "active")
    locked = client.patch(f"/api/v1/records/contract/{contract['id']}", json={"amount": "1.00"})
    assert refused(locked, "amount")[0]["code"] == "contract_amount_locked"
    fine = client.patch(
        f"/api/v1/records/contract/{contract['id']}", json={"description": "已签署"}
    )
    assert fine.status_code == 200, fine.text
    assert get(client, "contract", contract["id"])["amount"] == 6000
    bad_dates = post(
        client,
        "contract",
        name="x",
        account=contract["account"],
        amount="1",
        start_date="2027-02-01",
        end_date="2027-01-01",
    )
    refused(bad_dates, "end_date")


def test_price_books_one_standard_and_one_entry_per_product(client: TestClient) -> None:
    make_book(client, "标准", is_standard=True)
    second = post(client, "price_book", name="另一个标准", currency="CNY", is_standard=True)
    assert refused(second, "is_standard")[0]["code"] == "standard_price_book_exists"
    book = make_book(client, "渠道价", currency="USD")
    product = make_product(client, "P-1")
    entry = add_entry(client, book, product, "12.50")
    assert entry["name"] == "P-1 产品P-1"
    assert entry["unit_price_currency"] == "USD"
    again = post(
        client, "price_book_entry", price_book=book["id"], product=product["id"], unit_price="1"
    )
    assert refused(again, "product")[0]["code"] == "not_unique"
    quote = make_quote(client, book)
    assert quote["currency"] == "USD"


def test_payments_within_the_plan_unless_overpayment_is_allowed(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    planned = planned_contract(client, "100.00")
    contract, plan = planned.contract, planned.plan
    assert plan["name"] == f"{contract['contract_no']} 第1期"
    assert plan["account"] == contract["account"] and plan["status"] == "pending"
    pay = planned.payment()
    errors = refused(post(client, "payment", **pay, amount="100.01"), "amount")
    assert errors[0]["code"] == "exceeds_open_amount"
    refused(post(client, "payment", **pay, amount="0"), "amount")
    refused(post(client, "payment", **pay, amount="-3"), "amount")
    assert count(client, "payment") == 0
    # Recorded on the plan's page, a payment names only the plan: the rest follows from it.
    first = make(
        client, "payment", payment_plan=plan["id"], received_on="2027-03-01", amount="60.00"
    )
    assert first["contract"] == contract["id"] and first["account"] == contract["account"]
    # With nothing to say whose money it is, the account is asked for.
    refused(post(client, "payment", received_on="2027-03-01", amount="1.00"), "account")
    refused(post(client, "payment", **pay, amount="40.01"), "amount")
    # Raising a payment counts the rest of the plan, not itself twice.
    raised = client.patch(f"/api/v1/records/payment/{first['id']}", json={"amount": "100.00"})
    assert raised.status_code == 200, raised.text
    refused(
        client.patch(f"/api/v1/records/payment/{first['id']}", json={"amount": "100.50"}),
        "amount",
    )
    with platform.context(tenant, Actor.system("test")) as ctx:
        set_allow_overpayment(ctx, True)
    make(client, "payment", **pay, amount="5.00")
    assert get(client, "payment_plan", plan["id"])["received"] == 105
    # A plan of another contract is refused.
    other = make_contract(client)
    wrong = post(client, "payment", **{**pay, "contract": other["id"]}, amount="1")
    assert refused(wrong, "payment_plan")[0]["code"] == "plan_of_other_contract"
    # A plan needs a contract or an order.
    refused(
        post(client, "payment_plan", installment=1, due_date="2027-01-01", amount=1), "contract"
    )


def test_plan_status_follows_payments_and_due_date(client: TestClient) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    planned = planned_contract(client, "300.00", due_date=due)
    contract, plan, pay = planned.contract, planned.plan, planned.payment()
    status = lambda: get(client, "payment_plan", plan["id"])["status"]  # noqa: E731
    first = make(client, "payment", **pay, amount="100.00")
    assert status() == "partly_paid"
    second = make(client, "payment", **pay, amount="200.00")
    assert status() == "paid"
    assert get(client, "contract", contract["id"])["received"] == 300
    assert get(client, "contract", contract["id"])["outstanding"] == 0
    assert client.delete(f"/api/v1/records/payment/{second['id']}").status_code == 204
    assert status() == "partly_paid"
    assert client.post(f"/api/v1/records/payment/{second['id']}/restore").status_code == 200
    assert status() == "paid"
    assert client.delete(f"/api/v1/records/payment/{first['id']}").status_code == 204
    assert client.delete(f"/api/v1/records/payment/{second['id']}").status_code == 204
    assert status() == "pending"
    # A due date in the past makes an unpaid plan overdue; paying it in full makes it paid.
    past = (date.today() - timedelta(days=1)).isoformat()
    moved = client.patch(f"/api/v1/records/payment_plan/{plan['id']}", json={"due_date": past})
    assert moved.status_code == 200, moved.text
    assert status() == "overdue"
    make(client, "payment", **pay, amount="10.00")
    assert status() == "overdue"
    make(client, "payment", **pay, amount="290.00")
    assert status() == "paid"
    history = client.get(f"/api/v1/records/payment_plan/{plan['id']}/history").json()["entries"]
    assert any(c["field"] == "status" for e in history for c in e["changes"])
