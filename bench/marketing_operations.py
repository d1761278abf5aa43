"""Marketing operations (issue 16's budget: a segment's count < 500 ms at 1M contacts).

- ``segment_count``: the builder's live count of a dynamic segment with three conditions
  (``POST /api/v1/segments/count``): contacts at a manufacturing, technology or finance account
  (a lookup path), with an e-mail address, and with at least one activity due in the last 90
  days (a count of related records, keyi.platform.query.filters ``related``). Raw = the same
  count written by hand — a LEFT JOIN to the account, the activity condition as an ``IN``
  subquery on the indexed ``due_date`` — without row access (the measured user reads
  everything).

The demo's contacts and activities are the data (``--mix marketing`` or ``full``), nothing is
seeded here; a tenant without contacts (the lean mix) skips the operation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bench.operations import Operation, Subject
from keyi.packages.marketing.segments import count_filter
from keyi.platform.query import dates

INDUSTRIES = ("manufacturing", "technology", "finance")
RECENT = "last_n_days:90"
CONDITIONS: dict[str, Any] = {
    "and": [
        {"field": "account.industry", "op": "in", "value": list(INDUSTRIES)},
        {"field": "email", "op": "is_null", "value": False},
        {
            "related": {
                "object": "activity",
                "field": "contact",
                "filter": {"field": "due_date", "op": "eq", "value": RECENT},
            },
            "op": "gte",
            "value": 1,
        },
    ]
}
RAW = sa.text(
    "SELECT count(*) FROM contact c "
    "LEFT JOIN account a ON a.id = c.account AND a.deleted_at IS NULL "
    "WHERE c.deleted_at IS NULL AND a.industry IN ('manufacturing', 'technology', 'finance') "
    "AND c.email IS NOT NULL AND c.id IN (SELECT contact FROM activity "
    "WHERE deleted_at IS NULL AND contact IS NOT NULL "
    "AND due_date >= :start AND due_date < :end)"
)


def marketing_operations(s: Subject) -> list[Operation]:
    with s.context() as ctx:
        if ctx.schema.get("segment") is None:
            raise LookupError("the tenant has no marketing package")
        contacts = ctx.object("contact").table
        if ctx.conn.execute(sa.select(contacts.c.id).limit(1)).first() is None:
            raise LookupError("the tenant has no contacts (a mix without them)")
    return [segment_count_op(s)]


def segment_count_op(s: Subject) -> Operation:
    body = {"object": "contact", "filter": CONDITIONS}

    def platform(i: int) -> Any:
        with s.context() as ctx:
            return count_filter(ctx, "contact", CONDITIONS)

    def api(i: int) -> Any:
        return s.http("POST", "/api/v1/segments/count", json=body)["count"]

    def raw(i: int) -> Any:
        with s.context() as ctx:
            start, end = dates.resolve(RECENT, ctx.today())
        with s.raw() as conn:
            return int(conn.execute(RAW, {"start": start, "end": end}).scalar_one())

    def check(platform_count: Any, raw_count: Any) -> None:
        assert platform_count > 0, "no contact matches: the data has no recent activities"
        assert platform_count == raw_count, (
            f"segment count {platform_count} differs from raw SQL {raw_count}"
        )

    return Operation(
        name="segment_count",
        label="Segment count: 3 conditions, one a count of related activities",
        platform=platform,
        api=api,
        raw=raw,
        check=check,
        explain=True,
        notes="raw = the same count by hand (account join, activity IN subquery), "
        "without row access",
    )
