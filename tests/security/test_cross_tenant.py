"""Cross-tenant probes: tenant B's administrator aims every route of the app at tenant A's data.

Every route is enumerated from the app itself. Each one either has probes here — called as B
with A's ids (records, views, roles, shares, users, SSO providers, pools, custom objects and
fields) in its path and body — or sits on an explicit allow-list of routes that carry no
tenant data. A route added to the app without being classified fails the coverage test.

A probe aimed at one of A's resources must answer 403 or 404; every probe's body must be free
of A's marker strings; afterwards A's data must be exactly as it was. Finally, A's session and
API key must stay in A whatever tenant switch a caller tries.
"""

from __future__ import annotations

import base64
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from starlette.routing import BaseRoute, Mount

from keyi.packages import register_all_hooks
from keyi.packages.marketing.email_tokens import make_token as mail_token
from keyi.packages.service.mailbox import MailboxIn, save_mailbox
from keyi.packages.service.surveys import make_token
from keyi.platform.actions import registry as action_registry
from keyi.platform.analytics import folders
from keyi.platform.analytics.tables import report_table
from keyi.platform.auth import AuthService
from keyi.platform.deliveries import delivery_table
from keyi.platform.ids import new_id
from keyi.platform.mailboxes.files import store_file
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.security.conftest import World, module_app, open_world

# Text only tenant A holds; no response to B may ever contain it.
MARK = "amark" + uuid.uuid4().hex[:10]
# A's custom object and field names. B sends these itself, so an answer may echo them back.
A_OBJECT = "aobj_" + uuid.uuid4().hex[:8]
A_FIELD = "afield_" + uuid.uuid4().hex[:8]
SYSTEM = Actor.system("cross-tenant-test")

# A body naming another tenant's record is refused as a bad reference or "not found".
REFERENCES = (403, 404, 422)
# Routes that carry no tenant data, each with the reason. Anything else must have probes.
NO_TENANT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "process liveness",
    ("GET", "/readyz"): "database reachability",
    ("GET", "/metrics"): "request counters by route template",
    ("GET", "/api/docs"): "Swagger UI page",
    ("MOUNT", "/api/docs/assets"): "Swagger UI static files",
    ("GET", "/{path:path}"): "the web app's static files",
    ("POST", "/api/v1/auth/login"): "signs in; tenant choice tested in test_tenant_switch",
    ("POST", "/api/v1/auth/logout"): "revokes the caller's own token only",
    ("POST", "/api/v1/auth/logout-everywhere"): "revokes the caller's own sessions only",
    ("POST", "/api/v1/auth/totp/setup"): "the caller's own sign-in factor",
    ("POST", "/api/v1/auth/totp/enable"): "the caller's own sign-in factor",
    ("POST", "/api/v1/auth/totp/disable"): "the caller's own sign-in factor",
    ("POST", "/api/v1/auth/password/change"): "the caller's own password",
    ("POST", "/api/v1/auth/password/forgot"): "answers 202 for any email; mails only the owner",
    ("POST", "/api/v1/auth/password/reset"): "addressed by the mailed secret token",
    ("GET", "/api/v1/me/security"): "the caller's own sign-in factors",
    ("PATCH", "/api/v1/me"): "the caller's own user record; no id in the request",
    ("GET", "/api/v1/auth/invitation"): "addressed by the invitee's secret token",
    ("POST", "/api/v1/auth/accept-invite"): "addressed by the invitee's secret token",
    ("GET", "/api/v1/auth/sso/providers"): "public sign-in buttons of a company by design",
    ("GET", "/api/v1/auth/sso/{tenant}/{provider}/start"): "public sign-in start by design",
    ("GET", "/api/v1/auth/sso/callback"): "addressed by the sign-in flow's secret state",
    # The customer portal's sign-in routes: a realm of its own, proved in test_portal.py.
    ("GET", "/api/v1/portal/{tenant}/info"): "a company's public portal page: its display name",
    ("POST", "/api/v1/portal/{tenant}/login"): "signs a portal user in; realm in test_portal",
    ("POST", "/api/v1/portal/{tenant}/login-link"): "answers 202 for any email; mails the owner",
    ("POST", "/api/v1/portal/{tenant}/login-link/redeem"): "addressed by the mailed secret token",
    ("GET", "/api/v1/portal/{tenant}/invitations/{token}"): "addressed by the mailed secret token",
    ("POST", "/api/v1/portal/{tenant}/invitations/accept"): "addressed by the mailed secret token",
}


@dataclass
class TenantA:
    """Ids of everything tenant A holds that B will aim at."""

    account: str
    record: str  # a record of A's custom object
    pooled: str  # an account sitting in A's pool
    pool: str
    view: str
    role: str
    share: str
    user: str  # A's second user
    admin: str
    provider: str
    invited: str
    api_key: str
    flow: str = ""
    process: str = ""
    approval: str = ""
    webhook: str = ""
    delivery: str = ""
    job: str = ""
    notification: str = ""
    robot_channel: str = ""
    dashboard: str = ""
    dashboard_folder: str = ""
    dashboard_report: str = ""
    report_folder: str = ""
    report: str = ""
    deal: str = ""  # an opportunity: what the funnel and pipeline movement would count
    queue: str = ""  # a service queue with a mailbox
    # A service case with a file from a mail, and a published knowledge article matching its
    # subject.
    case: str = ""
    case_file: str = ""
    work_order: str = ""  # a work order of the case, with a signature kept as a file
    work_order_file: str = ""
    survey: str = ""  # a satisfaction survey of A's resolved case
    survey_token: str = ""  # signed, naming B's tenant and A's survey
    # A's web form's public key with B's tenant id in place of A's (the random half is A's).
    form_key: str = ""
    tenant_name: str = ""  # A's name, as the customer portal's addresses carry it
    segment: str = ""  # a static list of A's contact
    person: str = ""  # that contact (personal data export and erasure aim at it)
    b_tenant: str = ""  # B's id, which B's public mail tokens name
    mail_box: Any = None  # the installation's SecretBox, to sign them
    # An email campaign of A's, sent to one delivery; its template; and the delivery's id
    # (public mail tokens signed for B naming it find nothing in B).
    email_campaign: str = ""
    email_template: str = ""
    delivery_id: int = 0
    # A file A uploaded for import (its name and cells carry the mark) and a run of it.
    import_upload: str = ""
    import_run: str = ""
    versions: dict[str, Any] = field(default_factory=dict)


@dataclass
class Probe:
    method: str
    path: str  # template, as registered
    params: dict[str, str]
    body: Any = None
    query: dict[str, Any] | None = None
    # The answers that will do: aimed at one of A's resources, only "not there" or "not
    # allowed"; None for reads of B's own data (any non-error answer, free of A's data).
    allowed: tuple[int, ...] | None = (403, 404)


def iter_routes(routes: list[BaseRoute]) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through included routers and mounts."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from iter_routes(original.routes)
        elif isinstance(route, Mount):
            yield "MOUNT", route.path
        else:
            for method in sorted(getattr(route, "methods", None) or []):
                if method != "HEAD":
                    yield method, route.path  # type: ignore[attr-defined]


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    return set(iter_routes(app.routes))


@pytest.fixture(scope="module")
def app(platform: Platform) -> FastAPI:  # overrides the function-scoped app of tests/conftest
    return module_app(platform)


@pytest.fixture(scope="module")
def tenants(platform: Platform, app: FastAPI) -> Iterator[tuple[World, World, TenantA]]:
    with (
        open_world(platform, app, admin_name=f"{MARK}-admin") as a,
        open_world(platform, app, admin_name="B admin") as b,
    ):
        ids = seed_a(platform, a)
        ids.survey_token = make_token(
            platform.secret_box, b.tenant.id, ids.survey, datetime(2099, 1, 1)
        )
        ids.tenant_name = a.tenant.name
        ids.form_key = seed_form_key(a, b)
        ids.b_tenant, ids.mail_box = b.tenant.id, platform.secret_box
        ids.import_upload, ids.import_run = seed_import(a)
        yield a, b, ids


def seed_import(a: World) -> tuple[str, str]:
    """A's uploaded file, its saved mapping and a queued dry run of it."""
    text = f"客户名称\n{MARK} 导入\n".encode()
    upload = a.client.post(
        "/api/v1/imports/uploads",
        data={"object": "account"},
        files={"file": (f"{MARK}.csv", text, "text/csv")},
    )
    assert upload.status_code == 201, upload.text
    saved = a.client.put(
        "/api/v1/imports/mappings/account/a_only", json={"columns": {f"{MARK} 列": "name"}}
    )
    assert saved.status_code == 200, saved.text
    run = a.client.post(
        "/api/v1/imports", json={"upload_id": upload.json()["upload_id"], "dry_run": True}
    )
    assert run.status_code == 202, run.text
    return str(upload.json()["upload_id"]), str(run.json()["id"])


def seed_form_key(a: World, b: World) -> str:
    """A's web form, addressed as if it were B's: B's tenant id, then A's random half."""
    form = a.client.post("/api/v1/records/web_form", json={"name": f"{MARK} 表单"})
    assert form.status_code == 201, form.text
    raw = base64.urlsafe_b64decode(form.json()["public_key"] + "=")
    mixed = uuid.UUID(b.tenant.id).bytes + raw[16:]
    return base64.urlsafe_b64encode(mixed).rstrip(b"=").decode()


def seed_a(platform: Platform, a: World) -> TenantA:
    """Tenant A: records, a custom object, a view, a role, a share, a pool, an SSO provider."""
    c = a.client

    def ok(response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return dict(response.json()) if response.content else {}

    ok(
        c.post(
            "/api/v1/metadata/objects",
            json={"name": A_OBJECT, "labels": {"en": f"{MARK} object", "zh-CN": f"{MARK}对象"}},
        )
    )
    ok(
        c.post(
            f"/api/v1/metadata/objects/{A_OBJECT}/fields",
            json={"name": A_FIELD, "type": "text", "labels": {"en": f"{MARK} field"}},
        )
    )
    record = ok(c.post(f"/api/v1/records/{A_OBJECT}", json={"name": f"{MARK} record"}))
    account = ok(c.post("/api/v1/records/account", json={"name": f"{MARK} 客户"}))
    ok(c.patch(f"/api/v1/records/account/{account['id']}", json={"phone": "010-12345678"}), 200)
    deal = ok(
        c.post(
            "/api/v1/records/opportunity",
            json={"name": f"{MARK} deal", "account": account["id"], "close_date": "2030-01-01"},
        )
    )
    ok(c.patch(f"/api/v1/records/opportunity/{deal['id']}", json={"stage": "proposal"}), 200)
    user = add_user(
        platform,
        a.tenant,
        email=f"{MARK}-rep@a.example",
        name=f"{MARK} rep",
        password=ADMIN_PASSWORD,
    )
    role = ok(c.post("/api/v1/records/role", json={"name": f"{MARK} role"}))
    share = ok(
        c.post(
            f"/api/v1/records/account/{account['id']}/shares",
            json={"principal_type": "user", "principal_id": user["id"], "access": "read"},
        )
    )
    view = ok(
        c.post(
            "/api/v1/views",
            json={
                "object": "account",
                "name": f"{MARK} view",
                "filter": {"field": "name", "op": "contains", "value": MARK},
                "shared": True,
            },
        )
    )
    pool = ok(
        c.post("/api/v1/records/pool", json={"name": f"{MARK} pool", "object_name": "account"})
    )
    ok(c.post("/api/v1/records/pool_member", json={"pool": pool["id"], "user": a_admin(c)}))
    pooled = ok(
        c.post(
            "/api/v1/records/account",
            json={"name": f"{MARK} pooled", "owner_id": None, "pool_id": pool["id"]},
        )
    )
    provider = ok(
        c.post(
            "/api/v1/sso/providers",
            json={
                "name": "corp",
                "issuer": f"https://{MARK}.example",
                "client_id": f"{MARK}-client",
                "client_secret": f"{MARK}-secret",
                "labels": {"en": f"{MARK} SSO"},
            },
        )
    )
    invited = ok(
        c.post("/api/v1/users/invite", json={"email": f"{MARK}-new@a.example", "name": MARK})
    )
    invited_id = invited.get("user", invited).get("id")
    assert isinstance(invited_id, str), invited
    key = AuthService(platform).create_api_key(a.tenant.id, a_admin(c), f"{MARK} key")
    automation = seed_automation(c, a_admin(c), account["id"])
    kb = ok(c.post("/api/v1/records/knowledge_article", json={"title": f"{MARK} 打印机连接"}))
    ok(c.post(f"/api/v1/records/knowledge_article/{kb['id']}/publish"), 200)
    dashboards = seed_dashboards(platform, a, role["id"])
    person = ok(c.post("/api/v1/records/contact", json={"name": f"{MARK} 联系人"}))
    segment = ok(
        c.post(
            "/api/v1/records/segment",
            json={"name": f"{MARK} 名单", "object": "contact", "type": "static"},
        )
    )
    ok(
        c.post(
            "/api/v1/records/contact/add_to_segment",
            json={"segment": segment["id"], "ids": [person["id"]]},
        ),
        200,
    )
    return TenantA(
        **automation,
        **dashboards,
        **seed_mail(platform, a),
        **seed_reports(c),
        account=account["id"],
        record=record["id"],
        pooled=pooled["id"],
        pool=pool["id"],
        view=view["id"],
        role=role["id"],
        share=share["id"],
        user=user["id"],
        admin=a_admin(c),
        provider=provider["id"],
        invited=invited_id,
        api_key=key,
        deal=deal["id"],
        survey=seed_survey(c),
        segment=segment["id"],
        person=person["id"],
        **seed_email(platform, a),
    )


def seed_email(platform: Platform, a: World) -> dict[str, Any]:
    """A's email template and campaign, with one delivery of A's marker address."""
    c = a.client
    made = {}
    for name, body in (
        ("segment", {"name": MARK, "object": "contact", "type": "dynamic"}),
        ("email_template", {"name": MARK, "subject": MARK, "body_html": f"<p>{MARK}</p>"}),
    ):
        answer = c.post(f"/api/v1/records/{name}", json=body)
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()["id"]
    campaign = c.post(
        "/api/v1/records/email_campaign",
        json={"name": MARK, "segment": made["segment"], "template": made["email_template"]},
    )
    assert campaign.status_code == 201, campaign.text
    with platform.context(a.tenant, SYSTEM) as ctx:
        contact = RecordsService(ctx).create("contact", {"name": MARK, "email": "m@a.example"})
        now = ctx.now()
        delivery = ctx.conn.execute(
            sa.insert(delivery_table)
            .values(
                channel="email",
                source_object="email_campaign",
                source_id=campaign.json()["id"],
                recipient_object="contact",
                recipient_id=contact["id"],
                address=f"{MARK}@a.example",
                status="sent",
                attempts=1,
                next_attempt_at=now,
                created_at=now,
                sent_at=now,
            )
            .returning(delivery_table.c.id)
        ).scalar_one()
    return {
        "email_campaign": campaign.json()["id"],
        "email_template": made["email_template"],
        "delivery_id": int(delivery),
    }


def seed_mail(platform: Platform, a: World) -> dict[str, str]:
    """A's service queue with a mailbox (its password A's marker) and a case with a file."""
    with platform.context(a.tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        queue = records.create("queue", {"name": f"{MARK} queue"})["id"]
        save_mailbox(
            ctx,
            queue,
            MailboxIn(host="127.0.0.1", port=9, tls=False, username=MARK, password=MARK),
        )
        case = records.create("case", {"subject": f"{MARK} 打印机无法连接"})["id"]
        case_file = store_file(
            ctx.conn,
            object_name="case",
            record_id=case,
            filename=f"{MARK}.txt",
            content_type="text/plain",
            content=MARK.encode(),
            now=ctx.now(),
        )
        work_order = records.create(
            "work_order",
            {
                "subject": f"{MARK} 上门",
                "case": case,
                "scheduled_start": datetime(2026, 12, 1, 9),
                "scheduled_end": datetime(2026, 12, 1, 11),
            },
        )["id"]
        work_order_file = store_file(
            ctx.conn,
            object_name="work_order",
            record_id=work_order,
            filename=f"{MARK}-signature.png",
            content_type="text/plain",
            content=MARK.encode(),
            now=ctx.now(),
        )
    return {
        "queue": queue,
        "case": case,
        "case_file": case_file,
        "work_order": work_order,
        "work_order_file": work_order_file,
    }


def mail_probes(ids: TenantA) -> dict[tuple[str, str], list[Probe]]:
    """Email to case: A's queue mailbox and A's case files, aimed at by B's administrator."""
    mailbox = "/api/v1/service/queues/{queue_id}/mailbox"
    settings = {"host": "127.0.0.1", "port": 9, "tls": False, "username": "b", "password": "b"}
    files = "/api/v1/service/cases/{case_id}/files"
    visits = "/api/v1/service/work_orders/{work_order_id}/files"
    return {
        ("GET", mailbox): [Probe("GET", mailbox, {"queue_id": ids.queue})],
        ("PUT", mailbox): [Probe("PUT", mailbox, {"queue_id": ids.queue}, settings)],
        ("DELETE", mailbox): [Probe("DELETE", mailbox, {"queue_id": ids.queue})],
        ("POST", mailbox + "/test"): [
            Probe("POST", mailbox + "/test", {"queue_id": ids.queue}),
            Probe("POST", mailbox + "/test", {"queue_id": ids.queue}, settings),
        ],
        ("POST", mailbox + "/read"): [Probe("POST", mailbox + "/read", {"queue_id": ids.queue})],
        ("GET", files): [Probe("GET", files, {"case_id": ids.case})],
        ("GET", files + "/{file_id}"): [
            Probe("GET", files + "/{file_id}", {"case_id": ids.case, "file_id": ids.case_file})
        ],
        ("GET", visits): [Probe("GET", visits, {"work_order_id": ids.work_order})],
        ("GET", visits + "/{file_id}"): [
            Probe(
                "GET",
                visits + "/{file_id}",
                {"work_order_id": ids.work_order, "file_id": ids.work_order_file},
            )
        ],
    }


def seed_survey(c: TestClient) -> str:
    """A resolved case of A's with a contact who has an address: its survey invitation."""
    contact = c.post("/api/v1/records/contact", json={"name": MARK, "email": "c@a.example"})
    assert contact.status_code == 201, contact.text
    case = c.post(
        "/api/v1/records/case",
        json={"subject": f"{MARK} case", "contact": contact.json()["id"]},
    )
    assert case.status_code == 201, case.text
    resolved = c.patch(
        f"/api/v1/records/case/{case.json()['id']}", json={"status": "resolved", "resolution": MARK}
    )
    assert resolved.status_code == 200, resolved.text
    surveys = c.post(
        "/api/v1/records/survey_response/query",
        json={"filter": {"field": "case", "op": "eq", "value": case.json()["id"]}},
    )
    [survey] = surveys.json()["records"]
    return str(survey["id"])


def seed_automation(c: TestClient, admin: str, account: str) -> dict[str, str]:
    """A's flow, approval process and pending approval (which notifies A's admin), webhook,
    a test delivery of it and its job, a robot channel: what B will aim the automation routes
    at."""

    def ok(response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return dict(response.json())

    labels = {"en": f"{MARK} automation", "zh-CN": f"{MARK} 自动化"}
    flow = ok(c.post("/api/v1/flows", json=flow_body(labels)))
    process = ok(c.post("/api/v1/approval-processes", json=process_body(labels, admin)))
    approval = ok(c.post("/api/v1/approvals", json={"object": "account", "record_id": account}))
    ok(c.patch("/api/v1/webhooks/settings", json={"allow_private": True}), 200)
    webhook = ok(
        c.post(
            "/api/v1/webhooks",
            json={
                "url": "http://127.0.0.1:9/hook",
                "events": ["account.updated"],
                "description": f"{MARK} hook",
            },
        )
    )
    ok(c.post(f"/api/v1/webhooks/{webhook['id']}/test"), 202)
    robot = ok(
        c.post(
            "/api/v1/robot-channels",
            json={
                "name": f"{MARK} robot",
                "vendor": "dingtalk",
                "url": f"http://127.0.0.1:9/robot/send?access_token={MARK}",
                "secret": f"SEC{MARK}",
            },
        )
    )
    # A's letterhead with its mark and a logo: B's template answers must show neither.
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(png, "PNG")
    logo = base64.b64encode(png.getvalue()).decode()
    ok(c.put("/api/v1/document-template", json={"company_name": f"{MARK} 公司", "logo": logo}), 200)
    [delivery] = ok(c.get(f"/api/v1/webhooks/{webhook['id']}/deliveries"), 200)["deliveries"]
    job = ok(c.get("/api/v1/jobs"), 200)["jobs"][0]
    [notification] = ok(c.get("/api/v1/notifications"), 200)["notifications"]
    return {
        "flow": flow["id"],
        "process": process["id"],
        "approval": approval["id"],
        "webhook": webhook["id"],
        "delivery": delivery["id"],
        "job": job["id"],
        "notification": notification["id"],
        "robot_channel": robot["id"],
    }


def seed_dashboards(platform: Platform, a: World, role: str) -> dict[str, str]:
    """A's shared report folder, a report in it, a dashboard over it that is A's admin's and
    A's role's home page."""
    c = a.client
    with platform.context(a.tenant, SYSTEM) as ctx:
        folder = folders.create_folder(ctx, {"name": f"{MARK} folder", "sharing": {"scope": "all"}})
        report = new_id()
        ctx.conn.execute(
            sa.insert(report_table).values(
                id=report,
                folder_id=folder["id"],
                name={"": f"{MARK} report"},
                object="account",
                type="summary",
                definition={"object": "account", "group_by": [{"field": "name"}]},
                version=1,
                created_at=ctx.now(),
                updated_at=ctx.now(),
            )
        )
    dashboard = c.post(
        "/api/v1/dashboards",
        json={
            "name": f"{MARK} dashboard",
            "folder_id": folder["id"],
            "layout": [
                {"id": "w", "kind": "report", "report_id": report, "x": 0, "y": 0, "w": 6, "h": 4}
            ],
            "filters": {"period": "this_year"},
        },
    )
    assert dashboard.status_code == 201, dashboard.text
    dashboard_id = dashboard.json()["id"]
    for path in ("/api/v1/dashboards/home", f"/api/v1/dashboards/home/roles/{role}"):
        chosen = c.put(path, json={"dashboard_id": dashboard_id})
        assert chosen.status_code == 200, chosen.text
    return {"dashboard": dashboard_id, "dashboard_folder": folder["id"], "dashboard_report": report}


def dashboard_probes(ids: TenantA) -> dict[tuple[str, str], list[Probe]]:
    """A's dashboard, folder, report and role named in B's paths and bodies."""
    one = "/api/v1/dashboards/{dashboard_id}"
    widget = {"id": "w", "kind": "kpi", "x": 0, "y": 0, "w": 3, "h": 2}
    return {
        ("GET", "/api/v1/dashboards"): [
            Probe("GET", "/api/v1/dashboards", {}, allowed=None),
            Probe("GET", "/api/v1/dashboards", {}, query={"deleted": "true"}, allowed=None),
            Probe(
                "GET",
                "/api/v1/dashboards",
                {},
                query={"folder_id": ids.dashboard_folder},
                allowed=None,
            ),
        ],
        ("POST", "/api/v1/dashboards"): [
            Probe(
                "POST",
                "/api/v1/dashboards",
                {},
                body,
                allowed=REFERENCES,
            )
            for body in (
                {"name": "B", "folder_id": ids.dashboard_folder},
                {"name": "B", "layout": [{**widget, "report_id": ids.dashboard_report}]},
                {"name": "B", "filters": {"owner": {"user": ids.admin}}},
            )
        ],
        ("GET", one): [Probe("GET", one, {"dashboard_id": ids.dashboard})],
        ("PATCH", one): [Probe("PATCH", one, {"dashboard_id": ids.dashboard}, {"name": "x"})],
        ("DELETE", one): [Probe("DELETE", one, {"dashboard_id": ids.dashboard})],
        ("POST", one + "/restore"): [
            Probe("POST", one + "/restore", {"dashboard_id": ids.dashboard})
        ],
        ("POST", one + "/run"): [Probe("POST", one + "/run", {"dashboard_id": ids.dashboard}, {})],
        ("GET", "/api/v1/dashboards/home"): [
            Probe("GET", "/api/v1/dashboards/home", {}, allowed=None)
        ],
        ("PUT", "/api/v1/dashboards/home"): [
            Probe(
                "PUT",
                "/api/v1/dashboards/home",
                {},
                {"dashboard_id": ids.dashboard},
                allowed=REFERENCES,
            )
        ],
        ("PUT", "/api/v1/dashboards/home/roles/{role_id}"): [
            Probe(
                "PUT",
                "/api/v1/dashboards/home/roles/{role_id}",
                {"role_id": ids.role},
                {"dashboard_id": None},
            )
        ],
    }


def seed_reports(c: TestClient) -> dict[str, str]:
    """A's report folder shared with everyone, and a report in it over A's marked accounts."""

    def ok(response: Any) -> dict[str, Any]:
        assert response.status_code == 201, response.text
        return dict(response.json())

    folder = ok(
        c.post(
            "/api/v1/report-folders",
            json={"name": f"{MARK} folder", "sharing": {"scope": "all"}},
        )
    )
    report = ok(
        c.post(
            "/api/v1/reports",
            json={
                "name": {"en": f"{MARK} report", "zh-CN": f"{MARK} 报表"},
                "folder_id": folder["id"],
                "definition": {
                    "object": "account",
                    "filter": {"field": "name", "op": "contains", "value": MARK},
                    "group_by": [{"field": "name"}],
                },
                "chart": {"type": "bar", "x": "name", "value": "count"},
            },
        )
    )
    return {"report_folder": folder["id"], "report": report["id"]}


def flow_body(labels: dict[str, str], user: str | None = None) -> dict[str, Any]:
    actions: list[dict[str, Any]] = [{"type": "update_fields", "values": {"description": "'auto'"}}]
    if user is not None:
        actions.append({"type": "assign_owner", "strategy": "user", "user_id": user})
    return {
        "name": "a_flow",
        "labels": labels,
        "trigger": {
            "type": "record",
            "object": "account",
            "events": ["created"],
            "timing": "after_commit",
        },
        "actions": actions,
    }


def process_body(labels: dict[str, str], user: str) -> dict[str, Any]:
    return {
        "name": "a_process",
        "labels": labels,
        "object": "account",
        "steps": [{"labels": labels, "approvers": [{"type": "user", "user_id": user}]}],
    }


def a_admin(client: TestClient) -> str:
    return str(client.get("/api/v1/me").json()["user"]["id"])


def state_of_a(a: World, ids: TenantA) -> dict[str, Any]:
    """What B must not be able to change: A's records, view, role matrix, share, users, SSO."""
    c = a.client
    got: dict[str, Any] = {}
    for name, path in (
        ("account", f"/api/v1/records/account/{ids.account}"),
        ("pooled", f"/api/v1/records/account/{ids.pooled}"),
        ("record", f"/api/v1/records/{A_OBJECT}/{ids.record}"),
        ("role", f"/api/v1/records/role/{ids.role}"),
        ("user", f"/api/v1/records/user/{ids.user}"),
        ("admin", f"/api/v1/records/user/{ids.admin}"),
        ("pool", f"/api/v1/records/pool/{ids.pool}"),
        ("permissions", f"/api/v1/roles/{ids.role}/permissions"),
        ("shares", f"/api/v1/records/account/{ids.account}/shares"),
        ("object", f"/api/v1/metadata/objects/{A_OBJECT}"),
        ("provider", f"/api/v1/sso/providers/{ids.provider}"),
        ("robot_channel", f"/api/v1/robot-channels/{ids.robot_channel}"),
        ("person", f"/api/v1/records/contact/{ids.person}"),
    ):
        response = c.get(path)
        assert response.status_code == 200, (name, response.text)
        got[name] = response.json()
    got["views"] = c.get("/api/v1/views", params={"object": "account"}).json()
    got["import_mappings"] = c.get("/api/v1/imports/mappings", params={"object": "account"}).json()
    got["import_run"] = c.get(f"/api/v1/imports/{ids.import_run}").json()
    got["dashboard"] = c.get(f"/api/v1/dashboards/{ids.dashboard}").json()
    got["dashboards"] = c.get("/api/v1/dashboards").json()
    got["home"] = c.get("/api/v1/dashboards/home").json()
    got["report"] = c.get(f"/api/v1/reports/{ids.report}").json()
    got["report_folders"] = c.get("/api/v1/report-folders").json()
    got["analytics_settings"] = c.get("/api/v1/analytics/settings").json()
    got["users"] = sorted(
        (u["id"], u.get("is_active"), u.get("status"))
        for u in c.get("/api/v1/users").json().get("users", [])
    )
    return got


def probes(ids: TenantA) -> dict[tuple[str, str], list[Probe]]:
    """For every route with tenant data, B's attempts at A's resources."""
    rec = "/api/v1/records/{object_name}/{record_id}"
    # (object, id) pairs of A's: a standard object's record, A's own custom object's record,
    # org records (role, user, pool) and a record in A's pool.
    pairs = [
        ("account", ids.account),
        (A_OBJECT, ids.record),
        ("role", ids.role),
        ("user", ids.user),
        ("pool", ids.pool),
        ("account", ids.pooled),
    ]
    all_ids = [ids.account, ids.record, ids.pooled, ids.role, ids.user, ids.pool]

    def per_record(method: str, suffix: str = "", body: Any = None, **extra: Any) -> list[Probe]:
        return [
            Probe(method, rec + suffix, {"object_name": o, "record_id": i}, body, **extra)
            for o, i in pairs
        ]

    def per_object(
        method: str, suffix: str, body: Any = None, query: Any = None, writes: bool = True
    ) -> list[Probe]:
        """Aimed at A's custom object (404), and at B's own account table with A's ids in the
        body: a write naming A's records must be refused, a read just finds nothing of A's."""
        path = "/api/v1/records/{object_name}" + suffix
        return [
            Probe(method, path, {"object_name": A_OBJECT}, body, query),
            Probe(
                method,
                path,
                {"object_name": "account"},
                body,
                query,
                REFERENCES if writes else None,
            ),
        ]

    mark_filter = {"field": "name", "op": "contains", "value": MARK}
    id_filter = {"field": "id", "op": "in", "value": all_ids}
    share_path = rec + "/shares/{share_id}"
    user_path = "/api/v1/users/{user_id}"
    users = [ids.user, ids.admin, ids.invited]
    return {
        # --- who am I, metadata
        ("GET", "/api/v1/me"): [Probe("GET", "/api/v1/me", {}, allowed=None)],
        ("GET", "/api/v1/openapi.json"): [Probe("GET", "/api/v1/openapi.json", {}, allowed=None)],
        ("GET", "/api/v1/metadata/objects"): [
            Probe("GET", "/api/v1/metadata/objects", {}, allowed=None)
        ],
        ("POST", "/api/v1/metadata/objects"): [
            Probe(
                "POST",
                "/api/v1/metadata/objects",
                {},
                {
                    "name": "b_probe",
                    "labels": {"en": "B"},
                    "fields": [
                        {"name": "name", "type": "text", "labels": {"en": "N"}},
                        {"name": "a", "type": "lookup", "target": A_OBJECT, "labels": {"en": "A"}},
                    ],
                },
                allowed=REFERENCES,
            )
        ],
        **{
            (m, "/api/v1/metadata/objects/{object_name}"): [
                Probe(m, "/api/v1/metadata/objects/{object_name}", {"object_name": A_OBJECT}, b)
            ]
            for m, b in (("GET", None), ("PATCH", {"labels": {"en": "hijack"}}), ("DELETE", None))
        },
        ("POST", "/api/v1/metadata/objects/{object_name}/fields"): [
            Probe(
                "POST",
                "/api/v1/metadata/objects/{object_name}/fields",
                {"object_name": A_OBJECT},
                {"name": "hijack", "type": "text", "labels": {"en": "x"}},
            )
        ],
        **{
            (m, "/api/v1/metadata/objects/{object_name}/fields/{field_name}"): [
                Probe(
                    m,
                    "/api/v1/metadata/objects/{object_name}/fields/{field_name}",
                    {"object_name": o, "field_name": A_FIELD},
                    b,
                )
                for o in (A_OBJECT, "account")
            ]
            for m, b in (("PATCH", {"labels": {"en": "hijack"}}), ("DELETE", None))
        },
        # --- records
        ("GET", "/api/v1/records/{object_name}"): per_object(
            "GET",
            "",
            query={
                "q": MARK,
                "filter": '{"field": "name", "op": "contains", "value": "' + MARK + '"}',
            },
            writes=False,
        ),
        ("GET", "/api/v1/records/{object_name}/export"): per_object(
            "GET", "/export", query={"q": MARK}, writes=False
        ),
        ("POST", "/api/v1/records/{object_name}/query"): per_object(
            "POST", "/query", {"filter": {"or": [mark_filter, id_filter]}}, writes=False
        ),
        ("POST", "/api/v1/records/{object_name}/aggregate"): per_object(
            "POST",
            "/aggregate",
            {"filter": id_filter, "group_by": [{"field": "name"}]},
            writes=False,
        ),
        # --- scheduled report emails: likewise.
        ("GET", "/api/v1/report-subscriptions"): [
            Probe(
                "GET",
                "/api/v1/report-subscriptions",
                {},
                query={"report_id": ids.account},
                allowed=None,
            )
        ],
        ("POST", "/api/v1/report-subscriptions"): [
            Probe(
                "POST",
                "/api/v1/report-subscriptions",
                {},
                {"report_id": ids.account},
                allowed=(422,),
            )
        ],
        **{
            (m, "/api/v1/report-subscriptions/{subscription_id}"): [
                Probe(
                    m,
                    "/api/v1/report-subscriptions/{subscription_id}",
                    {"subscription_id": ids.account},
                    b,
                )
            ]
            for m, b in (("GET", None), ("PATCH", {"active": False}), ("DELETE", None))
        },
        # --- report alerts: A's ids (an account id stands for any of A's rows) are not found.
        ("GET", "/api/v1/report-alerts"): [
            Probe(
                "GET", "/api/v1/report-alerts", {}, query={"report_id": ids.account}, allowed=None
            )
        ],
        ("POST", "/api/v1/report-alerts"): [
            Probe(
                "POST",
                "/api/v1/report-alerts",
                {},
                {
                    "name": "x",
                    "report_id": ids.account,
                    "condition": {"value": "count", "op": "gt", "threshold": 1},
                },
                allowed=(422,),
            )
        ],
        **{
            (m, "/api/v1/report-alerts/{alert_id}"): [
                Probe(m, "/api/v1/report-alerts/{alert_id}", {"alert_id": ids.account}, b)
            ]
            for m, b in (("GET", None), ("PATCH", {"active": False}), ("DELETE", None))
        },
        ("POST", "/api/v1/report-alerts/{alert_id}/check"): [
            Probe("POST", "/api/v1/report-alerts/{alert_id}/check", {"alert_id": ids.account})
        ],
        ("GET", "/api/v1/report-alerts/{alert_id}/samples"): [
            Probe("GET", "/api/v1/report-alerts/{alert_id}/samples", {"alert_id": ids.account})
        ],
        # --- reports: A's object is not there for B; on B's accounts, A's ids find nothing.
        ("POST", "/api/v1/reports/run"): [
            Probe(
                "POST",
                "/api/v1/reports/run",
                {},
                {"object": A_OBJECT, "group_by": [{"field": "name"}]},
                allowed=(404,),
            ),
            Probe(
                "POST",
                "/api/v1/reports/run",
                {},
                {"object": "account", "filter": id_filter, "group_by": [{"field": "name"}]},
                allowed=None,
            ),
            Probe(
                "POST",
                "/api/v1/reports/run",
                {},
                {
                    "object": "account",
                    "type": "tabular",
                    "filter": {"or": [mark_filter, id_filter]},
                    "columns": ["name"],
                },
                allowed=None,
            ),
        ],
        **report_probes(ids, id_filter),
        # --- sales analytics: over B's own pipeline only; A's ids in a filter find nothing.
        ("POST", "/api/v1/analytics/funnel"): [
            Probe(
                "POST",
                "/api/v1/analytics/funnel",
                {},
                {"filter": {"or": [mark_filter, id_filter]}},
                allowed=None,
            )
        ],
        ("POST", "/api/v1/analytics/pipeline-movement"): [
            Probe(
                "POST",
                "/api/v1/analytics/pipeline-movement",
                {},
                {"period": "this_year", "filter": {"or": [mark_filter, id_filter]}},
                allowed=None,
            ),
            Probe(
                "POST",
                "/api/v1/analytics/pipeline-movement",
                {},
                {"period": {"from": "2000-01-01", "to": "2100-12-31"}},
                allowed=None,
            ),
        ],
        ("POST", "/api/v1/records/{object_name}"): per_object(
            "POST", "", {"name": "B", "owner_id": ids.admin, "pool_id": ids.pool}
        ),
        ("POST", "/api/v1/records/{object_name}/bulk"): per_object(
            "POST", "/bulk", {"records": [{"name": "B", "owner_id": ids.user}]}
        ),
        ("POST", "/api/v1/records/{object_name}/mass-update"): per_object(
            "POST", "/mass-update", {"ids": all_ids, "values": {"name": "hijack"}}
        ),
        ("POST", "/api/v1/records/{object_name}/mass-delete"): per_object(
            "POST", "/mass-delete", {"ids": all_ids}
        ),
        ("POST", "/api/v1/records/{object_name}/claim"): per_object(
            "POST", "/claim", {"ids": [ids.pooled]}
        ),
        ("POST", "/api/v1/records/{object_name}/return"): per_object(
            "POST", "/return", {"ids": [ids.account], "pool_id": ids.pool}
        ),
        ("GET", rec): per_record("GET") + per_record("GET", query={"deleted": "true"}),
        ("PATCH", rec): per_record("PATCH", body={"name": "hijack", "owner_id": None}),
        ("DELETE", rec): per_record("DELETE"),
        ("POST", rec + "/restore"): per_record("POST", "/restore"),
        ("GET", rec + "/history"): per_record("GET", "/history"),
        # --- access
        ("GET", rec + "/shares"): per_record("GET", "/shares"),
        ("POST", rec + "/shares"): per_record(
            "POST",
            "/shares",
            {"principal_type": "user", "principal_id": ids.user, "access": "edit"},
        ),
        ("DELETE", share_path): [
            Probe(
                "DELETE",
                share_path,
                {"object_name": "account", "record_id": ids.account, "share_id": ids.share},
            )
        ],
        ("GET", rec + "/access"): per_record("GET", "/access", query={"user": ids.user}),
        ("GET", "/api/v1/roles/{role_id}/permissions"): [
            Probe("GET", "/api/v1/roles/{role_id}/permissions", {"role_id": ids.role})
        ],
        ("PUT", "/api/v1/roles/{role_id}/permissions"): [
            Probe(
                "PUT",
                "/api/v1/roles/{role_id}/permissions",
                {"role_id": ids.role},
                {"objects": {"account": {"read": True, "read_scope": "all"}}},
            )
        ],
        # --- views, search, pools, audit
        ("GET", "/api/v1/views"): [
            Probe("GET", "/api/v1/views", {}, query={"object": A_OBJECT}),
            Probe("GET", "/api/v1/views", {}, query={"object": "account"}, allowed=None),
        ],
        ("POST", "/api/v1/views"): [
            Probe("POST", "/api/v1/views", {}, {"object": A_OBJECT, "name": "B"}),
            Probe(
                "POST",
                "/api/v1/views",
                {},
                {"object": "account", "name": "B", "filter": id_filter},
                allowed=None,
            ),
        ],
        **{
            (m, "/api/v1/views/{view_id}"): [
                Probe(m, "/api/v1/views/{view_id}", {"view_id": ids.view}, b)
            ]
            for m, b in (("PATCH", {"name": "hijack", "shared": False}), ("DELETE", None))
        },
        ("GET", "/api/v1/search"): [
            Probe("GET", "/api/v1/search", {}, query={"q": MARK}, allowed=None),
            Probe(
                "GET", "/api/v1/search", {}, query={"q": MARK, "objects": A_OBJECT}, allowed=None
            ),
        ],
        ("GET", "/api/v1/pools"): [
            Probe("GET", "/api/v1/pools", {}, allowed=None),
            Probe("GET", "/api/v1/pools", {}, query={"object": A_OBJECT}, allowed=None),
        ],
        ("GET", "/api/v1/audit"): [
            Probe("GET", "/api/v1/audit", {}, allowed=None),
            Probe("GET", "/api/v1/audit", {}, query={"actor": ids.admin}, allowed=None),
            Probe("GET", "/api/v1/audit", {}, query={"record_id": ids.account}, allowed=None),
        ],
        # --- personal data: B's administrator aims at A's contact
        ("GET", "/api/v1/privacy/{object_name}/{record_id}/export"): [
            Probe(
                "GET",
                "/api/v1/privacy/{object_name}/{record_id}/export",
                {"object_name": "contact", "record_id": ids.person},
            )
        ],
        ("POST", "/api/v1/privacy/{object_name}/{record_id}/erase"): [
            Probe(
                "POST",
                "/api/v1/privacy/{object_name}/{record_id}/erase",
                {"object_name": "contact", "record_id": ids.person},
                {"reason": MARK},
            )
        ],
        ("GET", "/api/v1/audit/export"): [
            Probe("GET", "/api/v1/audit/export", {}, query={"actor": ids.admin}, allowed=None)
        ],
        # --- users
        ("GET", "/api/v1/users"): [Probe("GET", "/api/v1/users", {}, allowed=None)],
        ("POST", "/api/v1/users/invite"): [
            Probe(
                "POST",
                "/api/v1/users/invite",
                {},
                {"email": "b-probe@b.example", "name": "B", "role": ids.role, "manager": ids.admin},
                allowed=REFERENCES,
            )
        ],
        **{
            (m, user_path + suffix): [
                Probe(m, user_path + suffix, {"user_id": u}, body) for u in users
            ]
            for m, suffix, body in (
                ("POST", "/reinvite", None),
                ("DELETE", "/invitation", None),
                ("POST", "/deactivate", None),
                ("POST", "/reactivate", None),
                ("POST", "/transfer", {"to_user": ids.admin, "objects": ["account"]}),
            )
        },
        # --- automation: flows, approvals, webhooks, jobs, notifications (issue 12)
        **automation_probes(ids, per_record),
        **import_probes(ids),
        # --- dashboards (issue 14)
        **dashboard_probes(ids),
        # --- service: email to case (issue 15)
        **mail_probes(ids),
        # --- single sign-on providers
        ("GET", "/api/v1/sso/providers"): [Probe("GET", "/api/v1/sso/providers", {}, allowed=None)],
        ("POST", "/api/v1/sso/providers"): [
            Probe(
                "POST",
                "/api/v1/sso/providers",
                {},
                {
                    "name": "corp2",
                    "issuer": "https://b.example",
                    "client_id": "b",
                    "client_secret": "b-secret",
                    "default_role": ids.role,
                },
                allowed=REFERENCES,
            )
        ],
        **{
            (m, "/api/v1/sso/providers/{provider_id}"): [
                Probe(m, "/api/v1/sso/providers/{provider_id}", {"provider_id": ids.provider}, b)
            ]
            for m, b in (("GET", None), ("PATCH", {"enabled": False}), ("DELETE", None))
        },
    }


def report_probes(ids: TenantA, id_filter: dict[str, Any]) -> dict[tuple[str, str], list[Probe]]:
    """B's own report lists and settings (nothing of A's in them); A's folder and report ids
    in paths (404) and in B's own bodies (refused as references)."""
    folder_path = "/api/v1/report-folders/{folder_id}"
    report_path = "/api/v1/reports/{report_id}"
    on_a = {"report_id": ids.report}
    b_definition = {"object": "account", "filter": id_filter, "group_by": [{"field": "name"}]}
    a_definition = {"object": A_OBJECT, "group_by": [{"field": "name"}]}
    found: dict[tuple[str, str], list[Probe]] = {
        ("GET", "/api/v1/report-folders"): [
            Probe("GET", "/api/v1/report-folders", {}, allowed=None)
        ],
        ("POST", "/api/v1/report-folders"): [
            Probe(
                "POST",
                "/api/v1/report-folders",
                {},
                {"name": "B", "sharing": {"scope": "roles", "roles": [ids.role]}},
                allowed=REFERENCES,
            )
        ],
        ("PATCH", folder_path): [
            Probe("PATCH", folder_path, {"folder_id": ids.report_folder}, {"name": "hijack"})
        ],
        ("DELETE", folder_path): [Probe("DELETE", folder_path, {"folder_id": ids.report_folder})],
        ("GET", "/api/v1/reports"): [
            Probe("GET", "/api/v1/reports", {}, allowed=None),
            Probe("GET", "/api/v1/reports", {}, query={"deleted": "true"}, allowed=None),
            Probe("GET", "/api/v1/reports", {}, query={"folder_id": ids.report_folder}),
        ],
        ("POST", "/api/v1/reports"): [
            Probe(
                "POST",
                "/api/v1/reports",
                {},
                {"name": "B", "folder_id": ids.report_folder, "definition": b_definition},
                allowed=REFERENCES,
            ),
            Probe("POST", "/api/v1/reports", {}, {"name": "B", "definition": a_definition}),
        ],
        ("GET", report_path): [Probe("GET", report_path, on_a)],
        ("PATCH", report_path): [
            Probe("PATCH", report_path, on_a, {"name": "hijack", "folder_id": None}),
            Probe("PATCH", report_path, on_a, {"definition": b_definition, "version": 1}),
        ],
        ("DELETE", report_path): [Probe("DELETE", report_path, on_a)],
        ("POST", report_path + "/restore"): [Probe("POST", report_path + "/restore", on_a)],
        ("POST", report_path + "/run"): [
            Probe("POST", report_path + "/run", on_a, {}),
            Probe("POST", report_path + "/run", on_a, {"drill": {"name": MARK}}),
        ],
        ("POST", report_path + "/export"): [
            Probe("POST", report_path + "/export", on_a, query={"format": f})
            for f in ("xlsx", "csv")
        ],
        ("POST", "/api/v1/reports/export"): [
            Probe("POST", "/api/v1/reports/export", {}, a_definition, {"format": "csv"}, (404,)),
            Probe("POST", "/api/v1/reports/export", {}, b_definition, {"format": "csv"}, None),
        ],
        ("GET", "/api/v1/analytics/settings"): [
            Probe("GET", "/api/v1/analytics/settings", {}, allowed=None)
        ],
        ("PUT", "/api/v1/analytics/settings"): [
            Probe(
                "PUT",
                "/api/v1/analytics/settings",
                {},
                {"fiscal_year_start_month": 1},
                allowed=None,
            )
        ],
    }
    return found


def import_probes(ids: TenantA) -> dict[tuple[str, str], list[Probe]]:
    """A's uploads and runs by id (404), A's custom object named (404), B's own lists."""
    run = "/api/v1/imports/{run_id}"
    saved = "/api/v1/imports/mappings/{object_name}/{name}"
    found: dict[tuple[str, str], list[Probe]] = {
        ("POST", "/api/v1/imports/uploads"): [
            Probe("POST", "/api/v1/imports/uploads", {}, {}, allowed=(422,))
        ],
        ("GET", "/api/v1/imports/uploads/{upload_id}"): [
            Probe("GET", "/api/v1/imports/uploads/{upload_id}", {"upload_id": ids.import_upload})
        ],
        ("GET", "/api/v1/imports/fields/{object_name}"): [
            Probe("GET", "/api/v1/imports/fields/{object_name}", {"object_name": A_OBJECT})
        ],
        ("GET", "/api/v1/imports/mappings"): [
            Probe("GET", "/api/v1/imports/mappings", {}, query={"object": A_OBJECT}),
            Probe("GET", "/api/v1/imports/mappings", {}, query={"object": "account"}, allowed=None),
        ],
        ("PUT", saved): [
            Probe("PUT", saved, {"object_name": A_OBJECT, "name": "m"}, {"columns": {}})
        ],
        ("DELETE", saved): [
            Probe("DELETE", saved, {"object_name": "account", "name": "a_only"}),
            Probe("DELETE", saved, {"object_name": A_OBJECT, "name": "m"}),
        ],
        ("POST", "/api/v1/imports"): [
            Probe("POST", "/api/v1/imports", {}, {"upload_id": ids.import_upload})
        ],
        ("GET", "/api/v1/imports"): [Probe("GET", "/api/v1/imports", {}, allowed=None)],
        ("GET", run): [Probe("GET", run, {"run_id": ids.import_run})],
        ("GET", run + "/errors.csv"): [
            Probe("GET", run + "/errors.csv", {"run_id": ids.import_run})
        ],
    }
    for verb in ("cancel", "undo"):
        found[("POST", f"{run}/{verb}")] = [
            Probe("POST", f"{run}/{verb}", {"run_id": ids.import_run})
        ]
    return found


def automation_probes(ids: TenantA, per_record: Any) -> dict[tuple[str, str], list[Probe]]:
    """B's own lists (which must hold nothing of A's), A's ids in paths (404), and A's ids in
    B's own definitions (refused as references)."""
    labels = {"en": "B"}
    own = [
        "/api/v1/flows",
        "/api/v1/approval-processes",
        "/api/v1/approvals",
        "/api/v1/approvals/counts",
        "/api/v1/jobs",
        "/api/v1/webhooks",
        "/api/v1/webhooks/settings",
        "/api/v1/robot-channels",
        "/api/v1/sms/settings",
        "/api/v1/l2c/settings",
        "/api/v1/notifications",
        "/api/v1/notifications/unread-count",
        "/api/v1/notifications/preferences",
    ]
    found: dict[tuple[str, str], list[Probe]] = {
        ("GET", path): [Probe("GET", path, {}, allowed=None)] for path in own
    }
    flow_path = "/api/v1/flows/{flow_id}"
    process_path = "/api/v1/approval-processes/{process_id}"
    approval_path = "/api/v1/approvals/{approval_id}"
    webhook_path = "/api/v1/webhooks/{webhook_id}"
    robot_path = "/api/v1/robot-channels/{channel_id}"
    found.update(
        {
            ("GET", "/api/v1/approvals"): [
                Probe("GET", "/api/v1/approvals", {}, query={"box": box}, allowed=None)
                for box in ("pending", "submitted", "done")
            ],
            ("POST", "/api/v1/flows"): [
                Probe("POST", "/api/v1/flows", {}, flow_body(labels, ids.user), allowed=REFERENCES),
                # A flow posting to A's robot channel: refused as a channel B does not have.
                Probe(
                    "POST",
                    "/api/v1/flows",
                    {},
                    {
                        **flow_body(labels),
                        "actions": [
                            {
                                "type": "post_to_robot",
                                "channel_id": ids.robot_channel,
                                "title": labels,
                                "text": labels,
                            }
                        ],
                    },
                    allowed=REFERENCES,
                ),
            ],
            ("GET", flow_path): [Probe("GET", flow_path, {"flow_id": ids.flow})],
            ("PUT", flow_path): [Probe("PUT", flow_path, {"flow_id": ids.flow}, flow_body(labels))],
            ("DELETE", flow_path): [Probe("DELETE", flow_path, {"flow_id": ids.flow})],
            ("GET", flow_path + "/runs"): [
                Probe("GET", flow_path + "/runs", {"flow_id": ids.flow})
            ],
            ("GET", "/api/v1/records/{object_name}/{record_id}/flow-runs"): per_record(
                "GET", "/flow-runs"
            ),
            ("GET", "/api/v1/records/{object_name}/{record_id}/approvals"): per_record(
                "GET", "/approvals"
            ),
            ("POST", "/api/v1/approval-processes"): [
                Probe(
                    "POST",
                    "/api/v1/approval-processes",
                    {},
                    process_body(labels, ids.user),
                    allowed=REFERENCES,
                )
            ],
            ("GET", process_path): [Probe("GET", process_path, {"process_id": ids.process})],
            ("PUT", process_path): [
                Probe(
                    "PUT",
                    process_path,
                    {"process_id": ids.process},
                    process_body(labels, ids.admin),
                    allowed=REFERENCES,
                )
            ],
            ("DELETE", process_path): [Probe("DELETE", process_path, {"process_id": ids.process})],
            ("POST", "/api/v1/approvals"): [
                Probe(
                    "POST",
                    "/api/v1/approvals",
                    {},
                    {"object": "account", "record_id": ids.account},
                    allowed=REFERENCES,
                )
            ],
            ("GET", approval_path): [Probe("GET", approval_path, {"approval_id": ids.approval})],
            **{
                ("POST", approval_path + "/" + verb): [
                    Probe("POST", approval_path + "/" + verb, {"approval_id": ids.approval}, body)
                ]
                for verb, body in (
                    ("approve", {}),
                    ("reject", {}),
                    ("recall", {}),
                    ("delegate", {"user_id": ids.admin}),
                )
            },
            ("POST", "/api/v1/jobs/{job_id}/retry"): [
                Probe("POST", "/api/v1/jobs/{job_id}/retry", {"job_id": ids.job})
            ],
            ("POST", "/api/v1/webhooks"): [
                Probe(
                    "POST",
                    "/api/v1/webhooks",
                    {},
                    {"url": "http://127.0.0.1:9/b", "events": [f"{A_OBJECT}.created"]},
                    allowed=REFERENCES,
                )
            ],
            ("PATCH", "/api/v1/webhooks/settings"): [
                Probe(
                    "PATCH", "/api/v1/webhooks/settings", {}, {"allow_private": False}, allowed=None
                )
            ],
            ("PUT", "/api/v1/l2c/settings"): [
                Probe("PUT", "/api/v1/l2c/settings", {}, {"allow_overpayment": True}, allowed=None)
            ],
            # Service: B's own settings and console (A's queue id is no queue of B's: nothing
            # shown); A's records as a case of B's: not there.
            ("GET", "/api/v1/service/settings"): [
                Probe("GET", "/api/v1/service/settings", {}, allowed=None)
            ],
            ("PUT", "/api/v1/service/settings"): [
                Probe(
                    "PUT",
                    "/api/v1/service/settings",
                    {},
                    {"auto_close_days": 7, "reopen_days": 14},
                    allowed=None,
                )
            ],
            ("GET", "/api/v1/service/console"): [
                Probe("GET", "/api/v1/service/console", {}, query=query, allowed=None)
                for query in (
                    {"view": "mine"},
                    {"view": "all_open"},
                    {"view": "queue"},
                    {"view": "queue", "queue": ids.record},
                )
            ],
            **{
                (m, "/api/v1/service/cases/{case_id}/messages"): [
                    Probe(m, "/api/v1/service/cases/{case_id}/messages", {"case_id": rid}, body)
                    for rid in (ids.account, ids.record)
                ]
                for m, body in (("GET", None), ("POST", {"body": "x", "visibility": "public"}))
            },
            **{
                (m, webhook_path + suffix): [
                    Probe(m, webhook_path + suffix, {"webhook_id": ids.webhook}, body)
                ]
                for m, suffix, body in (
                    ("GET", "", None),
                    ("PATCH", "", {"active": False}),
                    ("DELETE", "", None),
                    ("GET", "/deliveries", None),
                    ("POST", "/rotate-secret", None),
                    ("POST", "/test", None),
                )
            },
            ("POST", "/api/v1/webhooks/deliveries/{delivery_id}/replay"): [
                Probe(
                    "POST",
                    "/api/v1/webhooks/deliveries/{delivery_id}/replay",
                    {"delivery_id": ids.delivery},
                )
            ],
            ("POST", "/api/v1/robot-channels"): [
                Probe(
                    "POST",
                    "/api/v1/robot-channels",
                    {},
                    {"name": "B robot", "vendor": "wecom", "url": "http://127.0.0.1:9/b"},
                    allowed=REFERENCES,
                )
            ],
            **{
                (m, robot_path + suffix): [
                    Probe(m, robot_path + suffix, {"channel_id": ids.robot_channel}, body)
                ]
                for m, suffix, body in (
                    ("GET", "", None),
                    ("PATCH", "", {"active": False, "name": "B's now"}),
                    ("DELETE", "", None),
                    ("POST", "/test", None),
                )
            },
            # Marking someone else's notification read is ignored (answers `marked: 0`).
            ("POST", "/api/v1/notifications/read"): [
                Probe(
                    "POST",
                    "/api/v1/notifications/read",
                    {},
                    {"ids": [ids.notification]},
                    allowed=None,
                )
            ],
            ("PUT", "/api/v1/notifications/preferences"): [
                Probe(
                    "PUT", "/api/v1/notifications/preferences", {}, {"email": False}, allowed=None
                )
            ],
            # B's own letterhead: B reads and changes only its own; A's logo is not B's.
            ("GET", "/api/v1/document-template"): [
                Probe("GET", "/api/v1/document-template", {}, allowed=None)
            ],
            ("PUT", "/api/v1/document-template"): [
                Probe(
                    "PUT",
                    "/api/v1/document-template",
                    {},
                    {"footer_text": {"en": "B"}},
                    allowed=None,
                )
            ],
            ("GET", "/api/v1/document-template/logo"): [
                Probe("GET", "/api/v1/document-template/logo", {}, allowed=(404,))
            ],
            ("PUT", "/api/v1/document-template/logo"): [
                Probe("PUT", "/api/v1/document-template/logo", {}, {}, allowed=(422,))
            ],
            # B's own configuration package: B's customisations only, never A's.
            ("GET", "/api/v1/config-package"): [
                Probe("GET", "/api/v1/config-package", {}, allowed=None)
            ],
            ("POST", "/api/v1/config-package/preview"): [
                Probe("POST", "/api/v1/config-package/preview", {}, {}, allowed=(422,))
            ],
            ("POST", "/api/v1/config-package/install"): [
                Probe("POST", "/api/v1/config-package/install", {}, {}, allowed=(422,))
            ],
        }
    )
    found.update(action_probes(ids))
    return found


def action_probes(ids: TenantA) -> dict[tuple[str, str], list[Probe]]:
    """Every package action's route, aimed at A's records: only "not there" or "not allowed"
    (or the body's own validation, before any record is looked at, for actions with input)."""
    register_all_hooks()
    menus = "/api/v1/records/{object_name}/actions"
    found: dict[tuple[str, str], list[Probe]] = {
        ("GET", menus): [Probe("GET", menus, {"object_name": A_OBJECT}, allowed=(404,))],
        ("GET", "/api/v1/records/{object_name}/{record_id}/actions"): [
            Probe(
                "GET",
                "/api/v1/records/{object_name}/{record_id}/actions",
                {"object_name": o, "record_id": i},
            )
            for o, i in (("account", ids.account), (A_OBJECT, ids.record), ("lead", ids.account))
        ],
    }
    tree = "/api/v1/records/{object_name}/tree"
    found[("POST", tree)] = [
        Probe("POST", tree, {"object_name": A_OBJECT}, {"record": {"name": "b"}}, allowed=(404,)),
        Probe(
            "POST",
            tree,
            {"object_name": "account"},
            {
                "record": {"name": "b", "parent_account": ids.account},
                "children": [{"object": "contact", "records": [{"name": "b"}]}],
            },
            allowed=REFERENCES,
        ),
        Probe(
            "POST",
            tree,
            {"object_name": "account"},
            {
                "record": {"name": "b"},
                "children": [{"object": A_OBJECT, "records": [{"name": "b"}]}],
            },
            allowed=(422,),
        ),
    ]
    receivables = "/api/v1/l2c/receivables"
    found[("GET", receivables)] = [
        Probe("GET", receivables, {}, query={"group_by": g}, allowed=None)
        for g in ("account", "owner")
    ]
    # Knowledge base: B's own published articles (none of A's), A's case is not B's.
    knowledge = "/api/v1/service/knowledge/search"
    found[("GET", knowledge)] = [
        Probe("GET", knowledge, {}, query={"q": MARK[:7]}, allowed=None),  # a prefix: no echo
        Probe("GET", knowledge, {}, query={"q": "打印机"}, allowed=None),
        Probe("GET", knowledge, {}, query={"category": ids.account}, allowed=None),
    ]
    suggested = "/api/v1/service/cases/{case_id}/suggested_articles"
    found[("GET", suggested)] = [
        Probe("GET", suggested, {"case_id": case_id}, allowed=(404,))
        for case_id in (ids.case or ids.account, ids.account)
    ]
    # Segments: A's list is no segment of B's; counting conditions counts B's people only.
    for route in ("/api/v1/segments/{segment_id}/count", "/api/v1/segments/{segment_id}/members"):
        found[("GET", route)] = [
            Probe("GET", route, {"segment_id": segment_id}, allowed=(404,))
            for segment_id in (ids.segment or ids.account, ids.account)
        ]
    in_list = {
        "related": {
            "object": "segment_member",
            "field": "contact",
            "filter": {"field": "segment", "op": "eq", "value": ids.segment or ids.account},
        },
        "op": "gte",
        "value": 1,
    }
    count = "/api/v1/segments/count"
    found[("POST", count)] = [
        Probe("POST", count, {}, {"object": "contact", "filter": tree}, allowed=None)
        for tree in (
            in_list,
            {"field": "name", "op": "contains", "value": MARK},
            {"field": "account", "op": "eq", "value": ids.account},
        )
    ]
    # An SLA preview answers from B's own policy of that key (every tenant has "standard").
    preview = "/api/v1/service/sla/preview"
    start = "2026-12-04T17:00:00+08:00"
    found[("POST", preview)] = [
        Probe(
            "POST",
            preview,
            {},
            {"policy": "standard", "priority": "high", "start": start},
            allowed=None,
        )
    ]
    # Target attainment: B's own figures, and A's id is no department of B's.
    attainment = "/api/v1/analytics/targets/attainment"
    period = {"metric": "won_amount", "period_type": "month", "period_start": "2025-01-01"}
    found[("GET", attainment)] = [
        Probe("GET", attainment, {}, query=period, allowed=None),
        Probe("GET", attainment, {}, query={**period, "department": ids.user}, allowed=(422,)),
    ]
    # Public survey links: a token signed for B naming A's survey finds nothing in B.
    survey = "/api/v1/public/surveys/{token}"
    token = {"token": ids.survey_token}
    found[("GET", survey)] = [Probe("GET", survey, token, allowed=(404,))]
    found[("POST", survey)] = [Probe("POST", survey, token, {"csat": 5}, allowed=(404,))]
    # Public web forms: A's form's key under B's tenant finds nothing in B (nor in A).
    form = "/api/v1/public/forms/{key}"
    key = {"key": ids.form_key}
    found[("GET", form)] = [Probe("GET", form, key, allowed=(404,))]
    found[("POST", form)] = [Probe("POST", form, key, {"name": "b"}, allowed=(404,))]
    found[("OPTIONS", form)] = [Probe("OPTIONS", form, key, allowed=(204,))]
    # SMS: B's own settings and test send (the log provider); A's reply callback with a token
    # that is not A's finds nothing (404) and changes nothing.
    sms_settings = "/api/v1/sms/settings"
    found[("PUT", sms_settings)] = [
        Probe("PUT", sms_settings, {}, {"rate_per_minute": 120}, allowed=None)
    ]
    sms_test = {"phone": "13800000000", "template_code": "SMS_1"}
    found[("POST", "/api/v1/sms/test")] = [
        Probe("POST", "/api/v1/sms/test", {}, sms_test, allowed=None)
    ]
    reply = [{"phone_number": "13800000000", "content": "TD", "biz_id": "1^0", "success": True}]
    for kind in ("inbound", "report"):
        callback = "/api/v1/public/sms/{tenant}/{provider}/" + kind
        found[("POST", callback)] = [
            Probe(
                "POST",
                callback,
                {"tenant": ids.tenant_name, "provider": provider},
                reply,
                query={"token": "forged-token"},
                allowed=(404,),
            )
            for provider in ("aliyun", "tencent")
        ]
    # Email marketing: A's template, campaign and deliveries are not there for B; B's own
    # settings; public mail links signed for B naming A's delivery find nothing in B.
    email = "/api/v1/marketing/email"
    found[("POST", f"{email}/preview")] = [
        Probe("POST", f"{email}/preview", {}, {"template": ids.email_template}, allowed=(404,)),
        Probe(
            "POST",
            f"{email}/preview",
            {},
            {
                "subject": "x",
                "body_html": "x",
                "record_object": "contact",
                "record_id": ids.account,
            },
            allowed=(404,),
        ),
    ]
    for tail in ("audience", "deliveries"):
        path = f"{email}/campaigns/{{campaign_id}}/{tail}"
        found[("GET", path)] = [Probe("GET", path, {"campaign_id": ids.email_campaign})]
    found[("GET", f"{email}/settings")] = [Probe("GET", f"{email}/settings", {}, allowed=None)]
    found[("PUT", f"{email}/settings")] = [
        Probe(
            "PUT",
            f"{email}/settings",
            {},
            {"rate_per_minute": 100, "from_name": None, "from_address": None},
            allowed=None,
        )
    ]
    box = ids.mail_box
    for method, kind, path in (
        ("GET", "o", "/api/v1/public/mail/o/{token}.gif"),
        ("GET", "c", "/api/v1/public/mail/c/{token}"),
        ("GET", "u", "/api/v1/public/mail/u/{token}"),
        ("POST", "u", "/api/v1/public/mail/u/{token}"),
    ):
        url = "https://example.com/" if kind == "c" else None
        signed = (
            mail_token(box, kind, ids.b_tenant, ids.delivery_id, url)  # type: ignore[arg-type]
            if box is not None
            else "x"
        )
        found[(method, path)] = [Probe(method, path, {"token": signed}, allowed=(404,))]
    # The customer portal of A: B's internal session is no portal session (401), whatever it
    # names; the portal's own grants are proved in tests/security/test_portal.py.
    portal = "/api/v1/portal/{tenant}"
    where = {
        "tenant": ids.tenant_name,
        "case_id": ids.case or ids.account,
        "article_id": ids.account,
    }
    for method, path, body in (
        ("POST", "/logout", None),
        ("GET", "/me", None),
        ("PATCH", "/me", {"locale": "en"}),
        ("POST", "/me/password", {"current_password": "x", "new_password": "y"}),
        ("GET", "/cases", None),
        ("POST", "/cases", {"subject": "b"}),
        ("GET", "/cases/{case_id}", None),
        ("GET", "/cases/{case_id}/messages", None),
        ("POST", "/cases/{case_id}/messages", {"body": "b"}),
        ("GET", "/articles", None),
        ("GET", "/articles/{article_id}", None),
        ("GET", "/categories", None),
    ):
        found[(method, portal + path)] = [Probe(method, portal + path, where, body, allowed=(401,))]
    for action in action_registry.all():
        path = "/api/v1/records" + action.path
        allowed = (403, 404, 422) if action.input is not None else (403, 404)
        body = {} if action.method == "POST" else None
        found[(action.method, path)] = [
            Probe(action.method, path, {"record_id": record_id}, body, allowed=allowed)
            for record_id in (ids.account, ids.record, ids.pooled)
        ]
    return found


def call(client: TestClient, probe: Probe) -> Any:
    url = probe.path
    for name, value in probe.params.items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no value for a path parameter of {probe.path}"
    kwargs: dict[str, Any] = {"params": probe.query}
    if probe.body is not None:
        kwargs["json"] = probe.body
    return client.request(probe.method, url, **kwargs)


def test_every_route_is_classified(app: FastAPI) -> None:
    """A new route must get probes below or a reasoned place on the no-tenant-data list."""
    dummy = TenantA(*(str(uuid.uuid4()) for _ in range(12)))
    covered = set(probes(dummy)) | set(NO_TENANT_DATA)
    routes = app_routes(app)
    assert routes - covered == set(), "routes without cross-tenant probes"
    assert covered - routes == set(), "probes for routes that no longer exist"
    for key, found in probes(dummy).items():
        assert found and all((p.method, p.path) == key for p in found), key


def test_b_cannot_reach_a(tenants: tuple[World, World, TenantA], platform: Platform) -> None:
    a, b, ids = tenants
    before = state_of_a(a, ids)
    # Sanity: A's markers are really visible to A, so their absence for B means something.
    assert MARK in a.client.get("/api/v1/search", params={"q": MARK}).text
    assert MARK in a.client.get(f"/api/v1/records/account/{ids.account}").text
    problems: list[str] = []
    secrets = [value for value in vars(ids).values() if isinstance(value, str)]
    for (method, path), found in sorted(probes(ids).items()):
        for probe in found:
            response = call(b.client, probe)
            label = f"{method} {path} {probe.params} {probe.query or ''}"
            status = response.status_code
            expected = status < 300 if probe.allowed is None else status in probe.allowed
            if not expected:
                problems.append(f"{label}: {status} {response.text[:200]}")
            if MARK.lower() in response.text.lower():
                problems.append(f"{label}: leaks A's data: {response.text[:300]}")
            for header, value in response.headers.items():
                if MARK.lower() in value.lower():
                    problems.append(f"{label}: leaks A's data in {header}")
            # A's ids and names may only come back as an echo of what B itself sent.
            sent = json.dumps([probe.params, probe.body, probe.query])
            for secret in (*secrets, A_OBJECT, A_FIELD):
                if secret not in sent and secret in response.text:
                    problems.append(f"{label}: leaks A's {secret}: {response.text[:300]}")
    assert not problems, "\n".join(problems)
    for path in ("/api/v1/openapi.json", "/api/v1/metadata/objects"):
        assert A_OBJECT not in b.client.get(path).text
    # B's own tenant still works, and A's data is exactly as it was.
    assert b.client.get("/api/v1/me").json()["tenant"]["name"] == b.tenant.name
    assert state_of_a(a, ids) == before
    with platform.context(a.tenant, SYSTEM) as ctx:
        assert RecordsService(ctx).get("account", ids.account)["name"] == f"{MARK} 客户"


SWITCHES: list[Callable[[str], dict[str, Any]]] = [
    lambda b: {"headers": {"X-Tenant": b}},
    lambda b: {"headers": {"X-Keyi-Tenant": b, "Host": f"{b}.keyi.example"}},
    lambda b: {"params": {"tenant": b}},
    lambda b: {"headers": {"Cookie": f"keyi_tenant={b}"}},
]


def test_tenant_switch_never_reaches_the_other_tenant(
    tenants: tuple[World, World, TenantA], app: FastAPI, platform: Platform
) -> None:
    a, b, ids = tenants
    b_account = b.client.post("/api/v1/records/account", json={"name": "B only"}).json()["id"]
    for credential in (a.token, ids.api_key):
        with TestClient(app) as caller:
            caller.headers["Authorization"] = f"Bearer {credential}"
            for switch in SWITCHES:
                kwargs = switch(b.tenant.name)
                me = caller.get("/api/v1/me", **kwargs)
                assert me.status_code == 200 and me.json()["tenant"]["name"] == a.tenant.name
                got = caller.get(f"/api/v1/records/account/{b_account}", **kwargs)
                assert got.status_code == 404, got.text
                listed = caller.get("/api/v1/records/account", **kwargs).json()["records"]
                assert b_account not in {r["id"] for r in listed}
    # A's password with B's tenant name: A's identity has no membership in B.
    with TestClient(app) as browser:
        refused = browser.post(
            "/api/v1/auth/login",
            json={"email": a.email, "password": ADMIN_PASSWORD, "tenant": b.tenant.name},
        )
        assert refused.status_code in (401, 403, 404), refused.text
        assert "token" not in refused.json()
    # A person in both companies chooses one; that session stays in the chosen company.
    both = f"both-{uuid.uuid4().hex[:6]}@security.example"
    add_user(platform, a.tenant, email=both, name="Both", password=ADMIN_PASSWORD)
    add_user(platform, b.tenant, email=both, name="Both", password=None)
    with TestClient(app) as person:
        login(person, both, tenant=a.tenant.name)
        assert person.get(f"/api/v1/records/account/{b_account}").status_code == 404
        assert (
            person.get("/api/v1/me", params={"tenant": b.tenant.name}).json()["tenant"]["name"]
            == a.tenant.name
        )
        # A B session cookie planted next to A's bearer token does not change the tenant.
        person.cookies.set("keyi_session", b.token)
        assert person.get(f"/api/v1/records/account/{b_account}").status_code == 404


def test_routes_are_enumerated_from_the_app(app: FastAPI) -> None:
    """The enumeration sees included routers (not only top-level routes)."""
    routes = app_routes(app)
    assert ("GET", "/api/v1/records/{object_name}/{record_id}") in routes
    assert any(re.match(r"^/api/v1/records/.*/shares", p) for _, p in routes)
