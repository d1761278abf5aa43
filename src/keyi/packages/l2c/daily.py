"""The package's daily sweep (a periodic job: keyi.platform.periodic), as of the tenant's today.

- payment plans past their due date and not paid → overdue, and their owner is told once;
- active contracts ending within 90, 60 and 30 days → their owner is told once per threshold;
- active contracts past their end date → expired;
- draft or sent quotes past valid_until (and not superseded) → expired.

It reads what is due with plain selects and writes through the records service as the job's
system actor; it runs at every scheduler round and does nothing twice (statuses change once,
notifications carry a dedupe key), so a missed day is simply caught up.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from keyi.packages.l2c import workflow
from keyi.platform import periodic
from keyi.platform.context import Context
from keyi.platform.notifications import RecordLink

jobs = periodic.registry.package("l2c")

EXPIRY_NOTICE_DAYS = (30, 60, 90)
UNPAID = ("pending", "partly_paid", "overdue")
OVERDUE_TEXT = {
    "zh-CN": "回款计划已逾期：{name}（应收 {amount}，到期日 {due}）",
    "en": "Payment overdue: {name} ({amount} due on {due})",
}
ENDING_TEXT = {
    "zh-CN": "合同将在 {days} 天内到期：{name}（{end}）",
    "en": "Contract ends within {days} days: {name} ({end})",
}


@jobs.job("l2c_daily")
def run_daily(ctx: Context) -> int:
    """Everything due today; how many records were changed or notified about."""
    today = ctx.today()
    return (
        overdue_plans(ctx, today)
        + contract_notices(ctx, today)
        + expire_contracts(ctx, today)
        + expire_quotes(ctx, today)
    )


def overdue_plans(ctx: Context, today: date) -> int:
    t = ctx.object("payment_plan").table
    rows = _rows(
        ctx,
        sa.select(t.c.id, t.c.name, t.c.status, t.c.amount, t.c.due_date, t.c.owner_id).where(
            t.c.deleted_at.is_(None),
            t.c.due_date < today,
            t.c.status.in_(UNPAID),
        ),
    )
    touched = 0
    for row in rows:
        plan_id = str(row["id"])
        if row["status"] != "overdue":
            workflow.set_fields(ctx, "payment_plan", plan_id, {"status": "overdue"})
            touched += 1
        touched += workflow.tell(
            ctx,
            [workflow.owner_of(row)],
            OVERDUE_TEXT,
            link=RecordLink("payment_plan", plan_id),
            dedupe=f"l2c-overdue:{plan_id}",
            name=row["name"] or plan_id,
            amount=row["amount"],
            due=row["due_date"],
        )
    return touched


def contract_notices(ctx: Context, today: date) -> int:
    """One notice per contract and threshold: the smallest threshold the days left fall in
    (a contract signed 25 days before its end gets the 30-day notice, not all three)."""
    t = ctx.object("contract").table
    rows = _rows(
        ctx,
        sa.select(t.c.id, t.c.name, t.c.end_date, t.c.owner_id).where(
            t.c.deleted_at.is_(None),
            t.c.status == "active",
            t.c.end_date >= today,
            t.c.end_date <= today + timedelta(days=max(EXPIRY_NOTICE_DAYS)),
        ),
    )
    touched = 0
    for row in rows:
        left = (row["end_date"] - today).days
        days = min(d for d in EXPIRY_NOTICE_DAYS if left <= d)
        contract_id = str(row["id"])
        touched += workflow.tell(
            ctx,
            [workflow.owner_of(row)],
            ENDING_TEXT,
            link=RecordLink("contract", contract_id),
            dedupe=f"l2c-contract-ends:{contract_id}:{days}",
            days=days,
            name=row["name"],
            end=row["end_date"].isoformat(),
        )
    return touched


def expire_contracts(ctx: Context, today: date) -> int:
    t = ctx.object("contract").table
    ids = ctx.conn.execute(
        sa.select(t.c.id).where(
            t.c.deleted_at.is_(None), t.c.status == "active", t.c.end_date < today
        )
    ).scalars()
    count = 0
    for contract_id in list(ids):
        workflow.set_fields(ctx, "contract", str(contract_id), {"status": "expired"})
        count += 1
    return count


def expire_quotes(ctx: Context, today: date) -> int:
    t = ctx.object("quote").table
    ids = ctx.conn.execute(
        sa.select(t.c.id).where(
            t.c.deleted_at.is_(None),
            t.c.status.in_(("draft", "sent")),
            t.c.valid_until < today,
            sa.or_(t.c.superseded.is_(None), t.c.superseded.is_(False)),
        )
    ).scalars()
    count = 0
    for quote_id in list(ids):
        workflow.set_fields(ctx, "quote", str(quote_id), {"status": "expired"})
        count += 1
    return count


def _rows(ctx: Context, stmt: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in ctx.conn.execute(stmt).mappings()]
