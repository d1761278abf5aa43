"""Lead-to-cash flows over the API: quote from an opportunity, versions, status steps, contract
and order from a quote, installments, payments against plans, renewal (both databases)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.integration.helpers import make_account
from tests.integration.l2c_helpers import (
    L2C,
    act,
    activate,
    children,
    get,
    make,
    make_book,
    make_contract,
    make_opportunity,
    make_product,
    make_quote,
    menu,
    ok,
    split_contract,
)

LINES = [("2", "1000", "10"), ("1", "500", "0")]  # 1800 + 500, tax 13 %: 2599.00

pytestmark = pytest.mark.packages(*L2C)


def _approved_quote(client: TestClient) -> dict:
    made = make_quote(client, lines=LINES)
    assert ok(act(client, "quote", made["id"], "submit"))["status"] == "approved"
    return get(client, "quote", made["id"])


def test_quote_from_opportunity_copies_lines_book_and_account(client: TestClient) -> None:
    account = make_account(client, name="北京某科技有限公司")
    opp = make_opportunity(client, account)
    book = make_book(client, "美元价目表", currency="USD")
    first, second = (
        make_product(client, book=book, list_price="800"),
        make_product(client, book=book, list_price="120"),
    )
    for index, (item, quantity, price, discount) in enumerate(
        ((first, "3", "800", "5"), (second, "10", "120", "0"))
    ):
        make(
            client,
            "opportunity_line",
            opportunity=opp["id"],
            price_book=book["id"],
            product=item["id"],
            quantity=quantity,
            unit_price=price,
            discount_percent=discount,
            sort_order=index + 1,
        )
    quote_id = ok(act(client, "opportunity", opp["id"], "create_quote"))["quote_id"]
    made = get(client, "quote", quote_id)
    assert made["name"] == opp["name"]
    assert (made["account"], made["opportunity"], made["price_book"]) == (
        account["id"],
        opp["id"],
        book["id"],
    )
    assert made["currency"] == "USD"
    assert made["status"] == "draft"
    assert made["quote_no"].startswith("BJ-")
    valid = date.fromisoformat(made["valid_until"])
    assert valid - timedelta(days=30) in {
        date.today(),
        date.today() - timedelta(days=1),
        date.today() + timedelta(days=1),
    }
    lines = children(client, "quote_line", "quote", quote_id)
    assert [(line["product"], line["quantity"], line["unit_price"]) for line in lines] == [
        (first["id"], Decimal(3), Decimal(800)),
        (second["id"], Decimal(10), Decimal(120)),
    ]
    # 3 × 800 × 0.95 = 2280, + 1200; the roll-up sums the copied lines
    assert made["subtotal"] == Decimal("3480.00")


def test_quote_needs_a_price_book(client: TestClient) -> None:
    opp = make_opportunity(client)
    response = act(client, "opportunity", opp["id"], "create_quote")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "price_book"
    # with a standard price book the quote takes it
    book = make_book(client, is_standard=True)
    quote_id = ok(act(client, "opportunity", opp["id"], "create_quote"))["quote_id"]
    assert get(client, "quote", quote_id)["price_book"] == book["id"]


def test_new_version_copies_lines_and_supersedes_the_old_one(client: TestClient) -> None:
    old = make_quote(client, lines=LINES)
    new_id = ok(act(client, "quote", old["id"], "new_version"))["quote_id"]
    new = get(client, "quote", new_id)
    assert (new["revision"], new["previous_version"], new["status"]) == (2, old["id"], "draft")
    assert new["grand_total"] == old["grand_total"]
    assert len(children(client, "quote_line", "quote", new_id)) == 2
    assert get(client, "quote", old["id"])["superseded"] is True
    # the old version is read-only, its lines too, and it cannot be versioned again
    refused = client.patch(f"/api/v1/records/quote/{old['id']}", json={"terms": "改"})
    assert refused.status_code == 409 and refused.json()["code"] == "quote_superseded"
    line = children(client, "quote_line", "quote", old["id"])[0]
    refused = client.patch(f"/api/v1/records/quote_line/{line['id']}", json={"quantity": "9"})
    assert refused.status_code == 409, refused.text
    assert act(client, "quote", old["id"], "new_version").status_code == 409
    assert act(client, "quote", old["id"], "submit").status_code == 409
    # the new one is editable
    ok(client.patch(f"/api/v1/records/quote/{new_id}", json={"terms": "新条款"}))


def test_status_steps_are_checked_and_named(client: TestClient) -> None:
    made = make_quote(client, lines=LINES)
    refused = act(client, "quote", made["id"], "mark_sent")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_status"
    assert "draft" in refused.json()["title"].lower()  # the title names the status
    assert ok(act(client, "quote", made["id"], "submit"))["status"] == "approved"
    assert ok(act(client, "quote", made["id"], "mark_sent"))["status"] == "sent"
    assert (
        ok(act(client, "quote", made["id"], "reject", {"reason": "价格高"}))["status"] == "rejected"
    )
    assert act(client, "quote", made["id"], "accept").status_code == 409
    # status is read-only to users
    refused = client.patch(f"/api/v1/records/quote/{made['id']}", json={"status": "accepted"})
    assert refused.status_code == 422


def test_contract_from_quote_takes_grand_total(client: TestClient) -> None:
    made = _approved_quote(client)
    assert ok(act(client, "quote", made["id"], "accept"))["status"] == "accepted"
    body = {"start_date": "2027-01-01", "end_date": "2027-12-31"}
    contract_id = ok(act(client, "quote", made["id"], "create_contract", body))["contract_id"]
    made_contract = get(client, "contract", contract_id)
    assert made_contract["amount"] == Decimal("2599.00")
    assert (made_contract["account"], made_contract["quote"], made_contract["opportunity"]) == (
        made["account"],
        made["id"],
        made["opportunity"],
    )
    assert made_contract["status"] == "draft"
    assert made_contract["contract_no"].startswith("HT-")
    bad = act(
        client,
        "quote",
        made["id"],
        "create_contract",
        {"start_date": "2027-02-01", "end_date": "2027-01-01"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end_date"


def test_installments_by_percent_and_by_amount(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    made = make_contract(client, amount="100000.01")
    path = "installments"
    by_percent = {
        "mode": "percent",
        "installments": [
            {"due_date": "2027-01-31", "percent": "33.33"},
            {"due_date": "2027-04-30", "percent": "33.33"},
            {"due_date": "2027-07-31", "percent": "33.34"},
        ],
    }
    plan_ids = ok(act(client, "contract", made["id"], path, by_percent))["plan_ids"]
    plans = [get(client, "payment_plan", i) for i in plan_ids]
    assert [p["amount"] for p in plans] == [
        Decimal("33330.00"),
        Decimal("33330.00"),
        Decimal("33340.01"),
    ]
    assert [p["installment"] for p in plans] == [1, 2, 3]
    assert {p["account"] for p in plans} == {made["account"]}
    assert get(client, "contract", made["id"])["planned"] == Decimal("100000.01")
    # amounts that do not add up: nothing changes
    wrong = {
        "mode": "amount",
        "installments": [
            {"due_date": "2027-01-31", "amount": "50000"},
            {"due_date": "2027-06-30", "amount": "50000"},
        ],
    }
    refused = act(client, "contract", made["id"], path, wrong)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "installments"
    assert refused.json()["errors"][0]["code"] == "installments_sum"
    assert len(children(client, "payment_plan", "contract", made["id"], "installment")) == 3
    # by amount: replaces the plans (none has a payment)
    right = {
        "mode": "amount",
        "installments": [
            {"due_date": "2027-01-31", "amount": "60000.01"},
            {"due_date": "2027-06-30", "amount": "40000"},
        ],
    }
    plan_ids = ok(act(client, "contract", made["id"], path, right))["plan_ids"]
    live = children(client, "payment_plan", "contract", made["id"], "installment")
    assert sorted(p["id"] for p in live) == sorted(plan_ids)
    # once a plan has a payment, the plans stay
    make(
        client,
        "payment",
        account=made["account"],
        contract=made["id"],
        payment_plan=plan_ids[0],
        amount="100",
        received_on="2027-01-20",
    )
    refused = act(client, "contract", made["id"], path, right)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "installments_paid"


def test_payments_drive_plan_statuses(client: TestClient) -> None:
    made = make_contract(client, amount="1000")
    (plan_id,) = split_contract(client, made, [("2099-01-31", "1000")])
    assert get(client, "payment_plan", plan_id)["status"] == "pending"
    pay = {"account": made["account"], "contract": made["id"], "payment_plan": plan_id}
    make(client, "payment", **pay, amount="400", received_on="2027-01-10")
    plan = get(client, "payment_plan", plan_id)
    assert (plan["received"], plan["status"]) == (Decimal("400"), "partly_paid")
    make(client, "payment", **pay, amount="600", received_on="2027-01-20")
    assert get(client, "payment_plan", plan_id)["status"] == "paid"
    received = get(client, "contract", made["id"])
    assert received["received"] == Decimal("1000")
    assert received["outstanding"] == Decimal("0")


def test_quote_contract_order_chain(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    made = _approved_quote(client)
    order_id = ok(act(client, "quote", made["id"], "create_order"))["order_id"]
    order = get(client, "order", order_id)
    assert (order["quote"], order["account"], order["status"]) == (
        made["id"],
        made["account"],
        "draft",
    )
    assert order["order_no"].startswith("DD-")
    lines = children(client, "order_line", "order", order_id)
    assert [line["line_total"] for line in lines] == [
        Decimal("1800.00"),
        Decimal("500.00"),
    ]
    assert order["grand_total"] == Decimal("2599.00")
    # contract → order: only an active contract
    body = {"start_date": "2027-01-01", "end_date": "2027-12-31"}
    contract_id = ok(act(client, "quote", made["id"], "create_contract", body))["contract_id"]
    refused = act(client, "contract", contract_id, "create_order")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_status"
    activate(platform, tenant, contract_id)
    second = ok(act(client, "contract", contract_id, "create_order"))["order_id"]
    linked = get(client, "order", second)
    assert (linked["contract"], linked["quote"]) == (contract_id, made["id"])
    assert len(children(client, "order_line", "order", second)) == 2


def test_terminate_and_renewal(client: TestClient, platform: Platform, tenant: TenantInfo) -> None:
    made = make_contract(client, amount="88000")
    activate(platform, tenant, made["id"])
    opportunity_id = ok(act(client, "contract", made["id"], "create_renewal"))["opportunity_id"]
    renewal = get(client, "opportunity", opportunity_id)
    assert (renewal["type"], renewal["amount"], renewal["account"]) == (
        "renewal",
        Decimal("88000"),
        made["account"],
    )
    assert renewal["close_date"] == "2027-12-31"
    assert get(client, "contract", made["id"])["renewal_opportunity"] == opportunity_id
    assert act(client, "contract", made["id"], "create_renewal").status_code == 409
    assert act(client, "contract", made["id"], "terminate", {}).status_code == 422
    ended = ok(act(client, "contract", made["id"], "terminate", {"reason": "客户破产"}))
    assert ended["status"] == "terminated"
    assert get(client, "contract", made["id"])["terminated_reason"] == "客户破产"


def test_the_action_menu_follows_the_status(client: TestClient) -> None:
    made = make_quote(client, lines=LINES)
    draft = menu(client, "quote", made["id"])
    assert draft["submit"] and draft["new_version"] and draft["pdf"]
    assert not draft["accept"] and not draft["create_contract"] and not draft["mark_sent"]
    act(client, "quote", made["id"], "submit")
    approved = menu(client, "quote", made["id"])  # within the discount limit: approved at once
    assert approved["mark_sent"] and approved["accept"] and approved["create_contract"]
    assert not approved["submit"]
    # Running an action the menu greys out answers why, naming the status.
    refused = client.post(f"/api/v1/records/quote/{made['id']}/submit")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_status"
