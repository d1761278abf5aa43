"""Customer service operations (issue 15's budgets).

- ``service_console``: the first console page of the busiest queue
  (``GET /api/v1/service/console?view=queue&queue=…``): 50 open cases by their next due time
  with account names, and the counts per status and SLA state. Raw = the same page as one
  indexed SELECT (open statuses, queue, ORDER BY next_due NULLS LAST, id LIMIT 51) plus one
  grouped count over at most COUNT_CAP + 1 of the queue's open cases (as the console counts),
  without row access or the accounts' names.

- ``portal_case_list``: the customer portal's case list of one contact (the contact with the
  most cases: ``GET /api/v1/portal/{tenant}/cases?status=all`` with a portal session): 20
  cases by last activity with labels, contact names and each case's last public message.
  Raw = the page's SELECT on the contact, ORDER BY updated_at DESC, id DESC LIMIT 21, without
  the labels and the last-message lookup. Reads the index ``ix_case_contact_activity``
  (keyi.packages.service.portal_data).

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
    return [console_op(s), portal_case_list_op(s)]


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


# ---------------------------------------------------------------- the customer portal
PORTAL_SEED = 200


def _busiest_contact(s: Subject) -> str:
    """The contact with the most cases; with none, ``PORTAL_SEED`` of the bench's cases are
    given to one contact (the bench's own seed makes cases without contacts)."""
    with s.platform.context(s.tenant, Actor.system("bench")) as ctx:
        cases = ctx.object("case").table
        found = ctx.conn.execute(
            sa.select(cases.c.contact)
            .where(cases.c.contact.is_not(None), cases.c.deleted_at.is_(None))
            .group_by(cases.c.contact)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).scalar()
        if found is not None:
            return str(found)
        contact = RecordsService(ctx).create(
            "contact", {"name": "基准联系人", "email": "bench.portal@example.com"}
        )["id"]
        some = ctx.conn.execute(
            sa.select(cases.c.id).where(cases.c.deleted_at.is_(None)).limit(PORTAL_SEED)
        ).scalars()
        ids = [str(i) for i in some]
        ctx.conn.execute(sa.update(cases).where(cases.c.id.in_(ids)).values(contact=contact))
        return str(contact)


def _portal_user(s: Subject, contact_id: str) -> tuple[str, str]:
    """The contact's active portal user (made if need be) and a session token for it."""
    from keyi.packages.service.portal_users import auth_for

    with s.platform.context(s.tenant, Actor.system("bench")) as ctx:
        users = ctx.object("portal_user").table
        found = ctx.conn.execute(
            sa.select(users.c.id).where(users.c.contact == contact_id, users.c.deleted_at.is_(None))
        ).scalar()
        records = RecordsService(ctx)
        if found is None:
            contacts = ctx.object("contact").table
            email = ctx.conn.execute(
                sa.select(contacts.c.email).where(contacts.c.id == contact_id)
            ).scalar()
            values = {
                "contact": contact_id,
                "email": email or f"bench.{contact_id[:8]}@example.com",
                "status": "active",
            }
            [found] = records.create_many(
                "portal_user", [values], trusted_fields=frozenset({"status"})
            )
        records.update(
            "portal_user", str(found), {"status": "active"}, trusted_fields=frozenset({"status"})
        )
        session = auth_for(ctx).new_session(str(found))
        return str(found), session.token


def portal_case_list_op(s: Subject) -> Operation:
    from keyi.packages.service.portal_data import list_cases
    from keyi.packages.service.portal_users import person

    contact = _busiest_contact(s)
    user_id, token = _portal_user(s, contact)
    path = f"/api/v1/portal/{s.tenant.name}/cases"
    headers = {"Authorization": f"Bearer {token}"}

    def platform(i: int) -> Any:
        with s.platform.context(s.tenant, Actor.system("bench"), write=False) as ctx:
            me = person(ctx, user_id)
            assert me is not None
            return list_cases(ctx, me, status="all", limit=20)["records"]

    def api(i: int) -> Any:
        response = s.client.get(path, params={"status": "all"}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["records"]

    page_sql = sa.text(
        "SELECT id, case_no, subject, status, priority, type, created_at, updated_at, contact "
        'FROM "case" WHERE deleted_at IS NULL AND contact = :contact '
        "ORDER BY updated_at DESC, id DESC LIMIT 21"
    )

    def raw(i: int) -> Any:
        with s.raw() as conn:
            return rows_of(conn.execute(page_sql, {"contact": s.db_id(contact)}))[:20]

    def check(platform_rows: Any, raw_rows: Any) -> None:
        assert [r["id"] for r in platform_rows] == [
            str(r["id"]) if s.postgres else _uuid(r["id"]) for r in raw_rows
        ], "portal case list differs from raw SQL"

    return Operation(
        name="portal_case_list",
        label="Customer portal: one contact's case list, newest activity first",
        platform=platform,
        api=api,
        raw=raw,
        check=check,
        explain=True,
        notes="raw = the page's SELECT on the contact's activity index, without labels, "
        "contact names and the last public message per case",
    )
