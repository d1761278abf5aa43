"""History and the audit log name people and records, not ids: changed owners, pools and
lookups carry the titles of the records they point at, and audit entries the titles of the
records they name — each only as far as the reader may see that record."""

from __future__ import annotations

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import admin_email_of, login
from tests.integration.helpers import add_member

SYSTEM = Actor.system("test")


def _change(history: list[dict], field: str) -> dict:  # type: ignore[type-arg]
    return next(c for e in history for c in e["changes"] if c["field"] == field)


def test_history_shows_names_of_owners_pools_and_lookups(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    wang = add_user(platform, tenant, email="wang@titles.example", name="王芳", password=None)
    with platform.context(tenant, SYSTEM) as ctx:
        pool = RecordsService(ctx).create("pool", {"name": "华东公海", "object_name": "account"})
    with TestClient(app) as client:
        login(client, admin_email_of(platform, tenant))
        me = client.get("/api/v1/me").json()["user"]["id"]
        account = client.post("/api/v1/records/account", json={"name": "星河科技"}).json()
        other = client.post("/api/v1/records/account", json={"name": "远山集团"}).json()
        contact = client.post(
            "/api/v1/records/contact", json={"name": "赵磊", "account": account["id"]}
        ).json()
        moved = client.patch(
            f"/api/v1/records/account/{account['id']}",
            json={"owner_id": wang["id"], "pool_id": pool["id"], "version": account["version"]},
        )
        assert moved.status_code == 200, moved.text
        client.patch(
            f"/api/v1/records/contact/{contact['id']}",
            json={"account": other["id"], "version": contact["version"]},
        )
        history = client.get(f"/api/v1/records/account/{account['id']}/history").json()["entries"]
        owner = _change(history, "owner_id")
        assert (owner["old"], owner["new"]) == (me, wang["id"])
        assert owner["_display"] == {"old": "管理员", "new": "王芳"}
        assert _change(history, "pool_id")["_display"] == {"new": "华东公海"}
        contact_history = client.get(f"/api/v1/records/contact/{contact['id']}/history").json()
        assert _change(contact_history["entries"], "account")["_display"] == {
            "old": "星河科技",
            "new": "远山集团",
        }
    # A reader who may see only their own accounts sees the title of the one they own only.
    rep = add_member(
        platform,
        tenant,
        "rep@titles.example",
        {
            "account": {"read": True, "read_scope": "own"},
            "contact": {"read": True, "read_scope": "all"},
        },
    )
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).update("account", other["id"], {"owner_id": rep["id"]})
    with TestClient(app) as client:
        login(client, "rep@titles.example", tenant=tenant.name)
        contact_history = client.get(f"/api/v1/records/contact/{contact['id']}/history").json()
        change = _change(contact_history["entries"], "account")
        assert (change["old"], change["new"]) == (account["id"], other["id"])
        assert change["_display"] == {"new": "远山集团"}


def test_audit_entries_carry_titles_of_the_records_they_name(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    wang = add_user(platform, tenant, email="wang@audit-titles.example", name="王芳", password=None)
    with TestClient(app) as client:
        login(client, admin_email_of(platform, tenant))
        account = client.post("/api/v1/records/account", json={"name": "星河科技"}).json()
        shared = client.post(
            f"/api/v1/records/account/{account['id']}/shares",
            json={"principal_type": "user", "principal_id": wang["id"], "access": "read"},
        )
        assert shared.status_code == 201, shared.text
        entries = client.get("/api/v1/audit", params={"limit": 100}).json()["entries"]
        create = next(e for e in entries if e["action"] == "record.create")
        assert create["_display"] == {account["id"]: "星河科技"}
        grant = next(e for e in entries if e["action"] == "permission.share.grant")
        assert grant["details"]["principal_id"] == wang["id"]
        assert grant["_display"] == {account["id"]: "星河科技", wang["id"]: "王芳"}
        login_entry = next(e for e in entries if e["action"] == "auth.login")
        assert login_entry["_display"] == {}
