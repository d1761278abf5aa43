"""Small helpers shared by API tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.access import admin
from keyi.platform.auth import token_hash
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform, utcnow
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD

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


def make_contact(client: TestClient, **values: Any) -> dict[str, Any]:
    response = client.post("/api/v1/records/contact", json={"name": "张伟", **values})
    assert response.status_code == 201, response.text
    return dict(response.json())


def count(client: TestClient, object_name: str) -> int:
    response = client.post(
        f"/api/v1/records/{object_name}/aggregate", json={"aggregates": [{"op": "count"}]}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["groups"][0]["values"]["count"])


def rights(
    scope: str | None = None, *, delete: bool = False, fields: dict[str, str] | None = None
) -> dict[str, Any]:
    """One object's permissions for a role that reads, creates and edits (and, with `delete`,
    deletes) records within `scope` ("own", "all", ...; None: the default scope), with
    `fields` as its field-level rights. Most access tests grant this shape and differ only
    there, so the tests name the difference instead of repeating the dictionary."""
    granted: dict[str, Any] = {"read": True, "create": True, "edit": True}
    if delete:
        granted["delete"] = True
    if scope is not None:
        granted["read_scope"] = scope
        granted["edit_scope"] = scope
    if fields is not None:
        granted["fields"] = fields
    return granted


def add_role(
    platform: Platform,
    tenant: TenantInfo,
    name: str,
    permissions: dict[str, Any],
    users: list[dict[str, Any]],
) -> str:
    """Create a role with `permissions` (object name → rights) and give it to `users`; the
    role's id. Done as the system, as an administrator would set it up."""
    with platform.context(tenant, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        role = records.create("role", {"name": name})
        admin.set_role_permissions(ctx, role["id"], permissions)
        for user in users:
            records.update("user", user["id"], {"role": role["id"]})
    return str(role["id"])


def add_member(
    platform: Platform,
    tenant: TenantInfo,
    email: str,
    permissions: dict[str, Any],
    name: str = "李雷",
    role: str = "代表",
) -> dict[str, Any]:
    """A user who signs in with ADMIN_PASSWORD and holds a role of their own granting
    `permissions` — the restricted reader most access tests sign in as."""
    user = add_user(platform, tenant, email=email, name=name, password=ADMIN_PASSWORD)
    add_role(platform, tenant, role, permissions, [user])
    return user


def expire_link(platform: Platform, table: str, token: str) -> None:
    """Make the mailed link `token` (stored by its hash in control table `table`, e.g.
    invitation or password_reset) expire a minute ago, instead of waiting for it."""
    links = platform.t[table]
    with platform.db.control.begin() as conn:
        conn.execute(
            sa.update(links)
            .where(links.c.token_hash == token_hash(token))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )


def user_made(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Report folders, reports or dashboards a user made: without those the packages ship
    (the sales package files its standard reports in a shared folder of every company)."""
    return [item for item in items if item.get("package") is None]
