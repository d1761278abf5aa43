"""Decimals are exact in and out: records, lists, query, aggregates, exports, history, replays.

Responses are checked on the raw bytes (a JSON parser would turn the number into a float and
hide the very rounding under test) and parsed with parse_float=Decimal.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.tenancy import Platform
from tests.integration.helpers import create_warranty_object

BIG = "1234567890123456.78"  # 18 significant digits: exact on PostgreSQL only
MEDIUM = "9876543210123.45"  # 15 significant digits: exact on both


def exact(response: Any) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def post_raw(client: TestClient, url: str, text: str, **headers: str) -> Any:
    return client.post(
        url, content=text.encode(), headers={"content-type": "application/json", **headers}
    )


@pytest.fixture
def warranty(client: TestClient) -> None:
    create_warranty_object(client)


def amounts(platform: Platform) -> list[str]:
    """The values this backend stores exactly (SQLite keeps 15 significant digits)."""
    return [MEDIUM, BIG] if platform.db.is_postgres else [MEDIUM]


def test_decimal_numbers_and_strings_round_trip_exactly(
    client: TestClient, platform: Platform, warranty: None
) -> None:
    for i, amount in enumerate(amounts(platform)):
        # As a JSON number (digits the float parser would lose) and as a string.
        for j, literal in enumerate((amount, json.dumps(amount))):
            body = (
                f'{{"name": "n{i}{j}", "serial_no": "S{i}{j}", "price": {literal},'
                f' "weight": 1234567.891, "discount": 12.3456}}'
            )
            created = post_raw(client, "/api/v1/records/warranty", body)
            assert created.status_code == 201, created.text
            assert f'"price":{amount},' in created.text
            record = exact(created)
            assert record["price"] == Decimal(amount)
            assert record["weight"] == Decimal("1234567.891")
            got = exact(client.get(f"/api/v1/records/warranty/{record['id']}"))
            assert got["price"] == Decimal(amount)
    # Whole amounts stay integers; trailing zeros of the column scale are not written.
    whole = post_raw(
        client, "/api/v1/records/warranty", '{"name": "w", "serial_no": "W", "price": 100.50}'
    )
    assert '"price":100.5,' in whole.text
    assert exact(whole)["discount"] is None


def test_patch_mass_update_list_query_aggregate_export_and_history(
    client: TestClient, platform: Platform, warranty: None
) -> None:
    amount = amounts(platform)[-1]
    created = exact(
        post_raw(client, "/api/v1/records/warranty", '{"name": "a", "serial_no": "A", "price": 1}')
    )
    patched = client.patch(
        f"/api/v1/records/warranty/{created['id']}",
        content=f'{{"price": {amount}}}'.encode(),
        headers={"content-type": "application/json"},
    )
    assert patched.status_code == 200, patched.text
    assert exact(patched)["price"] == Decimal(amount)
    other = exact(
        post_raw(client, "/api/v1/records/warranty", '{"name": "b", "serial_no": "B", "price": 1}')
    )
    mass = post_raw(
        client,
        "/api/v1/records/warranty/mass-update",
        f'{{"ids": ["{other["id"]}"], "values": {{"price": {amount}}}}}',
    )
    assert mass.status_code == 200, mass.text

    listed = exact(client.get("/api/v1/records/warranty", params={"sort": "name"}))
    assert [r["price"] for r in listed["records"]] == [Decimal(amount)] * 2
    filtered = post_raw(
        client,
        "/api/v1/records/warranty/query",
        f'{{"filter": {{"field": "price", "op": "eq", "value": {amount}}}}}',
    )
    assert len(exact(filtered)["records"]) == 2

    total = post_raw(
        client,
        "/api/v1/records/warranty/aggregate",
        '{"aggregates": [{"op": "sum", "field": "price"}, {"op": "max", "field": "price"}]}',
    )
    values = exact(total)["groups"][0]["values"]
    assert values["sum_price"] == Decimal(amount) * 2
    assert values["max_price"] == Decimal(amount)

    exported = client.get("/api/v1/records/warranty/export", params={"fields": "name,price"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))[1:]
    assert sorted(row[1] for row in rows) == [amount, amount]

    history = exact(client.get(f"/api/v1/records/warranty/{created['id']}/history"))
    change = next(c for c in history["entries"][0]["changes"] if c["field"] == "price")
    assert (change["old"], change["new"]) == (1, Decimal(amount))


def test_idempotent_replay_keeps_the_digits(
    client: TestClient, platform: Platform, warranty: None
) -> None:
    amount = amounts(platform)[-1]
    body = f'{{"name": "r", "serial_no": "R", "price": {amount}}}'
    first = post_raw(client, "/api/v1/records/warranty", body, **{"Idempotency-Key": "dec-1"})
    again = post_raw(client, "/api/v1/records/warranty", body, **{"Idempotency-Key": "dec-1"})
    assert first.status_code == again.status_code == 201
    assert exact(again)["price"] == Decimal(amount)
    assert exact(again)["id"] == exact(first)["id"]


def test_sqlite_refuses_digits_it_cannot_keep(
    client: TestClient, platform: Platform, warranty: None
) -> None:
    """SQLite stores numbers as 8-byte floats: a longer value is refused, not rounded."""
    response = post_raw(
        client, "/api/v1/records/warranty", f'{{"name": "x", "serial_no": "X", "price": {BIG}}}'
    )
    if platform.db.is_postgres:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
            ("price", "precision_exceeded")
        ]
