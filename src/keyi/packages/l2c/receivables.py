"""Receivables (应收账款) with aging, from payment plans, for what the caller may read.

Outstanding per plan = amount − received, over plans not paid. Aged by days past the due date
as of a day: ``current`` (not yet due, due that day included), ``d0_30`` (1–30 days late),
``d31_60``, ``d61_90``, ``d90_plus``; overdue = all but current. Summed in SQL per group, plan
currency and bucket over the query plan of payment_plan (the caller's row access applies), then
converted to CNY with the latest exchange rate valid on the day and rounded half up to the cent
per group and currency; the totals are the sums of those rounded group amounts.

Paged in SQL, so only the totals grow with the tenant (1M accounts have ~400,000 unpaid
plans): they are one aggregate by currency and bucket (a handful of rows); the page's keys are
``GROUP BY key ORDER BY key LIMIT n + 1`` after the cursor, which PostgreSQL answers by walking
the key's index in order and stopping early; then the buckets of just those keys. Everything
is read from the plan's own columns, no join: its ``account`` (the package's hook fills it from
the contract or order on every write; both require an account, and a plan requires one of
them) or ``owner_id``, and its ``amount_currency`` (the hooks keep it the contract's or order's
currency, also when that changes). Joining every plan to its contract for the currency doubled
the totals' time at 1M accounts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from keyi.packages.l2c.analytics import rates_on
from keyi.packages.l2c.workflow import cents
from keyi.platform.context import Context
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.fieldtypes import currency_column
from keyi.platform.ids import is_id
from keyi.platform.query.plan import QueryPlan

BASE = "CNY"
BUCKETS = ("current", "d0_30", "d31_60", "d61_90", "d90_plus")
ZERO = Decimal(0)
MAX_LIMIT = 500
BLANK = ""  # the group of plans without an account (or owner): first, as it sorts first
MICRO = 1_000_000  # exchange rates have six decimals


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
    plans = _OpenPlans.of(ctx, group_by, day)
    rates = rates_on(ctx, day)
    totals, has_blank = _totals(ctx, plans, rates)
    page = [BLANK] if has_blank and cursor is None else []
    page += _page_keys(ctx, plans, cursor, limit + 1 - len(page))
    groups = _groups(ctx, plans, rates, page[:limit])
    names = _names(ctx, group_by, [k for k in page[:limit] if k])
    rows = [_row(key, names.get(key), groups[key]) for key in page[:limit]]
    return {
        "as_of": day.isoformat(),
        "currency": BASE,
        "totals": _amounts(totals),
        "rows": rows,
        "next_cursor": page[limit - 1] if len(page) > limit else None,
    }


@dataclass(frozen=True)
class _OpenPlans:
    """The unpaid plans the reader may see, with the expressions the three queries share."""

    plan: QueryPlan
    key: Any  # the group: the plan's account or owner
    currency: Any  # the plan's currency (its contract's or order's)
    bucket: Any
    outstanding: Any

    @classmethod
    def of(cls, ctx: Context, group_by: str, day: date) -> _OpenPlans:
        plan = QueryPlan.build(ctx, "payment_plan")
        t = plan.table
        return cls(
            plan=plan,
            key=t.c.account if group_by == "account" else t.c.owner_id,
            currency=sa.func.coalesce(t.c[currency_column("amount")], BASE),
            bucket=sa.case(
                (t.c.due_date >= day, "current"),
                (t.c.due_date >= day - timedelta(days=30), "d0_30"),
                (t.c.due_date >= day - timedelta(days=60), "d31_60"),
                (t.c.due_date >= day - timedelta(days=90), "d61_90"),
                else_="d90_plus",
            ),
            outstanding=t.c.amount - sa.func.coalesce(t.c.received, 0),
        )

    @property
    def table(self) -> Any:
        return self.plan.table

    def where(self) -> list[Any]:
        t = self.plan.table
        return [
            *self.plan.where(),
            sa.or_(t.c.status.is_(None), t.c.status != "paid"),
            self.outstanding > 0,
        ]

    def total(self) -> Any:
        """A group's outstanding amount (SQLite adds decimals as doubles: rounded to the cent)."""
        return sa.func.round(sa.func.sum(self.outstanding), 2)


def _totals(
    ctx: Context, plans: _OpenPlans, rates: dict[str, Decimal]
) -> tuple[dict[str, Decimal], bool]:
    """The whole tenant's buckets in CNY, and whether some plans have no key.

    In the base currency the sum of the groups' amounts is the sum over all plans (amounts have
    cents), so one aggregate by currency and bucket gives it. Another currency's total is the
    sum of each group's converted and rounded amount, as the rows show them: a second
    aggregate, over that currency's plans only, does the rounding per group in SQL."""
    blank = sa.func.max(sa.case((plans.key.is_(None), 1), else_=0))
    stmt = (
        sa.select(plans.currency, plans.bucket, plans.total(), blank)
        .select_from(plans.table)
        .where(*plans.where())
        .group_by(plans.currency, plans.bucket)
    )
    totals = dict.fromkeys(BUCKETS, ZERO)
    has_blank = False
    foreign: dict[str, Decimal] = {}
    for code, name, amount, no_key in ctx.conn.execute(stmt):
        has_blank = has_blank or bool(no_key)
        if code == BASE:
            totals[name] += cents(Decimal(str(amount)) if amount is not None else ZERO)
        else:
            foreign[code] = _rate(rates, code)
    if foreign:
        for name, amount in _converted_totals(ctx, plans, foreign):
            totals[name] += amount
    return totals, has_blank


def _converted_totals(
    ctx: Context, plans: _OpenPlans, rates: dict[str, Decimal]
) -> list[tuple[str, Decimal]]:
    """Per bucket, Σ over groups of round_half_up(group amount × rate) for the currencies of
    ``rates``, exactly: in NUMERIC on PostgreSQL; on SQLite (doubles) in integers, as cents ×
    micro-units of the rate, rounded half up by integer division."""
    per_group = (
        sa.select(
            plans.currency.label("currency"),
            plans.bucket.label("bucket"),
            plans.total().label("amount"),
        )
        .select_from(plans.table)
        .where(*plans.where(), plans.currency.in_(sorted(rates)))
        .group_by(plans.key, plans.currency, plans.bucket)
        .subquery()
    )
    if ctx.conn.dialect.name == "postgresql":
        rate = sa.case(
            {code: sa.literal(value, sa.Numeric(18, 6)) for code, value in rates.items()},
            value=per_group.c.currency,
        )
        converted_cents: Any = sa.func.round(per_group.c.amount * rate * 100)
    else:
        micro = sa.case(
            {code: int(value * MICRO) for code, value in rates.items()},
            value=per_group.c.currency,
        )
        amount_cents = sa.cast(sa.func.round(per_group.c.amount * 100), sa.Integer)
        converted_cents = (amount_cents * micro + MICRO // 2) // MICRO
    stmt = sa.select(per_group.c.bucket, sa.func.sum(converted_cents)).group_by(per_group.c.bucket)
    return [
        (name, Decimal(int(total)) / 100 if total is not None else ZERO)
        for name, total in ctx.conn.execute(stmt)
    ]


def _page_keys(ctx: Context, plans: _OpenPlans, cursor: str | None, wanted: int) -> list[str]:
    """The next ``wanted`` keys after the cursor, in order (the index's order)."""
    if wanted <= 0:
        return []
    after = [plans.key > cursor] if cursor is not None else []
    stmt = (
        sa.select(plans.key)
        .select_from(plans.table)
        .where(*plans.where(), plans.key.is_not(None), *after)
        .group_by(plans.key)
        .order_by(plans.key)
        .limit(wanted)
    )
    return [str(key) for key in ctx.conn.execute(stmt).scalars()]


def _groups(
    ctx: Context, plans: _OpenPlans, rates: dict[str, Decimal], keys: list[str]
) -> dict[str, dict[str, Decimal]]:
    """The buckets of the page's groups, in CNY, rounded per group and currency."""
    groups: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, ZERO))
    ids = [k for k in keys if k]
    which = [plans.key.in_(ids)] if ids else []
    if BLANK in keys:
        which.append(plans.key.is_(None))
    if not which:
        return groups
    stmt = (
        sa.select(plans.key, plans.currency, plans.bucket, plans.total())
        .select_from(plans.table)
        .where(*plans.where(), sa.or_(*which))
        .group_by(plans.key, plans.currency, plans.bucket)
    )
    for key, code, name, amount in ctx.conn.execute(stmt):
        value = Decimal(str(amount)) if amount is not None else ZERO
        rate = Decimal(1) if code == BASE else _rate(rates, code)
        groups[str(key) if key else BLANK][name] += cents(value * rate)
    return groups


def _rate(rates: dict[str, Decimal], code: str) -> Decimal:
    rate = rates.get(code)
    if rate is None:
        raise ValidationFailed([FieldError("as_of", "exchange_rate_missing", {"currency": code})])
    return rate


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


def _names(ctx: Context, group_by: str, ids: list[str]) -> dict[str, str]:
    """The groups' titles: account names, or user names."""
    if not ids:
        return {}
    obj = ctx.object("account" if group_by == "account" else "user")
    t = obj.table
    return {
        str(k): v for k, v in ctx.conn.execute(sa.select(t.c.id, t.c.name).where(t.c.id.in_(ids)))
    }
