"""Line and plan arithmetic of the lead-to-cash package, in exact decimals.

One place computes a line's amounts, so the hooks, the actions copying lines, the PDF and the
demo data cannot disagree by a cent. Each line is rounded half-up to the cent on its own and
totals are sums of rounded lines (the way a Chinese VAT invoice adds up), never a rounding of
an unrounded sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Wide enough for 18-digit quantities times 18-digit prices without any intermediate rounding
# (the default context keeps 28 significant digits).
PRECISION = 80


def to_decimal(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    """A stored or sent number as a Decimal (None → ``default``); floats go through str so a
    value read back from SQLite is the number it printed, not its binary neighbour."""
    if value is None:
        return default
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def round_money(value: Decimal) -> Decimal:
    """Half-up to the cent: 0.005 → 0.01 (Python's default would round half to even)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    """A line's stored amounts: net of discount, the discount given, the tax on the net."""

    line_total: Decimal
    discount_amount: Decimal
    tax_amount: Decimal


def line_amounts(
    quantity: Any, unit_price: Any, discount_percent: Any = None, tax_rate: Any = None
) -> LineAmounts:
    """line_total = round(quantity × unit_price × (1 − discount/100)),
    discount_amount = round(quantity × unit_price) − line_total,
    tax_amount = round(line_total × tax_rate/100), each half-up to 0.01."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        gross = to_decimal(quantity) * to_decimal(unit_price)
        factor = 1 - to_decimal(discount_percent) / HUNDRED
        line_total = round_money(gross * factor)
        discount_amount = round_money(gross) - line_total
        tax_amount = round_money(line_total * to_decimal(tax_rate) / HUNDRED)
    return LineAmounts(line_total, discount_amount, tax_amount)


def split_by_percent(total: Any, percents: list[Any]) -> list[Decimal]:
    """Installment amounts for ``percents`` of ``total``, each rounded half-up to the cent and
    the last one taking the remainder, so the parts always sum to the total exactly."""
    amount = to_decimal(total)
    parts = [round_money(amount * to_decimal(p) / HUNDRED) for p in percents[:-1]]
    if percents:
        parts.append(amount - sum(parts, Decimal(0)))
    return parts


def plan_status(amount: Any, received: Any, due_date: Any, today: Any) -> str:
    """A payment plan's status: paid once received covers the amount; overdue when its due
    date has passed unpaid; partly paid when something came in; else pending."""
    planned, got = to_decimal(amount), to_decimal(received)
    if got >= planned and planned > 0:
        return "paid"
    if due_date is not None and due_date < today:
        return "overdue"
    if got > 0:
        return "partly_paid"
    return "pending"
