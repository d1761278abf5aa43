"""Campaign hierarchies: no cycles in the parent chain, and totals including sub-campaigns.

``hierarchy_budget``, ``hierarchy_actual_cost`` and ``hierarchy_won_amount`` are a campaign's
own value plus its children's hierarchy totals. A roll-up cannot say this (it would summarise
a summary of itself), so the package keeps them: whenever a campaign's budget or parent
changes, or its actual cost or won amount moves (an expense or an attribution row was
written), the campaign and every ancestor are recomputed bottom-up, each from its children's
stored totals — a walk of the chain's length, not of the tree's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.hooks import WriteEvent
from keyi.platform.i18n import MESSAGES
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

# hierarchy field → the campaign's own field it totals.
TOTALS = {
    "hierarchy_budget": "budget",
    "hierarchy_actual_cost": "actual_cost",
    "hierarchy_won_amount": "won_amount",
}
# Campaign fields whose change moves the totals up the chain.
INPUTS = frozenset({"budget", "parent"})
MAX_DEPTH = 50  # a guard: chains are refused when cyclic, so this is never reached

MESSAGES.update(
    {
        "campaign_cycle": {
            "en": "A campaign cannot be below itself: {name} is already under this campaign.",
            "zh-CN": "活动不能成为自己的下级：{name} 已在本活动之下。",
        },
    }
)


def check_parent(ctx: Context, event: WriteEvent) -> None:
    """Refuse a parent that is the campaign itself or one of its descendants."""
    parent = event.values.get("parent")
    if not parent or (event.old and event.old.get("parent") == parent):
        return
    table = ctx.object("campaign").table
    node: Any = parent
    for _ in range(MAX_DEPTH):
        if node is None:
            return
        if str(node) == str(event.record_id):
            name = ctx.conn.execute(sa.select(table.c.name).where(table.c.id == parent)).scalar()
            event.errors.add("parent", "campaign_cycle", name=name or "")
            return
        node = ctx.conn.execute(sa.select(table.c.parent).where(table.c.id == node)).scalar()
    event.errors.add("parent", "campaign_cycle", name="")


def own_totals(ctx: Context, event: WriteEvent) -> None:
    """A campaign's own totals as it is saved (its budget or parent moved), so a new campaign
    is written once, with them, rather than written and then updated (its version 2)."""
    if event.operation == "update" and not (INPUTS & set(event.values)):
        return
    table = ctx.object("campaign").table
    children = _children_totals(ctx, table, event.record_id)
    for total, own in TOTALS.items():
        event.values[total] = _money(event.final(own)) + _money(children[total])


def refresh(ctx: Context, campaign_ids: Iterable[Any]) -> None:
    """Recompute the totals of these campaigns and of every campaign above them."""
    table = ctx.object("campaign").table
    records = RecordsService(ctx.as_system())
    # Each start walks its whole chain, even where another start walked before: a start
    # below an already refreshed one changes it again (a refresh that changes nothing writes
    # nothing).
    for start in sorted({str(c) for c in campaign_ids if c}):
        node: str | None = start
        for _ in range(MAX_DEPTH):
            if node is None:
                break
            row = (
                ctx.conn.execute(
                    sa.select(table).where(table.c.id == node, table.c.deleted_at.is_(None))
                )
                .mappings()
                .first()
            )
            if row is None:
                break
            _refresh_one(ctx, records, table, dict(row))
            node = str(row["parent"]) if row["parent"] else None


def _refresh_one(
    ctx: Context, records: RecordsService, table: sa.Table, row: dict[str, Any]
) -> None:
    children = _children_totals(ctx, table, row["id"])
    changed = {}
    for total, own in TOTALS.items():
        value = _money(row.get(own)) + _money(children[total])
        if row.get(total) is None or _money(row.get(total)) != value:
            changed[total] = value
    if changed:
        records.update("campaign", str(row["id"]), changed, trusted_fields=frozenset(TOTALS))


def _children_totals(ctx: Context, table: sa.Table, campaign_id: Any) -> Any:
    return (
        ctx.conn.execute(
            sa.select(
                *(sa.func.coalesce(sa.func.sum(table.c[f]), 0).label(f) for f in TOTALS)
            ).where(table.c.parent == campaign_id, table.c.deleted_at.is_(None))
        )
        .mappings()
        .one()
    )


def _money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: round to the currency's cents.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
