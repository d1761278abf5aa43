"""User administration through HTTP: invitations (with real SMTP delivery), accepting them,
deactivation and reactivation, bulk ownership transfer, permissions and tenant isolation."""

from __future__ import annotations

import mailbox
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.audit import audit_table
from keyi.platform.auth import AuthService, token_hash
from keyi.platform.context import TenantInfo
from keyi.platform.errors import Conflict, ValidationFailed
from keyi.platform.ownership import TransferItem, transfer
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import history_table, outbox_table
from keyi.platform.tenancy import Platform, utcnow
from keyi.platform.users import UsersService
from keyi.provisioning import add_user, create_tenant
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login, new_tenant_name
from tests.integration.helpers import expire_link
from tests.mailservers import free_port, smtp_maildir

NEW_PASSWORD = "Spring-2026-keyi"


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def _invite(client: TestClient, **values: Any) -> dict[str, Any]:
    email = values.pop("email", f"{uuid.uuid4().hex[:8]}@example.com")
    response = client.post("/api/v1/users/invite", json={"name": "王芳", "email": email, **values})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _accept(app: Any, token: str, password: str = NEW_PASSWORD) -> TestClient:
    """A new client signed in through the invitation (bearer token set)."""
    person = TestClient(app)
    response = person.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": password}
    )
    assert response.status_code == 200, response.text
    person.headers["Authorization"] = f"Bearer {response.json()['token']}"
    person.cookies.clear()
    return person


def _status(client: TestClient, user_id: str) -> str:
    listed = client.get("/api/v1/users", params={"limit": 500}).json()["users"]
    return next(u["status"] for u in listed if u["id"] == user_id)


def _login_status(client: TestClient, email: str, password: str, tenant: str) -> int:
    response = client.post(
        "/api/v1/auth/login", json={"email": email, "password": password, "tenant": tenant}
    )
    return response.status_code


def _audit_actions(platform: Platform, tenant: TenantInfo, record_id: str) -> list[str]:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        return list(
            conn.execute(
                sa.select(audit_table.c.action)
                .where(audit_table.c.record_id == record_id)
                .order_by(audit_table.c.id)
            ).scalars()
        )


# ------------------------------------------------------------------ invitations
def test_invite_accept_and_sign_in(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    role = client.post("/api/v1/records/role", json={"name": "Sales rep"}).json()
    dept = client.post("/api/v1/records/department", json={"name": "华东销售部"}).json()
    manager = client.get("/api/v1/me").json()["user"]["id"]
    invited = _invite(
        client,
        email="Wang.Fang@Example.com",
        role=role["id"],
        department=dept["id"],
        manager=manager,
    )
    user = invited["user"]
    assert user["email"] == "wang.fang@example.com"
    assert user["is_active"] is False
    assert (user["role"], user["department"], user["manager"]) == (role["id"], dept["id"], manager)
    assert invited["email_sent"] is False  # no SMTP configured
    assert urlparse(invited["accept_url"]).path == "/accept-invite"
    token = _token(invited["accept_url"])
    assert _status(client, user["id"]) == "invited"

    # Only the hash is stored, and it expires in seven days.
    inv = platform.t["invitation"]
    with platform.db.control.connect() as conn:
        row = conn.execute(sa.select(inv).where(inv.c.user_id == user["id"])).mappings().one()
    assert row["token_hash"] == token_hash(token)
    assert token not in {str(v) for v in row.values()}
    assert timedelta(days=6, hours=23) < row["expires_at"] - utcnow() <= timedelta(days=7)

    # Not signed up yet: no password works.
    assert _login_status(client, "wang.fang@example.com", NEW_PASSWORD, tenant.name) == 401

    described = client.get("/api/v1/auth/invitation", params={"token": token}).json()
    assert described["email"] == "wang.fang@example.com"
    assert described["tenant"]["name"] == tenant.name
    assert described["needs_new_password"] is True

    weak = client.post("/api/v1/auth/accept-invite", json={"token": token, "password": "abc"})
    assert weak.status_code == 422
    assert {e["field"] for e in weak.json()["errors"]} == {"password"}
    assert _status(client, user["id"]) == "invited"  # nothing changed

    person = _accept(app, token)
    me = person.get("/api/v1/me").json()
    assert me["user"]["id"] == user["id"]
    assert me["user"]["email"] == "wang.fang@example.com"
    assert _status(client, user["id"]) == "active"
    assert _login_status(client, "wang.fang@example.com", NEW_PASSWORD, tenant.name) == 200

    # One use only.
    again = client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": NEW_PASSWORD}
    )
    assert again.status_code == 422
    assert again.json()["errors"][0] == {
        "field": "token",
        "code": "invitation_invalid",
        "message": again.json()["errors"][0]["message"],
    }
    actions = _audit_actions(platform, tenant, user["id"])
    assert "user.invite" in actions
    assert "user.invitation_accept" in actions


def test_invite_rejects_bad_input_and_writes_nothing(
    client: TestClient, platform: Platform
) -> None:
    before = len(client.get("/api/v1/users", params={"limit": 500}).json()["users"])
    bad = client.post(
        "/api/v1/users/invite", json={"name": "", "email": "not-an-email", "is_active": True}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"is_active", "name", "email"}
    bad = client.post("/api/v1/users/invite", json={"name": "X", "email": "not-an-email"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email"}
    _invite(client, email="dup@example.com")
    dup = client.post("/api/v1/users/invite", json={"name": "Y", "email": "DUP@example.com"})
    assert dup.status_code == 422
    assert [(e["field"], e["code"]) for e in dup.json()["errors"]] == [("email", "user_exists")]
    dup = client.post(
        "/api/v1/users/invite", json={"name": "Y", "email": "dup@example.com", "is_active": True}
    )
    assert {(e["field"], e["code"]) for e in dup.json()["errors"]} == {
        ("email", "user_exists"),
        ("is_active", "read_only"),
    }
    after = len(client.get("/api/v1/users", params={"limit": 500}).json()["users"])
    assert after == before + 1
    identity = platform.t["identity"]
    with platform.db.control.connect() as conn:
        assert (
            conn.execute(sa.select(identity.c.id).where(identity.c.email == "not-an-email")).first()
            is None
        )


def test_expired_reinvited_and_revoked_invitations(
    app: Any, client: TestClient, platform: Platform
) -> None:
    invited = _invite(client)
    user_id = invited["user"]["id"]
    first = _token(invited["accept_url"])
    expire_link(platform, "invitation", first)
    expired = client.post(
        "/api/v1/auth/accept-invite", json={"token": first, "password": NEW_PASSWORD}
    )
    assert expired.status_code == 422
    assert expired.json()["errors"][0]["code"] == "invitation_expired"
    listed = client.get("/api/v1/users", params={"status": "invited"}).json()["users"]
    assert [u["invitation"]["expired"] for u in listed if u["id"] == user_id] == [True]

    reinvited = client.post(f"/api/v1/users/{user_id}/reinvite")
    assert reinvited.status_code == 200, reinvited.text
    second = _token(reinvited.json()["accept_url"])
    assert second != first

    revoked = client.delete(f"/api/v1/users/{user_id}/invitation")
    assert revoked.status_code == 204
    assert client.delete(f"/api/v1/users/{user_id}/invitation").status_code == 404
    assert _status(client, user_id) == "inactive"
    for token in (first, second):
        response = client.post(
            "/api/v1/auth/accept-invite", json={"token": token, "password": NEW_PASSWORD}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "invitation_invalid"

    third = _token(client.post(f"/api/v1/users/{user_id}/reinvite").json()["accept_url"])
    _accept(app, third)
    assert _status(client, user_id) == "active"
    assert client.post(f"/api/v1/users/{user_id}/reinvite").status_code == 409


def test_existing_identity_joins_with_its_own_password(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    other = create_tenant(
        platform,
        new_tenant_name(),
        admin_email="shared.person@example.com",
        admin_password=ADMIN_PASSWORD,
    )
    try:
        invited = _invite(client, email="shared.person@example.com")
        token = _token(invited["accept_url"])
        described = client.get("/api/v1/auth/invitation", params={"token": token}).json()
        assert described["needs_new_password"] is False
        # The link cannot replace an existing password.
        wrong = client.post(
            "/api/v1/auth/accept-invite", json={"token": token, "password": NEW_PASSWORD}
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "password"
        person = _accept(app, token, ADMIN_PASSWORD)
        assert person.get("/api/v1/me").json()["tenant"]["name"] == tenant.name
        assert _login_status(client, "shared.person@example.com", ADMIN_PASSWORD, other.name) == 200
    finally:
        platform.drop_tenant(other.name)


# ------------------------------------------------------------------ real SMTP delivery
@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """aiosmtpd in its own process, storing what it receives in a Maildir."""
    with smtp_maildir(tmp_path) as found:
        yield found


def test_invitation_email_is_delivered_over_smtp(
    platform: Platform, tenant: TenantInfo, smtp_server: tuple[int, Path]
) -> None:
    port, maildir = smtp_server
    settings = replace(
        platform.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        public_url="https://crm.example.com/",
    )
    mailing = Platform(settings)
    try:
        mail_app = create_app(settings, mailing)
        with TestClient(mail_app) as client:
            login(client, admin_email_of(platform, tenant))
            invited = _invite(client, email="li.lei@example.com", language="en")
            assert invited["email_sent"] is True
            assert invited["accept_url"].startswith("https://crm.example.com/accept-invite?token=")
            messages = list(mailbox.Maildir(str(maildir), create=False))
            assert len(messages) == 1
            message = messages[0]
            assert message["To"] == "li.lei@example.com"
            assert tenant.label in str(message["Subject"])
            body = message.get_payload(decode=True).decode()
            assert invited["accept_url"] in body
            # The mailed link is the one that works.
            link = next(w for w in body.split() if w.startswith("https://crm.example.com/"))
            person = _accept(mail_app, _token(link))
            assert person.get("/api/v1/me").json()["user"]["email"] == "li.lei@example.com"

            # Chinese-speaking invitees (the default language) get Chinese mail, properly encoded.
            chinese = _invite(client, email="zhang.wei@example.com")
            assert chinese["email_sent"] is True
            received = [
                m for m in mailbox.Maildir(str(maildir), create=False) if "zhang" in m["To"]
            ]
            assert len(received) == 1
            subject = str(make_header(decode_header(received[0]["Subject"])))
            assert subject == f"邀请您加入“{tenant.label}”（客易 CRM）"
            text = received[0].get_payload(decode=True).decode(received[0].get_content_charset())
            assert "请在 7 天内打开以下链接设置密码并登录" in text
            assert chinese["accept_url"] in text
    finally:
        mailing.dispose()


def test_the_cli_can_invite_and_mail_without_http(
    platform: Platform, tenant: TenantInfo, smtp_server: tuple[int, Path]
) -> None:
    """The same service the API calls: issue in a system context, mail after commit."""
    port, maildir = smtp_server
    settings = replace(
        platform.settings, smtp_host="127.0.0.1", smtp_port=port, public_url="https://crm.test"
    )
    mailing = Platform(settings)
    try:
        users = UsersService(mailing)
        with mailing.context(tenant, Actor.system("cli")) as ctx:
            issued = users.invite(ctx, {"name": "Han Mei", "email": "han.mei@example.com"})
        delivered = users.deliver(issued)
        assert delivered["email_sent"] is True
        assert delivered["accept_url"].startswith("https://crm.test/accept-invite?token=")
        [message] = list(mailbox.Maildir(str(maildir), create=False))
        assert message["To"] == "han.mei@example.com"
        text = message.get_payload(decode=True).decode(message.get_content_charset())
        assert "cli 邀请您加入" in text and delivered["accept_url"] in text
        # The mailed link is a working invitation.
        described = users.describe_invitation(_token(delivered["accept_url"]))
        assert described["email"] == "han.mei@example.com"
    finally:
        mailing.dispose()


def test_unreachable_smtp_still_returns_the_link(platform: Platform, tenant: TenantInfo) -> None:
    settings = replace(platform.settings, smtp_host="127.0.0.1", smtp_port=free_port())
    mailing = Platform(settings)
    try:
        with TestClient(create_app(settings, mailing)) as client:
            login(client, admin_email_of(platform, tenant))
            invited = _invite(client)
            assert invited["email_sent"] is False
            assert _status(client, invited["user"]["id"]) == "invited"
    finally:
        mailing.dispose()


# ------------------------------------------------------------------ deactivate / reactivate
def _member(app: Any, client: TestClient, **values: Any) -> tuple[str, str, TestClient]:
    """An invited-and-accepted user: (id, email, their signed-in client)."""
    invited = _invite(client, **values)
    person = _accept(app, _token(invited["accept_url"]))
    return invited["user"]["id"], invited["user"]["email"], person


def test_deactivation_blocks_sign_in_at_once_and_keeps_ownership(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    user_id, email, person = _member(app, client)
    account = person.post("/api/v1/records/account", json={"name": "纷享销客"}).json()
    assert account["owner_id"] == user_id
    key = AuthService(platform).create_api_key(tenant.id, user_id, "sync")
    with_key = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    assert with_key.get("/api/v1/me").status_code == 200

    response = client.post(f"/api/v1/users/{user_id}/deactivate")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "inactive"
    assert person.get("/api/v1/me").status_code == 401
    assert with_key.get("/api/v1/me").status_code == 401
    assert _login_status(client, email, NEW_PASSWORD, tenant.name) == 401
    session = platform.t["session"]
    with platform.db.control.connect() as conn:
        open_sessions = conn.execute(
            sa.select(sa.func.count())
            .select_from(session)
            .where(session.c.user_id == user_id, session.c.revoked_at.is_(None))
        ).scalar()
    assert open_sessions == 0
    # Their records keep their owner.
    kept = client.get(f"/api/v1/records/account/{account['id']}").json()
    assert kept["owner_id"] == user_id
    assert "user.deactivate" in _audit_actions(platform, tenant, user_id)

    # Deactivating again is harmless; reactivating restores sign-in, not the revoked key.
    assert client.post(f"/api/v1/users/{user_id}/deactivate").status_code == 200
    reactivated = client.post(f"/api/v1/users/{user_id}/reactivate")
    assert reactivated.status_code == 200
    assert reactivated.json()["status"] == "active"
    assert client.post(f"/api/v1/users/{user_id}/reactivate").status_code == 409
    assert _login_status(client, email, NEW_PASSWORD, tenant.name) == 200
    assert with_key.get("/api/v1/me").status_code == 401
    assert "user.reactivate" in _audit_actions(platform, tenant, user_id)


def _open_sessions(platform: Platform, user_id: str) -> int:
    session = platform.t["session"]
    with platform.db.control.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(session)
                .where(session.c.user_id == user_id, session.c.revoked_at.is_(None))
            ).scalar_one()
        )


@pytest.mark.parametrize("path", ["patch", "mass_update", "delete", "service"])
def test_every_deactivation_path_revokes_sessions_and_keys(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, path: str
) -> None:
    """Switching `is_active` off by editing the user record (one PATCH, a mass update, deleting
    the record, or the records service as a system process) ends sessions and API keys and
    blocks sign-in exactly as the deactivate endpoint does; switching it back on restores
    sign-in only."""
    user_id, email, person = _member(app, client)
    key = AuthService(platform).create_api_key(tenant.id, user_id, "sync")
    with_key = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    assert with_key.get("/api/v1/me").status_code == 200 and _open_sessions(platform, user_id)
    version = client.get(f"/api/v1/records/user/{user_id}").json()["version"]
    if path == "patch":
        response = client.patch(
            f"/api/v1/records/user/{user_id}",
            json={"is_active": False},
            headers={"If-Match": str(version)},
        )
        assert response.status_code == 200, response.text
    elif path == "mass_update":
        response = client.post(
            "/api/v1/records/user/mass-update",
            json={"ids": [user_id], "values": {"is_active": False}},
        )
        assert response.status_code == 200, response.text
    elif path == "delete":
        response = client.delete(
            f"/api/v1/records/user/{user_id}", headers={"If-Match": str(version)}
        )
        assert response.status_code == 204, response.text
    else:
        with platform.context(tenant, Actor.system("import")) as ctx:
            RecordsService(ctx).update("user", user_id, {"is_active": False})
    assert _open_sessions(platform, user_id) == 0
    # The key is revoked, not merely refused while the record says inactive.
    keys = platform.t["api_key"]
    with platform.db.control.connect() as conn:
        revoked = conn.execute(
            sa.select(keys.c.revoked_at).where(keys.c.user_id == user_id)
        ).scalar_one()
    assert revoked is not None
    assert person.get("/api/v1/me").status_code == 401
    assert with_key.get("/api/v1/me").status_code == 401
    assert _login_status(client, email, NEW_PASSWORD, tenant.name) == 401
    assert path == "delete" or _status(client, user_id) == "inactive"
    assert "user.deactivate" in _audit_actions(platform, tenant, user_id)
    # Back on (restored from the recycle bin, or `is_active` true): sign-in works again; the
    # key stays revoked.
    if path == "delete":
        again = client.post(f"/api/v1/records/user/{user_id}/restore")
    else:
        version = client.get(f"/api/v1/records/user/{user_id}").json()["version"]
        again = client.patch(
            f"/api/v1/records/user/{user_id}",
            json={"is_active": True},
            headers={"If-Match": str(version)},
        )
    assert again.status_code == 200, again.text
    assert _login_status(client, email, NEW_PASSWORD, tenant.name) == 200
    assert with_key.get("/api/v1/me").status_code == 401
    assert _audit_actions(platform, tenant, user_id)[-1] == "user.reactivate"


def test_a_record_edit_does_not_activate_a_pending_invitation(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """As with the reactivate endpoint: an invited user becomes active by accepting."""
    invited = _invite(client)
    user_id = invited["user"]["id"]
    version = client.get(f"/api/v1/records/user/{user_id}").json()["version"]
    response = client.patch(
        f"/api/v1/records/user/{user_id}",
        json={"is_active": True},
        headers={"If-Match": str(version)},
    )
    assert response.status_code == 409 and response.json()["code"] == "invitation_pending"
    assert client.get(f"/api/v1/records/user/{user_id}").json()["is_active"] is False
    assert _status(client, user_id) == "invited"


def test_cannot_deactivate_yourself_or_the_last_administrator(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    me = client.get("/api/v1/me").json()["user"]["id"]
    response = client.post(f"/api/v1/users/{me}/deactivate")
    assert response.status_code == 409
    assert response.json()["code"] == "cannot_deactivate_self"

    # A second administrator may deactivate the first while they remain...
    second_id, _, second = _member(app, client, is_admin=True)
    assert second.post(f"/api/v1/users/{me}/deactivate").status_code == 200
    assert second.post(f"/api/v1/users/{me}/reactivate").status_code == 200
    assert client.get("/api/v1/me").status_code == 401  # deactivation ended my sessions
    login(client, admin_email_of(platform, tenant))
    # ...but nobody (not even a system process) may leave the company without one.
    assert client.post(f"/api/v1/users/{second_id}/deactivate").status_code == 200
    service = UsersService(platform)
    with platform.context(tenant, Actor.system("cli")) as ctx, pytest.raises(Conflict) as raised:
        service.deactivate(ctx, me)
    assert raised.value.code == "last_admin"
    # The record edit path keeps the same rule.
    own = client.get(f"/api/v1/records/user/{me}").json()
    for change in ({"is_admin": False}, {"is_active": False}):
        response = client.patch(
            f"/api/v1/records/user/{me}", json=change, headers={"If-Match": str(own["version"])}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "cannot_deactivate_self"
    with (
        platform.context(tenant, Actor.system("import")) as ctx,
        pytest.raises(ValidationFailed) as failed,
    ):
        RecordsService(ctx).update("user", me, {"is_admin": False})
    assert [(e.field, e.code) for e in failed.value.errors] == [("is_admin", "last_admin")]
    assert _status(client, me) == "active"


def test_only_administrators_manage_users(app: Any, client: TestClient) -> None:
    target_id, _, _ = _member(app, client)
    _, _, rep = _member(app, client)
    me = client.get("/api/v1/me").json()["user"]["id"]
    for method, path, body in (
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users/invite", {"name": "X", "email": "x@example.com"}),
        ("POST", f"/api/v1/users/{target_id}/deactivate", None),
        ("POST", f"/api/v1/users/{target_id}/reactivate", None),
        ("POST", f"/api/v1/users/{target_id}/reinvite", None),
        ("DELETE", f"/api/v1/users/{target_id}/invitation", None),
        ("POST", f"/api/v1/users/{target_id}/transfer", {"to_user": me}),
    ):
        response = rep.request(method, path, json=body)
        assert response.status_code == 403, (path, response.text)
    assert _status(client, target_id) == "active"
    assert client.get("/api/v1/users", params={"status": "invited"}).json()["users"] == []
    unauthenticated = TestClient(app)
    assert unauthenticated.get("/api/v1/users").status_code == 401


def test_another_tenants_user_is_not_found(
    app: Any, client: TestClient, platform: Platform
) -> None:
    other = create_tenant(
        platform,
        new_tenant_name(),
        admin_email="other.admin@example.com",
        admin_password=ADMIN_PASSWORD,
    )
    try:
        stranger = add_user(
            platform, other, email="stranger@example.com", name="Stranger", password=None
        )
        me = client.get("/api/v1/me").json()["user"]["id"]
        for path in ("deactivate", "reactivate", "reinvite", "transfer"):
            response = client.post(f"/api/v1/users/{stranger['id']}/{path}", json={"to_user": me})
            assert response.status_code == 404, (path, response.text)
        assert client.delete(f"/api/v1/users/{stranger['id']}/invitation").status_code == 404
        assert client.post("/api/v1/users/not-a-uuid/deactivate").status_code == 404
        own_id, _, _ = _member(app, client)
        response = client.post(f"/api/v1/users/{own_id}/transfer", json={"to_user": stranger["id"]})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "to_user"
        listed = {u["id"] for u in client.get("/api/v1/users").json()["users"]}
        assert stranger["id"] not in listed
    finally:
        platform.drop_tenant(other.name)


# ------------------------------------------------------------------ transfer
def test_transfer_all_records_through_the_write_path(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    leaver_id, _, leaver = _member(app, client)
    heir_id, _, _ = _member(app, client)
    accounts = [
        leaver.post("/api/v1/records/account", json={"name": f"客户{i}"}).json()["id"]
        for i in range(5)
    ]
    opportunity = leaver.post(
        "/api/v1/records/opportunity",
        json={"name": "ERP 升级", "account": accounts[0], "close_date": "2026-12-31"},
    )
    assert opportunity.status_code == 201, opportunity.text
    kept = client.post("/api/v1/records/account", json={"name": "Someone else's"}).json()
    assert client.post(f"/api/v1/users/{leaver_id}/deactivate").status_code == 200

    response = client.post(f"/api/v1/users/{leaver_id}/transfer", json={"to_user": heir_id})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["transferred"]["account"] == 5
    assert result["transferred"]["opportunity"] == 1
    assert result["total"] == sum(result["transferred"].values())
    assert result["failed"] == []
    for account_id in accounts:
        assert client.get(f"/api/v1/records/account/{account_id}").json()["owner_id"] == heir_id
    assert client.get(f"/api/v1/records/account/{kept['id']}").json()["owner_id"] != heir_id

    # Written like any edit: history, audit, outbox.
    history = client.get(f"/api/v1/records/account/{accounts[0]}/history").json()["entries"]
    assert history[0]["operation"] == "update"
    assert {"field": "owner_id", "old": leaver_id, "new": heir_id}.items() <= {
        k: v for c in history[0]["changes"] if c["field"] == "owner_id" for k, v in c.items()
    }.items()
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        events = conn.execute(
            sa.select(sa.func.count())
            .select_from(outbox_table)
            .where(outbox_table.c.record_id.in_(accounts), outbox_table.c.event == "record.updated")
        ).scalar()
        assert events == 5
        updates = conn.execute(
            sa.select(sa.func.count())
            .select_from(history_table)
            .where(history_table.c.record_id.in_(accounts), history_table.c.operation == "update")
        ).scalar()
        assert updates == 5
    assert "user.transfer" in _audit_actions(platform, tenant, leaver_id)
    again = client.post(f"/api/v1/users/{leaver_id}/transfer", json={"to_user": heir_id}).json()
    assert again["total"] == 0


def test_transfer_by_object_and_filter_in_batches(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    leaver_id, _, leaver = _member(app, client)
    heir_id, _, _ = _member(app, client)
    ids = {}
    for i, province in enumerate(["浙江", "浙江", "浙江", "江苏", "浙江"]):
        ids[i] = leaver.post(
            "/api/v1/records/account", json={"name": f"客户{i}", "province": province}
        ).json()["id"]
    # A rule the record named 客户1 no longer meets: the write path refuses it, the rest move.
    rules = [
        {
            "name": "no_one",
            "condition": 'name = "客户1"',
            "message": {"en": "Blocked.", "zh-CN": "已冻结。"},
        }
    ]
    patched = client.patch("/api/v1/metadata/objects/account", json={"validation_rules": rules})
    assert patched.status_code == 200, patched.text

    admin = client.get("/api/v1/me").json()["user"]
    item = TransferItem("account", {"field": "province", "op": "eq", "value": "浙江"})
    opened = 0

    def open_context() -> Any:
        nonlocal opened
        opened += 1
        return platform.context(tenant, Actor(id=admin["id"], name=admin["name"], is_admin=True))

    result = transfer(open_context, leaver_id, heir_id, [item], batch_size=2)
    assert result["transferred"] == {"account": 3}
    assert [(f["id"], f["code"]) for f in result["failed"]] == [(ids[1], "invalid_request")]
    assert opened >= 3  # four matching records in batches of two, plus the audit entry
    owners = {
        i: client.get(f"/api/v1/records/account/{record_id}").json()["owner_id"]
        for i, record_id in ids.items()
    }
    assert owners == {0: heir_id, 1: leaver_id, 2: heir_id, 3: leaver_id, 4: heir_id}

    # The same through HTTP, by object name: only account records move.
    response = client.post(
        f"/api/v1/users/{leaver_id}/transfer",
        json={"to_user": heir_id, "objects": ["account"]},
    )
    assert response.json()["transferred"] == {"account": 1}
    assert response.json()["failed_count"] == 1


def test_transfer_rejects_bad_requests(app: Any, client: TestClient) -> None:
    leaver_id, _, _ = _member(app, client)
    heir_id, _, _ = _member(app, client)
    inactive_id, _, _ = _member(app, client)
    assert client.post(f"/api/v1/users/{inactive_id}/deactivate").status_code == 200
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "to_user", "required"),
        ({"to_user": inactive_id}, "to_user", "user_inactive"),
        ({"to_user": leaver_id}, "to_user", "same_user"),
        ({"to_user": heir_id, "objects": ["nope"]}, "objects.0", "object_not_found"),
        ({"to_user": heir_id, "objects": ["department"]}, "objects.0", "not_owned"),
        (
            {"to_user": heir_id, "objects": [{"object": "account", "filter": {"field": "zz"}}]},
            "objects.0.filter.field",
            "invalid_filter",
        ),
        ({"to_user": heir_id, "objects": "account"}, "objects", "invalid_request"),
        ({"to_user": heir_id, "extra": 1}, "extra", "unknown_field"),
    ]
    for body, field, code in cases:
        response = client.post(f"/api/v1/users/{leaver_id}/transfer", json=body)
        assert response.status_code == 422, (body, response.text)
        errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
        assert (field, code) in errors, (body, errors)


def test_manager_cannot_be_circular(app: Any, client: TestClient) -> None:
    boss_id, _, _ = _member(app, client)
    report_id, _, _ = _member(app, client, manager=boss_id)
    me = client.get(f"/api/v1/records/user/{boss_id}").json()
    response = client.patch(
        f"/api/v1/records/user/{boss_id}",
        json={"manager": report_id},
        headers={"If-Match": str(me["version"])},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "manager"
    assert response.json()["errors"][0]["code"] == "circular_manager"
