"""Scheduled report emails through a real SMTP server: each recipient's attachment holds their
own view of the report, a recipient who cannot read it gets nothing, one email per run."""

from __future__ import annotations

import io
import mailbox
import random
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.analytics import subscriptions
from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.helpers import add_member, make_account, rights
from tests.integration.test_notifications import mailing  # noqa: F401 - a fixture
from tests.integration.test_report_alerts import COUNT, DEALS, _deals, _report
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture

BY_STAGE = {**COUNT, "group_by": [{"field": "stage"}]}


def _due(platform: Platform, tenant: TenantInfo) -> int:
    with platform.context(tenant, Actor.system("job:report_subscriptions")) as ctx:
        ctx.conn.execute(
            sa.update(subscriptions.subscriptions).values(
                next_run_at=ctx.now() - timedelta(minutes=1)
            )
        )
    with platform.context(tenant, Actor.system("job:report_subscriptions")) as ctx:
        return subscriptions.run_due_subscriptions(ctx)


def _sheet_text(attachment: bytes) -> str:
    """The shared strings and cells of the xlsx (its XML)."""
    with zipfile.ZipFile(io.BytesIO(attachment)) as book:
        return "".join(
            book.read(name).decode()
            for name in book.namelist()
            if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"
        )


def test_each_recipient_gets_their_own_view_once_per_run(
    client: TestClient,
    platform: Platform,
    mailing: Platform,  # noqa: F811
    tenant: TenantInfo,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    rep = add_member(
        platform, tenant, "rep@subs.test", {"opportunity": DEALS, "account": rights("own")}
    )
    _deals(client, 3, stage="proposal")  # the administrator's
    report = _report(platform, tenant, BY_STAGE)
    created = client.post(
        "/api/v1/report-subscriptions",
        json={"report_id": report, "schedule": "0 8 * * 1", "recipients": {"users": [rep["id"]]}},
    )
    assert created.status_code == 201, created.text
    assert created.json()["format"] == "xlsx"
    assert _due(mailing, tenant) == 2  # the owner and the rep
    assert _due(mailing, tenant) == 2  # a new run (the time moved back again): new jobs
    worker = Worker(mailing, tenants=[tenant.name], rng=random.Random(5))
    worker.run_until_idle()
    worker.stop()
    messages = list(mailbox.Maildir(str(maildir), create=False))
    assert len(messages) == 4
    by_person: dict[str, list[str]] = {}
    for message in messages:
        [part] = [p for p in message.walk() if p.get_filename()]
        assert part.get_filename().endswith(".xlsx")
        by_person.setdefault(message["To"], []).append(_sheet_text(part.get_payload(decode=True)))
    assert rep["email"] in by_person
    admin_text = next(t for to, texts in by_person.items() if to != rep["email"] for t in texts)
    rep_text = by_person[rep["email"]][0]
    # The administrator's copy counts the 3 proposals; the rep sees none of them.
    assert "<v>3</v>" in admin_text
    assert "<v>3</v>" not in rep_text


def test_link_format_and_recipients_who_cannot_read(
    client: TestClient,
    platform: Platform,
    mailing: Platform,  # noqa: F811
    tenant: TenantInfo,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    rep = add_member(platform, tenant, "rep3@subs.test", {"opportunity": rights("all")})
    make_account(client)
    private = _report(platform, tenant, COUNT, shared=False)
    with platform.context(tenant, Actor.system("test")) as ctx:
        now = ctx.now()
        ctx.conn.execute(
            sa.insert(subscriptions.subscriptions).values(
                id="0190d5c0-0000-7000-8000-000000000001",
                report_id=private,
                schedule="0 8 * * *",
                format="link",
                recipients={"users": [rep["id"]], "roles": []},
                owner_id=None,
                active=True,
                next_run_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    assert _due(mailing, tenant) == 1  # the rep (no owner)
    worker = Worker(mailing, tenants=[tenant.name], rng=random.Random(5))
    worker.run_until_idle()
    worker.stop()
    assert list(mailbox.Maildir(str(maildir), create=False)) == []  # private to its owner


def test_bad_subscriptions_answer_per_field(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    report = _report(platform, tenant, COUNT)

    def fields(body: dict[str, Any]) -> list[str]:
        response = client.post("/api/v1/report-subscriptions", json=body)
        assert response.status_code == 422, response.text
        return [e["field"] for e in response.json()["errors"]]

    assert fields({"report_id": report, "schedule": "daily"}) == ["schedule"]
    assert fields({"report_id": report, "format": "pdf"})[0].startswith("format")
    ok = client.post("/api/v1/report-subscriptions", json={"report_id": report, "format": "csv"})
    assert ok.status_code == 201
    sub = ok.json()["id"]
    assert (
        client.patch(f"/api/v1/report-subscriptions/{sub}", json={"active": False}).json()["active"]
        is False
    )
    assert client.delete(f"/api/v1/report-subscriptions/{sub}").status_code == 204
    assert client.get(f"/api/v1/report-subscriptions/{sub}").status_code == 404
