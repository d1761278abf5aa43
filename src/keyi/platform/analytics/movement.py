"""Pipeline movement: what entered the pipeline in a period, moved forward, slipped out of it,
was won and was lost — counts, amounts and the records (for drill-down).

The period is a relative date literal of the filter language (``this_month``,
``last_n_days:30``, ``this_fiscal_quarter`` …) or ``{"from", "to"}`` dates (both included), in
the tenant's calendar and time zone. Over the reader's records (the query plan: row access, the
caller's filter, the recycle bin):

- **entered**: created in the period;
- **advanced**: the stage moved forward during the period — the stage after its last change in
  the period is a later open stage than the one before its first (so a deal moved forward and
  back is not counted; a move to won or lost counts as won or lost instead);
- **slipped**: the close date was pushed out during the period — before its first change in
  the period it fell inside the period, after its last one it falls after the period's end;
- **won** / **lost**: closed won or lost with a close date in the period (the close date is
  the day a deal closes, as the won-amount reports and targets count it).

Advanced and slipped come from the field history (keyi_history: one row per write, its
``changes`` a list of ``{"field", "old", "new"}``), read for the period's writes of the reader's
records only. Amounts are the records' current amounts; none when the reader may not see the
amount field. Each category lists the first ``MAX_IDS`` record ids (oldest first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics.pipeline import Pipeline, readable, resolve
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.jsoncodec import loads_exact
from keyi.platform.query import dates
from keyi.platform.query.plan import QueryPlan
from keyi.platform.schema import history_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

MAX_IDS = 200
CATEGORIES = ("entered", "advanced", "slipped", "won", "lost")


def period_range(ctx: Context, period: Any) -> tuple[date, date]:
    """[start, end) of the period in the tenant's calendar; a per-field error otherwise."""
    if isinstance(period, str):
        if not dates.is_relative(period):
            raise ValidationFailed([FieldError("period", "invalid_period")])
        return dates.resolve(period, ctx.today(), dates.fiscal_start_month(ctx.settings))
    if not isinstance(period, dict) or set(period) != {"from", "to"}:
        raise ValidationFailed([FieldError("period", "invalid_period")])
    bounds: dict[str, date] = {}
    errors = []
    for key in ("from", "to"):
        try:
            bounds[key] = date.fromisoformat(str(period[key]))
        except ValueError:
            errors.append(FieldError(f"period.{key}", "invalid_date"))
    if errors:
        raise ValidationFailed(errors)
    if bounds["to"] < bounds["from"]:
        raise ValidationFailed([FieldError("period.to", "invalid_period")])
    return bounds["from"], bounds["to"] + timedelta(days=1)


@dataclass
class _Category:
    """Records of one category: their count, summed amount and first ids."""

    count: int = 0
    amount: Decimal | None = None
    ids: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "amount": self.amount,
            "ids": self.ids[:MAX_IDS],
            "truncated": self.count > MAX_IDS,
        }


def run_movement(ctx: Context, *, period: Any, filter: Any = None) -> dict[str, Any]:
    """The movement of the tenant's pipeline object in ``period`` for the reader of ``ctx``."""
    pipe = resolve(ctx)
    start, end = period_range(ctx, period)
    model = pipe.model
    if not readable(ctx, pipe.obj, model.close_date_field):
        raise Forbidden("report_field_hidden", field=model.close_date_field)
    plan = QueryPlan.build(ctx, model.object, filter=filter)
    table = plan.table
    with_amounts = readable(ctx, pipe.obj, model.amount_field)
    amount = table.c[model.amount_field] if with_amounts else sa.cast(sa.null(), sa.Numeric)
    start_at, end_at = _utc_midnight(ctx, start), _utc_midnight(ctx, end)
    stage, close = table.c[model.stage_field], table.c[model.close_date_field]
    in_period = (close >= start, close < end)
    found = {
        "entered": _by_condition(
            ctx, plan, amount, (table.c.created_at >= start_at, table.c.created_at < end_at)
        ),
        "won": _by_condition(ctx, plan, amount, (stage.in_(model.won), *in_period)),
        "lost": _by_condition(ctx, plan, amount, (stage.in_(model.lost), *in_period)),
    }
    advanced, slipped = _from_history(ctx, pipe, plan, amount, (start, end), (start_at, end_at))
    found["advanced"], found["slipped"] = advanced, slipped
    if not with_amounts:
        for category in found.values():
            category.amount = None
    return {
        "object": model.object,
        "period": {"from": start.isoformat(), "to": (end - timedelta(days=1)).isoformat()},
        **{name: found[name].json() for name in CATEGORIES},
    }


def _by_condition(ctx: Context, plan: QueryPlan, amount: Any, where: tuple[Any, ...]) -> _Category:
    """A category the record's own columns decide: one count-and-sum, one page of ids."""
    table = plan.table
    count, total = ctx.conn.execute(
        plan.select(sa.func.count(), sa.func.sum(amount), where=where)
    ).one()
    ids = ctx.conn.execute(
        plan.select(table.c.id, where=where).order_by(table.c.id).limit(MAX_IDS)
    ).scalars()
    return _Category(count=int(count), amount=_decimal(total), ids=[str(i) for i in ids])


def _from_history(
    ctx: Context,
    pipe: Pipeline,
    plan: QueryPlan,
    amount: Any,
    days: tuple[date, date],
    moments: tuple[datetime, datetime],
) -> tuple[_Category, _Category]:
    """Advanced and slipped, from the period's history rows of the reader's records that name
    the stage or the close date (a text match narrows them; each is then parsed)."""
    model, table, h = pipe.model, plan.table, history_table
    stage_name, close_name = model.stage_field, model.close_date_field
    changes = sa.cast(h.c.changes, sa.Text)
    stmt = plan.select(
        table.c.id,
        amount,
        changes,
        where=(
            h.c.record_id == table.c.id,
            h.c.object == model.object,
            h.c.operation == "update",
            h.c.at >= moments[0],
            h.c.at < moments[1],
            sa.or_(changes.like(f'%"{stage_name}"%'), changes.like(f'%"{close_name}"%')),
        ),
    ).order_by(h.c.at, h.c.id)
    # Per record: (value before the first change in the period, value after the last one).
    stages: dict[str, list[Any]] = {}
    closes: dict[str, list[Any]] = {}
    amounts: dict[str, Decimal] = {}
    for record_id, money, text in ctx.conn.execute(stmt):
        record_id = str(record_id)
        amounts[record_id] = _decimal(money)
        for change in loads_exact(text):
            name = change.get("field")
            span = stages if name == stage_name else closes if name == close_name else None
            if span is None:
                continue
            if record_id not in span:
                span[record_id] = [change.get("old"), change.get("new")]
            else:
                span[record_id][1] = change.get("new")
    advanced = [r for r, (before, after) in stages.items() if _forward(pipe, before, after)]
    slipped = [r for r, (before, after) in closes.items() if _pushed_out(before, after, days)]
    return _category(advanced, amounts), _category(slipped, amounts)


def _forward(pipe: Pipeline, before: Any, after: Any) -> bool:
    """Whether the stage moved to a later open stage."""
    old, new = pipe.index(before), pipe.index(after)
    return old is not None and new is not None and new > old


def _pushed_out(before: Any, after: Any, days: tuple[date, date]) -> bool:
    """Whether a close date inside the period [start, end) moved past its end."""
    old, new = _date(before), _date(after)
    return old is not None and new is not None and days[0] <= old < days[1] <= new


def _category(ids: list[str], amounts: dict[str, Decimal]) -> _Category:
    ordered = sorted(ids)  # UUIDv7: creation order, as the other categories list them
    total = sum((amounts[i] for i in ordered), Decimal(0))
    return _Category(count=len(ordered), amount=total, ids=ordered[:MAX_IDS])


def _utc_midnight(ctx: Context, day: date) -> datetime:
    """The start of ``day`` in the tenant's time zone, as the stored (naive UTC) time."""
    return datetime.combine(day, time(), tzinfo=ctx.time_zone).astimezone(UTC).replace(tzinfo=None)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))
