"""The actions framework (keyi.platform.actions) through its HTTP routes, on both databases.

The app is built with a registry of test actions only, so these tests neither depend on nor
disturb the packages' real actions."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from keyi.api.app import create_app
from keyi.platform.actions import ActionRegistry, FileResult
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.conftest import admin_email_of, login
from tests.integration.helpers import add_member, count, make_account

test_actions = ActionRegistry()
sales = test_actions.package("sales")
absent = test_actions.package("not_installed")


class Rename(BaseModel):
    suffix: str = Field(min_length=1, max_length=20)
    amount: Decimal | None = None


class Renamed(BaseModel):
    name: str
    amount: Decimal | None = None


class Counted(BaseModel):
    count: int


@sales.record(
    "account",
    "rename_test",
    labels={"en": "Rename", "zh-CN": "重命名"},
    input=Rename,
    output=Renamed,
    access="edit",
    available=lambda ctx, record: not str(record["name"]).startswith("锁定"),
)
def rename(ctx: Context, record: dict[str, Any], payload: Rename) -> Renamed:
    """Appends a suffix to the account's name (a test action)."""
    if payload.suffix == "boom":
        # Written, then refused: the whole request must roll back.
        RecordsService(ctx).update("account", record["id"], {"name": "written"})
        raise ValidationFailed([FieldError("suffix", "invalid_value")])
    updated = RecordsService(ctx).update(
        "account", record["id"], {"name": f"{record['name']}{payload.suffix}"}
    )
    return Renamed(name=updated["name"], amount=payload.amount)


@sales.record(
    "account",
    "card",
    labels={"en": "Card", "zh-CN": "名片"},
    method="GET",
    media_type="text/plain",
    access="read",
)
def card(ctx: Context, record: dict[str, Any], payload: None) -> FileResult:
    return FileResult(f"客户 {record['name']}".encode(), f"名片-{record['name']}.txt")


@sales.object("account", "count_test", labels={"en": "Count"}, output=Counted, method="GET")
def count_accounts(ctx: Context, payload: None) -> Counted:
    return Counted(
        count=len(RecordsService(ctx).conn.execute(ctx.object("account").table.select()).all())
    )


@absent.record("account", "hidden", labels={"en": "Hidden"}, access="read")
def hidden(ctx: Context, record: dict[str, Any], payload: None) -> dict[str, Any]:
    return {"ran": True}


@pytest.fixture
def action_client(platform: Platform, tenant: TenantInfo) -> Iterator[TestClient]:
    app = create_app(platform.settings, platform, action_set=test_actions)
    with TestClient(app) as test_client:
        login(test_client, admin_email_of(platform, tenant))
        yield test_client


def test_record_action_runs_with_typed_input_and_output(action_client: TestClient) -> None:
    account = make_account(action_client, name="星河科技")
    response = action_client.post(
        f"/api/v1/records/account/{account['id']}/rename_test",
        # Raw JSON: the test client's encoder would round the number through a float.
        content='{"suffix": "（北京）", "amount": 1234567890123456.78}'.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "星河科技（北京）"
    assert '"amount":1234567890123456.78' in response.text  # exact, not through a float
    stored = action_client.get(f"/api/v1/records/account/{account['id']}").json()
    assert stored["name"] == "星河科技（北京）"
    history = action_client.get(f"/api/v1/records/account/{account['id']}/history").json()
    assert history["entries"][0]["operation"] == "update"  # the one write path: history kept


def test_bad_input_is_a_field_error(action_client: TestClient) -> None:
    account = make_account(action_client, name="星河科技")
    response = action_client.post(
        f"/api/v1/records/account/{account['id']}/rename_test", json={"suffix": ""}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["suffix"]


def test_an_error_rolls_back_what_the_action_wrote(action_client: TestClient) -> None:
    account = make_account(action_client, name="星河科技")
    response = action_client.post(
        f"/api/v1/records/account/{account['id']}/rename_test", json={"suffix": "boom"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "suffix"
    stored = action_client.get(f"/api/v1/records/account/{account['id']}").json()
    assert stored["name"] == "星河科技"
    assert stored["version"] == account["version"]


def test_unavailable_action_is_a_409(action_client: TestClient) -> None:
    account = make_account(action_client, name="锁定客户")
    response = action_client.post(
        f"/api/v1/records/account/{account['id']}/rename_test", json={"suffix": "x"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "action_unavailable"


def test_file_action_answers_the_file_with_a_utf8_filename(action_client: TestClient) -> None:
    account = make_account(action_client, name="星河科技")
    response = action_client.get(f"/api/v1/records/account/{account['id']}/card")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.content.decode() == "客户 星河科技"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "名片-星河科技.txt"


def test_object_action(action_client: TestClient) -> None:
    make_account(action_client, name="甲")
    make_account(action_client, name="乙")
    response = action_client.get("/api/v1/records/account/count_test")
    assert response.status_code == 200, response.text
    assert response.json() == {"count": 2}


def test_package_not_installed_is_not_found(action_client: TestClient) -> None:
    account = make_account(action_client, name="星河科技")
    response = action_client.post(f"/api/v1/records/account/{account['id']}/hidden")
    assert response.status_code == 404
    menu = action_client.get(f"/api/v1/records/account/{account['id']}/actions").json()
    assert "hidden" not in {item["name"] for item in menu["items"]}


def test_unknown_record_is_not_found(action_client: TestClient) -> None:
    response = action_client.post(
        "/api/v1/records/account/0190a000-0000-7000-8000-000000000000/rename_test",
        json={"suffix": "x"},
    )
    assert response.status_code == 404
    assert response.json()["code"] == "record_not_found"
    assert (
        action_client.post(
            "/api/v1/records/account/nope/rename_test", json={"suffix": "x"}
        ).status_code
        == 404
    )


def test_menu_lists_actions_with_availability(action_client: TestClient) -> None:
    open_account = make_account(action_client, name="星河科技")
    locked = make_account(action_client, name="锁定客户")
    menu = action_client.get(
        f"/api/v1/records/account/{open_account['id']}/actions",
        headers={"Accept-Language": "zh-CN"},
    ).json()
    items = {item["name"]: item for item in menu["items"]}
    assert set(items) == {"rename_test", "card"}
    assert items["rename_test"]["label"] == "重命名"
    assert items["rename_test"]["available"] is True
    assert items["rename_test"]["method"] == "POST"
    assert items["rename_test"]["input_schema"]["required"] == ["suffix"]
    assert items["card"]["media_type"] == "text/plain"
    assert items["card"]["input_schema"] is None
    locked_menu = action_client.get(f"/api/v1/records/account/{locked['id']}/actions").json()
    assert {i["name"]: i["available"] for i in locked_menu["items"]}["rename_test"] is False
    listing = action_client.get("/api/v1/records/account/actions").json()
    assert [i["name"] for i in listing["items"]] == ["count_test"]


def test_access_is_checked_before_the_action_runs(
    action_client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    mine = make_account(action_client, name="星河科技")
    add_member(
        platform, tenant, "reader@example.com", {"account": {"read": True, "read_scope": "all"}}
    )
    login(action_client, "reader@example.com")
    refused = action_client.post(
        f"/api/v1/records/account/{mine['id']}/rename_test", json={"suffix": "x"}
    )
    assert refused.status_code == 403
    assert action_client.get(f"/api/v1/records/account/{mine['id']}/card").status_code == 200
    menu = action_client.get(f"/api/v1/records/account/{mine['id']}/actions").json()
    assert {i["name"]: i["available"] for i in menu["items"]} == {
        "rename_test": False,
        "card": True,
    }
    assert count(action_client, "account") == 1


def test_invisible_record_is_not_found(
    action_client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    theirs = make_account(action_client, name="星河科技")
    add_member(
        platform,
        tenant,
        "own@example.com",
        {"account": {"read": True, "edit": True, "read_scope": "own", "edit_scope": "own"}},
    )
    login(action_client, "own@example.com")
    assert action_client.get(f"/api/v1/records/account/{theirs['id']}/card").status_code == 404
    response = action_client.post(
        f"/api/v1/records/account/{theirs['id']}/rename_test", json={"suffix": "x"}
    )
    assert response.status_code == 404


def test_openapi_shows_each_action_typed(action_client: TestClient) -> None:
    document = action_client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/records/account/{record_id}/rename_test"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/Rename")
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("/Renamed")
    card_op = document["paths"]["/api/v1/records/account/{record_id}/card"]["get"]
    assert "text/plain" in card_op["responses"]["200"]["content"]


def test_generic_routes_still_answer(action_client: TestClient) -> None:
    account = make_account(action_client, name="星河科技")
    assert action_client.get(f"/api/v1/records/account/{account['id']}").status_code == 200
    assert action_client.get(f"/api/v1/records/account/{account['id']}/history").status_code == 200
    assert action_client.get("/api/v1/records/account").status_code == 200
