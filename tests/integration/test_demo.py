"""The demo company generator, on SQLite and PostgreSQL (see the `platform` fixture)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from keyi.demo import (
    DEMO_PASSWORD,
    DemoGenerator,
    Owners,
    SeedReport,
    admin_email,
    ensure_demo,
    is_valid_credit_code,
)
from keyi.demo.regions import PROVINCES
from keyi.demo.words import INDUSTRY_WEIGHTS
from keyi.platform.auth import AuthService
from keyi.platform.context import Context
from keyi.platform.permissions import Actor
from keyi.platform.query import AggregateSpec, QuerySpec, run_aggregate, run_query
from keyi.platform.tenancy import Platform

SEED = 11
SMALL, LARGE = 40, 60
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


@dataclass
class DemoTenants:
    fresh: str  # LARGE accounts in one go
    topped_up: str  # SMALL accounts, then topped up to LARGE
    first: SeedReport
    second: SeedReport
    again: SeedReport
    full: SeedReport


@pytest.fixture(scope="module")
def demo(platform: Platform) -> Iterator[DemoTenants]:
    suffix = uuid.uuid4().hex[:8]
    fresh, topped_up = f"demo-a{suffix}", f"demo-b{suffix}"
    messages: list[str] = []
    full = ensure_demo(platform, accounts=LARGE, seed=SEED, tenant_name=fresh, echo=messages.append)
    first = ensure_demo(
        platform, accounts=SMALL, seed=SEED, tenant_name=topped_up, team_password=None
    )
    second = ensure_demo(platform, accounts=LARGE, seed=SEED, tenant_name=topped_up, batch_size=7)
    again = ensure_demo(platform, accounts=LARGE, seed=SEED, tenant_name=topped_up)
    assert any("records/s" in m for m in messages)
    yield DemoTenants(fresh, topped_up, first, second, again, full)
    for name in (fresh, topped_up):
        platform.drop_tenant(name)


def read(platform: Platform, tenant_name: str) -> Any:
    return platform.context(platform.tenant(tenant_name), Actor.system("test"), write=False)


def all_records(ctx: Context, object_name: str, fields: list[str]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = run_query(
            ctx,
            object_name,
            QuerySpec(fields=fields, sort=[{"field": "id"}], limit=500, cursor=cursor),
        )
        records.extend(page["records"])
        cursor = page["next_cursor"]
        if not cursor:
            return records


DOCUMENTS = (
    "quote",
    "quote_line",
    "contract",
    "payment_plan",
    "payment",
    "case",
    "case_message",
    "work_order",
    "knowledge_category",
    "knowledge_article",
    "knowledge_article_version",
    "marketing_plan",
    "marketing_budget_line",
    "campaign",
    "campaign_member",
    "marketing_expense",
)


def counts(ctx: Context) -> dict[str, int]:
    result = {}
    for name in ("account", "contact", "opportunity", "activity", "lead", *DOCUMENTS):
        groups = run_aggregate(ctx, name, AggregateSpec())["groups"]
        result[name] = int(groups[0]["values"]["count"]) if groups else 0
    return result


def grouped(ctx: Context, object_name: str, field: str) -> dict[Any, int]:
    spec = AggregateSpec(group_by=[{"field": field}], aggregates=[{"op": "count"}])
    return {
        g["key"][field]: g["values"]["count"]
        for g in run_aggregate(ctx, object_name, spec)["groups"]
    }


def test_counts_match_the_report_and_the_mix(platform: Platform, demo: DemoTenants) -> None:
    with read(platform, demo.fresh) as ctx:
        stored = counts(ctx)
    assert stored == demo.full.created
    assert stored["account"] == LARGE
    # Roughly 2 contacts, 1.5 opportunities, 3 activities and 0.5 leads per account.
    assert 1.5 * LARGE <= stored["contact"] <= 2.5 * LARGE
    assert 1.0 * LARGE <= stored["opportunity"] <= 2.0 * LARGE
    assert 2.5 * LARGE <= stored["activity"] <= 4.0 * LARGE
    assert 0.2 * LARGE <= stored["lead"] <= 0.9 * LARGE
    assert demo.full.rows_per_second > 0
    # Lead to cash follows the deals: quotes for the later stages, contracts for the won ones.
    assert 0 < stored["contract"] < stored["quote"] < stored["opportunity"]
    assert stored["payment_plan"] >= stored["contract"] and stored["payment"] > 0


def test_documents_agree_with_their_deals(platform: Platform, demo: DemoTenants) -> None:
    """Each contract is for exactly its quote's grand total (lines rounded half up one by
    one), its installments add up to it, and no plan has received more than it asked."""
    with read(platform, demo.fresh) as ctx:
        quotes = {q["id"]: q for q in all_records(ctx, "quote", ["grand_total", "status"])}
        contracts = all_records(ctx, "contract", ["amount", "quote", "status", "received"])
        plans = all_records(ctx, "payment_plan", ["contract", "amount", "received", "status"])
    planned: dict[str, Decimal] = {}
    for plan in plans:
        planned[plan["contract"]] = planned.get(plan["contract"], Decimal(0)) + D(plan["amount"])
        assert D(plan["received"]) <= D(plan["amount"])
        assert plan["status"] in ("pending", "partly_paid", "paid", "overdue")
    for contract in contracts:
        assert contract["status"] == "active"
        assert quotes[contract["quote"]]["status"] == "accepted"
        assert D(contract["amount"]) == D(quotes[contract["quote"]]["grand_total"])
        assert planned[contract["id"]] == D(contract["amount"])


def D(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def test_top_up_adds_only_the_difference(platform: Platform, demo: DemoTenants) -> None:
    assert (demo.first.accounts_before, demo.first.accounts_after) == (0, SMALL)
    assert (demo.second.accounts_before, demo.second.accounts_after) == (SMALL, LARGE)
    assert demo.second.created["account"] == LARGE - SMALL
    assert demo.again.rows == 0 and demo.again.accounts_after == LARGE
    with read(platform, demo.topped_up) as ctx:
        stored = counts(ctx)
    # The knowledge base is made once, with the first batch: the top-up adds none.
    expected = {k: demo.first.created.get(k, 0) + demo.second.created.get(k, 0) for k in stored}
    assert stored == expected


def test_same_seed_gives_the_same_company(platform: Platform, demo: DemoTenants) -> None:
    """Account k depends only on (seed, k): a topped-up company equals one made in one go."""

    def snapshot(tenant_name: str) -> dict[str, list[tuple[Any, ...]]]:
        with read(platform, tenant_name) as ctx:
            accounts = all_records(
                ctx, "account", ["name", "credit_code", "city", "annual_revenue"]
            )
            opportunities = all_records(
                ctx, "opportunity", ["name", "amount", "stage", "close_date"]
            )
            contacts = all_records(ctx, "contact", ["name", "mobile", "email"])
            leads = all_records(ctx, "lead", ["name", "company", "status"])
        return {
            "account": sorted(
                (r["credit_code"], r["name"], r["city"], r["annual_revenue"]) for r in accounts
            ),
            "opportunity": sorted(
                (r["name"], r["amount"], r["stage"], r["close_date"]) for r in opportunities
            ),
            "contact": sorted((r["name"], r["mobile"], r["email"]) for r in contacts),
            "lead": sorted((r["name"], r["company"], r["status"]) for r in leads),
        }

    assert snapshot(demo.fresh) == snapshot(demo.topped_up)


def test_stored_data_is_what_the_generator_says(platform: Platform, demo: DemoTenants) -> None:
    def names(seed: int) -> set[str]:
        generator = DemoGenerator(seed, date.today(), Owners("admin", ("sales",)))
        return {generator.bundle(k).account["name"] for k in range(LARGE)}

    with read(platform, demo.fresh) as ctx:
        stored = {r["name"] for r in all_records(ctx, "account", ["name"])}
    assert stored == names(SEED)
    assert stored != names(SEED + 1)


def test_admin_and_sales_team_can_sign_in(platform: Platform, demo: DemoTenants) -> None:
    auth = AuthService(platform)
    session = auth.login(admin_email(demo.fresh), DEMO_PASSWORD, demo.fresh)
    assert session.principal.tenant_id == platform.tenant(demo.fresh).id
    with read(platform, demo.fresh) as ctx:
        users = all_records(ctx, "user", ["name", "email", "department", "is_admin"])
    assert len(users) == 13
    admin = next(u for u in users if u["is_admin"])
    assert admin["name"] == "王建国"
    # `department` is a lookup to the department object where the organisation model has it.
    departments = {
        u["_display"].get("department") or u["department"] for u in users if not u["is_admin"]
    }
    assert departments == {"华东销售部", "华北销售部", "华南销售部", "大客户部"}
    sales = next(u for u in users if not u["is_admin"])
    assert auth.login(sales["email"], DEMO_PASSWORD, demo.fresh).principal.user_id == sales["id"]


def test_sales_organisation(platform: Platform, demo: DemoTenants) -> None:
    with read(platform, demo.fresh) as ctx:
        if ctx.schema.get("department") is None:
            pytest.skip("no department object in this schema")
        departments = all_records(ctx, "department", ["name", "parent", "manager"])
    by_name = {d["name"]: d for d in departments}
    root = by_name["销售中心"]
    assert root["parent"] is None and root["_display"]["manager"] == "王建国"
    for name, manager in (
        ("华东销售部", "李娜"),
        ("华南销售部", "黄志强"),
        ("大客户部", "欧阳晓雪"),
    ):
        assert by_name[name]["parent"] == root["id"]
        assert by_name[name]["_display"]["manager"] == manager


def test_every_stage_status_and_type_appears(platform: Platform, demo: DemoTenants) -> None:
    with read(platform, demo.fresh) as ctx:
        stages = grouped(ctx, "opportunity", "stage")
        lead_statuses = grouped(ctx, "lead", "status")
        activity_types = grouped(ctx, "activity", "type")
        lost_without_reason = run_query(
            ctx,
            "opportunity",
            QuerySpec(
                filter={
                    "and": [
                        {"field": "stage", "op": "eq", "value": "lost"},
                        {"field": "lost_reason", "op": "is_null", "value": True},
                    ]
                }
            ),
        )["records"]
        probabilities = {
            r["stage"]: r["probability"]
            for r in all_records(ctx, "opportunity", ["stage", "probability"])
        }
    stage_field = ctx.object("opportunity").fields["stage"]
    assert set(stages) == {o.value for o in stage_field.options or ()}
    assert set(lead_statuses) == {"new", "contacted", "qualified", "unqualified", "converted"}
    assert set(activity_types) >= {"task", "call", "visit", "note"}
    assert lost_without_reason == []
    # The sales hook fills the stage's default probability.
    assert (
        probabilities["won"] == 100
        and probabilities["lost"] == 0
        and probabilities["prospecting"] == 10
    )


def test_data_is_realistic(platform: Platform, demo: DemoTenants) -> None:
    with read(platform, demo.fresh) as ctx:
        accounts = all_records(
            ctx,
            "account",
            [
                "name",
                "credit_code",
                "province",
                "city",
                "industry",
                "owner_id",
                "phone",
                "annual_revenue",
            ],
        )
        contacts = all_records(ctx, "contact", ["account", "mobile", "email"])
        opportunities = all_records(ctx, "opportunity", ["account", "amount", "close_date"])
        activities = all_records(
            ctx, "activity", ["related_object", "related_id", "account", "due_date", "status"]
        )
        today = ctx.today()
    codes = [a["credit_code"] for a in accounts]
    assert len(set(codes)) == len(codes) and all(is_valid_credit_code(c) for c in codes)
    assert {a["province"] for a in accounts} <= {p.name for p in PROVINCES}
    assert {a["industry"] for a in accounts} <= set(INDUSTRY_WEIGHTS)
    assert len({a["owner_id"] for a in accounts}) >= 8  # spread over the team
    assert any(re.search(r"[\u4e00-\u9fff]", a["name"]) for a in accounts)
    assert all(MOBILE_RE.match(c["mobile"]) for c in contacts)
    account_ids = {a["id"] for a in accounts}
    assert {c["account"] for c in contacts} <= account_ids
    assert {o["account"] for o in opportunities} <= account_ids
    amounts = sorted(o["amount"] for o in opportunities)
    assert amounts[0] >= 5_000 and amounts[-1] > 3 * amounts[len(amounts) // 2]  # long tail
    close_offsets = [(date_of(o["close_date"]) - today).days for o in opportunities]
    assert min(close_offsets) >= -366 and max(close_offsets) <= 181
    assert any(d < 0 for d in close_offsets) and any(d > 0 for d in close_offsets)
    opportunity_ids = {o["id"] for o in opportunities}
    for a in activities:
        assert a["related_object"] in ("account", "opportunity")
        assert a["related_id"] in (
            account_ids if a["related_object"] == "account" else opportunity_ids
        )
        assert a["account"] in account_ids
    due = [(date_of(a["due_date"]) - today).days for a in activities]
    assert any(d < 0 for d in due) and any(d == 0 for d in due) and any(d > 0 for d in due)
    overdue = [a for a, d in zip(activities, due, strict=True) if d < 0 and a["status"] == "open"]
    assert overdue


def test_admin_has_tasks_today(platform: Platform, demo: DemoTenants) -> None:
    tenant = platform.tenant(demo.fresh)
    with read(platform, demo.fresh) as ctx:
        admin = run_query(
            ctx, "user", QuerySpec(filter={"field": "is_admin", "op": "eq", "value": True})
        )
        admin_id = admin["records"][0]["id"]
        today = ctx.today()
    with platform.context(tenant, Actor(id=admin_id, name="王建国", is_admin=True)) as ctx:
        mine = run_query(
            ctx,
            "activity",
            QuerySpec(
                filter={
                    "and": [
                        {"field": "owner_id", "op": "eq", "value": admin_id},
                        {"field": "due_date", "op": "eq", "value": today.isoformat()},
                        {"field": "status", "op": "eq", "value": "open"},
                    ]
                }
            ),
        )["records"]
    assert mine


def test_cjk_and_latin_search_find_demo_companies(platform: Platform, demo: DemoTenants) -> None:
    from keyi.platform.schema import search_table
    from keyi.platform.search import search

    with read(platform, demo.fresh) as ctx:
        accounts = all_records(ctx, "account", ["name"])
        brand = next(a["name"] for a in accounts if re.match(r"^[\u4e00-\u9fff]{4}", a["name"]))[
            2:4
        ]
        hits = search(ctx.conn, search_table, brand, objects=["account"])
    assert hits


def date_of(value: str) -> date:
    return date.fromisoformat(value)


def test_roles_pool_and_what_a_rep_sees(platform: Platform, demo: DemoTenants, app: Any) -> None:
    """Reps see their own accounts and the pool's unowned ones; a manager their department's;
    the administrator everything. Set up the same way in a fresh and a topped-up company."""
    from fastapi.testclient import TestClient

    from keyi.demo.generator import POOL_AT, POOL_EVERY
    from keyi.demo.org import ADMIN_ROLE, MANAGER_ROLE, POOL_NAME, REP_ROLE
    from tests.conftest import login

    pooled = sum(1 for k in range(LARGE) if k % POOL_EVERY == POOL_AT)
    for name in (demo.fresh, demo.topped_up):
        with read(platform, name) as ctx:
            roles = {r["id"]: r["name"] for r in all_records(ctx, "role", ["name"])}
            users = {u["email"]: u for u in all_records(ctx, "user", ["email", "role"])}
            pools = all_records(ctx, "pool", ["name", "object_name"])
            members = all_records(ctx, "pool_member", ["user"])
            unowned = run_query(
                ctx,
                "account",
                QuerySpec(
                    fields=["owner_id", "pool_id"],
                    filter={"field": "owner_id", "op": "is_null", "value": True},
                    limit=500,
                ),
            )["records"]
        assert set(roles.values()) == {ADMIN_ROLE, MANAGER_ROLE, REP_ROLE}
        by_role = {roles[u["role"]] for u in users.values()}
        assert by_role == {ADMIN_ROLE, MANAGER_ROLE, REP_ROLE}  # every user has a role
        domain = admin_email(name).split("@")[1]
        assert roles[users[f"li.na@{domain}"]["role"]] == MANAGER_ROLE
        assert roles[users[f"zhao.lei@{domain}"]["role"]] == REP_ROLE
        assert roles[users[admin_email(name)]["role"]] == ADMIN_ROLE
        assert [(p["name"], p["object_name"]) for p in pools] == [(POOL_NAME, "account")]
        assert len(members) == 12
        assert len(unowned) == pooled and {a["pool_id"] for a in unowned} == {pools[0]["id"]}

    with TestClient(app) as client:
        domain = admin_email(demo.fresh).split("@")[1]

        def visible_owners(email: str) -> tuple[int, set[str | None]]:
            login(client, email, DEMO_PASSWORD, demo.fresh)
            total = client.post(
                "/api/v1/records/account/aggregate", json={"aggregates": [{"op": "count"}]}
            ).json()["groups"][0]["values"]["count"]
            rows = client.post(
                "/api/v1/records/account/query", json={"fields": ["owner_id"], "limit": 200}
            ).json()["records"]
            return total, {r["owner_id"] for r in rows}

        everyone, _ = visible_owners(admin_email(demo.fresh))
        assert everyone == LARGE
        rep_total, rep_owners = visible_owners(f"zhao.lei@{domain}")
        me = client.get("/api/v1/me").json()
        rep_id = me["user"]["id"]
        assert rep_owners <= {rep_id, None} and None in rep_owners
        manager_total, manager_owners = visible_owners(f"liu.yang@{domain}")
        assert rep_total < manager_total < everyone
        assert rep_id in manager_owners  # 赵磊 works in 刘洋's department
        # Managers set targets; a rep reads their own and sets none.
        target = "/api/v1/metadata/objects/sales_target"
        assert client.get(target).json()["permissions"]["create"] is True
        login(client, f"zhao.lei@{domain}", DEMO_PASSWORD, demo.fresh)
        rights = client.get(target).json()["permissions"]
        assert rights["read"] is True and rights["create"] is False and rights["edit"] is False


def test_the_knowledge_base_and_field_service_screens_are_not_empty(
    platform: Platform, demo: DemoTenants
) -> None:
    """Knowledge categories with published articles (public and internal, Chinese and
    English, one in its second version); work orders in several steps for the technicians,
    and the signing-in administrator's visits today."""
    with read(platform, demo.fresh) as ctx:
        categories = all_records(ctx, "knowledge_category", ["name", "parent"])
        articles = all_records(
            ctx,
            "knowledge_article",
            ["title", "status", "visibility", "language", "version_number", "category"],
        )
        orders = all_records(
            ctx,
            "work_order",
            ["status", "technician", "scheduled_start", "signed_at", "signature_file", "case"],
        )
        admin = ctx.conn.execute(
            sa.select(ctx.object("user").table.c.id).where(
                ctx.object("user").table.c.is_admin.is_(True)
            )
        ).scalar()
        today, zone = ctx.today(), ctx.time_zone
    assert len(categories) >= 6 and any(c["parent"] for c in categories)
    published = [a for a in articles if a["status"] == "published"]
    assert len(published) >= 8
    assert {a["visibility"] for a in published} == {"public", "internal"}
    assert {a["language"] for a in published} == {"zh-CN", "en"}
    assert all(a["category"] for a in published)
    assert any(a["version_number"] == 2 for a in published)
    assert any(a["status"] == "archived" for a in articles)

    statuses = {o["status"] for o in orders}
    assert {"scheduled", "en_route", "in_progress", "completed"} <= statuses
    assert len({o["technician"] for o in orders}) >= 2
    assert any(o["case"] for o in orders)
    for order in orders:
        if order["status"] == "completed":
            assert order["signed_at"] and order["signature_file"]

    def local_day(value: Any) -> date:
        stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.astimezone(zone).date()

    mine_today = [
        o
        for o in orders
        if o["technician"] == str(admin) and local_day(o["scheduled_start"]) == today
    ]
    assert len(mine_today) >= 3


def test_marketing_campaigns_show_costs_members_and_won_amounts(
    platform: Platform, demo: DemoTenants
) -> None:
    """The demo's campaigns: a brand campaign over seven sub-campaigns, approved expenses,
    members from the demo's contacts, and deals attributed to them (keyi.packages.marketing)."""
    with read(platform, demo.fresh) as ctx:
        campaigns = all_records(
            ctx,
            "campaign",
            [
                "name",
                "parent",
                "actual_cost",
                "member_count",
                "opportunity_count",
                "won_amount",
                "hierarchy_actual_cost",
                "roi",
            ],
        )
    children = [c for c in campaigns if c["parent"]]
    [parent] = [c for c in campaigns if not c["parent"]]
    assert len(children) == 7
    assert sum(D(c["actual_cost"]) for c in children) == D(parent["hierarchy_actual_cost"]) > 0
    assert sum(c["member_count"] for c in children) > 0
    assert sum(c["opportunity_count"] for c in children) > 0
    assert any(D(c["won_amount"]) > 0 and c["roi"] is not None for c in children)
