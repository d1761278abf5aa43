"""Records through HTTP: versions, recycle bin, history, queries, aggregates, idempotency."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.helpers import count, make_account, make_contact


def test_update_with_versions(client: TestClient) -> None:
    account = make_account(client, grade="A")
    ok = client.patch(
        f"/api/v1/records/account/{account['id']}", json={"grade": "B"}, headers={"If-Match": '"1"'}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["etag"] == '"2"'
    stale = client.patch(
        f"/api/v1/records/account/{account['id']}", json={"grade": "C"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version" and stale.json()["current"] == 2
    assert client.get(f"/api/v1/records/account/{account['id']}").json()["grade"] == "B"
    via_body = client.patch(
        f"/api/v1/records/account/{account['id']}", json={"grade": "C", "version": 2}
    )
    assert via_body.status_code == 200 and via_body.json()["grade"] == "C"
    # An update that changes nothing does not bump the version.
    same = client.patch(f"/api/v1/records/account/{account['id']}", json={"grade": "C"})
    assert same.json()["version"] == 3


def test_invalid_update_changes_nothing(client: TestClient) -> None:
    account = make_account(client, employees=10)
    bad = client.patch(
        f"/api/v1/records/account/{account['id']}", json={"employees": "many", "name": ""}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"employees", "name"}
    after = client.get(f"/api/v1/records/account/{account['id']}").json()
    assert after["employees"] == 10 and after["version"] == 1
    rule = client.patch(f"/api/v1/records/account/{account['id']}", json={"annual_revenue": -5})
    assert rule.status_code == 422 and rule.json()["errors"][0]["code"] == "validation_rule"


def test_recycle_bin_and_history(client: TestClient) -> None:
    account = make_account(client)
    client.patch(
        f"/api/v1/records/account/{account['id']}", json={"grade": "A", "phone": "010-88886666"}
    )
    assert client.delete(f"/api/v1/records/account/{account['id']}").status_code == 204
    assert client.get(f"/api/v1/records/account/{account['id']}").status_code == 404
    binned = client.get("/api/v1/records/account", params={"deleted": "true"}).json()["records"]
    assert [r["id"] for r in binned] == [account["id"]]
    restored = client.post(f"/api/v1/records/account/{account['id']}/restore")
    assert restored.status_code == 200 and restored.json()["grade"] == "A"
    again = client.post(f"/api/v1/records/account/{account['id']}/restore")
    assert again.status_code == 409
    history = client.get(f"/api/v1/records/account/{account['id']}/history").json()["entries"]
    assert [e["operation"] for e in history] == ["restore", "delete", "update", "create"]
    update = history[2]
    assert {"field": "grade", "old": None, "new": "A"} in update["changes"]
    assert update["by_name"] == "管理员"


def test_missing_and_malformed_ids(client: TestClient) -> None:
    assert (
        client.get("/api/v1/records/account/00000000-0000-7000-8000-000000000000").status_code
        == 404
    )
    assert client.get("/api/v1/records/account/not-a-uuid").status_code == 404
    assert client.get("/api/v1/records/nothing").status_code == 404
    assert (
        client.patch(
            "/api/v1/records/account/00000000-0000-7000-8000-000000000000", json={"name": "x"}
        ).status_code
        == 404
    )


def test_query_filters_sort_and_cursor(client: TestClient) -> None:
    for i in range(12):
        make_account(
            client,
            name=f"客户{i:02d}",
            industry="manufacturing" if i % 3 == 0 else "finance",
            employees=i * 10 if i % 4 else None,
            province="广东" if i < 6 else "浙江",
        )
    body = {
        "filter": {
            "and": [
                {"field": "industry", "op": "eq", "value": "finance"},
                {"field": "employees", "op": "gte", "value": 20},
            ]
        },
        "sort": [{"field": "employees", "direction": "desc"}],
        "fields": ["name", "employees"],
        "limit": 3,
    }
    page1 = client.post("/api/v1/records/account/query", json=body).json()
    assert [r["employees"] for r in page1["records"]] == [110, 100, 70]
    assert set(page1["records"][0]) == {"id", "version", "name", "employees", "_display"}
    page2 = client.post(
        "/api/v1/records/account/query", json={**body, "cursor": page1["next_cursor"]}
    ).json()
    assert [r["employees"] for r in page2["records"]] == [50, 20]
    assert page2["next_cursor"] is None
    # Nullable sort keys page correctly (nulls last ascending).
    seen = []
    cursor = None
    while True:
        page = client.post(
            "/api/v1/records/account/query",
            json={
                "sort": [{"field": "employees", "direction": "asc"}],
                "limit": 5,
                "cursor": cursor,
            },
        ).json()
        seen.extend(r["employees"] for r in page["records"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 12 and seen[-3:] == [None, None, None]
    assert seen[:9] == sorted(seen[:9])
    # Compact URL form and OR/NOT.
    compact = client.get(
        "/api/v1/records/account",
        params=[
            ("f", "province:eq:浙江"),
            ("f", "industry:in:manufacturing|retail"),
            ("sort", "name"),
        ],
    ).json()
    assert [r["name"] for r in compact["records"]] == ["客户06", "客户09"]
    either = client.post(
        "/api/v1/records/account/query",
        json={
            "filter": {
                "or": [
                    {"field": "name", "op": "eq", "value": "客户01"},
                    {"not": {"field": "employees", "op": "is_null", "value": False}},
                ]
            }
        },
    ).json()
    assert {r["name"] for r in either["records"]} == {"客户00", "客户01", "客户04", "客户08"}
    starts = client.post(
        "/api/v1/records/account/query",
        json={"filter": {"field": "name", "op": "starts_with", "value": "客户1"}},
    ).json()
    assert len(starts["records"]) == 2


def test_filters_across_lookups_and_relative_dates(client: TestClient) -> None:
    acme = make_account(client, name="Acme", industry="manufacturing")
    other = make_account(client, name="Other", industry="finance")
    from datetime import date, timedelta

    today = date.today()
    for account, close in ((acme, today), (acme, today + timedelta(days=400)), (other, today)):
        created = client.post(
            "/api/v1/records/opportunity",
            json={
                "name": f"Deal {account['name']}",
                "account": account["id"],
                "close_date": close.isoformat(),
                "amount": 100,
            },
        )
        assert created.status_code == 201, created.text
    result = client.post(
        "/api/v1/records/opportunity/query",
        json={
            "filter": {
                "and": [
                    {"field": "account.industry", "op": "eq", "value": "manufacturing"},
                    {"field": "close_date", "op": "eq", "value": "this_year"},
                ]
            }
        },
    ).json()
    assert [r["_display"]["account"] for r in result["records"]] == ["Acme"]
    sorted_by_account = client.post(
        "/api/v1/records/opportunity/query",
        json={"sort": [{"field": "account.name", "direction": "desc"}]},
    ).json()
    assert sorted_by_account["records"][0]["_display"]["account"] == "Other"


def test_bad_queries_are_explained(client: TestClient) -> None:
    cases = [
        {"filter": {"field": "nope", "op": "eq", "value": 1}},
        {"filter": {"field": "name", "op": "between", "value": 1}},
        {"filter": {"field": "employees", "op": "eq", "value": "abc"}},
        {"filter": {"field": "industry", "op": "gt", "value": "x"}},
        {"filter": {"field": "name; DROP TABLE account", "op": "eq", "value": 1}},
        {"filter": {"and": "x"}},
        {"sort": [{"field": "description"}]},
        {"sort": [{"field": "name", "direction": "sideways"}]},
        {"cursor": "garbage"},
        {"limit": 0},
        {"fields": ["nope"]},
    ]
    for body in cases:
        response = client.post("/api/v1/records/account/query", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"], body
    assert client.get("/api/v1/records/account", params={"filter": "{not json"}).status_code == 422


def test_aggregates_with_buckets(client: TestClient) -> None:
    acme = make_account(client, name="Acme")
    deals = [
        ("2026-01-15", "won", 100),
        ("2026-01-20", "won", 50),
        ("2026-02-03", "proposal", 70),
        ("2026-04-01", "won", 30),
    ]
    for close, stage, amount in deals:
        assert (
            client.post(
                "/api/v1/records/opportunity",
                json={
                    "name": "d",
                    "account": acme["id"],
                    "close_date": close,
                    "stage": stage,
                    "amount": amount,
                },
            ).status_code
            == 201
        )
    by_month = client.post(
        "/api/v1/records/opportunity/aggregate",
        json={
            "group_by": [{"field": "close_date", "bucket": "month"}, {"field": "stage"}],
            "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
        },
    ).json()["groups"]
    assert by_month == [
        {
            "key": {"close_date": "2026-01-01", "stage": "won"},
            "values": {"count": 2, "sum_amount": 150},
        },
        {
            "key": {"close_date": "2026-02-01", "stage": "proposal"},
            "values": {"count": 1, "sum_amount": 70},
        },
        {
            "key": {"close_date": "2026-04-01", "stage": "won"},
            "values": {"count": 1, "sum_amount": 30},
        },
    ]
    by_quarter = client.post(
        "/api/v1/records/opportunity/aggregate",
        json={
            "filter": {"field": "stage", "op": "eq", "value": "won"},
            "group_by": [{"field": "close_date", "bucket": "quarter"}],
            "aggregates": [
                {"op": "avg", "field": "amount"},
                {"op": "max", "field": "amount"},
                {"op": "min", "field": "close_date"},
            ],
        },
    ).json()["groups"]
    assert by_quarter == [
        {
            "key": {"close_date": "2026-01-01"},
            "values": {"avg_amount": 75, "max_amount": 100, "min_close_date": "2026-01-15"},
        },
        {
            "key": {"close_date": "2026-04-01"},
            "values": {"avg_amount": 30, "max_amount": 30, "min_close_date": "2026-04-01"},
        },
    ]
    by_week = client.post(
        "/api/v1/records/opportunity/aggregate",
        json={
            "group_by": [{"field": "close_date", "bucket": "week"}],
            "aggregates": [{"op": "count"}],
        },
    ).json()["groups"]
    assert by_week[0]["key"]["close_date"] == "2026-01-12"  # Monday of the week of Jan 15
    bad = client.post(
        "/api/v1/records/opportunity/aggregate",
        json={"aggregates": [{"op": "sum", "field": "name"}]},
    )
    assert bad.status_code == 422


def test_idempotent_create(client: TestClient) -> None:
    headers = {"Idempotency-Key": "import-42"}
    first = client.post("/api/v1/records/account", json={"name": "Once"}, headers=headers)
    second = client.post("/api/v1/records/account", json={"name": "Once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert count(client, "account") == 1
    conflict = client.post("/api/v1/records/account", json={"name": "Different"}, headers=headers)
    assert conflict.status_code == 422


def test_bulk_create_is_all_or_nothing(client: TestClient) -> None:
    bad = client.post(
        "/api/v1/records/account/bulk",
        json={"records": [{"name": "A"}, {"employees": 3}, {"name": "C", "grade": "Z"}]},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"1.name", "2.grade"}
    assert count(client, "account") == 0
    ok = client.post(
        "/api/v1/records/account/bulk", json={"records": [{"name": "A"}, {"name": "B"}]}
    )
    assert ok.status_code == 201 and len(ok.json()["ids"]) == 2


def test_opportunity_stage_sets_probability_and_rules(client: TestClient) -> None:
    acme = make_account(client, name="Acme")
    opp = client.post(
        "/api/v1/records/opportunity",
        json={"name": "D", "account": acme["id"], "close_date": "2026-06-30", "amount": 1000},
    ).json()
    assert (
        opp["stage"] == "prospecting"
        and opp["probability"] == 10
        and opp["expected_revenue"] == 100
    )
    moved = client.patch(
        f"/api/v1/records/opportunity/{opp['id']}", json={"stage": "negotiation"}
    ).json()
    assert moved["probability"] == 60 and moved["expected_revenue"] == 600
    wild = client.patch(f"/api/v1/records/opportunity/{opp['id']}", json={"probability": 250})
    assert wild.status_code == 422 and wild.json()["errors"][0]["field"] == "probability"
    lost = client.patch(f"/api/v1/records/opportunity/{opp['id']}", json={"stage": "lost"})
    assert lost.status_code == 422 and lost.json()["errors"][0]["field"] == "lost_reason"
    lost = client.patch(
        f"/api/v1/records/opportunity/{opp['id']}", json={"stage": "lost", "lost_reason": "price"}
    )
    assert lost.status_code == 200 and lost.json()["probability"] == 0
    account = client.get(f"/api/v1/records/account/{acme['id']}").json()
    assert account["opportunity_count"] == 1 and account["pipeline_amount"] == 1000


def test_activity_links_to_account(client: TestClient) -> None:
    acme = make_account(client, name="Acme")
    contact = make_contact(client, account=acme["id"])
    activity = client.post(
        "/api/v1/records/activity",
        json={
            "subject": "拜访张总",
            "type": "visit",
            "related_object": "contact",
            "related_id": contact["id"],
        },
    ).json()
    assert activity["contact"] == contact["id"] and activity["account"] == acme["id"]
    timeline = client.post(
        "/api/v1/records/activity/query",
        json={"filter": {"field": "account", "op": "eq", "value": acme["id"]}},
    ).json()["records"]
    assert [a["subject"] for a in timeline] == ["拜访张总"]


def test_aggregates_take_the_lists_quick_search(client: TestClient) -> None:
    """A list's count and a kanban's totals describe the rows the quick search shows."""
    for name, grade in (("纷享销客科技", "A"), ("纷享软件", "B"), ("华为技术", "A")):
        make_account(client, name=name, grade=grade)
    listed = client.post("/api/v1/records/account/query", json={"q": "纷享"}).json()["records"]
    totals = client.post(
        "/api/v1/records/account/aggregate",
        json={"q": "纷享", "group_by": [{"field": "grade"}], "aggregates": [{"op": "count"}]},
    ).json()["groups"]
    assert sorted(r["name"] for r in listed) == ["纷享软件", "纷享销客科技"]
    assert {g["key"]["grade"]: g["values"]["count"] for g in totals} == {"A": 1, "B": 1}
    everything = client.post("/api/v1/records/account/aggregate", json={"q": "  "}).json()
    assert everything["groups"][0]["values"]["count"] == 3
    for path in ("query", "aggregate"):
        bad = client.post(f"/api/v1/records/account/{path}", json={"q": ["纷享"]})
        assert bad.status_code == 422, (path, bad.text)
        assert bad.json()["errors"][0]["field"] == "q"
