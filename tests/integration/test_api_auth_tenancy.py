"""Sign-in, sessions, CSRF, API keys, permissions seam and tenant isolation through HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from keyi.platform.auth import AuthService
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user, create_tenant
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login, new_tenant_name
from tests.integration.helpers import make_account


def test_login_cookie_session_needs_csrf(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    email = admin_email_of(platform, tenant)
    with TestClient(app) as browser:
        wrong = browser.post("/api/v1/auth/login", json={"email": email, "password": "nope-nope"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"
        ok = browser.post("/api/v1/auth/login", json={"email": email, "password": ADMIN_PASSWORD})
        assert ok.status_code == 200
        body = ok.json()
        assert body["user"]["is_admin"] is True and body["tenant"]["name"] == tenant.name
        assert "httponly" in ok.headers["set-cookie"].lower()
        assert browser.get("/api/v1/me").json()["user"]["email"] == email
        # Writing with the cookie alone is refused; with the CSRF header it works.
        refused = browser.post("/api/v1/records/account", json={"name": "X"})
        assert refused.status_code == 403 and refused.json()["code"] == "csrf"
        csrf = browser.cookies.get("keyi_csrf")
        allowed = browser.post(
            "/api/v1/records/account", json={"name": "X"}, headers={"X-CSRF-Token": csrf}
        )
        assert allowed.status_code == 201
        assert (
            browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        )
        assert browser.get("/api/v1/me").status_code == 401


def test_unauthenticated_requests(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as anonymous:
        for method, path in (
            ("get", "/api/v1/records/account"),
            ("get", "/api/v1/metadata/objects"),
            ("get", "/api/v1/search?q=x"),
        ):
            response = getattr(anonymous, method)(path)
            assert response.status_code == 401
            assert response.headers["content-type"].startswith("application/problem+json")
        assert (
            anonymous.get(
                "/api/v1/records/account", headers={"Authorization": "Bearer forged"}
            ).status_code
            == 401
        )
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        assert anonymous.get("/readyz").status_code == 200
        # Metrics need KEYI_METRICS_TOKEN or an address in KEYI_METRICS_ALLOW.
        assert anonymous.get("/metrics").status_code == 401
        docs = anonymous.get("/api/docs")
        assert docs.status_code == 200 and "/api/docs/assets/swagger-ui-bundle.js" in docs.text
        assert anonymous.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_api_key(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as admin:
        login(admin, admin_email_of(platform, tenant))
        me = admin.get("/api/v1/me").json()
    key = AuthService(platform).create_api_key(tenant.id, me["user"]["id"], "integration")
    with TestClient(app) as integration:
        integration.headers["Authorization"] = f"Bearer {key}"
        assert (
            integration.post("/api/v1/records/account", json={"name": "Via key"}).status_code == 201
        )


def test_tenant_isolation(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    other = create_tenant(
        platform, new_tenant_name(), admin_email="boss@other.example", admin_password=ADMIN_PASSWORD
    )
    try:
        with TestClient(app) as mine, TestClient(app) as theirs:
            login(mine, admin_email_of(platform, tenant))
            login(theirs, "boss@other.example")
            secret = make_account(theirs, name="纷享机密客户")
            custom = theirs.post(
                "/api/v1/metadata/objects",
                json={"name": "secret_thing", "labels": {"en": "Secret"}},
            )
            assert custom.status_code == 201
            assert mine.get(f"/api/v1/records/account/{secret['id']}").status_code == 404
            assert (
                mine.patch(
                    f"/api/v1/records/account/{secret['id']}", json={"name": "hijack"}
                ).status_code
                == 404
            )
            assert mine.delete(f"/api/v1/records/account/{secret['id']}").status_code == 404
            assert mine.get(f"/api/v1/records/account/{secret['id']}/history").status_code == 404
            assert mine.get("/api/v1/records/account").json()["records"] == []
            assert mine.get("/api/v1/search", params={"q": "纷享"}).json()["hits"] == []
            assert mine.get("/api/v1/metadata/objects/secret_thing").status_code == 404
            assert (
                mine.post("/api/v1/records/account/aggregate", json={}).json()["groups"][0][
                    "values"
                ]["count"]
                == 0
            )
            # A lookup in my tenant cannot point at their record.
            opp = mine.post("/api/v1/records/contact", json={"name": "x", "account": secret["id"]})
            assert opp.status_code == 422
            assert (
                theirs.get(f"/api/v1/records/account/{secret['id']}").json()["name"]
                == "纷享机密客户"
            )
    finally:
        platform.drop_tenant(other.name)


def test_email_in_two_tenants_must_choose(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    email = admin_email_of(platform, tenant)
    other = create_tenant(
        platform, new_tenant_name(), admin_email=f"x-{email}", admin_password=ADMIN_PASSWORD
    )
    try:
        add_user(platform, other, email=email, name="Shared", password=None)
        with TestClient(app) as browser:
            ambiguous = browser.post(
                "/api/v1/auth/login", json={"email": email, "password": ADMIN_PASSWORD}
            )
            assert ambiguous.status_code == 409
            assert sorted(ambiguous.json()["tenants"]) == sorted([tenant.name, other.name])
            chosen = browser.post(
                "/api/v1/auth/login",
                json={"email": email, "password": ADMIN_PASSWORD, "tenant": other.name},
            )
            assert chosen.status_code == 200 and chosen.json()["tenant"]["name"] == other.name
    finally:
        platform.drop_tenant(other.name)


def test_standard_user_edits_only_own_records(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    add_user(platform, tenant, email="rep@example.com", name="销售代表", password=ADMIN_PASSWORD)
    with TestClient(app) as admin, TestClient(app) as rep:
        login(admin, admin_email_of(platform, tenant))
        login(rep, "rep@example.com", tenant=tenant.name)
        admins = make_account(admin, name="Admin's")
        mine = make_account(rep, name="Mine")
        assert mine["owner_id"] == rep.get("/api/v1/me").json()["user"]["id"]
        assert rep.get(f"/api/v1/records/account/{admins['id']}").status_code == 200
        assert (
            rep.patch(f"/api/v1/records/account/{admins['id']}", json={"grade": "A"}).status_code
            == 403
        )
        assert rep.delete(f"/api/v1/records/account/{admins['id']}").status_code == 403
        assert (
            rep.patch(f"/api/v1/records/account/{mine['id']}", json={"grade": "A"}).status_code
            == 200
        )
        assert (
            rep.post(
                "/api/v1/metadata/objects", json={"name": "nope", "labels": {"en": "No"}}
            ).status_code
            == 403
        )
        assert (
            rep.post(
                "/api/v1/records/user", json={"name": "x", "email": "x@example.com"}
            ).status_code
            == 403
        )
        assert admin.get(f"/api/v1/records/account/{admins['id']}").json()["grade"] is None


def test_search_cjk_and_latin(client: TestClient) -> None:
    make_account(client, name="北京纷享销客科技有限公司")
    make_account(client, name="Acme Robotics Ltd.", phone="138-0013-8000")
    make_account(client, name="王芳贸易")
    client.post("/api/v1/records/contact", json={"name": "王芳", "email": "wangfang@example.com"})

    def titles(q: str) -> list[str]:
        response = client.get("/api/v1/search", params={"q": q})
        assert response.status_code == 200, response.text
        return [h["title"] for h in response.json()["hits"]]

    assert titles("纷享") == ["北京纷享销客科技有限公司"]
    assert titles("销客科技") == ["北京纷享销客科技有限公司"]
    assert set(titles("王芳")) == {"王芳", "王芳贸易"}
    assert titles("acm") == ["Acme Robotics Ltd."]
    assert titles("robot") == ["Acme Robotics Ltd."]
    assert titles("13800138000") == ["Acme Robotics Ltd."]
    assert titles("不存在") == []
    # Kept current by the write path: rename and delete.
    hit = client.get("/api/v1/search", params={"q": "Acme"}).json()["hits"][0]
    client.patch(f"/api/v1/records/account/{hit['id']}", json={"name": "Zenith Robotics"})
    assert titles("acme") == []
    assert titles("zenith") == ["Zenith Robotics"]
    client.delete(f"/api/v1/records/account/{hit['id']}")
    assert titles("zenith") == []
    # `q` on a list view uses the same index.
    listed = client.get("/api/v1/records/account", params={"q": "纷享"}).json()["records"]
    assert [r["name"] for r in listed] == ["北京纷享销客科技有限公司"]


def test_openapi_is_per_tenant(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/v1/metadata/objects", json={"name": "gizmo", "labels": {"en": "Gizmo"}})
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/records/gizmo" in document["paths"]
    assert document["components"]["schemas"]["account"]["properties"]["industry"]["enum"]
    with TestClient(app) as anonymous:
        generic = anonymous.get("/api/v1/openapi.json").json()
        assert "/api/v1/records/gizmo" not in generic["paths"]
        assert "/api/v1/records/{object_name}" in generic["paths"]
