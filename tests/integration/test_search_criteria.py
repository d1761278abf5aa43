"""An object's ``search_criteria``: which of its records global search finds (a filter tree),
set on create or update through the metadata API, refused when it does not compile."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

OBJECTS = "/api/v1/metadata/objects"
PUBLIC = {"field": "state", "op": "eq", "value": "public"}


def _notice_object(client: TestClient, criteria: Any = None) -> Any:
    body: dict[str, Any] = {
        "name": "notice",
        "labels": {"en": "Notice", "zh-CN": "公告"},
        "fields": [
            {"name": "name", "type": "text", "labels": {"en": "Name"}, "required": True},
            {
                "name": "state",
                "type": "picklist",
                "labels": {"en": "State"},
                "options": [
                    {"value": "hidden", "labels": {"en": "Hidden"}},
                    {"value": "public", "labels": {"en": "Public"}},
                ],
            },
        ],
    }
    if criteria is not None:
        body["search_criteria"] = criteria
    return client.post(OBJECTS, json=body)


def _found(client: TestClient, q: str) -> list[str]:
    hits = client.get("/api/v1/search", params={"q": q, "objects": "notice"}).json()["hits"]
    return sorted(h["title"] for h in hits)


def test_criteria_decide_what_search_finds(client: TestClient) -> None:
    made = _notice_object(client, PUBLIC)
    assert made.status_code == 201, made.text
    assert made.json()["search_criteria"] == PUBLIC
    for name, state in (("停电通知 一", "public"), ("停电通知 二", "hidden")):
        r = client.post("/api/v1/records/notice", json={"name": name, "state": state})
        assert r.status_code == 201, r.text
    assert _found(client, "停电") == ["停电通知 一"]
    # The list view's quick search is not global search: it finds both.
    listed = client.get("/api/v1/records/notice", params={"q": "停电"}).json()["records"]
    assert len(listed) == 2
    # Clearing the criteria: every record again.
    cleared = client.patch(f"{OBJECTS}/notice", json={"search_criteria": None})
    assert cleared.status_code == 200, cleared.text
    assert _found(client, "停电") == ["停电通知 一", "停电通知 二"]


def test_criteria_that_do_not_compile_are_refused(client: TestClient) -> None:
    bad = _notice_object(client, {"field": "no_such_field", "op": "eq", "value": 1})
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in bad.json()["errors"]] == ["search_criteria"]
    assert client.get(f"{OBJECTS}/notice").status_code == 404
    assert _notice_object(client).status_code == 201
    refused = client.patch(
        f"{OBJECTS}/notice", json={"search_criteria": {"field": "state", "op": "nope"}}
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["search_criteria"]
