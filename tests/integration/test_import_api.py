"""The import API as the web wizard will use it: upload, preview, saved mapping, dry run and
import in the worker, error report, undo, cancel, who sees which runs, permissions."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.api.routes import imports as import_routes
from keyi.imports import runs
from keyi.platform.context import TenantInfo
from keyi.platform.import_tables import upload_table
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, count, rights
from tests.integration.import_helpers import uscc

CSV = (
    "2026 年客户名单,,,\n"
    "客户名称,Industry,员工人数,信用代码\n"
    f'华为,制造业,"1,200",{uscc(1)}\n'
    f"腾讯,金融,很多,{uscc(2)}\n"
    f"阿里,零售/快消,30,{uscc(3)}\n"
)


def _work(platform: Platform, tenant: TenantInfo) -> None:
    Worker(platform, tenants=[tenant.name], rng=random.Random(1), poll_seconds=0).run_until_idle()


def _upload(client: TestClient, text: str = CSV, name: str = "客户.csv", **form: str) -> Any:
    return client.post(
        "/api/v1/imports/uploads",
        data={"object": "account", **form},
        files={"file": (name, text.encode("gbk"), "text/csv")},
    )


def test_upload_preview_dry_run_import_report_undo(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    uploaded = _upload(client)
    assert uploaded.status_code == 201, uploaded.text
    preview = uploaded.json()
    assert (preview["encoding"], preview["header_row"], preview["total"]) == ("gbk", 2, 3)
    assert preview["headers"] == ["客户名称", "Industry", "员工人数", "信用代码"]
    # 信用代码 is not a label of any field: left for the user to map.
    assert preview["mapping"] == {
        "客户名称": "name",
        "Industry": "industry",
        "员工人数": "employees",
        "信用代码": None,
    }
    assert preview["rows"][0] == {"row": 3, "cells": ["华为", "制造业", "1,200", uscc(1)]}
    fields = {f["name"]: f for f in preview["fields"]}
    assert fields["name"]["importable"] and not fields["account_no"]["importable"]
    assert fields["pipeline_amount"]["reason"] == "computed"

    mapping = {**preview["mapping"], "信用代码": "credit_code"}
    saved = client.put("/api/v1/imports/mappings/account/客户名单", json={"columns": mapping})
    assert saved.status_code == 200, saved.text
    listed = client.get("/api/v1/imports/mappings", params={"object": "account"}).json()
    assert [m["name"] for m in listed["mappings"]] == ["客户名单"]

    upload_id = preview["upload_id"]
    dry = client.post(
        "/api/v1/imports",
        json={"upload_id": upload_id, "saved_mapping": "客户名单", "dry_run": True},
    )
    assert dry.status_code == 202, dry.text
    assert dry.json()["status"] == "queued"
    _work(platform, tenant)
    checked = client.get(f"/api/v1/imports/{dry.json()['id']}").json()
    assert (checked["status"], checked["created"], checked["failed"]) == ("done", 2, 1)
    assert [p["record"]["credit_code"] for p in checked["preview"]] == [uscc(1), uscc(3)]
    first = checked["preview"][0]
    assert (first["row"], first["action"], first["record"]["employees"]) == (3, "created", 1200)
    assert first["record"]["industry"] == "manufacturing" and first["record"]["account_no"]
    assert count(client, "account") == 0

    report = client.get(f"/api/v1/imports/{dry.json()['id']}/errors.csv")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,客户名称,Industry,员工人数,信用代码,Errors"
    assert lines[1].startswith(f"4,腾讯,金融,很多,{uscc(2)},")
    assert "Employees" in lines[1]

    started = client.post(
        "/api/v1/imports", json={"upload_id": upload_id, "saved_mapping": "客户名单"}
    )
    assert started.status_code == 202, started.text
    _work(platform, tenant)
    run = client.get(f"/api/v1/imports/{started.json()['id']}").json()
    assert (run["status"], run["created"], run["failed"], run["total"]) == ("done", 2, 1, 3)
    assert count(client, "account") == 2
    runs = client.get("/api/v1/imports", params={"object": "account"}).json()["runs"]
    assert [r["id"] for r in runs] == [started.json()["id"], dry.json()["id"]]

    audit = client.get("/api/v1/audit", params={"action": "import.run"})
    assert audit.status_code == 200 and started.json()["id"] in audit.text

    undone = client.post(f"/api/v1/imports/{run['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "undone"
    assert undone.json()["undo_report"]["deleted"] == 2
    assert count(client, "account") == 0
    again = client.post(f"/api/v1/imports/{run['id']}/undo")
    assert again.status_code == 409 and again.json()["code"] == "import_not_undoable"

    assert client.delete("/api/v1/imports/mappings/account/客户名单").status_code == 204
    assert client.get("/api/v1/imports/mappings", params={"object": "account"}).json() == {
        "mappings": []
    }
    gone = client.delete("/api/v1/imports/mappings/account/客户名单")
    assert gone.status_code == 404 and gone.json()["code"] == "mapping_not_found"


def test_refusals_bad_file_bad_mapping_cancel(
    client: TestClient, platform: Platform, tenant: TenantInfo, monkeypatch: Any
) -> None:
    # Ids that are not UUIDs are simply not found (PostgreSQL would refuse the query).
    for path in ("/api/v1/imports/nope", "/api/v1/imports/uploads/nope"):
        assert client.get(path).status_code == 404
    assert client.post("/api/v1/imports/nope/undo").status_code == 404
    assert client.post("/api/v1/imports", json={"upload_id": "nope"}).status_code == 422
    monkeypatch.setattr(import_routes, "MAX_IMPORT_BYTES", 1024 * 1024)
    large = _upload(client, "客户名称\n" + "很大的公司\n" * 120_000)
    assert large.status_code == 422 and large.json()["code"] == "file_too_large"
    assert "1 MB" in large.json()["detail"]
    pdf = client.post(
        "/api/v1/imports/uploads",
        data={"object": "account"},
        files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert pdf.status_code == 422 and pdf.json()["code"] == "file_format"
    workbook = client.post(
        "/api/v1/imports/uploads",
        data={"object": "account"},
        files={"file": ("a.xlsx", b"PK\x03\x04 not really a workbook", "application/zip")},
    )
    assert workbook.status_code == 422 and workbook.json()["code"] == "file_unreadable"

    upload_id = _upload(client).json()["upload_id"]
    bad = client.post(
        "/api/v1/imports",
        json={"upload_id": upload_id, "mapping": {"客户名称": "name", "Industry": "account_no"}},
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "mapping.Industry"
    # An automatic mapping is checked when the worker reads the file: a file whose columns
    # are all unknown fails its run there.
    unknown = _upload(client, "甲列,乙列\n1,2\n").json()["upload_id"]
    queued = client.post("/api/v1/imports", json={"upload_id": unknown})
    assert queued.status_code == 202
    _work(platform, tenant)
    failed = client.get(f"/api/v1/imports/{queued.json()['id']}").json()
    assert failed["status"] == "failed"
    assert failed["file_error"]["code"] == "invalid_mapping"
    assert failed["file_error"]["errors"][0]["field"] == "mapping"
    assert count(client, "account") == 0

    wrong_key = client.post(
        "/api/v1/imports", json={"upload_id": upload_id, "mode": "update", "key": "name"}
    )
    assert wrong_key.status_code == 422

    queued = client.post("/api/v1/imports", json={"upload_id": upload_id}).json()
    cancelled = client.post(f"/api/v1/imports/{queued['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    _work(platform, tenant)
    assert client.get(f"/api/v1/imports/{queued['id']}").json()["status"] == "cancelled"
    assert count(client, "account") == 0


def test_permissions(client: TestClient, app: Any, platform: Platform, tenant: TenantInfo) -> None:
    """A rep without create rights on accounts cannot import them; a field they may only
    read is refused in the mapping; they see their own runs, the administrator every run."""
    admin_upload = _upload(client).json()["upload_id"]
    admin_run = client.post("/api/v1/imports", json={"upload_id": admin_upload, "dry_run": True})
    assert admin_run.status_code == 202
    add_member(
        platform, tenant, "reader@imp.example", {"account": {"read": True, "read_scope": "all"}}
    )
    add_member(
        platform,
        tenant,
        "rep@imp.example",
        {"account": rights("all", fields={"employees": "read"})},
        name="代表",
        role="导入代表",
    )
    with TestClient(app) as reader:
        login(reader, "reader@imp.example")
        refused = _upload(reader)
        assert refused.status_code == 403
    with TestClient(app) as rep:
        login(rep, "rep@imp.example")
        mine = _upload(rep)
        assert mine.status_code == 201, mine.text
        fields = {f["name"]: f for f in mine.json()["fields"]}
        assert fields["employees"]["reason"] == "read_only"
        started = rep.post("/api/v1/imports", json={"upload_id": mine.json()["upload_id"]})
        assert started.status_code == 202
        # Someone else's upload and run are not found.
        assert rep.post("/api/v1/imports", json={"upload_id": admin_upload}).status_code == 404
        assert rep.get(f"/api/v1/imports/{admin_run.json()['id']}").status_code == 404
        _work(platform, tenant)
        run = rep.get(f"/api/v1/imports/{started.json()['id']}").json()
        assert run["status"] == "failed"
        assert run["file_error"]["errors"][0] == {
            "field": "mapping.员工人数",
            "code": "not_importable",
            "message": "Field 'employees' cannot be imported into (read_only).",
        }
        assert [r["id"] for r in rep.get("/api/v1/imports").json()["runs"]] == [run["id"]]
    every = {r["id"] for r in client.get("/api/v1/imports").json()["runs"]}
    assert {admin_run.json()["id"], run["id"]} <= every


def test_progress_and_cancel_of_a_running_import(
    client: TestClient, platform: Platform, tenant: TenantInfo, monkeypatch: Any
) -> None:
    """While the worker imports, GET shows it running with its counts so far; a cancel then
    stops it after the current chunk, keeping the chunks written (not all-or-nothing)."""
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    text = "客户名称\n" + "".join(f"进度公司{i}\n" for i in range(10))
    upload_id = _upload(client, text).json()["upload_id"]
    run_id = client.post("/api/v1/imports", json={"upload_id": upload_id}).json()["id"]
    seen: list[dict[str, Any]] = []
    real = runs.RecordsWriter.write

    def watched(self: Any, ctx: Any, object_name: str, rows: list[Any]) -> Any:
        if len(seen) == 1:
            cancelled = client.post(f"/api/v1/imports/{run_id}/cancel")
            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["cancel_requested"] is True
        seen.append(client.get(f"/api/v1/imports/{run_id}").json())
        return real(self, ctx, object_name, rows)

    monkeypatch.setattr(runs.RecordsWriter, "write", watched)
    _work(platform, tenant)
    assert [(s["status"], s["processed"], s["total"]) for s in seen] == [
        ("running", 0, 10),
        ("running", 2, 10),
    ]
    run = client.get(f"/api/v1/imports/{run_id}").json()
    assert (run["status"], run["processed"], run["created"]) == ("cancelled", 4, 4)
    assert count(client, "account") == 4


def test_old_uploads_are_removed_unless_an_import_needs_them(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    old = _upload(client).json()["upload_id"]
    needed = _upload(client).json()["upload_id"]
    queued = client.post("/api/v1/imports", json={"upload_id": needed})
    assert queued.status_code == 202
    with platform.context(tenant, Actor.system("test")) as ctx:
        ctx.conn.execute(
            sa.update(upload_table)
            .where(upload_table.c.id.in_([old, needed]))
            .values(created_at=ctx.now() - timedelta(days=8))
        )
    _upload(client)  # the next upload tidies up
    assert client.get(f"/api/v1/imports/uploads/{old}").status_code == 404
    assert client.get(f"/api/v1/imports/uploads/{needed}").status_code == 200
