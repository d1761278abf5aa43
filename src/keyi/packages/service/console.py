"""The service console: one page of cases for an agent, ordered by what is due next.

Views: ``mine`` (open cases I own), ``queue`` (open cases of one queue, or of all my queues),
``all_open`` (every open case I may see). A ``status`` narrows any view to one status (a
resolved or closed one too). Rows come from the platform's query compiler, so the caller's
record access applies exactly as in list views, sorted by ``next_due`` (the next SLA deadline,
kept by the package's hook, indexed) with keyset pagination; counts per status and SLA state
of the view (before its status filter) come from one grouped count over at most COUNT_CAP of
its open cases (see :func:`counts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from keyi.packages.service.lifecycle import OPEN_STATUSES
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.query.paths import PathError
from keyi.platform.query.plan import QueryPlan

if TYPE_CHECKING:
    from keyi.platform.context import Context

View = Literal["mine", "queue", "all_open"]
FIELDS = [
    "case_no",
    "subject",
    "account",
    "contact",
    "type",
    "priority",
    "status",
    "owner_id",
    "queue",
    "first_response_due",
    "first_responded_at",
    "resolution_due",
    "sla_status",
    "next_due",
    "created_at",
]
PAGE = 50


def my_queues(ctx: Context) -> list[str]:
    m = ctx.object("queue_member").table
    return sorted(
        str(q)
        for q in ctx.conn.execute(
            sa.select(m.c.queue).where(m.c.user == ctx.actor.id, m.c.deleted_at.is_(None))
        ).scalars()
    )


def view_filter(ctx: Context, view: View, queue: str | None) -> list[dict[str, Any]]:
    """The view's conditions, without its status."""
    if view == "mine":
        return [{"field": "owner_id", "op": "eq", "value": ctx.actor.id}]
    if view == "queue":
        if queue:
            return [{"field": "queue", "op": "eq", "value": queue}]
        return [{"field": "queue", "op": "in", "value": my_queues(ctx) or [None]}]
    return []


def console(
    ctx: Context,
    *,
    view: View,
    queue: str | None,
    status: str | None,
    cursor: str | None,
    limit: int = PAGE,
) -> dict[str, Any]:
    statuses = {o.value for o in ctx.object("case").fields["status"].options or ()}
    if status is not None and status not in statuses:
        raise ValidationFailed([FieldError("status", "invalid_option", {"value": status})])
    if view == "queue" and queue is not None and not _is_uuid(queue):
        raise ValidationFailed([FieldError("queue", "invalid_reference", {"target": "queue"})])
    base = view_filter(ctx, view, queue)
    if view == "queue" and base[0]["op"] == "in" and base[0]["value"] == [None]:
        return {"records": [], "next_cursor": None, "counts": _empty_counts()}
    status_filter = (
        {"field": "status", "op": "eq", "value": status}
        if status
        else {"field": "status", "op": "in", "value": list(OPEN_STATUSES)}
    )
    page = run_query(
        ctx,
        "case",
        QuerySpec(
            filter={"and": [*base, status_filter]},
            sort=[{"field": "next_due", "direction": "asc"}],
            fields=FIELDS,
            limit=limit,
            cursor=cursor,
        ),
    )
    page["counts"] = counts(ctx, base)
    return page


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _empty_counts() -> dict[str, Any]:
    return {"status": {}, "sla_status": {}, "capped": False}


COUNT_CAP = 10_000


def counts(ctx: Context, base: list[dict[str, Any]]) -> dict[str, Any]:
    """Open cases of the view per status and per SLA state, counted over at most
    ``COUNT_CAP`` of them: ``capped`` says the view has more, and each number is then at
    least that many (the web app shows "10000+").

    Why capped: an exact count of a queue holding 300,000 open cases (1M cases over two
    queues) scans all of them, 0.5 s on PostgreSQL, where the page itself reads 51 rows by the
    ``next_due`` index; an agent needs "how much, roughly" there, not the exact figure. The
    rows counted are the caller's readable ones (the list's access rules), as before."""
    plan = QueryPlan.build(
        ctx,
        "case",
        filter={"and": [*base, {"field": "status", "op": "in", "value": list(OPEN_STATUSES)}]},
    )
    keys = [k for k in ("status", "sla_status") if _readable(plan, k)]
    result = _empty_counts()
    if not keys:
        return result
    columns = [plan.resolver.column(k).label(k) for k in keys]
    sample = plan.select(*columns).limit(COUNT_CAP + 1).subquery()
    grouped = sa.select(*(sample.c[k] for k in keys), sa.func.count()).group_by(
        *(sample.c[k] for k in keys)
    )
    total = 0
    for row in ctx.conn.execute(grouped):
        n = int(row[-1])
        total += n
        for i, key in enumerate(keys):
            value = row[i] or "none"
            result[key][value] = result[key].get(value, 0) + n
    result["capped"] = total > COUNT_CAP
    return result


def _readable(plan: QueryPlan, path: str) -> bool:
    try:
        plan.resolver.field(path)
    except PathError:
        return False
    return True
