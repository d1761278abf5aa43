"""A field the platform derives from a hidden field is hidden too: department paths.

A department's ``path`` ("/<root id>/<parent id>/<own id>/") spells its parent's id and every
ancestor's; a user's ``department_path`` copies it. The core contract declares both as derived
(keyi.platform.contract), so a role that hides ``department.parent`` must not read either of
them on any read path — record, list, query, export, aggregate, search, history — while an
administrator still does, and a role hiding nothing still reads them.
"""

from __future__ import annotations

import csv
import io
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
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import add_member, add_role, rights

SYSTEM = Actor.system("test")
DERIVED = {"department": "path", "user": "department_path"}


@dataclass
class World:
    root: str
    sales: str
    east: str
    member: str  # a user in `east`
    admin: TestClient
    rep: TestClient


@pytest.fixture
def world(app, platform: Platform, tenant: TenantInfo) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        root = records.create("department", {"name": "总部"})["id"]
        sales = records.create("department", {"name": "销售部", "parent": root})["id"]
        east = records.create("department", {"name": "华东区", "parent": sales})["id"]
    member = add_user(
        platform,
        tenant,
        email=f"member@{tenant.name}.example",
        name="韩梅梅",
        password=ADMIN_PASSWORD,
    )
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).update("user", member["id"], {"department": east})
    add_member(
        platform,
        tenant,
        f"rep@{tenant.name}.example",
        {
            "department": rights("all", fields={"parent": "hidden"}),
            "user": rights("all"),
        },
    )
    with TestClient(app) as boss, TestClient(app) as rep:
        login(boss, admin_email_of(platform, tenant))
        login(rep, f"rep@{tenant.name}.example", tenant=tenant.name)
        yield World(root, sales, east, member["id"], boss, rep)


def _ok(client: TestClient, method: str, url: str, **kwargs: Any) -> Any:
    response = client.request(method, "/api/v1" + url, **kwargs)
    assert response.status_code == 200, (url, response.text)
    return response.json()


def test_the_administrator_reads_the_paths(world: World) -> None:
    east = _ok(world.admin, "GET", f"/records/department/{world.east}")
    assert east["path"] == f"/{world.root}/{world.sales}/{world.east}/"
    member = _ok(world.admin, "GET", f"/records/user/{world.member}")
    assert member["department_path"] == east["path"]


def test_hidden_parent_hides_the_paths_on_record_list_and_query(world: World) -> None:
    for object_name, record_id in (("department", world.east), ("user", world.member)):
        name = DERIVED[object_name]
        got = _ok(world.rep, "GET", f"/records/{object_name}/{record_id}")
        assert name not in got and name not in got.get("_display", {}), got
        listed = _ok(world.rep, "GET", f"/records/{object_name}", params={"limit": 500})
        assert listed["records"] and all(name not in r for r in listed["records"])
        queried = _ok(world.rep, "POST", f"/records/{object_name}/query", json={"limit": 500})
        assert queried["records"] and all(name not in r for r in queried["records"])
        described = _ok(world.rep, "GET", f"/metadata/objects/{object_name}")
        assert name not in {f["name"] for f in described["fields"]}
    # The user's department itself is readable: only what spells the hidden parents is masked.
    member = _ok(world.rep, "GET", f"/records/user/{world.member}")
    assert member["department"] == world.east


@pytest.mark.parametrize("object_name", sorted(DERIVED))
def test_naming_a_derived_field_is_refused(world: World, object_name: str) -> None:
    """Filtering, sorting or grouping by the path would reveal the tree row by row."""
    name = DERIVED[object_name]
    prefix = f"/{world.root}/"
    bodies = {
        "query": [
            {"fields": [name]},
            {"filter": {"field": name, "op": "starts_with", "value": prefix}},
            {"sort": [{"field": name}]},
        ],
        "aggregate": [
            {"group_by": [{"field": name}], "aggregates": [{"op": "count"}]},
            {"aggregates": [{"op": "max", "field": name}]},
        ],
    }
    for action, cases in bodies.items():
        for body in cases:
            url = f"/api/v1/records/{object_name}/{action}"
            refused = world.rep.post(url, json=body)
            assert refused.status_code == 422 and name in refused.text, (body, refused.text)
            assert world.admin.post(url, json=body).status_code == 200, body


def _rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("object_name", sorted(DERIVED))
def test_export_leaves_the_derived_field_out(world: World, object_name: str) -> None:
    record_id = world.east if object_name == "department" else world.member
    rows = _rows(world.rep.get(f"/api/v1/records/{object_name}/export"))
    own = next(row for row in rows if row[0] == record_id)
    # Neither the parent's nor the grandparent's id is spelt in the record's row.
    assert not any(world.sales in cell or world.root in cell for cell in own), own
    refused = world.rep.get(
        f"/api/v1/records/{object_name}/export", params={"fields": f"id,{DERIVED[object_name]}"}
    )
    assert refused.status_code == 422, refused.text
    full = _rows(world.admin.get(f"/api/v1/records/{object_name}/export"))
    admin_row = next(row for row in full if row[0] == record_id)
    assert any(world.root in cell for cell in admin_row)


def test_search_hits_carry_no_path(world: World) -> None:
    for q in ("华东区", world.sales):
        hits = _ok(world.rep, "GET", "/search", params={"q": q})["hits"]
        assert all(world.sales not in str(hit) for hit in hits), hits
        quick = _ok(world.rep, "GET", "/records/department", params={"q": q})["records"]
        assert all("path" not in r and "parent" not in r for r in quick), quick


def test_history_leaves_the_path_changes_out(
    world: World, platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).update("department", world.east, {"parent": world.root, "name": "东区"})

    def changed(client: TestClient) -> set[str]:
        entries = _ok(client, "GET", f"/records/department/{world.east}/history")["entries"]
        return {c["field"] for e in entries for c in e["changes"]}

    assert {"parent", "path", "name"} <= changed(world.admin)
    seen = changed(world.rep)
    assert "name" in seen and not {"parent", "path"} & seen, seen


def test_a_role_hiding_nothing_reads_the_paths(
    world: World, platform: Platform, tenant: TenantInfo
) -> None:
    """The rule hides no more than it must: with `parent` readable, so are the paths."""
    reader = add_user(
        platform, tenant, email=f"open@{tenant.name}.example", name="李雷", password=ADMIN_PASSWORD
    )
    add_role(
        platform,
        tenant,
        "open",
        {"department": rights("all"), "user": rights("all")},
        [reader],
    )
    with TestClient(world.admin.app) as client:
        login(client, f"open@{tenant.name}.example", tenant=tenant.name)
        east = _ok(client, "GET", f"/records/department/{world.east}")
        assert east["path"].endswith(f"/{world.east}/")
        member = _ok(client, "GET", f"/records/user/{world.member}")
        assert member["department_path"] == east["path"]
