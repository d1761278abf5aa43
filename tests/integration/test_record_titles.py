"""Titles of referenced records (`_display`) follow record access on every read path.

A record page gets them inside its own SELECT and a list page in one query per referenced
object; both must name a referenced record only to people who may see it: the object readable,
its name field not hidden, the record within their access.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from keyi.platform.access import admin
from keyi.platform.context import TenantInfo
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.test_access import SYSTEM, Org, build_org, grant, set_role


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


def _contact_reads(client: TestClient, contact_id: str) -> tuple[dict[str, Any], ...]:
    """The contact's `_display` through the record page, a list page and a query page."""
    got = client.get(f"/api/v1/records/contact/{contact_id}").json()["_display"]
    page = client.get("/api/v1/records/contact").json()["records"]
    listed = {r["id"]: r["_display"] for r in page}
    queried = {
        r["id"]: r["_display"]
        for r in client.post(
            "/api/v1/records/contact/query", json={"fields": ["name", "account", "owner_id"]}
        ).json()["records"]
    }
    return got, listed[contact_id], queried[contact_id]


def _contact_of(platform: Platform, org: Org, person: str) -> str:
    with platform.context(org.tenant, SYSTEM) as ctx:
        return str(
            RecordsService(ctx).create(
                "contact",
                {
                    "name": "王经理",
                    "owner_id": org.users[person],
                    "account": org.accounts[person],
                },
            )["id"]
        )


READ_ALL = {"read": True, "create": True, "edit": True, "read_scope": "all", "edit_scope": "own"}


def test_titles_follow_the_name_fields_permission(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    """An account whose name is hidden from the reader is not named through a contact either:
    not on the record page, list and query pages, nor in an export."""
    org = build_org(platform, tenant)
    grant(
        platform,
        org,
        "all",
        {"contact": READ_ALL, "account": {**READ_ALL, "fields": {"name": "hidden"}}},
    )
    set_role(platform, org, "rep_east", "all")
    contact_id = _contact_of(platform, org, "rep_east")
    account_name = "rep_east的客户"
    with TestClient(app) as client:
        login(client, org.emails["rep_east"], tenant=org.tenant.name)
        for display in _contact_reads(client, contact_id):
            assert "account" not in display
            assert display["owner_id"] == "rep_east"  # user names stay readable
        export = client.get("/api/v1/records/contact/export").content.decode()
        assert account_name not in export and org.accounts["rep_east"] in export
        # The account itself is readable, its name is not: the title rule matches that.
        account = client.get(f"/api/v1/records/account/{org.accounts['rep_east']}").json()
        assert "name" not in account
    # Same set-up with the name readable: the title is back (the test above is not vacuous).
    grant(platform, org, "all", {"contact": READ_ALL, "account": READ_ALL})
    with TestClient(app) as client:
        login(client, org.emails["rep_east"], tenant=org.tenant.name)
        for display in _contact_reads(client, contact_id):
            assert display["account"] == account_name
        assert account_name in client.get("/api/v1/records/contact/export").content.decode()


def test_titles_follow_the_objects_permission(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    """A role without read permission on accounts sees no account names through contacts,
    nor an account by its id, though its (absent) account permission has no row filter."""
    org = build_org(platform, tenant)
    grant(platform, org, "all", {"contact": READ_ALL})
    set_role(platform, org, "rep_east", "all")
    contact_id = _contact_of(platform, org, "rep_east")
    with TestClient(app) as client:
        login(client, org.emails["rep_east"], tenant=org.tenant.name)
        # Not through the list (403), nor one record at a time, nor its history.
        account_url = f"/api/v1/records/account/{org.accounts['rep_east']}"
        assert client.get("/api/v1/records/account").status_code == 403
        assert client.get(account_url).status_code == 404
        assert client.get(f"{account_url}/history").status_code == 404
        for display in _contact_reads(client, contact_id):
            assert "account" not in display
            assert display["owner_id"] == "rep_east"
        export = client.get("/api/v1/records/contact/export").content.decode()
        assert "rep_east的客户" not in export


def test_share_principal_names_follow_the_same_rule(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    """The shares of a record name the team shared with only to people who may read teams."""
    org = build_org(platform, tenant)
    grant(platform, org, "all", {"account": READ_ALL})
    set_role(platform, org, "rep_east", "all")
    with platform.context(org.tenant, SYSTEM) as ctx:
        team_id = RecordsService(ctx).create("team", {"name": "大客户攻坚组"})["id"]
        admin.add_share(
            ctx,
            "account",
            org.accounts["rep_east"],
            {"principal_type": "team", "principal_id": team_id, "access": "read"},
        )
        admin.add_share(
            ctx,
            "account",
            org.accounts["rep_east"],
            {"principal_type": "user", "principal_id": org.users["rep_north"], "access": "read"},
        )

    def names() -> dict[str, str | None]:
        with TestClient(app) as client:
            login(client, org.emails["rep_east"], tenant=org.tenant.name)
            shares = client.get(f"/api/v1/records/account/{org.accounts['rep_east']}/shares")
            return {s["principal_id"]: s["principal_name"] for s in shares.json()["shares"]}

    assert names() == {team_id: None, org.users["rep_north"]: "rep_north"}
    grant(platform, org, "all", {"account": READ_ALL, "team": READ_ALL})
    assert names() == {team_id: "大客户攻坚组", org.users["rep_north"]: "rep_north"}


def test_lookup_paths_see_only_referenced_records_the_reader_may_see(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    """Filtering, sorting or grouping contacts by `account.grade` must not tell a reader the
    grade of an account they cannot see; without read on accounts the path does not exist."""
    org = build_org(platform, tenant)
    all_contacts = {"read": True, "create": True, "edit": True, "delete": False}
    grant(
        platform,
        org,
        "own",
        {
            "account": {**all_contacts, "read_scope": "own", "edit_scope": "own"},
            "contact": {**all_contacts, "read_scope": "all", "edit_scope": "own"},
        },
    )
    grant(platform, org, "all", {"contact": {**all_contacts, "read_scope": "all"}})
    set_role(platform, org, "rep_east", "own")
    set_role(platform, org, "rep_north", "all")  # contacts only, no accounts at all
    with platform.context(org.tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        records.update("account", org.accounts["outsider"], {"grade": "A"})
        records.update("account", org.accounts["rep_east"], {"grade": "B"})
        records.create("contact", {"name": "看得见", "account": org.accounts["rep_east"]})
        records.create("contact", {"name": "看不见的客户", "account": org.accounts["outsider"]})
    with TestClient(app) as rep, TestClient(app) as other:
        login(rep, org.emails["rep_east"], tenant=org.tenant.name)
        login(other, org.emails["rep_north"], tenant=org.tenant.name)
        grade_a = rep.post(
            "/api/v1/records/contact/query",
            json={"filter": {"field": "account.grade", "op": "eq", "value": "A"}},
        ).json()["records"]
        grade_b = rep.post(
            "/api/v1/records/contact/query",
            json={"filter": {"field": "account.grade", "op": "eq", "value": "B"}},
        ).json()["records"]
        groups = rep.post(
            "/api/v1/records/contact/aggregate",
            json={"group_by": [{"field": "account.grade"}], "aggregates": [{"op": "count"}]},
        ).json()["groups"]
        no_accounts = other.post(
            "/api/v1/records/contact/query",
            json={"filter": {"field": "account.grade", "op": "eq", "value": "A"}},
        )
        listed = other.post("/api/v1/records/contact/query", json={}).json()["records"]
    assert grade_a == []
    assert [r["name"] for r in grade_b] == ["看得见"]
    by_grade = {g["key"]["account.grade"]: g["values"]["count"] for g in groups}
    assert "A" not in by_grade and by_grade["B"] == 1 and by_grade[None] == 1
    assert no_accounts.status_code == 422
    assert {r["name"] for r in listed} == {"看得见", "看不见的客户"}
