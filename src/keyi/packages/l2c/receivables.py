"""Receivables (应收账款) with aging, from payment plans, for what the caller may read.

Outstanding per plan = amount − received, over plans not paid. Aged by days past the due date
as of a day: ``current`` (not yet due, due that day included), ``d0_30`` (1–30 days late),
``d31_60``, ``d61_90``, ``d90_plus``; overdue = all but current. Summed in SQL per group, plan
currency and bucket over the query plan of payment_plan (the caller's row access applies), then
converted to CNY with the latest exchange rate valid on the day and rounded half up to the cent
per group and currency.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from keyi.packages.l2c.workflow import cents
from keyi.platform.context import Context
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.ids import is_id
from keyi.platform.query.plan import QueryPlan

BASE = "CNY"
BUCKETS = ("current", "d0_30", "d31_60", "d61_90", "d90_plus")
ZERO = Decimal(0)
MAX_LIMIT = 500


def receivables(
    ctx: Context,
    *,
    group_by: Literal["account", "owner"] = "account",
    as_of: date | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    day = as_of or ctx.today()
    if cursor is not None and not is_id(cursor):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")])
    plan = QueryPlan.build(ctx, "payment_plan")
    t = plan.table
    contracts = ctx.object("contract").table.alias("rc")
    orders = ctx.object("order").table.alias("ro")
    # A plan's account is filled from its contract or order; read through them as well.
    key_column = (
        sa.func.coalesce(t.c.account, contracts.c.account, orders.c.account)
        if group_by == "account"
        else t.c.owner_id
    )
    currency = sa.func.coalesce(contracts.c.currency, orders.c.currency, BASE)
    outstanding = t.c.amount - sa.func.coalesce(t.c.received, 0)
    bucket = sa.case(
        (t.c.due_date >= day, "current"),
        (t.c.due_date >= day - timedelta(days=30), "d0_30"),
        (t.c.due_date >= day - timedelta(days=60), "d31_60"),
        (t.c.due_date >= day - timedelta(days=90), "d61_90"),
        else_="d90_plus",
    )
    total = sa.func.round(sa.func.sum(outstanding), 2)
    source = t.outerjoin(contracts, contracts.c.id == t.c.contract).outerjoin(
        orders, orders.c.id == t.c["order"]
    )
    stmt = (
        sa.select(
            key_column.label("key"), currency.label("currency"), bucket.label("bucket"), total
        )
        .select_from(source)
        .where(
            *plan.where(),
            sa.or_(t.c.status.is_(None), t.c.status != "paid"),
            outstanding > 0,
        )
        .group_by(key_column, currency, bucket)
    )
    rates = _rates(ctx, day)
    groups: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, ZERO))
    for key, code, name, amount in ctx.conn.execute(stmt):
        value = Decimal(str(amount)) if amount is not None else ZERO
        rate = Decimal(1) if code == BASE else rates.get(code)
        if rate is None:
            raise ValidationFailed(
                [FieldError("as_of", "exchange_rate_missing", {"currency": code})]
            )
        groups[str(key) if key else ""][name] += cents(value * rate)
    keys = sorted(groups)
    totals = dict.fromkeys(BUCKETS, ZERO)
    for buckets in groups.values():
        for name, value in buckets.items():
            totals[name] += value
    page = [k for k in keys if cursor is None or k > cursor][: limit + 1]
    names = _names(ctx, group_by, [k for k in page if k])
    rows = [_row(key, names.get(key), groups[key]) for key in page[:limit]]
    return {
        "as_of": day.isoformat(),
        "currency": BASE,
        "totals": _amounts(totals),
        "rows": rows,
        "next_cursor": page[limit - 1] if len(page) > limit else None,
    }


def _row(key: str, name: str | None, buckets: dict[str, Decimal]) -> dict[str, Any]:
    return {"id": key or None, "name": name, **_amounts(buckets)}


def _amounts(buckets: dict[str, Decimal]) -> dict[str, Any]:
    outstanding = sum(buckets.values(), ZERO)
    overdue = outstanding - buckets["current"]
    return {
        "outstanding": str(cents(outstanding)),
        "overdue": str(cents(overdue)),
        "buckets": {name: str(cents(value)) for name, value in buckets.items()},
    }


def _rates(ctx: Context, day: date) -> dict[str, Decimal]:
    """Units of CNY per unit of each currency: the latest rate valid on ``day``."""
    obj = ctx.schema.get("exchange_rate")
    if obj is None:
        return {}
    t = obj.table
    rows = ctx.conn.execute(
        sa.select(t.c.currency, t.c.rate)
        .where(t.c.deleted_at.is_(None), t.c.valid_from <= day)
        .order_by(t.c.valid_from, t.c.created_at)
    )
    found: dict[str, Decimal] = {}
    for code, rate in rows:
        if code and rate is not None:
            found[code] = Decimal(str(rate))  # later rows win: the latest valid rate
    return found


def _names(ctx: Context, group_by: str, ids: list[str]) -> dict[str, str]:
    """The groups' titles: account names, or user names."""
    if not ids:
        return {}
    obj = ctx.object("account" if group_by == "account" else "user")
    t = obj.table
    return {
        str(k): v for k, v in ctx.conn.execute(sa.select(t.c.id, t.c.name).where(t.c.id.in_(ids)))
    }
