"""Which flows a write starts, decided inside the write's transaction.

The records service calls :func:`before_save` with the values being saved (before validation
rules) and :func:`after_write` once the row is written. Both need the record before *and* after
the change — "only when the record starts to meet the condition" compares the two — which only
the write itself has, so after-commit flows are enqueued here, in the write's transaction, as
``flow.run`` jobs (exactly once per write, nothing if it rolls back) rather than decided later
from the outbox. A tenant's active flows are read once per metadata revision (saving a flow
makes a new revision): a write to an object without flows costs a dictionary lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import ValidationError

from keyi.platform.automation.model import (
    FlowDef,
    RecordTrigger,
    Timing,
    TriggerEvent,
    UpdateFields,
)
from keyi.platform.automation.runs import record_run
from keyi.platform.automation.tables import flow_table
from keyi.platform.errors import FieldErrors
from keyi.platform.expressions import (
    Expression,
    ExpressionError,
    evaluate,
    is_truthy,
    parse,
    references,
)
from keyi.platform.jobs import enqueue
from keyi.platform.records.values import coerce_input

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.hooks import WriteEvent
    from keyi.platform.schema import CompiledObject

__all__ = ["ActiveFlow", "ValuesFor", "active_flows", "after_write", "before_save", "jsonable"]

log = logging.getLogger("keyi.automation")
_MEMO = "automation.flows"

ValuesFor = Callable[[dict[str, Any], frozenset[str]], dict[str, Any]]
"""The records service's values for an expression: own fields, formulas, lookup paths."""


@dataclass(frozen=True, slots=True)
class ActiveFlow:
    id: str
    name: str
    definition: FlowDef
    condition: Expression | None

    @property
    def timing(self) -> Timing:
        trigger = self.definition.trigger
        return trigger.timing if isinstance(trigger, RecordTrigger) else Timing.AFTER_COMMIT

    def fires_on(self, event: TriggerEvent) -> bool:
        trigger = self.definition.trigger
        return isinstance(trigger, RecordTrigger) and event in trigger.events


def active_flows(ctx: Context, object_name: str) -> list[ActiveFlow]:
    """The tenant's active flows on ``object_name`` (kept per metadata revision)."""
    by_object: dict[str, list[ActiveFlow]] | None = ctx.schema.memo.get(_MEMO)
    if by_object is None:
        by_object = {}
        rows = ctx.conn.execute(
            sa.select(flow_table.c.id, flow_table.c.name, flow_table.c.definition)
            .where(flow_table.c.active.is_(True))
            .order_by(flow_table.c.name)
        )
        for flow_id, name, definition in rows:
            try:
                flow = FlowDef.model_validate(definition)
                condition = parse(flow.trigger.condition) if flow.trigger.condition else None
            except (ValidationError, ExpressionError):
                log.warning("flow cannot be loaded", extra={"flow": name})
                continue
            if not isinstance(flow.trigger, RecordTrigger):
                continue  # scheduled and date flows start from flow.tick (.schedule)
            by_object.setdefault(flow.trigger.object, []).append(
                ActiveFlow(str(flow_id), name, flow, condition)
            )
        ctx.schema.memo[_MEMO] = by_object
    return by_object.get(object_name, [])


def matches(
    ctx: Context,
    flow: ActiveFlow,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    values_for: ValuesFor,
) -> bool:
    """Whether the change from ``old`` to ``new`` (None: not there) starts ``flow``."""
    condition = flow.condition
    if condition is None:
        return True
    paths = references(condition)
    current = new if new is not None else old
    assert current is not None
    if not _holds(ctx, condition, values_for(dict(current), paths)):
        return False
    trigger = flow.definition.trigger
    starting = isinstance(trigger, RecordTrigger) and trigger.only_when_starting_to_match
    if not starting or old is None or new is None:
        return True
    return not _holds(ctx, condition, values_for(dict(old), paths))


def _holds(ctx: Context, condition: Expression, values: dict[str, Any]) -> bool:
    return is_truthy(evaluate(condition, values, today=ctx.today(), now=ctx.now()))


def before_save(
    ctx: Context, obj: CompiledObject, event: WriteEvent, values_for: ValuesFor
) -> None:
    """Run the before-save flows of this create or update on the values being saved."""
    kind = TriggerEvent.CREATED if event.operation == "create" else TriggerEvent.UPDATED
    flows = [
        f
        for f in active_flows(ctx, obj.name)
        if f.timing == Timing.BEFORE_SAVE and f.fires_on(kind)
    ]
    for flow in flows:
        started = datetime.now()
        final = {**(event.old or {}), **event.values}
        try:
            if not matches(ctx, flow, event.old, final, values_for):
                continue
            updates: dict[str, Any] = {}
            for action in flow.definition.actions:
                assert isinstance(action, UpdateFields)
                updates.update(evaluate_values(ctx, action.values, final, values_for))
        except ExpressionError as exc:
            record_run(ctx, flow, obj.name, event.record_id, kind, "failed", started, [], str(exc))
            continue
        coerced = _coerce(ctx, obj, updates, event.errors, flow.name)
        event.values.update(coerced)
        steps = [{"type": "update_fields", "fields": sorted(coerced)}]
        record_run(ctx, flow, obj.name, event.record_id, kind, "done", started, steps, None)


def after_write(
    ctx: Context,
    obj: CompiledObject,
    kind: TriggerEvent,
    record_id: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    values_for: ValuesFor,
) -> None:
    """Enqueue the after-commit flows this write starts (in its transaction)."""
    flows = [
        f
        for f in active_flows(ctx, obj.name)
        if f.timing == Timing.AFTER_COMMIT and f.fires_on(kind)
    ]
    for flow in flows:
        try:
            if not matches(ctx, flow, old, new, values_for):
                continue
        except ExpressionError as exc:
            started = datetime.now()
            record_run(ctx, flow, obj.name, record_id, kind, "failed", started, [], str(exc))
            continue
        enqueue(
            ctx.conn,
            "flow.run",
            {
                "flow_id": flow.id,
                "object": obj.name,
                "record_id": record_id,
                "event": kind.value,
                "depth": ctx.automation_depth + 1,
            },
            now=ctx.now(),
        )


def evaluate_values(
    ctx: Context, sources: Mapping[str, str], record: Mapping[str, Any], values_for: ValuesFor
) -> dict[str, Any]:
    """Field → value of each expression over ``record`` (values as the API would send them)."""
    parsed = {name: parse(text) for name, text in sources.items()}
    paths = frozenset().union(*(references(e) for e in parsed.values()))
    values = values_for(dict(record), paths)
    return {
        name: jsonable(evaluate(expr, values, today=ctx.today(), now=ctx.now()))
        for name, expr in parsed.items()
    }


def jsonable(value: Any) -> Any:
    """An evaluated value in the form the records service accepts from the API."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _coerce(
    ctx: Context, obj: CompiledObject, updates: dict[str, Any], errors: FieldErrors, flow: str
) -> dict[str, Any]:
    """Values typed for their columns; a value the field refuses refuses the save, naming the
    field (and the flow, so the person saving knows where the value came from)."""
    problems = FieldErrors()
    coerced = coerce_input(ctx, obj, updates, problems, trusted_fields=frozenset(updates))
    for item in problems.items:
        errors.add(item.field, item.code, **{**item.params, "flow": flow})
    return coerced
