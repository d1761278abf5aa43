"""A record and its children in one request: one transaction, roll-ups included, errors placed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.helpers import count


def opportunity(name: str, amount: str) -> dict[str, str]:
    return {"name": name, "amount": amount, "close_date": "2027-03-31"}


def test_parent_and_children_are_created_together(client: TestClient) -> None:
    response = client.post(
        "/api/v1/records/account/tree",
        json={
            "record": {"name": "星河科技"},
            "children": [
                {
                    "object": "opportunity",
                    "records": [opportunity("一期", "1000.10"), opportunity("二期", "2000.05")],
                },
                {"object": "contact", "field": "account", "records": [{"name": "张伟"}]},
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    parent = body["record"]
    # The parent is read after its children: the roll-ups already count them, exactly.
    assert parent["opportunity_count"] == 2
    assert str(parent["pipeline_amount"]) in ("3000.15", "3000.150000")
    [opps, contacts] = body["children"]
    assert opps["object"] == "opportunity" and len(opps["ids"]) == 2
    for opp_id in opps["ids"]:
        assert client.get(f"/api/v1/records/opportunity/{opp_id}").json()["account"] == parent["id"]
    [contact_id] = contacts["ids"]
    assert client.get(f"/api/v1/records/contact/{contact_id}").json()["account"] == parent["id"]


def test_a_bad_child_writes_nothing_and_names_its_place(client: TestClient) -> None:
    before = (count(client, "account"), count(client, "opportunity"))
    response = client.post(
        "/api/v1/records/account/tree",
        json={
            "record": {"name": "半途而废"},
            "children": [
                {
                    "object": "opportunity",
                    "records": [opportunity("好的", "10"), {"name": "没有日期", "amount": "-1"}],
                }
            ],
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "children.0.records.1.close_date" in fields
    assert (count(client, "account"), count(client, "opportunity")) == before


def test_the_link_to_the_parent_is_checked(client: TestClient) -> None:
    wrong = client.post(
        "/api/v1/records/account/tree",
        json={
            "record": {"name": "链接"},
            "children": [
                {"object": "contact", "field": "name", "records": [{"name": "李雷"}]},
                {"object": "nothing_here", "records": [{"name": "x"}]},
            ],
        },
    )
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {
        "children.0.field",
        "children.1.object",
    }
    preset = client.post(
        "/api/v1/records/account/tree",
        json={
            "record": {"name": "预设"},
            "children": [{"object": "contact", "records": [{"name": "韩梅梅", "account": None}]}],
        },
    )
    assert preset.status_code == 422
    assert preset.json()["errors"][0]["field"] == "children.0.records.0.account"
