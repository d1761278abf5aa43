"""Authentication hardening through HTTP: password policy, lock-out, rate limit, TOTP, sessions,
API key scopes and expiry, security headers, and no secret in the logs."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.auth import AuthService, check_password_policy, token_hash
from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.tenancy import Platform, utcnow
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "too_short"),
        ("onlyletters", "weak_password"),
        ("1234567890", "password_common"),
        ("password1", "password_common"),
    ],
)
def test_password_policy_rejects_weak_passwords(password: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_password_policy(password, "li.lei@example.com")
    assert code in [e.code for e in raised.value.errors]
    assert all(e.field == "password" for e in raised.value.errors)


def test_password_policy_rejects_the_email_and_accepts_good_ones() -> None:
    with pytest.raises(ValidationFailed):
        check_password_policy("li.lei@example.com", "li.lei@example.com")
    check_password_policy(ADMIN_PASSWORD, "li.lei@example.com")
    check_password_policy("客易CRM-2026", None)


def test_weak_password_for_a_new_user_is_refused_and_nothing_is_written(
    platform: Platform, tenant: TenantInfo
) -> None:
    with pytest.raises(ValidationFailed):
        add_user(platform, tenant, email="weak@example.com", name="Weak", password="password1")
    with platform.db.control.connect() as conn:
        t = platform.t["identity"]
        assert (
            conn.execute(sa.select(t.c.id).where(t.c.email == "weak@example.com")).first() is None
        )


def test_lockout_after_repeated_failures(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    add_user(platform, tenant, email="target@example.com", name="Target", password=ADMIN_PASSWORD)
    with TestClient(app) as attacker:
        for _ in range(5):
            wrong = attacker.post(
                "/api/v1/auth/login", json={"email": "target@example.com", "password": "guess-123"}
            )
            assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"
        # Locked: the right password is refused too, with a 429 that says why.
        locked = attacker.post(
            "/api/v1/auth/login", json={"email": "target@example.com", "password": ADMIN_PASSWORD}
        )
        assert locked.status_code == 429 and locked.json()["code"] == "locked"
    # Once the lock has passed, the right password works and the counter starts again.
    t = platform.t["identity"]
    with platform.db.control.begin() as conn:
        conn.execute(
            sa.update(t)
            .where(t.c.email == "target@example.com")
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    with TestClient(app) as owner:
        login(owner, "target@example.com")
    with platform.db.control.connect() as conn:
        row = conn.execute(
            sa.select(t.c.failed_logins, t.c.locked_until).where(t.c.email == "target@example.com")
        ).one()
    assert row.failed_logins == 0 and row.locked_until is None


def test_login_rate_limit_per_address(platform: Platform, tenant: TenantInfo) -> None:
    strict = create_app(replace(platform.settings, login_attempts_per_minute=3), platform)
    # Its own address: counts are shared with every other test's clients (as across processes).
    with TestClient(strict, client=(f"198.51.100.{uuid.uuid4().int % 250 + 1}", 1)) as sprayer:
        codes = [
            sprayer.post(
                "/api/v1/auth/login", json={"email": f"nobody{i}@example.com", "password": "x"}
            ).status_code
            for i in range(4)
        ]
    assert codes == [401, 401, 401, 429]


def test_totp_two_factor_flow(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    email = admin_email_of(platform, tenant)
    with TestClient(app) as user:
        login(user, email)
        setup = user.post("/api/v1/auth/totp/setup")
        assert setup.status_code == 200
        secret = setup.json()["secret"]
        assert setup.json()["uri"].startswith("otpauth://totp/")
        # Not enabled until confirmed; a wrong code is a field error.
        bad = user.post("/api/v1/auth/totp/enable", json={"code": "000000"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
        login(user, email)  # still one factor
        ok = user.post("/api/v1/auth/totp/enable", json={"code": pyotp.TOTP(secret).now()})
        assert ok.status_code == 204
    with TestClient(app) as browser:
        needs = browser.post(
            "/api/v1/auth/login", json={"email": email, "password": ADMIN_PASSWORD}
        )
        assert needs.status_code == 401 and needs.json()["code"] == "totp_required"
        wrong = browser.post(
            "/api/v1/auth/login",
            json={"email": email, "password": ADMIN_PASSWORD, "totp": "123456"},
        )
        assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"
        right = browser.post(
            "/api/v1/auth/login",
            json={"email": email, "password": ADMIN_PASSWORD, "totp": pyotp.TOTP(secret).now()},
        )
        assert right.status_code == 200
        browser.headers["Authorization"] = f"Bearer {right.json()['token']}"
        browser.cookies.clear()
        refused = browser.post("/api/v1/auth/totp/disable", json={"password": "not-it-123"})
        assert refused.status_code == 422
        assert (
            browser.post("/api/v1/auth/totp/disable", json={"password": ADMIN_PASSWORD}).status_code
            == 204
        )
    with TestClient(app) as again:
        login(again, email)


def test_logout_everywhere_revokes_every_session(
    app, platform: Platform, tenant: TenantInfo
) -> None:  # type: ignore[no-untyped-def]
    email = admin_email_of(platform, tenant)
    with TestClient(app) as laptop, TestClient(app) as phone:
        login(laptop, email)
        login(phone, email)
        assert phone.get("/api/v1/me").status_code == 200
        assert laptop.post("/api/v1/auth/logout-everywhere").status_code == 204
        assert laptop.get("/api/v1/me").status_code == 401
        assert phone.get("/api/v1/me").status_code == 401


def test_expired_session_is_refused(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as user:
        token = login(user, admin_email_of(platform, tenant))
        s = platform.t["session"]
        with platform.db.control.begin() as conn:
            conn.execute(
                sa.update(s)
                .where(s.c.token_hash == token_hash(token))
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
        assert user.get("/api/v1/me").status_code == 401


def test_api_key_scopes_and_expiry(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as admin:
        login(admin, admin_email_of(platform, tenant))
        user_id = admin.get("/api/v1/me").json()["user"]["id"]
    auth = AuthService(platform)
    reader = auth.create_api_key(tenant.id, user_id, "reporting", scope="read")
    expired = auth.create_api_key(
        tenant.id, user_id, "old", expires_at=utcnow() - timedelta(days=1)
    )
    with pytest.raises(ValidationFailed):
        auth.create_api_key(tenant.id, user_id, "bad", scope="admin")
    with TestClient(app) as integration:
        integration.headers["Authorization"] = f"Bearer {reader}"
        assert integration.get("/api/v1/records/account").status_code == 200
        refused = integration.post("/api/v1/records/account", json={"name": "Nope"})
        assert refused.status_code == 403 and refused.json()["code"] == "read_only_key"
        integration.headers["Authorization"] = f"Bearer {expired}"
        assert integration.get("/api/v1/records/account").status_code == 401
    # Only a hash of the key is stored.
    with platform.db.control.connect() as conn:
        stored = conn.execute(sa.select(platform.t["api_key"])).mappings().all()
    assert stored and all(reader not in str(dict(row).values()) for row in stored)


def test_security_headers_and_no_secret_in_logs(
    app,  # type: ignore[no-untyped-def]
    platform: Platform,
    tenant: TenantInfo,
    caplog: pytest.LogCaptureFixture,
) -> None:
    email = admin_email_of(platform, tenant)
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as browser:
        response = browser.post(
            "/api/v1/auth/login", json={"email": email, "password": ADMIN_PASSWORD}
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        token = response.json()["token"]
        browser.post("/api/v1/auth/login", json={"email": email, "password": "Wrong-pass-1"})
    logged = caplog.text
    assert ADMIN_PASSWORD not in logged and "Wrong-pass-1" not in logged and token not in logged
