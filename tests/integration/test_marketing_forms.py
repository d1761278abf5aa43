"""Web forms (web-to-lead): the definition's checks, the public routes (no sign-in), the lead
upsert (email, then mobile), UTM, consent, campaign membership, spam defences, tenants apart,
and a flow on lead creation firing for a form's lead."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.marketing.web_form_routes import SUBMITS_PER_MINUTE
from keyi.packages.marketing.web_forms import make_render_token, new_public_key
from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from tests.conftest import ADMIN_PASSWORD, new_tenant_name

pytestmark = pytest.mark.packages("core", "sales", "marketing")
R = "/api/v1/records"
P = "/api/v1/public/forms"

FIELDS = [
    {"field": "name", "required": True, "labels": {"zh-CN": "您的姓名", "en": "Your name"}},
    {"field": "company", "required": True},
    {"field": "email"},
    {"field": "mobile"},
    {"field": "industry"},
    {"field": "description"},
]


# ---------------------------------------------------------------- helpers
def _public(client: TestClient) -> TestClient:
    """A visitor without a session, from an address of its own (limits count per address)."""
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return TestClient(client.app, client=(address, 50000))


def _campaign(client: TestClient) -> str:
    answer = client.post(f"{R}/campaign", json={"name": "2026 工博会"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _form(client: TestClient, **values: Any) -> dict[str, Any]:
    body = {"name": "展会报名表", "fields": FIELDS, "consent_checkbox": "optional", **values}
    answer = client.post(f"{R}/web_form", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _token(platform: Platform, form: dict[str, Any], *, age: float = 10.0) -> str:
    """A render token issued ``age`` seconds ago (a person takes more than three)."""
    issued = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=age)
    return make_render_token(platform.secret_box, form["id"], issued)


def _submit(
    public: TestClient,
    platform: Platform,
    form: dict[str, Any],
    values: dict[str, Any],
    *,
    encoded: bool = False,
    token: str | None = "fresh",  # noqa: S107 - "fresh": make one issued ten seconds ago
) -> Any:
    body = dict(values)
    if token == "fresh":
        body["_token"] = _token(platform, form)
    elif token is not None:
        body["_token"] = token
    url = f"{P}/{form['public_key']}"
    return public.post(url, data=body) if encoded else public.post(url, json=body)


def _leads(client: TestClient) -> list[dict[str, Any]]:
    answer = client.post(
        f"{R}/lead/query", json={"sort": [{"field": "created_at", "direction": "asc"}]}
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["records"])


def _members(client: TestClient, campaign_id: str) -> list[dict[str, Any]]:
    answer = client.post(
        f"{R}/campaign_member/query",
        json={"filter": {"field": "campaign", "op": "eq", "value": campaign_id}},
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["records"])


def _errors(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    return {e["field"]: e["code"] for e in answer.json()["errors"]}


def _run_jobs(platform: Platform, tenant: TenantInfo) -> None:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(3))
    try:
        worker.run_until_idle()
    finally:
        worker.stop()


# ---------------------------------------------------------------- the definition
def test_a_form_gets_an_unguessable_public_key_and_its_fields_are_checked(
    client: TestClient,
) -> None:
    form = _form(client)
    assert len(form["public_key"]) == 43 and form["id"] not in form["public_key"]
    assert form["submission_count"] == 0 and form["active"] is True
    assert _form(client)["public_key"] != form["public_key"]
    # Read-only: nobody chooses (or guesses into) a key.
    changed = client.patch(f"{R}/web_form/{form['id']}", json={"public_key": "x" * 43})
    assert _errors(changed) == {"public_key": "read_only"}
    # A form without fields gets the usual four.
    plain = _form(client, fields=None)
    assert [f["field"] for f in plain["fields"]] == ["name", "company", "mobile", "email"]

    bad = client.post(
        f"{R}/web_form",
        json={
            "name": "坏表单",
            "fields": [
                {"field": "name", "required": True},
                {"field": "owner_id"},
                {"field": "status"},
                {"field": "converted_account"},
                {"field": "utm_source"},
                {"field": "no_such_field"},
                {"field": "email"},
                {"field": "email"},
                {"field": "company", "labels": {"fr": "Société"}},
                {"field": "mobile", "required": "yes"},
            ],
        },
    )
    assert _errors(bad) == {
        "fields.1": "web_form_field_not_fillable",
        "fields.2": "web_form_field_not_fillable",
        "fields.3": "web_form_field_not_fillable",
        "fields.4": "web_form_field_not_fillable",
        "fields.5": "web_form_field_not_fillable",
        "fields.7": "web_form_field_twice",
        "fields.8.labels": "web_form_label",
        "fields.9": "web_form_field_entry",
    }
    no_name = client.post(
        f"{R}/web_form", json={"name": "无姓名", "fields": [{"field": "email", "required": True}]}
    )
    assert _errors(no_name) == {"fields": "web_form_field_needed"}
    origins = client.post(
        f"{R}/web_form",
        json={"name": "跨域", "allowed_origins": "https://www.example.com/\nftp://x.example.com"},
    )
    assert _errors(origins) == {"allowed_origins": "web_form_origin"}
    redirect = client.post(
        f"{R}/web_form", json={"name": "跳转", "redirect_url": "javascript:alert(1)"}
    )
    assert _errors(redirect) == {"redirect_url": "invalid_url"}
    fine = _form(client, allowed_origins="HTTPS://WWW.Example.com/\n\nhttp://localhost:8080")
    assert fine["allowed_origins"] == "https://www.example.com\nhttp://localhost:8080"


def test_the_public_definition_shows_labels_types_and_a_token_and_nothing_else(
    client: TestClient, platform: Platform
) -> None:
    form = _form(client, consent_checkbox="required", consent_text_en="Yes, send me news")
    public = _public(client)
    shown = public.get(f"{P}/{form['public_key']}")
    assert shown.status_code == 200, shown.text
    view = shown.json()
    assert set(view) == {
        "key",
        "name",
        "company",
        "language",
        "fields",
        "consent",
        "honeypot",
        "token",
        "min_seconds",
    }
    assert view["language"] == "zh-CN" and view["min_seconds"] == 3
    by_field = {f["field"]: f for f in view["fields"]}
    assert list(by_field) == [f["field"] for f in FIELDS]
    assert by_field["name"]["labels"] == {"zh-CN": "您的姓名", "en": "Your name"}
    assert by_field["name"]["required"] is True
    assert by_field["company"]["labels"] == {"en": "Company", "zh-CN": "公司名称"}
    assert by_field["email"]["type"] == "email"
    assert by_field["industry"]["type"] == "picklist" and by_field["industry"]["options"]
    assert view["consent"]["required"] is True
    assert view["consent"]["labels"]["en"] == "Yes, send me news"
    assert view["consent"]["labels"]["zh-CN"]  # the default text
    assert shown.headers["cache-control"] == "no-store"
    assert form["id"] not in shown.text
    # The token it gives is refused for three seconds (a person is not that fast).
    fast = _submit(public, platform, form, {"name": "快手"}, token=view["token"])
    assert fast.status_code == 201 and _leads(client) == []


def test_unknown_inactive_and_other_tenants_forms_are_404(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    form = _form(client)
    public = _public(client)
    for key in ("nope", "x" * 43, new_public_key(tenant.id), new_public_key(str(uuid.uuid4()))):
        assert public.get(f"{P}/{key}").status_code == 404
        assert _submit(public, platform, {**form, "public_key": key}, {}).status_code == 404
    # The record id is not a public key.
    assert public.get(f"{P}/{form['id']}").status_code == 404
    assert client.patch(f"{R}/web_form/{form['id']}", json={"active": False}).status_code == 200
    assert public.get(f"{P}/{form['public_key']}").status_code == 404
    answer = _submit(public, platform, form, {"name": "张三", "company": "某公司"})
    assert answer.status_code == 404 and answer.json()["code"] == "web_form_not_found"

    other = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=f"{uuid.uuid4().hex[:8]}-other@example.com",
        admin_password=ADMIN_PASSWORD,
        packages=("core", "sales", "marketing"),
    )
    try:
        with platform.context(other, Actor.system("test")) as ctx:
            theirs = RecordsService(ctx).create("web_form", {"name": "他们的表单"})
        assert public.get(f"{P}/{theirs['public_key']}").status_code == 200
        # Our form's random half under their tenant id, and theirs under ours: both unknown.
        mine, their_key = form["public_key"], theirs["public_key"]
        import base64

        def swap(key: str, tenant_key: str) -> str:
            raw = base64.urlsafe_b64decode(key + "=")
            donor = base64.urlsafe_b64decode(tenant_key + "=")
            return base64.urlsafe_b64encode(donor[:16] + raw[16:]).rstrip(b"=").decode()

        assert public.get(f"{P}/{swap(mine, their_key)}").status_code == 404
        assert public.get(f"{P}/{swap(their_key, mine)}").status_code == 404
        # Their token does not open our form either.
        stolen = _token(platform, theirs)
        client.patch(f"{R}/web_form/{form['id']}", json={"active": True})
        sent = _submit(public, platform, form, {"name": "冒充", "company": "X"}, token=stolen)
        assert sent.status_code == 201 and _leads(client) == []
    finally:
        platform.drop_tenant(other.name)


# ---------------------------------------------------------------- the lead
def test_a_submission_creates_a_lead_with_utm_consent_source_owner_and_campaign(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    campaign = _campaign(client)
    form = _form(client, campaign=campaign, thank_you_en="Thanks, see you at the fair")
    public = _public(client)
    answer = _submit(
        public,
        platform,
        form,
        {
            "name": "王芳",
            "company": "杭州某某科技有限公司",
            "email": "Wang.Fang@Example.com",
            "mobile": "138 1234 5678",
            "industry": "manufacturing",
            "utm_source": "baidu",
            "utm_medium": "cpc",
            "utm_campaign": "fair2026",
            "consent": True,
            "language": "en",
            "hp_url": "",
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"ok": True, "message": "Thanks, see you at the fair"}
    [lead] = _leads(client)
    assert lead["name"] == "王芳" and lead["email"] == "wang.fang@example.com"
    assert lead["mobile_key"] == "+8613812345678"
    assert (lead["utm_source"], lead["utm_medium"], lead["utm_campaign"]) == (
        "baidu",
        "cpc",
        "fair2026",
    )
    assert lead["utm_term"] is None
    assert lead["source"] == "website" and lead["status"] == "new"
    assert lead["consent"] == "granted" and lead["consent_at"]
    assert lead["owner_id"] == form["owner_id"]
    assert lead["created_by"] is None  # the system actor
    [member] = _members(client, campaign)
    assert member["lead"] == lead["id"] and member["status"] == "responded"
    assert member["responded_at"]
    stored = client.get(f"{R}/web_form/{form['id']}").json()
    assert stored["submission_count"] == 1 and stored["last_submitted_at"]
    assert stored["version"] == form["version"]  # a statistic, not an edit
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        [entry] = conn.execute(
            sa.select(audit_table).where(audit_table.c.action == "marketing.web_form.submit")
        ).mappings()
    assert entry["record_id"] == lead["id"] and entry["actor_name"] == "web_form"
    assert entry["details"]["form"] == form["id"] and entry["details"]["created"] is True
    assert entry["details"]["client"] == public._transport.client[0]  # type: ignore[attr-defined]
    # No ticked box: no consent recorded.
    quiet = _submit(public, platform, form, {"name": "赵六", "company": "某厂"})
    assert quiet.status_code == 201
    assert quiet.json()["message"] == "提交成功，感谢您的关注！我们会尽快与您联系。"
    assert _leads(client)[1]["consent"] is None


def test_a_returning_visitor_updates_their_lead_by_email_then_mobile_never_overwriting(
    client: TestClient, platform: Platform
) -> None:
    campaign = _campaign(client)
    form = _form(client, campaign=campaign, redirect_url="https://www.example.com/thanks")
    rep = client.post(
        f"{R}/lead",
        json={
            "name": "李雷",
            "company": "销售录入的公司",
            "email": "li.lei@example.com",
            "utm_source": "exhibition",
        },
    )
    assert rep.status_code == 201, rep.text
    lead = rep.json()
    public = _public(client)
    again = _submit(
        public,
        platform,
        form,
        {
            "name": "Li Lei",
            "company": "访客填写的公司",
            "email": "LI.LEI@example.com ",
            "mobile": "+86 139-0000-1111",
            "description": "想了解报价",
            "utm_source": "wechat",
            "consent": "on",
        },
        encoded=True,
    )
    assert again.status_code == 200, again.text
    assert again.json() == {"ok": True, "redirect": "https://www.example.com/thanks"}
    [updated] = _leads(client)
    assert updated["id"] == lead["id"]
    # What the rep entered stays; what was empty is filled; first-touch UTM stays.
    assert updated["name"] == "李雷" and updated["company"] == "销售录入的公司"
    assert updated["mobile"] == "+86 139-0000-1111" and updated["description"] == "想了解报价"
    assert updated["utm_source"] == "exhibition"
    assert updated["consent"] == "granted"
    # The timeline has the note with what was typed.
    notes = client.post(
        f"{R}/activity/query",
        json={"filter": {"field": "related_id", "op": "eq", "value": lead["id"]}},
    ).json()["records"]
    [note] = notes
    assert note["type"] == "note" and "展会报名表" in note["subject"]
    assert "访客填写的公司" in note["description"] and "wechat" in note["description"]

    # By mobile, typed another way, when the email is new.
    by_mobile = _submit(
        public,
        platform,
        form,
        {"name": "李雷", "company": "X", "email": "other@example.com", "mobile": "13900001111"},
    )
    assert by_mobile.status_code == 200, by_mobile.text
    assert len(_leads(client)) == 1
    # One campaign membership however often the person answers.
    [member] = _members(client, campaign)
    assert member["lead"] == lead["id"] and member["status"] == "responded"
    assert client.get(f"{R}/web_form/{form['id']}").json()["submission_count"] == 2
    # Someone else entirely: a new lead.
    someone = {"name": "韩梅梅", "company": "Y", "mobile": "13700002222"}
    new = _submit(public, platform, form, someone)
    assert new.status_code == 201
    assert len(_leads(client)) == 2 and len(_members(client, campaign)) == 2


def test_an_invited_member_becomes_responded(client: TestClient, platform: Platform) -> None:
    campaign = _campaign(client)
    lead = client.post(f"{R}/lead", json={"name": "受邀人", "email": "guest@example.com"}).json()
    invited = client.post(f"{R}/campaign_member", json={"campaign": campaign, "lead": lead["id"]})
    assert invited.status_code == 201, invited.text
    form = _form(client, campaign=campaign)
    guest = {"name": "受邀人", "company": "Z", "email": "guest@example.com"}
    sent = _submit(_public(client), platform, form, guest)
    assert sent.status_code == 200, sent.text
    [member] = _members(client, campaign)
    assert member["id"] == invited.json()["id"]
    assert member["status"] == "responded" and member["responded_at"]


# ---------------------------------------------------------------- refusals and spam
def test_bad_bodies_are_refused_with_the_field_and_nothing_is_written(
    client: TestClient, platform: Platform
) -> None:
    form = _form(client, consent_checkbox="required")
    public = _public(client)
    ok = {"name": "张三", "company": "某公司", "consent": True}
    assert _errors(_submit(public, platform, form, {**ok, "owner_id": "x"})) == {
        "owner_id": "unknown_field"
    }
    assert _errors(_submit(public, platform, form, {**ok, "description": "长" * 2001})) == {
        "description": "too_long"
    }
    assert _errors(_submit(public, platform, form, {**ok, "name": {"a": 1}})) == {
        "name": "invalid_text"
    }
    assert _errors(_submit(public, platform, form, {**ok, "name": " "})) == {"name": "required"}
    assert _errors(_submit(public, platform, form, {**ok, "consent": False})) == {
        "consent": "required"
    }
    assert _errors(_submit(public, platform, form, {**ok, "email": "not-an-email"})) == {
        "email": "invalid_email"
    }
    assert _errors(_submit(public, platform, form, {**ok, "company": "x" * 201})) == {
        "company": "too_long"
    }
    huge = public.post(f"{P}/{form['public_key']}", json={"name": "x" * 20000})
    assert huge.status_code == 413
    odd = public.post(
        f"{P}/{form['public_key']}", content=b"name=x", headers={"content-type": "text/plain"}
    )
    assert odd.status_code == 415
    assert _leads(client) == []
    assert client.get(f"{R}/web_form/{form['id']}").json()["submission_count"] == 0


def test_spam_is_dropped_like_a_success_and_logged(
    client: TestClient, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    form = _form(client)
    public = _public(client)
    person = {"name": "张三", "company": "某公司"}
    caplog.set_level(logging.WARNING, logger="keyi.marketing.web_forms")
    genuine = _token(platform, form)
    tampered = genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB")
    cases = {
        "honeypot": _submit(public, platform, form, {**person, "hp_url": "http://spam.example"}),
        "missing": _submit(public, platform, form, person, token=None),
        "tampered": _submit(public, platform, form, person, token=tampered),
        "too_fast": _submit(public, platform, form, person, token=_token(platform, form, age=1)),
        "expired": _submit(
            public, platform, form, person, token=_token(platform, form, age=25 * 3600)
        ),
    }
    encoded = _submit(
        public, platform, form, {**person, "hp_url": "x"}, encoded=True, token=genuine
    )
    for reason, answer in [*cases.items(), ("honeypot", encoded)]:
        assert answer.status_code == 201, (reason, answer.text)
        assert answer.json()["ok"] is True, reason
    assert _leads(client) == []
    assert client.get(f"{R}/web_form/{form['id']}").json()["submission_count"] == 0
    dropped = [r for r in caplog.records if r.getMessage().startswith("web form submission")]
    assert sorted(r.reason for r in dropped) == sorted([*cases, "honeypot"])  # type: ignore[attr-defined]
    assert {r.form for r in dropped} == {form["id"]}  # type: ignore[attr-defined]


def test_submissions_are_rate_limited_per_address(client: TestClient, platform: Platform) -> None:
    form = _form(client)
    public = _public(client)
    spam = {"hp_url": "x"}  # dropped, so only the limit counts
    codes = [
        _submit(public, platform, form, spam).status_code for _ in range(SUBMITS_PER_MINUTE + 1)
    ]
    assert codes[:-1] == [201] * SUBMITS_PER_MINUTE and codes[-1] == 429
    # Another address is not held back.
    assert _submit(_public(client), platform, form, spam).status_code == 201


def test_cors_answers_only_the_forms_listed_websites(client: TestClient) -> None:
    form = _form(client, allowed_origins="https://www.example.com")
    public = _public(client)
    url = f"{P}/{form['public_key']}"
    listed = {"origin": "https://www.example.com", "access-control-request-method": "POST"}
    pre = public.options(url, headers=listed)
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "https://www.example.com"
    other = public.options(url, headers={**listed, "origin": "https://evil.example"})
    assert other.status_code == 204 and "access-control-allow-origin" not in other.headers
    read = public.get(url, headers={"origin": "https://www.example.com"})
    assert read.headers["access-control-allow-origin"] == "https://www.example.com"
    # The listed website's script can read which field was wrong; another site's cannot.
    bad = public.post(url, json={"nope": "x"}, headers={"origin": "https://www.example.com"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "nope"
    assert bad.headers["access-control-allow-origin"] == "https://www.example.com"
    evil = public.post(url, json={"nope": "x"}, headers={"origin": "https://evil.example"})
    assert evil.status_code == 422 and "access-control-allow-origin" not in evil.headers


# ---------------------------------------------------------------- flows
def test_a_flow_on_lead_creation_fires_for_a_form_lead(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    flow = {
        "name": "web_lead_hot",
        "labels": {"en": "Web leads are hot", "zh-CN": "网站线索设为高意向"},
        "trigger": {"type": "record", "object": "lead", "events": ["created"]},
        "actions": [{"type": "update_fields", "values": {"rating": "'hot'"}}],
    }
    assert client.post("/api/v1/flows", json=flow).status_code == 201
    form = _form(client)
    sent = _submit(_public(client), platform, form, {"name": "流程", "company": "某公司"})
    assert sent.status_code == 201, sent.text
    _run_jobs(platform, tenant)
    [lead] = _leads(client)
    assert lead["rating"] == "hot"


def test_a_lead_field_deleted_after_the_form_was_saved_drops_off_the_form(
    client: TestClient, platform: Platform
) -> None:
    added = client.post(
        "/api/v1/metadata/objects/lead/fields",
        json={"name": "budget_note", "type": "text", "labels": {"en": "Budget", "zh-CN": "预算"}},
    )
    assert added.status_code == 201, added.text
    form = _form(client, fields=[*FIELDS[:2], {"field": "budget_note", "required": True}])
    public = _public(client)
    shown = public.get(f"{P}/{form['public_key']}").json()
    assert [f["field"] for f in shown["fields"]] == ["name", "company", "budget_note"]
    gone = client.delete("/api/v1/metadata/objects/lead/fields/budget_note")
    assert gone.status_code == 204, gone.text
    shown = public.get(f"{P}/{form['public_key']}").json()
    assert [f["field"] for f in shown["fields"]] == ["name", "company"]
    sent = _submit(public, platform, form, {"name": "孙七", "company": "某公司"})
    assert sent.status_code == 201, sent.text
    assert _errors(_submit(public, platform, form, {"name": "周八", "budget_note": "x"})) == {
        "budget_note": "unknown_field"
    }


def test_a_double_click_makes_one_lead(client: TestClient, platform: Platform) -> None:
    """Two submissions of the same person at once: the second waits for the first (an advisory
    lock on PostgreSQL, the write lock on SQLite) and updates the lead the first created."""
    campaign = _campaign(client)
    form = _form(client, campaign=campaign)
    person = {"name": "双击", "company": "某公司", "email": "double@example.com"}
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def send() -> None:
        public = _public(client)
        body = {**person, "_token": _token(platform, form)}
        barrier.wait()
        answers.append(public.post(f"{P}/{form['public_key']}", json=body).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 201], answers
    assert len(_leads(client)) == 1
    assert len(_members(client, campaign)) == 1
