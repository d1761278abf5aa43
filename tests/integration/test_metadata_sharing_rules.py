"""Sharing rules are read back from the metadata API by administrators only.

The Setup screen edits an object's sharing rules with the same PATCH as its validation rules,
so it must be able to read them; other users must not learn who is granted what by which
criteria.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login


def test_sharing_rules_are_listed_for_administrators_only(  # type: ignore[no-untyped-def]
    app, platform: Platform, tenant: TenantInfo
) -> None:
    with TestClient(app) as admin:
        login(admin, admin_email_of(platform, tenant))
        department = admin.post("/api/v1/records/department", json={"name": "华东销售部"}).json()
        rule = {
            "name": "grade_a_to_east",
            "criteria": {"field": "grade", "op": "eq", "value": "A"},
            "access": "edit",
            "principal_type": "department",
            "principal_id": department["id"],
            "active": True,
        }
        patched = admin.patch("/api/v1/metadata/objects/account", json={"sharing_rules": [rule]})
        assert patched.status_code == 200, patched.text
        assert patched.json()["sharing_rules"] == [rule]
        assert admin.get("/api/v1/metadata/objects/account").json()["sharing_rules"] == [rule]
        listed = admin.get("/api/v1/metadata/objects").json()["objects"]
        assert {o["name"]: o["sharing_rules"] for o in listed}["account"] == [rule]

        # A principal that does not exist is a field error on that rule's principal.
        missing = {**rule, "principal_id": "0190c0de-0000-7000-8000-000000000000"}
        refused = admin.patch(
            "/api/v1/metadata/objects/account", json={"sharing_rules": [rule, missing]}
        )
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == [
            "sharing_rules.1.name",
            "sharing_rules.1.principal_id",
        ]

    add_user(platform, tenant, email="rep@sharing.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "rep@sharing.example", tenant=tenant.name)
        account = rep.get("/api/v1/metadata/objects/account").json()
        assert "sharing_rules" not in account
        assert account["validation_rules"]  # rules that explain refusals stay visible
        listed = rep.get("/api/v1/metadata/objects").json()["objects"]
        assert all("sharing_rules" not in o for o in listed)
