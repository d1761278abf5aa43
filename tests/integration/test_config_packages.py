"""Configuration packages (keyi.configpkg): a sandbox's customisations exported, compared with a
production tenant and installed there, through HTTP and the CLI, on both databases."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from keyi.cli import main
from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user, create_tenant
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import add_member, rights

APPROVER = "approver@cfgpkg.example"
LABELS = {"en": "Claim", "zh-CN": "索赔"}


@pytest.fixture
def production(platform: Platform) -> Iterator[TenantInfo]:
    info = create_tenant(
        platform,
        "p" + uuid.uuid4().hex[:12],
        admin_email=f"{uuid.uuid4().hex[:8]}-boss@cfgpkg.example",
        admin_password=ADMIN_PASSWORD,
        admin_name="生产管理员",
        packages=("core", "sales"),
    )
    yield info
    platform.drop_tenant(info.name)


@pytest.fixture
def prod(app: Any, platform: Platform, production: TenantInfo) -> Iterator[TestClient]:
    with TestClient(app) as client:
        login(client, admin_email_of(platform, production), tenant=production.name)
        yield client


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def customise(client: TestClient, platform: Platform, tenant: TenantInfo) -> None:
    """The sandbox's work: a custom object with fields, a layout and a validation rule, a
    picklist value added to a standard field, a flow, an approval process naming a user, a
    shared list view, and a report with a dashboard in a shared folder."""
    ok(
        client.post(
            "/api/v1/metadata/objects",
            json={
                "name": "warranty_claim",
                "labels": LABELS,
                "fields": [
                    {"name": "name", "type": "text", "labels": {"en": "Name"}, "required": True},
                    {
                        "name": "severity",
                        "type": "picklist",
                        "labels": {"en": "Severity", "zh-CN": "严重程度"},
                        "options": [
                            {"value": "low", "labels": {"en": "Low", "zh-CN": "低"}},
                            {"value": "high", "labels": {"en": "High", "zh-CN": "高"}},
                        ],
                    },
                    {"name": "amount", "type": "currency", "labels": {"en": "Amount"}},
                    {"name": "notes", "type": "text", "labels": {"en": "Notes"}},
                    {"name": "account", "type": "lookup", "target": "account", "labels": LABELS},
                ],
            },
        ),
        201,
    )
    ok(
        client.patch(
            "/api/v1/metadata/objects/warranty_claim",
            json={
                "validation_rules": [
                    {
                        "name": "amount_not_negative",
                        "condition": "amount < 0",
                        "field": "amount",
                        "message": {"en": "No negative claims.", "zh-CN": "金额不能为负。"},
                    }
                ],
                "layout": {
                    "sections": [
                        {
                            "key": "main",
                            "labels": {"en": "Claim", "zh-CN": "索赔"},
                            "fields": ["name", "severity", "amount", "account"],
                        },
                        {"key": "more", "labels": {"en": "More"}, "fields": ["notes"]},
                    ]
                },
            },
        )
    )
    industry = ok(client.get("/api/v1/metadata/objects/account"))
    options = next(f for f in industry["fields"] if f["name"] == "industry")["options"]
    options = [*options, {"value": "robotics", "labels": {"en": "Robotics", "zh-CN": "机器人"}}]
    ok(client.patch("/api/v1/metadata/objects/account/fields/industry", json={"options": options}))
    ok(
        client.post(
            "/api/v1/flows",
            json={
                "name": "claim_notes",
                "labels": {"en": "Claim notes", "zh-CN": "索赔备注"},
                "trigger": {
                    "type": "record",
                    "object": "warranty_claim",
                    "events": ["created"],
                    "timing": "before_save",
                },
                "actions": [{"type": "update_fields", "values": {"notes": "'已登记：' & name"}}],
            },
        ),
        201,
    )
    approver = add_user(platform, tenant, email=APPROVER, name="审批人", password=ADMIN_PASSWORD)
    ok(
        client.post(
            "/api/v1/approval-processes",
            json={
                "name": "big_claims",
                "labels": {"en": "Big claims", "zh-CN": "大额索赔"},
                "object": "warranty_claim",
                "entry_condition": "amount >= 10000",
                "steps": [
                    {
                        "labels": {"en": "Approver", "zh-CN": "审批"},
                        "approvers": [{"type": "user", "user_id": approver["id"]}],
                    }
                ],
            },
        ),
        201,
    )
    ok(
        client.post(
            "/api/v1/views",
            json={
                "object": "warranty_claim",
                "name": "高额索赔",
                "shared": True,
                "filter": {"field": "severity", "op": "eq", "value": "high"},
                "columns": ["name", "amount"],
            },
        ),
        201,
    )
    folder = ok(
        client.post(
            "/api/v1/report-folders", json={"name": "索赔分析", "sharing": {"scope": "all"}}
        ),
        201,
    )
    report = ok(
        client.post(
            "/api/v1/reports",
            json={
                "name": {"zh-CN": "按严重程度", "en": "By severity"},
                "folder_id": folder["id"],
                "definition": {
                    "object": "warranty_claim",
                    "type": "summary",
                    "group_by": [{"field": "severity"}],
                    "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
                },
            },
        ),
        201,
    )
    ok(
        client.post(
            "/api/v1/dashboards",
            json={
                "name": "索赔看板",
                "folder_id": folder["id"],
                "layout": [
                    {"id": "a", "kind": "report", "x": 0, "y": 0, "w": 6, "h": 4}
                    | {"report_id": report["id"]}
                ],
                "filters": {},
            },
        ),
        201,
    )
    ok(
        client.put(
            "/api/v1/document-template",
            json={"company_name": "沙箱科技", "accent_color": "#AA3300"},
        )
    )
    # Data stays behind: a record of the sandbox must never travel in the package.
    ok(client.post("/api/v1/records/warranty_claim", json={"name": "沙箱记录-机密"}), 201)


def download(client: TestClient, **params: str) -> bytes:
    response = client.get("/api/v1/config-package", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return response.content


def upload(client: TestClient, path: str, content: bytes, **form: str) -> Any:
    return client.post(
        f"/api/v1/config-package/{path}",
        files={"file": ("package.zip", content, "application/zip")},
        data=form,
    )


def entries(diff: dict[str, Any]) -> dict[str, str]:
    return {f"{e['kind']}:{e['key']}": e["action"] for e in diff["entries"]}


def flow_names(client: TestClient) -> list[str]:
    return [f["name"] for f in ok(client.get("/api/v1/flows"))["flows"]]


def claim_flow(client: TestClient) -> dict[str, Any]:
    return next(f for f in ok(client.get("/api/v1/flows"))["flows"] if f["name"] == "claim_notes")


def audit_actions(platform: Platform, tenant: TenantInfo, action: str) -> int:
    with platform.db.tenant_transaction(tenant.location) as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(audit_table)
                .where(audit_table.c.action == action)
            ).scalar_one()
        )


EXPECTED = {
    "object:warranty_claim": "create",
    "object:account": "update",
    "report_folder:索赔分析": "create",
    "report:索赔分析/By severity": "create",
    "dashboard:索赔分析/索赔看板": "create",
    "list_view:warranty_claim/高额索赔": "create",
    "flow:claim_notes": "create",
    "approval:big_claims": "create",
    "document_template:letterhead": "create",
}


def test_sandbox_to_production_end_to_end(
    client: TestClient,
    prod: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    production: TenantInfo,
) -> None:
    customise(client, platform, tenant)
    content = download(client)
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    assert {
        "manifest.yaml",
        "objects/warranty_claim.yaml",
        "objects/account.yaml",
        "flows/claim_notes.yaml",
        "approvals/big_claims.yaml",
    } <= names
    manifest = yaml.safe_load(archive.read("manifest.yaml"))
    assert manifest["format_version"] == 1 and manifest["source_tenant"] == tenant.name
    assert manifest["packages"] == ["sales"]
    # The approver travels by email, never by the sandbox's id; no record, no password.
    process = yaml.safe_load(archive.read("approvals/big_claims.yaml"))
    assert process["steps"][0]["approvers"][0]["user_id"] == {"user": APPROVER}
    text = b"".join(archive.read(n) for n in names).decode("utf-8")
    assert "沙箱记录-机密" not in text and "password" not in text
    claim = yaml.safe_load(archive.read("objects/warranty_claim.yaml"))
    assert [r["name"] for r in claim["validation_rules"]] == ["amount_not_negative"]

    # The production company has the approver too (by email; another id).
    approver = add_user(platform, production, email=APPROVER, name="审批人", password="x" * 12)
    before = ok(prod.get("/api/v1/metadata/objects")).get("objects")
    preview = ok(upload(prod, "preview", content))
    assert not preview["applied"] and preview["dry_run"]
    assert entries(preview) == EXPECTED
    account = next(e for e in preview["entries"] if e["key"] == "account")
    assert any("account.industry=robotics: new picklist value" in c for c in account["changes"])
    # The dry run changed nothing.
    assert ok(prod.get("/api/v1/metadata/objects")).get("objects") == before
    assert prod.get("/api/v1/metadata/objects/warranty_claim").status_code == 404
    assert "claim_notes" not in flow_names(prod)

    installed = ok(upload(prod, "install", content))
    assert installed["applied"] and entries(installed) == EXPECTED
    assert audit_actions(platform, production, "config_package.install") == 1

    # The customisations work there: records, the rule, the flow, the picklist value...
    record = ok(prod.post("/api/v1/records/warranty_claim", json={"name": "屏幕损坏"}), 201)
    assert record["notes"] == "已登记：屏幕损坏"
    refused = prod.post("/api/v1/records/warranty_claim", json={"name": "x", "amount": "-1"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "amount"
    ok(prod.post("/api/v1/records/account", json={"name": "优必选", "industry": "robotics"}), 201)
    layout = ok(prod.get("/api/v1/metadata/objects/warranty_claim"))["layout"]
    assert [s["key"] for s in layout["sections"]] == ["main", "more"]
    # ...the approval process names production's approver, the report runs, the board is there.
    process = ok(prod.get("/api/v1/approval-processes"))["processes"][0]
    assert process["steps"][0]["approvers"][0]["user_id"] == approver["id"]
    reports = ok(prod.get("/api/v1/reports"))["reports"]
    report = next(r for r in reports if r["object"] == "warranty_claim")
    ran = ok(prod.post(f"/api/v1/reports/{report['id']}/run", json={}))
    assert [g["values"]["count"] for g in ran["groups"]] == [1]
    boards = ok(prod.get("/api/v1/dashboards"))["dashboards"]
    board_id = next(b["id"] for b in boards if b["name"] == {"": "索赔看板"})
    board = ok(prod.get(f"/api/v1/dashboards/{board_id}"))
    assert board["layout"][0]["report_id"] == report["id"]
    letterhead = ok(prod.get("/api/v1/document-template"))
    assert (letterhead["company_name"], letterhead["accent_color"]) == ("沙箱科技", "#AA3300")
    views = ok(prod.get("/api/v1/views", params={"object": "warranty_claim"}))
    assert [v["name"] for v in views["views"] if v["shared"]] == ["高额索赔"]

    # A second install is a no-op: nothing changes, nothing is audited.
    again = ok(upload(prod, "install", content))
    assert not again["applied"] and set(entries(again).values()) == {"unchanged"}
    assert audit_actions(platform, production, "config_package.install") == 1


def test_a_local_change_is_a_conflict_kept_unless_forced(
    client: TestClient,
    prod: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    production: TenantInfo,
) -> None:
    customise(client, platform, tenant)
    add_user(platform, production, email=APPROVER, name="审批人", password="x" * 12)
    ok(upload(prod, "install", download(client)))

    # Production renames the flow's label; the sandbox renames it too, and relabels a field.
    def relabel(api: TestClient, text: str) -> None:
        flow = claim_flow(api)
        body = {k: flow[k] for k in ("name", "description", "active", "trigger", "actions")}
        body["labels"] = {"en": text, "zh-CN": text}
        ok(api.put(f"/api/v1/flows/{flow['id']}", json=body))

    relabel(prod, "production's own")
    relabel(client, "sandbox's")
    ok(
        client.patch(
            "/api/v1/metadata/objects/warranty_claim/fields/notes",
            json={"labels": {"en": "Remarks", "zh-CN": "备注"}},
        )
    )
    second = download(client)
    diff = ok(upload(prod, "install", second))
    found = entries(diff)
    assert found["flow:claim_notes"] == "conflict" and found["object:warranty_claim"] == "update"
    flow = claim_flow(prod)
    assert flow["labels"]["en"] == "production's own"  # kept
    claim = ok(prod.get("/api/v1/metadata/objects/warranty_claim"))
    notes = next(f for f in claim["fields"] if f["name"] == "notes")
    assert notes["labels"]["en"] == "Remarks"  # the sandbox's change, unchanged here, applied

    forced = ok(upload(prod, "install", second, force="true"))
    assert entries(forced)["flow:claim_notes"] == "update" and forced["applied"]
    flow = claim_flow(prod)
    assert flow["labels"]["en"] == "sandbox's"


def test_what_cannot_apply_is_refused_before_anything_changes(
    client: TestClient,
    prod: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    production: TenantInfo,
) -> None:
    customise(client, platform, tenant)
    content = download(client)
    # The approver does not exist in production: the process cannot apply, nothing does.
    refused = upload(prod, "install", content)
    assert refused.status_code == 409, refused.text
    diff = refused.json()["diff"]
    blocked = [e for e in diff["entries"] if e["action"] == "blocked"]
    assert [(e["kind"], e["key"]) for e in blocked] == [("approval", "big_claims")]
    assert f"user '{APPROVER}'" in blocked[0]["reason"]
    assert prod.get("/api/v1/metadata/objects/warranty_claim").status_code == 404
    assert "claim_notes" not in flow_names(prod)

    # A package needing a standard package production lacks: refused up front.
    archive = zipfile.ZipFile(io.BytesIO(content))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            if name == "manifest.yaml":
                manifest = yaml.safe_load(data)
                manifest["packages"] = ["marketing", "sales"]
                data = yaml.safe_dump(manifest, allow_unicode=True).encode("utf-8")
            out.writestr(name, data)
    add_user(platform, production, email=APPROVER, name="审批人", password="x" * 12)
    preview = ok(upload(prod, "preview", rewritten.getvalue()))
    assert preview["refused"] == ["needs the standard package 'marketing', not installed here"]
    response = upload(prod, "install", rewritten.getvalue())
    assert response.status_code == 409
    assert prod.get("/api/v1/metadata/objects/warranty_claim").status_code == 404
    assert audit_actions(platform, production, "config_package.install") == 0

    # Not a package at all, or from a newer Keyi: a 422 naming the file.
    bad = upload(prod, "preview", b"not a zip")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"


def test_only_administrators_export_and_install(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    content = download(client, only="flows")
    add_member(platform, tenant, "rep@cfgpkg.example", {"account": rights("all")})
    with TestClient(app) as rep:
        login(rep, "rep@cfgpkg.example", tenant=tenant.name)
        assert rep.get("/api/v1/config-package").status_code == 403
        assert upload(rep, "preview", content).status_code == 403
        assert upload(rep, "install", content).status_code == 403


def test_cli_export_and_install(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    production: TenantInfo,
    tmp_path: Any,
) -> None:
    customise(client, platform, tenant)
    settings = platform.settings
    base = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        base += ["--database-url", settings.database_url]
    runner = CliRunner(env={"KEYI_CONTROL_SCHEMA": settings.control_schema})
    path = tmp_path / "pkg.zip"

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, [*base, "config", *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    whole = tmp_path / "whole.zip"
    run("export", "--tenant", tenant.name, str(whole))
    # Production lacks the approval process's approver: refused, exit 1, nothing changed.
    refused = run("install", "--tenant", production.name, str(whole), code=1)
    assert "blocked approval big_claims: unresolvable: user 'approver@cfgpkg.example'" in refused
    assert "nothing was changed" in refused
    with platform.context(production, _system()) as ctx:
        assert ctx.schema.get("warranty_claim") is None
    add_user(platform, production, email=APPROVER, name="审批人", password="x" * 12)
    out = run("export", "--tenant", tenant.name, "--only", "objects,flows", str(path))
    assert "2 object" in out and "1 flow" in out
    dry = run("install", "--tenant", production.name, "--dry-run", str(path))
    assert "dry run" in dry and "+ object warranty_claim: create" in dry
    with platform.context(production, _system()) as ctx:
        assert ctx.schema.get("warranty_claim") is None
    done = run("install", "--tenant", production.name, str(path))
    assert "installed" in done and "flow claim_notes" in done
    assert "nothing to do" in run("install", "--tenant", production.name, str(path))


def _system() -> Any:
    from keyi.platform.permissions import Actor

    return Actor.system("test")


def _company(platform: Platform, packages: tuple[str, ...]) -> TenantInfo:
    return create_tenant(
        platform,
        "m" + uuid.uuid4().hex[:12],
        admin_email=f"{uuid.uuid4().hex[:8]}-boss@cfgpkg.example",
        admin_password=ADMIN_PASSWORD,
        admin_name="管理员",
        packages=packages,
    )


@pytest.mark.packages("core", "sales", "marketing")
def test_marketing_templates_travel_where_marketing_is_installed(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    ok(
        client.post(
            "/api/v1/records/email_template",
            json={"name": "发布会", "subject": "新品发布", "body_html": "<p>您好</p>"},
        ),
        201,
    )
    ok(
        client.post(
            "/api/v1/records/sms_template",
            json={
                "name": "邀请",
                "object": "contact",
                "template_code": "SMS_2001",
                "body": "您好，诚邀您参加发布会。",
            },
        ),
        201,
    )
    content = download(client, only="templates")
    archive = zipfile.ZipFile(io.BytesIO(content))
    manifest = yaml.safe_load(archive.read("manifest.yaml"))
    assert manifest["packages"] == ["marketing"] and manifest["items"] == {"template": 2}

    without = _company(platform, ("core", "sales"))
    with_marketing = _company(platform, ("core", "sales", "marketing"))
    try:
        with TestClient(app) as other:
            login(other, admin_email_of(platform, without), tenant=without.name)
            refused = upload(other, "install", content)
            assert refused.status_code == 409, refused.text
            assert refused.json()["diff"]["refused"] == [
                "needs the standard package 'marketing', not installed here"
            ]
        with TestClient(app) as prod:
            login(prod, admin_email_of(platform, with_marketing), tenant=with_marketing.name)
            diff = ok(upload(prod, "install", content))
            assert entries(diff) == {
                "template:email_template/发布会": "create",
                "template:sms_template/邀请": "create",
            }
            query = {"fields": ["name", "subject", "body_html"], "limit": 10}
            found = ok(prod.post("/api/v1/records/email_template/query", json=query))["records"]
            assert [(r["name"], r["subject"]) for r in found] == [("发布会", "新品发布")]
            again = ok(upload(prod, "install", content))
            assert set(entries(again).values()) == {"unchanged"} and not again["applied"]
    finally:
        platform.drop_tenant(without.name)
        platform.drop_tenant(with_marketing.name)


def test_a_compatible_type_change_applies_and_an_incompatible_one_is_refused(
    client: TestClient,
    prod: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    production: TenantInfo,
) -> None:
    customise(client, platform, tenant)
    field = "/api/v1/metadata/objects/warranty_claim/fields"
    ok(client.post(field, json={"name": "ref_no", "type": "text", "labels": {"en": "Ref"}}), 201)
    ok(upload(prod, "install", download(client, only="objects")))
    ok(client.patch(f"{field}/notes", json={"type": "long_text"}))
    ok(upload(prod, "install", download(client, only="objects")))
    claim = ok(prod.get("/api/v1/metadata/objects/warranty_claim"))
    assert next(f for f in claim["fields"] if f["name"] == "notes")["type"] == "long_text"

    # The sandbox re-made `ref_no` as a number: production cannot retype its text column.
    assert client.delete(f"{field}/ref_no").status_code == 204
    ok(client.post(field, json={"name": "ref_no", "type": "integer", "labels": {"en": "Ref"}}), 201)
    refused = upload(prod, "install", download(client, only="objects"))
    assert refused.status_code == 409, refused.text
    blocked = [e for e in refused.json()["diff"]["entries"] if e["action"] == "blocked"]
    assert [e["key"] for e in blocked] == ["warranty_claim"]
    assert "ref_no" in blocked[0]["reason"] and "type" in blocked[0]["reason"]
    claim = ok(prod.get("/api/v1/metadata/objects/warranty_claim"))
    assert next(f for f in claim["fields"] if f["name"] == "ref_no")["type"] == "text"
