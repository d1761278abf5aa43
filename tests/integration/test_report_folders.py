"""Report folders over HTTP: sharing with everyone, roles and departments (sub-departments
included), private folders seen by their owner alone (not by administrators either), and only
a folder's managers putting reports into it, renaming, sharing or deleting it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_role, rights, user_made

SYSTEM = Actor.system("test")
DEFINITION = {"object": "account", "group_by": [{"field": "grade"}]}
READS = {"account": rights("all")}


@dataclass
class Company:
    """总部 ⊃ {销售部 ⊃ 华东组, 财务部}; reps (role 销售代表) in 华东组 and 财务部, a
    manager (role 经理) in 销售部."""

    departments: dict[str, str]
    roles: dict[str, str]
    clients: dict[str, TestClient]


@pytest.fixture
def company(app, platform: Platform, tenant: TenantInfo) -> Iterator[Company]:  # type: ignore[no-untyped-def]
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        hq = records.create("department", {"name": "总部"})["id"]
        sales = records.create("department", {"name": "销售部", "parent": hq})["id"]
        east = records.create("department", {"name": "华东组", "parent": sales})["id"]
        finance = records.create("department", {"name": "财务部", "parent": hq})["id"]
    departments = {"hq": hq, "sales": sales, "east": east, "finance": finance}
    people = {"rep_east": "east", "rep_finance": "finance", "manager": "sales"}
    users = {
        person: add_user(
            platform,
            tenant,
            email=f"{person}@folders.example",
            name=person,
            password=ADMIN_PASSWORD,
            extra={"department": departments[department]},
        )
        for person, department in people.items()
    }
    roles = {
        "rep": add_role(
            platform, tenant, "销售代表", READS, [users["rep_east"], users["rep_finance"]]
        ),
        "manager": add_role(platform, tenant, "经理", READS, [users["manager"]]),
    }
    opened = {person: TestClient(app) for person in people}
    for person, client in opened.items():
        client.__enter__()
        login(client, f"{person}@folders.example", tenant=tenant.name)
    yield Company(departments, roles, opened)
    for client in opened.values():
        client.__exit__(None, None, None)


def _folder(client: TestClient, name: str, sharing: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"name": name}
    if sharing is not None:
        body["sharing"] = sharing
    response = client.post("/api/v1/report-folders", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _report(client: TestClient, folder_id: str | None, name: str = "r") -> str:
    response = client.post(
        "/api/v1/reports", json={"name": name, "folder_id": folder_id, "definition": DEFINITION}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _folders(client: TestClient) -> set[str]:
    response = client.get("/api/v1/report-folders")
    assert response.status_code == 200, response.text
    return {f["name"][""] for f in user_made(response.json()["folders"])}


def _reports(client: TestClient) -> set[str]:
    return {r["name"][""] for r in user_made(client.get("/api/v1/reports").json()["reports"])}


def test_sharing_by_everyone_role_and_department(client: TestClient, company: Company) -> None:
    folders = {
        "all": _folder(client, "all", {"scope": "all"}),
        "reps": _folder(client, "reps", {"scope": "roles", "roles": [company.roles["rep"]]}),
        "sales": _folder(
            client,
            "sales",
            {"scope": "departments", "departments": [company.departments["sales"]]},
        ),
        "admin_private": _folder(client, "admin_private"),
    }
    for name, folder_id in folders.items():
        _report(client, folder_id, name)
    expected = {
        # 华东组 is inside 销售部: a folder shared with 销售部 reaches its sub-departments.
        "rep_east": {"all", "reps", "sales"},
        "rep_finance": {"all", "reps"},
        "manager": {"all", "sales"},
    }
    for person, names in expected.items():
        reader = company.clients[person]
        assert _folders(reader) == names, person
        assert _reports(reader) == names, person
        for folder in _folder_rows(reader):
            assert folder["can_manage"] is False, (person, folder)
    assert _folders(client) == set(folders)
    # Moving the sharing takes access away at once, the folder's reports with it.
    changed = client.patch(
        f"/api/v1/report-folders/{folders['sales']}",
        json={"sharing": {"scope": "departments", "departments": [company.departments["finance"]]}},
    )
    assert changed.status_code == 200, changed.text
    assert _reports(company.clients["rep_east"]) == {"all", "reps"}
    assert _reports(company.clients["rep_finance"]) == {"all", "reps", "sales"}
    sales_report = [
        r["id"]
        for r in client.get("/api/v1/reports", params={"folder_id": folders["sales"]}).json()[
            "reports"
        ]
    ]
    assert company.clients["rep_east"].get(f"/api/v1/reports/{sales_report[0]}").status_code == 404
    assert (
        company.clients["rep_east"]
        .get("/api/v1/reports", params={"folder_id": folders["sales"]})
        .status_code
        == 404
    )


def _folder_rows(client: TestClient) -> list[dict[str, Any]]:
    return user_made(client.get("/api/v1/report-folders").json()["folders"])


def test_private_folders_are_their_owners_alone(client: TestClient, company: Company) -> None:
    rep = company.clients["rep_east"]
    mine = _folder(rep, "rep_private")
    report = _report(rep, mine, "rep_report")
    [row] = _folder_rows(rep)
    assert row["can_manage"] and row["sharing"] == {"scope": "private"}
    # Not even an administrator sees a private folder or what it holds.
    assert "rep_private" not in _folders(client)
    assert client.get(f"/api/v1/reports/{report}").status_code == 404
    assert client.get("/api/v1/reports", params={"folder_id": mine}).status_code == 404
    assert client.patch(f"/api/v1/report-folders/{mine}", json={"name": "x"}).status_code == 404
    assert client.delete(f"/api/v1/report-folders/{mine}").status_code == 404
    assert "rep_private" not in _folders(company.clients["manager"])
    # Sharing a folder is for administrators.
    shared = rep.patch(f"/api/v1/report-folders/{mine}", json={"sharing": {"scope": "all"}})
    assert shared.status_code == 403 and shared.json()["code"] == "sharing_needs_admin"
    refused = rep.post("/api/v1/report-folders", json={"name": "x", "sharing": {"scope": "all"}})
    assert refused.status_code == 403
    renamed = rep.patch(
        f"/api/v1/report-folders/{mine}", json={"name": {"zh-CN": "我的", "en": "Mine"}}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == {"zh-CN": "我的", "en": "Mine"}


def test_only_managers_write(client: TestClient, company: Company) -> None:
    everyone = _folder(client, "all", {"scope": "all"})
    rep = company.clients["rep_east"]
    put = rep.post(
        "/api/v1/reports", json={"name": "r", "folder_id": everyone, "definition": DEFINITION}
    )
    assert put.status_code == 403 and put.json()["code"] == "folder_not_writable"
    assert rep.patch(f"/api/v1/report-folders/{everyone}", json={"name": "x"}).status_code == 403
    assert rep.delete(f"/api/v1/report-folders/{everyone}").status_code == 403
    # The administrator's report there: read by the rep, edited by administrators only.
    report = _report(client, everyone)
    assert rep.get(f"/api/v1/reports/{report}").json()["can_edit"] is False
    assert rep.patch(f"/api/v1/reports/{report}", json={"name": "x"}).status_code == 403
    # A folder holding a report does not go; once the report is moved out, it does.
    full = client.delete(f"/api/v1/report-folders/{everyone}")
    assert full.status_code == 409 and full.json()["code"] == "folder_not_empty"
    moved = client.patch(f"/api/v1/reports/{report}", json={"folder_id": None})
    assert moved.status_code == 200 and moved.json()["folder_id"] is None
    assert client.delete(f"/api/v1/report-folders/{everyone}").status_code == 204
    assert "all" not in _folders(rep)


def test_live_items_hold_a_folder_binned_ones_go_to_their_owners(
    app,
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,  # type: ignore[no-untyped-def]
) -> None:
    """A folder with live reports or dashboards is refused, counting them; one whose items
    are all in the recycle bin goes, and each binned item becomes its owner's own, where its
    owner (not whoever deleted the folder) can still restore it."""
    everyone = _folder(client, "all", {"scope": "all"})
    mine = _report(client, everyone, "mine")
    dashboard = client.post(
        "/api/v1/dashboards", json={"name": "看板", "folder_id": everyone, "layout": []}
    )
    assert dashboard.status_code == 201, dashboard.text
    board = dashboard.json()["id"]
    add_user(
        platform,
        tenant,
        email="colleague@folders.example",
        name="colleague",
        password=ADMIN_PASSWORD,
        is_admin=True,
    )
    with TestClient(app) as colleague:
        login(colleague, "colleague@folders.example", tenant=tenant.name)
        theirs = _report(colleague, everyone, "theirs")

        refused = client.delete(f"/api/v1/report-folders/{everyone}")
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["code"] == "folder_not_empty"
        assert (problem["reports"], problem["dashboards"]) == (2, 1)
        assert "2 report(s) and 1 dashboard(s)" in problem["detail"]

        for path in (f"reports/{mine}", f"reports/{theirs}"):
            assert client.delete(f"/api/v1/{path}").status_code == 204
        still = client.delete(f"/api/v1/report-folders/{everyone}").json()
        assert (still["code"], still["reports"], still["dashboards"]) == ("folder_not_empty", 0, 1)
        assert client.delete(f"/api/v1/dashboards/{board}").status_code == 204
        gone = client.delete(f"/api/v1/report-folders/{everyone}")
        assert gone.status_code == 204, gone.text
        assert "all" not in _folders(client)

        # Each binned report is now its owner's, in its owner's recycle bin.
        def binned(who: TestClient) -> list[tuple[str, Any]]:
            found = who.get("/api/v1/reports", params={"deleted": "true"}).json()["reports"]
            return [(r["id"], r["folder_id"]) for r in user_made(found)]

        assert binned(client) == [(mine, None)]
        assert binned(colleague) == [(theirs, None)]
        assert client.post(f"/api/v1/reports/{theirs}/restore").status_code == 404
        for who, report in ((client, mine), (colleague, theirs)):
            restored = who.post(f"/api/v1/reports/{report}/restore")
            assert restored.status_code == 200, restored.text
            assert restored.json()["folder_id"] is None
            assert who.get(f"/api/v1/reports/{report}").status_code == 200
        back = client.post(f"/api/v1/dashboards/{board}/restore")
        assert back.status_code == 200, back.text
        assert back.json()["folder_id"] is None


def test_bad_sharing_answers_per_field(client: TestClient, company: Company) -> None:
    unknown = "0190b3c4-0000-7000-8000-000000000000"
    bad = client.post(
        "/api/v1/report-folders",
        json={"name": "x", "sharing": {"scope": "roles", "roles": [company.roles["rep"], unknown]}},
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["sharing.roles.1"]
    empty = client.post(
        "/api/v1/report-folders", json={"name": "x", "sharing": {"scope": "departments"}}
    )
    assert empty.status_code == 422
    assert [e["field"] for e in empty.json()["errors"]] == ["sharing.departments"]
    assert client.post("/api/v1/report-folders", json={"name": ""}).status_code == 422
    scope = client.post("/api/v1/report-folders", json={"name": "x", "sharing": {"scope": "x"}})
    assert scope.status_code == 422


def test_taking_a_report_out_of_a_folder_is_for_its_managers(
    app,
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,  # type: ignore[no-untyped-def]
) -> None:
    """A former administrator still owns the report they put into a shared folder, and edits
    it, but no longer decides whether the folder keeps it."""
    everyone = _folder(client, "all", {"scope": "all"})
    user = add_user(
        platform,
        tenant,
        email="former@folders.example",
        name="former",
        password=ADMIN_PASSWORD,
        is_admin=True,
    )
    with TestClient(app) as former:
        login(former, "former@folders.example", tenant=tenant.name)
        report = _report(former, everyone, "theirs")
        with platform.context(tenant, SYSTEM) as ctx:
            RecordsService(ctx).update("user", user["id"], {"is_admin": False})
        add_role(platform, tenant, "前管理员", READS, [user])
        out = former.patch(f"/api/v1/reports/{report}", json={"folder_id": None})
        assert out.status_code == 403 and out.json()["code"] == "folder_not_writable"
        renamed = former.patch(f"/api/v1/reports/{report}", json={"name": "still theirs"})
        assert renamed.status_code == 200 and renamed.json()["folder_id"] == everyone
