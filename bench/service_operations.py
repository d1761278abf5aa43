"""Customer service operations (issue 15's budgets).

- ``service_console``: the first console page of the busiest queue
  (``GET /api/v1/service/console?view=queue&queue=…``): 50 open cases by their next due time
  with account names, and the counts per status and SLA state. Raw = the same page as one
  indexed SELECT (open statuses, queue, ORDER BY next_due NULLS LAST, id LIMIT 51) plus one
  grouped count over at most COUNT_CAP + 1 of the queue's open cases (as the console counts),
  without row access or the accounts' names.

Needs cases: the service demo data (keyi.packages.service.demo, not written yet) or, in a
tenant without any, ``SEED`` cases this module writes into one queue once, through the records
service, so the operation runs at every scale today (the 1M-case measurement needs the demo and
bench.scale copying cases).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bench.operations import Operation, Subject, rows_of
from keyi.packages.service.console import COUNT_CAP, console
from keyi.platform.permissions import Actor
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService

SEED = 2_000
OPEN = ("new", "assigned", "in_progress", "waiting_on_customer")


def service_operations(s: Subject) -> list[Operation]:
    return [console_op(s)]


def _busiest_queue(s: Subject) -> str:
    with s.context() as ctx:
        if ctx.schema.get("case") is None:
            raise LookupError("the tenant has no service package")
        cases = ctx.object("case").table
        found = ctx.conn.execute(
            sa.select(cases.c.queue)
            .where(cases.c.queue.is_not(None), cases.c.deleted_at.is_(None))
            .group_by(cases.c.queue)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).scalar()
    return str(found) if found else _seed(s)


def _seed(s: Subject) -> str:
    """One manual queue with ``SEED`` cases on the tenant's accounts, with due times spread
    over two weeks (as SLA hooks would set them)."""
    from datetime import timedelta

    with s.platform.context(s.tenant, Actor.system("bench")) as ctx:
        records = RecordsService(ctx)
        queue = records.create("queue", {"name": "基准队列", "assignment": "manual"})
        accounts = run_query(ctx, "account", QuerySpec(fields=["name"], limit=200))["records"]
        cases = ctx.object("case").table
        now = ctx.now()
        for start in range(0, SEED, 500):
            ids = records.create_many(
                "case",
                [
                    {
                        "subject": f"基准工单 {i}",
                        "queue": queue["id"],
                        "account": accounts[i % len(accounts)]["id"] if accounts else None,
                        "priority": ("low", "medium", "high", "urgent")[i % 4],
                    }
                    for i in range(start, min(start + 500, SEED))
                ],
            )
            for n, case_id in enumerate(ids):
                due = now + timedelta(minutes=(start + n) * 7 % 20_160)
                ctx.conn.execute(
                    sa.update(cases)
                    .where(cases.c.id == case_id)
                    .values(first_response_due=due, next_due=due, sla_status="on_track")
                )
    return str(queue["id"])


def console_op(s: Subject) -> Operation:
    queue = _busiest_queue(s)
    query = {"view": "queue", "queue": queue}

    def platform(i: int) -> Any:
        with s.context() as ctx:
            return console(ctx, view="queue", queue=queue, status=None, cursor=None)["records"]

    def api(i: int) -> Any:
        return s.http("GET", "/api/v1/service/console", params=query)["records"]

    page_sql = sa.text(
        "SELECT id, case_no, subject, account, priority, status, owner_id, queue, "
        'first_response_due, resolution_due, sla_status, next_due FROM "case" '
        "WHERE deleted_at IS NULL AND queue = :queue AND status IN "
        "('new', 'assigned', 'in_progress', 'waiting_on_customer') "
        "ORDER BY next_due ASC NULLS LAST, id ASC LIMIT 51"
    )
    count_sql = sa.text(
        "SELECT status, sla_status, count(*) AS n FROM (SELECT status, sla_status "
        'FROM "case" WHERE deleted_at IS NULL '
        "AND queue = :queue AND status IN ('new', 'assigned', 'in_progress', "
        "'waiting_on_customer') LIMIT :cap) AS sample GROUP BY status, sla_status"
    )

    def raw(i: int) -> Any:
        with s.raw() as conn:
            rows = rows_of(conn.execute(page_sql, {"queue": s.db_id(queue)}))
            conn.execute(count_sql, {"queue": s.db_id(queue), "cap": COUNT_CAP + 1}).all()
            return rows[:50]

    def check(platform_rows: Any, raw_rows: Any) -> None:
        assert [r["id"] for r in platform_rows] == [
            str(r["id"]) if s.postgres else _uuid(r["id"]) for r in raw_rows
        ], "console page differs from raw SQL"

    return Operation(
        name="service_console",
        label="Service console: one queue's first page with SLA states",
        platform=platform,
        api=api,
        raw=raw,
        check=check,
        explain=True,
        notes="raw = the page's indexed SELECT and the grouped count, without row access "
        "and account names",
    )


def _uuid(value: Any) -> str:
    import uuid

    return str(uuid.UUID(str(value)))
