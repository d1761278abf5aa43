"""Page layouts as metadata, saved list views, and CSV export of a view."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import make_account


def test_default_and_custom_layout(client: TestClient) -> None:
    account = client.get("/api/v1/metadata/objects/account").json()
    sections = account["layout"]["sections"]
    assert [s["key"] for s in sections] == ["details", "system"]
    assert "name" in sections[0]["fields"] and "owner_id" in sections[1]["fields"]
    assert {"object": "contact", "field": "account"} in account["related"]
    layout = {
        "sections": [
            {
                "key": "basics",
                "labels": {"en": "Basics", "zh-CN": "基本信息"},
                "fields": ["name", "grade", "industry"],
                "columns": 2,
            },
            {
                "key": "contact",
                "labels": {"en": "Contact"},
                "fields": ["phone", "email"],
                "columns": 1,
            },
        ],
        "related_lists": ["contact.account", "opportunity.account"],
    }
    saved = client.patch("/api/v1/metadata/objects/account", json={"layout": layout})
    assert saved.status_code == 200, saved.text
    assert saved.json()["layout"]["sections"][0]["fields"] == ["name", "grade", "industry"]
    # Renaming or deleting a field keeps the layout consistent.
    client.post(
        "/api/v1/metadata/objects/account/fields",
        json={"name": "vip_note", "type": "text", "labels": {"en": "VIP"}},
    )
    layout["sections"][1]["fields"] = ["phone", "email", "vip_note"]
    assert (
        client.patch("/api/v1/metadata/objects/account", json={"layout": layout}).status_code == 200
    )
    client.patch("/api/v1/metadata/objects/account/fields/vip_note", json={"name": "vip_remark"})
    fields = client.get("/api/v1/metadata/objects/account").json()["layout"]["sections"][1][
        "fields"
    ]
    assert fields == ["phone", "email", "vip_remark"]
    client.delete("/api/v1/metadata/objects/account/fields/vip_remark")
    fields = client.get("/api/v1/metadata/objects/account").json()["layout"]["sections"][1][
        "fields"
    ]
    assert fields == ["phone", "email"]


def test_bad_layouts_are_refused(client: TestClient) -> None:
    cases = [
        {"sections": [{"key": "a", "labels": {"en": "A"}, "fields": ["nope"]}]},
        {
            "sections": [
                {"key": "a", "labels": {"en": "A"}, "fields": ["name"]},
                {"key": "b", "labels": {"en": "B"}, "fields": ["name"]},
            ]
        },
        {"sections": [{"key": "a", "labels": {"en": "A"}, "fields": ["name"], "columns": 7}]},
        {"sections": [], "related_lists": ["contact.name"]},
    ]
    for layout in cases:
        response = client.patch("/api/v1/metadata/objects/account", json={"layout": layout})
        assert response.status_code == 422, layout
    assert [
        s["key"]
        for s in client.get("/api/v1/metadata/objects/account").json()["layout"]["sections"]
    ] == ["details", "system"]


def test_saved_views(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    add_user(platform, tenant, email="rep@views.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as admin, TestClient(app) as rep:
        login(admin, admin_email_of(platform, tenant))
        login(rep, "rep@views.example", tenant=tenant.name)
        shared = admin.post(
            "/api/v1/views",
            json={
                "object": "account",
                "name": "A 级客户",
                "shared": True,
                "filter": {"field": "grade", "op": "eq", "value": "A"},
                "sort": [{"field": "name", "direction": "asc"}],
                "columns": ["name", "grade"],
            },
        )
        assert shared.status_code == 201, shared.text
        mine = rep.post(
            "/api/v1/views",
            json={
                "object": "account",
                "name": "My hot ones",
                "filter": {
                    "field": "owner_id",
                    "op": "eq",
                    "value": rep.get("/api/v1/me").json()["user"]["id"],
                },
            },
        )
        assert mine.status_code == 201
        assert {
            v["name"]
            for v in rep.get("/api/v1/views", params={"object": "account"}).json()["views"]
        } == {"A 级客户", "My hot ones"}
        assert {
            v["name"]
            for v in admin.get("/api/v1/views", params={"object": "account"}).json()["views"]
        } == {"A 级客户"}
        # Only administrators share views; nobody edits someone else's view.
        assert (
            rep.post(
                "/api/v1/views", json={"object": "account", "name": "x", "shared": True}
            ).status_code
            == 403
        )
        assert (
            rep.patch(f"/api/v1/views/{shared.json()['id']}", json={"name": "hijack"}).status_code
            == 403
        )
        assert (
            admin.patch(f"/api/v1/views/{mine.json()['id']}", json={"name": "peek"}).status_code
            == 404
        )
        renamed = rep.patch(
            f"/api/v1/views/{mine.json()['id']}",
            json={"name": "Mine", "sort": [{"field": "created_at", "direction": "desc"}]},
        )
        assert (
            renamed.status_code == 200
            and renamed.json()["name"] == "Mine"
            and renamed.json()["filter"]["field"] == "owner_id"
        )
        bad = rep.post(
            "/api/v1/views",
            json={
                "object": "account",
                "name": "broken",
                "filter": {"field": "nope", "op": "eq", "value": 1},
            },
        )
        assert bad.status_code == 422
        assert rep.post("/api/v1/views", json={"object": "account", "name": ""}).status_code == 422
        assert rep.delete(f"/api/v1/views/{mine.json()['id']}").status_code == 204
        assert [
            v["name"]
            for v in rep.get("/api/v1/views", params={"object": "account"}).json()["views"]
        ] == ["A 级客户"]


def test_csv_export_follows_the_view(client: TestClient) -> None:
    parent = make_account(client, name="集团总部")
    for i in range(7):
        make_account(
            client,
            name=f"客户{i}",
            grade="A" if i % 2 else "B",
            annual_revenue=1000 * i,
            tags=["strategic", "at_risk"] if i == 3 else None,
            parent_account=parent["id"],
        )
    response = client.get(
        "/api/v1/records/account/export",
        params={
            "f": "grade:eq:A",
            "sort": "name",
            "fields": "name,grade,annual_revenue,tags,parent_account",
        },
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["客户名称", "客户级别", "年营业额", "年营业额 币种", "标签", "上级客户"]
    assert [r[0] for r in rows[1:]] == ["客户1", "客户3", "客户5"]
    assert rows[2] == ["客户3", "A", "3000", "CNY", "strategic;at_risk", "集团总部"]
    bad = client.get("/api/v1/records/account/export", params={"fields": "nope"})
    assert bad.status_code == 422
    assert client.get("/api/v1/records/nothing/export").status_code == 404
