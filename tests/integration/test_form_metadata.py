"""What forms need from metadata: fields a reader's role may only read are read-only in the
metadata that reader gets (so a New form does not offer them and then refuse them), and a
pool's object is one of the objects that can have a pool — offered as a choice and checked."""

from __future__ import annotations

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import admin_email_of, login
from tests.integration.helpers import add_member, rights


def _fields(client: TestClient, object_name: str) -> dict[str, dict]:  # type: ignore[type-arg]
    meta = client.get(f"/api/v1/metadata/objects/{object_name}").json()
    return {f["name"]: f for f in meta["fields"]}


def test_fields_a_role_may_only_read_are_read_only_in_its_metadata(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    add_member(
        platform,
        tenant,
        "rep@forms.example",
        {"account": rights(fields={"industry": "read", "phone": "hidden"})},
    )
    with TestClient(app) as client:
        login(client, "rep@forms.example", tenant=tenant.name)
        fields = _fields(client, "account")
        assert fields["industry"]["read_only"] is True
        assert fields["name"]["read_only"] is False
        assert fields["owner_id"]["read_only"] is False
        assert "phone" not in fields
        # ... because the server refuses the value, as the metadata now says
        refused = client.post("/api/v1/records/account", json={"name": "星河", "industry": "it"})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "industry"
    with TestClient(app) as client:
        login(client, admin_email_of(platform, tenant))
        assert _fields(client, "account")["industry"]["read_only"] is False


def test_a_pool_names_an_object_that_can_have_a_pool(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        login(client, admin_email_of(platform, tenant), tenant=tenant.name)
        options = _fields(client, "pool")["object_name"]["options"]
        assert [o["value"] for o in options] == ["account", "lead"]
        assert options[0]["labels"]["zh-CN"] == "客户"
        for wrong in ("客户", "opportunity", "nothing"):
            refused = client.post(
                "/api/v1/records/pool", json={"name": "公海", "object_name": wrong}
            )
            assert refused.status_code == 422, refused.text
            assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
                ("object_name", "invalid_option")
            ]
        assert client.get("/api/v1/records/pool").json()["records"] == []
        created = client.post("/api/v1/records/pool", json={"name": "公海", "object_name": "lead"})
        assert created.status_code == 201, created.text
        changed = client.patch(
            f"/api/v1/records/pool/{created.json()['id']}",
            json={"object_name": "客户", "version": created.json()["version"]},
        )
        assert changed.status_code == 422
        assert changed.json()["errors"][0]["field"] == "object_name"
