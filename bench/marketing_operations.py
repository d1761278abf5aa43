"""Marketing operations (issue 16's budgets).

- ``web_form_submit``: one public web form submission from a new visitor
  (``POST /api/v1/public/forms/{key}``, no sign-in, budget < 50 ms p50): the rate-limit hit,
  the form read by its public key, the token check, the duplicate lookups by email and mobile
  key (two index reads), the lead's creation through the records service (history, outbox,
  search, flows), the campaign membership, the form's counter and the audit entry. Raw = the
  duplicate lookup by email and one INSERT of the lead, without the rest.

Needs the marketing package in the bench tenant (a LookupError otherwise, and the operation is
left out); writes one form and one campaign the first time.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench.operations import Operation, Subject, rows_of
from keyi.packages.marketing.web_form_submit import Submission, submit
from keyi.packages.marketing.web_forms import make_render_token
from keyi.platform.ids import new_id
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService

FORM_NAME = "基准表单"


def marketing_operations(s: Subject) -> list[Operation]:
    return [web_form_submit_op(s)]


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
