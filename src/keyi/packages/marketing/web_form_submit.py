"""What a web form submission does: check the body, drop spam, create or update the lead.

**The body** (JSON or form-encoded, parsed by the route into a flat mapping) may hold only the
form's fields, the UTM parameters (``utm_source`` … ``utm_content``), ``consent``, ``language``,
the render token ``_token`` and the honeypot (``hp_url``). Anything else, a value that is not
text / number / true-false (or a list for a multi-select), or a value over MAX_VALUE characters
is refused with 422 naming the field, before anything is written.

**Spam** (the honeypot filled, the render token missing, altered, another form's, older than a
day or younger than three seconds) is dropped: nothing is written, one log line says why, and
the answer is the same success a person gets, so a bot learns nothing.

**The lead.** A returning visitor is found by email (stored lower case), then by mobile (the
E.164 ``mobile_key`` the sales package keeps), among leads not yet converted (a converted lead
is a closed record: its person is a contact now, and a new enquiry is a new lead).
- New lead: the form's fields, source ``website``, the UTM parameters, consent ``granted`` with
  ``consent_at`` when the box was ticked, owned by the form's owner.
- Existing lead: only its *empty* fields are filled — never overwrite what a rep entered or
  corrected. UTM fields are first-touch: filled only when the lead has none, so the channel
  that brought the person first stays. A ticked consent box is the person's own latest word and
  is recorded (granted, now). A note on the lead's timeline says which form was sent, with the
  values as submitted and this visit's UTM, so nothing the visitor typed is lost.
Either way the lead joins the form's campaign once, as ``responded`` (an invited or registered
member becomes responded). Everything goes through the RecordsService as the system actor
``web_form``, so history, flows, search and the outbox apply; an audit entry names the form,
the lead and the client address. Two submissions of the same person at once (a double click)
are serialised on PostgreSQL by an advisory lock on the email/mobile keys (SQLite's write
transaction already is), so the second finds the lead the first created.

**The counter.** ``submission_count`` / ``last_submitted_at`` are a statistic, not an edit:
one atomic ``UPDATE … SET submission_count = submission_count + 1`` outside the records service
(no history row, no new version), so an administrator editing a live form is not refused as
stale by every submission, and concurrent submissions never lose a count.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from keyi.packages.marketing.web_forms import (
    HONEYPOT,
    TARGET,
    UTM_FIELDS,
    FormField,
    form_fields,
    read_render_token,
)
from keyi.platform.context import Context
from keyi.platform.crypto import SecretBox
from keyi.platform.dedupe import normalise_email, normalise_mobile
from keyi.platform.errors import FieldErrors
from keyi.platform.metadata.model import OWNER_FIELD, FieldType
from keyi.platform.records import RecordsService

__all__ = ["MAX_VALUE", "Outcome", "Submission", "parse_submission", "spam_reason", "submit"]

log = logging.getLogger("keyi.marketing.web_forms")

MAX_VALUE = 2000  # characters of one submitted value
TOKEN = "_token"  # noqa: S105 - the render token's field name
CONSENT = "consent"
LANGUAGE = "language"
TICKED = frozenset({"true", "on", "1", "yes"})
NOT_TICKED = frozenset({"false", "off", "0", "no", ""})
RESPONDED = "responded"
# A member further along than "responded" (attended, converted) stays where it is.
BEFORE_RESPONDED = frozenset({"invited", "registered"})


@dataclass
class Submission:
    """A submission's parts, checked for shape (not yet for spam or field values)."""

    values: dict[str, Any]
    utm: dict[str, str]
    consent: bool
    language: str | None
    token: str | None
    honeypot: str | None


@dataclass
class Outcome:
    """What the submission did: the lead, and whether it was created (201) or updated (200)."""

    lead_id: str
    created: bool
    changed: list[str] = field(default_factory=list)


def _scalar(value: Any, *, allow_list: bool) -> bool:
    if isinstance(value, list):
        return allow_list and all(isinstance(v, str) for v in value)
    return value is None or isinstance(value, str | int | float | bool | Decimal)


def _too_long(value: Any) -> bool:
    if isinstance(value, list):
        return sum(len(v) for v in value) > MAX_VALUE
    return isinstance(value, str) and len(value) > MAX_VALUE


def _ticked(value: Any, errors: FieldErrors) -> bool:
    if value is None or value is False:
        return False
    if value is True:
        return True
    text = str(value).strip().lower()
    if text in TICKED:
        return True
    if text not in NOT_TICKED:
        errors.add(CONSENT, "invalid_boolean")
    return False


def parse_submission(
    body: Mapping[str, Any], fields: list[FormField], target_fields: Mapping[str, Any]
) -> Submission:
    """The submission in ``body``; ValidationFailed (422) naming every unknown, malformed or
    oversized key."""
    errors = FieldErrors()
    names = {f.field for f in fields}
    multi = {
        f.field
        for f in fields
        if getattr(target_fields.get(f.field), "type", None) == FieldType.MULTI_PICKLIST
    }
    values: dict[str, Any] = {}
    utm: dict[str, str] = {}
    for key, value in body.items():
        known = key in names or key in UTM_FIELDS or key in (TOKEN, HONEYPOT, CONSENT, LANGUAGE)
        if not known:
            errors.add(str(key)[:64], "unknown_field", field=str(key)[:64])
            continue
        if not _scalar(value, allow_list=key in multi):
            errors.add(key, "invalid_text")
            continue
        if _too_long(value):
            errors.add(key, "too_long", max=MAX_VALUE)
            continue
        if key in names:
            values[key] = value
        elif key in UTM_FIELDS and value not in (None, ""):
            utm[key] = str(value).strip()
    consent = _ticked(body.get(CONSENT), errors)
    errors.raise_if_any()
    language = body.get(LANGUAGE)
    return Submission(
        values=values,
        utm=utm,
        consent=consent,
        language=language if language in ("zh-CN", "en") else None,
        token=str(body[TOKEN]) if body.get(TOKEN) else None,
        honeypot=str(body[HONEYPOT]) if body.get(HONEYPOT) else None,
    )


def spam_reason(box: SecretBox, form_id: str, submission: Submission, *, now: Any) -> str | None:
    """Why the submission is spam ("honeypot", or the token's fault), or None."""
    if submission.honeypot and submission.honeypot.strip():
        return "honeypot"
    return read_render_token(box, submission.token, form_id, now=now)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _check_required(ctx: Context, form: Mapping[str, Any], submission: Submission) -> None:
    errors = FieldErrors()
    for f in form_fields(form["fields"], ctx.object(TARGET)):
        value = submission.values.get(f.field)
        if f.required and (_empty(value) or (isinstance(value, str) and not value.strip())):
            errors.add(f.field, "required")
    if form.get("consent_checkbox") == "required" and not submission.consent:
        errors.add(CONSENT, "required")
    errors.raise_if_any()


def _serialise(ctx: Context, keys: list[str]) -> None:
    """Hold the person's keys until the transaction ends (PostgreSQL; SQLite's write
    transaction already excludes every other writer)."""
    if ctx.conn.dialect.name != "postgresql" or not keys:
        return
    numbers = []
    for key in sorted(set(keys)):  # one order for everyone: no deadlock between two keys
        digest = hashlib.sha256(f"keyi web form {ctx.tenant.id} {key}".encode()).digest()
        numbers.append(int.from_bytes(digest[:8], "big", signed=True))
    ctx.conn.execute(sa.select(*(sa.func.pg_advisory_xact_lock(n) for n in numbers)))


def find_lead(ctx: Context, email: str | None, mobile_key: str | None) -> dict[str, Any] | None:
    """The oldest unconverted lead with this email, else with this mobile (index lookups)."""
    obj = ctx.object(TARGET)
    table = obj.table
    alive = [table.c.deleted_at.is_(None)]
    if "converted_at" in obj.fields:
        alive.append(table.c.converted_at.is_(None))
    for column, value in (("email", email), ("mobile_key", mobile_key)):
        if not value or column not in obj.fields:
            continue
        row = (
            ctx.conn.execute(
                sa.select(table)
                .where(table.c[column] == value, *alive)
                .order_by(table.c.created_at, table.c.id)
                .limit(1)
            )
            .mappings()
            .first()
        )
        if row is not None:
            return dict(row)
    return None


def _join_campaign(records: RecordsService, ctx: Context, campaign_id: str, lead_id: str) -> None:
    """The lead as a responded member of the campaign, once. Looked up even for a new lead:
    a hook on the lead's creation may already have made it a member."""
    members = ctx.schema.get("campaign_member")
    if members is None:
        return
    table = members.table
    row = (
        ctx.conn.execute(
            sa.select(table.c.id, table.c.status, table.c.responded_at)
            .where(
                table.c.campaign == campaign_id,
                table.c.lead == lead_id,
                table.c.deleted_at.is_(None),
            )
            .order_by(table.c.created_at)
            .limit(1)
        )
        .mappings()
        .first()
    )
    now = ctx.now()
    if row is None:
        records.create_many(
            "campaign_member",
            [{"campaign": campaign_id, "lead": lead_id, "status": RESPONDED, "responded_at": now}],
        )
        return
    changes: dict[str, Any] = {}
    if row["status"] in BEFORE_RESPONDED:
        changes["status"] = RESPONDED
    if row["responded_at"] is None:
        changes["responded_at"] = now
    if changes:
        records.update("campaign_member", str(row["id"]), changes)


def _note(
    records: RecordsService,
    ctx: Context,
    form: Mapping[str, Any],
    lead: Mapping[str, Any],
    submission: Submission,
) -> None:
    """A note on the lead's timeline: which form, what was typed, from which campaign link."""
    if ctx.schema.get("activity") is None:
        return
    english = form.get("language") == "en"
    subject = f"Submitted web form: {form['name']}" if english else f"提交了表单：{form['name']}"
    lines = [f"{key}: {value}" for key, value in submission.values.items() if not _empty(value)]
    lines += [f"{key}: {value}" for key, value in submission.utm.items()]
    if submission.consent:
        lines.append("consent: granted")
    values: dict[str, Any] = {
        "subject": subject[:200],
        "type": "note",
        "related_object": TARGET,
        "related_id": lead["id"],
        "description": "\n".join(lines) or None,
    }
    owner = lead.get(OWNER_FIELD) or form.get(OWNER_FIELD)
    if owner:
        values[OWNER_FIELD] = owner
    records.create_many("activity", [values])


def _count(ctx: Context, form_id: str) -> None:
    """One more submission on the form (see the module docstring: a statistic, not an edit)."""
    table = ctx.object("web_form").table
    ctx.conn.execute(
        sa.update(table)
        .where(table.c.id == form_id)
        .values(
            submission_count=sa.func.coalesce(table.c.submission_count, 0) + 1,
            last_submitted_at=ctx.now(),
        )
    )


def submit(
    ctx: Context, form: Mapping[str, Any], submission: Submission, *, client: str
) -> Outcome:
    """Create or update the lead for a genuine (not spam) submission, in ctx's transaction
    (a system actor's). ValidationFailed when a required field is empty or a value does not
    fit its lead field; nothing is written then."""
    _check_required(ctx, form, submission)
    values = {k: v for k, v in submission.values.items() if not _empty(v)}
    email = normalise_email(values["email"]) if isinstance(values.get("email"), str) else None
    mobile = normalise_mobile(values["mobile"]) if isinstance(values.get("mobile"), str) else None
    _serialise(ctx, [k for k in (email, mobile) if k])
    records = RecordsService(ctx)
    lead_fields = ctx.object(TARGET).fields
    existing = find_lead(ctx, email, mobile)
    now = ctx.now()
    if existing is None:
        data: dict[str, Any] = {**values, **submission.utm}
        source = lead_fields.get("source")
        if source is not None and any(o.value == "website" for o in source.options or ()):
            data["source"] = "website"
        if submission.consent and "consent" in lead_fields:
            data.update(consent="granted", consent_at=now)
        if form.get(OWNER_FIELD):
            data[OWNER_FIELD] = form[OWNER_FIELD]
        [lead_id] = records.create_many(TARGET, [data])
        outcome = Outcome(lead_id=lead_id, created=True, changed=sorted(data))
    else:
        lead_id = str(existing["id"])
        data = {k: v for k, v in values.items() if _empty(existing.get(k))}
        if not any(existing.get(k) for k in UTM_FIELDS if k in lead_fields):
            data.update(submission.utm)
        if submission.consent and "consent" in lead_fields:
            data.update(consent="granted", consent_at=now)
        if data:
            records.update(TARGET, lead_id, data)
        _note(records, ctx, form, existing, submission)
        outcome = Outcome(lead_id=lead_id, created=False, changed=sorted(data))
    if form.get("campaign"):
        _join_campaign(records, ctx, str(form["campaign"]), lead_id)
    _count(ctx, str(form["id"]))
    ctx.audit(
        "marketing.web_form.submit",
        object_name=TARGET,
        record_id=lead_id,
        form=str(form["id"]),
        created=outcome.created,
        client=client,
    )
    return outcome
