"""A formula or roll-up over something hidden from a reader is hidden from that reader too.

One role hides account.annual_revenue and account.credit_code, opportunity.amount and
contact.account, and cannot read activities at all. Formulas and roll-ups built on them — direct
(`revenue_wan`), nested (`revenue_band` reads `revenue_wan`), along a lookup path
(`opportunity.account_revenue` = `account.annual_revenue`, `account_band` = a path to a nested
formula), roll-ups over a hidden child field (`pipeline_amount`), a hidden link
(`contact_count`) and an unreadable child object (`activity_count`) — must be absent for that
role on every read path, and present with their values for an administrator. Beside them,
computed fields over readable inputs (`staff_double`, `account_city`, `opportunity_count`) stay
visible, so the rule hides no more than it must.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.access import admin
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import rights

SYSTEM = Actor.system("test")
CREDIT_CODE = "91310000MA1FL4XQ3A"


def _labels(text: str) -> dict[str, str]:
    return {"en": text, "zh-CN": text}


ACCOUNT_FIELDS: list[dict[str, Any]] = [
    {
        "name": "revenue_wan",
        "type": "formula",
        "labels": _labels("RevWan"),
        "expression": "annual_revenue / 10000",
        "return_type": "decimal",
    },
    {
        "name": "revenue_band",
        "type": "formula",
        "labels": _labels("RevBand"),
        "expression": "IF(revenue_wan > 100, 'big', 'small')",
        "return_type": "text",
    },
    {
        "name": "credit_region",
        "type": "formula",
        "labels": _labels("CreditRegion"),
        "expression": "LEFT(credit_code, 6)",
        "return_type": "text",
    },
    {
        "name": "staff_double",
        "type": "formula",
        "labels": _labels("StaffDouble"),
        "expression": "employees * 2",
        "return_type": "integer",
    },
    {
        "name": "contact_count",
        "type": "rollup",
        "labels": _labels("ContactCount"),
        "rollup": {"child_object": "contact", "child_field": "account", "op": "count"},
    },
    {
        "name": "activity_count",
        "type": "rollup",
        "labels": _labels("ActivityCount"),
        "rollup": {"child_object": "activity", "child_field": "account", "op": "count"},
    },
]
OPPORTUNITY_FIELDS: list[dict[str, Any]] = [
    {
        "name": "account_revenue",
        "type": "formula",
        "labels": _labels("AccountRevenue"),
        "expression": "account.annual_revenue",
        "return_type": "currency",
    },
    {
        "name": "account_band",
        "type": "formula",
        "labels": _labels("AccountBand"),
        "expression": "account.revenue_band",
        "return_type": "text",
    },
    {
        "name": "account_city",
        "type": "formula",
        "labels": _labels("AccountCity"),
        "expression": "account.city",
        "return_type": "text",
    },
]
HIDDEN = {
    "account": {
        "annual_revenue",
        "annual_revenue_currency",
        "credit_code",
        "revenue_wan",
        "revenue_band",
        "credit_region",
        "pipeline_amount",
        "contact_count",
        "activity_count",
    },
    "opportunity": {
        "amount",
        "amount_currency",
        "expected_revenue",
        "account_revenue",
        "account_band",
    },
    "contact": {"account"},
}
VISIBLE = {
    "account": {"name", "employees", "city", "staff_double", "opportunity_count"},
    "opportunity": {"name", "account", "probability", "account_city"},
    "contact": {"name"},
}
GRANTS: dict[str, Any] = {
    "account": rights("all", fields={"annual_revenue": "hidden", "credit_code": "hidden"}),
    "opportunity": rights("all", fields={"amount": "hidden"}),
    "contact": {"read": True, "read_scope": "all", "fields": {"account": "hidden"}},
}
HIDDEN_LABELS = ("RevWan", "RevBand", "CreditRegion", "ContactCount", "ActivityCount")


@dataclass
class World:
    big: str  # account ids
    small: str
    opportunity: str
    contact: str
    role: str
    admin: TestClient
    rep: TestClient


@pytest.fixture
def world(app, platform: Platform, tenant: TenantInfo) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with TestClient(app) as boss, TestClient(app) as rep:
        login(boss, admin_email_of(platform, tenant))
        for object_name, fields in (
            ("account", ACCOUNT_FIELDS),
            ("opportunity", OPPORTUNITY_FIELDS),
        ):
            for field in fields:
                added = boss.post(f"/api/v1/metadata/objects/{object_name}/fields", json=field)
                assert added.status_code == 201, added.text
        with platform.context(tenant, SYSTEM) as ctx:
            records = RecordsService(ctx)
            role = records.create("role", {"name": "masked"})["id"]
            admin.set_role_permissions(ctx, role, GRANTS)
            big = records.create(
                "account",
                {
                    "name": "华为技术",
                    "annual_revenue": 2_000_000,
                    "credit_code": CREDIT_CODE,
                    "employees": 50,
                    "city": "深圳",
                },
            )["id"]
            small = records.create(
                "account",
                {"name": "小米科技", "annual_revenue": 10_000, "employees": 10, "city": "北京"},
            )["id"]
            opportunity = records.create(
                "opportunity",
                {
                    "name": "华为大单",
                    "account": big,
                    "amount": 5000,
                    "probability": 50,
                    "close_date": "2026-12-31",
                },
            )["id"]
            records.create(
                "opportunity",
                {"name": "小米小单", "account": small, "amount": 300, "close_date": "2026-12-31"},
            )
            contact = records.create("contact", {"name": "王经理", "account": big})["id"]
            records.create("activity", {"subject": "拜访", "account": big})
        email = f"masked@{tenant.name}.example"
        add_user(
            platform,
            tenant,
            email=email,
            name="masked rep",
            password=ADMIN_PASSWORD,
            extra={"role": role},
        )
        login(rep, email, tenant=tenant.name)
        yield World(big, small, opportunity, contact, role, boss, rep)


def _problem_names(response: Any, *names: str) -> None:
    """Refused with a problem naming each field (in the error key or its reason)."""
    assert response.status_code == 422, response.text
    text = response.text
    for name in names:
        assert name in text, (name, text)


def _refused_to_the_role_only(
    world: World, action: str, cases: list[tuple[str, dict[str, Any], str]]
) -> None:
    """Each (object, body, field) request to records/{object}/{action} is refused for the
    masked role, naming the field, and answered for an administrator — so the refusal comes
    from the mask, not from a malformed request."""
    for object_name, body, named in cases:
        url = f"/api/v1/records/{object_name}/{action}"
        _problem_names(world.rep.post(url, json=body), named)
        assert world.admin.post(url, json=body).status_code == 200, (body, named)


def _check_masked(object_name: str, record: dict[str, Any]) -> None:
    assert not HIDDEN[object_name] & set(record), (object_name, sorted(record))
    assert VISIBLE[object_name] <= set(record), (object_name, sorted(record))


def test_formula_over_hidden_field_does_not_break_reads(world: World) -> None:
    """The reported 500: a formula reading a hidden field made every read of the object fail."""
    for path in (
        f"/api/v1/records/opportunity/{world.opportunity}",
        "/api/v1/records/opportunity",
        f"/api/v1/records/account/{world.big}",
        "/api/v1/records/account",
    ):
        response = world.rep.get(path)
        assert response.status_code == 200, (path, response.text)
    created = world.rep.post(
        "/api/v1/records/opportunity",
        json={"name": "新商机", "account": world.big, "close_date": "2027-01-31"},
    )
    assert created.status_code == 201, created.text
    _check_masked("opportunity", created.json())


def test_record_and_list_reads(world: World) -> None:
    for object_name, record_id in (
        ("account", world.big),
        ("opportunity", world.opportunity),
        ("contact", world.contact),
    ):
        _check_masked(
            object_name, world.rep.get(f"/api/v1/records/{object_name}/{record_id}").json()
        )
        for record in world.rep.get(f"/api/v1/records/{object_name}").json()["records"]:
            _check_masked(object_name, record)
        described = world.rep.get(f"/api/v1/metadata/objects/{object_name}").json()
        assert not HIDDEN[object_name] & {f["name"] for f in described["fields"]}
    account = world.rep.get(f"/api/v1/records/account/{world.big}").json()
    assert account["staff_double"] == 100 and account["opportunity_count"] == 1
    opportunity = world.rep.get(f"/api/v1/records/opportunity/{world.opportunity}").json()
    assert opportunity["account_city"] == "深圳"
    # Titles: the readable lookup is named; the hidden one is neither shown nor titled.
    assert opportunity["_display"] == {"account": "华为技术"}
    contact = world.rep.get(f"/api/v1/records/contact/{world.contact}").json()
    assert "account" not in contact and "account" not in contact["_display"]
    for name in ("revenue_wan", "revenue_band", "pipeline_amount"):
        _problem_names(world.rep.get("/api/v1/records/account", params={"fields": name}), name)

    full = world.admin.get(f"/api/v1/records/account/{world.big}").json()
    assert full["revenue_band"] == "big" and full["credit_region"] == "913100"
    assert (full["pipeline_amount"], full["contact_count"], full["activity_count"]) == (5000, 1, 1)
    assert float(full["revenue_wan"]) == 200
    deal = world.admin.get(f"/api/v1/records/opportunity/{world.opportunity}").json()
    assert deal["account_band"] == "big" and deal["account_revenue"] == 2_000_000
    assert deal["expected_revenue"] == 2500
    shown = world.admin.get(f"/api/v1/records/contact/{world.contact}").json()
    assert shown["_display"] == {"account": "华为技术"}
    listed = world.admin.get("/api/v1/records/account", params={"fields": "revenue_band"}).json()
    assert {r["revenue_band"] for r in listed["records"]} >= {"big", "small"}


QUERY_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("account", {"fields": ["name", "revenue_wan"]}, "revenue_wan"),
    (
        "account",
        {"filter": {"field": "revenue_band", "op": "eq", "value": "big"}},
        "revenue_band",
    ),
    (
        "account",
        {"filter": {"field": "credit_region", "op": "starts_with", "value": "9"}},
        "credit_region",
    ),
    (
        "account",
        {"filter": {"field": "contact_count", "op": "gt", "value": 0}},
        "contact_count",
    ),
    (
        "account",
        {"sort": [{"field": "pipeline_amount", "direction": "desc"}]},
        "pipeline_amount",
    ),
    ("account", {"sort": [{"field": "activity_count"}]}, "activity_count"),
    (
        "opportunity",
        {"filter": {"field": "account_revenue", "op": "gt", "value": 1}},
        "account_revenue",
    ),
    (
        "opportunity",
        {"filter": {"field": "account.revenue_band", "op": "eq", "value": "big"}},
        "account.revenue_band",
    ),
    ("opportunity", {"sort": [{"field": "account_band"}]}, "account_band"),
    ("opportunity", {"sort": [{"field": "expected_revenue"}]}, "expected_revenue"),
    ("contact", {"filter": {"field": "account", "op": "is_null", "value": False}}, "account"),
]


def test_query_refuses_hidden_fields(world: World) -> None:
    """Selecting, filtering or sorting by a hidden value would reveal it row by row."""
    _refused_to_the_role_only(world, "query", QUERY_CASES)


def test_query_results_for_admin_use_the_values(world: World) -> None:
    found = world.admin.post(
        "/api/v1/records/account/query",
        json={"filter": {"field": "revenue_band", "op": "eq", "value": "big"}, "fields": ["name"]},
    ).json()["records"]
    assert [r["id"] for r in found] == [world.big]
    ordered = world.admin.post(
        "/api/v1/records/account/query",
        json={
            "filter": {"field": "id", "op": "in", "value": [world.big, world.small]},
            "sort": [{"field": "pipeline_amount", "direction": "desc"}],
        },
    ).json()["records"]
    assert [r["id"] for r in ordered] == [world.big, world.small]


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export(world: World) -> None:
    rows = _csv(world.rep.get("/api/v1/records/account/export"))
    assert "StaffDouble" in rows[0]
    assert not set(HIDDEN_LABELS) & set(rows[0]), rows[0]
    assert not any(CREDIT_CODE in cell or cell == "big" for row in rows for cell in row)
    _problem_names(
        world.rep.get("/api/v1/records/account/export", params={"fields": "name,revenue_band"}),
        "revenue_band",
    )
    _problem_names(
        world.rep.get("/api/v1/records/opportunity/export", params={"sort": "account_revenue"}),
        "account_revenue",
    )
    full = _csv(world.admin.get("/api/v1/records/account/export"))
    assert set(HIDDEN_LABELS) <= set(full[0])
    assert any(cell == "big" for row in full for cell in row)


def test_search(world: World) -> None:
    assert world.rep.get("/api/v1/search", params={"q": CREDIT_CODE}).json()["hits"] == []
    listed = world.rep.get("/api/v1/records/account", params={"q": CREDIT_CODE}).json()
    assert listed["records"] == []
    hits = world.admin.get("/api/v1/search", params={"q": CREDIT_CODE}).json()["hits"]
    assert [h["id"] for h in hits] == [world.big]
    # The readable name still finds the record, titled, for the masked reader.
    named = world.rep.get("/api/v1/search", params={"q": "华为技术"}).json()["hits"]
    assert {"id": world.big, "title": "华为技术"}.items() <= next(
        h for h in named if h["id"] == world.big
    ).items()


def test_history(world: World, platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        records.update(
            "account",
            world.big,
            {"annual_revenue": 3_000_000, "credit_code": "91110000802100433B", "employees": 60},
        )
        records.update("opportunity", world.opportunity, {"amount": 7000, "probability": 60})
        records.update("contact", world.contact, {"account": world.small})

    def changed(client: TestClient, object_name: str, record_id: str) -> set[str]:
        response = client.get(f"/api/v1/records/{object_name}/{record_id}/history")
        assert response.status_code == 200, response.text
        return {c["field"] for e in response.json()["entries"] for c in e["changes"]}

    for object_name, record_id in (
        ("account", world.big),
        ("opportunity", world.opportunity),
        ("contact", world.contact),
    ):
        seen = changed(world.rep, object_name, record_id)
        assert not HIDDEN[object_name] & seen, (object_name, seen)
        assert HIDDEN[object_name] & changed(world.admin, object_name, record_id)
    assert "employees" in changed(world.rep, "account", world.big)
    assert "probability" in changed(world.rep, "opportunity", world.opportunity)


AGGREGATE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("account", {"group_by": [{"field": "revenue_band"}]}, "revenue_band"),
    ("account", {"aggregates": [{"op": "sum", "field": "pipeline_amount"}]}, "pipeline_amount"),
    ("account", {"aggregates": [{"op": "max", "field": "contact_count"}]}, "contact_count"),
    ("account", {"filter": {"field": "revenue_wan", "op": "gt", "value": 1}}, "revenue_wan"),
    (
        "opportunity",
        {"aggregates": [{"op": "sum", "field": "account_revenue"}]},
        "account_revenue",
    ),
    ("opportunity", {"group_by": [{"field": "account.revenue_band"}]}, "account.revenue_band"),
    ("opportunity", {"group_by": [{"field": "account_band"}]}, "account_band"),
]


def test_aggregates_refuse_hidden_fields(world: World) -> None:
    """Reports group and summarise only what the reader may read."""
    _refused_to_the_role_only(world, "aggregate", AGGREGATE_CASES)


def test_aggregate_values_for_admin_and_visible_groupings_for_the_role(world: World) -> None:
    groups = world.admin.post(
        "/api/v1/records/account/aggregate",
        json={
            "filter": {"field": "id", "op": "in", "value": [world.big, world.small]},
            "group_by": [{"field": "revenue_band"}],
            "aggregates": [{"op": "sum", "field": "pipeline_amount"}],
        },
    ).json()["groups"]
    assert {g["key"]["revenue_band"]: g["values"]["sum_pipeline_amount"] for g in groups} == {
        "big": 5000,
        "small": 300,
    }
    visible = world.rep.post(
        "/api/v1/records/opportunity/aggregate",
        json={"group_by": [{"field": "account_city"}], "aggregates": [{"op": "count"}]},
    )
    assert visible.status_code == 200, visible.text
    assert {g["key"]["account_city"] for g in visible.json()["groups"]} == {"深圳", "北京"}


def test_saved_views_refuse_hidden_fields(world: World) -> None:
    refused = world.rep.post(
        "/api/v1/views",
        json={"object": "account", "name": "big ones", "columns": ["name", "revenue_band"]},
    )
    _problem_names(refused, "revenue_band")


def test_validation_rules_still_read_hidden_inputs(world: World) -> None:
    """A rule over a field hidden from the writer is still enforced (it used to fail to
    resolve for that writer and pass silently)."""
    described = world.admin.get("/api/v1/metadata/objects/opportunity").json()
    rules = [*described["validation_rules"]]
    rules.append(
        {
            "name": "small_accounts_stay_low",
            "condition": "AND(probability > 50, account.annual_revenue < 1000000)",
            "message": {"en": "Too optimistic for a small account.", "zh-CN": "赢率过高。"},
            "field": "probability",
        }
    )
    updated = world.admin.patch(
        "/api/v1/metadata/objects/opportunity", json={"validation_rules": rules}
    )
    assert updated.status_code == 200, updated.text
    body = {"name": "乐观", "close_date": "2027-01-31", "probability": 90}
    refused = world.rep.post("/api/v1/records/opportunity", json={**body, "account": world.small})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "probability"
    fine = world.rep.post("/api/v1/records/opportunity", json={**body, "account": world.big})
    assert fine.status_code == 201, fine.text


def test_quick_search_over_a_hidden_name_finds_nothing(
    world: World, platform: Platform, tenant: TenantInfo
) -> None:
    """Without a search index `q` matches the name's prefix: over a hidden name it would tell
    how each name starts."""
    made = world.admin.post(
        "/api/v1/metadata/objects",
        json={
            "name": "memo",
            "labels": {"en": "Memo", "zh-CN": "备忘"},
            "features": {"search": False, "owner": True},
            "fields": [{"name": "name", "type": "text", "labels": _labels("Title")}],
        },
    )
    assert made.status_code == 201, made.text
    with platform.context(tenant, SYSTEM) as ctx:
        memo = RecordsService(ctx).create("memo", {"name": "机密项目"})["id"]
        grants = {
            **GRANTS,
            "memo": {"read": True, "read_scope": "all", "fields": {"name": "hidden"}},
        }
        admin.set_role_permissions(ctx, world.role, grants)
    mine = world.rep.get("/api/v1/records/memo", params={"q": "机密"})
    assert mine.status_code == 200 and mine.json()["records"] == []
    assert [r["id"] for r in world.rep.get("/api/v1/records/memo").json()["records"]] == [memo]
    found = world.admin.get("/api/v1/records/memo", params={"q": "机密"}).json()["records"]
    assert [r["id"] for r in found] == [memo]
