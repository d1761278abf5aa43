"""Marketing SMS: template validation, the send_sms action (consent, opt-out, number,
idempotency), campaigns (skip counts, rate limit, one start), and opt-out replies through the
public callback honoured by later sends."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.sms.settings import inbound_token
from keyi.platform.sms.table import sms_message_table
from keyi.platform.tenancy import Platform
from tests.integration.sms_helpers import vendor

pytestmark = pytest.mark.packages("core", "sales", "marketing")
R = "/api/v1/records"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def create(client: TestClient, object_name: str, **values: Any) -> dict[str, Any]:
    return dict(ok(client.post(f"{R}/{object_name}", json=values), 201))


def template(client: TestClient, **values: Any) -> dict[str, Any]:
    base = {
        "name": "Event invitation",
        "object": "contact",
        "template_code": "SMS_2001",
        "sign_name": "客易科技",
        "body": "${name}您好，诚邀您参加{event}。",
        "variables": [{"name": "name", "field": "name"}, {"name": "event", "field": "title"}],
    }
    return create(client, "sms_template", **{**base, **values})


def person(client: TestClient, name: str, **values: Any) -> dict[str, Any]:
    base = {"mobile": "13800000000", "consent": "granted", "title": "年度大会"}
    return create(client, "contact", name=name, **{**base, **values})


def run_jobs(platform: Platform, tenant: TenantInfo) -> list[str]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(5))
    try:
        return [o.kind for o in worker.run_until_idle()]
    finally:
        worker.stop()


def message_rows(platform: Platform, tenant: TenantInfo) -> list[dict[str, Any]]:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        rows = ctx.conn.execute(sa.select(sms_message_table).order_by(sms_message_table.c.phone))
        return [dict(r._mapping) for r in rows]


def test_template_validation(client: TestClient) -> None:
    saved = template(client)
    # 【客易科技】 (6) + the text without its variables (9).
    assert saved["char_count"] == 15 and saved["segments"] == 1
    unknown = client.post(
        f"{R}/sms_template",
        json={
            "name": "x",
            "template_code": "SMS_1",
            "body": "{name} {shoe_size}",
            "variables": [
                {"name": "name", "field": "name"},
                {"name": "shoe_size", "field": "shoe_size"},
            ],
        },
    )
    assert unknown.status_code == 422
    errors = unknown.json()["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {("variables", "unknown_field")}
    unmapped = client.post(
        f"{R}/sms_template",
        json={"name": "x", "template_code": "SMS_1", "body": "{name}您好 {code}", "variables": []},
    )
    assert {e["code"] for e in unmapped.json()["errors"]} == {"variable_unmapped"}
    lookup = client.post(
        f"{R}/sms_template",
        json={
            "name": "x",
            "template_code": "SMS_1",
            "body": "{a}",
            "variables": [{"name": "a", "field": "account"}],
        },
    )
    assert {e["code"] for e in lookup.json()["errors"]} == {"field_not_usable"}
    # A variable named as a field of the recipients is filled from it without a mapping.
    named = template(client, body="{name}您好，{title}", variables=None)
    assert named["variables"] == [
        {"field": "name", "name": "name"},
        {"field": "title", "name": "title"},
    ]
    long = template(client, body="好" * 80, variables=[])
    assert long["segments"] == 2  # 86 characters with the sign: two parts of 67
    # An update is checked against the stored values it does not change.
    changed = client.patch(f"{R}/sms_template/{saved['id']}", json={"body": "{name}{other}"})
    assert changed.status_code == 422


def test_send_sms_to_a_contact(client: TestClient, platform: Platform, tenant: TenantInfo) -> None:
    ok(client.patch("/api/v1/webhooks/settings", json={"allow_private": True}))
    with vendor("aliyun") as aliyun:
        ok(
            client.put(
                "/api/v1/sms/settings",
                json={
                    "provider": "aliyun",
                    "base_url": aliyun.url,
                    "access_key_id": aliyun.key_id,
                    "access_key_secret": aliyun.secret,
                    "sign_name": "默认签名",
                },
            )
        )
        invite = template(client)
        li = person(client, "李雷", mobile="+86 139-0000-1111")
        key = str(uuid.uuid4())
        url = f"{R}/contact/{li['id']}/send_sms"
        first = ok(client.post(url, json={"template": invite["id"], "request_key": key}))
        assert first["status"] == "sent" and first["duplicate"] is False
        assert first["text"] == "【客易科技】李雷您好，诚邀您参加年度大会。"
        assert aliyun.received[0]["params"] == {"name": "李雷", "event": "年度大会"}
        assert aliyun.received[0]["phone"] == "13900001111"
        # A double click (same key) sends once and answers the first message.
        again = ok(client.post(url, json={"template": invite["id"], "request_key": key}))
        assert again["duplicate"] is True and again["message_id"] == first["message_id"]
        # Without a key, the same template again within a minute is the same message.
        unkeyed = ok(client.post(url, json={"template": invite["id"]}))
        assert unkeyed["duplicate"] is True
        assert len(aliyun.received) == 1
        # Refusals: opted out, no consent, no number (409, nothing sent).
        for values, code in (
            ({"sms_opt_out": True}, "sms_opted_out"),
            ({"consent": "withdrawn"}, "sms_no_consent"),
            ({"mobile": "12345"}, "sms_no_number"),
        ):
            other = person(client, "韩梅梅", **values)
            refused = client.post(
                f"{R}/contact/{other['id']}/send_sms", json={"template": invite["id"]}
            )
            assert refused.status_code == 409 and refused.json()["code"] == code
        lead_template = client.post(
            f"{R}/contact/{li['id']}/send_sms",
            json={"template": template(client, object="lead", variables=[], body="hi")["id"]},
        )
        assert lead_template.status_code == 422
        assert len(aliyun.received) == 1
    listed = ok(client.get(f"{R}/contact/{li['id']}/sms_messages"))["items"]
    assert [(m["status"], m["text"]) for m in listed] == [("sent", first["text"])]
    assert listed[0]["provider_message_id"] == "1^0"
    rows = message_rows(platform, tenant)
    assert [r["status"] for r in rows] == ["sent"]
    assert rows[0]["provider_message_id"] == "1^0" and rows[0]["segments"] == 1


def campaign_for(client: TestClient, **values: Any) -> dict[str, Any]:
    segment = create(client, "segment", name="Everyone", object="contact", type="dynamic")
    return create(
        client,
        "sms_campaign",
        name="Spring event",
        segment=segment["id"],
        template=template(client)["id"],
        **values,
    )


def test_campaign_skips_and_counts(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    person(client, "A", mobile="13800000001")
    person(client, "B", mobile="13800000002")
    person(client, "C", mobile="13800000003", sms_opt_out=True)
    person(client, "D", mobile="13800000004", consent=None)
    person(client, "E", mobile=None)
    campaign = campaign_for(client)
    url = f"{R}/sms_campaign/{campaign['id']}"
    counts = ok(client.post(f"{url}/send"))
    assert counts == {
        "status": "sending",
        "audience_count": 5,
        "queued_count": 2,
        "sent_count": 0,
        "delivered_count": 0,
        "failed_count": 0,
        "skipped_opt_out_count": 1,
        "skipped_no_consent_count": 1,
        "skipped_no_number_count": 1,
    }
    # A second click finds it sending: nothing is started twice.
    assert client.post(f"{url}/send").status_code == 409
    run_jobs(platform, tenant)
    done = ok(client.get(url))
    assert done["status"] == "sent" and done["sent_count"] == 2 and done["queued_count"] == 0
    assert done["finished_at"] is not None
    assert len(message_rows(platform, tenant)) == 5


def test_campaign_rate_limit(client: TestClient, platform: Platform, tenant: TenantInfo) -> None:
    ok(client.put("/api/v1/sms/settings", json={"rate_per_minute": 2}))
    for n in range(5):
        person(client, f"P{n}", mobile=f"1380000001{n}")
    campaign = campaign_for(client)
    ok(client.post(f"{R}/sms_campaign/{campaign['id']}/send"))
    run_jobs(platform, tenant)  # the continuation waits a minute: not due yet
    progress = ok(client.get(f"{R}/sms_campaign/{campaign['id']}"))
    assert progress["status"] == "sending"
    assert progress["sent_count"] == 2 and progress["queued_count"] == 3
    cancelled = ok(client.post(f"{R}/sms_campaign/{campaign['id']}/cancel"))
    assert cancelled["status"] == "cancelled" and cancelled["queued_count"] == 0
    assert cancelled["sent_count"] == 2


def test_opt_out_reply_is_honoured(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    wang = person(client, "王", mobile="139 1234 5678")
    zhao = person(client, "赵", mobile="13800000009")
    lead = create(client, "lead", name="王 (lead)", mobile="+86 13912345678", consent="granted")
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        aliyun_token = inbound_token(ctx, "aliyun")
        tencent_token = inbound_token(ctx, "tencent")
    public = TestClient(app)
    path = f"/api/v1/public/sms/{tenant.name}"
    push = [
        {
            "phone_number": "13912345678",
            "content": "退订",
            "send_time": "2026-12-07 10:00:00",
            "sign_name": "客易科技",
            "dest_code": "1234",
            "sequence_id": 1,
        },
        {"phone_number": "13800000009", "content": "谢谢，收到", "sequence_id": 2},
    ]
    # A wrong token, another provider's token, an unknown tenant: the same 404, nothing done.
    assert public.post(f"{path}/aliyun/inbound?token=nope", json=push).status_code == 404
    wrong = public.post(f"{path}/aliyun/inbound?token={tencent_token}", json=push)
    assert wrong.status_code == 404
    unknown = public.post(f"/api/v1/public/sms/nobody/aliyun/inbound?token={aliyun_token}")
    assert unknown.status_code == 404
    assert ok(client.get(f"{R}/contact/{wang['id']}"))["sms_opt_out"] is False
    answer = public.post(f"{path}/aliyun/inbound?token={aliyun_token}", json=push)
    assert ok(answer) == {"code": 0, "msg": "成功"}
    assert ok(client.get(f"{R}/contact/{wang['id']}"))["sms_opt_out"] is True
    assert ok(client.get(f"{R}/lead/{lead['id']}"))["sms_opt_out"] is True
    assert ok(client.get(f"{R}/contact/{zhao['id']}"))["sms_opt_out"] is False
    history = ok(client.get(f"{R}/contact/{wang['id']}/history"))
    assert "sms_opt_out" in str(history)
    # Tencent's reply callback, an English keyword as one word of the reply.
    tencent = public.post(
        f"{path}/tencent/inbound?token={tencent_token}",
        json={"mobile": "13800000009", "nationcode": "86", "text": "stop please", "sign": "x"},
    )
    assert ok(tencent) == {"result": 0, "errmsg": "OK"}
    assert ok(client.get(f"{R}/contact/{zhao['id']}"))["sms_opt_out"] is True
    # Later sends honour it: a campaign skips both, a single send is refused.
    campaign = campaign_for(client)
    counts = ok(client.post(f"{R}/sms_campaign/{campaign['id']}/send"))
    assert counts["skipped_opt_out_count"] == 2 and counts["queued_count"] == 0
    refused = client.post(
        f"{R}/contact/{wang['id']}/send_sms", json={"template": campaign["template"]}
    )
    assert refused.json()["code"] == "sms_opted_out"


def test_opt_out_between_start_and_send(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    person(client, "A", mobile="13800000021")
    later = person(client, "B", mobile="13800000022")
    campaign = campaign_for(client)
    assert ok(client.post(f"{R}/sms_campaign/{campaign['id']}/send"))["queued_count"] == 2
    ok(client.patch(f"{R}/contact/{later['id']}", json={"sms_opt_out": True}))
    run_jobs(platform, tenant)
    done = ok(client.get(f"{R}/sms_campaign/{campaign['id']}"))
    assert done["sent_count"] == 1 and done["skipped_opt_out_count"] == 1


def test_delivery_reports_update_messages_and_counters(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    ok(client.patch("/api/v1/webhooks/settings", json={"allow_private": True}))
    with vendor("aliyun") as aliyun:
        ok(
            client.put(
                "/api/v1/sms/settings",
                json={
                    "provider": "aliyun",
                    "base_url": aliyun.url,
                    "access_key_id": aliyun.key_id,
                    "access_key_secret": aliyun.secret,
                },
            )
        )
        person(client, "A", mobile="13800000031")
        person(client, "B", mobile="13800000032")
        campaign = campaign_for(client)
        ok(client.post(f"{R}/sms_campaign/{campaign['id']}/send"))
        run_jobs(platform, tenant)
        # Each person's parameters, one request per person, with our message id as OutId.
        assert sorted(r["phone"] for r in aliyun.received) == ["13800000031", "13800000032"]
        assert all(r["out_id"] and len(r["out_id"]) == 32 for r in aliyun.received)
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        token = inbound_token(ctx, "aliyun")
    report = [
        {"phone_number": "13800000031", "success": True, "err_code": "DELIVERED", "biz_id": "1^0"},
        {"phone_number": "13800000032", "success": False, "err_code": "MK:0001", "biz_id": "2^0"},
        {"phone_number": "13800000033", "success": True, "biz_id": "somebody-else"},
    ]
    public = TestClient(app)
    path = f"/api/v1/public/sms/{tenant.name}/aliyun/report"
    assert public.post(f"{path}?token=forged", json=report).status_code == 404
    assert ok(public.post(f"{path}?token={token}", json=report)) == {"code": 0, "msg": "成功"}
    done = ok(client.get(f"{R}/sms_campaign/{campaign['id']}"))
    assert done["sent_count"] == 2 and done["delivered_count"] == 1
    rows = {r["provider_message_id"]: r for r in message_rows(platform, tenant)}
    assert rows["1^0"]["status"] == "delivered" and rows["1^0"]["delivered_at"] is not None
    assert rows["2^0"]["status"] == "undelivered" and rows["2^0"]["error_code"] == "MK:0001"


def test_vendor_flow_control_requeues_the_message(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    ok(client.patch("/api/v1/webhooks/settings", json={"allow_private": True}))
    with vendor("aliyun") as aliyun:
        ok(
            client.put(
                "/api/v1/sms/settings",
                json={
                    "provider": "aliyun",
                    "base_url": aliyun.url,
                    "access_key_id": aliyun.key_id,
                    "access_key_secret": aliyun.secret,
                    "sign_name": "客易科技",
                },
            )
        )
        person(client, "A", mobile="13800000041")
        campaign = campaign_for(client)
        ok(client.post(f"{R}/sms_campaign/{campaign['id']}/send"))
        aliyun.refuse_with = "isv.BUSINESS_LIMIT_CONTROL"
        run_jobs(platform, tenant)  # refused; the retry waits a minute
    progress = ok(client.get(f"{R}/sms_campaign/{campaign['id']}"))
    assert progress["status"] == "sending" and progress["queued_count"] == 1
    assert progress["failed_count"] == 0
    (row,) = message_rows(platform, tenant)
    assert row["status"] == "queued" and row["attempts"] == 1
    assert row["error_code"] == "isv.BUSINESS_LIMIT_CONTROL"
