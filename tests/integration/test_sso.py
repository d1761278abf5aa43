"""OpenID Connect single sign-on against a real provider process (oidc-provider-mock).

The provider runs as its own server on a free local port. The "browser" is a TestClient for
Keyi plus plain HTTP calls to the provider's authorisation form, where the test chooses the
subject whose claims it stored beforehand (`PUT /users/<sub>`).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from keyi.cli import main
from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.crypto import KEY_FILE, SecretBox, load_or_create_key
from keyi.platform.migrations import VERSION_TABLE
from keyi.platform.permissions import Actor
from keyi.platform.sso.oidc import OidcClient, OidcError
from keyi.platform.sso.providers import ProviderConfig, SsoProviders
from keyi.platform.tenancy import Platform
from keyi.settings import Settings
from tests.conftest import admin_email_of

SECRET = "s3cr3t-never-shown-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """A real OIDC provider process on a free port; its issuer URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the OIDC provider did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def set_claims(issuer: str, sub: str, **claims: Any) -> None:
    response = httpx.put(f"{issuer}/users/{quote(sub, safe='')}", json=claims)
    assert response.status_code == 204, response.text


def add_provider(client: TestClient, issuer: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "corp",
        "issuer": issuer,
        "client_id": "keyi-" + uuid.uuid4().hex[:6],
        "client_secret": SECRET,
        "labels": {"en": "Corporate account", "zh-CN": "企业账号"},
        **extra,
    }
    response = client.post("/api/v1/sso/providers", json=body)
    assert response.status_code == 201, response.text
    assert SECRET not in response.text
    return dict(response.json())


def begin(browser: TestClient, tenant: str, provider: str = "corp") -> str:
    """Start at Keyi; answer the provider's authorisation URL it redirects to."""
    response = browser.get(f"/api/v1/auth/sso/{tenant}/{provider}/start", follow_redirects=False)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def authorize(authorize_url: str, sub: str, action: str | None = None) -> str:
    """Submit the provider's form as the person `sub`; the callback URL it sends us to."""
    form = {"sub": sub, **({"action": action} if action else {})}
    response = httpx.post(authorize_url, data=form, follow_redirects=False)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def sign_in(browser: TestClient, tenant: str, sub: str) -> httpx.Response:
    return browser.get(authorize(begin(browser, tenant), sub), follow_redirects=False)


def sso_error(response: httpx.Response) -> str | None:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    return parse_qs(location.query).get("sso_error", [None])[0]


def with_param(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **params})))


def audit_actions(platform: Platform, tenant: TenantInfo) -> list[tuple[str, dict[str, Any]]]:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        rows = ctx.conn.execute(sa.select(audit_table.c.action, audit_table.c.details))
        return [(r.action, r.details) for r in rows]


# ------------------------------------------------------------------ the happy path
def test_member_signs_in_by_verified_email_then_by_link(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, issuer: str
) -> None:
    admin_email = admin_email_of(platform, tenant)
    provider = add_provider(client, issuer)
    assert provider["has_client_secret"] is True and "client_secret" not in provider
    assert provider["scopes"] == ["openid", "email", "profile"]
    listed = client.get("/api/v1/sso/providers")
    assert listed.status_code == 200 and SECRET not in listed.text
    assert listed.json()["redirect_uri"] == "http://testserver/api/v1/auth/sso/callback"
    buttons = client.get("/api/v1/auth/sso/providers", params={"tenant": tenant.name}).json()
    assert buttons == {
        "tenant": tenant.name,
        "providers": [
            {
                "name": "corp",
                "labels": {"en": "Corporate account", "zh-CN": "企业账号"},
                "start_url": f"/api/v1/auth/sso/{tenant.name}/corp/start",
            }
        ],
    }

    sub = "emp-" + uuid.uuid4().hex
    set_claims(issuer, sub, email=admin_email.upper(), email_verified=True, name="Boss")
    with TestClient(app, follow_redirects=False) as browser:
        authorize_url = begin(browser, tenant.name)
        query = parse_qs(urlsplit(authorize_url).query)
        assert authorize_url.startswith(f"{issuer}/oauth2/authorize?")
        assert query["client_id"] == [provider["client_id"]]
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
        assert query["nonce"][0] and query["state"][0]
        assert query["redirect_uri"] == ["http://testserver/api/v1/auth/sso/callback"]
        assert "code_verifier" not in query and SECRET not in authorize_url
        done = browser.get(authorize(authorize_url, sub), follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert browser.cookies.get("keyi_session") and browser.cookies.get("keyi_csrf")
        me = browser.get("/api/v1/me")
        assert me.status_code == 200, me.text
        assert me.json()["user"]["email"] == admin_email
        assert me.json()["tenant"]["name"] == tenant.name
        # The session is a normal one: writes need the CSRF header like a password session.
        csrf = browser.cookies["keyi_csrf"]
        made = browser.post(
            "/api/v1/records/account", json={"name": "SSO 客户"}, headers={"X-CSRF-Token": csrf}
        )
        assert made.status_code == 201, made.text

    # Later the provider changes the email: the (provider, subject) link still finds the person.
    set_claims(issuer, sub, email="renamed@elsewhere.example", email_verified=True)
    with TestClient(app, follow_redirects=False) as browser:
        done = sign_in(browser, tenant.name, sub)
        assert sso_error(done) is None
        assert browser.get("/api/v1/me").json()["user"]["email"] == admin_email

    logins = [d for a, d in audit_actions(platform, tenant) if a == "auth.login"]
    assert [d for d in logins if d.get("via") == "sso"][-1]["provider"] == "corp"


# ------------------------------------------------------------------ refusals
def test_refusals_redirect_to_the_login_page_with_a_code(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, issuer: str
) -> None:
    admin_email = admin_email_of(platform, tenant)
    add_provider(client, issuer)
    sub = "emp-" + uuid.uuid4().hex
    set_claims(issuer, sub, email=admin_email, email_verified=True)
    with TestClient(app, follow_redirects=False) as browser:
        # Tampered state: no such sign-in.
        callback = authorize(begin(browser, tenant.name), sub)
        assert sso_error(browser.get(with_param(callback, state="x" * 43))) == "bad_state"
        # The genuine callback works once; replaying it is refused.
        assert sso_error(browser.get(callback, follow_redirects=False)) is None
        assert sso_error(browser.get(callback, follow_redirects=False)) == "bad_state"
    with (
        TestClient(app, follow_redirects=False) as browser,
        TestClient(app, follow_redirects=False) as other_browser,
    ):
        # A callback finished in another browser (login CSRF) is refused.
        callback = authorize(begin(browser, tenant.name), sub)
        stolen = other_browser.get(callback, follow_redirects=False)
        assert sso_error(stolen) == "bad_state"
        assert other_browser.get("/api/v1/me").status_code == 401
        # The person says no at the provider.
        denied = browser.get(authorize(begin(browser, tenant.name), sub, action="deny"))
        assert sso_error(denied) == "denied"
        # A nonce other than ours (a replayed or injected token) fails ID token validation.
        forged = with_param(begin(browser, tenant.name), nonce="attacker-nonce")
        assert sso_error(browser.get(authorize(forged, sub), follow_redirects=False)) == (
            "invalid_token"
        )
        # A code the provider never issued cannot be redeemed.
        bogus = with_param(authorize(begin(browser, tenant.name), sub), code="not-a-code")
        assert sso_error(browser.get(bogus)) == "token_exchange_failed"
        # A sign-in left waiting too long has expired.
        late = authorize(begin(browser, tenant.name), sub)
        flows = platform.t["sso_flow"]
        with platform.db.control.begin() as conn:
            conn.execute(sa.update(flows).values(expires_at=datetime(2000, 1, 1)))
        assert sso_error(browser.get(late)) == "expired"
        # An unverified email is not proof of anything.
        unverified = "emp-" + uuid.uuid4().hex
        set_claims(issuer, unverified, email=admin_email, email_verified=False)
        assert sso_error(sign_in(browser, tenant.name, unverified)) == "email_unverified"
        # A verified stranger without automatic provisioning.
        stranger = "emp-" + uuid.uuid4().hex
        set_claims(issuer, stranger, email=f"{stranger}@corp.example", email_verified=True)
        assert sso_error(sign_in(browser, tenant.name, stranger)) == "unknown_user"
        # Unknown provider or company: back to the login page, nothing revealed.
        missing = browser.get(f"/api/v1/auth/sso/{tenant.name}/nope/start", follow_redirects=False)
        assert sso_error(missing) == "provider_unavailable"
        # A provider that does not answer: back to the login page, not an error page.
        down = add_provider(client, "http://127.0.0.1:9", name="down")
        unreachable = browser.get(
            f"/api/v1/auth/sso/{tenant.name}/{down['name']}/start", follow_redirects=False
        )
        assert sso_error(unreachable) == "provider_unreachable"
        assert browser.get("/api/v1/me").status_code == 401
    users = client.get("/api/v1/users", params={"q": "corp.example"}).json()["users"]
    assert users == []
    failures = [d["code"] for a, d in audit_actions(platform, tenant) if a == "auth.sso_failed"]
    assert {"invalid_token", "email_unverified", "unknown_user"} <= set(failures)


def test_id_token_for_another_audience_is_rejected(issuer: str) -> None:
    """A genuine, well-signed token minted for another client must not sign anyone in here."""
    sub = "aud-" + uuid.uuid4().hex
    set_claims(issuer, sub, email=f"{sub}@corp.example", email_verified=True)
    redirect = "http://127.0.0.1:9/cb"
    url = f"{issuer}/oauth2/authorize?" + urlencode(
        {
            "client_id": "another-app",
            "response_type": "code",
            "scope": "openid email",
            "redirect_uri": redirect,
            "state": "s",
            "nonce": "n-1",
        }
    )
    code = parse_qs(urlsplit(authorize(url, sub)).query)["code"][0]
    token = httpx.post(
        f"{issuer}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        auth=("another-app", "x"),
    ).json()

    def config(client_id: str) -> ProviderConfig:
        return ProviderConfig(
            id=str(uuid.uuid4()),
            tenant_id=str(uuid.uuid4()),
            name="corp",
            issuer=issuer,
            client_id=client_id,
            client_secret="x",
            scopes=("openid",),
            labels={"en": "Corp"},
            provision_users=False,
            default_role_id=None,
            enabled=True,
        )

    oidc = OidcClient()
    claims = oidc.validate_id_token(config("another-app"), token["id_token"], nonce="n-1")
    assert claims["sub"] == sub  # the intended client accepts it ...
    with pytest.raises(OidcError) as refused:  # ... and we, with our own client id, do not
        oidc.validate_id_token(config("keyi"), token["id_token"], nonce="n-1")
    assert refused.value.code == "invalid_token"
    # An issuer that is not exactly the provider's own is refused (at discovery already).
    with pytest.raises(OidcError) as refused:
        other_issuer = dataclasses.replace(config("another-app"), issuer=issuer + "/")
        oidc.validate_id_token(other_issuer, token["id_token"], nonce="n-1")
    assert refused.value.code == "provider_unreachable"
    head, payload, signature = token["id_token"].split(".")
    for nonce, id_token in (
        ("n-2", token["id_token"]),  # another sign-in's nonce
        ("n-1", ".".join([head, payload, signature[::-1]])),  # a forged signature
    ):
        with pytest.raises(OidcError) as refused:
            oidc.validate_id_token(config("another-app"), id_token, nonce=nonce)
        assert refused.value.code == "invalid_token"


# ------------------------------------------------------------------ provisioning
def test_first_sign_in_provisions_a_user_with_the_default_role(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, issuer: str
) -> None:
    role = client.post("/api/v1/records/role", json={"name": "SSO 销售"})
    assert role.status_code == 201, role.text
    # Provisioning needs a role chosen on purpose.
    missing_role = client.post(
        "/api/v1/sso/providers",
        json={"name": "jit", "issuer": issuer, "client_id": "k", "provision_users": True},
    )
    assert missing_role.status_code == 422
    assert [e["field"] for e in missing_role.json()["errors"]] == ["default_role"]
    add_provider(client, issuer, provision_users=True, default_role=role.json()["id"])

    sub = "new-" + uuid.uuid4().hex
    email = f"{sub}@corp.example"
    set_claims(issuer, sub, email=email, email_verified=True, name="王小明")
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, sub)) is None
        me = browser.get("/api/v1/me").json()["user"]
        assert me["email"] == email and me["name"] == "王小明" and me["is_admin"] is False
    user = client.get(f"/api/v1/records/user/{me['id']}").json()
    assert user["role"] == role.json()["id"] and user["is_active"] is True
    assert ("user.provision", {"email": email, "provider": "corp"}) in audit_actions(
        platform, tenant
    )

    # Deactivated by an administrator: SSO no longer lets them in.
    assert client.post(f"/api/v1/users/{me['id']}/deactivate").status_code == 200
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, sub)) == "inactive"
        assert browser.get("/api/v1/me").status_code == 401
    assert len(client.get("/api/v1/users", params={"q": sub}).json()["users"]) == 1


# ------------------------------------------------------------------ administration
def test_provider_administration_validates_hides_secrets_and_isolates_tenants(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, issuer: str
) -> None:
    bad = client.post(
        "/api/v1/sso/providers",
        json={
            "name": "Bad Name",
            "issuer": "http://idp.example.com",
            "scopes": "openid",
            "labels": {"fr": "x"},
            "colour": "red",
        },
    )
    assert bad.status_code == 422
    fields = {e["field"]: e["code"] for e in bad.json()["errors"]}
    assert fields == {
        "name": "invalid_name",
        "issuer": "invalid_url",
        "client_id": "required",
        "scopes": "invalid_option",
        "labels": "invalid_request",
        "colour": "unknown_field",
    }
    assert client.get("/api/v1/sso/providers").json()["providers"] == []
    # NUL cannot be stored by PostgreSQL: refused as a field error, never a server error.
    nul = client.post(
        "/api/v1/sso/providers",
        json={
            "name": "n",
            "issuer": issuer + "\x00",
            "client_id": "a\x00",
            "labels": {"en": "\x00"},
        },
    )
    assert {e["field"] for e in nul.json()["errors"]} == {"issuer", "client_id", "labels"}
    odd = client.get("/api/v1/auth/sso/providers", params={"tenant": "\x00"})
    assert odd.json() == {"tenant": None, "providers": []}

    created = add_provider(client, issuer, scopes=["email"])
    assert created["scopes"] == ["openid", "email"]
    duplicate = client.post(
        "/api/v1/sso/providers", json={"name": "corp", "issuer": issuer, "client_id": "x"}
    )
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["code"] == "not_unique"
    path = f"/api/v1/sso/providers/{created['id']}"
    changed = client.patch(path, json={"enabled": False, "client_secret": "rotated-" + SECRET})
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert SECRET not in changed.text and changed.json()["has_client_secret"] is True
    assert client.patch(path, json={"name": "other"}).json()["errors"][0]["code"] == "read_only"
    assert client.get(path).json()["enabled"] is False
    # Disabled: no button, and starting is refused.
    buttons = client.get("/api/v1/auth/sso/providers", params={"tenant": tenant.name})
    assert buttons.json()["providers"] == []
    with TestClient(app, follow_redirects=False) as browser:
        started = browser.get(f"/api/v1/auth/sso/{tenant.name}/corp/start", follow_redirects=False)
        assert sso_error(started) == "provider_unavailable"
    # Nothing in the audit log or any answer carries the secret.
    assert SECRET not in repr(audit_actions(platform, tenant))
    assert SECRET not in client.get(path).text + client.get("/api/v1/sso/providers").text

    # Another company's administrator does not see or touch it; non-admins may not manage.
    from keyi.provisioning import add_user, create_tenant

    other = create_tenant(
        platform,
        "t" + uuid.uuid4().hex[:12],
        admin_email=f"{uuid.uuid4().hex[:8]}@other.example",
        admin_password="correct-horse-battery",
    )
    try:
        with TestClient(app, follow_redirects=False) as outsider:
            from tests.conftest import login

            login(outsider, admin_email_of(platform, other))
            assert outsider.get(path).status_code == 404
            assert outsider.patch(path, json={"enabled": True}).status_code == 404
            assert outsider.delete(path).status_code == 404
            assert outsider.get("/api/v1/sso/providers").json()["providers"] == []
            add_provider(outsider, issuer)  # the same name in another company is fine
        rep_email = f"rep-{uuid.uuid4().hex[:6]}@example.com"
        add_user(platform, tenant, email=rep_email, name="Rep", password="correct-horse-9")
        with TestClient(app, follow_redirects=False) as rep:
            login(rep, rep_email, "correct-horse-9")
            assert rep.get("/api/v1/sso/providers").status_code == 403
            assert rep.post("/api/v1/sso/providers", json={}).status_code == 403
    finally:
        platform.drop_tenant(other.name)
    providers = platform.t["sso_provider"]
    with platform.db.control.connect() as conn:
        left = conn.execute(sa.select(providers.c.id).where(providers.c.tenant_id == other.id))
        assert left.all() == []  # a dropped company's secrets go with it

    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


# ------------------------------------------------------------------ command line
def test_cli_adds_lists_and_removes_providers(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    runner = CliRunner(env={**env, "KEYI_DATA_DIR": str(tmp_path)})

    def run(*args: str, ok: bool = True, **extra: Any) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False, **extra)
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    run(
        "tenant",
        "create",
        "acme",
        "--admin-email",
        "it@acme.example",
        "--admin-password",
        "Acme-lantern-2026",
    )
    added = run(
        "sso",
        "add",
        "--tenant",
        "acme",
        "--name",
        "corp",
        "--issuer",
        "https://login.acme.example",
        "--client-id",
        "keyi",
        "--label-zh",
        "企业账号",
        "--scope",
        "openid",
        "--scope",
        "email",
        "--trust-email",
        env={"KEYI_SSO_CLIENT_SECRET": SECRET},
    )
    assert "added corp" in added and "/api/v1/auth/sso/callback" in added
    refused = run(
        "sso",
        "add",
        "--tenant",
        "acme",
        "--name",
        "jit",
        "--issuer",
        "https://login.acme.example",
        "--client-id",
        "keyi",
        "--provision",
        "--default-role",
        "nobody",
        ok=False,
    )
    assert "no role named 'nobody'" in refused
    listed = run("sso", "list", "--tenant", "acme")
    assert "corp\thttps://login.acme.example\tkeyi\tsecret=set" in listed
    assert "trust_email=yes" in listed
    assert SECRET not in listed + added
    platform = Platform(Settings(data_dir=tmp_path))
    try:
        found = SsoProviders(platform).config_by_name(platform.tenant("acme").id, "corp")
        assert found is not None and found.client_secret == SECRET and found.trust_email
        # Encrypted at rest with the key file the CLI made in the data directory.
        key_file = tmp_path / KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        table = platform.t["sso_provider"]
        with platform.db.control.connect() as conn:
            stored = conn.execute(sa.select(table.c.client_secret)).scalar_one()
        assert SECRET not in stored
        assert found.scopes == ("openid", "email") and found.labels == {"zh-CN": "企业账号"}
    finally:
        platform.dispose()
    assert "removed corp" in run("sso", "remove", "--tenant", "acme", "--name", "corp")
    assert run("sso", "list", "--tenant", "acme") == ""


# ------------------------------------------------------------------ invitations
def test_invited_person_accepts_the_invitation_by_signing_in(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, issuer: str
) -> None:
    role = client.post("/api/v1/records/role", json={"name": "SSO 受邀"})
    assert role.status_code == 201, role.text
    # Provisioning is on too: the invited person must become their user, not a second one.
    add_provider(client, issuer, provision_users=True, default_role=role.json()["id"])

    def invite(email: str) -> tuple[str, str]:
        invited = client.post("/api/v1/users/invite", json={"name": "李雷", "email": email})
        assert invited.status_code == 201, invited.text
        token = parse_qs(urlsplit(invited.json()["accept_url"]).query)["token"][0]
        return invited.json()["user"]["id"], token

    def status(email: str) -> list[tuple[str, str]]:
        users = client.get("/api/v1/users", params={"q": email}).json()["users"]
        return [(u["id"], u["status"]) for u in users]

    email = f"inv-{uuid.uuid4().hex[:8]}@corp.example"
    user_id, token = invite(email)
    sub = "inv-" + uuid.uuid4().hex
    set_claims(issuer, sub, email=email.upper(), email_verified=True, name="Li Lei")
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, sub)) is None
        me = browser.get("/api/v1/me").json()["user"]
        assert me["id"] == user_id and me["email"] == email
    assert status(email) == [(user_id, "active")]
    # The record the administrator made, role and name as they set them: nothing provisioned.
    user = client.get(f"/api/v1/records/user/{user_id}").json()
    assert user["name"] == "李雷" and user["role"] is None and user["is_active"] is True
    # The invitation is used up: its link no longer works.
    used = client.get("/api/v1/auth/invitation", params={"token": token})
    assert used.status_code == 422 and used.json()["errors"][0]["code"] == "invitation_invalid"
    actions = audit_actions(platform, tenant)
    accepted = [d for a, d in actions if a == "user.invitation_accept"]
    assert accepted == [{"email": email, "via": "sso", "provider": "corp"}]
    assert not [d for a, d in actions if a == "user.provision"]
    # Signing in again goes by the (provider, subject) link.
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, sub)) is None

    # An expired invitation is not accepted by signing in either; a revoked one means no access.
    late_email = f"late-{uuid.uuid4().hex[:8]}@corp.example"
    late_id, _ = invite(late_email)
    invitations = platform.t["invitation"]
    with platform.db.control.begin() as conn:
        conn.execute(
            sa.update(invitations)
            .where(invitations.c.user_id == late_id)
            .values(expires_at=datetime(2000, 1, 1))
        )
    late_sub = "late-" + uuid.uuid4().hex
    set_claims(issuer, late_sub, email=late_email, email_verified=True)
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, late_sub)) == "invitation_expired"
        assert browser.get("/api/v1/me").status_code == 401
    assert status(late_email) == [(late_id, "invited")]
    assert client.delete(f"/api/v1/users/{late_id}/invitation").status_code == 204
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, late_sub)) == "inactive"
    assert status(late_email) == [(late_id, "inactive")]


# ------------------------------------------------------------------ trusting a provider's emails
def test_trust_email_for_providers_that_send_no_email_verified(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, issuer: str
) -> None:
    admin_email = admin_email_of(platform, tenant)
    provider = add_provider(client, issuer)
    assert provider["trust_email"] is False  # strict unless an administrator says otherwise
    path = f"/api/v1/sso/providers/{provider['id']}"
    sub = "idp-" + uuid.uuid4().hex
    set_claims(issuer, sub, email=admin_email)  # no email_verified claim at all
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, sub)) == "email_unverified"
    bad = client.patch(path, json={"trust_email": "yes"})
    assert bad.status_code == 422
    assert {e["field"]: e["code"] for e in bad.json()["errors"]} == {
        "trust_email": "invalid_boolean"
    }
    changed = client.patch(path, json={"trust_email": True})
    assert changed.status_code == 200 and changed.json()["trust_email"] is True
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, sub)) is None
        assert browser.get("/api/v1/me").json()["user"]["email"] == admin_email
    updates = [d for a, d in audit_actions(platform, tenant) if a == "sso.provider_update"]
    assert updates[-1]["changed"] == ["trust_email"] and updates[-1]["trust_email"] is True
    # Trust covers a missing claim, not a missing address.
    nameless = "idp-" + uuid.uuid4().hex
    set_claims(issuer, nameless, name="No Email")
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, nameless)) == "email_unverified"
    document = client.get("/api/v1/openapi.json").json()
    body = document["paths"]["/api/v1/sso/providers"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["properties"]["trust_email"]["type"] == "boolean"


# ------------------------------------------------------------------ secrets at rest
def test_client_secret_is_encrypted_at_rest(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo, issuer: str
) -> None:
    provider = add_provider(client, issuer)
    table = platform.t["sso_provider"]

    def stored() -> str:
        with platform.db.control.connect() as conn:
            return str(
                conn.execute(
                    sa.select(table.c.client_secret).where(table.c.id == provider["id"])
                ).scalar_one()
            )

    assert stored().startswith("fernet:") and SECRET not in stored()
    # No KEYI_SECRET_KEY here: the key is a file made once in the data directory, owner-only.
    key_file = platform.settings.data_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SECRET.encode() not in key_file.read_bytes()
    providers = SsoProviders(platform)

    def secret() -> str | None:
        found = providers.config(provider["id"])
        assert found is not None and not found.secret_unreadable
        assert found.client_secret is None or found.client_secret not in repr(found)
        return found.client_secret

    assert secret() == SECRET
    # The sign-in flow redeems codes with the decrypted secret.
    admin_email = admin_email_of(platform, tenant)
    sub = "enc-" + uuid.uuid4().hex
    set_claims(issuer, sub, email=admin_email, email_verified=True)
    with TestClient(app, follow_redirects=False) as browser:
        assert sso_error(sign_in(browser, tenant.name, sub)) is None

    # A secret stored in plain text by an earlier version still works, and the next start
    # encrypts it in place.
    with platform.db.control.begin() as conn:
        conn.execute(
            sa.update(table).where(table.c.id == provider["id"]).values(client_secret=SECRET)
        )
    assert secret() == SECRET
    platform.init_control()
    assert stored().startswith("fernet:") and SECRET not in stored()
    assert secret() == SECRET
    # Saving a new secret stores it encrypted too.
    rotated = "rotated-" + SECRET
    assert (
        client.patch(
            f"/api/v1/sso/providers/{provider['id']}", json={"client_secret": rotated}
        ).status_code
        == 200
    )
    assert SECRET not in stored()
    assert secret() == rotated
    # Over the limit that still fits the column once encrypted: a field error.
    too_long = client.patch(
        f"/api/v1/sso/providers/{provider['id']}", json={"client_secret": "秘" * 200}
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "client_secret"

    # Under another key (KEYI_SECRET_KEY set later, or the key file lost) the secret cannot be
    # read: the provider is unavailable rather than trying the provider with no secret.
    other = Platform(dataclasses.replace(platform.settings, secret_key="k-" + uuid.uuid4().hex))
    try:
        unreadable = SsoProviders(other).config(provider["id"])
        assert unreadable is not None and unreadable.secret_unreadable
        assert unreadable.client_secret is None
    finally:
        other.dispose()


def test_secret_key_from_the_environment_or_a_key_file(tmp_path: Path) -> None:
    settings = Settings.from_env({"KEYI_SECRET_KEY": "correct horse battery staple"})
    assert settings.secret_key == "correct horse battery staple"
    assert "correct horse" not in repr(settings)
    box = SecretBox.from_passphrase("correct horse battery staple")
    token = box.encrypt("client-secret")
    assert "client-secret" not in token
    assert SecretBox.from_passphrase("correct horse battery staple").decrypt(token) == (
        "client-secret"
    )
    assert box.decrypt("legacy-plain-text") == "legacy-plain-text"
    # With KEYI_SECRET_KEY no key file is written; without it one is, once, and reused.
    platform = Platform(dataclasses.replace(Settings(data_dir=tmp_path), secret_key="k"))
    try:
        platform.secret_box.encrypt("x")
        assert not (tmp_path / KEY_FILE).exists()
    finally:
        platform.dispose()
    first = load_or_create_key(tmp_path / "keys" / KEY_FILE)
    assert load_or_create_key(tmp_path / "keys" / KEY_FILE) == first
    assert stat.S_IMODE((tmp_path / "keys" / KEY_FILE).stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "keys").iterdir()] == [KEY_FILE]  # no temporary left


def test_start_adds_columns_an_older_control_database_lacks(platform: Platform) -> None:
    """trust_email came after the table: starting on a database from before versioned
    migrations (no version table) adds it (false) when the baseline revision adopts it."""
    table = platform.t["sso_provider"]
    engine = platform.db.control
    with engine.begin() as conn:
        preparer = conn.dialect.identifier_preparer
        name = preparer.format_table(table)
        conn.exec_driver_sql(f"ALTER TABLE {name} DROP COLUMN trust_email")
        version = sa.table(VERSION_TABLE, schema=table.schema)
        conn.exec_driver_sql(f"DROP TABLE {preparer.format_table(version)}")
    platform.init_control()
    with engine.connect() as conn:
        columns = {
            c["name"]: c for c in sa.inspect(conn).get_columns(table.name, schema=table.schema)
        }
    assert "trust_email" in columns and columns["trust_email"]["nullable"] is False
