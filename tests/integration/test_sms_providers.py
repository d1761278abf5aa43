"""Setup › SMS and the vendor adapters end to end: settings saved with the secret encrypted and
never returned or logged, test sends signed as Alibaba Cloud and Tencent Cloud document it and
checked by stand-ins that verify the signature themselves, a wrong secret refused, the vendors'
flow-control answers passed on."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.sms.table import sms_config_table
from keyi.platform.tenancy import Platform
from tests.integration.sms_helpers import vendor

pytestmark = pytest.mark.packages("core", "sales", "marketing")
SECRET = "s3cret-key"


def allow_local(client: TestClient) -> None:
    """The stand-ins listen on 127.0.0.1: the tenant allows private targets (as for webhooks)."""
    response = client.patch("/api/v1/webhooks/settings", json={"allow_private": True})
    assert response.status_code == 200, response.text


def configure(client: TestClient, **values: Any) -> dict[str, Any]:
    response = client.put("/api/v1/sms/settings", json=values)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_send(client: TestClient, **extra: Any) -> dict[str, Any]:
    body = {"phone": "138 1234 5678", "template_code": "SMS_1001", "params": {"code": "4321"}}
    response = client.post("/api/v1/sms/test", json={**body, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


test_send.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def stored_secret(platform: Platform, tenant: TenantInfo) -> str:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        return str(ctx.conn.execute(sa.select(sms_config_table.c.access_key_secret)).scalar_one())


def test_aliyun_signed_send_verified_by_the_stand_in(
    client: TestClient, platform: Platform, tenant: TenantInfo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    allow_local(client)
    with vendor("aliyun", secret=SECRET) as aliyun:
        settings = configure(
            client,
            provider="aliyun",
            base_url=aliyun.url,
            access_key_id=aliyun.key_id,
            access_key_secret=SECRET,
            sign_name="客易科技",
        )
        assert settings["has_secret"] is True and "access_key_secret" not in settings
        answer = test_send(client)
        assert answer["ok"] is True, answer
        assert answer["message_id"] == "1^0"
        assert aliyun.received == [
            {
                "phone": "13812345678",
                "sign": "客易科技",
                "template": "SMS_1001",
                "params": {"code": "4321"},
                "out_id": None,
            }
        ]
        # The vendor's flow control comes back as it is, marked as such.
        aliyun.refuse_with = "isv.BUSINESS_LIMIT_CONTROL"
        refused = test_send(client)
        assert refused["ok"] is False
        assert refused["error_code"] == "isv.BUSINESS_LIMIT_CONTROL"
        aliyun.refuse_with = None
        # A tampered secret: the stand-in's own computation disagrees.
        configure(client, access_key_secret=SECRET + "x")
        wrong = test_send(client)
        assert wrong["ok"] is False and wrong["error_code"] == "SignatureDoesNotMatch"
        assert aliyun.bad_signatures == 1
    shown = client.get("/api/v1/sms/settings")
    assert shown.json()["last_test_status"] == "failed"
    assert "SignatureDoesNotMatch" in shown.json()["last_test_error"]
    # Encrypted at rest, never in an answer, the audit log or the log.
    assert stored_secret(platform, tenant).startswith("fernet:")
    assert SECRET not in shown.text
    assert SECRET not in caplog.text
    audit = client.get("/api/v1/audit")
    assert audit.status_code == 200 and "sms.settings" in audit.text
    assert SECRET not in audit.text


def test_tencent_signed_send_verified_by_the_stand_in(
    client: TestClient, platform: Platform, tenant: TenantInfo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    allow_local(client)
    with vendor("tencent", key_id="AKIDtest", secret=SECRET) as tencent:
        configure(
            client,
            provider="tencent",
            base_url=tencent.url,
            access_key_id="AKIDtest",
            access_key_secret=SECRET,
            sdk_app_id="1400006666",
            sign_name="客易科技",
        )
        answer = test_send(client, params={"1": "4321", "2": "5"})
        assert answer["ok"] is True, answer
        assert answer["message_id"] == "2028:1"
        assert tencent.received == [
            {
                "phone": "+8613812345678",
                "sign": "客易科技",
                "template": "SMS_1001",
                "params": ["4321", "5"],
                "app": "1400006666",
            }
        ]
        tencent.refuse_with = "LimitExceeded.PhoneNumberOneHourLimit"
        refused = test_send(client)
        assert refused["error_code"] == "LimitExceeded.PhoneNumberOneHourLimit"
        tencent.refuse_with = None
        configure(client, access_key_secret="another-secret")
        wrong = test_send(client)
        assert wrong["ok"] is False and wrong["error_code"] == "AuthFailure.SignatureFailure"
        assert tencent.bad_signatures == 1
    assert SECRET not in caplog.text and "another-secret" not in caplog.text
    assert stored_secret(platform, tenant).startswith("fernet:")


def test_settings_validation_and_access(client: TestClient, app: Any) -> None:
    shown = client.get("/api/v1/sms/settings").json()
    assert shown["provider"] == "log" and shown["has_secret"] is False
    assert shown["opt_out_keywords"] == ["TD", "T", "退订", "STOP", "UNSUBSCRIBE"]
    bad = client.put(
        "/api/v1/sms/settings",
        json={"provider": "carrier-pigeon", "rate_per_minute": 0, "colour": "red"},
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"provider", "rate_per_minute", "colour"}
    missing = client.put("/api/v1/sms/settings", json={"provider": "tencent"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {
        "access_key_id",
        "access_key_secret",
        "sdk_app_id",
    }
    private = client.put("/api/v1/sms/settings", json={"base_url": "http://127.0.0.1:9/"})
    assert private.status_code == 422
    assert private.json()["errors"][0]["field"] == "base_url"
    # Nothing was written by the refused requests.
    assert client.get("/api/v1/sms/settings").json()["provider"] == "log"
    # The log provider: a test send succeeds without sending anything.
    logged = test_send(client)
    assert logged["ok"] is True and logged["provider"] == "log"
    anonymous = TestClient(app)
    assert anonymous.get("/api/v1/sms/settings").status_code == 401
