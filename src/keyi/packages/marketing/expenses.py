"""Marketing expenses: the plan and department they count against, and the over-budget flag.

An expense names a budget line; its ``plan`` (and the plan's ``department``) follow the line,
so the plan's ``spent`` is a filtered roll-up over its expenses and reports group spending by
plan and department without a join. An expense that would take its line past the line's budget
is allowed but flagged (``over_budget``): the line's committed expenses — in approval, approved
or paid — plus this one, against the line's amount, as of the save.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.hooks import WriteEvent

if TYPE_CHECKING:
    from keyi.platform.context import Context

COMMITTED = ("in_approval", "approved", "paid")
# Fields whose change re-derives the plan, department and flag.
INPUTS = frozenset({"budget_line", "amount", "status"})


def derive(ctx: Context, event: WriteEvent) -> None:
    """Set plan, department and over_budget from the budget line."""
    if event.operation == "update" and not (INPUTS & set(event.values)):
        return
    line_id = event.final("budget_line")
    if not line_id:
        event.values.update(plan=None, department=None, over_budget=False)
        return
    lines = ctx.object("marketing_budget_line").table
    plans = ctx.object("marketing_plan").table
    line = (
        ctx.conn.execute(
            sa.select(lines.c.plan, lines.c.amount, plans.c.department)
            .select_from(lines.join(plans, plans.c.id == lines.c.plan))
            .where(lines.c.id == line_id)
        )
        .mappings()
        .first()
    )
    if line is None:
        return  # the reference check reports a missing line
    event.values.update(plan=line["plan"], department=line["department"])
    event.values["over_budget"] = _committed(ctx, line_id, event) > _money(line["amount"])


def _committed(ctx: Context, line_id: Any, event: WriteEvent) -> Decimal:
    expenses = ctx.object("marketing_expense").table
    others = ctx.conn.execute(
        sa.select(sa.func.sum(expenses.c.amount)).where(
            expenses.c.budget_line == line_id,
            expenses.c.status.in_(COMMITTED),
            expenses.c.id != event.record_id,
            expenses.c.deleted_at.is_(None),
        )
    ).scalar()
    own = _money(event.final("amount")) if event.final("status") != "rejected" else Decimal(0)
    return _money(others) + own


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
