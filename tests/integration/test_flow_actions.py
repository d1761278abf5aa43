"""The flow actions that reach outside the record: send an email (a real SMTP server), call a
webhook (a local receiver, signature verified), submit for approval."""

from __future__ import annotations

import email
import mailbox
import random
from collections.abc import Iterator
from dataclasses import replace
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture
from tests.integration.test_webhooks import Receiver, receiver  # noqa: F401 - a fixture

LABELS = {"en": "Flow", "zh-CN": "流程"}


def _flow(name: str, trigger: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "labels": LABELS, "trigger": trigger, "actions": actions}


def _run(platform: Platform, tenant: TenantInfo) -> list[Any]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(2))
    try:
        return worker.run_until_idle()
    finally:
        worker.stop()


@pytest.fixture
def mailing(
    platform: Platform,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> Iterator[Platform]:
    """The same databases, as an installation with an SMTP relay (the test's real server)."""
    port, _ = smtp_server
    settings = replace(
        platform.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_from="Keyi <crm@example.com>"
    )
    configured = Platform(settings)
    try:
        yield configured
    finally:
        configured.dispose()


def test_send_email_renders_the_template_and_sends_to_the_records_address(
    client: TestClient,
    mailing: Platform,
    tenant: TenantInfo,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    flow = _flow(
        "welcome_contact",
        {"type": "record", "object": "contact", "events": ["created"]},
        [
            {
                "type": "send_email",
                "to_fields": ["email"],
                "subject": {"zh-CN": "欢迎，{{ record.name }}", "en": "Welcome, {{ record.name }}"},
                "text": {
                    "zh-CN": "您好 {{ record.name }}，感谢关注。",
                    "en": "Hello {{ record.name }}",
                },
            }
        ],
    )
    bad = {**flow, "name": "bad", "actions": [{**flow["actions"][0], "to_fields": ["name"]}]}
    answer = client.post("/api/v1/flows", json=bad)
    assert answer.status_code == 422
    assert {e["field"]: e["code"] for e in answer.json()["errors"]} == {
        "actions.0.to_fields.0": "flow_not_an_email_field"
    }
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    account = client.post("/api/v1/records/account", json={"name": "邮件客户"}).json()
    contact = client.post(
        "/api/v1/records/contact",
        json={"name": "王芳", "email": "wang.fang@example.com", "account": account["id"]},
    )
    assert contact.status_code == 201, contact.text
    outcomes = _run(mailing, tenant)
    assert sorted(o.kind for o in outcomes) == ["flow.email", "flow.run"]
    [message] = list(mailbox.Maildir(str(maildir), create=False))
    assert str(make_header(decode_header(message["Subject"]))) == "欢迎，王芳"
    assert message["To"] == "wang.fang@example.com"
    parsed = email.message_from_bytes(message.as_bytes())
    body = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
    assert "您好 王芳，感谢关注。" in body.get_payload(decode=True).decode()


def test_call_webhook_sends_a_signed_flow_event(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    receiver: Receiver,  # noqa: F811
) -> None:
    assert (
        client.patch("/api/v1/webhooks/settings", json={"allow_private": True}).status_code == 200
    )
    hook = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["lead.*"]}).json()
    missing = _flow(
        "bad_hook",
        {"type": "record", "object": "lead", "events": ["created"]},
        [{"type": "call_webhook", "webhook_id": "00000000-0000-0000-0000-000000000000"}],
    )
    answer = client.post("/api/v1/flows", json=missing)
    assert {e["field"]: e["code"] for e in answer.json()["errors"]} == {
        "actions.0.webhook_id": "record_not_found"
    }
    flow = _flow(
        "hot_lead",
        {
            "type": "record",
            "object": "lead",
            "events": ["created"],
            "condition": "CONTAINS(name, '急')",
        },
        [{"type": "call_webhook", "webhook_id": hook["id"]}],
    )
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    lead = client.post("/api/v1/records/lead", json={"name": "急单 张三"}).json()
    _run(platform, tenant)
    flow_hits = []
    for hit in receiver.hits:
        verified = Webhook(hook["secret"]).verify(hit.body, hit.headers)
        if verified["type"] == "flow.hot_lead":
            flow_hits.append(verified)
    assert [(h["data"]["object"], h["data"]["id"]) for h in flow_hits] == [("lead", lead["id"])]
    assert flow_hits[0]["data"]["record"]["name"] == "急单 张三"


def test_submit_for_approval_submits_as_the_records_owner(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    boss = add_user(
        platform,
        tenant,
        email=f"boss-{tenant.name}@fa.example",
        name="经理",
        password=ADMIN_PASSWORD,
    )
    rep = add_user(
        platform,
        tenant,
        email=f"rep-{tenant.name}@fa.example",
        name="销售",
        password=ADMIN_PASSWORD,
        extra={"manager": boss["id"]},
    )
    process = {
        "name": "big",
        "labels": LABELS,
        "object": "opportunity",
        "steps": [{"labels": LABELS, "approvers": [{"type": "manager"}]}],
    }
    assert client.post("/api/v1/approval-processes", json=process).status_code == 201
    flow = _flow(
        "auto_submit",
        {
            "type": "record",
            "object": "opportunity",
            "events": ["created"],
            "condition": "amount >= 1000000",
        },
        [{"type": "submit_for_approval", "comment": "自动提交：金额超过一百万"}],
    )
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    account = client.post("/api/v1/records/account", json={"name": "大客户"}).json()
    deal = client.post(
        "/api/v1/records/opportunity",
        json={
            "name": "百万单",
            "account": account["id"],
            "close_date": "2026-12-31",
            "amount": "1500000",
            "owner_id": rep["id"],
        },
    ).json()
    _run(platform, tenant)
    [approval] = client.get(f"/api/v1/records/opportunity/{deal['id']}/approvals").json()[
        "approvals"
    ]
    assert (approval["status"], approval["submitter_id"]) == ("pending", rep["id"])
    with TestClient(app) as manager:
        login(manager, f"boss-{tenant.name}@fa.example", tenant=tenant.name)
        assert manager.get("/api/v1/approvals/counts").json() == {"pending": 1}
