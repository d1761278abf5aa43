"""Money in reports across currencies: sums, averages, minima and maxima of a currency field in
the tenant's currency, each amount converted at the latest exchange rate valid today (rounded
to the cent per record); amounts in the tenant's currency or with none count as they are; a
currency without a rate is left out of the money values and named in `warnings`. The same in
the aggregate API, in tabular totals and in exports; a tenant whose amounts are all in its own
currency gets exactly the numbers the unconverted engine gives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.ids import new_id
from keyi.platform.permissions import Actor
from keyi.platform.query.aggregate import AggregateSpec, Conversion, run_aggregate
from keyi.platform.schema import meta_state_table
from keyi.platform.tenancy import Platform
from tests.integration.helpers import make_account
from tests.integration.l2c_helpers import L2C, exact, make
from tests.integration.test_reports_export import _export, read_csv

SYSTEM = Actor.system("test")
MEASURES = [
    {"op": "count"},
    {"op": "count", "field": "amount"},
    {"op": "sum", "field": "amount"},
    {"op": "avg", "field": "amount"},
    {"op": "min", "field": "amount"},
    {"op": "max", "field": "amount"},
]
BY_STAGE = {"group_by": [{"field": "stage"}], "aggregates": MEASURES}
JPY_MISSING = [{"code": "exchange_rate_missing", "currency": "JPY", "field": "amount"}]
# Per stage: count, count of amounts, sum, average, minimum, maximum (in CNY).
EXPECTED = {
    # 100 CNY, 10 USD → 71.00, 50 without a currency
    "prospecting": (3, 3, Decimal("221"), Decimal("73.666667"), 50, 100),
    # 1 EUR → 7.80, 33.33 USD → 236.64 (236.643), 1000 JPY left out (no rate)
    "won": (3, 3, Decimal("244.44"), Decimal("122.22"), Decimal("7.8"), Decimal("236.64")),
    "lost": (1, 0, None, None, None, None),
}
# Every converted amount over 5 (the JPY one has no rate): an average folded from the groups'
# own would divide 465.44 by the 6 amounts they count.
TOTALS = (7, 6, Decimal("465.44"), Decimal("93.088"), Decimal("7.8"), Decimal("236.64"))


def _values(count: int, counted: int, *amounts: Any) -> dict[str, Any]:
    names = ("sum_amount", "avg_amount", "min_amount", "max_amount")
    return {"count": count, "count_amount": counted, **dict(zip(names, amounts, strict=True))}


def _deals(client: TestClient, deals: list[tuple[str, str | None, str | None]]) -> None:
    account = make_account(client, name="外币客户")
    rows = []
    for i, (stage, amount, currency) in enumerate(deals):
        row: dict[str, Any] = {
            "name": f"D{i}",
            "account": account["id"],
            "stage": stage,
            "close_date": "2026-03-01",
            "amount": amount,
        }
        if currency is not None:
            row["amount_currency"] = currency
        if stage == "lost":
            row["lost_reason"] = "price"
        rows.append(row)
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text


def _mixed(client: TestClient, platform: Platform, tenant: TenantInfo) -> None:
    for currency, rate, valid_from in (
        ("USD", "6.9", "2019-01-01"),  # replaced by the next one
        ("USD", "7.1", "2020-01-01"),
        ("USD", "9.9", "2999-01-01"),  # not valid yet
        ("EUR", "7.8", "2020-01-01"),
    ):
        make(client, "exchange_rate", currency=currency, rate=rate, valid_from=valid_from)
    _deals(
        client,
        [
            ("prospecting", "100", "CNY"),
            ("prospecting", "10", "USD"),
            ("prospecting", "50", "CNY"),
            ("won", "1", "EUR"),
            ("won", "1000", "JPY"),
            ("won", "33.33", "USD"),
            ("lost", None, None),
        ],
    )
    with platform.context(tenant, SYSTEM) as ctx:  # an amount of no stated currency
        table = ctx.object("opportunity").table
        ctx.conn.execute(sa.update(table).where(table.c.name == "D2").values(amount_currency=None))


def _run(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    return dict(exact(client.post("/api/v1/reports/run", json={"object": "opportunity", **body})))


@pytest.mark.packages(*L2C)
def test_money_is_converted_into_the_tenants_currency(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    _mixed(client, platform, tenant)
    answer = _run(client, BY_STAGE)
    assert answer["currency"] == "CNY"
    assert answer["warnings"] == JPY_MISSING
    got = {g["key"]["stage"]: g["values"] for g in answer["groups"]}
    assert got == {stage: _values(*expected) for stage, expected in EXPECTED.items()}
    assert answer["totals"] == _values(*TOTALS)
    # The aggregate API converts the same way and says so the same way.
    response = client.post("/api/v1/records/opportunity/aggregate", json=BY_STAGE)
    aggregate = dict(exact(response))
    assert aggregate["groups"] == answer["groups"]
    assert (aggregate["currency"], aggregate["warnings"]) == ("CNY", JPY_MISSING)
    # A matrix and a tabular report's totals, too.
    matrix = _run(
        client,
        {
            "type": "matrix",
            "group_by": [{"field": "close_date", "bucket": "month"}],
            "column_group_by": [{"field": "stage"}],
            "aggregates": MEASURES,
        },
    )
    assert matrix["totals"] == answer["totals"] and matrix["warnings"] == JPY_MISSING
    columns = {t["key"]["stage"]: t["values"] for t in matrix["column_totals"]}
    assert columns == got
    tabular = _run(client, {"type": "tabular", "columns": ["name"], "aggregates": MEASURES})
    assert tabular["totals"] == answer["totals"]
    assert (tabular["currency"], tabular["warnings"]) == ("CNY", JPY_MISSING)
    # A drill into the group that had the JPY deal: its records, its totals, the warning.
    won = _run(client, {**BY_STAGE, "drill": {"stage": "won"}, "columns": ["name"]})
    assert won["totals"] == got["won"] and won["warnings"] == JPY_MISSING
    # Over rows without the JPY deal nothing is missing: no warning.
    open_deals = {"field": "stage", "op": "eq", "value": "prospecting"}
    prospecting = _run(client, {**BY_STAGE, "filter": open_deals})
    assert "warnings" not in prospecting and prospecting["currency"] == "CNY"


@pytest.mark.packages(*L2C)
def test_exports_note_the_currencies_left_out(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    _mixed(client, platform, tenant)
    body = {"object": "opportunity", "group_by": [{"field": "stage"}], "aggregates": MEASURES}
    rows = read_csv(_export(client, body, "csv"))
    total = next(r for r in rows if r[0] == "Total")
    assert total[3] == "465.44"
    assert rows[-1][0].startswith("No exchange rate for JPY: Amount in JPY is left out")
    zh = read_csv(_export(client, body, "csv", locale="zh-CN"))
    assert zh[-1][0].startswith("缺少 JPY 的汇率")


def test_without_rates_other_currencies_are_left_out_not_guessed(client: TestClient) -> None:
    """A company without the lead-to-cash package has no exchange rates: every currency but
    its own is named, however many one group holds."""
    _deals(
        client,
        [
            ("prospecting", "100", "CNY"),
            ("prospecting", "10", "USD"),
            ("prospecting", "10", "GBP"),
            ("prospecting", "10", "EUR"),  # three in one group: listed by a second statement
            ("won", "7", "CNY"),
            ("won", "10", "JPY"),
        ],
    )
    answer = _run(client, {"group_by": [{"field": "stage"}], "aggregates": MEASURES[2:4]})
    assert [g["values"] for g in answer["groups"]] == [
        {"sum_amount": 100, "avg_amount": 100},
        {"sum_amount": 7, "avg_amount": 7},
    ]
    assert answer["warnings"] == [
        {"code": "exchange_rate_missing", "currency": code, "field": "amount"}
        for code in ("EUR", "GBP", "JPY", "USD")
    ]
    won = _run(
        client,
        {
            "filter": {"field": "stage", "op": "eq", "value": "won"},
            "aggregates": MEASURES[2:3],
        },
    )
    assert won["warnings"] == [
        {"code": "exchange_rate_missing", "currency": "JPY", "field": "amount"}
    ]
    # No money value, no currency to state.
    counted = _run(client, {"group_by": [{"field": "stage"}], "aggregates": MEASURES[:2]})
    assert "currency" not in counted and "warnings" not in counted


def test_amounts_in_the_tenants_currency_read_as_before(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """The converting statement gives exactly what the plain one gives when every amount is
    in the tenant's currency (or has none)."""
    _deals(
        client,
        [
            ("prospecting", "100.10", "CNY"),
            ("prospecting", "0.07", "CNY"),
            ("won", "99999999.99", "CNY"),
            ("won", "12.345", None),
            ("lost", None, None),
        ],
    )
    groupings = [[], [{"field": "stage"}], [{"field": "close_date", "bucket": "month"}]]
    with platform.context(tenant, SYSTEM) as ctx:
        rates = Conversion("CNY", lambda: {"USD": Decimal("7.1")})
        for group_by in groupings:
            spec = AggregateSpec(group_by=group_by, aggregates=MEASURES)
            plain = run_aggregate(ctx, "opportunity", spec)
            spec.conversion = rates
            converted = run_aggregate(ctx, "opportunity", spec)
            assert converted == {**plain, "currency": "CNY"}, group_by
            assert repr(converted["groups"]) == repr(plain["groups"])  # the same types too


@pytest.mark.packages(*L2C)
def test_the_conversion_is_into_the_tenants_own_currency(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """A company keeping its books in US dollars: its rates are dollars per unit, yuan are
    converted into dollars and dollars count as they are."""
    with platform.context(tenant, SYSTEM) as ctx:  # a settings change is a new revision
        settings = {**ctx.settings, "currency": "USD"}
        ctx.conn.execute(
            sa.update(meta_state_table)
            .where(meta_state_table.c.id == 1)
            .values(settings=settings, revision=new_id())
        )
    make(client, "exchange_rate", currency="CNY", rate="0.14", valid_from="2020-01-01")
    _deals(client, [("won", "10", "USD"), ("won", "100", "CNY"), ("won", "5", "EUR")])
    answer = _run(client, {"aggregates": MEASURES[2:3]})
    assert answer["groups"][0]["values"] == {"sum_amount": 24}
    assert answer["currency"] == "USD"
    assert answer["warnings"] == [
        {"code": "exchange_rate_missing", "currency": "EUR", "field": "amount"}
    ]
