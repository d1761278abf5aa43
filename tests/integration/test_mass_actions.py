"""Mass update and mass delete of records selected in a list view: all or nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService, mass
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import make_account


def make_opportunity(client: TestClient, account_id: str, **values: Any) -> dict[str, Any]:
    body = {"name": "ERP 项目", "account": account_id, "close_date": "2026-06-30", **values}
    response = client.post("/api/v1/records/opportunity", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_mass_update_sets_values_on_every_record(client: TestClient) -> None:
    account = make_account(client)
    opps = [make_opportunity(client, account["id"], name=f"商机 {i}") for i in range(3)]
    ids = [o["id"] for o in opps]
    response = client.post(
        "/api/v1/records/opportunity/mass-update",
        json={
            "ids": ids,
            "values": {"stage": "negotiation", "next_step": "报价"},
            "versions": {o["id"]: o["version"] for o in opps},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["versions"] == {i: 2 for i in ids}
    for record_id in ids:
        record = client.get(f"/api/v1/records/opportunity/{record_id}").json()
        assert (record["stage"], record["next_step"], record["version"]) == (
            "negotiation",
            "报价",
            2,
        )
        history = client.get(f"/api/v1/records/opportunity/{record_id}/history").json()
        assert history["entries"][0]["operation"] == "update"


def test_mass_update_is_all_or_nothing_with_errors_per_record(client: TestClient) -> None:
    account = make_account(client)
    ok = make_opportunity(client, account["id"], lost_reason="price")
    bad = make_opportunity(client, account["id"])
    # Moving both to "lost" fails for the one without a lost reason: nothing is written.
    response = client.post(
        "/api/v1/records/opportunity/mass-update",
        json={"ids": [ok["id"], bad["id"]], "values": {"stage": "lost"}},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["1.lost_reason"]
    assert client.get(f"/api/v1/records/opportunity/{ok['id']}").json()["stage"] == "prospecting"
    # A bad value is reported for every record, by position.
    response = client.post(
        "/api/v1/records/opportunity/mass-update",
        json={"ids": [ok["id"], bad["id"]], "values": {"stage": "nope"}},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"0.stage", "1.stage"}


def test_mass_update_checks_versions(client: TestClient) -> None:
    account = make_account(client)
    first = make_opportunity(client, account["id"])
    second = make_opportunity(client, account["id"])
    client.patch(f"/api/v1/records/opportunity/{second['id']}", json={"next_step": "电话"})
    response = client.post(
        "/api/v1/records/opportunity/mass-update",
        json={
            "ids": [first["id"], second["id"]],
            "values": {"stage": "proposal"},
            "versions": {first["id"]: 1, second["id"]: 1},
        },
    )
    assert response.status_code == 412
    assert client.get(f"/api/v1/records/opportunity/{first['id']}").json()["version"] == 1


def test_mass_requests_are_validated(client: TestClient) -> None:
    account = make_account(client)
    url = "/api/v1/records/account/mass-update"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"ids": [], "values": {"grade": "A"}}, "ids"),
        ({"ids": ["not-a-uuid"], "values": {"grade": "A"}}, "ids"),
        ({"ids": [account["id"], account["id"]], "values": {"grade": "A"}}, "ids"),
        ({"ids": [account["id"]], "values": {}}, "values"),
        ({"ids": [account["id"]], "values": {"grade": "A"}, "extra": 1}, "extra"),
        ({"ids": [account["id"]], "values": {"grade": "A"}, "versions": {account["id"]: "x"}}, ""),
    ]
    for body, field in cases:
        response = client.post(url, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"].startswith(field), body
    unknown = client.post(url, json={"ids": [account["id"]], "values": {"grade": "A"}, "x": 1})
    assert unknown.json()["errors"] == [
        {"field": "x", "code": "unknown_field", "message": "Unknown field 'x'."}
    ]
    missing = "0190aaaa-0000-7000-8000-000000000000"
    response = client.post(url, json={"ids": [account["id"], missing], "values": {"grade": "A"}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "1.id"
    assert client.get(f"/api/v1/records/account/{account['id']}").json()["grade"] != "A"
    response = client.post(
        "/api/v1/records/no_such/mass-update", json={"ids": [missing], "values": {"a": 1}}
    )
    assert response.status_code == 404


def test_mass_delete_and_restore_from_the_recycle_bin(client: TestClient) -> None:
    accounts = [make_account(client, name=f"批量删除 {i}") for i in range(3)]
    ids = [a["id"] for a in accounts[:2]]
    response = client.post("/api/v1/records/account/mass-delete", json={"ids": ids})
    assert response.status_code == 200, response.text
    assert response.json() == {"deleted": 2}
    binned = client.get("/api/v1/records/account", params={"deleted": "true", "limit": 500})
    assert {r["id"] for r in binned.json()["records"]} >= set(ids)
    live = client.get("/api/v1/records/account", params={"limit": 500}).json()["records"]
    assert accounts[2]["id"] in {r["id"] for r in live}
    assert not set(ids) & {r["id"] for r in live}
    # Deleting an already deleted record fails the whole request.
    response = client.post(
        "/api/v1/records/account/mass-delete", json={"ids": [accounts[2]["id"], ids[0]]}
    )
    assert response.status_code == 422
    assert client.get(f"/api/v1/records/account/{accounts[2]['id']}").status_code == 200
    restored = client.post(f"/api/v1/records/account/{ids[0]}/restore")
    assert restored.status_code == 200


def test_mass_actions_respect_record_access(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    add_user(platform, tenant, email="rep@mass.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as admin, TestClient(app) as rep:
        login(admin, admin_email_of(platform, tenant))
        login(rep, "rep@mass.example", tenant=tenant.name)
        theirs = make_account(admin, name="管理员的客户")
        mine = make_account(rep, name="我的客户")
        response = rep.post(
            "/api/v1/records/account/mass-update",
            json={"ids": [mine["id"], theirs["id"]], "values": {"grade": "A"}},
        )
        assert response.status_code == 403, response.text
        assert admin.get(f"/api/v1/records/account/{mine['id']}").json()["grade"] != "A"
        response = rep.post(
            "/api/v1/records/account/mass-delete", json={"ids": [mine["id"], theirs["id"]]}
        )
        assert response.status_code == 403
        assert admin.get(f"/api/v1/records/account/{theirs['id']}").status_code == 200
        assert admin.get(f"/api/v1/records/account/{mine['id']}").status_code == 200


def test_mass_actions_run_without_http(platform: Platform, tenant: TenantInfo) -> None:
    """No HTTP: a system context (as the CLI or a job has) runs the same checks."""
    with platform.context(tenant, Actor.system("cli")) as ctx:
        records = RecordsService(ctx)
        ids = [records.create("account", {"name": f"服务批量 {i}"})["id"] for i in range(2)]
        done = mass.mass_update(ctx, "account", [i.upper() for i in ids], {"grade": "A"})
        assert done == {"ids": ids, "versions": {ids[0]: 2, ids[1]: 2}}
    with platform.context(tenant, Actor.system("cli")) as ctx:
        for bad_ids, versions, field in (
            ([ids[0], ids[0].upper()], None, "ids"),
            (["nope"], None, "ids"),
            ([ids[0]], {ids[1]: 2}, f"versions.{ids[1]}"),
            ([ids[0]], {ids[0]: True}, f"versions.{ids[0]}"),
        ):
            try:
                mass.mass_delete(ctx, "account", bad_ids, versions=versions)
            except ValidationFailed as exc:
                assert [e.field for e in exc.errors] == [field]
            else:
                raise AssertionError(f"accepted {bad_ids} {versions}")
        assert mass.mass_delete(ctx, "account", ids, versions={ids[0]: 2}) == {"deleted": 2}
    with platform.context(tenant, Actor.system("cli"), write=False) as ctx:
        assert all(RecordsService(ctx).get("account", i, deleted=True) for i in ids)
