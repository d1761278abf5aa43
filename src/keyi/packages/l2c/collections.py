"""Collections: splitting a contract into payment plans (回款计划).

A plan's received amount is a roll-up of its payments and its status follows from it (the
package's after-write hook on payment_plan); this module only lays out the installments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from keyi.packages.l2c import workflow
from keyi.platform.context import Context
from keyi.platform.errors import FieldErrors
from keyi.platform.records import RecordsService

HUNDRED = Decimal(100)
MAX_INSTALLMENTS = 120


@dataclass(frozen=True)
class Installment:
    due_date: date
    percent: Decimal | None = None
    amount: Decimal | None = None


def split(
    total: Decimal, mode: Literal["percent", "amount"], installments: list[Installment]
) -> list[Decimal]:
    """The installment amounts, which must add up to ``total`` exactly (422 on
    ``installments`` otherwise). By percent each amount is rounded half up to the cent and the
    last one takes what rounding left over, so the plans always add up to the contract."""
    errors = FieldErrors()
    if not installments:
        errors.add("installments", "required")
    elif len(installments) > MAX_INSTALLMENTS:
        errors.add("installments", "too_many", max=MAX_INSTALLMENTS)
    key = "percent" if mode == "percent" else "amount"
    for i, item in enumerate(installments):
        value = item.percent if mode == "percent" else item.amount
        if value is None:
            errors.add(f"installments.{i}.{key}", "required")
        elif value <= 0:
            errors.add(f"installments.{i}.{key}", "must_be_positive")
    errors.raise_if_any()
    if mode == "percent":
        percents = [item.percent or Decimal(0) for item in installments]
        if sum(percents) != HUNDRED:
            errors.add("installments", "installments_sum", total=f"{sum(percents)}%", amount="100%")
            errors.raise_if_any()
        amounts = [workflow.cents(total * p / HUNDRED) for p in percents[:-1]]
        last = total - sum(amounts, Decimal(0))
        if last <= 0:
            errors.add(f"installments.{len(percents) - 1}.percent", "must_be_positive")
            errors.raise_if_any()
        return [*amounts, last]
    amounts = [item.amount or Decimal(0) for item in installments]
    if sum(amounts, Decimal(0)) != total:
        errors.add("installments", "installments_sum", total=str(sum(amounts)), amount=str(total))
        errors.raise_if_any()
    return amounts


def create_installments(
    ctx: Context,
    contract_id: str,
    mode: Literal["percent", "amount"],
    installments: list[Installment],
) -> list[str]:
    """Replace the contract's payment plans by these installments (only while none of its
    plans has a payment); the new plans' ids in installment order."""
    contract = workflow.get(ctx, "contract", contract_id)
    workflow.require_status(ctx, "contract", contract, ("draft", "in_approval", "active"))
    total = workflow.money(contract["amount"])
    amounts = split(total, mode, installments)
    plans = ctx.object("payment_plan").table
    existing = [
        str(i)
        for i in ctx.conn.execute(
            sa.select(plans.c.id).where(
                plans.c.contract == contract_id, plans.c.deleted_at.is_(None)
            )
        ).scalars()
    ]
    if existing and _paid(ctx, existing):
        errors = FieldErrors()
        errors.add("installments", "installments_paid")
        errors.raise_if_any()
    records = RecordsService(ctx)
    for plan_id in existing:
        records.delete("payment_plan", plan_id)
    currency = contract.get("amount_currency") or contract.get("currency")
    rows: list[dict[str, Any]] = []
    for index, (item, amount) in enumerate(zip(installments, amounts, strict=True)):
        row: dict[str, Any] = {
            "contract": contract_id,
            "installment": index + 1,
            "due_date": item.due_date.isoformat(),
            "amount": str(amount),
        }
        if currency:
            row["amount_currency"] = currency
        rows.append(row)
    return records.create_many("payment_plan", rows)


def _paid(ctx: Context, plan_ids: list[str]) -> bool:
    payments = ctx.object("payment").table
    found = ctx.conn.execute(
        sa.select(payments.c.id)
        .where(payments.c.payment_plan.in_(plan_ids), payments.c.deleted_at.is_(None))
        .limit(1)
    ).first()
    return found is not None
