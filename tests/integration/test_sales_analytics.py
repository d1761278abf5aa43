"""Sales analytics: the opportunity's forecast category (derived from the stage, kept when
chosen, backfilled by the upgrade), the funnel with conversion rates (lost deals reach the
stages their history shows) and the pipeline movement of a period, both over the reader's
records only."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages import Package, install_resolved, load_package
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import history_table
from keyi.platform.tenancy import Platform
from tests.conftest import login, new_tenant_name
from tests.integration.helpers import add_member, make_account, rights
from tests.integration.l2c_helpers import exact, refused

SYSTEM = Actor.system("test")


def deal(client: TestClient, account: str, stage: str, amount: str = "100", **values: Any) -> str:
    body = {
        "name": f"{stage} {uuid.uuid4().hex[:6]}",
        "account": account,
        "stage": stage,
        "amount": amount,
        "close_date": "2025-06-30",
        **({"lost_reason": "price"} if stage == "lost" else {}),
        **values,
    }
    response = client.post("/api/v1/records/opportunity", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def move(client: TestClient, record_id: str, **values: Any) -> dict[str, Any]:
    if values.get("stage") == "lost":
        values.setdefault("lost_reason", "price")
    response = client.patch(f"/api/v1/records/opportunity/{record_id}", json=values)
    assert response.status_code == 200, response.text
    return dict(response.json())


def category(client: TestClient, record_id: str) -> str:
    return str(client.get(f"/api/v1/records/opportunity/{record_id}").json()["forecast_category"])


# ------------------------------------------------------------------ forecast category
def test_forecast_category_follows_the_stage_unless_chosen(client: TestClient) -> None:
    account = make_account(client)["id"]
    expected = {
        "prospecting": "pipeline",  # 10 %
        "qualification": "pipeline",  # 20 %
        "proposal": "best_case",  # 40 %
        "negotiation": "best_case",  # 60 %
        "commitment": "commit",  # 80 %
        "won": "closed",
        "lost": "omitted",
    }
    for stage, wanted in expected.items():
        assert category(client, deal(client, account, stage)) == wanted, stage

    # Chosen on create: kept; an edit of something else keeps it too.
    chosen = deal(client, account, "proposal", forecast_category="commit")
    assert category(client, chosen) == "commit"
    assert move(client, chosen, amount="250")["forecast_category"] == "commit"
    # A stage change sets the new stage's category again ...
    assert move(client, chosen, stage="negotiation")["forecast_category"] == "best_case"
    # ... unless the same write chooses one.
    both = move(client, chosen, stage="commitment", forecast_category="pipeline")
    assert both["forecast_category"] == "pipeline"
    # Cleared: the stage's category comes back.
    assert move(client, chosen, forecast_category=None)["forecast_category"] == "commit"
    assert move(client, chosen, stage="won")["forecast_category"] == "closed"

    # A stage an administrator adds gets its category from its probability.
    stage_field = client.get("/api/v1/metadata/objects/opportunity").json()["fields"]
    options = next(f for f in stage_field if f["name"] == "stage")["options"]
    options.insert(4, {"value": "verbal", "labels": {"en": "Verbal yes"}, "probability": 75})
    changed = client.patch(
        "/api/v1/metadata/objects/opportunity/fields/stage", json={"options": options}
    )
    assert changed.status_code == 200, changed.text
    assert category(client, deal(client, account, "verbal")) == "commit"

    bad = client.post(
        "/api/v1/records/opportunity",
        json={
            "name": "x",
            "account": account,
            "close_date": "2025-01-01",
            "forecast_category": "maybe",
        },
    )
    refused(bad, "forecast_category")


def sales_before_forecast_category() -> Package:
    """The sales package as shipped before the forecast category (and its reports)."""
    sales = load_package("sales")
    objects = tuple(
        obj.model_copy(
            update={"fields": tuple(f for f in obj.fields if f.name != "forecast_category")}
        )
        if obj.name == "opportunity"
        else obj
        for obj in sales.objects
    )
    return replace(sales, objects=objects, reports=())


def test_upgrade_adds_and_backfills_the_forecast_category(platform: Platform) -> None:
    older = [load_package("core"), sales_before_forecast_category()]
    info = platform.create_tenant(
        new_tenant_name(), installer=lambda ctx: install_resolved(ctx, older)
    )
    try:
        with platform.context(info, SYSTEM) as ctx:
            assert "forecast_category" not in ctx.object("opportunity").fields
            records = RecordsService(ctx)
            account = records.create("account", {"name": "老客户有限公司"})["id"]
            made = {
                stage: records.create(
                    "opportunity",
                    {
                        "name": stage,
                        "account": account,
                        "stage": stage,
                        "close_date": "2025-01-01",
                        **({"lost_reason": "price"} if stage == "lost" else {}),
                    },
                )
                for stage in ("qualification", "negotiation", "commitment", "won", "lost")
            }
            binned = records.create(
                "opportunity",
                {
                    "name": "bin",
                    "account": account,
                    "stage": "proposal",
                    "close_date": "2025-01-01",
                },
            )
            records.delete("opportunity", binned["id"])
            table = ctx.object("opportunity").table
            versions = dict(ctx.conn.execute(sa.select(table.c.id, table.c.version)).all())

        report = upgrade_tenant(platform, info)
        lines = "\n".join(report.lines())
        assert report.conflicts == [], lines
        assert "opportunity.forecast_category: new field" in lines
        assert "sales:fill_forecast_categories: forecast categories filled: 6" in lines

        with platform.context(info, SYSTEM, write=False) as ctx:
            table = ctx.object("opportunity").table
            rows = {
                r.id: r for r in ctx.conn.execute(sa.select(table)).all()
            }  # recycle bin included: a restored deal has its category
            assert {stage: rows[r["id"]].forecast_category for stage, r in made.items()} == {
                "qualification": "pipeline",
                "negotiation": "best_case",
                "commitment": "commit",
                "won": "closed",
                "lost": "omitted",
            }
            assert rows[binned["id"]].forecast_category == "best_case"
            # Only the new column was written: no version bump, no history.
            assert {r.id: r.version for r in rows.values()} == versions
        # Idempotent: a second upgrade has nothing to do.
        assert upgrade_tenant(platform, info).changes == []
    finally:
        platform.drop_tenant(info.name)


# ------------------------------------------------------------------ funnel
def stages_of(result: dict[str, Any]) -> dict[str, tuple[int, Any, Any]]:
    return {s["stage"]: (s["count"], s["amount"], s["conversion_rate"]) for s in result["stages"]}


def funnel(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/analytics/funnel", json=body)
    assert response.status_code == 200, response.text
    return dict(exact(response))


def test_funnel_counts_what_reached_each_stage(client: TestClient) -> None:
    account = make_account(client)["id"]
    deal(client, account, "prospecting", "10")
    deal(client, account, "qualification", "20")
    deal(client, account, "negotiation", "40.50")
    deal(client, account, "won", "1000")
    deal(client, account, "won", "500", pipeline="project")
    # Lost from proposal, via negotiation: reached negotiation (the furthest its history shows).
    passed = deal(client, account, "proposal", "300")
    move(client, passed, stage="negotiation")
    move(client, passed, stage="lost")
    # Moved back before it was lost: the furthest stage still counts.
    back = deal(client, account, "commitment", "7")
    move(client, back, stage="qualification")
    move(client, back, stage="lost")
    # Created lost: reached the first stage only.
    deal(client, account, "lost", "5")
    # In the recycle bin: not counted.
    gone = deal(client, account, "won", "999999")
    assert client.delete(f"/api/v1/records/opportunity/{gone}").status_code == 204

    result = funnel(client)
    d = Decimal
    assert stages_of(result) == {
        # all 8: 10+20+40.50+1000+500+300+7+5; 6 of them reached qualification
        "prospecting": (8, d("1882.50"), d("75.00")),
        # all but the prospecting deal and the one created lost
        "qualification": (6, d("1867.50"), d("83.33")),
        # ... and but the qualification deal; all 5 reached negotiation
        "proposal": (5, d("1847.50"), d("100.00")),
        "negotiation": (5, d("1847.50"), d("60.00")),  # 3 went on: the moved-back one, 2 won
        "commitment": (3, d("1507"), d("66.67")),
        "won": (2, d("1500"), None),
    }
    assert result["won"] == {"count": 2, "amount": d("1500")}
    assert result["lost"] == {"count": 3, "amount": d("312")}
    assert result["total"] == {"count": 8, "amount": d("1882.50")}
    assert result["win_rate"] == d("25.00")
    assert [s["label"] for s in result["stages"]][:2] == ["Prospecting", "Qualification"]
    assert result["stages"][-1]["won"] is True

    # One sales process, and the caller's filter, narrow what is counted.
    project = funnel(client, pipeline="project")
    assert stages_of(project)["prospecting"][:2] == (1, d("500"))
    small = funnel(client, filter={"field": "amount", "op": "lt", "value": 100})
    assert stages_of(small)["prospecting"] == (5, d("82.50"), d("60.00"))
    assert stages_of(small)["won"][0] == 0

    refused(client.post("/api/v1/analytics/funnel", json={"pipeline": "nope"}), "pipeline")
    bad = client.post("/api/v1/analytics/funnel", json={"filter": {"field": "nope"}})
    refused(bad, "filter.field")
    refused(client.post("/api/v1/analytics/funnel", json={"extra": 1}), "extra")


def test_funnel_and_movement_count_only_the_readers_records(
    app: Any, platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    account = make_account(client)["id"]
    deal(client, account, "proposal", "100")  # the administrator's
    email = f"{uuid.uuid4().hex[:8]}-rep@example.com"
    add_member(
        platform,
        tenant,
        email,
        {"opportunity": rights("own"), "account": rights("all")},
    )
    hidden_amount = f"{uuid.uuid4().hex[:8]}-rep@example.com"
    add_member(
        platform,
        tenant,
        hidden_amount,
        {"opportunity": rights("all", fields={"amount": "hidden"}), "account": rights("all")},
        name="韩梅梅",
        role="看不到金额",
    )
    with TestClient(app) as rep:
        login(rep, email)
        deal(rep, account, "won", "7")
        result = funnel(rep)
        assert stages_of(result)["prospecting"][:2] == (1, Decimal(7))
        moved = rep.post("/api/v1/analytics/pipeline-movement", json={"period": "this_year"})
        assert moved.status_code == 200, moved.text
        assert exact(moved)["entered"]["count"] == 1
    with TestClient(app) as reader:
        login(reader, hidden_amount)
        result = funnel(reader)
        assert stages_of(result)["proposal"] == (2, None, Decimal(50))
        assert result["total"] == {"count": 2, "amount": None}
        moved = reader.post("/api/v1/analytics/pipeline-movement", json={"period": "this_year"})
        assert exact(moved)["entered"]["count"] == 2
        assert exact(moved)["entered"]["amount"] is None


@pytest.mark.packages("core")
def test_a_company_without_sales_has_no_pipeline(client: TestClient) -> None:
    response = client.post("/api/v1/analytics/funnel", json={})
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "pipeline_not_found"
    moved = client.post("/api/v1/analytics/pipeline-movement", json={"period": "this_month"})
    assert moved.status_code == 404


# ------------------------------------------------------------------ movement
def backdate(platform: Platform, tenant: TenantInfo, record_id: str, at: str) -> None:
    """Put the record's latest history entry (its last write) at ``at`` (UTC)."""
    with platform.context(tenant, SYSTEM) as ctx:
        h = history_table
        latest = ctx.conn.execute(
            sa.select(h.c.id).where(h.c.record_id == record_id).order_by(h.c.id.desc()).limit(1)
        ).scalar_one()
        ctx.conn.execute(sa.update(h).where(h.c.id == latest).values(at=datetime.fromisoformat(at)))


def created_on(platform: Platform, tenant: TenantInfo, record_id: str, at: str) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        table = ctx.object("opportunity").table
        ctx.conn.execute(
            sa.update(table)
            .where(table.c.id == record_id)
            .values(created_at=datetime.fromisoformat(at))
        )


def test_pipeline_movement_of_a_period(
    platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    account = make_account(client)["id"]

    def made(stage: str, amount: str, created: str, close: str = "2025-06-30") -> str:
        record_id = deal(client, account, stage, amount, close_date=close)
        created_on(platform, tenant, record_id, created)
        return record_id

    def moved(record_id: str, at: str, **values: Any) -> None:
        move(client, record_id, **values)
        backdate(platform, tenant, record_id, at)

    # Days are the tenant's (Asia/Shanghai, UTC+8): 16:00 UTC on Feb 28 is March 1st there.
    entered = made("prospecting", "1", "2025-02-28T16:00:00")
    made("prospecting", "2", "2025-02-28T15:59:59")  # 23:59:59 on Feb 28: before the period
    # Advanced: prospecting → qualification → proposal within March.
    advanced = made("prospecting", "10", "2025-01-05T00:00:00")
    moved(advanced, "2025-03-05T09:00:00", stage="qualification")
    moved(advanced, "2025-03-20T09:00:00", stage="proposal")
    # Forward and back within March: no net move.
    wobble = made("proposal", "20", "2025-01-05T00:00:00")
    moved(wobble, "2025-03-05T09:00:00", stage="negotiation")
    moved(wobble, "2025-03-06T09:00:00", stage="proposal")
    # Moved forward in February: not March's movement.
    earlier = made("prospecting", "30", "2025-01-05T00:00:00")
    moved(earlier, "2025-02-01T09:00:00", stage="negotiation")
    # Backwards: not advanced.
    backwards = made("commitment", "40", "2025-01-05T00:00:00")
    moved(backwards, "2025-03-07T09:00:00", stage="qualification")
    # Slipped: close date inside March pushed into April during March.
    slipped = made("negotiation", "50", "2025-01-05T00:00:00", close="2025-03-15")
    moved(slipped, "2025-03-10T09:00:00", close_date="2025-04-20")
    # Moved within March: still in the period.
    inside = made("negotiation", "60", "2025-01-05T00:00:00", close="2025-03-15")
    moved(inside, "2025-03-10T09:00:00", close_date="2025-03-25")
    # Pulled in from April: not slipped.
    pulled = made("negotiation", "70", "2025-01-05T00:00:00", close="2025-04-15")
    moved(pulled, "2025-03-10T09:00:00", close_date="2025-03-20")
    # Won on the last day of March (a move to won is won, not advanced); won in April.
    won = made("commitment", "100", "2025-01-05T00:00:00", close="2025-03-31")
    moved(won, "2025-03-31T09:00:00", stage="won")
    made("won", "200", "2025-01-05T00:00:00", close="2025-04-01")
    lost = made("lost", "300", "2025-01-05T00:00:00", close="2025-03-01")

    response = client.post(
        "/api/v1/analytics/pipeline-movement",
        json={"period": {"from": "2025-03-01", "to": "2025-03-31"}},
    )
    assert response.status_code == 200, response.text
    result = exact(response)
    assert result["period"] == {"from": "2025-03-01", "to": "2025-03-31"}
    summary = {
        name: (result[name]["count"], result[name]["amount"], result[name]["ids"])
        for name in ("entered", "advanced", "slipped", "won", "lost")
    }
    assert summary == {
        "entered": (1, Decimal(1), [entered]),
        "advanced": (1, Decimal(10), [advanced]),
        "slipped": (1, Decimal(50), [slipped]),
        "won": (1, Decimal(100), [won]),
        "lost": (1, Decimal(300), [lost]),
    }
    assert not any(result[name]["truncated"] for name in summary)

    # The caller's filter narrows every category.
    narrowed = client.post(
        "/api/v1/analytics/pipeline-movement",
        json={
            "period": {"from": "2025-03-01", "to": "2025-03-31"},
            "filter": {"field": "amount", "op": "gte", "value": 50},
        },
    ).json()
    assert [narrowed[n]["count"] for n in ("entered", "advanced", "slipped", "won", "lost")] == [
        0,
        0,
        1,
        1,
        1,
    ]


def test_pipeline_movement_refuses_bad_periods(client: TestClient) -> None:
    url = "/api/v1/analytics/pipeline-movement"
    refused(client.post(url, json={"period": "someday"}), "period")
    refused(
        client.post(url, json={"period": {"from": "2025-13-01", "to": "x"}}),
        *[
            "period.from",
            "period.to",
        ],
    )
    refused(
        client.post(url, json={"period": {"from": "2025-03-02", "to": "2025-03-01"}}), "period.to"
    )
    refused(client.post(url, json={"period": {"from": "2025-03-02"}}), "period")
    refused(client.post(url, json={}), "period")
    fiscal = client.post(url, json={"period": "this_fiscal_quarter"})
    assert fiscal.status_code == 200, fiscal.text


def test_movement_lists_at_most_200_ids(client: TestClient) -> None:
    account = make_account(client)["id"]
    rows = [
        {"name": f"d{i}", "account": account, "close_date": "2025-01-01", "amount": "1"}
        for i in range(201)
    ]
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text
    result = client.post(
        "/api/v1/analytics/pipeline-movement", json={"period": "last_n_days:1"}
    ).json()
    assert result["entered"]["count"] == 201
    assert len(result["entered"]["ids"]) == 200
    assert result["entered"]["truncated"] is True
    assert result["entered"]["ids"] == sorted(result["entered"]["ids"])
