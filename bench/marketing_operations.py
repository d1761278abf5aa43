"""Marketing operations (issue 16's budgets).

- ``segment_count``: the builder's live count of a dynamic segment with three conditions
  (``POST /api/v1/segments/count``): contacts at a manufacturing, technology or finance account
  (a lookup path), with an e-mail address, and with at least one activity due in the last 90
  days (a count of related records, keyi.platform.query.filters ``related``). Raw = the same
  count written by hand — a LEFT JOIN to the account, the activity condition as an ``IN``
  subquery on the indexed ``due_date`` — without row access (the measured user reads
  everything).

- ``web_form_submit``: one public web form submission from a new visitor
  (``POST /api/v1/public/forms/{key}``, no sign-in, budget < 50 ms p50): the rate-limit hit,
  the form read by its public key, the token check, the duplicate lookups by email and mobile
  key (two index reads), the lead's creation through the records service (history, outbox,
  search, flows), the campaign membership, the form's counter and the audit entry. Raw = the
  duplicate lookup by email and one INSERT of the lead, without the rest.

The demo's contacts and activities are the segment's data (``--mix marketing`` or ``full``),
nothing is seeded for it; a tenant without contacts (the lean mix) leaves it out. The web form
needs the marketing package in the bench tenant and writes one form and one campaign the first
time. An operation whose data is missing is left out (LookupError).
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench.operations import Operation, Subject, rows_of
from keyi.packages.marketing.segments import count_filter
from keyi.packages.marketing.web_form_submit import Submission, submit
from keyi.packages.marketing.web_forms import make_render_token
from keyi.platform.ids import new_id
from keyi.platform.permissions import Actor
from keyi.platform.query import dates
from keyi.platform.records import RecordsService
from keyi.platform.search.planning import plan_with_values

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
    operations: list[Operation] = []
    for make in (segment_count_op, web_form_submit_op):
        try:
            operations.append(make(s))
        except LookupError:  # the data this one measures is missing
            continue
    if not operations:
        raise LookupError("the tenant has no marketing package")
    return operations


def _has_contacts(s: Subject) -> None:
    with s.context() as ctx:
        if ctx.schema.get("segment") is None:
            raise LookupError("the tenant has no marketing package")
        contacts = ctx.object("contact").table
        if ctx.conn.execute(sa.select(contacts.c.id).limit(1)).first() is None:
            raise LookupError("the tenant has no contacts (a mix without them)")


def segment_count_op(s: Subject) -> Operation:
    _has_contacts(s)
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
            # planned with its values as the platform's count is: psycopg prepares a text run
            # five times, and PostgreSQL's generic plan for it takes ten times longer
            plan_with_values(conn)
            return int(conn.execute(RAW, {"start": start, "end": end}).scalar_one())

    def check(platform_count: Any, raw_count: Any) -> None:
        # (A small smoke data set may have no contact with a recent activity: both then
        # count zero; the comparison still checks the compiled conditions run.)
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


FORM_NAME = "基准表单"


def _form(s: Subject) -> dict[str, Any]:
    """The bench's web form (made once, with a campaign), as stored."""
    with s.platform.context(s.tenant, Actor.system("bench")) as ctx:
        if ctx.schema.get("web_form") is None:
            raise LookupError("the tenant has no marketing package")
        table = ctx.object("web_form").table
        row = (
            ctx.conn.execute(
                sa.select(table).where(table.c.name == FORM_NAME, table.c.deleted_at.is_(None))
            )
            .mappings()
            .first()
        )
        if row is not None:
            return dict(row)
        records = RecordsService(ctx)
        campaign = records.create("campaign", {"name": "基准活动"})["id"]
        form = records.create(
            "web_form", {"name": FORM_NAME, "campaign": campaign, "consent_checkbox": "optional"}
        )
        row = ctx.conn.execute(sa.select(table).where(table.c.id == form["id"])).mappings().one()
        return dict(row)


def web_form_submit_op(s: Subject) -> Operation:
    form = _form(s)
    counter = itertools.count()
    run = f"{random.randrange(1 << 30):08x}"

    def visitor(i: int) -> dict[str, Any]:
        n = next(counter)
        return {
            "name": f"访客{n}",
            "company": f"基准公司{n}",
            "email": f"visitor.{run}.{n}@bench.example",
            "mobile": f"139{(hash(run) + n) % 100_000_000:08d}",
            "utm_source": "bench",
            "consent": True,
        }

    def token() -> str:
        issued = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=10)
        return make_render_token(s.platform.secret_box, str(form["id"]), issued)

    def platform(i: int) -> Any:
        values = visitor(i)
        submission = Submission(
            values={k: values[k] for k in ("name", "company", "email", "mobile")},
            utm={"utm_source": "bench"},
            consent=True,
            language=None,
            token=None,
            honeypot=None,
        )
        with s.platform.context(s.tenant, Actor.system("web_form")) as ctx:
            return submit(ctx, form, submission, client="10.9.0.1").lead_id

    def api(i: int) -> Any:
        # Every call from its own address: the per-address limit (10 a minute) is the
        # defence the tests check, not what this measures.
        address = f"10.9.{next(counter) % 250}.{i % 250 + 1}"
        public = TestClient(s.client.app, client=(address, 50000))
        answer = public.post(
            f"/api/v1/public/forms/{form['public_key']}", json={**visitor(i), "_token": token()}
        )
        if answer.status_code != 201:
            raise AssertionError(f"web form: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def raw(i: int) -> Any:
        values = visitor(i)
        now = datetime.now(UTC).replace(tzinfo=None)
        with s.raw(write=True) as conn:
            conn.execute(
                sa.text(
                    "SELECT id FROM lead WHERE email = :email AND deleted_at IS NULL "
                    "AND converted_at IS NULL ORDER BY created_at, id LIMIT 1"
                ),
                {"email": values["email"]},
            ).all()
            return rows_of(
                conn.execute(
                    sa.text(
                        "INSERT INTO lead (id, version, created_at, updated_at, name, company, "
                        "email, mobile, source, utm_source, consent, consent_at, status) VALUES "
                        "(:id, 1, :now, :now, :name, :company, :email, :mobile, 'website', "
                        "'bench', 'granted', :now, 'new') RETURNING id"
                    ),
                    {
                        "id": s.db_id(new_id()),
                        "now": now,
                        **{k: values[k] for k in ("name", "company", "email", "mobile")},
                    },
                )
            )

    return Operation(
        name="web_form_submit",
        label="Web form: a new visitor's submission (public, no sign-in)",
        platform=platform,
        api=api,
        raw=raw,
        notes="raw = the email lookup and one INSERT of the lead; the platform also looks up "
        "the mobile key, writes history, outbox, search rows, the campaign member, the "
        "form's counter and the audit entry (the API adds the rate-limit hit and token check)",
    )
