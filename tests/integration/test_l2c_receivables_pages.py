"""Receivables paged in SQL agree, page by page and in their totals, with a reference computed
in Python over every plan (group → currency → bucket sums, converted and rounded half up per
group): many accounts, three currencies with rates that make half-cent ties, plans partly and
fully paid, plans without an owner (the blank group), by account and by owner (both
databases)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from keyi.packages.l2c.hooks import plans_in_their_documents_currency
from keyi.packages.l2c.receivables import BUCKETS, receivables
from keyi.platform.context import Context, TenantInfo
from keyi.platform.hooks import UpgradeEvent
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform

pytestmark = pytest.mark.packages("core", "sales", "l2c")

AS_OF = date(2027, 6, 30)
# EUR at 7.5: every odd number of cents converts to a half cent (rounded up); USD at 7.12345
# makes ties too. Both are rates valid on AS_OF; the later USD one is not yet.
RATES = (("USD", "7.123450", "2027-01-01"), ("EUR", "7.500000", "2026-01-01"))
RATES_FUTURE = (("USD", "9.000000", "2027-07-01"),)


def _seed(ctx: Context, rng: random.Random) -> None:
    svc = RecordsService(ctx)
    users = ctx.object("user").table
    admin = str(ctx.conn.execute(sa.select(users.c.id).limit(1)).scalar_one())
    accounts = svc.create_many("account", [{"name": f"应收客户{i:02d}"} for i in range(9)])
    contracts = svc.create_many(
        "contract",
        [
            {
                "name": f"合同{i}",
                "account": accounts[i % len(accounts)],
                "currency": currency,
                "amount": "1000000",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            }
            for i, currency in enumerate(
                rng.choice(("CNY", "CNY", "USD", "EUR")) for _ in range(14)
            )
        ],
    )
    plans = [
        {
            "contract": contract_id,
            "installment": n + 1,
            "due_date": (AS_OF + timedelta(days=rng.randrange(-150, 40))).isoformat(),
            "amount": f"{rng.randrange(1, 500000) / 100:.2f}",
            # A plan without an owner goes to the blank group when grouped by owner.
            **({"owner_id": admin} if rng.random() < 0.8 else {}),
        }
        for contract_id in contracts
        for n in range(rng.randrange(1, 5))
    ]
    plan_ids = svc.create_many("payment_plan", plans)
    payments = []
    for plan_id, plan in zip(plan_ids, plans, strict=True):
        luck = rng.random()
        if luck < 0.5:
            amount = Decimal(plan["amount"]) if luck < 0.2 else Decimal(plan["amount"]) / 3
            payments.append(
                {
                    "contract": plan["contract"],
                    "payment_plan": plan_id,
                    "amount": str(amount.quantize(Decimal("0.01"))),
                    "received_on": "2027-06-01",
                }
            )
    svc.create_many("payment", payments)
    for currency, rate, valid_from in RATES + RATES_FUTURE:
        svc.create("exchange_rate", {"currency": currency, "rate": rate, "valid_from": valid_from})


def _reference(ctx: Context, group_by: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every group of unpaid plans with their amounts, in key order, and the totals."""
    plans = ctx.object("payment_plan").table
    contracts = ctx.object("contract").table
    rows = ctx.conn.execute(
        sa.select(
            plans.c.account,
            plans.c.owner_id,
            plans.c.amount,
            plans.c.received,
            plans.c.status,
            plans.c.due_date,
            contracts.c.currency,
        )
        .select_from(plans.outerjoin(contracts, contracts.c.id == plans.c.contract))
        .where(plans.c.deleted_at.is_(None))
    ).mappings()
    rates = {code: Decimal(rate) for code, rate, _ in RATES} | {"CNY": Decimal(1)}
    sums: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        open_amount = _money(row["amount"]) - _money(row["received"])
        if row["status"] == "paid" or open_amount <= 0:
            continue
        late = (AS_OF - row["due_date"]).days
        bucket = (
            "current"
            if late <= 0
            else "d0_30"
            if late <= 30
            else "d31_60"
            if late <= 60
            else "d61_90"
            if late <= 90
            else "d90_plus"
        )
        key = row["account"] if group_by == "account" else row["owner_id"]
        sums[str(key) if key else ""][(row["currency"] or "CNY", bucket)] += open_amount
    groups = []
    totals = dict.fromkeys(BUCKETS, Decimal(0))
    for key in sorted(sums):
        buckets = dict.fromkeys(BUCKETS, Decimal(0))
        for (currency, bucket), amount in sums[key].items():
            buckets[bucket] += _cents(amount * rates[currency])
        for bucket, amount in buckets.items():
            totals[bucket] += amount
        groups.append({"id": key or None, **_shown(buckets)})
    return groups, _shown(totals)


def _money(value: Any) -> Decimal:
    return _cents(Decimal(str(value))) if value is not None else Decimal(0)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _shown(buckets: dict[str, Decimal]) -> dict[str, Any]:
    total = sum(buckets.values(), Decimal(0))
    return {
        "outstanding": str(_cents(total)),
        "overdue": str(_cents(total - buckets["current"])),
        "buckets": {name: str(_cents(value)) for name, value in buckets.items()},
    }


@pytest.mark.parametrize("group_by", ["account", "owner"])
def test_pages_and_totals_match_the_reference(
    platform: Platform, tenant: TenantInfo, group_by: Any
) -> None:
    with platform.context(tenant, Actor.system("test")) as ctx:
        _seed(ctx, random.Random(13))
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        groups, totals = _reference(ctx, group_by)
        assert len(groups) > 1 and any(g["buckets"][b] != "0.00" for g in groups for b in BUCKETS)
        if group_by == "owner":
            assert groups[0]["id"] is None  # the blank group comes first
        whole = receivables(ctx, group_by=group_by, as_of=AS_OF, limit=500)
        assert whole["totals"] == totals
        assert [{k: r[k] for k in ("id", *totals)} for r in whole["rows"]] == groups
        assert whole["next_cursor"] is None
        for limit in (2, 3):
            seen: list[dict[str, Any]] = []
            cursor = None
            while True:
                page = receivables(ctx, group_by=group_by, as_of=AS_OF, limit=limit, cursor=cursor)
                assert page["totals"] == totals and len(page["rows"]) <= limit
                seen.extend(page["rows"])
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == whole["rows"]


def test_plans_keep_their_documents_currency(platform: Platform, tenant: TenantInfo) -> None:
    """The receivables read a plan's own currency: when the contract's changes, its plans
    follow (and the upgrade step repairs plans from before that rule)."""
    with platform.context(tenant, Actor.system("test")) as ctx:
        svc = RecordsService(ctx)
        account = svc.create("account", {"name": "换币客户"})["id"]
        contract = svc.create(
            "contract",
            {
                "name": "美元合同",
                "account": account,
                "currency": "USD",
                "amount": "100",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            },
        )["id"]
        [plan] = svc.create_many(
            "payment_plan",
            [{"contract": contract, "installment": 1, "due_date": "2027-06-20", "amount": "100"}],
        )
        for currency, rate, valid_from in RATES:
            svc.create(
                "exchange_rate", {"currency": currency, "rate": rate, "valid_from": valid_from}
            )
        assert svc.get("payment_plan", plan)["amount_currency"] == "USD"
        svc.update("contract", contract, {"currency": "EUR"})
        assert svc.get("payment_plan", plan)["amount_currency"] == "EUR"
        found = receivables(ctx, as_of=AS_OF)
        assert found["totals"]["buckets"]["d0_30"] == "750.00"  # 100 EUR × 7.5

        plans = ctx.object("payment_plan").table
        ctx.conn.execute(sa.update(plans).values(amount_currency="USD"))  # as before the hook
        event = UpgradeEvent("l2c", None, "new")
        assert plans_in_their_documents_currency(ctx, event) is not None
        assert svc.get("payment_plan", plan)["amount_currency"] == "EUR"
        assert plans_in_their_documents_currency(ctx, event) is None
