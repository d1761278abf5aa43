"""Saved reports: CRUD with versions and the recycle bin, the definition checked as its author
sees the data, runs by other readers (403 when they lost a field), an extra filter ANDed, the
list filtered by what the reader may read, and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.access import admin
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, make_account, rights, user_made

BY_STAGE: dict[str, Any] = {
    "object": "opportunity",
    "type": "summary",
    "group_by": [{"field": "stage"}],
    "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
}


def _deals(client: TestClient) -> None:
    account = make_account(client, name="报表客户", province="北京")
    rows = [
        {"name": f"D{i}", "account": account["id"], "stage": stage, "amount": amount}
        | {"close_date": day}
        for i, (stage, amount, day) in enumerate(
            [
                ("prospecting", "100", "2026-03-31"),
                ("prospecting", "250.5", "2026-04-01"),
                ("won", "1000", "2026-01-15"),
                ("lost", "40", "2025-12-31"),
            ]
        )
    ]
    rows[3]["lost_reason"] = "price"
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text


def _save(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/reports", json={"name": "按阶段", "definition": BY_STAGE, **body}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _errors(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


@pytest.fixture
def everyone(client: TestClient) -> dict[str, Any]:
    """A folder shared with everyone (made by the administrator)."""
    response = client.post(
        "/api/v1/report-folders", json={"name": "销售分析", "sharing": {"scope": "all"}}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def rep(app, platform: Platform, tenant: TenantInfo) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A signed-in sales rep who reads every opportunity and account."""
    user = add_member(
        platform,
        tenant,
        "rep@reports.example",
        {"opportunity": rights("all"), "account": rights("all")},
    )
    with TestClient(app) as rep_client:
        login(rep_client, "rep@reports.example", tenant=tenant.name)
        rep_client.user_id = user["id"]  # type: ignore[attr-defined]
        yield rep_client


def test_crud_versions_recycle_bin_and_audit(client: TestClient) -> None:
    _deals(client)
    report = _save(
        client,
        description={"zh-CN": "各阶段商机", "en": "Deals by stage"},
        chart={"type": "bar", "x": "stage", "value": "sum_amount"},
    )
    assert report["version"] == 1 and report["can_edit"] and report["folder_id"] is None
    assert report["definition"]["group_by"] == [{"field": "stage"}]
    assert report["name"] == {"": "按阶段"}
    assert report["chart"] == {
        "type": "bar",
        "x": "stage",
        "value": "sum_amount",
        "horizontal": False,
    }
    rid = report["id"]
    got = client.get(f"/api/v1/reports/{rid}")
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert got.json()["definition"] == report["definition"]

    renamed = client.patch(
        f"/api/v1/reports/{rid}",
        json={"name": {"zh-CN": "阶段", "en": "Stages"}},
        headers={"If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["version"] == 2 and renamed.json()["name"]["en"] == "Stages"
    # Someone editing version 1 is told the report moved on, by header or by body.
    stale = client.patch(f"/api/v1/reports/{rid}", json={"name": "x"}, headers={"If-Match": "1"})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    stale = client.patch(f"/api/v1/reports/{rid}", json={"name": "x", "version": 1})
    assert stale.status_code == 412
    assert client.delete(f"/api/v1/reports/{rid}", headers={"If-Match": "1"}).status_code == 412

    # A new definition is checked with the chart it keeps: a chart of a value that is gone fails.
    count_only = {**BY_STAGE, "aggregates": [{"op": "count"}]}
    broken = client.patch(f"/api/v1/reports/{rid}", json={"definition": count_only})
    assert broken.status_code == 422 and _errors(broken) == ["chart.value"]
    changed = client.patch(
        f"/api/v1/reports/{rid}",
        json={"definition": count_only, "chart": {"type": "pie", "x": "stage", "value": "count"}},
    )
    assert changed.status_code == 200 and changed.json()["version"] == 3
    assert changed.json()["definition"]["aggregates"] == [
        {"op": "count", "percent_of_total": False}
    ]

    listed = user_made(client.get("/api/v1/reports", params={"q": "stag"}).json()["reports"])
    assert [r["id"] for r in listed] == [rid] and "definition" not in listed[0]
    assert user_made(client.get("/api/v1/reports", params={"q": "nothing"}).json()["reports"]) == []

    assert client.delete(f"/api/v1/reports/{rid}", headers={"If-Match": '"3"'}).status_code == 204
    assert client.get(f"/api/v1/reports/{rid}").status_code == 404
    assert client.post(f"/api/v1/reports/{rid}/run", json={}).status_code == 404
    assert user_made(client.get("/api/v1/reports").json()["reports"]) == []
    binned = user_made(client.get("/api/v1/reports", params={"deleted": "true"}).json()["reports"])
    assert [r["id"] for r in binned] == [rid] and binned[0]["deleted_at"]
    restored = client.post(f"/api/v1/reports/{rid}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert client.post(f"/api/v1/reports/{rid}/restore").status_code == 404  # not in the bin
    ran = client.post(f"/api/v1/reports/{rid}/run", json={})
    assert ran.status_code == 200 and ran.json()["totals"] == {"count": 4}

    actions = [
        e["action"]
        for e in client.get("/api/v1/audit", params={"limit": 50}).json()["entries"]
        # (the sales package's standard reports are filed when the company is created)
        if e["action"].startswith("report.") and e["action"] != "report.package_install"
    ]
    assert sorted(actions) == sorted(
        ["report.create", "report.update", "report.update", "report.delete", "report.restore"]
    )


def test_definition_is_checked_as_its_author_sees_the_data(
    app,
    platform: Platform,
    tenant: TenantInfo,
    client: TestClient,  # type: ignore[no-untyped-def]
) -> None:
    add_member(
        platform,
        tenant,
        "masked@reports.example",
        {
            "opportunity": rights("all", fields={"amount": "hidden"}),
            "account": rights("all", fields={"province": "hidden"}),
        },
    )
    with TestClient(app) as masked:
        login(masked, "masked@reports.example", tenant=tenant.name)

        def refused(definition: dict[str, Any], **extra: Any) -> list[str]:
            response = masked.post(
                "/api/v1/reports", json={"name": "r", "definition": definition, **extra}
            )
            assert response.status_code == 422, response.text
            return _errors(response)

        # What the administrator may save, this author may not: a field hidden from them.
        assert refused(BY_STAGE) == ["definition.aggregates.1.field"]
        assert refused({**BY_STAGE, "group_by": [{"field": "account.province"}]}) == [
            "definition.group_by.0.field"
        ]
        hidden_filter = {"field": "amount", "op": "gt", "value": 5}
        count = {"object": "opportunity", "group_by": [{"field": "stage"}]}
        assert refused({**count, "filter": hidden_filter}) == ["definition.filter.field"]
        tabular = {"object": "opportunity", "type": "tabular", "columns": ["name", "amount"]}
        assert refused(tabular) == ["definition.columns.1"]
        assert refused({**count, "date_field": "amount"}) == ["definition.date_field"]
        # Broken definitions are refused when saved, not when someone opens them.
        assert refused({**count, "sort": [{"key": "sum_amount"}]}) == ["definition.sort.0.key"]
        assert refused({**count, "date_field": "stage"}) == ["definition.date_field"]
        assert refused({**count, "group_by": [{"field": "description"}]}) == [
            "definition.group_by.0.field"
        ]
        assert refused({**count, "group_by": [{"field": "stage", "bucket": "month"}]}) == [
            "definition.group_by.0.bucket"
        ]
        dotted = {"object": "opportunity", "type": "tabular", "columns": ["account.name"]}
        assert refused(dotted) == ["definition.columns.0"]
        assert refused(count, chart={"type": "bar", "x": "owner_id", "value": "count"}) == [
            "chart.x"
        ]
        assert refused(count, chart={"type": "bar", "value": "sum_amount"}) == ["chart.value"]
        bad_folder = masked.post(
            "/api/v1/reports",
            json={
                "name": "r",
                "definition": count,
                "folder_id": "0190b3c4-0000-7000-8000-000000000000",
            },
        )
        assert bad_folder.status_code == 422 and _errors(bad_folder) == ["folder_id"]
        blank = masked.post("/api/v1/reports", json={"name": "  ", "definition": count})
        assert blank.status_code == 422 and _errors(blank) == ["name"]
        # The same definitions without the hidden parts save.
        ok = masked.post(
            "/api/v1/reports",
            json={
                "name": "r",
                "definition": {**count, "date_field": "close_date", "sort": [{"key": "count"}]},
            },
        )
        assert ok.status_code == 201, ok.text


def test_reader_who_lost_a_field_gets_403(
    client: TestClient,
    rep: TestClient,
    everyone: dict[str, Any],
    platform: Platform,
    tenant: TenantInfo,
) -> None:
    """The administrator saves a report grouping on a field; the field is then hidden from
    the rep's role: running or exporting it answers 403, it does not drop the field."""
    _deals(client)
    definition = {
        "object": "opportunity",
        "group_by": [{"field": "account.province"}],
        "aggregates": [{"op": "count"}],
    }
    report = _save(client, definition=definition, folder_id=everyone["id"])
    ran = rep.post(f"/api/v1/reports/{report['id']}/run", json={})
    assert ran.status_code == 200, ran.text
    assert ran.json()["groups"] == [{"key": {"account.province": "北京"}, "values": {"count": 4}}]
    assert rep.get(f"/api/v1/reports/{report['id']}").json()["can_edit"] is False

    with platform.context(tenant, Actor.system("test")) as ctx:
        role = (
            ctx.conn.execute(
                ctx.object("user")
                .table.select()
                .where(ctx.object("user").table.c.id == rep.user_id)  # type: ignore[attr-defined]
            )
            .one()
            .role
        )
        admin.set_role_permissions(
            ctx,
            role,
            {"opportunity": rights("all"), "account": rights("all", fields={"province": "hidden"})},
        )
    for path, body in (("run", {}), ("export?format=csv", None)):
        refused = rep.post(f"/api/v1/reports/{report['id']}/{path}", json=body)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "report_field_hidden"
        assert "北京" not in refused.text
    # The administrator still runs it.
    assert client.post(f"/api/v1/reports/{report['id']}/run", json={}).status_code == 200


def test_extra_filter_is_anded_with_the_reports(client: TestClient) -> None:
    _deals(client)
    saved_filter = {"field": "stage", "op": "in", "value": ["prospecting", "won"]}
    report = _save(client, definition={**BY_STAGE, "filter": saved_filter})
    extra = {"field": "amount", "op": "gte", "value": 200}
    ran = client.post(f"/api/v1/reports/{report['id']}/run", json={"filter": extra})
    assert ran.status_code == 200, ran.text
    unsaved = client.post(
        "/api/v1/reports/run", json={**BY_STAGE, "filter": {"and": [saved_filter, extra]}}
    ).json()
    assert ran.json()["groups"] == unsaved["groups"]
    assert ran.json()["totals"] == {"count": 2, "sum_amount": 1250.5}
    # A drill-down into a group of the saved report, with the extra filter still applied.
    drilled = client.post(
        f"/api/v1/reports/{report['id']}/run",
        json={"filter": extra, "drill": {"stage": "prospecting"}},
    ).json()
    assert [r["name"] for r in drilled["records"]] == ["D1"]
    bad = client.post(
        f"/api/v1/reports/{report['id']}/run", json={"filter": {"field": "nope", "op": "eq"}}
    )
    assert bad.status_code == 422


def test_list_shows_what_the_reader_may_read_and_edit(
    client: TestClient, rep: TestClient, everyone: dict[str, Any]
) -> None:
    shared = _save(client, name="共享", folder_id=everyone["id"])
    mine = _save(client, name="管理员自己的")
    own = rep.post("/api/v1/reports", json={"name": "代表自己的", "definition": BY_STAGE})
    assert own.status_code == 201, own.text
    seen = {r["id"]: r for r in user_made(rep.get("/api/v1/reports").json()["reports"])}
    assert set(seen) == {shared["id"], own.json()["id"]}
    assert seen[own.json()["id"]]["can_edit"] and not seen[shared["id"]]["can_edit"]
    in_folder = rep.get("/api/v1/reports", params={"folder_id": everyone["id"]}).json()
    assert [r["id"] for r in in_folder["reports"]] == [shared["id"]]
    # Another's private report is not there for the rep, whatever they try.
    assert rep.get(f"/api/v1/reports/{mine['id']}").status_code == 404
    assert rep.post(f"/api/v1/reports/{mine['id']}/run", json={}).status_code == 404
    assert rep.patch(f"/api/v1/reports/{mine['id']}", json={"name": "x"}).status_code == 404
    # A shared report is read, not changed, by those who do not manage its folder.
    assert rep.patch(f"/api/v1/reports/{shared['id']}", json={"name": "x"}).status_code == 403
    assert rep.delete(f"/api/v1/reports/{shared['id']}").status_code == 403
    moved = rep.patch(f"/api/v1/reports/{own.json()['id']}", json={"folder_id": everyone["id"]})
    assert moved.status_code == 403 and moved.json()["code"] == "folder_not_writable"
    # The administrator manages the shared folder, and so its reports.
    assert user_made(client.get("/api/v1/reports").json()["reports"])[0]["can_edit"]
    # The administrator does not see the rep's own report: private is private.
    admin_seen = {r["id"] for r in user_made(client.get("/api/v1/reports").json()["reports"])}
    assert admin_seen == {shared["id"], mine["id"]}
    # A rep's deleted shared-folder report is not in their bin: they could not restore it.
    assert client.delete(f"/api/v1/reports/{shared['id']}").status_code == 204
    assert user_made(rep.get("/api/v1/reports", params={"deleted": "true"}).json()["reports"]) == []
    assert rep.post(f"/api/v1/reports/{shared['id']}/restore").status_code == 403
