"""Reports run over the aggregate engine: summary and matrix results equal a reference
computation over the same rows (property tests), totals and subtotals fold correctly, sorting,
percent of total, drill-down, and bad definitions answer per field."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.helpers import make_account

STAGES = ("prospecting", "qualification", "proposal", "won", "lost")
GROUPINGS = (
    {"field": "stage"},
    {"field": "close_date", "bucket": "month"},
    {"field": "close_date", "bucket": "quarter"},
    {"field": "close_date", "bucket": "year"},
    {"field": "account.province"},
    {"field": "account.grade"},
)
MEASURES = (
    {"op": "count"},
    {"op": "sum", "field": "amount"},
    {"op": "avg", "field": "amount"},
    {"op": "min", "field": "amount"},
    {"op": "max", "field": "amount"},
    {"op": "count_distinct", "field": "account"},
    {"op": "count", "field": "amount"},
)


def _dataset(client: TestClient, seed: int = 7) -> list[dict[str, Any]]:
    """~40 opportunities over 5 accounts (one without a province), as the reference sees them."""
    rng = random.Random(seed)
    accounts = [
        make_account(client, name=f"Acct {i}", province=province, grade=grade)
        for i, (province, grade) in enumerate(
            [("北京", "A"), ("上海", "B"), (None, "A"), ("广东", None), ("北京", "C")]
        )
    ]
    rows = []
    for i in range(40):
        account = rng.choice(accounts)
        amount = None if i % 9 == 0 else Decimal(rng.randint(100, 99999)) / 100
        rows.append(
            {
                "name": f"Deal {i}",
                "account": account["id"],
                "stage": rng.choice(STAGES),
                "close_date": date(
                    2025 + rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28)
                ).isoformat(),
                "amount": None if amount is None else str(amount),
            }
        )
    for row in rows:
        if row["stage"] == "lost":
            row["lost_reason"] = "price"
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text
    by_id = {a["id"]: a for a in accounts}
    return [
        {
            **row,
            "account.province": by_id[row["account"]].get("province"),
            "account.grade": by_id[row["account"]].get("grade"),
        }
        for row in rows
    ]


def _key(row: dict[str, Any], grouping: dict[str, Any]) -> Any:
    value = row[grouping["field"]]
    bucket = grouping.get("bucket")
    if bucket is None or value is None:
        return value
    day = date.fromisoformat(value)
    if bucket == "month":
        return day.replace(day=1).isoformat()
    if bucket == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1).isoformat()
    return date(day.year, 1, 1).isoformat()


def _reference_values(rows: list[dict[str, Any]], measures: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    amounts = [Decimal(r["amount"]) for r in rows if r["amount"] is not None]
    for m in measures:
        op, path = m["op"], m.get("field")
        if op == "count" and not path:
            values["count"] = len(rows)
        elif op == "count":
            values[f"count_{path}"] = len(amounts)
        elif op == "count_distinct":
            values[f"count_distinct_{path}"] = len({r[path] for r in rows if r[path] is not None})
        elif op == "sum":
            values["sum_amount"] = sum(amounts) if amounts else None
        elif op == "avg":
            values["avg_amount"] = sum(amounts) / len(amounts) if amounts else None
        elif op == "min":
            values["min_amount"] = min(amounts) if amounts else None
        elif op == "max":
            values["max_amount"] = max(amounts) if amounts else None
    return values


def _same(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    assert set(actual) == set(expected), (actual, expected)
    for name, want in expected.items():
        got = actual[name]
        if want is None:
            assert got is None, (name, got)
        else:
            assert abs(Decimal(str(got)) - Decimal(want)) < Decimal("0.000001"), (name, got, want)


def _groups_by(rows: list[dict[str, Any]], groupings: list[dict[str, Any]]) -> dict[tuple, list]:
    found: dict[tuple, list] = defaultdict(list)
    for row in rows:
        found[tuple(_key(row, g) for g in groupings)].append(row)
    return found


def _run(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/reports/run", json={"object": "opportunity", **body})
    assert response.status_code == 200, response.text
    return response.json()


_definitions = st.tuples(
    st.lists(st.sampled_from(range(len(GROUPINGS))), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from(range(len(MEASURES))), min_size=1, max_size=4, unique=True),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=_definitions)
def test_summary_equals_reference(client: TestClient, choice: tuple[list[int], list[int]]) -> None:
    rows = getattr(client, "_report_rows", None) or _dataset(client)
    client._report_rows = rows  # type: ignore[attr-defined]  # one dataset for every example
    groupings = [GROUPINGS[i] for i in choice[0]]
    if len({g["field"] for g in groupings}) < len(groupings):
        return  # the same field twice (two buckets of one date) is refused: tested below
    measures = [MEASURES[i] for i in choice[1]]
    answer = _run(client, {"type": "summary", "group_by": groupings, "aggregates": measures})
    expected = _groups_by(rows, groupings)
    got = {tuple(g["key"][x["field"]] for x in groupings): g["values"] for g in answer["groups"]}
    assert set(got) == set(expected)
    for key, members in expected.items():
        _same(got[key], _reference_values(members, measures))
    _same(answer["totals"], _reference_values(rows, measures))
    for subtotal in answer["subtotals"]:
        depth = subtotal["level"]
        members = [
            r
            for r in rows
            if all(_key(r, g) == subtotal["key"][g["field"]] for g in groupings[:depth])
        ]
        _same(subtotal["values"], _reference_values(members, measures))
    levels = {s["level"] for s in answer["subtotals"]}
    assert levels == set(range(1, len(groupings)))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows_at=st.sampled_from(range(len(GROUPINGS))),
    cols_at=st.sampled_from(range(len(GROUPINGS))),
    measure_at=st.lists(st.sampled_from(range(len(MEASURES))), min_size=1, max_size=3, unique=True),
)
def test_matrix_equals_reference(
    client: TestClient, rows_at: int, cols_at: int, measure_at: list[int]
) -> None:
    rows = getattr(client, "_report_rows", None) or _dataset(client)
    client._report_rows = rows  # type: ignore[attr-defined]
    row_g, col_g = GROUPINGS[rows_at], GROUPINGS[cols_at]
    if row_g["field"] == col_g["field"]:
        return
    measures = [MEASURES[i] for i in measure_at]
    answer = _run(
        client,
        {"type": "matrix", "group_by": [row_g], "column_group_by": [col_g], "aggregates": measures},
    )
    cells = _groups_by(rows, [row_g, col_g])
    got = {
        (g["key"][row_g["field"]], g["key"][col_g["field"]]): g["values"] for g in answer["groups"]
    }
    assert set(got) == set(cells)
    for key, members in cells.items():
        _same(got[key], _reference_values(members, measures))
    for part, grouping in (("row_totals", row_g), ("column_totals", col_g)):
        expected = _groups_by(rows, [grouping])
        totals = {(t["key"][grouping["field"]],): t["values"] for t in answer[part]}
        assert set(totals) == set(expected)
        for key, members in expected.items():
            _same(totals[key], _reference_values(members, measures))
    _same(answer["totals"], _reference_values(rows, measures))


def test_percent_sort_and_drill(client: TestClient) -> None:
    rows = _dataset(client)
    answer = _run(
        client,
        {
            "group_by": [{"field": "stage"}],
            "aggregates": [
                {"op": "count", "percent_of_total": True},
                {"op": "sum", "field": "amount"},
            ],
            "sort": [{"key": "count", "direction": "desc"}],
        },
    )
    counts = [g["values"]["count"] for g in answer["groups"]]
    assert counts == sorted(counts, reverse=True)
    shares = [Decimal(str(g["values"]["percent_count"])) for g in answer["groups"]]
    assert abs(sum(shares) - 100) <= Decimal("0.01") * len(shares)
    top = answer["groups"][0]
    assert top["values"]["percent_count"] == float(
        (Decimal(top["values"]["count"]) * 100 / len(rows)).quantize(Decimal("0.01"))
    ) or Decimal(str(top["values"]["percent_count"])) == (
        Decimal(top["values"]["count"]) * 100 / len(rows)
    ).quantize(Decimal("0.01"))
    drilled = _run(
        client,
        {
            "group_by": [{"field": "stage"}, {"field": "close_date", "bucket": "quarter"}],
            "columns": ["name", "amount", "close_date"],
            "drill": {"stage": top["key"]["stage"]},
            "limit": 500,
        },
    )
    names = sorted(r["name"] for r in drilled["records"])
    assert names == sorted(r["name"] for r in rows if r["stage"] == top["key"]["stage"])
    assert drilled["totals"]["count"] == top["values"]["count"]
    # A drill into one quarter of that stage: the bucket's dates, bounds included and excluded.
    quarter_of = _groups_by(rows, [{"field": "stage"}, GROUPINGS[2]])
    (stage, quarter), members = next(iter(quarter_of.items()))
    inner = _run(
        client,
        {
            "group_by": [{"field": "stage"}, {"field": "close_date", "bucket": "quarter"}],
            "drill": {"stage": stage, "close_date": quarter},
            "limit": 500,
        },
    )
    assert sorted(r["name"] for r in inner["records"]) == sorted(m["name"] for m in members)


def test_sort_by_aggregate_orders_each_level_by_its_subtotal(client: TestClient) -> None:
    _dataset(client)
    answer = _run(
        client,
        {
            "group_by": [{"field": "account.province"}, {"field": "stage"}],
            "aggregates": [{"op": "count"}],
            "sort": [{"key": "count", "direction": "desc"}],
        },
    )
    subtotal = {s["key"]["account.province"]: s["values"]["count"] for s in answer["subtotals"]}
    provinces: list[Any] = []
    for group in answer["groups"]:
        province = group["key"]["account.province"]
        if not provinces or provinces[-1] != province:
            assert province not in provinces  # each province's groups are together
            provinces.append(province)
    assert [subtotal[p] for p in provinces] == sorted(subtotal.values(), reverse=True)
    for province in provinces:
        inner = [
            g["values"]["count"]
            for g in answer["groups"]
            if g["key"]["account.province"] == province
        ]
        assert inner == sorted(inner, reverse=True)


def test_tabular_rows_and_totals(client: TestClient) -> None:
    rows = _dataset(client)
    answer = _run(
        client,
        {
            "type": "tabular",
            "columns": ["name", "amount"],
            "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
            "sort": [{"key": "amount", "direction": "desc"}],
            "limit": 10,
        },
    )
    assert len(answer["records"]) == 10 and answer["next_cursor"]
    amounts = [Decimal(str(r["amount"])) for r in answer["records"] if r["amount"] is not None]
    assert amounts == sorted(amounts, reverse=True)
    _same(
        answer["totals"],
        _reference_values(rows, [{"op": "count"}, {"op": "sum", "field": "amount"}]),
    )


def test_summary_groups_match_the_aggregate_api(client: TestClient) -> None:
    """The contract: `groups` exactly as the aggregate API answers the same body."""
    _dataset(client)
    body = {
        "group_by": [{"field": "stage"}, {"field": "close_date", "bucket": "month"}],
        "aggregates": [
            {"op": "count"},
            {"op": "sum", "field": "amount"},
            {"op": "avg", "field": "amount"},
        ],
    }
    aggregate = client.post("/api/v1/records/opportunity/aggregate", json=body).json()
    report = _run(client, {"type": "summary", **body})
    assert report["groups"] == aggregate["groups"]


def test_bad_definitions_answer_per_field(client: TestClient) -> None:
    def error(body: dict[str, Any]) -> tuple[int, list[str]]:
        response = client.post("/api/v1/reports/run", json={"object": "opportunity", **body})
        return response.status_code, [e["field"] for e in response.json().get("errors", [])]

    four = [{"field": "stage"}, {"field": "name"}, {"field": "source"}, {"field": "type"}]
    assert error({"group_by": four}) == (422, ["group_by"])
    assert error({"group_by": [{"field": "description"}]})[1] == ["group_by.0.field"]
    assert error({"aggregates": [{"op": "sum", "field": "name"}]})[1] == ["aggregates.0.field"]
    assert error({"type": "matrix", "group_by": [{"field": "stage"}]})[1] == ["column_group_by"]
    assert error({"filter": {"field": "close_date", "op": "eq", "value": "this_fortnight"}})[1] == [
        "filter.value"
    ]
    assert error({"aggregates": [{"op": "median", "field": "amount"}]})[0] == 422
    assert error({"group_by": [{"field": "nope"}]})[1] == ["group_by.0.field"]
