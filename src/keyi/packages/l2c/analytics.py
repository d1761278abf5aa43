"""The lead-to-cash package's exchange rates, as reports convert money with them.

An ``exchange_rate`` record says how many units of the tenant's currency one unit of its
currency is worth from its ``valid_from`` day on; on a given day the latest rate valid then
holds. Receivables convert with them, and so do reports and the aggregate API, through the
platform's rate registry (keyi.platform.analytics.money).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.platform.analytics.money import registry

if TYPE_CHECKING:
    from keyi.platform.context import Context


def rates_on(ctx: Context, day: date) -> dict[str, Decimal]:
    """Units of the tenant's currency per unit of each currency: the latest rate valid on
    ``day`` (of two valid from the same day, the later entered)."""
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


registry.register("l2c", rates_on)
