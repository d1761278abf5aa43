"""The customer portal's realm and grants, proved on every route.

Every ``/api/v1/portal/`` route is enumerated from the app; each has probes here (a route
added without them fails ``test_every_portal_route_has_probes``). With them: no session →
401 on every private route; an internal user's session or API key → 401; a portal token →
401 on the internal routes; a portal user never sees another contact's case, another
company's case (even with company access), an internal note (not in a list, a count or
``last_message_at``) or an article that is not public and published; another tenant's portal
token → 401; a disabled user's sessions end at once; one-time links are single use and
expire; cookie writes need the CSRF header.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from keyi.packages.service.portal_users import auth_for
from keyi.platform.auth import AuthService
from keyi.platform.permissions import Actor
from keyi.platform.portal import Purpose
from keyi.platform.portal.tables import token_table
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.security.conftest import World, module_app, open_world
from tests.security.test_cross_tenant import app_routes

MARK = "inote" + uuid.uuid4().hex[:10]  # text only internal notes and hidden articles hold
PASSWORD = "Quiet-meadow-compass-58"
SYSTEM = Actor.system("portal-security-test")
BASE = "/api/v1/portal/{tenant}"

# Routes a browser calls before it has a session (the token or the password is the key).
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", BASE + "/info"),
        ("POST", BASE + "/login"),
        ("POST", BASE + "/login-link"),
        ("POST", BASE + "/login-link/redeem"),
        ("GET", BASE + "/invitations/{token}"),
        ("POST", BASE + "/invitations/accept"),
    }
)

# Internal routes a portal token must never open.
INTERNAL: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/me", None),
    ("GET", "/api/v1/records/case", None),
    ("GET", "/api/v1/records/case/{case}", None),
    ("POST", "/api/v1/records/case/query", {}),
    ("GET", "/api/v1/records/case/export", None),
    ("GET", "/api/v1/records/case_message", None),
    ("GET", "/api/v1/search?q=printer", None),
    ("GET", "/api/v1/reports", None),
    ("POST", "/api/v1/reports/run", {"object": "case", "aggregates": [{"op": "count"}]}),
    ("GET", "/api/v1/metadata/objects", None),
    ("GET", "/api/v1/service/knowledge/search", None),
    ("POST", "/api/v1/records/case", {"subject": "x"}),
]


@dataclass
class Seed:
    """Tenant A's portal: who, which cases, which articles; tenant B's portal user."""

    tenant: str
    b_tenant: str
    zhang: str = ""  # portal user of contact 张三 (no company access)
    li: str = ""  # portal user of contact 李四 (same account, company access)
    zhang_token: str = ""
    zhang_csrf: str = ""
    li_token: str = ""
    b_token: str = ""
    internal_token: str = ""
    api_key: str = ""
    mine: str = ""  # 张三's case, with a public reply and a later internal note
    colleague: str = ""  # 李四's case, same account
    foreign: str = ""  # another account's case
    reply_at: str = ""
    public_article: str = ""
    internal_article: str = ""
    draft_article: str = ""
    public_category: str = ""
    hidden_category: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def activate(platform: Platform, world: World, contact_id: str, **values: Any) -> str:
    """Invite a contact through the action, then set the password as accepting would."""
    invited = _ok(world.client.post(f"/api/v1/records/contact/{contact_id}/invite_to_portal"))
    user_id = str(invited["portal_user_id"])
    with platform.context(world.tenant, SYSTEM) as ctx:
        auth_for(ctx).set_password(user_id, PASSWORD, email=None, name=None)
        RecordsService(ctx).update(
            "portal_user",
            user_id,
            {"status": "active", **values},
            trusted_fields=frozenset({"status", *values}),
        )
    return user_id


def sign_in(app: FastAPI, tenant: str, email: str) -> dict[str, Any]:
    with TestClient(app) as browser:
        return dict(
            _ok(
                browser.post(
                    f"/api/v1/portal/{tenant}/login", json={"email": email, "password": PASSWORD}
                )
            )
        )


def article(c: TestClient, title: str, *, visibility: str, category: str, publish: bool) -> str:
    made = _ok(
        c.post(
            "/api/v1/records/knowledge_article",
            json={
                "title": title,
                "summary": title,
                "body": f"<p>{title}</p><script>alert(1)</script>",
                "visibility": visibility,
                "category": category,
            },
        ),
        201,
    )
    if publish:
        _ok(c.post(f"/api/v1/records/knowledge_article/{made['id']}/publish"))
    return str(made["id"])


@pytest.fixture(scope="module")
def app(platform: Platform) -> FastAPI:
    return module_app(platform)


@pytest.fixture(scope="module")
def seeded(platform: Platform, app: FastAPI) -> Iterator[tuple[World, World, Seed]]:
    with open_world(platform, app) as a, open_world(platform, app) as b:
        yield a, b, seed(platform, app, a, b)


def seed(platform: Platform, app: FastAPI, a: World, b: World) -> Seed:
    c = a.client
    s = Seed(tenant=a.tenant.name, b_tenant=b.tenant.name)
    account = _ok(c.post("/api/v1/records/account", json={"name": "华东精密"}), 201)["id"]
    other = _ok(c.post("/api/v1/records/account", json={"name": "西部重工"}), 201)["id"]

    def contact(name: str, email: str, account_id: str) -> str:
        body = {"name": name, "email": email, "account": account_id}
        return str(_ok(c.post("/api/v1/records/contact", json=body), 201)["id"])

    zhang = contact("张三", "zhang@portal.example", account)
    li = contact("李四", "li@portal.example", account)
    wang = contact("王五", "wang@portal.example", other)
    s.zhang = activate(platform, a, zhang)
    s.li = activate(platform, a, li, company_access=True)

    def case(subject: str, contact_id: str, account_id: str) -> str:
        body = {"subject": subject, "contact": contact_id, "account": account_id}
        return str(_ok(c.post("/api/v1/records/case", json=body), 201)["id"])

    s.mine = case("张三的打印机", zhang, account)
    s.colleague = case("李四的复印机", li, account)
    s.foreign = case("王五的机床", wang, other)
    message = "/api/v1/service/cases/{}/messages"
    answer = _ok(
        c.post(message.format(s.mine), json={"body": "请重启", "visibility": "public"}), 201
    )
    for case_id in (s.mine, s.colleague, s.foreign):
        note = {"body": f"{MARK} 内部备注", "visibility": "internal"}
        _ok(c.post(message.format(case_id), json=note), 201)
    stored = _ok(c.get(f"/api/v1/records/case_message/{answer['id']}"))
    s.reply_at = str(stored["created_at"])

    cat = "/api/v1/records/knowledge_category"
    s.public_category = _ok(c.post(cat, json={"name": "常见问题"}), 201)["id"]
    s.hidden_category = _ok(c.post(cat, json={"name": f"{MARK} 内部分类"}), 201)["id"]
    s.public_article = article(
        c, "打印机卡纸怎么办", visibility="public", category=s.public_category, publish=True
    )
    s.internal_article = article(
        c,
        f"打印机 {MARK} 内部手册",
        visibility="internal",
        category=s.hidden_category,
        publish=True,
    )
    s.draft_article = article(
        c, f"打印机 {MARK} 草稿", visibility="public", category=s.public_category, publish=False
    )

    b_contact = _ok(
        b.client.post("/api/v1/records/contact", json={"name": "赵六", "email": "zhao@b.example"}),
        201,
    )["id"]
    activate(platform, b, b_contact)

    s.zhang_token = (zhang_session := sign_in(app, a.tenant.name, "zhang@portal.example"))["token"]
    s.zhang_csrf = zhang_session["csrf_token"]
    s.li_token = sign_in(app, a.tenant.name, "li@portal.example")["token"]
    s.b_token = sign_in(app, b.tenant.name, "zhao@b.example")["token"]
    s.internal_token = a.token
    user_id = _ok(c.get("/api/v1/me"))["user"]["id"]
    s.api_key = AuthService(platform).create_api_key(a.tenant.id, user_id, "portal probe")
    return s


# ---------------------------------------------------------------- probes
@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: Any = None
    query: dict[str, Any] | None = None

    def url(self, s: Seed, tenant: str | None = None, **params: str) -> str:
        values = {
            "tenant": tenant or s.tenant,
            "case_id": s.mine,
            "article_id": s.public_article,
            "token": "not-a-token",
            **params,
        }
        url = self.path
        for name, value in values.items():
            url = url.replace("{" + name + "}", value)
        assert "{" not in url, self.path
        return url

    def call(
        self,
        client: TestClient,
        s: Seed,
        headers: dict[str, str] | None = None,
        tenant: str | None = None,
        **params: str,
    ) -> Any:
        kwargs: dict[str, Any] = {"params": self.query, "headers": headers or {}}
        if self.body is not None:
            kwargs["json"] = self.body
        return client.request(self.method, self.url(s, tenant, **params), **kwargs)


P = BASE
PROBES: dict[tuple[str, str], list[Probe]] = {
    ("GET", P + "/info"): [Probe("GET", P + "/info")],
    ("POST", P + "/login"): [
        Probe("POST", P + "/login", {"email": "zhang@portal.example", "password": PASSWORD})
    ],
    ("POST", P + "/login-link"): [Probe("POST", P + "/login-link", {"email": "x@example.com"})],
    ("POST", P + "/login-link/redeem"): [
        Probe("POST", P + "/login-link/redeem", {"token": "not-a-token"})
    ],
    ("GET", P + "/invitations/{token}"): [Probe("GET", P + "/invitations/{token}")],
    ("POST", P + "/invitations/accept"): [
        Probe("POST", P + "/invitations/accept", {"token": "not-a-token", "password": PASSWORD})
    ],
    ("POST", P + "/logout"): [Probe("POST", P + "/logout")],
    ("GET", P + "/me"): [Probe("GET", P + "/me")],
    ("PATCH", P + "/me"): [Probe("PATCH", P + "/me", {"locale": "en"})],
    ("POST", P + "/me/password"): [
        Probe(
            "POST",
            P + "/me/password",
            {"current_password": PASSWORD, "new_password": "Another-long-phrase-91"},
        )
    ],
    ("GET", P + "/cases"): [
        Probe("GET", P + "/cases"),
        Probe("GET", P + "/cases", query={"scope": "company", "status": "all"}),
    ],
    ("POST", P + "/cases"): [Probe("POST", P + "/cases", {"subject": "探针"})],
    ("GET", P + "/cases/{case_id}"): [Probe("GET", P + "/cases/{case_id}")],
    ("GET", P + "/cases/{case_id}/messages"): [Probe("GET", P + "/cases/{case_id}/messages")],
    ("POST", P + "/cases/{case_id}/messages"): [
        Probe("POST", P + "/cases/{case_id}/messages", {"body": "探针"})
    ],
    ("GET", P + "/articles"): [
        Probe("GET", P + "/articles"),
        Probe("GET", P + "/articles", query={"q": "打印机"}),
    ],
    ("GET", P + "/articles/{article_id}"): [Probe("GET", P + "/articles/{article_id}")],
    ("GET", P + "/categories"): [Probe("GET", P + "/categories")],
}
PRIVATE = [p for key, found in PROBES.items() if key not in PUBLIC for p in found]


def test_every_portal_route_has_probes(app: FastAPI) -> None:
    portal = {r for r in app_routes(app) if r[1].startswith("/api/v1/portal/")}
    assert portal, "no portal routes found"
    assert portal - set(PROBES) == set(), "portal routes without probes"
    assert set(PROBES) - portal == set(), "probes for routes that no longer exist"
    assert portal >= PUBLIC
    for key, found in PROBES.items():
        assert found and all((p.method, p.path) == key for p in found), key


def test_no_session_is_401_everywhere(app: FastAPI, seeded: tuple[World, World, Seed]) -> None:
    _, _, s = seeded
    with TestClient(app) as anonymous:
        for probe in PRIVATE:
            for tenant in (s.tenant, "no-such-company"):
                answer = probe.call(anonymous, s, tenant=tenant)
                assert answer.status_code == 401, (probe, tenant, answer.text)
                assert answer.json()["code"] == "unauthenticated"


def test_internal_credentials_are_no_portal_session(
    app: FastAPI, seeded: tuple[World, World, Seed]
) -> None:
    _, _, s = seeded
    with TestClient(app) as caller:
        for credential in (s.internal_token, s.api_key):
            for probe in PRIVATE:
                answer = probe.call(caller, s, {"Authorization": f"Bearer {credential}"})
                assert answer.status_code == 401, (probe, answer.text)
        # The internal session as a cookie (under either name) opens nothing either.
        for name in ("keyi_session", "keyi_portal"):
            caller.cookies.set(name, s.internal_token)
            for probe in PRIVATE:
                answer = probe.call(caller, s, {"x-csrf-token": "x"})
                assert answer.status_code == 401, (name, probe, answer.text)
            caller.cookies.clear()


def test_portal_token_opens_no_internal_route(
    app: FastAPI, seeded: tuple[World, World, Seed]
) -> None:
    _, _, s = seeded
    with TestClient(app) as caller:
        for method, path, body in INTERNAL:
            url = path.replace("{case}", s.mine)
            for token in (s.zhang_token, s.li_token):
                answer = caller.request(
                    method, url, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                assert answer.status_code == 401, (method, url, answer.text)
            caller.cookies.set("keyi_session", s.zhang_token)
            answer = caller.request(method, url, json=body, headers={"x-csrf-token": s.zhang_csrf})
            assert answer.status_code == 401, (method, url, answer.text)
            caller.cookies.clear()


def test_another_tenants_portal_token_is_401(
    app: FastAPI, seeded: tuple[World, World, Seed]
) -> None:
    _, _, s = seeded
    with TestClient(app) as caller:
        for probe in PRIVATE:
            b_on_a = probe.call(caller, s, {"Authorization": f"Bearer {s.b_token}"})
            assert b_on_a.status_code == 401, (probe, b_on_a.text)
            a_on_b = probe.call(
                caller, s, {"Authorization": f"Bearer {s.zhang_token}"}, tenant=s.b_tenant
            )
            assert a_on_b.status_code == 401, (probe, a_on_b.text)
        # B's portal user signs in with B's name only.
        refused = caller.post(
            f"/api/v1/portal/{s.tenant}/login",
            json={"email": "zhao@b.example", "password": PASSWORD},
        )
        assert refused.status_code == 401 and "token" not in refused.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_cases_of_others_are_404(app: FastAPI, seeded: tuple[World, World, Seed]) -> None:
    _, _, s = seeded
    with TestClient(app) as caller:
        zhang, li = _bearer(s.zhang_token), _bearer(s.li_token)
        for case_id in (s.colleague, s.foreign, str(uuid.uuid4()), "not-an-id"):
            for method, path, body in (
                ("GET", "/cases/{}", None),
                ("GET", "/cases/{}/messages", None),
                ("POST", "/cases/{}/messages", {"body": "探针"}),
            ):
                url = f"/api/v1/portal/{s.tenant}" + path.format(case_id)
                answer = caller.request(method, url, json=body, headers=zhang)
                assert answer.status_code == 404, (url, answer.text)
        # Company access opens the account's cases, never another account's.
        for method, path, body in (
            ("GET", "/cases/{}", None),
            ("GET", "/cases/{}/messages", None),
            ("POST", "/cases/{}/messages", {"body": "探针"}),
        ):
            url = f"/api/v1/portal/{s.tenant}" + path.format(s.foreign)
            assert caller.request(method, url, json=body, headers=li).status_code == 404
        assert (
            caller.get(f"/api/v1/portal/{s.tenant}/cases/{s.mine}", headers=li).status_code == 200
        )
        listed = _ok(
            caller.get(
                f"/api/v1/portal/{s.tenant}/cases",
                params={"scope": "company", "status": "all", "limit": 100},
                headers=li,
            )
        )
        assert {c["id"] for c in listed["records"]} == {s.mine, s.colleague}
        mine = _ok(
            caller.get(f"/api/v1/portal/{s.tenant}/cases", params={"status": "all"}, headers=zhang)
        )
        assert {c["id"] for c in mine["records"]} == {s.mine}
        company = caller.get(
            f"/api/v1/portal/{s.tenant}/cases", params={"scope": "company"}, headers=zhang
        )
        assert company.status_code == 403


def test_internal_notes_never_show(app: FastAPI, seeded: tuple[World, World, Seed]) -> None:
    _, _, s = seeded
    base = f"/api/v1/portal/{s.tenant}"
    with TestClient(app) as caller:
        for token in (s.zhang_token, s.li_token):
            headers = _bearer(token)
            answers = [
                caller.get(f"{base}/cases", params={"status": "all"}, headers=headers),
                caller.get(f"{base}/cases", params={"q": MARK, "status": "all"}, headers=headers),
                caller.get(f"{base}/cases/{s.mine}", headers=headers),
                caller.get(f"{base}/cases/{s.mine}/messages", headers=headers),
            ]
            for answer in answers:
                assert answer.status_code == 200, answer.text
                assert MARK not in answer.text and "内部备注" not in answer.text
            thread = answers[3].json()["records"]
            assert [m["body"] for m in thread] == ["请重启"]  # the count says one
            assert answers[2].json()["last_message_at"] == s.reply_at
            assert answers[1].json()["records"] == []  # a note's words find nothing
        colleague = caller.get(f"{base}/cases/{s.colleague}", headers=_bearer(s.li_token))
        assert colleague.json()["last_message_at"] is None  # only a note: nothing public


def test_only_public_published_articles(app: FastAPI, seeded: tuple[World, World, Seed]) -> None:
    _, _, s = seeded
    base = f"/api/v1/portal/{s.tenant}"
    headers = _bearer(s.zhang_token)
    with TestClient(app) as caller:
        for hidden in (s.internal_article, s.draft_article, s.mine):
            assert caller.get(f"{base}/articles/{hidden}", headers=headers).status_code == 404
        shown = _ok(caller.get(f"{base}/articles/{s.public_article}", headers=headers))
        assert "<script" not in shown["body_html"] and "打印机卡纸怎么办" in shown["body_html"]
        for query in ({}, {"q": "打印机"}, {"q": MARK}, {"category": s.hidden_category}):
            listed = caller.get(f"{base}/articles", params=query, headers=headers)
            assert listed.status_code == 200 and MARK not in listed.text, listed.text
            ids = {a["id"] for a in listed.json()["records"]}
            assert ids <= {s.public_article}
        assert {
            a["id"] for a in _ok(caller.get(f"{base}/articles", headers=headers))["records"]
        } == {s.public_article}
        found = _ok(caller.get(f"{base}/articles", params={"q": "打印机"}, headers=headers))
        assert [a["id"] for a in found["records"]] == [s.public_article]
        categories = caller.get(f"{base}/categories", headers=headers)
        assert MARK not in categories.text
        assert [c["id"] for c in categories.json()["records"]] == [s.public_category]


def test_csrf_on_cookie_writes(app: FastAPI, seeded: tuple[World, World, Seed]) -> None:
    _, _, s = seeded
    writes = [
        p for p in PRIVATE if p.method != "GET" and not p.path.endswith(("/logout", "/password"))
    ]
    with TestClient(app) as browser:
        browser.cookies.set("keyi_portal", s.zhang_token)
        for probe in writes:
            for headers in ({}, {"x-csrf-token": "wrong"}, {"x-csrf-token": s.b_token}):
                answer = probe.call(browser, s, headers)
                assert answer.status_code == 403, (probe, headers, answer.text)
                assert answer.json()["code"] == "csrf"
        # The right header passes (a read-only change: the language, set back).
        fine = browser.patch(
            f"/api/v1/portal/{s.tenant}/me",
            json={"locale": "zh-CN"},
            headers={"x-csrf-token": s.zhang_csrf},
        )
        assert fine.status_code == 200, fine.text
        # Reads need no header.
        assert browser.get(f"/api/v1/portal/{s.tenant}/me").status_code == 200


def test_disabled_user_sessions_end_at_once(
    app: FastAPI, platform: Platform, seeded: tuple[World, World, Seed]
) -> None:
    a, _, s = seeded
    contact = _ok(
        a.client.post(
            "/api/v1/records/contact", json={"name": "钱七", "email": "qian@portal.example"}
        ),
        201,
    )["id"]
    user = activate(platform, a, contact)
    tokens = [sign_in(app, s.tenant, "qian@portal.example")["token"] for _ in range(2)]
    with TestClient(app) as caller:
        for token in tokens:
            assert (
                caller.get(f"/api/v1/portal/{s.tenant}/me", headers=_bearer(token)).status_code
                == 200
            )
        _ok(a.client.post(f"/api/v1/records/portal_user/{user}/disable"))
        for token in tokens:
            answer = caller.get(f"/api/v1/portal/{s.tenant}/me", headers=_bearer(token))
            assert answer.status_code == 401
        again = caller.post(
            f"/api/v1/portal/{s.tenant}/login",
            json={"email": "qian@portal.example", "password": PASSWORD},
        )
        assert again.status_code == 401 and "token" not in again.json()
        # Moving the portal user to another contact ends its sessions as well.
        _ok(a.client.post(f"/api/v1/records/portal_user/{user}/enable"))
        token = sign_in(app, s.tenant, "qian@portal.example")["token"]
        other = _ok(
            a.client.post(
                "/api/v1/records/contact", json={"name": "孙八", "email": "sun@p.example"}
            ),
            201,
        )["id"]
        _ok(a.client.patch(f"/api/v1/records/portal_user/{user}", json={"contact": other}))
        assert (
            caller.get(f"/api/v1/portal/{s.tenant}/me", headers=_bearer(token)).status_code == 401
        )
        # Deleting the record works as well as disabling.
        token = sign_in(app, s.tenant, "qian@portal.example")["token"]
        assert a.client.delete(f"/api/v1/records/portal_user/{user}").status_code in (200, 204)
        assert (
            caller.get(f"/api/v1/portal/{s.tenant}/me", headers=_bearer(token)).status_code == 401
        )


def test_one_time_links_single_use_and_expiring(
    app: FastAPI, platform: Platform, seeded: tuple[World, World, Seed]
) -> None:
    a, _, s = seeded
    with platform.context(a.tenant, SYSTEM) as ctx:
        auth = auth_for(ctx)
        login, _ = auth.issue_token(s.zhang, Purpose.LOGIN)
        stale, _ = auth.issue_token(s.li, Purpose.LOGIN)
        invite, _ = auth.issue_token(s.li, Purpose.INVITE)
        ctx.conn.execute(
            sa.update(token_table)
            .where(token_table.c.principal_id == s.li, token_table.c.purpose == "login")
            .values(expires_at=ctx.now() - timedelta(seconds=1))
        )
    base = f"/api/v1/portal/{s.tenant}"
    with TestClient(app) as caller:
        # Another tenant's address does not know the token.
        other = caller.post(f"/api/v1/portal/{s.b_tenant}/login-link/redeem", json={"token": login})
        assert other.status_code == 404
        # A login link is no invitation and an invitation no login link.
        assert caller.get(f"{base}/invitations/{login}").status_code == 404
        assert caller.post(f"{base}/login-link/redeem", json={"token": invite}).status_code == 404
        first = caller.post(f"{base}/login-link/redeem", json={"token": login})
        assert first.status_code == 200, first.text
        second = caller.post(f"{base}/login-link/redeem", json={"token": login})
        assert (second.status_code, second.json()["code"]) == (410, "link_used")
        late = caller.post(f"{base}/login-link/redeem", json={"token": stale})
        assert (late.status_code, late.json()["code"]) == (410, "link_expired")
        # A newer link of the same purpose retires the older one.
        with platform.context(a.tenant, SYSTEM) as ctx:
            older, _ = auth_for(ctx).issue_token(s.zhang, Purpose.LOGIN)
            newer, _ = auth_for(ctx).issue_token(s.zhang, Purpose.LOGIN)
        assert caller.post(f"{base}/login-link/redeem", json={"token": older}).status_code == 410
        assert caller.post(f"{base}/login-link/redeem", json={"token": newer}).status_code == 200


def test_idle_sessions_end_and_use_is_noted(
    app: FastAPI, platform: Platform, seeded: tuple[World, World, Seed]
) -> None:
    from keyi.platform.auth import token_hash
    from keyi.platform.portal.tables import session_table

    a, _, s = seeded
    token = sign_in(app, s.tenant, "zhang@portal.example")["token"]
    digest = token_hash(token)
    idle = platform.settings.session_idle_minutes

    def set_last_used(minutes_ago: int) -> None:
        with platform.context(a.tenant, SYSTEM) as ctx:
            ctx.conn.execute(
                sa.update(session_table)
                .where(session_table.c.token_hash == digest)
                .values(last_used_at=ctx.now() - timedelta(minutes=minutes_ago))
            )

    def last_used() -> Any:
        with platform.context(a.tenant, SYSTEM, write=False) as ctx:
            return ctx.conn.execute(
                sa.select(session_table.c.last_used_at).where(session_table.c.token_hash == digest)
            ).scalar()

    with TestClient(app) as caller:
        set_last_used(2)
        before = last_used()
        assert (
            caller.get(f"/api/v1/portal/{s.tenant}/me", headers=_bearer(token)).status_code == 200
        )
        assert last_used() > before  # a read notes the use (in a write of its own)
        set_last_used(idle + 1)
        answer = caller.get(f"/api/v1/portal/{s.tenant}/me", headers=_bearer(token))
        assert answer.status_code == 401
