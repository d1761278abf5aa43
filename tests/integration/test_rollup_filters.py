"""Filtered roll-ups: a summary over the children whose fields hold given values.

A project's approved cost counts only approved or paid milestones that are billable; changing
a child's status or flag (not only its amount) moves the total, and a filter naming a field or
value the child does not have is refused when the roll-up is defined.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

STATUS_OPTIONS = [
    {"value": v, "labels": {"en": v}} for v in ("draft", "approved", "paid", "rejected")
]


def _define(client: TestClient) -> None:
    for name in ("project", "milestone"):
        created = client.post(
            "/api/v1/metadata/objects", json={"name": name, "labels": {"en": name}}
        )
        assert created.status_code == 201, created.text
    fields: list[dict[str, Any]] = [
        {"name": "project", "type": "master_detail", "target": "project", "required": True},
        {"name": "cost", "type": "currency"},
        {"name": "status", "type": "picklist", "options": STATUS_OPTIONS},
        {"name": "billable", "type": "boolean"},
    ]
    for field in fields:
        added = client.post(
            "/api/v1/metadata/objects/milestone/fields",
            json={**field, "labels": {"en": field["name"]}},
        )
        assert added.status_code == 201, added.text


def _rollup(client: TestClient, name: str, spec: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/metadata/objects/project/fields",
        json={
            "name": name,
            "type": "rollup",
            "labels": {"en": name},
            "rollup": {"child_object": "milestone", "child_field": "project", **spec},
        },
    )


@pytest.mark.packages("core")
def test_filtered_sum_and_count_follow_the_filtered_fields(client: TestClient) -> None:
    _define(client)
    project = client.post("/api/v1/records/project", json={"name": "P"}).json()
    pid = project["id"]

    def milestone(cost: float, status: str, billable: bool) -> str:
        made = client.post(
            "/api/v1/records/milestone",
            json={
                "name": status,
                "project": pid,
                "cost": cost,
                "status": status,
                "billable": billable,
            },
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    first = milestone(100, "approved", True)
    milestone(40, "draft", True)
    milestone(7, "paid", False)
    # Added after children exist: filled for every existing parent.
    added = _rollup(
        client,
        "approved_cost",
        {
            "op": "sum",
            "aggregate_field": "cost",
            "filter": {"status": ["approved", "paid"], "billable": True},
        },
    )
    assert added.status_code == 201, added.text
    assert added.json()["rollup"]["filter"] == {
        "status": ["approved", "paid"],
        "billable": [True],
    }
    counted = _rollup(client, "open_count", {"op": "count", "filter": {"status": ["draft"]}})
    assert counted.status_code == 201, counted.text

    def totals() -> tuple[float, int]:
        got = client.get(f"/api/v1/records/project/{pid}").json()
        return got["approved_cost"], got["open_count"]

    assert totals() == (100, 1)
    third = milestone(5.5, "paid", True)
    assert totals() == (105.5, 1)
    # Writing only the filtered field moves the child in or out of the summary.
    assert (
        client.patch(f"/api/v1/records/milestone/{first}", json={"status": "rejected"}).status_code
        == 200
    )
    assert totals() == (5.5, 1)
    assert (
        client.patch(f"/api/v1/records/milestone/{third}", json={"billable": False}).status_code
        == 200
    )
    assert totals() == (0, 1)
    assert (
        client.patch(f"/api/v1/records/milestone/{first}", json={"status": "draft"}).status_code
        == 200
    )
    assert totals() == (0, 2)
    assert client.delete(f"/api/v1/records/milestone/{first}").status_code == 204
    assert totals() == (0, 1)


@pytest.mark.packages("core")
def test_a_filter_on_an_unknown_field_or_value_is_refused(client: TestClient) -> None:
    _define(client)
    unknown_field = _rollup(client, "bad1", {"op": "count", "filter": {"colour": ["red"]}})
    assert unknown_field.status_code == 422
    fields = {e["field"]: e["code"] for e in unknown_field.json()["errors"]}
    assert fields == {"rollup.filter.colour": "field_not_found"}
    unknown_option = _rollup(client, "bad2", {"op": "count", "filter": {"status": ["gone"]}})
    assert unknown_option.status_code == 422
    assert unknown_option.json()["errors"][0]["code"] == "invalid_option"
    not_a_bool = _rollup(client, "bad3", {"op": "count", "filter": {"billable": ["yes"]}})
    assert not_a_bool.status_code == 422
    wrong_type = _rollup(client, "bad4", {"op": "count", "filter": {"cost": [1]}})
    assert wrong_type.status_code == 422
    empty = _rollup(client, "bad5", {"op": "count", "filter": {"status": []}})
    assert empty.status_code == 422
    # A field a filter reads cannot be deleted from under it.
    drafts = _rollup(client, "drafts", {"op": "count", "filter": {"status": "draft"}})
    assert drafts.status_code == 201
    gone = client.delete("/api/v1/metadata/objects/milestone/fields/status")
    assert gone.status_code in (409, 422), gone.text
