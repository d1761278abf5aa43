"""Lead conversion with duplicate matching (sales actions `convert`, `conversion_matches`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.expressions.lib_codes import uscc_check_char
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, count, make_account, make_contact, rights

CREDIT_CODE = "91110108MA01ABCDE"
CREDIT_CODE += uscc_check_char(CREDIT_CODE)
OBJECTS = ("account", "contact", "opportunity", "activity")


def ref(value: Any) -> Any:
    """A lookup value as the API returns it: its id."""
    return value["id"] if isinstance(value, dict) else value


def make_lead(client: TestClient, **values: Any) -> dict[str, Any]:
    response = client.post("/api/v1/records/lead", json={"name": "王芳", **values})
    assert response.status_code == 201, response.text
    return dict(response.json())


def convert(client: TestClient, lead: dict[str, Any], **body: Any) -> Any:
    return client.post(f"/api/v1/records/lead/{lead['id']}/convert", json=body)


def matches(client: TestClient, lead: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/v1/records/lead/{lead['id']}/conversion_matches")
    assert response.status_code == 200, response.text
    return dict(response.json())


def counts(client: TestClient) -> dict[str, int]:
    return {name: count(client, name) for name in OBJECTS}


def test_api_contract(client: TestClient) -> None:
    """ISSUE13 "The API contract": convert with an opportunity and no account/contact ids."""
    lead = make_lead(
        client,
        company="星河云帆科技有限公司",
        mobile="13900001111",
        email="wang.fang@xinghe.example",
        title="采购经理",
        source="website",
    )
    response = convert(
        client,
        lead,
        opportunity={
            "name": "星河云帆 CRM 项目",
            "amount": "120000.50",
            "close_date": "2027-06-30",
        },
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"account_id", "contact_id", "opportunity_id"}
    account = client.get(f"/api/v1/records/account/{answer['account_id']}").json()
    contact = client.get(f"/api/v1/records/contact/{answer['contact_id']}").json()
    opportunity = client.get(f"/api/v1/records/opportunity/{answer['opportunity_id']}").json()
    converted = client.get(f"/api/v1/records/lead/{lead['id']}").json()
    assert account["name"] == "星河云帆科技有限公司"
    assert account["name_key"] == "星河云帆科技"
    assert contact["name"] == "王芳"
    assert contact["title"] == "采购经理"
    assert contact["mobile_key"] == "+8613900001111"
    assert ref(contact["account"]) == answer["account_id"]
    assert opportunity["name"] == "星河云帆 CRM 项目"
    assert Decimal(str(opportunity["amount"])) == Decimal("120000.50")
    assert opportunity["close_date"] == "2027-06-30"
    assert ref(opportunity["account"]) == answer["account_id"]
    assert ref(opportunity["contact"]) == answer["contact_id"]
    assert opportunity["source"] == "website"
    assert converted["status"] == "converted"
    assert ref(converted["converted_account"]) == answer["account_id"]
    assert ref(converted["converted_contact"]) == answer["contact_id"]
    assert ref(converted["converted_opportunity"]) == answer["opportunity_id"]
    assert converted["converted_at"]


def test_without_opportunity(client: TestClient) -> None:
    lead = make_lead(client, company="某某贸易")
    response = convert(client, lead)
    assert response.status_code == 200, response.text
    assert response.json()["opportunity_id"] is None
    assert count(client, "opportunity") == 0


def test_credit_code_match(client: TestClient) -> None:
    account = make_account(client, name="完全不同的名字", credit_code=CREDIT_CODE)
    lead = make_lead(client, company="别名公司", credit_code=CREDIT_CODE)
    found = matches(client, lead)
    assert found == {
        "accounts": [
            {
                "id": account["id"],
                "name": "完全不同的名字",
                "reasons": ["credit_code"],
                "account": None,
            }
        ],
        "contacts": [],
    }
    before = counts(client)
    refused = convert(client, lead)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "duplicates_found"
    assert [a["id"] for a in problem["candidates"]["accounts"]] == [account["id"]]
    assert counts(client) == before  # nothing written
    picked = convert(client, lead, account_id=account["id"])
    assert picked.status_code == 200, picked.text
    assert picked.json()["account_id"] == account["id"]
    assert count(client, "account") == before["account"]
    contact = client.get(f"/api/v1/records/contact/{picked.json()['contact_id']}").json()
    assert ref(contact["account"]) == account["id"]


def test_company_name_match_ignores_region_and_legal_form(client: TestClient) -> None:
    account = make_account(client, name="北京某某科技有限公司")
    make_account(client, name="某某软件有限公司")  # not the same company
    lead = make_lead(client, company="某某科技")
    found = matches(client, lead)
    assert [(a["id"], a["reasons"]) for a in found["accounts"]] == [
        (account["id"], ["company_name"])
    ]


def test_email_match_proposes_the_contact_and_its_account(client: TestClient) -> None:
    account = make_account(client, name="远方集团")
    contact = make_contact(
        client, name="王芳", email="Wang.Fang@Example.com", account=account["id"]
    )
    lead = make_lead(client, company="另一个名字", email="  wang.fang@example.COM")
    found = matches(client, lead)
    assert found["contacts"] == [
        {"id": contact["id"], "name": "王芳", "reasons": ["email"], "account": account["id"]}
    ]
    assert [(a["id"], a["reasons"]) for a in found["accounts"]] == [(account["id"], ["email"])]
    picked = convert(client, lead, account_id=account["id"], contact_id=contact["id"])
    assert picked.status_code == 200, picked.text
    assert picked.json()["contact_id"] == contact["id"]


def test_mobile_match_across_formats(client: TestClient) -> None:
    contact = make_contact(client, name="李雷", mobile="138 1234 5678")
    lead = make_lead(client, name="李雷", company="独立工作室", mobile="+86 138-1234-5678")
    found = matches(client, lead)
    assert [(c["id"], c["reasons"]) for c in found["contacts"]] == [(contact["id"], ["mobile"])]
    assert found["accounts"] == []
    refused = convert(client, lead)
    assert refused.status_code == 409
    assert refused.json()["candidates"]["contacts"][0]["id"] == contact["id"]
    # A picked contact without an account joins the new account.
    picked = convert(client, lead, contact_id=contact["id"])
    assert picked.status_code == 200, picked.text
    joined = client.get(f"/api/v1/records/contact/{contact['id']}").json()
    assert ref(joined["account"]) == picked.json()["account_id"]


def test_confirm_creates_new_records_despite_candidates(client: TestClient) -> None:
    make_account(client, name="北京某某科技有限公司")
    lead = make_lead(client, company="某某科技")
    response = convert(client, lead, confirm=True, create_account={"grade": "A"})
    assert response.status_code == 200, response.text
    created = client.get(f"/api/v1/records/account/{response.json()['account_id']}").json()
    assert created["name"] == "某某科技"
    assert created["grade"] == "A"
    assert count(client, "account") == 2


def test_no_candidate_no_conflict(client: TestClient) -> None:
    make_account(client, name="毫不相干有限公司")
    lead = make_lead(client, company="星河云帆")
    assert matches(client, lead) == {"accounts": [], "contacts": []}
    assert convert(client, lead).status_code == 200


def test_activities_move_to_the_contact(client: TestClient) -> None:
    lead = make_lead(client, company="星河云帆")
    activity = client.post(
        "/api/v1/records/activity",
        json={
            "subject": "首次电话",
            "type": "call",
            "related_object": "lead",
            "related_id": lead["id"],
        },
    )
    assert activity.status_code == 201, activity.text
    response = convert(client, lead)
    assert response.status_code == 200, response.text
    moved = client.get(f"/api/v1/records/activity/{activity.json()['id']}").json()
    assert moved["related_object"] == "contact"
    assert moved["related_id"] == response.json()["contact_id"]
    assert ref(moved["contact"]) == response.json()["contact_id"]
    assert ref(moved["account"]) == response.json()["account_id"]


def test_converted_lead_is_read_only(client: TestClient) -> None:
    lead = make_lead(client, company="星河云帆")
    assert convert(client, lead).status_code == 200
    edit = client.patch(f"/api/v1/records/lead/{lead['id']}", json={"title": "总监"})
    assert edit.status_code == 409
    assert edit.json()["code"] == "lead_converted"
    before = counts(client)
    again = convert(client, lead)
    assert again.status_code == 409
    assert again.json()["code"] == "already_converted"
    assert counts(client) == before
    menu = client.get(f"/api/v1/records/lead/{lead['id']}/actions").json()
    assert {i["name"]: i["available"] for i in menu["items"]}["convert"] is False


def test_menu_offers_convert_on_an_open_lead(client: TestClient) -> None:
    lead = make_lead(client, company="星河云帆")
    menu = client.get(
        f"/api/v1/records/lead/{lead['id']}/actions", headers={"Accept-Language": "zh-CN"}
    ).json()
    items = {i["name"]: i for i in menu["items"]}
    assert items["convert"]["available"] is True
    assert items["convert"]["label"] == "转换"
    assert "opportunity" in items["convert"]["input_schema"]["properties"]
    assert items["conversion_matches"]["menu"] is False


def test_rep_cannot_pick_or_see_an_account_they_cannot_read(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    hidden = make_account(client, name="北京某某科技有限公司", credit_code=CREDIT_CODE)
    add_member(
        platform,
        tenant,
        "rep@example.com",
        {name: rights("own") for name in ("lead", "account", "contact", "opportunity", "activity")},
    )
    login(client, "rep@example.com")
    lead = make_lead(client, company="某某科技", credit_code=CREDIT_CODE)
    assert matches(client, lead) == {"accounts": [], "contacts": []}
    refused = convert(client, lead, account_id=hidden["id"])
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["account_id"]
    stored = client.get(f"/api/v1/records/lead/{lead['id']}").json()
    assert stored["status"] == "new"
    # Without a pick the rep gets an account of their own (none they can see matched).
    response = convert(client, lead, create_account={"credit_code": None})
    assert response.status_code == 200, response.text
    assert response.json()["account_id"] != hidden["id"]


def test_bad_input_writes_nothing(client: TestClient) -> None:
    lead = make_lead(client, company="星河云帆")
    before = counts(client)
    unknown = convert(client, lead, account_id="0190a000-0000-7000-8000-000000000000")
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["account_id"]
    assert [e["code"] for e in unknown.json()["errors"]] == ["invalid_reference"]
    not_uuid = convert(client, lead, contact_id="nope")
    assert not_uuid.status_code == 422
    assert [e["field"] for e in not_uuid.json()["errors"]] == ["contact_id"]
    both = convert(client, lead, account_id=lead["id"], create_account={"name": "x"})
    assert both.status_code == 422
    assert both.json()["errors"][0]["field"] == "create_account"
    no_date = convert(client, lead, opportunity={"name": "项目"})
    assert no_date.status_code == 422
    assert any("close_date" in e["field"] for e in no_date.json()["errors"])
    # The new account is invalid: its error names the input, and the contact is not kept.
    bad_account = convert(client, lead, create_account={"credit_code": "123"})
    assert bad_account.status_code == 422
    assert [e["field"] for e in bad_account.json()["errors"]] == ["create_account.credit_code"]
    # The opportunity is invalid after account and contact were created: all rolled back.
    bad_amount = convert(
        client, lead, opportunity={"name": "项目", "close_date": "2027-01-01", "stage": "nonsense"}
    )
    assert bad_amount.status_code == 422
    assert [e["field"] for e in bad_amount.json()["errors"]] == ["opportunity.stage"]
    assert counts(client) == before
    assert client.get(f"/api/v1/records/lead/{lead['id']}").json()["status"] == "new"


def test_lead_credit_code_is_validated(client: TestClient) -> None:
    response = client.post(
        "/api/v1/records/lead", json={"name": "王芳", "credit_code": "91110108MA01ABCDE0"}
    )
    if response.json().get("errors", [{}])[0].get("field") != "credit_code":
        raise AssertionError(response.text)
    assert response.status_code == 422
