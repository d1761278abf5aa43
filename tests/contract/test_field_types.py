"""Per field type: every filter operator the type advertises, sort both ways with nulls and
keyset paging, CSV export and grouped aggregates — each compared with a Python reference over
the same records, as the API reads them back (tests.contract.reference).

The data is seeded once per module and backend: 30 gadgets whose values repeat (ties, so the id
tiebreak matters), go empty (nulls placement), cross zero, carry many digits and mix scripts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from keyi.platform.fieldtypes import TYPES
from keyi.platform.metadata.model import FieldType
from keyi.platform.tenancy import Platform
from tests.contract.conftest import World, open_world
from tests.contract.custom import GADGET_FIELDS, create_custom_objects
from tests.contract.reference import (
    SHANGHAI,
    comparable,
    csv_cell,
    csv_rows,
    group_values,
    kind_of,
    matches,
    quarter_start,
    sorted_ids,
)
from tests.integration.test_pinyin_sort import NAMES

N = 30
# Dollars per yuan is what the tenant's exchange rate says (the lead-to-cash package's): sums,
# averages, minima and maxima of a currency field are in the tenant's currency (CNY).
USD_RATE = Decimal("7.123456")

# One worker seeds this module once (pytest runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("contract-field_types")


def cycle(values: list[Any], i: int) -> Any:
    return values[i % len(values)]


def gadget_values(i: int, accounts: list[str], groups: list[str]) -> dict[str, Any]:
    """Record i of the seed: each field cycles through values (and empties) of its own period,
    so fields vary independently and every value repeats."""
    values: dict[str, Any] = {
        "name": f"G{i:02d}",
        "label": None if i % 7 == 3 else cycle(NAMES, i),
        "code": None if i % 6 == 5 else f"C-{(i * 7) % N:03d}",
        "notes": cycle(["Alpha note", "beta NOTE 二", "第三 备注 100%_x", None], i),
        "units": cycle([5, -3, 0, 12, None, 5, 1_000_000_000_000], i),
        "weight": cycle(["1.5", "-2.250", "1234567.891", "0.001", None, "1.5"], i),
        "price": cycle(["12.30", "99999999.99", "0", "-5.5", None], i),
        "price_currency": cycle(["CNY", "USD"], i),
        "discount": cycle(["10", "12.5", None, "0.0001", "100"], i),
        "active": cycle([True, False, None], i),
        "starts_on": cycle(["2026-01-31", "2025-12-31", "2026-04-01", None, "2024-02-29"], i),
        "registered_at": cycle(
            [
                "2026-03-01T16:30:15.123+08:00",
                "2026-03-31T20:00:00Z",  # already April 1st in Shanghai
                None,
                "2025-12-31T23:59:59.999Z",
            ],
            i,
        ),
        "contact_email": cycle(["alice@example.com", "Bob@Example.com", "carol@x.org", None], i),
        "hotline": cycle(["+86 10 1234 5678", "138-0000-1111", None, "400 800 8888"], i),
        "site": cycle(["https://alpha.example.com", "https://bravo.example.com/x", None], i),
        "tier": cycle(["gold", "silver", None, "bronze", "gold"], i),
        "channels": cycle([["phone"], ["email", "phone"], [], ["onsite"]], i),
        "account": cycle([*accounts, None], i),
        "group": cycle(groups, i),
    }
    return {k: v for k, v in values.items() if v is not None}


class Seeded:
    """The seeded world: gadget records and groups as the API reads them, and the metadata."""

    def __init__(self, world: World, backend: str) -> None:
        self.world, self.api, self.backend = world, world.api, backend
        accounts = world.targets("account", 2)
        body = {"currency": "USD", "rate": str(USD_RATE), "valid_from": "2020-01-01"}
        self.api.ok("POST", "/records/exchange_rate", 201, json=body)
        self.groups = [
            self.api.ok("POST", "/records/gadget_group", 201, json={"name": f"组{i}"})["id"]
            for i in range(4)  # the last has no gadgets: roll-ups over nothing
        ]
        body = {"records": [gadget_values(i, accounts, self.groups[:3]) for i in range(N)]}
        self.api.ok("POST", "/records/gadget/bulk", 201, json=body)
        self.fields = {f["name"]: f for f in world.meta("gadget")["fields"]}
        self.group_fields = {f["name"]: f for f in world.meta("gadget_group")["fields"]}
        self.records = self.api.query_all("gadget", {"limit": 500})
        self.group_records = self.api.query_all("gadget_group", {"limit": 500})
        assert len(self.records) == N

    def records_of(self, object_name: str) -> list[dict[str, Any]]:
        return self.records if object_name == "gadget" else self.group_records

    def field(self, object_name: str, name: str) -> dict[str, Any]:
        return (self.fields if object_name == "gadget" else self.group_fields)[name]


@pytest.fixture(scope="module")
def seeded(platform: Platform) -> Iterator[Seeded]:
    backend = "postgresql" if platform.db.is_postgres else "sqlite"
    for world in open_world(platform):
        create_custom_objects(world)
        yield Seeded(world, backend)


def _type_of(spec: dict[str, Any]) -> FieldType:
    return (
        FieldType(spec.get("return_type") or spec["type"])
        if spec["type"] == "formula"
        else (FieldType(spec["type"]))
    )


def _operators(spec: dict[str, Any]) -> list[str]:
    impl = TYPES[FieldType(spec["type"])]
    if spec["type"] == "formula":
        impl = TYPES[_type_of(spec)]
    return sorted(impl.operators)


ROLLUP_SPECS = [
    {"name": "item_count", "type": "rollup"},
    {"name": "weight_total", "type": "rollup"},
    {"name": "weight_min", "type": "rollup"},
]
FIELD_CASES = [("gadget", spec) for spec in GADGET_FIELDS] + [
    ("gadget_group", spec) for spec in ROLLUP_SPECS
]
FILTER_CASES = [
    pytest.param(obj, spec["name"], op, id=f"{obj}.{spec['name']}-{op}")
    for obj, spec in FIELD_CASES
    for op in _operators(spec)
]
SORT_CASES = [
    pytest.param(obj, spec["name"], id=f"{obj}.{spec['name']}")
    for obj, spec in FIELD_CASES
    if (
        TYPES[_type_of(spec)] if spec["type"] == "formula" else TYPES[FieldType(spec["type"])]
    ).sortable
]


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def filter_values(field: dict[str, Any], op: str, records: list[dict[str, Any]]) -> list[Any]:
    """Values to try `op` with, taken from the data (so they select some records, not all)."""
    name, kind = field["name"], kind_of(field)
    present = [r[name] for r in records if comparable(field, r[name]) is not None]
    assert present, f"the seed leaves {name} empty everywhere"
    if kind == "multi_picklist":
        return ["email", "onsite"] if op == "contains" else [True, False]
    distinct = sorted({comparable(field, v): v for v in present}.items())
    raws = [_json(raw) for _, raw in distinct]
    mid, low, high = raws[len(raws) // 2], raws[min(1, len(raws) - 1)], raws[-1]
    if op == "is_null":
        return [True, False]
    if op == "in":
        return [[raws[0], high], [mid]]
    if op == "between":
        return [[low, raws[max(len(raws) - 2, 0)]]]
    if op in ("contains", "starts_with"):
        text = str(mid)
        part = text[: max(2, len(text) // 2)] if op == "starts_with" else text[1:-1] or text
        return [part.upper(), part]
    if op in ("eq", "ne"):
        values = [mid, None]
        if kind == "email":
            values.append(str(mid).upper())  # as a person types it: stored lower-case
        return values
    return [mid, raws[0], high]


@pytest.mark.parametrize(("object_name", "name", "op"), FILTER_CASES)
def test_filter_operator_selects_what_python_selects(
    seeded: Seeded, object_name: str, name: str, op: str
) -> None:
    field = seeded.field(object_name, name)
    records = seeded.records_of(object_name)
    for value in filter_values(field, op, records):
        if value is None and op not in ("eq", "ne"):
            continue
        condition = {"field": name, "op": op, "value": value}
        got = seeded.api.query_all(
            object_name, {"filter": condition, "fields": ["id"], "limit": 500}
        )
        want = {r["id"] for r in records if matches(field, op, value, r[name], seeded.backend)}
        assert {r["id"] for r in got} == want, (condition, len(want))
        assert len(got) == len(want)


@pytest.mark.parametrize(("object_name", "name"), SORT_CASES)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_and_keyset_pages_follow_python(
    seeded: Seeded, object_name: str, name: str, direction: str
) -> None:
    field = seeded.field(object_name, name)
    records = seeded.records_of(object_name)
    body = {"sort": [{"field": name, "direction": direction}], "fields": ["id", name]}
    paged = seeded.api.query_all(object_name, {**body, "limit": 7})
    whole = seeded.api.query_all(object_name, {**body, "limit": 500})
    want = sorted_ids(field, records, direction, seeded.backend)
    assert [r["id"] for r in paged] == want
    assert [r["id"] for r in whole] == want


def test_formulas_and_rollups_compute_what_python_computes(seeded: Seeded) -> None:
    for r in seeded.records:
        units = r["units"]
        assert r["double_units"] == (None if units is None else units * 2)
        assert r["many_units"] == (None if units is None else units > 10)
        assert r["label_copy"] == r["label"]
        starts = r["starts_on"]
        assert r["week_later"] == (
            None
            if starts is None
            else date.fromordinal(date.fromisoformat(starts).toordinal() + 7).isoformat()
        )
        price, discount = comparable(seeded.fields["price"], r["price"]), r["discount"]
        if price is None:
            assert r["net_price"] is None
        else:
            net = price * (1 - Decimal(str(discount or 0)) / 100)
            assert abs(Decimal(str(r["net_price"])) - net) < Decimal("0.01"), (r, net)
    weight = seeded.fields["weight"]
    for g in seeded.group_records:
        members = [r for r in seeded.records if r["group"] == g["id"]]
        weights = [comparable(weight, r["weight"]) for r in members if r["weight"] is not None]
        assert comparable(seeded.group_fields["item_count"], g["item_count"]) == len(members), g
        # Counts and sums over no children are 0, also for a group that never had any.
        assert comparable(seeded.group_fields["weight_total"], g["weight_total"]) == sum(
            weights, Decimal(0)
        ), g
        assert comparable(seeded.group_fields["weight_min"], g["weight_min"]) == (
            min(weights) if weights else None
        )
        assert comparable(seeded.group_fields["weight_max"], g["weight_max"]) == (
            max(weights) if weights else None
        )


def test_export_has_the_values_the_records_have(seeded: Seeded) -> None:
    names = [spec["name"] for spec in GADGET_FIELDS]
    response = seeded.api.request(
        "GET", "/records/gadget/export", params={"fields": ",".join(["id", *names]), "sort": "name"}
    )
    assert response.status_code == 200, response.text
    rows = csv_rows(response.text)
    columns: list[tuple[str, dict[str, Any] | None]] = [("id", None)]
    for name in names:
        columns.append((name, seeded.fields[name]))
        if seeded.fields[name]["type"] == "currency":
            columns.append((f"{name}_currency", None))
    assert len(rows[0]) == len(columns), rows[0]
    by_id = {r["id"]: r for r in seeded.records}
    assert [row[0] for row in rows[1:]] == [
        r["id"] for r in sorted(seeded.records, key=lambda r: (r["name"], r["id"]))
    ]
    for row in rows[1:]:
        record = by_id[row[0]]
        for (name, field), cell in zip(columns, row, strict=True):
            if field is None:
                assert cell == (record[name] or ""), (name, cell)
            elif kind_of(field) in ("integer", "decimal", "currency", "percent") and cell:
                assert Decimal(cell) == Decimal(str(record[name])), (name, cell, record[name])
            else:
                assert cell == csv_cell(field, record), (name, cell, record[name])


MEASURED = ["units", "weight", "price", "discount", "net_price", "double_units"]


def _local_day(value: str) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(SHANGHAI).date()


GROUPINGS: dict[str, tuple[dict[str, Any], Any]] = {
    "picklist": ({"field": "tier"}, lambda r: r["tier"]),
    "boolean": ({"field": "active"}, lambda r: r["active"]),
    "lookup": ({"field": "account"}, lambda r: r["account"]),
    "text": ({"field": "label"}, lambda r: r["label"]),
    "integer": ({"field": "units"}, lambda r: r["units"]),
    "date-month": (
        {"field": "starts_on", "bucket": "month"},
        lambda r: r["starts_on"] and r["starts_on"][:8] + "01",
    ),
    "date-quarter": (
        {"field": "starts_on", "bucket": "quarter"},
        lambda r: r["starts_on"] and quarter_start(date.fromisoformat(r["starts_on"])).isoformat(),
    ),
    "date-year": (
        {"field": "starts_on", "bucket": "year"},
        lambda r: r["starts_on"] and r["starts_on"][:4] + "-01-01",
    ),
    "datetime-day": (
        {"field": "registered_at", "bucket": "day"},
        lambda r: r["registered_at"] and _local_day(r["registered_at"]).isoformat(),
    ),
}


@pytest.mark.parametrize("grouping", list(GROUPINGS))
def test_aggregates_per_group_equal_python(seeded: Seeded, grouping: str) -> None:
    group_by, key = GROUPINGS[grouping]
    measures = [(op, seeded.fields[n]) for n in MEASURED for op in ("sum", "avg", "min", "max")]
    body = {
        "group_by": [group_by],
        "aggregates": [{"op": "count"}]
        + [{"op": op, "field": f["name"]} for op, f in measures]
        + [{"op": op, "field": "starts_on"} for op in ("min", "max")],
    }
    aggregates = body["aggregates"]
    got = []
    for start in range(0, len(aggregates), 10):  # at most 10 per request
        part = {**body, "aggregates": aggregates[start : start + 10]}
        answer = seeded.api.ok("POST", "/records/gadget/aggregate", json=part)["groups"]
        if not got:
            got = answer
        else:
            assert [g["key"] for g in answer] == [g["key"] for g in got]
            for mine, more in zip(got, answer, strict=True):
                mine["values"].update(more["values"])
    want = group_values([_in_yuan(r) for r in seeded.records], key, measures)
    assert {_key(g["key"][group_by["field"]]) for g in got} == {_key(k) for k in want}
    for group in got:
        expected = want[group["key"][group_by["field"]]]
        members = [r for r in seeded.records if key(r) == group["key"][group_by["field"]]]
        dates = sorted(r["starts_on"] for r in members if r["starts_on"])
        assert group["values"]["min_starts_on"] == (dates[0] if dates else None)
        assert group["values"]["max_starts_on"] == (dates[-1] if dates else None)
        for label, value in expected.items():
            have = group["values"][label]
            # Averages are given to 6 decimal places; so are sums on SQLite, which adds
            # decimals as doubles (docs/api.md, "Exact decimals").
            inexact = label.startswith("avg_") or (
                label.startswith("sum_") and seeded.backend == "sqlite"
            )
            if inexact and value is not None:
                assert abs(Decimal(str(have)) - value) <= Decimal("0.0000005"), (label, have, value)
            else:
                assert (None if have is None else Decimal(str(have))) == value, (
                    group["key"],
                    label,
                    have,
                    value,
                )


def _key(value: Any) -> str:
    return "\x00null" if value is None else str(value)


def _in_yuan(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its price in the tenant's currency, converted to the cent (half away
    from zero), as the aggregates convert it; other currency values (a formula's) as they are."""
    price = record["price"]
    if price is None or record["price_currency"] in (None, "CNY"):
        return record
    converted = (Decimal(str(price)) * USD_RATE).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {**record, "price": converted}


def test_datetimes_group_in_the_tenant_time_zone(seeded: Seeded) -> None:
    """2026-03-31T20:00Z is April 1st in Shanghai: the month bucket says April."""
    body = {
        "group_by": [{"field": "registered_at", "bucket": "month"}],
        "aggregates": [{"op": "count"}],
    }
    got = {
        g["key"]["registered_at"]: g["values"]["count"]
        for g in seeded.api.ok("POST", "/records/gadget/aggregate", json=body)["groups"]
    }
    want: dict[Any, int] = {}
    for r in seeded.records:
        month = r["registered_at"] and _local_day(r["registered_at"]).replace(day=1).isoformat()
        want[month] = want.get(month, 0) + 1
    assert got == want
    assert (
        "2026-04-01" in got
        and datetime(2026, 3, 31, 20, tzinfo=UTC).astimezone(SHANGHAI).month == 4
    )
