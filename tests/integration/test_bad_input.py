"""Bad input that used to answer 500 answers 4xx problem+json naming the parameter, on both
databases: aggregate limits, forged cursors, lone UTF-16 surrogates, deeply nested filters,
formula results too large for their type."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import httpx
from fastapi.testclient import TestClient

from keyi.platform.query.cursor import sort_signature
from keyi.platform.query.filters import MAX_DEPTH
from tests.integration.helpers import count, create_warranty_object, make_account

JSON = {"content-type": "application/json"}


def refused(response: httpx.Response, *fields: str) -> dict[str, Any]:
    """A 422 problem naming exactly `fields`."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert [e["field"] for e in body["errors"]] == list(fields), body
    return body


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_aggregate_limit_must_be_an_integer(client: TestClient) -> None:
    make_account(client)
    url = "/api/v1/records/account/aggregate"
    for limit in ("abc", "10", 1.5, [1], {"n": 1}, True):
        refused(client.post(url, json={"limit": limit}), "limit")
    assert client.post(url, json={"limit": 10}).status_code == 200


def test_forged_cursors_are_refused(client: TestClient) -> None:
    for i in range(3):
        make_account(client, name=f"游标{i}")
    page = client.get("/api/v1/records/account", params={"limit": 1})
    assert page.status_code == 200 and page.json()["next_cursor"]
    default = sort_signature([("created_at", "desc"), ("id", "desc")])
    by_name = sort_signature([("name", "asc"), ("id", "asc")])
    forged = [
        ("zz!!not base64", None),
        (base64.urlsafe_b64encode(os.urandom(48)).decode(), None),
        (b64([1, 2]), None),
        (b64({"s": default}), None),
        (b64({"s": default, "v": 5}), None),
        (b64({"s": default, "v": ["2026-01-01", "x"]}), None),  # text for a time
        (b64({"s": default, "v": [{"dt": "2026-01-01T00:00:00"}, 5]}), None),  # number for an id
        (b64({"s": default, "v": [{"d": "2026-01-01"}, "x"]}), None),  # date for a time
        (b64({"s": default, "v": [True, None]}), None),
        (b64({"s": default, "v": [{"n": "abc"}, "x"]}), None),
        (b64({"s": default, "v": [{"n": "NaN"}, "x"]}), None),
        (b64({"s": default, "v": [{"x": 1}, {"y": 2}]}), None),
        (b64({"s": by_name, "v": [7, "x"]}), "name"),
        (b64({"s": by_name, "v": [{"dt": "2026-01-01T00:00:00"}, "x"]}), "name"),
    ]
    for cursor, sort in forged:
        params = {"cursor": cursor, **({"sort": sort} if sort else {})}
        body = refused(client.get("/api/v1/records/account", params=params), "cursor")
        assert body["errors"][0]["code"] == "invalid_cursor"
        refused(
            client.post(
                "/api/v1/records/account/query",
                json={"cursor": cursor, **({"sort": [sort]} if sort else {})},
            ),
            "cursor",
        )
    # A real cursor still pages.
    cursor = page.json()["next_cursor"]
    assert client.get("/api/v1/records/account", params={"cursor": cursor}).status_code == 200


def test_lone_surrogates_are_refused_naming_the_field(client: TestClient) -> None:
    before = count(client, "account")
    records = "/api/v1/records/account"
    escaped = b'{"name": "ok", "description": "a\\ud800b"}'
    refused(client.post(records, content=escaped, headers=JSON), "description")
    # Raw CESU-8 bytes pass Python's JSON decoder as a surrogate too.
    raw = b'{"name": "\xed\xa0\x80"}'
    refused(client.post(records, content=raw, headers=JSON), "name")
    bulk = b'{"records": [{"name": "ok"}, {"name": "\\udfff"}]}'
    refused(client.post(records + "/bulk", content=bulk, headers=JSON), "records.1.name")
    query = b'{"filter": {"field": "name", "op": "eq", "value": "\\ud800"}}'
    refused(client.post(records + "/query", content=query, headers=JSON), "filter.value")
    aggregate = b'{"filter": {"field": "name", "op": "in", "value": ["a", "\\ud800"]}}'
    refused(client.post(records + "/aggregate", content=aggregate, headers=JSON), "filter.value.1")
    in_url = '{"field": "name", "op": "eq", "value": "\\ud800"}'
    refused(client.get(records, params={"filter": in_url}), "filter.value")
    refused(client.get(records + "/export", params={"filter": in_url}), "filter.value")
    # Percent-encoded surrogate bytes in a query string decode to U+FFFD: a harmless search.
    assert client.get(records + "?q=%ED%A0%80").status_code == 200
    assert client.get("/api/v1/search?q=%ED%A0%80").status_code == 200
    assert count(client, "account") == before
    # A proper surrogate pair (an emoji, escaped) is text like any other.
    emoji = client.post(records, content=b'{"name": "\\ud83d\\ude00 Ltd"}', headers=JSON)
    assert emoji.status_code == 201 and emoji.json()["name"] == "\U0001f600 Ltd"


def nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"field": "name", "op": "eq", "value": "x"}
    for i in range(depth):
        node = {"not": node} if i % 2 else {"and": [node]}
    return node


def test_filter_nesting_has_a_maximum_depth(client: TestClient) -> None:
    make_account(client, name="x")
    records = "/api/v1/records/account"
    ok = client.get(records, params={"filter": json.dumps(nested(MAX_DEPTH))})
    assert ok.status_code == 200, ok.text

    def too_deep(response: httpx.Response) -> None:
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        # Named where the tree went too deep: filter.and.0.not.….
        assert error["field"].startswith("filter.") and "nested deeper" in error["message"]

    for depth in (MAX_DEPTH + 1, 150):
        deep = nested(depth)
        too_deep(client.get(records, params={"filter": json.dumps(deep)}))
        too_deep(client.post(records + "/query", json={"filter": deep}))
        too_deep(client.post(records + "/aggregate", json={"filter": deep}))
    # Deeper than the JSON parser recurses: still the parameter's fault, not the server's.
    very_deep = '{"not":' * 3000 + '{"field":"name","op":"eq","value":"x"}' + "}" * 3000
    refused(client.get(records, params={"filter": very_deep}), "filter")
    parsed = client.post(records + "/query", content=f'{{"filter":{very_deep}}}', headers=JSON)
    assert refused(parsed, "body")["errors"][0]["code"] == "too_deep"


def test_formula_results_too_large_for_their_type_read_as_empty(client: TestClient) -> None:
    create_warranty_object(client)
    huge = " * ".join(["10000000000"] * 35)  # 1e350: past a double, and past any integer
    formulas = {
        "big_money": ("price * " + huge, "currency"),
        "big_count": ("units * " + huge, "integer"),
        "big_ratio": ("weight * " + huge, "decimal"),
        "wide_count": ("units * 100000000000000000000", "integer"),  # past 64 bits
        "fine": ("price / 0.0000000001", "decimal"),
    }
    for name, (expression, return_type) in formulas.items():
        added = client.post(
            "/api/v1/metadata/objects/warranty/fields",
            json={
                "name": name,
                "type": "formula",
                "labels": {"en": name},
                "expression": expression,
                "return_type": return_type,
            },
        )
        assert added.status_code == 201, added.text
    created = client.post(
        "/api/v1/records/warranty",
        json={"name": "w", "serial_no": "s-1", "price": 99999999, "units": 7, "weight": 1.5},
    )
    assert created.status_code == 201, created.text
    record = created.json()
    empty = ("big_money", "big_count", "big_ratio", "wide_count")
    assert [record[name] for name in empty] == [None] * 4
    assert record["fine"] == 999999990000000000
    listed = client.get("/api/v1/records/warranty", params={"sort": "-big_ratio"})
    assert listed.status_code == 200 and listed.json()["records"][0]["big_money"] is None
    got = client.get(f"/api/v1/records/warranty/{record['id']}")
    assert got.status_code == 200 and got.json()["big_count"] is None
    totals = client.post(
        "/api/v1/records/warranty/aggregate",
        json={"aggregates": [{"op": op, "field": f} for op in ("sum", "max") for f in empty]},
    )
    assert totals.status_code == 200, totals.text
    assert set(totals.json()["groups"][0]["values"].values()) == {None}
    grouped = client.post(
        "/api/v1/records/warranty/aggregate", json={"group_by": [{"field": "big_money"}]}
    )
    assert grouped.status_code == 200, grouped.text
    export = client.get("/api/v1/records/warranty/export")
    assert export.status_code == 200 and "inf" not in export.text.lower()


def test_minimum_and_maximum_of_a_text_field_are_texts(client: TestClient) -> None:
    """`max` over a text field used to be read as a number: a 500 on the first non-digit."""
    for name in ("北京甲公司", "上海乙公司"):
        make_account(client, name=name)
    answered = client.post(
        "/api/v1/records/account/aggregate",
        json={"aggregates": [{"op": "min", "field": "name"}, {"op": "max", "field": "name"}]},
    )
    assert answered.status_code == 200, answered.text
    values = answered.json()["groups"][0]["values"]
    assert {values["min_name"], values["max_name"]} <= {"北京甲公司", "上海乙公司"}
