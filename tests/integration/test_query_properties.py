"""Property: for any filter tree, the SQL compiler selects exactly the rows a reference
evaluator in Python selects — on SQLite and PostgreSQL alike.

Text ranges compare in the order lists sort text (keyi.platform.collation: ICU's on PostgreSQL,
where "alpha1" < "Beta2"; code points on SQLite, where "Beta2" < "alpha1"); the reference takes
that order of its few words from the database once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keyi.platform.collation import sort_collation
from keyi.platform.context import TenantInfo
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.permissions import Actor
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.conftest import new_tenant_name

OPTIONS = ["a", "b", "c"]
WORDS = ["alpha", "Beta", "gamma", "delta", "Alphabet", ""]
BASE_DAY = date(2026, 3, 1)
NAME_VALUES = ["alpha1", "Beta2", "gamma0", "x"]
VOCABULARY = sorted({w + str(i) for w in WORDS[:-1] for i in range(4)} | set(NAME_VALUES))
TEXT_RANK: dict[str, int] = {}  # word → its place in the database's text order (the fixture)

ITEM = ObjectDef.model_validate(
    {
        "name": "item",
        "labels": {"en": "Item"},
        "features": {"owner": False, "search": False},
        "fields": [
            {"name": "name", "type": "text", "labels": {"en": "Name"}},
            {"name": "n", "type": "integer", "labels": {"en": "N"}},
            {"name": "d", "type": "decimal", "labels": {"en": "D"}, "scale": 2},
            {
                "name": "p",
                "type": "picklist",
                "labels": {"en": "P"},
                "options": [{"value": v, "labels": {"en": v}} for v in OPTIONS],
            },
            {"name": "b", "type": "boolean", "labels": {"en": "B"}},
            {"name": "day", "type": "date", "labels": {"en": "Day"}},
        ],
    }
)


def make_rows(count: int = 60) -> list[dict[str, Any]]:
    rng = random.Random(11)

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.2 else value

    return [
        {
            "name": maybe(rng.choice(WORDS[:-1]) + str(rng.randint(0, 3))),
            "n": maybe(rng.randint(-5, 5)),
            "d": maybe(Decimal(rng.randint(-300, 300)) / 100),
            "p": maybe(rng.choice(OPTIONS)),
            "b": maybe(rng.random() < 0.5),
            "day": maybe(BASE_DAY + timedelta(days=rng.randint(-10, 10))),
        }
        for _ in range(count)
    ]


@pytest.fixture(scope="module")
def dataset(platform: Platform) -> Iterator[tuple[Platform, TenantInfo, dict[str, dict[str, Any]]]]:
    tenant = platform.create_tenant(new_tenant_name())
    rows = make_rows()
    with platform.context(tenant, Actor.system("test")) as ctx:
        word = sa.union_all(*(sa.select(sa.literal(w).label("w")) for w in VOCABULARY)).subquery()
        collation = sort_collation(ctx.conn)
        key = word.c.w if collation is None else sa.collate(word.c.w, collation)
        ordered = ctx.conn.execute(sa.select(word.c.w).order_by(key)).scalars().all()
        TEXT_RANK.clear()
        TEXT_RANK.update({w: i for i, w in enumerate(ordered)})
        MetadataService(ctx).create_object(ITEM)
        ids = RecordsService(ctx).create_many(
            "item",
            [{k: (str(v) if isinstance(v, date) else v) for k, v in r.items()} for r in rows],
        )
    yield platform, tenant, dict(zip(ids, rows, strict=True))
    platform.drop_tenant(tenant.name)


VALUES: dict[str, st.SearchStrategy[Any]] = {
    "name": st.sampled_from(NAME_VALUES),
    "n": st.integers(-6, 6),
    "d": st.integers(-300, 300).map(lambda i: Decimal(i) / 100),
    "p": st.sampled_from(OPTIONS),
    "b": st.booleans(),
    "day": st.integers(-11, 11).map(lambda i: BASE_DAY + timedelta(days=i)),
}
ORDERED = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "between", "is_null"]
OPS = {
    "name": [*ORDERED, "contains", "starts_with"],
    "n": ORDERED,
    "d": ORDERED,
    "day": ORDERED,
    "p": ["eq", "ne", "in", "is_null"],
    "b": ["eq", "ne", "in", "is_null"],
}


@st.composite
def condition(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(sorted(OPS)))
    op = draw(st.sampled_from(OPS[field]))
    values = VALUES[field]
    if op == "is_null":
        value: Any = draw(st.booleans())
    elif op == "in":
        value = draw(st.lists(values, min_size=1, max_size=3))
    elif op == "between":
        value = sorted([draw(values), draw(values)])
    elif op in ("contains", "starts_with"):
        value = draw(st.sampled_from(["al", "ph", "A", "eta", "1", "zz"]))
    else:
        value = draw(values)
    return {"field": field, "op": op, "value": value}


filters = st.recursive(
    condition(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"and": xs}),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"or": xs}),
        children.map(lambda x: {"not": x}),
    ),
    max_leaves=6,
)


def matches(row: dict[str, Any], node: dict[str, Any]) -> bool | None:
    """SQL three-valued logic: None is 'unknown', which filters the row out at the top."""
    if "and" in node:
        results = [matches(row, c) for c in node["and"]]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if "or" in node:
        results = [matches(row, c) for c in node["or"]]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if "not" in node:
        inner = matches(row, node["not"])
        return None if inner is None else not inner
    value, op, target = row[node["field"]], node["op"], node["value"]
    if op == "is_null":
        return (value is None) == target
    if op == "ne":
        return True if value is None else value != target
    if value is None:
        return None
    if op == "eq":
        return value == target
    if op == "in":
        return value in target
    if op == "contains":
        return target.lower() in value.lower()
    if op == "starts_with":
        return value.lower().startswith(target.lower())
    if isinstance(value, str):  # ranges over text: in the order lists sort it
        value = TEXT_RANK[value]
        target = [TEXT_RANK[t] for t in target] if op == "between" else TEXT_RANK[target]
    if op == "between":
        return target[0] <= value <= target[1]
    return {
        "lt": value < target,
        "lte": value <= target,
        "gt": value > target,
        "gte": value >= target,
    }[op]


def as_json(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: as_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_json(v) for v in node]
    if isinstance(node, date):
        return node.isoformat()
    if isinstance(node, Decimal):
        return str(node)
    return node


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=filters)
def test_filter_compiler_matches_reference(
    dataset: tuple[Platform, TenantInfo, dict[str, dict[str, Any]]], tree: dict[str, Any]
) -> None:
    platform, tenant, rows = dataset
    expected = {rid for rid, row in rows.items() if matches(row, tree) is True}
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        result = run_query(ctx, "item", QuerySpec(filter=as_json(tree), fields=["name"], limit=500))
    assert {r["id"] for r in result["records"]} == expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(["n", "d", "day", "name", "p", "b"]),
    direction=st.sampled_from(["asc", "desc"]),
    page=st.integers(1, 13),
)
def test_cursor_pages_cover_every_row_once_in_order(
    dataset: tuple[Platform, TenantInfo, dict[str, dict[str, Any]]],
    field: str,
    direction: str,
    page: int,
) -> None:
    platform, tenant, rows = dataset
    seen: list[str] = []
    cursor = None
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        while True:
            result = run_query(
                ctx,
                "item",
                QuerySpec(
                    sort=[{"field": field, "direction": direction}],
                    fields=[field],
                    limit=page,
                    cursor=cursor,
                ),
            )
            seen.extend(r["id"] for r in result["records"])
            cursor = result["next_cursor"]
            if cursor is None:
                break
    assert sorted(seen) == sorted(rows) and len(seen) == len(set(seen))
    keys = [rows[i][field] for i in seen]
    present = [k for k in keys if k is not None]
    if field != "name":  # text collation differs between databases; order checked for the rest
        assert present == sorted(present, reverse=direction == "desc")
    nulls = [k is None for k in keys]
    # Nulls come last ascending and first descending (PostgreSQL's default, index friendly).
    assert nulls == sorted(nulls, reverse=direction == "desc")
