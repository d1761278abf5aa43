"""`order`, an SQL word, can name an object and a field (the l2c package's order and the links
to it): table and column are quoted everywhere; other SQL words stay reserved."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.helpers import make_account


def exact(response: Any) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def test_an_object_named_order_works_end_to_end(client: TestClient) -> None:
    made = client.post(
        "/api/v1/metadata/objects",
        json={
            "name": "order",
            "labels": {"en": "Order", "zh-CN": "订单"},
            "fields": [
                {"name": "name", "type": "text", "labels": {"en": "Name"}, "required": True},
                {"name": "total", "type": "currency", "labels": {"en": "Total"}},
                {"name": "account", "type": "lookup", "target": "account", "labels": {"en": "A"}},
            ],
        },
    )
    assert made.status_code == 201, made.text
    line = client.post(
        "/api/v1/metadata/objects",
        json={
            "name": "order_item",
            "labels": {"en": "Order item"},
            "fields": [
                {"name": "name", "type": "text", "labels": {"en": "Name"}, "required": True},
                {
                    "name": "order",
                    "type": "master_detail",
                    "target": "order",
                    "labels": {"en": "Order"},
                },
                {"name": "amount", "type": "currency", "labels": {"en": "Amount"}},
            ],
        },
    )
    assert line.status_code == 201, line.text
    rollup = client.post(
        "/api/v1/metadata/objects/order/fields",
        json={
            "name": "items_total",
            "type": "rollup",
            "labels": {"en": "Items"},
            "return_type": "currency",
            "rollup": {
                "child_object": "order_item",
                "child_field": "order",
                "op": "sum",
                "aggregate_field": "amount",
            },
        },
    )
    assert rollup.status_code == 201, rollup.text
    account = make_account(client)
    ids = []
    for i, total in enumerate(("10.50", "2.25", "7.00")):
        created = client.post(
            "/api/v1/records/order",
            json={"name": f"订单{i}", "total": total, "account": account["id"]},
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    item = client.post(
        "/api/v1/records/order_item", json={"name": "x", "order": ids[0], "amount": "3.10"}
    )
    assert item.status_code == 201, item.text
    assert exact(client.get(f"/api/v1/records/order/{ids[0]}"))["items_total"] == Decimal("3.10")

    page = exact(
        client.post(
            "/api/v1/records/order/query",
            json={
                "filter": {"field": "account.name", "op": "eq", "value": account["name"]},
                "sort": [{"field": "total", "direction": "desc"}],
                "limit": 2,
            },
        )
    )
    assert [r["total"] for r in page["records"]] == [Decimal("10.50"), Decimal("7.00")]
    rest = exact(
        client.post(
            "/api/v1/records/order/query",
            json={
                "sort": [{"field": "total", "direction": "desc"}],
                "limit": 2,
                "cursor": page["next_cursor"],
            },
        )
    )
    assert [r["total"] for r in rest["records"]] == [Decimal("2.25")]
    totals = client.post(
        "/api/v1/records/order/aggregate",
        json={"aggregates": [{"op": "sum", "field": "total"}]},
    )
    assert totals.status_code == 200, totals.text
    exported = client.get("/api/v1/records/order/export", params={"fields": "name,total"})
    assert exported.status_code == 200 and "10.5" in exported.text
    searched = client.get("/api/v1/records/order", params={"q": "订单1"})
    assert searched.status_code == 200, searched.text
    updated = client.patch(f"/api/v1/records/order/{ids[1]}", json={"total": "2.30"})
    assert updated.status_code == 200, updated.text
    assert client.delete(f"/api/v1/records/order/{ids[0]}").status_code == 204
    assert client.get(f"/api/v1/records/order_item/{item.json()['id']}").status_code == 404
    assert client.post(f"/api/v1/records/order/{ids[0]}/restore").status_code == 200
    assert client.get(f"/api/v1/records/order_item/{item.json()['id']}").status_code == 200

    # The child filters, sorts and exports through its `order` link.
    items = exact(
        client.post(
            "/api/v1/records/order_item/query",
            json={
                "filter": {"field": "order.name", "op": "eq", "value": "订单0"},
                "sort": [{"field": "order", "direction": "asc"}],
            },
        )
    )
    assert [r["_display"]["order"] for r in items["records"]] == ["订单0"]
    exported_items = client.get("/api/v1/records/order_item/export", params={"fields": "order"})
    assert exported_items.status_code == 200 and "订单0" in exported_items.text
    formula = client.post(
        "/api/v1/metadata/objects/order_item/fields",
        json={
            "name": "order_total",
            "type": "formula",
            "return_type": "currency",
            "expression": "order.total + amount",
            "labels": {"en": "Sum"},
        },
    )
    assert formula.status_code == 201, formula.text
    item_read = exact(client.get(f"/api/v1/records/order_item/{item.json()['id']}"))
    assert item_read["order_total"] == Decimal("13.60")

    # Other SQL words stay reserved.
    bad = client.post(
        "/api/v1/metadata/objects/account/fields",
        json={"name": "select", "type": "text", "labels": {"en": "Select"}},
    )
    assert bad.status_code == 422
