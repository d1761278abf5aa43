"""Demo marketing: a year's plan with budget lines, a brand campaign with seven sub-campaigns,
approved expenses, and members drawn from the demo's contacts and leads, so the campaign pages
show real ROI.

The plan, the campaigns and their expenses are created once per tenant (on the first batch of
deals); then every batch of deals adds about a third of its deals' contacts to one or two
campaigns, with a response a few weeks back — before the deal was created, so the
attribution hooks credit those campaigns with the deal (first and last touch), and the won
deals among them give the campaigns their won amounts — and a few open leads. Every record goes
through the records service; the expenses are written approved (as the system: the demo
company's history starts after their approval).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from keyi.demo.deals import Deal
from keyi.platform.context import Context
from keyi.platform.records import RecordsService

PLAN_NAME = "年度市场营销计划"
PARENT = "品牌年度整合营销"
MEMBER_SHARE = 0.35  # deals whose contact joins a campaign
LEADS_PER_BATCH = 6
# name, type, status, budget, budget line, (expense name, amount, category) …
CAMPAIGNS: tuple[tuple[str, str, str, int, str, tuple[tuple[str, int, str], ...]], ...] = (
    (
        "华东智能制造展",
        "exhibition",
        "completed",
        180000,
        "展会",
        (
            ("展位租赁", 68000, "exhibition"),
            ("展台搭建", 42000, "exhibition"),
            ("礼品物料", 9800, "gifts"),
        ),
    ),
    (
        "数字化转型线上研讨会",
        "webinar",
        "completed",
        30000,
        "内容",
        (("直播平台服务", 8000, "content"), ("嘉宾讲师费", 12000, "content")),
    ),
    (
        "CIO 行业峰会",
        "event",
        "completed",
        120000,
        "会议",
        (("会场与餐饮", 56000, "event"), ("会务执行", 21000, "event")),
    ),
    (
        "搜索引擎广告投放",
        "ads",
        "in_progress",
        90000,
        "广告",
        (("百度推广 Q1", 30000, "advertising"), ("微信朋友圈广告", 26000, "advertising")),
    ),
    (
        "老客户续约邮件营销",
        "email",
        "in_progress",
        15000,
        "数字营销",
        (("邮件与短信通道费", 3600, "email_sms"),),
    ),
    (
        "渠道伙伴联合推广",
        "partner",
        "planned",
        60000,
        "渠道",
        (("联合市场基金", 20000, "partner"),),
    ),
    ("年度客户答谢会", "event", "planned", 80000, "会议", ()),
)
LINES = (
    ("展会", "exhibition", 250000),
    ("会议", "event", 220000),
    ("广告", "advertising", 120000),
    ("内容", "content", 50000),
    ("数字营销", "email_sms", 30000),
    ("渠道", "partner", 80000),
)
MEMBER_STATUSES = (
    ("registered", 3),
    ("attended", 4),
    ("responded", 3),
    ("converted", 1),
    ("invited", 2),
)


def seed_deals(
    ctx: Context, svc: RecordsService, deals: list[Deal], rng: random.Random
) -> dict[str, int]:
    """The campaigns once; members from this batch's contacts and a few open leads."""
    counts: dict[str, int] = {}
    campaigns = _ensure_campaigns(ctx, svc, rng, counts)
    if not campaigns:
        return counts
    now = ctx.now()
    statuses = [s for s, weight in MEMBER_STATUSES for _ in range(weight)]
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for deal in deals:
        if not deal.contact_id or rng.random() >= MEMBER_SHARE:
            continue
        for campaign in rng.sample(campaigns, k=rng.choice((1, 1, 2))):
            if (campaign, deal.contact_id) in seen or _member(
                ctx, campaign, "contact", deal.contact_id
            ):
                continue
            seen.add((campaign, deal.contact_id))
            status = rng.choice(statuses)
            rows.append(
                {
                    "campaign": campaign,
                    "contact": deal.contact_id,
                    "status": status,
                    # Weeks before the deal was created: the campaign touched it first.
                    "responded_at": None
                    if status == "invited"
                    else now - timedelta(days=rng.randint(14, 120)),
                }
            )
    for lead in _open_leads(ctx, LEADS_PER_BATCH, rng):
        campaign = rng.choice(campaigns)
        if (campaign, lead) in seen or _member(ctx, campaign, "lead", lead):
            continue
        seen.add((campaign, lead))
        rows.append({"campaign": campaign, "lead": lead, "status": rng.choice(statuses)})
    if rows:
        svc.create_many("campaign_member", rows)
        counts["campaign_member"] = counts.get("campaign_member", 0) + len(rows)
    return counts


def _ensure_campaigns(
    ctx: Context, svc: RecordsService, rng: random.Random, counts: dict[str, int]
) -> list[str]:
    """The plan, its lines, the campaigns and their approved expenses (once per tenant); the
    ids of the campaigns members join (the sub-campaigns)."""
    table = ctx.object("campaign").table
    existing = ctx.conn.execute(
        sa.select(table.c.id, table.c.name).where(table.c.deleted_at.is_(None))
    ).all()
    names = {r.name: str(r.id) for r in existing}
    if PARENT in names:
        return [names[c[0]] for c in CAMPAIGNS if c[0] in names]
    year = ctx.today().year
    plan = svc.create(
        "marketing_plan", {"name": f"{year} {PLAN_NAME}", "fiscal_year": year, "status": "active"}
    )
    line_ids = svc.create_many(
        "marketing_budget_line",
        [
            {"name": name, "plan": plan["id"], "category": category, "amount": amount}
            for name, category, amount in LINES
        ],
    )
    lines = dict(zip((name for name, _, _ in LINES), line_ids, strict=True))
    start = ctx.today() - timedelta(days=150)
    parent = svc.create(
        "campaign",
        {
            "name": PARENT,
            "type": "content",
            "status": "in_progress",
            "plan": plan["id"],
            "budget": 100000,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=300)).isoformat(),
            "description": "全年品牌与获客的总活动，下设展会、峰会、研讨会、广告与渠道等子活动。",
        },
    )
    ids = []
    expenses: list[dict[str, Any]] = []
    for i, (name, kind, status, budget, line, spent) in enumerate(CAMPAIGNS):
        begins = start + timedelta(days=20 * i)
        made = svc.create(
            "campaign",
            {
                "name": name,
                "type": kind,
                "status": status,
                "parent": parent["id"],
                "plan": plan["id"],
                "budget": budget,
                "expected_responses": rng.randint(40, 300),
                "start_date": begins.isoformat(),
                "end_date": (begins + timedelta(days=rng.randint(1, 45))).isoformat(),
            },
        )
        ids.append(str(made["id"]))
        for item, amount, category in spent:
            expenses.append(
                {
                    "name": item,
                    "campaign": made["id"],
                    "budget_line": lines[line],
                    "amount": amount,
                    "category": category,
                    "expense_date": (begins + timedelta(days=rng.randint(0, 10))).isoformat(),
                    "vendor": rng.choice(
                        ("上海会展服务有限公司", "北京云图广告有限公司", "杭州数智传媒有限公司")
                    ),
                    "status": "approved",
                }
            )
    svc.create_many("marketing_expense", expenses, trusted_fields=frozenset({"status"}))
    counts.update(
        marketing_plan=1,
        marketing_budget_line=len(line_ids),
        campaign=len(ids) + 1,
        marketing_expense=len(expenses),
    )
    return ids


def _member(ctx: Context, campaign: str, field: str, person: str) -> bool:
    members = ctx.object("campaign_member").table
    found = ctx.conn.execute(
        sa.select(members.c.id)
        .where(
            members.c.campaign == campaign,
            members.c[field] == person,
            members.c.deleted_at.is_(None),
        )
        .limit(1)
    ).first()
    return found is not None


def _open_leads(ctx: Context, n: int, rng: random.Random) -> list[str]:
    leads = ctx.object("lead").table
    found = [
        str(i)
        for i in ctx.conn.execute(
            sa.select(leads.c.id)
            .where(leads.c.deleted_at.is_(None), leads.c.converted_contact.is_(None))
            .order_by(leads.c.created_at.desc(), leads.c.id)
            .limit(n * 4)
        ).scalars()
    ]
    return rng.sample(found, k=min(n, len(found)))
