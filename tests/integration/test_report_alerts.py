"""Report alerts: thresholds over totals and over groups, changes against earlier samples,
each recipient evaluated in their own view, one notification per scheduled run, bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.analytics import alerts
from keyi.platform.analytics.tables import alert_sample_table, report_folder_table, report_table
from keyi.platform.context import TenantInfo
from keyi.platform.ids import new_id
from keyi.platform.notifications.table import notification_table
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, make_account, rights

DEALS = {"read": True, "create": True, "edit": True, "read_scope": "own", "edit_scope": "own"}


def _report(
    platform: Platform, tenant: TenantInfo, definition: dict[str, Any], *, shared: bool = True
) -> str:
    """A saved report in a folder shared with everyone (or a private one of the system)."""
    with platform.context(tenant, Actor.system("test")) as ctx:
        now = ctx.now()
        folder = new_id()
        ctx.conn.execute(
            sa.insert(report_folder_table).values(
                id=folder,
                name={"": "Team"},
                owner_id=None,
                sharing={"scope": "all" if shared else "private"},
                created_at=now,
                updated_at=now,
            )
        )
        report = new_id()
        ctx.conn.execute(
            sa.insert(report_table).values(
                id=report,
                folder_id=folder,
                name={"": "Open deals"},
                object=definition["object"],
                type=definition.get("type", "summary"),
                definition=definition,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    return report


def _deals(client: TestClient, n: int, **values: Any) -> None:
    account = make_account(client, name=f"Acct {new_id()[:6]}")
    for i in range(n):
        body = {"name": f"D{i}", "account": account["id"], "close_date": "2026-12-20", **values}
        assert client.post("/api/v1/records/opportunity", json=body).status_code == 201


def _run_due(platform: Platform, tenant: TenantInfo) -> int:
    """One scheduler round with every alert due now."""
    with platform.context(tenant, Actor.system("job:report_alerts")) as ctx:
        ctx.conn.execute(
            sa.update(alerts.alerts).values(next_run_at=ctx.now() - timedelta(minutes=1))
        )
    with platform.context(tenant, Actor.system("job:report_alerts")) as ctx:
        return alerts.run_due_alerts(ctx)


def _told(platform: Platform, tenant: TenantInfo) -> list[tuple[str, str]]:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        t = notification_table
        rows = ctx.conn.execute(
            sa.select(t.c.user_id, t.c.body).where(t.c.source == "report_alert")
        ).all()
    return [(str(r.user_id), r.body) for r in rows]


COUNT = {"object": "opportunity", "type": "summary", "aggregates": [{"op": "count"}]}


def test_threshold_fires_once_per_run_for_each_recipient_in_their_view(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    rep = add_member(
        platform, tenant, "rep@alerts.test", {"opportunity": DEALS, "account": rights("own")}
    )
    _deals(client, 3)  # the administrator's
    report = _report(platform, tenant, COUNT)
    me = client.get("/api/v1/me").json()["user"]["id"]
    created = client.post(
        "/api/v1/report-alerts",
        json={
            "report_id": report,
            "name": "Too many open deals",
            "condition": {"value": "count", "op": "gt", "threshold": 2},
            "recipients": {"users": [rep["id"]]},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["next_run_at"]
    assert _run_due(platform, tenant) >= 1
    told = _told(platform, tenant)
    # The administrator sees 3 deals (> 2); the rep sees none of them: not told.
    assert [user for user, _ in told] == [me]
    assert "3" in told[0][1]
    # Each evaluation keeps the recipient's value, as a change alert does: the caller's own.
    samples = client.get(f"/api/v1/report-alerts/{created.json()['id']}/samples").json()
    assert [s["value"] for s in samples["samples"]] == [3]
    # The same scheduled run evaluated again tells nobody twice.
    with platform.context(tenant, Actor.system("job")) as ctx:
        row = ctx.conn.execute(sa.select(alerts.alerts)).first()
        alerts.evaluate(ctx, row, run_key="fixed")
        alerts.evaluate(ctx, row, run_key="fixed")
    assert len(_told(platform, tenant)) == 2


def test_any_group_names_the_groups_over_the_threshold(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    _deals(client, 3, stage="proposal")
    _deals(client, 1, stage="qualification")
    report = _report(platform, tenant, {**COUNT, "group_by": [{"field": "stage"}]})
    alert = client.post(
        "/api/v1/report-alerts",
        json={
            "report_id": report,
            "name": "Crowded stage",
            "condition": {"value": "count", "op": "gte", "threshold": 2, "scope": "any_group"},
        },
    ).json()
    checked = client.post(f"/api/v1/report-alerts/{alert['id']}/check").json()
    assert checked["holds"] is True
    assert checked["value"] == [{"key": {"stage": "proposal"}, "value": 3}]
    _run_due(platform, tenant)
    [(_, body)] = _told(platform, tenant)
    assert "proposal: 3" in body and "qualification" not in body
    # The sample of a group threshold is the grand total at the evaluation.
    samples = client.get(f"/api/v1/report-alerts/{alert['id']}/samples").json()["samples"]
    assert [s["value"] for s in samples] == [4]


def test_a_drop_against_the_sample_a_week_ago(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    _deals(client, 3)
    report = _report(platform, tenant, COUNT)
    alert = client.post(
        "/api/v1/report-alerts",
        json={
            "report_id": report,
            "name": "Pipeline drops",
            "condition": {"value": "count", "change": "drop", "percent": 20, "period_days": 7},
        },
    ).json()
    assert _run_due(platform, tenant) == 1  # the first sample: nothing to compare with
    assert _told(platform, tenant) == []
    me = client.get("/api/v1/me").json()["user"]["id"]
    with platform.context(tenant, Actor.system("test")) as ctx:
        ctx.conn.execute(
            sa.insert(alert_sample_table).values(
                alert_id=alert["id"], user_id=me, taken_at=ctx.now() - timedelta(days=8), value=10
            )
        )
    _run_due(platform, tenant)  # 3 now against 10 eight days ago: −70 %
    assert len(_told(platform, tenant)) == 1
    # The alert's screen shows the caller's stored values, newest first.
    samples = client.get(f"/api/v1/report-alerts/{alert['id']}/samples").json()["samples"]
    assert [s["value"] for s in samples] == [3, 3, 10]
    assert samples[0]["taken_at"] > samples[-1]["taken_at"]
    # A rise condition on the same numbers does not hold.
    client.patch(
        f"/api/v1/report-alerts/{alert['id']}",
        json={"condition": {"value": "count", "change": "rise", "percent": 20, "period_days": 7}},
    )
    assert client.post(f"/api/v1/report-alerts/{alert['id']}/check").json()["holds"] is False


def test_a_recipient_who_cannot_read_the_report_is_skipped(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    rep = add_member(
        platform,
        tenant,
        "rep2@alerts.test",
        {"opportunity": rights("all"), "account": rights("all")},
    )
    _deals(client, 3)
    private = _report(platform, tenant, COUNT, shared=False)
    with platform.context(tenant, Actor.system("test")) as ctx:
        now = ctx.now()
        ctx.conn.execute(
            sa.insert(alerts.alerts).values(
                id=new_id(),
                report_id=private,
                name="x",
                condition={"value": "count", "op": "gt", "threshold": "0", "scope": "total"},
                schedule="0 9 * * *",
                recipients={"users": [rep["id"]], "roles": []},
                owner_id=None,
                active=True,
                next_run_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    _run_due(platform, tenant)
    assert _told(platform, tenant) == []  # the rep reads every deal, but not this report


def test_bad_alerts_answer_per_field(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    report = _report(platform, tenant, COUNT)

    def fields(body: dict[str, Any]) -> list[str]:
        response = client.post("/api/v1/report-alerts", json={"name": "a", **body})
        assert response.status_code == 422, response.text
        return [e["field"] for e in response.json()["errors"]]

    ok = {"value": "count", "op": "gt", "threshold": 1}
    assert fields({"report_id": report, "condition": {**ok, "value": "sum_amount"}}) == [
        "condition.value"
    ]
    assert fields({"report_id": report, "condition": ok, "schedule": "every day"}) == ["schedule"]
    assert fields({"report_id": new_id(), "condition": ok}) == ["report_id"]
    assert fields({"report_id": report, "condition": {**ok, "threshold": "lots"}}) == [
        "condition.threshold"
    ]
    assert fields(
        {"report_id": report, "condition": {"value": "count", "change": "fall", "percent": 5}}
    ) == ["condition.change"]
    # Another user neither sees nor edits someone's alert.
    alert = client.post(
        "/api/v1/report-alerts", json={"name": "a", "report_id": report, "condition": ok}
    )
    add_member(platform, tenant, "other@alerts.test", {"opportunity": rights("all")})
    login(client, "other@alerts.test")
    assert client.get(f"/api/v1/report-alerts/{alert.json()['id']}").status_code == 404
    assert client.get(f"/api/v1/report-alerts/{alert.json()['id']}/samples").status_code == 404
    assert client.get("/api/v1/report-alerts").json()["alerts"] == []
