"""Small helpers shared by API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

WARRANTY_FIELDS: list[dict[str, Any]] = [
    {
        "name": "serial_no",
        "type": "text",
        "labels": {"en": "Serial", "zh-CN": "序列号"},
        "required": True,
        "unique": True,
    },
    {"name": "notes", "type": "long_text", "labels": {"en": "Notes"}},
    {"name": "units", "type": "integer", "labels": {"en": "Units"}},
    {"name": "weight", "type": "decimal", "labels": {"en": "Weight"}, "precision": 10, "scale": 3},
    {"name": "price", "type": "currency", "labels": {"en": "Price", "zh-CN": "价格"}},
    {"name": "discount", "type": "percent", "labels": {"en": "Discount"}},
    {"name": "active", "type": "boolean", "labels": {"en": "Active"}, "default": True},
    {"name": "starts_on", "type": "date", "labels": {"en": "Starts"}},
    {"name": "registered_at", "type": "datetime", "labels": {"en": "Registered"}},
    {"name": "contact_email", "type": "email", "labels": {"en": "Email"}, "searchable": True},
    {"name": "hotline", "type": "phone", "labels": {"en": "Hotline"}},
    {"name": "site", "type": "url", "labels": {"en": "Site"}},
    {
        "name": "tier",
        "type": "picklist",
        "labels": {"en": "Tier", "zh-CN": "等级"},
        "options": [
            {"value": "gold", "labels": {"en": "Gold", "zh-CN": "金牌"}},
            {"value": "silver", "labels": {"en": "Silver", "zh-CN": "银牌"}},
        ],
    },
    {
        "name": "channels",
        "type": "multi_picklist",
        "labels": {"en": "Channels"},
        "options": [
            {"value": "phone", "labels": {"en": "Phone"}},
            {"value": "email", "labels": {"en": "Email"}},
            {"value": "onsite", "labels": {"en": "On site"}},
        ],
    },
    {
        "name": "account",
        "type": "lookup",
        "target": "account",
        "labels": {"en": "Account", "zh-CN": "客户"},
    },
    {
        "name": "warranty_no",
        "type": "auto_number",
        "labels": {"en": "No."},
        "pattern": "WR-{YYYY}-{0000}",
    },
    {
        "name": "net_price",
        "type": "formula",
        "labels": {"en": "Net price"},
        "expression": "price * (1 - BLANKVALUE(discount, 0) / 100)",
        "return_type": "currency",
    },
]


def create_warranty_object(client: TestClient) -> dict[str, Any]:
    response = client.post(
        "/api/v1/metadata/objects",
        json={
            "name": "warranty",
            "labels": {"en": "Warranty", "zh-CN": "保修"},
            "fields": [
                {
                    "name": "name",
                    "type": "text",
                    "labels": {"en": "Name", "zh-CN": "名称"},
                    "required": True,
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    for field in WARRANTY_FIELDS:
        added = client.post("/api/v1/metadata/objects/warranty/fields", json=field)
        assert added.status_code == 201, (field["name"], added.text)
    return dict(client.get("/api/v1/metadata/objects/warranty").json())


def make_account(client: TestClient, **values: Any) -> dict[str, Any]:
    response = client.post("/api/v1/records/account", json={"name": "华为技术有限公司", **values})
    assert response.status_code == 201, response.text
    return dict(response.json())


def count(client: TestClient, object_name: str) -> int:
    response = client.post(
        f"/api/v1/records/{object_name}/aggregate", json={"aggregates": [{"op": "count"}]}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["groups"][0]["values"]["count"])
