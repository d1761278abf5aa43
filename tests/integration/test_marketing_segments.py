"""Segments (客户分群): live counts equal to the aggregate API's for the same filter and user,
related-record counts under the reader's access, bad conditions explained, static lists,
adding a segment's people to a campaign (once, as the caller) and the members preview."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import add_member, make_account, make_contact, rights

R = "/api/v1/records"
S = "/api/v1/segments"
MARKETING = ("core", "sales", "marketing")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def make_segment(client: TestClient, **values: Any) -> dict[str, Any]:
    body = {"name": "华东制造业联系人", "object": "contact", "type": "dynamic", **values}
    return dict(ok(client.post(f"{R}/segment", json=body), 201))


def aggregate_count(client: TestClient, object_name: str, filter: Any) -> int:
    body = {"filter": filter, "aggregates": [{"op": "count"}]}
    groups = ok(client.post(f"{R}/{object_name}/aggregate", json=body))["groups"]
    return int(groups[0]["values"]["count"]) if groups else 0


def activity(client: TestClient, contact: dict[str, Any], **values: Any) -> None:
    body = {"subject": "拜访", "type": "visit", "contact": contact["id"], **values}
    ok(client.post(f"{R}/activity", json=body), 201)


def all_pages(client: TestClient, segment_id: str, limit: int) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = ok(client.get(f"{S}/{segment_id}/members", params=params))
        pages.append(page["records"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


FILTERS: list[Any] = [
    None,
    {"field": "account.industry", "op": "eq", "value": "manufacturing"},
    {
        "and": [
            {"field": "account.industry", "op": "in", "value": ["manufacturing", "finance"]},
            {"field": "email", "op": "is_null", "value": False},
            {"field": "created_at", "op": "eq", "value": "this_year"},
        ]
    },
    {
        "or": [
            {"related": {"object": "activity", "field": "contact"}, "op": "gte", "value": 2},
            {"not": {"field": "title", "op": "contains", "value": "经理"}},
        ]
    },
    {"related": {"object": "activity", "field": "contact"}, "op": "eq", "value": 0},
]


@pytest.fixture
def crowd(client: TestClient, platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    """Eight contacts at two accounts, some owned by a rep who reads only their own contacts
    and activities; activities by the admin and by the rep."""
    rep = add_member(
        platform,
        tenant,
        "rep@example.com",
        {
            "contact": rights("own"),
            "account": rights("all"),
            "activity": rights("own"),
            "segment": rights("all"),
            "segment_member": rights("all"),
            "campaign": rights("all"),
            "campaign_member": rights("all"),
        },
    )
    factory = make_account(client, name="上海机床厂", industry="manufacturing")
    bank = make_account(client, name="招商银行", industry="finance")
    people = []
    for i in range(8):
        values: dict[str, Any] = {
            "name": f"联系人{i}",
            "account": (factory if i % 2 else bank)["id"],
            "title": "采购经理" if i % 3 == 0 else "工程师",
        }
        if i % 4:
            values["email"] = f"p{i}@example.com"
        if i >= 5:
            values["owner_id"] = rep["id"]
        people.append(make_contact(client, **values))
    for person in people[:4]:
        activity(client, person)
        activity(client, person)
    return {"rep": rep, "people": people}


@pytest.mark.packages(*MARKETING)
def test_counts_equal_the_aggregate_api(
    client: TestClient, platform: Platform, tenant: TenantInfo, crowd: dict[str, Any]
) -> None:
    segments = [make_segment(client, name=f"s{i}", filter=f) for i, f in enumerate(FILTERS)]
    # The rep's own activity on one of their contacts: the only one they may count.
    login(client, "rep@example.com", ADMIN_PASSWORD)
    activity(client, crowd["people"][6])
    activity(client, crowd["people"][6])
    seen: dict[str, list[int]] = {}
    for who in ("rep@example.com", admin_email_of(platform, tenant)):
        login(client, who, ADMIN_PASSWORD)
        counts = []
        for segment, filter in zip(segments, FILTERS, strict=True):
            saved = ok(client.get(f"{S}/{segment['id']}/count"))["count"]
            live = ok(client.post(f"{S}/count", json={"object": "contact", "filter": filter}))
            assert saved == live["count"] == aggregate_count(client, "contact", filter), filter
            counts.append(saved)
        seen[who] = counts
    admin = seen[admin_email_of(platform, tenant)]
    rep = seen["rep@example.com"]
    assert admin[0] == 8 and rep[0] == 3  # the rep owns contacts 5, 6 and 7
    assert admin[1] == 4
    # No activities: the admin counts 4, 5 and 7 (6 has the rep's two); the rep, who sees
    # only their own activities, counts 5 and 7 of their 5, 6, 7.
    assert admin[4] == 3 and rep[4] == 2


@pytest.mark.packages(*MARKETING)
def test_bad_conditions_are_refused_where_they_are(client: TestClient) -> None:
    bad_field = {"and": [{"field": "nope", "op": "eq", "value": 1}]}
    refused = client.post(
        f"{R}/segment", json={"name": "x", "object": "contact", "filter": bad_field}
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["filter.and.0.field"]
    bad_op = {"field": "name", "op": "sideways", "value": 1}
    refused = client.post(f"{R}/segment", json={"name": "x", "filter": bad_op})
    assert refused.json()["errors"][0]["field"] == "filter.op"
    bad_count = {"related": {"object": "activity", "field": "account"}, "op": "gte", "value": 1}
    refused = client.post(f"{R}/segment", json={"name": "x", "filter": bad_count})
    assert refused.json()["errors"][0]["field"] == "filter.related.field"
    wrong_object = client.post(f"{R}/segment", json={"name": "x", "object": "account"})
    assert wrong_object.status_code == 422
    assert wrong_object.json()["errors"][0]["field"] == "object"
    # A lead segment's conditions are checked against leads (contacts have no `company`).
    company = {"field": "company", "op": "contains", "value": "科技"}
    ok(client.post(f"{R}/segment", json={"name": "l", "object": "lead", "filter": company}), 201)
    contact_seg = make_segment(client)
    moved = client.patch(f"{R}/segment/{contact_seg['id']}", json={"filter": company})
    assert moved.json()["errors"][0]["field"] == "filter.field"
    # A static list does not use its filter.
    make_segment(client, type="static", filter=bad_field)
    assert ok(client.get(f"{R}/segment", params={"limit": 50}))["records"]
    for body, where in (
        ({"object": "account"}, "object"),
        ({"object": "contact", "filter": bad_field}, "filter.and.0.field"),
    ):
        answer = client.post(f"{S}/count", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == where
    assert client.get(f"{S}/00000000-0000-7000-8000-000000000000/count").status_code == 404


@pytest.mark.packages(*MARKETING)
def test_static_lists(client: TestClient) -> None:
    people = [make_contact(client, name=f"名单{i}") for i in range(3)]
    ids = [p["id"] for p in people]
    listed = make_segment(client, name="展会名单", type="static")
    dynamic = make_segment(client, name="动态")
    add = f"{R}/contact/add_to_segment"
    done = ok(client.post(add, json={"segment": listed["id"], "ids": ids[:2]}))
    assert done == {"added": 2, "skipped": 0, "not_found": []}
    missing = "00000000-0000-7000-8000-000000000000"
    again = ok(client.post(add, json={"segment": listed["id"], "ids": [*ids, missing]}))
    assert again == {"added": 1, "skipped": 2, "not_found": [missing]}
    assert ok(client.get(f"{S}/{listed['id']}/count"))["count"] == 3
    refused = client.post(add, json={"segment": dynamic["id"], "ids": ids})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "segment"
    lead_list = ok(
        client.post(f"{R}/segment", json={"name": "线索名单", "object": "lead", "type": "static"}),
        201,
    )
    refused = client.post(add, json={"segment": lead_list["id"], "ids": ids})
    assert refused.status_code == 422
    bad = client.post(add, json={"segment": listed["id"], "ids": ["1; drop"]})
    assert bad.status_code == 422
    # By hand: named after the person, and never twice.
    by_hand = client.post(f"{R}/segment_member", json={"segment": listed["id"], "contact": ids[0]})
    assert by_hand.status_code == 422 and by_hand.json()["errors"][0]["field"] == "contact"
    fourth = make_contact(client, name="名单3")
    member = ok(
        client.post(f"{R}/segment_member", json={"segment": listed["id"], "contact": fourth["id"]}),
        201,
    )
    assert member["name"] == "名单3"
    # In one batch too: the second membership of the same person is refused, nothing written.
    fifth = make_contact(client, name="名单4")
    twice = [{"segment": listed["id"], "contact": fifth["id"]}] * 2
    batch = client.post(f"{R}/segment_member/bulk", json={"records": twice})
    assert batch.status_code == 422 and batch.json()["errors"][0]["field"] == "1.contact"
    saved_again = client.patch(f"{R}/segment_member/{member['id']}", json={"contact": fourth["id"]})
    assert saved_again.status_code == 200, saved_again.text
    # The list is a filter too: a list view or report on contacts selects the same people.
    members_filter = {
        "related": {
            "object": "segment_member",
            "field": "contact",
            "filter": {"field": "segment", "op": "eq", "value": listed["id"]},
        },
        "op": "gte",
        "value": 1,
    }
    assert aggregate_count(client, "contact", members_filter) == 4
    view = {"object": "contact", "name": "展会名单", "filter": members_filter}
    assert ok(client.post("/api/v1/views", json=view), 201)["filter"] == members_filter
    removed = ok(
        client.post(
            f"{R}/contact/remove_from_segment",
            json={"segment": listed["id"], "ids": [ids[0], ids[1]]},
        )
    )
    assert removed == {"removed": 2, "not_found": []}
    names = [r["name"] for page in all_pages(client, listed["id"], 10) for r in page]
    assert names == ["名单2", "名单3"]
    # The audience object cannot change under members.
    moved = client.patch(f"{R}/segment/{listed['id']}", json={"object": "lead"})
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "object"


@pytest.mark.packages(*MARKETING)
def test_add_to_campaign_once_and_as_the_caller(
    client: TestClient, platform: Platform, tenant: TenantInfo, crowd: dict[str, Any]
) -> None:
    campaign = ok(client.post(f"{R}/campaign", json={"name": "春季新品发布会"}), 201)
    everyone = make_segment(client, name="全部联系人")
    run = f"{R}/segment/{everyone['id']}/add_to_campaign"
    # The rep reads only their three contacts: only those join.
    login(client, "rep@example.com", ADMIN_PASSWORD)
    assert ok(client.post(run, json={"campaign": campaign["id"]})) == {
        "added": 3,
        "skipped": 0,
        "total": 3,
    }
    login(client, admin_email_of(platform, tenant), ADMIN_PASSWORD)
    first = ok(client.post(run, json={"campaign": campaign["id"], "status": "registered"}))
    assert first == {"added": 5, "skipped": 3, "total": 8}
    again = ok(client.post(run, json={"campaign": campaign["id"]}))
    assert again == {"added": 0, "skipped": 8, "total": 8}
    members = ok(
        client.post(
            f"{R}/campaign_member/query",
            json={
                "filter": {"field": "campaign", "op": "eq", "value": campaign["id"]},
                "limit": 50,
            },
        )
    )["records"]
    assert len(members) == 8 and len({m["contact"] for m in members}) == 8
    assert sorted(m["status"] for m in members).count("registered") == 5
    newcomer = make_contact(client, name="新人")
    assert ok(client.post(run, json={"campaign": campaign["id"]}))["added"] == 1
    assert newcomer["id"]
    bad = client.post(run, json={"campaign": campaign["id"], "status": "sideways"})
    assert bad.status_code == 422
    missing = client.post(run, json={"campaign": "00000000-0000-7000-8000-000000000000"})
    assert missing.status_code == 404


@pytest.mark.packages(*MARKETING)
def test_members_preview_pages_by_name_with_readable_columns(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    account = make_account(client, name="华为")
    for i in range(23):
        make_contact(client, name=f"成员{i:02d}", email=f"m{i}@example.com", account=account["id"])
    segment = make_segment(client, filter={"field": "name", "op": "starts_with", "value": "成员"})
    pages = all_pages(client, segment["id"], 10)
    assert [len(p) for p in pages] == [10, 10, 3]
    names = [r["name"] for p in pages for r in p]
    assert names == sorted(names) and len(set(names)) == 23
    first = pages[0][0]
    assert first["email"] == "m0@example.com" and first["_display"]["account"] == "华为"
    add_member(
        platform,
        tenant,
        "masked@example.com",
        {
            "contact": rights("all", fields={"email": "hidden"}),
            "account": rights("all"),
            "segment": rights("all"),
        },
    )
    login(client, "masked@example.com", ADMIN_PASSWORD)
    page = ok(client.get(f"{S}/{segment['id']}/members", params={"limit": 5}))
    assert len(page["records"]) == 5 and "email" not in page["records"][0]
    # No right on leads: counting leads is refused, as a list of them would be.
    assert client.post(f"{S}/count", json={"object": "lead"}).status_code == 403
    assert client.get(f"{S}/{segment['id']}/members", params={"limit": 0}).status_code == 422
    assert client.get(f"{S}/{segment['id']}/members", params={"cursor": "junk"}).status_code == 422


@pytest.mark.packages(*MARKETING)
def test_lead_segments(client: TestClient) -> None:
    """A segment of leads: counted against the aggregate API, its people join a campaign as
    leads, and a static lead list takes leads only."""
    for i, status in enumerate(("new", "new", "contacted")):
        ok(client.post(f"{R}/lead", json={"name": f"线索{i}", "status": status}), 201)
    new = {"field": "status", "op": "eq", "value": "new"}
    segment = ok(
        client.post(f"{R}/segment", json={"name": "新线索", "object": "lead", "filter": new}), 201
    )
    assert ok(client.get(f"{S}/{segment['id']}/count"))["count"] == 2
    assert aggregate_count(client, "lead", new) == 2
    campaign = ok(client.post(f"{R}/campaign", json={"name": "线索培育"}), 201)
    run = f"{R}/segment/{segment['id']}/add_to_campaign"
    assert ok(client.post(run, json={"campaign": campaign["id"]}))["added"] == 2
    query = {"filter": {"field": "campaign", "op": "eq", "value": campaign["id"]}}
    members = ok(client.post(f"{R}/campaign_member/query", json=query))["records"]
    assert all(m["lead"] and not m["contact"] for m in members) and len(members) == 2
    page = ok(client.get(f"{S}/{segment['id']}/members"))["records"]
    assert {r["name"] for r in page} == {"线索0", "线索1"} and "company" in page[0]
    contact = make_contact(client)
    by_hand = client.post(
        f"{R}/segment_member",
        json={
            "segment": ok(
                client.post(f"{R}/segment", json={"name": "l", "object": "lead", "type": "static"}),
                201,
            )["id"],
            "contact": contact["id"],
        },
    )
    assert by_hand.status_code == 422
    assert {e["field"] for e in by_hand.json()["errors"]} == {"contact", "lead"}
