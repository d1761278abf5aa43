"""Filter conditions on counts of related records (keyi.platform.query.filters, "related"):
every comparison, nested filters and nesting, the `on` anchor, access inside the count, and
bad conditions explained."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_member, make_account, make_contact, rights

R = "/api/v1/records"
SALES = ("core", "sales")


def activity(client: TestClient, contact: dict[str, Any], **values: Any) -> dict[str, Any]:
    body = {"subject": "电话回访", "type": "call", "contact": contact["id"], **values}
    response = client.post(f"{R}/activity", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def names(client: TestClient, object_name: str, filter: Any) -> set[str]:
    """The names a query finds — checked against the aggregate count of the same filter."""
    found = client.post(f"{R}/{object_name}/query", json={"filter": filter, "limit": 200})
    assert found.status_code == 200, found.text
    counted = client.post(f"{R}/{object_name}/aggregate", json={"filter": filter})
    assert counted.status_code == 200, counted.text
    result = {r["name"] for r in found.json()["records"]}
    assert counted.json()["groups"][0]["values"]["count"] == len(result)
    return result


def activities(op: str, value: int, filter: Any = None) -> dict[str, Any]:
    related: dict[str, Any] = {"object": "activity", "field": "contact"}
    if filter is not None:
        related["filter"] = filter
    return {"related": related, "op": op, "value": value}


@pytest.fixture
def people(client: TestClient) -> dict[str, dict[str, Any]]:
    """甲 has three calls and a visit, 乙 one call, 丙 none; 甲 and 乙 work at 华为 (an open
    deal), 丙 at 腾讯 (a won deal), 丁 at no account."""
    huawei = make_account(client, name="华为")
    tencent = make_account(client, name="腾讯")
    a = make_contact(client, name="甲", account=huawei["id"])
    b = make_contact(client, name="乙", account=huawei["id"])
    make_contact(client, name="丙", account=tencent["id"])
    make_contact(client, name="丁")
    for _ in range(3):
        activity(client, a)
    activity(client, a, type="visit")
    activity(client, b)
    for account, stage in ((huawei, "proposal"), (tencent, "won")):
        deal = {"name": "deal", "account": account["id"], "stage": stage, "amount": 1}
        deal["close_date"] = "2026-12-31"
        assert client.post(f"{R}/opportunity", json=deal).status_code == 201
    return {"huawei": huawei, "a": a, "b": b}


@pytest.mark.packages(*SALES)
def test_every_comparison_of_a_count(client: TestClient, people: Any) -> None:
    assert names(client, "contact", activities("gte", 3)) == {"甲"}
    assert names(client, "contact", activities("gt", 3)) == {"甲"}
    assert names(client, "contact", activities("gt", 4)) == set()
    assert names(client, "contact", activities("gte", 1)) == {"甲", "乙"}
    assert names(client, "contact", activities("gte", 0)) == {"甲", "乙", "丙", "丁"}
    assert names(client, "contact", activities("eq", 0)) == {"丙", "丁"}
    assert names(client, "contact", activities("eq", 1)) == {"乙"}
    assert names(client, "contact", activities("ne", 1)) == {"甲", "丙", "丁"}
    assert names(client, "contact", activities("ne", 0)) == {"甲", "乙"}
    assert names(client, "contact", activities("lt", 2)) == {"乙", "丙", "丁"}
    assert names(client, "contact", activities("lt", 0)) == set()
    assert names(client, "contact", activities("lte", 1)) == {"乙", "丙", "丁"}
    # Only calls count: 甲 has three, so "at least 4 calls" finds nobody.
    calls = {"field": "type", "op": "eq", "value": "call"}
    assert names(client, "contact", activities("gte", 4, calls)) == set()
    assert names(client, "contact", activities("eq", 3, calls)) == {"甲"}
    recent = {"and": [calls, {"field": "start_at", "op": "eq", "value": "last_n_days:90"}]}
    assert names(client, "contact", activities("gte", 3, recent)) == {"甲"}
    # Paths inside the count join within it (the activity's contact is not the outer row).
    named = {"field": "contact.name", "op": "eq", "value": "甲"}
    assert names(client, "contact", activities("gte", 1, named)) == {"甲"}
    assert names(client, "contact", activities("gte", 4, named)) == {"甲"}
    assert names(client, "contact", activities("eq", 0, named)) == {"乙", "丙", "丁"}
    # Combined with other conditions, negated, and nested in a count of contacts per account.
    assert names(client, "contact", {"not": activities("gte", 1)}) == {"丙", "丁"}
    either = {"or": [activities("eq", 1), {"field": "name", "op": "eq", "value": "丁"}]}
    assert names(client, "contact", either) == {"乙", "丁"}
    busy_contacts = {
        "related": {"object": "contact", "field": "account", "filter": activities("gte", 1)},
        "op": "gte",
        "value": 2,
    }
    assert names(client, "account", busy_contacts) == {"华为"}


@pytest.mark.packages(*SALES)
def test_a_count_through_a_lookup_of_the_record(client: TestClient, people: Any) -> None:
    """ "Contacts whose account has an open opportunity": the count matches the related
    record's link against the contact's account; a contact with no account has none."""
    open_deal = {
        "related": {
            "object": "opportunity",
            "field": "account",
            "on": "account",
            "filter": {"field": "stage", "op": "ne", "value": "won"},
        },
        "op": "gte",
        "value": 1,
    }
    assert names(client, "contact", open_deal) == {"甲", "乙"}
    assert names(client, "contact", {"not": open_deal}) == {"丙", "丁"}
    no_deal = {**open_deal, "op": "eq", "value": 0}
    assert names(client, "contact", no_deal) == {"丙", "丁"}


@pytest.mark.packages(*SALES)
def test_counts_only_what_the_reader_may_see(
    client: TestClient, platform: Platform, tenant: TenantInfo, people: Any
) -> None:
    """A rep who reads only their own activities counts only those: the admin's calls on 甲
    are not theirs to know about."""
    rep = add_member(
        platform,
        tenant,
        "rep@example.com",
        {"contact": rights("all"), "account": rights("all"), "activity": rights("own")},
    )
    login(client, "rep@example.com", ADMIN_PASSWORD)
    assert names(client, "contact", activities("gte", 1)) == set()
    activity(client, people["b"], subject="我的电话")
    assert names(client, "contact", activities("gte", 1)) == {"乙"}
    assert names(client, "contact", activities("eq", 0)) == {"甲", "丙", "丁"}
    assert rep["id"]
    # No right on opportunities at all: a condition over them is refused like an unknown one.
    refused = client.post(
        f"{R}/contact/query",
        json={
            "filter": {
                "related": {"object": "opportunity", "field": "account", "on": "account"},
                "op": "gte",
                "value": 1,
            }
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "filter.related.object"


@pytest.mark.packages(*SALES)
def test_bad_count_conditions_are_explained(client: TestClient) -> None:
    good = {"object": "activity", "field": "contact"}
    cases = [
        ({"related": {**good, "object": "nope"}, "op": "gte", "value": 1}, "related.object"),
        ({"related": {**good, "field": "subject"}, "op": "gte", "value": 1}, "related.field"),
        ({"related": {**good, "field": "nope"}, "op": "gte", "value": 1}, "related.field"),
        ({"related": {**good, "field": "account"}, "op": "gte", "value": 1}, "related.field"),
        ({"related": {**good, "on": "name"}, "op": "gte", "value": 1}, "related.on"),
        ({"related": {**good, "on": "nope"}, "op": "gte", "value": 1}, "related.on"),
        ({"related": {**good, "extra": 1}, "op": "gte", "value": 1}, "related"),
        ({"related": "activity", "op": "gte", "value": 1}, "related"),
        ({"related": good, "op": "contains", "value": 1}, "op"),
        ({"related": good, "op": "gte", "value": -1}, "value"),
        ({"related": good, "op": "gte", "value": "3"}, "value"),
        ({"related": good, "op": "gte", "value": True}, "value"),
        ({"related": good, "op": "gte", "value": 1, "field": "x"}, ""),
        (
            {"related": {**good, "filter": {"field": "nope", "op": "eq"}}, "op": "gte", "value": 1},
            "related.filter.field",
        ),
    ]
    for condition, where in cases:
        body = {"filter": {"and": [condition]}}
        response = client.post(f"{R}/contact/query", json=body)
        assert response.status_code == 422, (condition, response.text)
        expected = "filter.and.0" + (f".{where}" if where else "")
        assert response.json()["errors"][0]["field"] == expected, (condition, response.text)


@pytest.mark.packages(*SALES)
def test_a_kept_report_keys_on_the_related_objects_access(
    platform: Platform, tenant: TenantInfo
) -> None:
    """A dashboard's kept answer is reused only by readers with the same access to every
    object it reads: a count's related object (and the objects its own paths go through) too."""
    from keyi.platform.analytics.kept import touched_objects
    from keyi.platform.analytics.spec import ReportSpec
    from keyi.platform.permissions import Actor

    spec = ReportSpec.from_json(
        {
            "object": "account",
            "filter": {
                "related": {
                    "object": "contact",
                    "field": "account",
                    "filter": {
                        "related": {
                            "object": "activity",
                            "field": "contact",
                            "filter": {"field": "opportunity.name", "op": "eq", "value": "x"},
                        },
                        "op": "gte",
                        "value": 1,
                    },
                },
                "op": "gte",
                "value": 1,
            },
        }
    )
    with platform.context(tenant, Actor.system("test")) as ctx:
        assert touched_objects(ctx, spec) == ["account", "activity", "contact", "opportunity"]
