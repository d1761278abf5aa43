"""Groups of a picklist come in the picklist's option order (opportunity stages in pipeline
order), not by value: in a summary and its subtotals, a matrix's columns and their totals,
the aggregate API, a report cut off by its limit, and the xlsx and CSV exports. A sort on the
grouping reverses that order; a sort on a value still wins."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.helpers import make_account
from tests.integration.test_reports_export import _export, _labels, read_csv, read_xlsx

SYSTEM = Actor.system("test")
# (stage, close date, how many deals): every stage, none in value order (commitment < lost <
# negotiation < proposal < prospecting < qualification < won), and the counts not in stage
# order either, so neither alphabetical order nor an order by count passes for option order.
DEALS = [
    ("won", "2025-06-30", 2),
    ("lost", "2026-02-01", 1),
    ("commitment", "2026-02-01", 3),
    ("negotiation", "2026-03-01", 1),
    ("proposal", "2026-03-01", 4),
    ("qualification", "2026-01-10", 2),
    ("prospecting", "2026-01-10", 1),
]


def _stages(client: TestClient) -> list[str]:
    """The stage picklist's values in the order the metadata lists them."""
    obj = client.get("/api/v1/metadata/objects/opportunity").json()
    stage = next(f for f in obj["fields"] if f["name"] == "stage")
    return [o["value"] for o in stage["options"]]


def _deals(client: TestClient) -> None:
    account = make_account(client, name="阶段客户")
    rows = []
    for stage, day, count in DEALS:
        for i in range(count):
            row = {
                "name": f"{stage}-{i}",
                "account": account["id"],
                "stage": stage,
                "amount": "100",
                "close_date": day,
            }
            if stage == "lost":
                row["lost_reason"] = "price"
            rows.append(row)
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text


def _run(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/reports/run", json={"object": "opportunity", **body})
    assert response.status_code == 200, response.text
    return response.json()


BY_STAGE = {"group_by": [{"field": "stage"}], "aggregates": [{"op": "count"}]}


def test_stage_groups_come_in_option_order(client: TestClient) -> None:
    _deals(client)
    stages = _stages(client)
    assert stages != sorted(stages)  # the metadata's order is not the values' order
    answer = _run(client, BY_STAGE)
    assert [g["key"]["stage"] for g in answer["groups"]] == stages
    # The aggregate API shares the order (and so its groups equal the report's).
    aggregate = client.post("/api/v1/records/opportunity/aggregate", json=BY_STAGE).json()
    assert aggregate["groups"] == answer["groups"]
    # A sort on the grouping runs the other way; a sort on a value wins over option order.
    descending = _run(client, {**BY_STAGE, "sort": [{"key": "stage", "direction": "desc"}]})
    assert [g["key"]["stage"] for g in descending["groups"]] == stages[::-1]
    by_count = _run(client, {**BY_STAGE, "sort": [{"key": "count", "direction": "desc"}]})
    counts = {stage: count for stage, _, count in DEALS}
    assert [g["key"]["stage"] for g in by_count["groups"]] == sorted(
        stages, key=lambda s: (-counts[s], stages.index(s))
    )
    # A limit keeps the first groups in that order: the database orders before it cuts.
    cut = _run(client, {**BY_STAGE, "limit": 3})
    assert [g["key"]["stage"] for g in cut["groups"]] == stages[:3]
    assert cut["truncated"] is True and cut["totals"]["count"] == sum(counts.values())


def test_subtotals_and_inner_groups_follow_option_order(client: TestClient) -> None:
    _deals(client)
    stages = _stages(client)
    answer = _run(
        client,
        {
            "group_by": [{"field": "close_date", "bucket": "month"}, {"field": "stage"}],
            "aggregates": [{"op": "count"}],
        },
    )
    months = [s["key"]["close_date"] for s in answer["subtotals"]]
    assert months == sorted(months)
    for month in months:
        inner = [g["key"]["stage"] for g in answer["groups"] if g["key"]["close_date"] == month]
        assert inner == sorted(inner, key=stages.index), month
    by_stage_first = _run(
        client,
        {
            "group_by": [{"field": "stage"}, {"field": "close_date", "bucket": "month"}],
            "aggregates": [{"op": "count"}],
        },
    )
    assert [s["key"]["stage"] for s in by_stage_first["subtotals"]] == stages


def test_matrix_columns_and_their_totals_follow_option_order(client: TestClient) -> None:
    """The first row (2025) holds only the last open stage's neighbour, won: columns taken in
    the order the cells first show them would put won first."""
    _deals(client)
    stages = _stages(client)
    body = {
        "type": "matrix",
        "group_by": [{"field": "close_date", "bucket": "year"}],
        "column_group_by": [{"field": "stage"}],
        "aggregates": [{"op": "count"}],
    }
    answer = _run(client, body)
    assert [t["key"]["stage"] for t in answer["column_totals"]] == stages
    assert [t["key"]["close_date"] for t in answer["row_totals"]] == ["2025-01-01", "2026-01-01"]
    assert all("rank" not in g for g in answer["groups"])
    # Exported: the column headings in the same order.
    labels = _labels(client, "en")["stage"]
    header = read_csv(_export(client, {"object": "opportunity", **body}, "csv"))[0]
    assert header[1:] == [*(labels[s] for s in stages), "Total"]


def test_exports_list_stage_groups_in_option_order(client: TestClient) -> None:
    _deals(client)
    stages = _stages(client)
    body = {"object": "opportunity", **BY_STAGE}
    for locale in ("en", "zh-CN"):
        labels = _labels(client, locale)["stage"]
        rows = read_xlsx(_export(client, body, "xlsx", locale=locale))
        assert [r[0] for r in rows[1:-1]] == [labels[s] for s in stages], locale
    rows = read_csv(_export(client, body, "csv"))
    labels = _labels(client, "en")["stage"]
    assert [r[0] for r in rows[1:-1]] == [labels[s] for s in stages]


def test_values_no_option_has_come_after_the_options(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """A value retired from the picklist (records keep it) follows the options."""
    _deals(client)
    stages = _stages(client)
    with platform.context(tenant, SYSTEM) as ctx:
        table = ctx.object("opportunity").table
        ctx.conn.execute(sa.update(table).where(table.c.name == "won-0").values(stage="aa_retired"))
    answer = _run(client, BY_STAGE)
    assert [g["key"]["stage"] for g in answer["groups"]] == [*stages, "aa_retired"]
