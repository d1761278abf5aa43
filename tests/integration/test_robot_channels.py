"""Robot channels end to end: Setup's API (validation, masking, encryption at rest, audit,
permissions), the test send to the fake WeCom, DingTalk and Feishu robots of robot_fakes (each
checks the request shape and recomputes the signature itself), and flows whose
``post_to_robot`` action reaches a fake robot through the ``robot.send`` job.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.notify.table import robot_channel_table
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.robot_fakes import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    FakeVendor,
    dingtalk,
    dingtalk_url,
    feishu,
    feishu_url,
    wecom,
    wecom_url,
)

API = "/api/v1/robot-channels"


def _errors(answer: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in answer.json()["errors"]]


def _allow_private(client: TestClient) -> None:
    """The fakes listen on 127.0.0.1: allowed as for webhooks (the tenant's switch)."""
    answer = client.patch("/api/v1/webhooks/settings", json={"allow_private": True})
    assert answer.status_code == 200, answer.text


def _create(client: TestClient, **body: Any) -> dict[str, Any]:
    answer = client.post(API, json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _stored(platform: Platform, tenant: TenantInfo, channel_id: str) -> Any:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        return conn.execute(
            sa.select(robot_channel_table).where(robot_channel_table.c.id == channel_id)
        ).one()


def _audited(platform: Platform, tenant: TenantInfo) -> list[tuple[str, dict[str, Any]]]:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        rows = conn.execute(
            sa.select(audit_table.c.action, audit_table.c.details)
            .where(audit_table.c.action.like("robot_channel.%"))
            .order_by(audit_table.c.id)
        ).all()
    return [(row.action, dict(row.details)) for row in rows]


# ---------------------------------------------------------------- the API
def test_channels_are_validated_and_nothing_half_saved(client: TestClient) -> None:
    everything = client.post(
        API,
        json={"vendor": "slack", "url": "ftp://x", "secret": 5, "markdown": "yes", "active": 1},
    )
    assert everything.status_code == 422
    assert set(_errors(everything)) == {
        ("name", "required"),
        ("vendor", "invalid_option"),
        ("url", "invalid_url"),
        ("secret", "invalid_text"),
        ("markdown", "invalid_boolean"),
        ("active", "invalid_boolean"),
    }
    unknown = client.post(
        API, json={"name": "x", "vendor": "wecom", "url": "https://1.1.1.1", "y": 1}
    )
    assert _errors(unknown) == [("y", "unknown_field")]
    # WeCom robots do not sign; a URL of another vendor's host is named as such.
    wecom_secret = client.post(
        API,
        json={"name": "群", "vendor": "wecom", "url": "https://1.1.1.1/x", "secret": "s"},
    )
    assert _errors(wecom_secret) == [("secret", "unknown_field")]
    wrong_vendor = client.post(
        API,
        json={
            "name": "群",
            "vendor": "wecom",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        },
    )
    assert _errors(wrong_vendor) == [("url", "robot_url_vendor")]
    assert "dingtalk" in wrong_vendor.json()["errors"][0]["message"]
    # SSRF: loopback, private and link-local targets are refused (the tenant allows none).
    for url in (
        "http://127.0.0.1:9/robot/send?access_token=x",
        "http://10.1.2.3/robot/send",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/robot/send",
    ):
        refused = client.post(API, json={"name": "内网", "vendor": "dingtalk", "url": url})
        assert _errors(refused) == [("url", "url_private_address")], url
    assert client.get(API).json() == {"channels": []}

    _create(
        client, name="销售群", vendor="wecom", url="https://1.1.1.1/cgi-bin/webhook/send?key=k1"
    )
    taken = client.post(
        API, json={"name": " 销售群 ", "vendor": "feishu", "url": "https://1.1.1.1/hook/x"}
    )
    assert _errors(taken) == [("name", "name_taken")]
    # Link-local stays refused even when private targets are allowed.
    _allow_private(client)
    metadata = client.post(
        API, json={"name": "元数据", "vendor": "feishu", "url": "http://169.254.169.254/x"}
    )
    assert _errors(metadata) == [("url", "url_private_address")]


def test_url_and_secret_are_encrypted_never_shown_and_never_audited(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    url = f"https://1.1.1.1/robot/send?access_token={DINGTALK_TOKEN}"
    created = _create(client, name="华东销售群", vendor="dingtalk", url=url, secret=DINGTALK_SECRET)
    assert created["url_hint"] == "1.1.1.1/…" + url[-4:]
    assert created["has_secret"] is True and created["active"] is True
    assert created["markdown"] is True
    assert created["last_status"] is None and created["last_at"] is None
    for answer in (
        created,
        client.get(API).json(),
        client.get(f"{API}/{created['id']}").json(),
    ):
        text = str(answer)
        assert DINGTALK_TOKEN not in text and DINGTALK_SECRET not in text
        assert "secret" not in (answer.get("channels") or [answer])[0]
        assert "url" not in (answer.get("channels") or [answer])[0]

    row = _stored(platform, tenant, created["id"])
    assert row.url.startswith("fernet:") and DINGTALK_TOKEN not in row.url
    assert row.secret.startswith("fernet:") and DINGTALK_SECRET not in row.secret
    assert platform.secret_box.decrypt(row.url) == url
    assert platform.secret_box.decrypt(row.secret) == DINGTALK_SECRET

    # A change of name keeps the stored URL and secret as they were.
    renamed = client.patch(f"{API}/{created['id']}", json={"name": "华东群", "markdown": False})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["markdown"]) == ("华东群", False)
    kept = _stored(platform, tenant, created["id"])
    assert (kept.url, kept.secret) == (row.url, row.secret)
    # A new URL and no secret.
    new_url = "https://1.1.1.1/robot/send?access_token=other-token-9z9z"
    moved = client.patch(f"{API}/{created['id']}", json={"url": new_url, "secret": None})
    assert moved.status_code == 200, moved.text
    assert moved.json()["url_hint"] == "1.1.1.1/…9z9z" and moved.json()["has_secret"] is False
    assert platform.secret_box.decrypt(_stored(platform, tenant, created["id"]).url) == new_url
    # Invalid changes are refused whole.
    refused = client.patch(
        f"{API}/{created['id']}", json={"url": "http://127.0.0.1/x", "name": "改名"}
    )
    assert _errors(refused) == [("url", "url_private_address")]
    assert client.get(f"{API}/{created['id']}").json()["name"] == "华东群"
    # Switched to WeCom (whose robots do not sign), a secret given back is dropped.
    client.patch(f"{API}/{created['id']}", json={"secret": "SECagain"})
    assert client.get(f"{API}/{created['id']}").json()["has_secret"] is True
    wecom_now = client.patch(
        f"{API}/{created['id']}",
        json={"vendor": "wecom", "url": "https://1.1.1.1/cgi-bin/webhook/send?key=k"},
    )
    assert wecom_now.status_code == 200, wecom_now.text
    assert wecom_now.json()["vendor"] == "wecom" and wecom_now.json()["has_secret"] is False
    assert _stored(platform, tenant, created["id"]).secret is None

    assert client.delete(f"{API}/{created['id']}").status_code == 204
    assert client.get(f"{API}/{created['id']}").status_code == 404
    assert _stored_count(platform, tenant) == 0  # a hard delete: the credential is gone

    audited = _audited(platform, tenant)
    assert [action for action, _ in audited] == [
        "robot_channel.create",
        "robot_channel.update",
        "robot_channel.update",
        "robot_channel.update",
        "robot_channel.update",
        "robot_channel.delete",
    ]
    assert audited[0][1]["name"] == "华东销售群" and audited[0][1]["vendor"] == "dingtalk"
    assert [details["fields"] for action, details in audited[1:5]] == [
        ["markdown", "name"],
        ["secret", "url"],
        ["secret"],
        ["secret", "url", "vendor"],
    ]
    text = str(audited)
    for secret in (DINGTALK_TOKEN, DINGTALK_SECRET, "other-token", "SECagain", "key=k"):
        assert secret not in text


def _stored_count(platform: Platform, tenant: TenantInfo) -> int:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(robot_channel_table)).scalar_one()
        )


def test_only_administrators_see_or_change_channels_and_unknown_ids_are_not_found(
    app: Any, platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    created = _create(
        client, name="群", vendor="feishu", url="https://1.1.1.1/open-apis/bot/v2/hook/h"
    )
    path = f"{API}/{created['id']}"
    add_user(platform, tenant, email="rep@robots.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "rep@robots.example", tenant=tenant.name)
        assert rep.get(API).status_code == 403
        assert rep.get(path).status_code == 403
        body = {"name": "x", "vendor": "wecom", "url": "https://1.1.1.1/x"}
        assert rep.post(API, json=body).status_code == 403
        assert rep.patch(path, json={"active": False}).status_code == 403
        assert rep.post(f"{path}/test").status_code == 403
        assert rep.delete(path).status_code == 403
    assert client.get(path).json()["active"] is True
    for missing in (str(uuid.uuid4()), "not-an-id"):
        for method in ("GET", "PATCH", "DELETE"):
            answer = client.request(
                method, f"{API}/{missing}", json={} if method == "PATCH" else None
            )
            assert answer.status_code == 404, (method, missing)
        assert client.post(f"{API}/{missing}/test").status_code == 404


# ---------------------------------------------------------------- test messages
@pytest.mark.parametrize(
    ("check", "vendor", "url_of", "secret"),
    [
        (wecom, "wecom", wecom_url, None),
        (dingtalk, "dingtalk", dingtalk_url, DINGTALK_SECRET),
        (feishu, "feishu", feishu_url, FEISHU_SECRET),
    ],
)
def test_a_test_message_reaches_each_vendor_signed_and_its_answer_is_shown(
    client: TestClient, serve: Any, check: Any, vendor: str, url_of: Any, secret: str | None
) -> None:
    fake: FakeVendor = serve(check)
    _allow_private(client)
    body: dict[str, Any] = {"name": f"{vendor} 群", "vendor": vendor, "url": url_of(fake)}
    if secret:
        body["secret"] = secret
    created = _create(client, **body)
    answer = client.post(f"{API}/{created['id']}/test")
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["ok"], result["error"], result["status_code"]) == (True, None, 200)
    assert result["channel"]["last_status"] == "ok" and result["channel"]["last_at"]
    [request] = fake.received  # the fake verified path, credential, shape and signature
    text = str(request.body)
    assert "客易 CRM 测试消息" in text and f"{vendor} 群" in text  # the company's language
    assert "/setup/robots" in text  # a link to Setup › Robot channels

    if secret:
        # A wrong secret: the vendor's refusal comes back as it is, and is kept on the channel.
        client.patch(f"{API}/{created['id']}", json={"secret": "wrong-secret"})
        refused = client.post(f"{API}/{created['id']}/test").json()
        assert refused["ok"] is False and refused["retryable"] is False
        code = "310000" if vendor == "dingtalk" else "19021"
        assert code in refused["error"] and "wrong-secret" not in refused["error"]
        shown = client.get(f"{API}/{created['id']}").json()
        assert shown["last_status"] == "failed" and code in shown["last_error"]


def test_a_test_send_to_a_target_no_longer_allowed_is_refused_before_connecting(
    client: TestClient, serve: Any
) -> None:
    fake = serve(feishu)
    _allow_private(client)
    created = _create(
        client, name="飞书", vendor="feishu", url=feishu_url(fake), secret=FEISHU_SECRET
    )
    client.patch("/api/v1/webhooks/settings", json={"allow_private": False})
    result = client.post(f"{API}/{created['id']}/test").json()
    assert (result["ok"], result["error"]) == (False, "url_private_address")
    assert fake.received == []
    # Switched off, a channel can still be tested (to check it before switching it on).
    _allow_private(client)
    client.patch(f"{API}/{created['id']}", json={"active": False})
    assert client.post(f"{API}/{created['id']}/test").json()["ok"] is True
    assert len(fake.received) == 1
    assert FEISHU_HOOK not in str(client.get(API).json())
