"""Titles of referenced records (`_display`) follow record access on every read path.

A record page gets them inside its own SELECT and a list page in one query per referenced
object; both must name a referenced record only to people who may see it.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.test_access import SYSTEM, build_org, grant, set_role


def test_titles_of_invisible_references_are_withheld(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    org = build_org(platform, tenant)
    grant(
        platform,
        org,
        "own",
        {
            "account": {
                "read": True,
                "create": True,
                "edit": True,
                "delete": False,
                "read_scope": "own",
                "edit_scope": "own",
            }
        },
    )
    set_role(platform, org, "rep_east", "own")
    with platform.context(org.tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        hidden_parent = org.accounts["outsider"]
        visible_parent = org.accounts["rep_east"]
        mine = {"owner_id": org.users["rep_east"]}
        child_of_hidden = records.create(
            "account", {**mine, "name": "子公司甲", "parent_account": hidden_parent}
        )["id"]
        child_of_visible = records.create(
            "account", {**mine, "name": "子公司乙", "parent_account": visible_parent}
        )["id"]
    with TestClient(app) as client:
        login(client, org.emails["rep_east"], tenant=org.tenant.name)
        hidden = client.get(f"/api/v1/records/account/{child_of_hidden}").json()
        shown = client.get(f"/api/v1/records/account/{child_of_visible}").json()
        page = client.post(
            "/api/v1/records/account/query",
            json={"fields": ["name", "parent_account", "owner_id"], "sort": [{"field": "name"}]},
        ).json()["records"]
    # The reference itself is the reader's own data; the other record's name is not.
    assert hidden["parent_account"] == hidden_parent
    assert "parent_account" not in hidden["_display"]
    assert shown["_display"]["parent_account"] == "rep_east的客户"
    assert hidden["_display"]["owner_id"] == "rep_east"
    by_id = {r["id"]: r["_display"] for r in page}
    assert "parent_account" not in by_id[child_of_hidden]
    assert by_id[child_of_visible]["parent_account"] == "rep_east的客户"
