"""The audit log: who did what, when and from where; append-only; administrators only."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.audit import audit_table
from keyi.platform.audit_log import EXPORT_BATCH
from keyi.platform.context import TenantInfo
from keyi.platform.ids import new_id
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login


def test_actions_are_audited_with_origin(app, platform: Platform, tenant: TenantInfo) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as admin:
        login(admin, admin_email_of(platform, tenant))
        created = admin.post(
            "/api/v1/records/account",
            json={"name": "审计客户"},
            headers={"X-Request-Id": "req-create-1"},
        ).json()
        admin.post(
            "/api/v1/metadata/objects/account/fields",
            json={"name": "audit_me", "type": "text", "labels": {"en": "A"}},
        )
        admin.get("/api/v1/records/account/export")
        entries = admin.get("/api/v1/audit", params={"limit": 100}).json()["entries"]
        actions = [e["action"] for e in entries]
        assert {"auth.login", "record.create", "metadata.field.create", "data.export"} <= set(
            actions
        )
        create = next(
            e for e in entries if e["action"] == "record.create" and e["record_id"] == created["id"]
        )
        assert create["request_id"] == "req-create-1" and create["ip"] == "testclient"
        assert create["actor_name"] == "管理员" and create["object"] == "account"
        only_fields = admin.get("/api/v1/audit", params={"action": "metadata."}).json()["entries"]
        assert [e["action"] for e in only_fields] == ["metadata.field.create"]
        assert only_fields[0]["details"]["field"]["name"] == "audit_me"
        by_record = admin.get("/api/v1/audit", params={"record_id": created["id"]}).json()[
            "entries"
        ]
        assert [e["action"] for e in by_record] == ["record.create"]
        page = admin.get("/api/v1/audit", params={"limit": 2}).json()
        rest = admin.get(
            "/api/v1/audit", params={"limit": 100, "cursor": page["next_cursor"]}
        ).json()["entries"]
        assert [e["id"] for e in page["entries"] + rest] == [e["id"] for e in entries]
        csv_text = admin.get("/api/v1/audit/export").content.decode()
        assert csv_text.startswith("\ufeffid,at,actor_id") and "record.create" in csv_text
    add_user(platform, tenant, email="nosy@audit.example", name="Nosy", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "nosy@audit.example", tenant=tenant.name)
        assert rep.get("/api/v1/audit").status_code == 403
        assert rep.get("/api/v1/audit/export").status_code == 403


def test_audit_is_append_only(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, Actor.system("test")) as ctx:
        ctx.audit("test.entry", note="x")
    with pytest.raises(sa.exc.DBAPIError), platform.context(tenant, Actor.system("test")) as ctx:
        ctx.conn.execute(sa.update(audit_table).values(action="forged"))
    with pytest.raises(sa.exc.DBAPIError), platform.context(tenant, Actor.system("test")) as ctx:
        ctx.conn.execute(sa.delete(audit_table))
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        actions = set(ctx.conn.execute(sa.select(audit_table.c.action)).scalars())
    assert "test.entry" in actions and "forged" not in actions


def test_failed_write_leaves_no_audit_entry(client: TestClient) -> None:
    before = len(client.get("/api/v1/audit", params={"limit": 500}).json()["entries"])
    assert client.post("/api/v1/records/account", json={"grade": "Z"}).status_code == 422
    # Only the GET of the audit itself happened in between (reads are not audited).
    after = client.get("/api/v1/audit", params={"limit": 500}).json()["entries"]
    assert len(after) == before


def test_export_streams_every_entry_in_batches_in_local_time(
    app,  # type: ignore[no-untyped-def]
    platform: Platform,
    tenant: TenantInfo,
) -> None:
    """More entries than two batches: all of them, newest first, read batch by batch, with
    times as the company's clock shows them and typed text never run as a formula."""
    count = 2 * EXPORT_BATCH + 345
    start = datetime(2026, 3, 1, 0, 30)
    rows = [
        {
            "id": new_id(),
            "at": start + timedelta(seconds=i),
            "actor_id": None,
            "actor_name": "=HYPERLINK(1)" if i == 7 else f"批量 {i}",
            "action": "bulk.entry",
            "details": {"n": i, "名称": "客户"},
        }
        for i in range(count)
    ]
    with platform.context(tenant, Actor.system("test")) as ctx:
        ctx.conn.execute(sa.insert(audit_table), rows)
        zone = ctx.time_zone
    selects: list[str] = []

    def listener(conn: sa.Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "keyi_audit" in statement:
            selects.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", listener)
    try:
        with TestClient(app) as admin:
            login(admin, admin_email_of(platform, tenant))
            response = admin.get("/api/v1/audit/export", params={"action": "bulk."})
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.text
    table = list(csv.DictReader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    newest_first = sorted(rows, key=lambda r: r["id"], reverse=True)
    assert [r["id"] for r in table] == [r["id"] for r in newest_first]
    assert [r["at"] for r in table] == [
        r["at"].replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        for r in newest_first
    ]
    assert str(zone) == "Asia/Shanghai" and table[-1]["at"] == "2026-03-01 08:30:00"
    by_id = {r["id"]: r for r in table}
    assert by_id[rows[7]["id"]]["actor_name"] == "'=HYPERLINK(1)"
    assert json.loads(by_id[rows[8]["id"]]["details"]) == {"n": 8, "名称": "客户"}
    # One statement per batch of EXPORT_BATCH rows (and the last, short one), never one for all.
    batches = [s for s in selects if "ORDER BY" in s.upper()]
    assert len(batches) == 3, batches

    add_user(platform, tenant, email="csv@audit.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "csv@audit.example", tenant=tenant.name)
        refused = rep.get("/api/v1/audit/export", params={"action": "bulk."})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
