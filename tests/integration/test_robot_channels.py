"""Robot channels end to end: Setup's API (validation, masking, encryption at rest, audit,
permissions), the test send to the fake WeCom, DingTalk and Feishu robots of robot_fakes (each
checks the request shape and recomputes the signature itself), and flows whose
``post_to_robot`` action reaches a fake robot through the ``robot.send`` job.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.audit import audit_table
from keyi.platform.automation.robots import ROBOT_RETRY
from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.jobs import job_table
from keyi.platform.jobs.worker import Worker
from keyi.platform.notify.table import robot_channel_table
from keyi.platform.notify.transport import checked_client
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.robot_fakes import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    WECOM_KEY,
    FakeVendor,
    Received,
    dingtalk,
    dingtalk_url,
    feishu,
    feishu_signature,
    feishu_url,
    wecom,
    wecom_url,
)
from tests.integration.test_webhooks import Clock

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


def test_the_client_connects_only_to_the_addresses_it_checked(serve: Any) -> None:
    """The name is resolved once, by the SSRF check; the request goes to a checked address with
    the name kept in the Host header, and a request for any other host is refused."""
    fake = serve(wecom)
    port = fake.base_url.rsplit(":", 1)[1]
    url = f"http://localhost:{port}/cgi-bin/webhook/send?key={WECOM_KEY}"
    with pytest.raises(ValidationFailed) as refused:
        checked_client(url, allow_private=False)
    assert [(e.field, e.code) for e in refused.value.errors] == [("url", "url_private_address")]
    with checked_client(url, allow_private=True) as client:
        answer = client.post(url, json={"msgtype": "text", "text": {"content": "hi"}})
        assert answer.json() == {"errcode": 0, "errmsg": "ok"}
        assert fake.received[-1].headers["host"] == f"localhost:{port}"
        with pytest.raises(httpx.ConnectError, match="not the checked host"):
            client.post(f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={WECOM_KEY}", json={})
    assert len(fake.received) == 1


# ---------------------------------------------------------------- flows posting to robots
LABELS = {"en": "Won to the group", "zh-CN": "赢单通知群"}
WON = {
    "type": "record",
    "object": "opportunity",
    "events": ["updated"],
    "condition": "stage = 'won'",
    "only_when_starting_to_match": True,
}
TITLE = {"zh-CN": "商机“{{ record.name }}”已赢单", "en": "{{ record.name }} was won"}
TEXT = {
    "zh-CN": "金额：{{ record.amount | money('CNY') }}\n{{ flow }}",
    "en": "Amount: {{ record.amount | money('CNY') }}",
}


@pytest.fixture
def public(platform: Platform) -> Iterator[Platform]:
    """The same databases as an installation with a public address (links in messages)."""
    configured = Platform(replace(platform.settings, public_url="https://crm.example.com/"))
    try:
        yield configured
    finally:
        configured.dispose()


def _run(platform: Platform, tenant: TenantInfo, clock: Clock | None = None) -> list[Any]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(5), clock=clock or Clock())
    try:
        return worker.run_until_idle()
    finally:
        worker.stop()


def _robot_flow(channel_id: str, name: str = "won_robot") -> dict[str, Any]:
    return {
        "name": name,
        "labels": LABELS,
        "trigger": WON,
        "actions": [
            {"type": "post_to_robot", "channel_id": channel_id, "title": TITLE, "text": TEXT}
        ],
    }


def _win(client: TestClient, name: str = "华为云年度框架") -> dict[str, Any]:
    account = client.post("/api/v1/records/account", json={"name": "恒芯科技"}).json()
    body = {
        "name": name,
        "account": account["id"],
        "close_date": "2026-12-31",
        "amount": "880000",
        "stage": "negotiation",
    }
    created = client.post("/api/v1/records/opportunity", json=body)
    assert created.status_code == 201, created.text
    opportunity = created.json()
    won = client.patch(
        f"/api/v1/records/opportunity/{opportunity['id']}",
        json={"stage": "won"},
        headers={"If-Match": str(opportunity["version"])},
    )
    assert won.status_code == 200, won.text
    return dict(opportunity)


def _runs(client: TestClient, flow_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/flows/{flow_id}/runs")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["runs"])


def test_flows_naming_a_missing_or_switched_off_channel_or_a_bad_template_are_refused(
    client: TestClient,
) -> None:
    channel = _create(
        client, name="群", vendor="wecom", url="https://1.1.1.1/cgi-bin/webhook/send?key=k"
    )
    missing = client.post("/api/v1/flows", json=_robot_flow(str(uuid.uuid4())))
    assert _errors(missing) == [("actions.0.channel_id", "robot_channel_not_found")]
    bad = _robot_flow(channel["id"])
    bad["actions"][0]["title"] = {"zh-CN": "{{ record.name }", "en": "{{ recrod.name }}"}
    bad["actions"][0]["text"] = {"en": "x"}
    assert set(_errors(client.post("/api/v1/flows", json=bad))) == {
        ("actions.0.title.zh-CN", "invalid_template"),
        ("actions.0.title.en", "unknown_merge_field"),
        ("actions.0.text.zh-CN", "missing_locale"),
    }
    client.patch(f"{API}/{channel['id']}", json={"active": False})
    off = client.post("/api/v1/flows", json=_robot_flow(channel["id"]))
    assert _errors(off) == [("actions.0.channel_id", "robot_channel_inactive")]
    names = {f["name"] for f in client.get("/api/v1/flows").json()["flows"]}
    assert "won_robot" not in names  # nothing half-saved

    # Saved against a channel that is on, the channel cannot be deleted under the flow.
    client.patch(f"{API}/{channel['id']}", json={"active": True})
    flow = client.post("/api/v1/flows", json=_robot_flow(channel["id"]))
    assert flow.status_code == 201, flow.text
    in_use = client.delete(f"{API}/{channel['id']}")
    assert in_use.status_code == 409 and in_use.json()["code"] == "robot_channel_in_use"
    assert "won_robot" in in_use.json()["detail"]
    assert client.delete(f"/api/v1/flows/{flow.json()['id']}").status_code == 204
    assert client.delete(f"{API}/{channel['id']}").status_code == 204


def test_a_won_opportunity_posts_a_signed_message_with_rendered_fields_to_dingtalk(
    client: TestClient, public: Platform, tenant: TenantInfo, serve: Any
) -> None:
    fake = serve(dingtalk)
    _allow_private(client)
    channel = _create(
        client, name="销售群", vendor="dingtalk", url=dingtalk_url(fake), secret=DINGTALK_SECRET
    )
    flow = client.post("/api/v1/flows", json=_robot_flow(channel["id"]))
    assert flow.status_code == 201, flow.text
    opportunity = _win(client)

    outcomes = _run(public, tenant)
    assert [(o.kind, o.status) for o in outcomes] == [("flow.run", "done"), ("robot.send", "done")]
    [request] = fake.received  # the fake checked the access token and recomputed the sign
    assert request.query["timestamp"][0].isdigit() and request.query["sign"]
    link = f"https://crm.example.com/o/opportunity/{opportunity['id']}"
    assert request.body == {
        "msgtype": "markdown",
        "markdown": {
            "title": "商机“华为云年度框架”已赢单",
            "text": f"#### [商机“华为云年度框架”已赢单]({link})\n\n金额：¥880,000.00\n赢单通知群",
        },
    }
    [run] = _runs(client, flow.json()["id"])
    assert run["status"] == "done" and run["error"] is None
    [step] = run["steps"]
    assert step["type"] == "post_to_robot" and step["outcome"] == "done", step
    assert (step["channel_id"], step["channel"]) == (channel["id"], "销售群")
    assert (step["attempts"], step["status_code"]) == (1, 200)
    shown = client.get(f"{API}/{channel['id']}").json()
    assert shown["last_status"] == "ok" and shown["last_error"] is None
    # The job carried the rendered message and the channel's id, never its credentials.
    with public.db.tenant_transaction(tenant.location, write=False) as conn:
        payloads = str(conn.execute(sa.select(job_table.c.payload)).scalars().all())
    assert DINGTALK_TOKEN not in payloads and DINGTALK_SECRET not in payloads


def test_a_vendors_refusal_is_recorded_in_the_run_and_not_retried(
    client: TestClient, platform: Platform, tenant: TenantInfo, serve: Any
) -> None:
    fake = serve(feishu)
    _allow_private(client)
    channel = _create(
        client, name="飞书群", vendor="feishu", url=feishu_url(fake), secret="not-the-secret"
    )
    flow = client.post("/api/v1/flows", json=_robot_flow(channel["id"])).json()
    _win(client, name="年度框架")
    outcomes = _run(platform, tenant)
    assert [(o.kind, o.status) for o in outcomes] == [("flow.run", "done"), ("robot.send", "done")]
    assert len(fake.received) == 1  # a configuration error: no retry
    [run] = _runs(client, flow["id"])
    [step] = run["steps"]
    refusal = "feishu error 19021: sign match fail or timestamp is not within one hour"
    assert step["outcome"] == "failed" and step["error"].startswith(refusal), step
    assert step["attempts"] == 1 and step["status_code"] == 200
    assert run["status"] == "done"  # the run's other actions happened; the step says what failed
    assert run["error"].startswith(f"action 1 (post_to_robot): {refusal}")
    shown = client.get(f"{API}/{channel['id']}").json()
    assert shown["last_status"] == "failed" and shown["last_error"].startswith(refusal)
    # The signature the fake received was made with the configured (wrong) secret.
    body = fake.received[0].body
    assert body["sign"] == feishu_signature("not-the-secret", body["timestamp"])
    assert body["content"]["post"]["zh_cn"]["title"] == "商机“年度框架”已赢单"


def test_a_rate_limited_message_is_retried_with_backoff_until_the_robot_takes_it(
    client: TestClient, platform: Platform, tenant: TenantInfo, serve: Any
) -> None:
    answers = [(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})]

    def busy_then_fine(request: Received) -> tuple[int, dict[str, Any]]:
        return answers.pop(0) if answers else dingtalk(request)

    fake = serve(busy_then_fine)
    _allow_private(client)
    channel = _create(
        client, name="钉钉群", vendor="dingtalk", url=dingtalk_url(fake), secret=DINGTALK_SECRET
    )
    flow = client.post("/api/v1/flows", json=_robot_flow(channel["id"])).json()
    _win(client)
    clock = Clock()
    outcomes = _run(platform, tenant, clock)
    assert [(o.kind, o.status) for o in outcomes] == [
        ("flow.run", "done"),
        ("robot.send", "pending"),  # failed, back in the queue after a backoff
    ]
    [run] = _runs(client, flow["id"])
    assert run["steps"][0]["outcome"] == "pending"
    assert _run(platform, tenant, clock) == []  # not due yet
    clock.advance(seconds=ROBOT_RETRY.first.total_seconds() + 1)
    assert [(o.kind, o.status) for o in _run(platform, tenant, clock)] == [("robot.send", "done")]
    assert len(fake.received) == 2
    [run] = _runs(client, flow["id"])
    step = run["steps"][0]
    assert (step["outcome"], step["attempts"]) == ("done", 2) and run["error"] is None


def test_a_switched_off_channel_skips_the_message_and_a_schedule_posts_without_a_record(
    client: TestClient, platform: Platform, tenant: TenantInfo, serve: Any
) -> None:
    fake = serve(wecom)
    _allow_private(client)
    channel = _create(client, name="企微群", vendor="wecom", url=wecom_url(fake), markdown=False)
    flow = client.post("/api/v1/flows", json=_robot_flow(channel["id"])).json()
    client.patch(f"{API}/{channel['id']}", json={"active": False})
    _win(client)
    _run(platform, tenant)
    assert fake.received == []
    [run] = _runs(client, flow["id"])
    assert run["steps"][0]["outcome"] == "skipped"
    assert run["steps"][0]["reason"] == "robot_channel_inactive"

    # A scheduled flow without an object posts with no record (and no link).
    client.patch(f"{API}/{channel['id']}", json={"active": True})
    daily = {
        "name": "daily_robot",
        "labels": {"en": "Daily", "zh-CN": "每日提醒"},
        "trigger": {"type": "schedule", "cron": "0 9 * * *"},
        "actions": [
            {
                "type": "post_to_robot",
                "channel_id": channel["id"],
                "title": {"zh-CN": "早上好"},
                "text": {"zh-CN": "今日待办请查看 {{ flow }}"},
            }
        ],
    }
    saved = client.post("/api/v1/flows", json=daily)
    assert saved.status_code == 201, saved.text
    clock = Clock()
    clock.advance(days=1)
    _run(platform, tenant, clock)
    [request] = fake.received
    assert request.body == {
        "msgtype": "text",
        "text": {"content": "早上好\n今日待办请查看 每日提醒"},
    }
