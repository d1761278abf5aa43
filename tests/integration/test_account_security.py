"""Account security through HTTP on both databases: password policy, the lock-out counter under
parallel failures, shared rate limits (control database and Redis) and proxy trust, session
idle timeout and Secure cookies, forgotten/changed passwords (real SMTP), and the profile."""

from __future__ import annotations

import ipaddress
import mailbox
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.auth import AuthService, token_hash
from keyi.platform.context import TenantInfo
from keyi.platform.errors import KeyiError, ValidationFailed
from keyi.platform.passwords import check_password_policy, password_problems
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform, utcnow
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import expire_link
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture

REDIS_URL = "redis://127.0.0.1:6379/0"
GOOD_PASSWORD = "Lantern-orbit-47"


@contextmanager
def configured(platform: Platform, **changes: Any) -> Iterator[tuple[Platform, Any]]:
    """Another server process on the same databases, configured differently."""
    other = Platform(replace(platform.settings, **changes))
    try:
        yield other, create_app(other.settings, other)
    finally:
        other.dispose()


def _codes(password: str, **personal: Any) -> list[str]:
    return [e.code for e in password_problems(password, **personal)]


# ------------------------------------------------------------------ password policy
@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "too_short"),
        ("password1", "password_common"),
        ("qwerty123", "password_common"),
        ("P@ssw0rd", "password_common"),  # l33t of a common one
        ("abcd1234", "password_common"),
        ("iloveyou1", "password_common"),
        ("Summer2023", "weak_password"),
        ("Welcome2024!", "weak_password"),
        ("Lantern\u0000orbit-47", "password_control_characters"),
        ("Lantern\u200borbit-47", "password_control_characters"),  # zero-width space
        ("x" * 300, "too_long"),
    ],
)
def test_policy_refuses_common_guessable_and_control_characters(password: str, code: str) -> None:
    assert _codes(password) == [code]


def test_policy_refuses_the_persons_email_and_name() -> None:
    assert _codes("li.lei-2026!", email="li.lei@example.com") == ["password_personal"]
    assert _codes("Hanmeimei#88", email="hmm@example.com", name="Hanmeimei Li") == [
        "password_personal"
    ]
    assert _codes("张伟的密码2026", email="zw@example.com", name="张伟") == ["password_personal"]
    assert _codes(GOOD_PASSWORD, email="li.lei@example.com", name="Li Lei") == []
    assert _codes(ADMIN_PASSWORD) == [] and _codes("keyi-demo") == []
    with pytest.raises(ValidationFailed) as raised:
        check_password_policy("li.lei@example.com", "li.lei@example.com")
    assert [(e.field, e.code) for e in raised.value.errors] == [("password", "password_personal")]


def test_weak_password_is_a_translated_422_naming_password(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    response = client.post(
        "/api/v1/auth/password/change",
        json={"current_password": ADMIN_PASSWORD, "password": "password1"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "password" and error["code"] == "password_common"
    assert "常见" in error["message"]
    english = client.post(
        "/api/v1/auth/password/change",
        json={"current_password": ADMIN_PASSWORD, "password": "pass\u0007word-Lantern"},
        headers={"Accept-Language": "en"},
    ).json()["errors"][0]
    assert english["code"] == "password_control_characters" and "control" in english["message"]


# ------------------------------------------------------------------ lock-out counter
def test_parallel_wrong_passwords_each_count(platform: Platform, tenant: TenantInfo) -> None:
    """Four wrong passwords at the same moment must count four (PostgreSQL lost updates)."""
    email = f"{uuid.uuid4().hex[:6]}@example.com"
    add_user(platform, tenant, email=email, name="Target", password=ADMIN_PASSWORD)
    auth = AuthService(platform)
    barrier = threading.Barrier(4)
    codes: list[str] = []

    def guess() -> None:
        barrier.wait()
        try:
            auth.login(email, "Wrong-guess-123", None)
        except KeyiError as exc:
            codes.append(exc.code)

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == ["bad_credentials"] * 4
    t = platform.t["identity"]
    with platform.db.control.connect() as conn:
        failures = conn.execute(sa.select(t.c.failed_logins).where(t.c.email == email)).scalar()
    assert failures == 4
    # The fifth locks, whatever order the counts arrived in.
    assert auth.record_failure(_identity_id(platform, email)) == 5
    with pytest.raises(KeyiError) as locked:
        auth.login(email, ADMIN_PASSWORD, None)
    assert locked.value.code == "locked"


def _identity_id(platform: Platform, email: str) -> str:
    t = platform.t["identity"]
    with platform.db.control.connect() as conn:
        return str(conn.execute(sa.select(t.c.id).where(t.c.email == email)).scalar_one())


# ------------------------------------------------------------------ rate limits
@pytest.fixture(params=["database", "redis"])
def limit_store(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "database":
        yield None
        return
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    yield REDIS_URL
    for key in client.scan_iter("keyi:rl:*"):
        client.delete(key)


def _unique_address() -> str:
    """A client address no other test or earlier run uses (the counts outlive a test in Redis)."""
    documentation_prefix = 0x20010DB8 << 96  # 2001:db8::/32
    return str(ipaddress.IPv6Address(documentation_prefix | (uuid.uuid4().int & (2**64 - 1))))


def _hour_windows(*apps: Any) -> None:
    """Count these apps' sign-ins per hour, so no window boundary falls inside a test."""
    for app in apps:
        app.state.services.login_limiter.window = 3600


def _attempt(client: TestClient, headers: dict[str, str] | None = None) -> int:
    return client.post(
        "/api/v1/auth/login",
        json={"email": f"nobody-{uuid.uuid4().hex[:6]}@example.com", "password": "x"},
        headers=headers or {},
    ).status_code


def test_login_limit_is_shared_by_server_processes(
    platform: Platform, tenant: TenantInfo, limit_store: str | None
) -> None:
    """Two apps (as two processes would be) share one count per client address."""
    settings = replace(platform.settings, login_attempts_per_minute=3, redis_url=limit_store)
    # A fresh peer address per run, so counts from other tests or runs do not mix in.
    peer = _unique_address()
    first = create_app(settings, platform)
    with (
        configured(platform, login_attempts_per_minute=3, redis_url=limit_store) as (_, second),
        TestClient(first, client=(peer, 1000)) as one,
        TestClient(second, client=(peer, 1001)) as two,
    ):
        _hour_windows(first, second)
        codes = [_attempt(one), _attempt(two), _attempt(one), _attempt(two)]
    assert codes == [401, 401, 401, 429]
    if limit_store is None:
        with platform.db.control.connect() as conn:
            stored = conn.execute(sa.select(platform.t["rate_limit"].c.key)).scalars().all()
        assert stored and all(peer not in key for key in stored)  # hashed, not in clear


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    platform: Platform, tenant: TenantInfo
) -> None:
    peer = _unique_address()
    untrusted = create_app(replace(platform.settings, login_attempts_per_minute=2), platform)
    _hour_windows(untrusted)
    with TestClient(untrusted, client=(peer, 1000)) as spoofer:
        # A new X-Forwarded-For each time does not give a new allowance.
        codes = [_attempt(spoofer, {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(1, 4)]
    assert codes == [401, 401, 429]
    proxy = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    trusted = create_app(
        replace(platform.settings, login_attempts_per_minute=2, trusted_proxies=("10.0.0.0/8",)),
        platform,
    )
    _hour_windows(trusted)
    client_a, client_b = _unique_address(), _unique_address()
    with TestClient(trusted, client=(proxy, 1000)) as behind_proxy:
        # Behind a trusted proxy each real client has its own count; a value the client itself
        # put in front (left of its own address) changes nothing.
        a = [_attempt(behind_proxy, {"X-Forwarded-For": f"1.2.3.{i}, {client_a}"}) for i in (1, 2)]
        b = _attempt(behind_proxy, {"X-Forwarded-For": client_b})
        a_again = _attempt(behind_proxy, {"X-Forwarded-For": f"9.9.9.9, {client_a}"})
    assert a == [401, 401] and b == 401 and a_again == 429


# ------------------------------------------------------------------ sessions and cookies
def _set_last_used(platform: Platform, token: str, ago: timedelta) -> None:
    s = platform.t["session"]
    with platform.db.control.begin() as conn:
        conn.execute(
            sa.update(s)
            .where(s.c.token_hash == token_hash(token))
            .values(last_used_at=utcnow() - ago)
        )


def _last_used(platform: Platform, token: str) -> Any:
    s = platform.t["session"]
    with platform.db.control.connect() as conn:
        return conn.execute(
            sa.select(s.c.last_used_at).where(s.c.token_hash == token_hash(token))
        ).scalar()


def test_idle_sessions_stop_working_and_use_is_noted_at_most_once_a_minute(
    app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    assert platform.settings.session_idle_minutes == 120
    with TestClient(app) as user:
        token = login(user, admin_email_of(platform, tenant))
        _set_last_used(platform, token, timedelta(seconds=20))
        noted = _last_used(platform, token)
        assert user.get("/api/v1/me").status_code == 200
        assert _last_used(platform, token) == noted  # used 20 s ago: no write
        _set_last_used(platform, token, timedelta(minutes=119))
        assert user.get("/api/v1/me").status_code == 200
        assert _last_used(platform, token) > utcnow() - timedelta(minutes=1)  # refreshed
        _set_last_used(platform, token, timedelta(minutes=121))
        assert user.get("/api/v1/me").status_code == 401
    with configured(platform, session_idle_minutes=5) as (_, short), TestClient(short) as user:
        token = login(user, admin_email_of(platform, tenant))
        _set_last_used(platform, token, timedelta(minutes=6))
        assert user.get("/api/v1/me").status_code == 401


def _login_cookie_header(app: Any, platform: Platform, tenant: TenantInfo) -> str:
    with TestClient(app) as browser:
        response = browser.post(
            "/api/v1/auth/login",
            json={"email": admin_email_of(platform, tenant), "password": ADMIN_PASSWORD},
        )
        assert response.status_code == 200
        return ";".join(response.headers.get_list("set-cookie"))


def test_secure_cookies_follow_an_https_public_url(platform: Platform, tenant: TenantInfo) -> None:
    with configured(platform, public_url="http://crm.local") as (_, plain):
        assert "secure" not in _login_cookie_header(plain, platform, tenant).lower()
    with configured(platform, public_url="https://crm.example.com") as (_, https):
        cookies = _login_cookie_header(https, platform, tenant)
    assert cookies.lower().count("secure") == 2
    with configured(platform, public_url="https://crm.example.com", secure_cookies=False) as (
        _,
        forced_off,
    ):
        assert "secure" not in _login_cookie_header(forced_off, platform, tenant).lower()


# ------------------------------------------------------------------ forgotten password
def _new_user(platform: Platform, tenant: TenantInfo, prefix: str, name: str) -> str:
    """Add a user who signs in with ADMIN_PASSWORD under a fresh `prefix-…@example.com`
    address (unique, so the tests never share an identity); the address."""
    email = f"{prefix}-{uuid.uuid4().hex[:6]}@example.com"
    add_user(platform, tenant, email=email, name=name, password=ADMIN_PASSWORD)
    return email


def _mails(maildir: Path) -> list[Any]:
    return list(mailbox.Maildir(str(maildir), create=False)) if maildir.exists() else []


def _reset_token(message: Any) -> str:
    body = message.get_payload(decode=True).decode()
    found = re.search(r"/reset-password\?token=([\w-]+)", body)
    assert found, body
    return found.group(1)


@pytest.fixture
def forgetful(
    platform: Platform,
    tenant: TenantInfo,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> tuple[int, Path, str]:
    """The test mail server (its port and the folder it delivers to) and a fresh user's email."""
    port, maildir = smtp_server
    return port, maildir, _new_user(platform, tenant, "forgot", "Forgetful")


def test_forgot_password_mails_a_one_time_link_that_signs_out_everywhere(
    platform: Platform, forgetful: tuple[int, Path, str]
) -> None:
    port, maildir, email = forgetful
    with (
        configured(
            platform, smtp_host="127.0.0.1", smtp_port=port, public_url="https://crm.test"
        ) as (_, app),
        TestClient(app) as old_session,
        TestClient(app) as browser,
    ):
        login(old_session, email)
        unknown = browser.post("/api/v1/auth/password/forgot", json={"email": "no@example.com"})
        assert unknown.status_code == 202 and _mails(maildir) == []
        asked = browser.post(
            "/api/v1/auth/password/forgot",
            json={"email": email.upper()},
            # The link is on the configured address, whatever Host the asker sends.
            headers={"Accept-Language": "en", "Host": "attacker.example"},
        )
        assert asked.status_code == 202
        (message,) = _mails(maildir)
        assert message["To"] == email and "Reset" in message["Subject"]
        token = _reset_token(message)
        mailed = message.get_payload(decode=True).decode()
        assert mailed.count("https://crm.test/reset-password?token=") == 1
        assert "attacker" not in mailed
        # Only the hash is stored.
        resets = platform.t["password_reset"]
        with platform.db.control.connect() as conn:
            stored = conn.execute(sa.select(resets.c.token_hash)).scalars().all()
        assert token_hash(token) in stored and token not in stored
        # The policy applies, and a refused password leaves the link usable.
        weak = browser.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": "password1"}
        )
        assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
        done = browser.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": GOOD_PASSWORD}
        )
        assert done.status_code == 204
        assert old_session.get("/api/v1/me").status_code == 401  # signed out everywhere
        again = browser.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": "Other-orbit-58"}
        )
        assert again.status_code == 422 and again.json()["errors"][0]["code"] == (
            "reset_link_invalid"
        )
        assert _status(browser, email, ADMIN_PASSWORD) == 401
        assert _status(browser, email, GOOD_PASSWORD) == 200
        # An expired link is refused.
        browser.post("/api/v1/auth/password/forgot", json={"email": email})
        (expired_token,) = {_reset_token(m) for m in _mails(maildir)} - {token}
        expire_link(platform, "password_reset", expired_token)
        expired = browser.post(
            "/api/v1/auth/password/reset",
            json={"token": expired_token, "password": "Other-orbit-58"},
        )
        assert expired.json()["errors"][0]["code"] == "reset_link_expired"


def _status(client: TestClient, email: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    ).status_code


def test_forgot_password_is_rate_limited_per_mailbox_without_telling(
    platform: Platform, forgetful: tuple[int, Path, str]
) -> None:
    port, maildir, email = forgetful
    peer = (f"198.18.0.{uuid.uuid4().int % 250 + 1}", 1)
    with (
        configured(platform, smtp_host="127.0.0.1", smtp_port=port) as (_, app),
        TestClient(app, client=peer) as browser,
    ):
        codes = [
            browser.post("/api/v1/auth/password/forgot", json={"email": email}).status_code
            for _ in range(5)
        ]
    assert codes == [202] * 5
    assert len(_mails(maildir)) == 3


# ------------------------------------------------------------------ change password
def test_change_password_needs_the_current_one_and_signs_out_other_sessions(
    app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    email = _new_user(platform, tenant, "changer", "Changer")
    with TestClient(app) as laptop, TestClient(app) as phone:
        login(laptop, email)
        login(phone, email)
        wrong = laptop.post(
            "/api/v1/auth/password/change",
            json={"current_password": "not-the-one-1", "password": GOOD_PASSWORD},
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "current_password"
        personal = laptop.post(
            "/api/v1/auth/password/change",
            json={"current_password": ADMIN_PASSWORD, "password": "Changer-2026-x"},
        )
        assert personal.json()["errors"][0]["code"] == "password_personal"
        ok = laptop.post(
            "/api/v1/auth/password/change",
            json={"current_password": ADMIN_PASSWORD, "password": GOOD_PASSWORD},
        )
        assert ok.status_code == 204
        assert laptop.get("/api/v1/me").status_code == 200  # this session stays
        assert phone.get("/api/v1/me").status_code == 401  # the others are signed out
        assert _status(phone, email, GOOD_PASSWORD) == 200
    t = platform.t["identity"]
    with platform.db.control.connect() as conn:
        failed = conn.execute(sa.select(t.c.failed_logins).where(t.c.email == email)).scalar()
    assert failed == 0  # the wrong current password counted, the success reset it


# ------------------------------------------------------------------ profile
def test_profile_edits_own_fields_within_field_permissions(
    app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    email = f"rep-{uuid.uuid4().hex[:6]}@example.com"
    rep_user = add_user(platform, tenant, email=email, name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, email)
        security = rep.get("/api/v1/me/security").json()
        assert security == {"totp_enabled": False, "has_password": True}
        changed = rep.patch("/api/v1/me", json={"name": "李雷", "language": "en"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["user"]["name"] == "李雷"
        assert changed.json()["user"]["language"] == "en"
        assert rep.get("/api/v1/me").json()["user"]["name"] == "李雷"
        # Not a profile field: refused, nothing written (not even the allowed phone).
        refused = rep.patch(
            "/api/v1/me", json={"is_admin": True, "title": "CEO", "phone": "13800000000"}
        )
        assert refused.status_code == 422
        assert sorted((e["field"], e["code"]) for e in refused.json()["errors"]) == [
            ("is_admin", "read_only"),
            ("title", "read_only"),
        ]
        bad = rep.patch("/api/v1/me", json={"language": "fr"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "language"
        # Editing users in general is still an administrator's job.
        assert rep.patch(
            f"/api/v1/records/user/{rep_user['id']}", json={"name": "x"}
        ).status_code in (
            403,
            404,
            428,
        )
    with platform.context(tenant, Actor.system("test")) as ctx:
        stored = RecordsService(ctx).get("user", rep_user["id"])
    assert stored["is_admin"] is False and stored["phone"] is None
