"""Bring campaign data written before this release's hooks in line with them (after upgrade).

Campaigns, members and expenses a tenant wrote with the first marketing skeleton have no
hierarchy totals, first/last touch marks, attribution rows, or plan and department on their
expenses: the hooks set those on writes that came later. The step recomputes them from the
records, through the same functions the hooks use (and so through the records service), and
is idempotent: on data already in line it writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.packages.marketing import attribution, hierarchy, members
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

NEEDED = ("campaign", "campaign_member", "campaign_influence", "marketing_expense", "opportunity")


def backfill(ctx: Context) -> str | None:
    """Recompute touch marks, attribution, hierarchy totals and expense plans; a line saying
    what was looked at, or None where there is nothing (or no marketing) yet."""
    if any(ctx.schema.get(name) is None for name in NEEDED):
        return None
    system = ctx.as_system()
    member_table = system.object("campaign_member").table
    live = member_table.c.deleted_at.is_(None)
    leads = {
        str(i)
        for i in system.conn.execute(
            sa.select(member_table.c.lead).where(live, member_table.c.lead.is_not(None))
        ).scalars()
    }
    contacts = {
        str(i)
        for i in system.conn.execute(
            sa.select(member_table.c.contact).where(live, member_table.c.contact.is_not(None))
        ).scalars()
    }
    members.refresh_touch_flags(system, leads)
    opportunities = attribution.opportunities_of_people(system, contacts, leads)
    attribution.attribute(system, opportunities)
    campaigns = system.object("campaign").table
    child = campaigns.alias("child")
    leaves = [
        str(i)
        for i in system.conn.execute(
            sa.select(campaigns.c.id).where(
                campaigns.c.deleted_at.is_(None),
                ~sa.exists().where(child.c.parent == campaigns.c.id, child.c.deleted_at.is_(None)),
            )
        ).scalars()
    ]
    hierarchy.refresh(system, leaves)
    expenses = _expenses_without_plan(system)
    if not (leads or contacts or leaves or expenses):
        return None
    return (
        f"marketing: {len(leads)} leads' touches, {len(opportunities)} opportunities "
        f"attributed, {len(leaves)} campaign chains totalled, {expenses} expenses given a plan"
    )


def _expenses_without_plan(ctx: Context) -> int:
    """Expenses on a budget line without the line's plan get the line's plan and the plan's
    department, as the before-save hook sets them."""
    table = ctx.object("marketing_expense").table
    lines = ctx.object("marketing_budget_line").table
    plans = ctx.object("marketing_plan").table
    rows = ctx.conn.execute(
        sa.select(table.c.id, lines.c.plan, plans.c.department)
        .select_from(
            table.join(lines, lines.c.id == table.c.budget_line).join(
                plans, plans.c.id == lines.c.plan
            )
        )
        .where(table.c.deleted_at.is_(None), table.c.plan.is_(None))
    ).all()
    records = RecordsService(ctx)
    for row in sorted(rows, key=lambda r: str(r.id)):
        records.update(
            "marketing_expense",
            str(row.id),
            {"plan": str(row.plan), "department": str(row.department) if row.department else None},
            trusted_fields=frozenset({"plan", "department"}),
        )
    return len(rows)
