"""The pipeline funnel: how many records reached each open stage, and how many went on.

A record *reached* a stage when it got at least that far:

- an open record: every stage up to and including its current one (a deal created at
  "proposal" counts as having passed the earlier steps, as in every CRM's funnel);
- a won record: every stage;
- a lost record: every stage up to the furthest one its field history shows it in (the old and
  new stages of each stage change), and only the first stage when its history shows none (a
  deal created lost, or imported: it entered the pipeline, nothing more is known).

The conversion rate of a stage is the share of the records that reached it which reached the
next one; after the last open stage comes "won". Counts and amounts are the reader's: the
records come through the query plan (keyi.platform.query.plan), so row access, the caller's
filter and the recycle bin apply as in a list, and an amount field the reader may not see gives
no amounts rather than a 403.

Cost: one GROUP BY over the current stages, and for lost records with stage changes in their
history one read of those history rows (lost deals moved by hand are a small share; those
created lost need no history).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics.pipeline import Pipeline, readable, resolve
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.jsoncodec import loads_exact
from keyi.platform.query.plan import QueryPlan
from keyi.platform.schema import history_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

RATE_PLACES = Decimal("0.01")


def run_funnel(ctx: Context, *, filter: Any = None, pipeline: str | None = None) -> dict[str, Any]:
    """The funnel of the tenant's pipeline object for the reader of ``ctx``: ``stages`` (each
    open stage in order, then won) with ``count``, ``amount`` and ``conversion_rate`` to the
    next, plus ``won``, ``lost`` and ``total`` of the records counted and the overall
    ``win_rate``."""
    pipe = resolve(ctx)
    plan = QueryPlan.build(ctx, pipe.model.object, filter=filter)
    extra = _pipeline_condition(ctx, pipe, pipeline)
    table = plan.table
    stage = table.c[pipe.model.stage_field]
    with_amounts = readable(ctx, pipe.obj, pipe.model.amount_field)
    amount = table.c[pipe.model.amount_field] if with_amounts else sa.cast(sa.null(), sa.Numeric)
    rows = ctx.conn.execute(
        plan.select(stage, sa.func.count(), sa.func.sum(amount), where=extra).group_by(stage)
    ).all()
    # What reached each open stage, indexed by position; won reached them all.
    size = len(pipe.open_stages)
    count_at = [0] * size
    amount_at = [Decimal(0)] * size
    won, lost = _Tally(), _Tally()
    for value, count, total in rows:
        money = _decimal(total)
        index = pipe.index(value)
        if index is not None:
            count_at[index] += count
            amount_at[index] += money
        elif value in pipe.model.won:
            won.add(count, money)
        elif value in pipe.model.lost:
            lost.add(count, money)
    if size and lost.count:
        reach = _lost_reach(ctx, pipe, plan, extra, amount)
        # A lost record without stage changes in its history reached the first stage only.
        count_at[0] += lost.count - len(reach)
        amount_at[0] += lost.amount - sum((money for _, money in reach.values()), Decimal(0))
        for index, money in reach.values():
            count_at[index] += 1
            amount_at[index] += money
    reached_count, reached_amount = _cumulate(count_at, amount_at, won)
    stages = [
        {
            "stage": value,
            "label": pipe.labels.get(value, value),
            "count": reached_count[i],
            "amount": reached_amount[i] if with_amounts else None,
            "conversion_rate": _rate(
                reached_count[i + 1] if i + 1 < size else won.count, reached_count[i]
            ),
        }
        for i, value in enumerate(pipe.open_stages)
    ]
    won_value = pipe.model.won[0] if pipe.model.won else "won"
    stages.append(
        {
            "stage": won_value,
            "label": pipe.labels.get(won_value, won_value),
            "count": won.count,
            "amount": won.amount if with_amounts else None,
            "conversion_rate": None,
            "won": True,
        }
    )
    first = reached_count[0] if size else won.count
    return {
        "object": pipe.model.object,
        "stage_field": pipe.model.stage_field,
        "stages": stages,
        "won": won.json(with_amounts),
        "lost": lost.json(with_amounts),
        "total": {
            "count": first,
            "amount": (reached_amount[0] if size else won.amount) if with_amounts else None,
        },
        "win_rate": _rate(won.count, first),
    }


class _Tally:
    """A count and an amount."""

    def __init__(self) -> None:
        self.count = 0
        self.amount = Decimal(0)

    def add(self, count: int, amount: Decimal) -> None:
        self.count += count
        self.amount += amount

    def json(self, with_amounts: bool) -> dict[str, Any]:
        return {"count": self.count, "amount": self.amount if with_amounts else None}


def _pipeline_condition(ctx: Context, pipe: Pipeline, value: str | None) -> tuple[Any, ...]:
    """The condition for one sales process (``pipeline``: a value of the model's pipeline
    picklist), checked as a per-field error like any input."""
    if value is None:
        return ()
    name = pipe.model.pipeline_field
    f = pipe.obj.fields.get(name) if name else None
    if f is None or not ctx.policy.can_read_field(pipe.obj, f):
        raise ValidationFailed([FieldError("pipeline", "unknown_field", {"field": "pipeline"})])
    if value not in {o.value for o in f.options or ()}:
        raise ValidationFailed([FieldError("pipeline", "invalid_choice")])
    return (pipe.obj.table.c[f.name] == value,)


def _lost_reach(
    ctx: Context, pipe: Pipeline, plan: QueryPlan, extra: tuple[Any, ...], amount: Any
) -> dict[str, tuple[int, Decimal]]:
    """Lost records whose history shows stage changes → (furthest open stage reached, amount).

    History rows are read only for the reader's lost records (the plan's rows) and only those
    whose changes name the stage field (a text match narrows them; each is then parsed)."""
    table, h = plan.table, history_table
    stage_name = pipe.model.stage_field
    changes = sa.cast(h.c.changes, sa.Text)
    lost_rows = plan.select(
        table.c.id.label("id"),
        amount.label("amount"),
        where=(table.c[stage_name].in_(pipe.model.lost), *extra),
    ).subquery()
    stmt = (
        sa.select(h.c.record_id, changes.label("changes"), lost_rows.c.amount)
        .join(lost_rows, lost_rows.c.id == h.c.record_id)
        .where(
            h.c.object == pipe.model.object,
            h.c.operation == "update",
            changes.like(f'%"{stage_name}"%'),
        )
    )
    reach: dict[str, tuple[int, Decimal]] = {}
    for record_id, text, money in ctx.conn.execute(stmt):
        for change in loads_exact(text):
            if change.get("field") != stage_name:
                continue
            for value in (change.get("old"), change.get("new")):
                index = pipe.index(value)
                if index is not None and index > reach.get(record_id, (-1, None))[0]:
                    reach[record_id] = (index, _decimal(money))
    return reach


def _cumulate(
    count_at: list[int], amount_at: list[Decimal], won: _Tally
) -> tuple[list[int], list[Decimal]]:
    """Reached = at this stage or further on (won is further than every open stage)."""
    counts, amounts = list(count_at), list(amount_at)
    running_count, running_amount = won.count, won.amount
    for i in reversed(range(len(counts))):
        running_count += count_at[i]
        running_amount += amount_at[i]
        counts[i], amounts[i] = running_count, running_amount
    return counts, amounts


def _rate(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, to 0.01 (None for nothing to convert)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))
