"""Kept dashboard answers: a widget's answer kept per report, filters and reader's access,
shared by readers with the same access and never given to a reader with narrower access;
shown with its time, computed again on refresh, after a report edit or past the tenant's
minutes; kept warm by the scheduler for dashboards read in the last day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.jobs import jobs
from keyi.platform.access import admin
from keyi.platform.analytics import kept
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.integration.helpers import add_member, rights
from tests.integration.test_dashboards import (
    SYSTEM,
    Org,
    build_org,
    create,
    deals,
    save_report,
    shared_folder,
    signed_in,
    today_of,
    widget,
)

BY_STAGE = {
    "object": "opportunity",
    "group_by": [{"field": "stage"}],
    "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
}
TOTAL = {"object": "opportunity", "aggregates": [{"op": "count"}]}


def run(client: TestClient, dashboard_id: str, **body: Any) -> dict[str, dict[str, Any]]:
    params = {"refresh": "true"} if body.pop("refresh_query", False) else None
    response = client.post(f"/api/v1/dashboards/{dashboard_id}/run", json=body, params=params)
    assert response.status_code == 200, response.text
    return {w["id"]: w for w in response.json()["widgets"]}


def count_of(answer: dict[str, Any]) -> int:
    if answer["kind"] == "kpi":
        return int(answer["result"]["value"])
    return int(answer["result"]["totals"]["count"])


def entries(platform: Platform, tenant: TenantInfo) -> list[Any]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        return list(ctx.conn.execute(sa.select(kept.answers).order_by(kept.answers.c.key)))


def age(platform: Platform, tenant: TenantInfo, by: timedelta, **where: Any) -> None:
    """Make kept entries look older (computed unless ``computed=False``, and read with
    ``read=True``, ``by`` earlier); row by row, as SQLite has no date arithmetic on these."""
    read = where.pop("read", False)
    computed = where.pop("computed", True)
    table = kept.answers
    with platform.context(tenant, SYSTEM) as ctx:
        conditions = [table.c[k] == v for k, v in where.items()]
        for row in ctx.conn.execute(sa.select(table).where(*conditions)).all():
            values = {"computed_at": row.computed_at - by} if computed else {}
            if read:
                values["read_at"] = row.read_at - by
            ctx.conn.execute(sa.update(table).where(table.c.key == row.key).values(**values))


def setup(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> tuple[Org, str, str, list[dict[str, Any]]]:
    """Two managers of one role reading every opportunity, a rep reading their own; a shared
    dashboard of a report widget and a KPI."""
    org = build_org(platform, tenant)
    rows = deals(client, org, today_of(platform, tenant))
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        manager = records.create("role", {"name": "经理"})
        admin.set_role_permissions(
            ctx, manager["id"], {"opportunity": rights("all"), "account": rights("all")}
        )
        rep = records.create("role", {"name": "代表"})
        admin.set_role_permissions(
            ctx, rep["id"], {"opportunity": rights("own"), "account": rights("all")}
        )
        records.update("user", org.users["lead"], {"role": manager["id"]})
        records.update("user", org.users["outsider"], {"role": manager["id"]})
        records.update("user", org.users["rep_east"], {"role": rep["id"]})
    folder = shared_folder(platform, tenant)
    by_stage = save_report(platform, tenant, BY_STAGE, owner_id=None, folder_id=folder)
    total = save_report(platform, tenant, TOTAL, owner_id=None, folder_id=folder)
    layout = [
        widget("stages", report_id=by_stage, chart={"type": "bar", "x": "stage"}),
        widget("kpi", "kpi", report_id=total, compare="none"),
    ]
    dashboard = create(client, folder_id=folder, layout=layout)
    return org, dashboard["id"], by_stage, rows


def test_readers_with_the_same_access_share_an_answer_a_narrower_reader_never_gets_it(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    org, dashboard_id, _, rows = setup(app, client, platform, tenant)
    own = [r for r in rows if r["owner_id"] == org.users["rep_east"]]
    with (
        signed_in(app, org.emails["lead"]) as first,
        signed_in(app, org.emails["outsider"]) as second,
        signed_in(app, org.emails["rep_east"]) as rep,
    ):
        computed = run(first, dashboard_id)
        assert {w["cached"] for w in computed.values()} == {False}
        assert count_of(computed["stages"]) == count_of(computed["kpi"]) == len(rows)
        assert all(w["as_of"] for w in computed.values())

        # Same role, every opportunity: the same key, given as it was with its time.
        shared = run(second, dashboard_id)
        assert {w["cached"] for w in shared.values()} == {True}
        for name in ("stages", "kpi"):
            assert shared[name]["as_of"] == computed[name]["as_of"]
            assert shared[name]["result"] == computed[name]["result"]

        # A rep who reads their own deals only: computed for them, never the managers' answer.
        narrow = run(rep, dashboard_id)
        assert {w["cached"] for w in narrow.values()} == {False}
        assert count_of(narrow["stages"]) == count_of(narrow["kpi"]) == len(own) < len(rows)
        again = run(rep, dashboard_id)
        assert {w["cached"] for w in again.values()} == {True}
        assert count_of(again["kpi"]) == len(own)
        # ... and the managers still get theirs.
        assert count_of(run(second, dashboard_id)["kpi"]) == len(rows)

    # Every deal too, but the amount hidden: another key. The stages widget (its sum of the
    # amount) is closed to them rather than given the managers' answer; the KPI is their own.
    add_member(
        platform,
        tenant,
        "masked@answers.example",
        {"opportunity": rights("all", fields={"amount": "hidden"}), "account": rights("all")},
        role="无金额经理",
    )
    with signed_in(app, "masked@answers.example") as masked:
        hidden = run(masked, dashboard_id)
    assert hidden["stages"]["error"]["status"] == 403 and "result" not in hidden["stages"]
    assert hidden["kpi"]["cached"] is False and count_of(hidden["kpi"]) == len(rows)

    # An administrator (unrestricted) has another key too.
    assert {w["cached"] for w in run(client, dashboard_id).values()} == {False}
    keys = {e.key for e in entries(platform, tenant)}
    assert len(keys) == 7  # 2 widgets × (managers, rep, administrator) + the masked KPI


def test_writes_do_not_change_a_kept_answer_refresh_and_a_report_edit_do(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    org, dashboard_id, by_stage, rows = setup(app, client, platform, tenant)
    first = run(client, dashboard_id)
    added = client.post(
        "/api/v1/records/opportunity",
        json={**{k: v for k, v in rows[0].items() if k != "owner_id"}, "name": "新单"},
    )
    assert added.status_code == 201, added.text

    # As of its time: the new deal is not in the kept answer.
    kept_answer = run(client, dashboard_id)
    assert kept_answer["kpi"]["cached"] and count_of(kept_answer["kpi"]) == len(rows)
    # ?refresh=true (or the body's flag) computes again, and keeps the new answer.
    fresh = run(client, dashboard_id, refresh_query=True)
    assert not fresh["kpi"]["cached"] and count_of(fresh["kpi"]) == len(rows) + 1
    assert fresh["kpi"]["as_of"] >= first["kpi"]["as_of"]
    after = run(client, dashboard_id, widgets=["kpi"])
    assert after["kpi"]["cached"] and count_of(after["kpi"]) == len(rows) + 1
    assert not run(client, dashboard_id, refresh=True)["stages"]["cached"]

    # A report edit is another key: the stages widget is computed again, the KPI stays kept.
    edited = client.patch(
        f"/api/v1/reports/{by_stage}",
        json={"definition": {**BY_STAGE, "aggregates": [{"op": "count"}]}, "version": 1},
    )
    assert edited.status_code == 200, edited.text
    answers = run(client, dashboard_id)
    assert not answers["stages"]["cached"] and answers["kpi"]["cached"]
    assert set(answers["stages"]["result"]["totals"]) == {"count"}

    # Other filters are another key.
    narrowed = run(client, dashboard_id, filters={"owner": {"user": org.users["lead"]}})
    assert {w["cached"] for w in narrowed.values()} == {False}


def test_answers_expire_after_the_tenant_minutes_and_zero_keeps_none(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    _, dashboard_id, _, _ = setup(app, client, platform, tenant)
    run(client, dashboard_id)
    age(platform, tenant, timedelta(minutes=14))
    assert run(client, dashboard_id)["kpi"]["cached"]
    age(platform, tenant, timedelta(minutes=2))  # 16 minutes old: past the default 15
    assert not run(client, dashboard_id)["kpi"]["cached"]

    refused = client.put("/api/v1/analytics/settings", json={"dashboard_answer_minutes": -1})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "dashboard_answer_minutes"
    saved = client.put("/api/v1/analytics/settings", json={"dashboard_answer_minutes": 0})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"fiscal_year_start_month": 1, "dashboard_answer_minutes": 0}
    off = run(client, dashboard_id)
    assert all("cached" not in w and "as_of" not in w for w in off.values())
    assert "cached" not in run(client, dashboard_id)["kpi"]

    assert (
        client.put("/api/v1/analytics/settings", json={"dashboard_answer_minutes": 60}).status_code
        == 200
    )
    run(client, dashboard_id)
    age(platform, tenant, timedelta(minutes=50))
    assert run(client, dashboard_id)["kpi"]["cached"]


def test_the_scheduler_keeps_answers_read_in_the_last_day_warm(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    org, dashboard_id, _, rows = setup(app, client, platform, tenant)
    refresh_kept_answers = jobs(platform.settings)["dashboard_answers"]  # the scheduler's job
    with signed_in(app, org.emails["rep_east"]) as rep:
        run(rep, dashboard_id)
        run(client, dashboard_id, widgets=["kpi"])
        added = client.post(
            "/api/v1/records/opportunity",
            json={
                **{k: v for k, v in rows[0].items() if k != "owner_id"},
                "owner_id": org.users["rep_east"],
            },
        )
        assert added.status_code == 201, added.text
        before = {(e.reader_id, e.widget_id): e for e in entries(platform, tenant)}
        # Computed 8 minutes ago: expires before the next round, so this round computes it.
        age(platform, tenant, timedelta(minutes=8))
        # Read more than a day ago: nobody opens it any more, it is left to expire.
        age(
            platform,
            tenant,
            timedelta(days=2),
            read=True,
            computed=False,
            reader_id=org.users["rep_east"],
            widget_id="stages",
        )

        with platform.context(tenant, Actor.system("job:dashboard_answers")) as ctx:
            assert refresh_kept_answers(ctx) == 2
            job_time = ctx.now()
        after = {(e.reader_id, e.widget_id): e for e in entries(platform, tenant)}
        assert set(after) == set(before)
        for who in (org.users["rep_east"], me_id(client)):
            refreshed = after[(who, "kpi")]
            assert refreshed.computed_at == job_time
            assert refreshed.read_at == before[(who, "kpi")].read_at  # computing is not reading
            assert refreshed.key == before[(who, "kpi")].key
        stale = after[(org.users["rep_east"], "stages")]
        assert stale.computed_at < job_time - timedelta(minutes=7)

        # The rep's warm answer is theirs, with the new deal, without computing on open.
        warm = run(rep, dashboard_id, widgets=["kpi"])["kpi"]
        assert warm["cached"]
        own = [r for r in rows if r["owner_id"] == org.users["rep_east"]]
        assert count_of(warm) == len(own) + 1

    # A reader who left: their entries are dropped, not computed as anyone else.
    age(platform, tenant, timedelta(minutes=10))
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).update("user", org.users["rep_east"], {"is_active": False})
    with platform.context(tenant, Actor.system("job:dashboard_answers")) as ctx:
        refresh_kept_answers(ctx)
    left = {(e.reader_id, e.widget_id) for e in entries(platform, tenant)}
    assert (org.users["rep_east"], "kpi") not in left
    assert (me_id(client), "kpi") in left


def me_id(client: TestClient) -> str:
    return str(client.get("/api/v1/me").json()["user"]["id"])
