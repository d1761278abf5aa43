"""Email campaigns: send now, schedule, cancel, send a test; the audience queued as deliveries.

**Status**: ``draft`` → ``scheduled`` (``schedule``) → ``sending`` (``send_now``, or the
scheduled time) → ``sent`` once every delivery is settled; ``cancel`` stops a scheduled or
sending campaign (deliveries not yet sent become ``cancelled``). Status and counters are
read-only: only these actions and the sender change them.

**Once only.** ``send_now`` and ``schedule`` take the campaign's row lock (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite has one writer at a time) and read the status again under it
before moving it: of two concurrent clicks, the second waits for the first's commit, finds the
campaign ``sending`` and gets 409 ``email_campaign_not_draft``; the queueing job is enqueued
once (its dedupe key names the campaign, and the scheduled time for a schedule).

**Queueing** (job ``marketing.email_queue``, as the campaign's owner: the audience is the
segment's people the *owner* may read, keyi.packages.marketing.audience): one ``INSERT …
SELECT`` makes a delivery per address (lower-cased, one per address however many records share
it) of the people who have an email, have not opted out (``email_opt_out``) and gave consent
(``consent = granted``: PIPL — never asked is not consent). The skipped are counted in that
order of reasons: no email, opted out, no consent. Then the sender's lanes are queued
(keyi.packages.marketing.email_sending).

**Counters** (``recipients``, ``sent``, ``opened`` …) are statistics the sender and the
tracking routes add to with ``UPDATE … SET sent = sent + n`` on the campaign row — atomic under
the row lock, so concurrent lanes never lose a count — and not through the records service: a
history row and a version bump per batch or per open would flood the history and make a user's
edit of the campaign fail with 412 while it sends. The status changes do go through the
records service (history and audit show who sent and when).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects import postgresql, sqlite

from keyi.packages.marketing import audience, email_render, email_templates
from keyi.platform.actions import registry as action_registry
from keyi.platform.analytics.readers import as_user
from keyi.platform.deliveries import delivery_table
from keyi.platform.errors import Conflict, FieldError, ValidationFailed
from keyi.platform.fieldtypes import EMAIL_RE
from keyi.platform.hooks import WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.ids import new_id
from keyi.platform.jobs import enqueue, job_handler
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.jobs import ClaimedJob

EMAIL_PATTERN = EMAIL_RE.pattern
__all__ = [
    "QUEUE_JOB",
    "SEND_JOB",
    "TEST_JOB",
    "add_counts",
    "campaign_settings",
    "cancel",
    "queue_audience",
    "schedule",
    "send_now",
    "send_test",
]

log = logging.getLogger("keyi.marketing.email")
hooks = registry.package("marketing")
actions = action_registry.package("marketing")

QUEUE_JOB = "marketing.email_queue"
SEND_JOB = "marketing.email_send"
TEST_JOB = "marketing.email_test"
OBJECT = "email_campaign"
STARTABLE = ("draft", "scheduled")
CANCELLABLE = ("scheduled", "sending")
STATUS_FIELDS = frozenset({"status", "scheduled_at", "started_at", "completed_at"})
SKIP_FIELDS = frozenset({"recipients", "skipped_no_email", "skipped_opt_out", "skipped_no_consent"})
COUNTERS = ("sent", "failed", "bounced", "opened", "clicked", "unsubscribed")
# Tenant settings (Setup › Marketing › Email): the send rate and the default sender.
RATE_KEY = "marketing.email_rate_per_minute"
FROM_NAME_KEY = "marketing.email_from_name"
FROM_ADDRESS_KEY = "marketing.email_from_address"
DEFAULT_RATE = 6000
LANES_KEY = "marketing.email_lanes"
DEFAULT_LANES = 4

MESSAGES.update(
    {
        "email_campaign_not_draft": {
            "en": "This email campaign is “{status}”: only a draft or scheduled one can be sent.",
            "zh-CN": "该邮件营销状态为“{status}”，只有草稿或已排期的可以发送。",
        },
        "email_campaign_not_active": {
            "en": "Only a scheduled or sending email campaign can be cancelled.",
            "zh-CN": "只有已排期或发送中的邮件营销可以取消。",
        },
        "scheduled_in_past": {
            "en": "The send time must be in the future.",
            "zh-CN": "计划发送时间必须晚于当前时间。",
        },
    }
)


# ------------------------------------------------------------------ settings and defaults
def campaign_settings(ctx: Context) -> dict[str, Any]:
    """The tenant's email settings, with the installation's sender as the default From."""
    platform = ctx.platform_settings
    default_name, default_address = parseaddr(platform.smtp_from if platform else "")
    rate = ctx.settings.get(RATE_KEY, DEFAULT_RATE)
    address = ctx.settings.get(FROM_ADDRESS_KEY) or default_address or None
    return {
        "rate_per_minute": int(rate) if isinstance(rate, int) else DEFAULT_RATE,
        "from_name": ctx.settings.get(FROM_NAME_KEY) or default_name or ctx.tenant.label,
        # The installation's no-reply@localhost is no address a campaign can send from.
        "from_address": address if address and EMAIL_RE.match(str(address)) else None,
    }


@hooks.before_save(OBJECT)
def sender_defaults(ctx: Context, event: WriteEvent) -> None:
    """A new campaign's From comes from the tenant's settings when not given."""
    if event.operation != "create":
        return
    defaults = campaign_settings(ctx)
    if not event.final("from_name"):
        event.values["from_name"] = defaults["from_name"]
    if not event.final("from_address") and defaults["from_address"]:
        event.values["from_address"] = defaults["from_address"]


# ------------------------------------------------------------------ counters
def add_counts(ctx: Context, campaign_id: str, **counts: int) -> None:
    """Add to the campaign's counters in one atomic UPDATE (see the module)."""
    table = ctx.object(OBJECT).table
    values = {name: table.c[name] + amount for name, amount in counts.items() if amount}
    if values:
        ctx.conn.execute(sa.update(table).where(table.c.id == campaign_id).values(values))


def _locked(ctx: Context, campaign_id: str) -> dict[str, Any]:
    """The campaign row under its row lock, read again (see the module)."""
    table = ctx.object(OBJECT).table
    stmt = sa.select(table).where(table.c.id == campaign_id)
    if ctx.dialect == "postgresql":
        stmt = stmt.with_for_update()
    return dict(ctx.conn.execute(stmt).mappings().one())


def _set_status(ctx: Context, campaign_id: str, values: dict[str, Any]) -> None:
    RecordsService(ctx).update(OBJECT, campaign_id, values, trusted_fields=STATUS_FIELDS)


def _status_label(ctx: Context, status: Any) -> str:
    field = ctx.object(OBJECT).fields["status"]
    for option in field.options or ():
        if option.value == status:
            return str(option.labels.get(ctx.locale) or option.labels.get("en") or status)
    return str(status)


def _require_ready(ctx: Context, record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The campaign's segment and template as the caller reads them; 422 where one is
    missing, unreadable, or the template does not render."""
    errors = []
    records = RecordsService(ctx)
    segment = template = None
    for name in ("segment", "template"):
        if not record.get(name):
            errors.append(FieldError(name, "required"))
    if record.get("segment"):
        segment = records.get("segment", str(record["segment"]))
    if record.get("template"):
        template = records.get("email_template", str(record["template"]))
        problems, _ = email_templates.validate_template(
            ctx, template.get("subject"), template.get("body_html"), None
        )
        if problems or not template.get("body_html"):
            reason = "; ".join(f"{p.field}: {p.code}" for p in problems) or "body_html: required"
            errors.append(FieldError("template", "template_render_failed", {"reason": reason}))
    if errors:
        raise ValidationFailed(errors)
    assert segment is not None and template is not None
    return segment, template


# ------------------------------------------------------------------ actions
class CampaignState(BaseModel):
    id: str
    status: str
    scheduled_at: datetime | None = None


class ScheduleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheduled_at: datetime = Field(description="When to send (UTC, or with an offset).")


class TestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(
        max_length=320,
        pattern=EMAIL_PATTERN,
        description="Where the test goes; its subject starts with [TEST].",
    )
    record_object: str | None = Field(default=None, pattern="^(contact|lead)$")
    record_id: str | None = Field(default=None, max_length=36)


class TestQueued(BaseModel):
    to: str
    subject: str


def _startable(ctx: Context, record: dict[str, Any]) -> bool:
    return record.get("status") in STARTABLE


def _cancellable(ctx: Context, record: dict[str, Any]) -> bool:
    return record.get("status") in CANCELLABLE


def _start(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    _require_ready(ctx, record)
    current = _locked(ctx, str(record["id"]))
    if current["status"] not in STARTABLE:
        raise Conflict("email_campaign_not_draft", status=_status_label(ctx, current["status"]))
    return current


@actions.record(
    OBJECT,
    "send_now",
    labels={"en": "Send now", "zh-CN": "立即发送"},
    output=CampaignState,
    available=_startable,
    unavailable_code="email_campaign_not_draft",
    # The campaign's Sending tab asks for confirmation with the audience count; the generic
    # action menu would send on one click.
    menu=False,
)
def send_now(ctx: Context, record: dict[str, Any], payload: None) -> CampaignState:
    """Queue the campaign for sending now (once, however often it is clicked)."""
    _start(ctx, record)
    campaign_id = str(record["id"])
    _set_status(ctx, campaign_id, {"status": "sending", "started_at": ctx.now()})
    enqueue(
        ctx.conn,
        QUEUE_JOB,
        {"campaign": campaign_id},
        now=ctx.now(),
        dedupe_key=f"{QUEUE_JOB}:{campaign_id}:now",
    )
    return CampaignState(id=campaign_id, status="sending")


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None, microsecond=0)


@actions.record(
    OBJECT,
    "schedule",
    labels={"en": "Schedule", "zh-CN": "定时发送"},
    input=ScheduleBody,
    output=CampaignState,
    available=_startable,
    unavailable_code="email_campaign_not_draft",
)
def schedule(ctx: Context, record: dict[str, Any], payload: ScheduleBody) -> CampaignState:
    """Send at a time to come (a later schedule replaces an earlier one)."""
    when = _naive_utc(payload.scheduled_at)
    if when <= ctx.now():
        raise ValidationFailed([FieldError("scheduled_at", "scheduled_in_past")])
    _start(ctx, record)
    campaign_id = str(record["id"])
    _set_status(ctx, campaign_id, {"status": "scheduled", "scheduled_at": when})
    enqueue(
        ctx.conn,
        QUEUE_JOB,
        {"campaign": campaign_id, "scheduled_at": when.isoformat()},
        now=ctx.now(),
        run_at=when,
        dedupe_key=f"{QUEUE_JOB}:{campaign_id}:{when.isoformat()}",
    )
    return CampaignState(id=campaign_id, status="scheduled", scheduled_at=when)


@actions.record(
    OBJECT,
    "cancel",
    labels={"en": "Cancel sending", "zh-CN": "取消发送"},
    output=CampaignState,
    available=_cancellable,
    unavailable_code="email_campaign_not_active",
)
def cancel(ctx: Context, record: dict[str, Any], payload: None) -> CampaignState:
    """Stop a scheduled or sending campaign: what is not sent yet is not sent."""
    campaign_id = str(record["id"])
    current = _locked(ctx, campaign_id)
    if current["status"] not in CANCELLABLE:
        raise Conflict("email_campaign_not_active")
    _set_status(ctx, campaign_id, {"status": "cancelled", "completed_at": ctx.now()})
    d = delivery_table
    ctx.conn.execute(
        sa.update(d)
        .where(d.c.source_id == campaign_id, d.c.status == "queued")
        .values(status="cancelled")
    )
    return CampaignState(id=campaign_id, status="cancelled")


@actions.record(
    OBJECT,
    "send_test",
    labels={"en": "Send a test", "zh-CN": "发送测试邮件"},
    input=TestBody,
    output=TestQueued,
)
def send_test(ctx: Context, record: dict[str, Any], payload: TestBody) -> TestQueued:
    """Render the campaign for a sample recipient (the record given, else the first person of
    the audience the caller may read, else made-up data) and mail it to ``to``, marked
    [TEST]; the mail leaves after the commit (job ``marketing.email_test``)."""
    from keyi.packages.marketing import email_sending  # the sender builds the message

    segment, template = _require_ready(ctx, record)
    fields = email_templates.merge_fields(ctx)
    records = RecordsService(ctx)
    sample: dict[str, Any] | None = None
    object_name = str(segment.get("object") or "contact")
    if payload.record_object and payload.record_id:
        object_name = payload.record_object
        sample = records.get(object_name, payload.record_id)
    else:
        for ids in audience.audience_ids(ctx, segment, batch=1):
            sample = records.get(object_name, ids[0])
            break
    settings = campaign_settings(ctx)
    sender = email_sending.sender_of(ctx, record, settings)
    if sample is not None:
        found = email_templates.record_values(ctx, object_name, sample)
        values = email_templates.recipient_values(
            ctx, fields, object_name, found["row"], found["account"], sender, "#unsubscribe"
        )
    else:
        made_up = email_templates.sample_values(ctx, str(template.get("language") or "zh-CN"))
        values = email_templates.recipient_values(
            ctx, fields, "contact", made_up["recipient"], made_up["account"], sender, "#"
        )
    try:
        rendered = email_render.render_email(
            str(template["subject"]), str(template["body_html"]), values
        )
    except email_render.RenderFailed as exc:
        raise ValidationFailed(
            [FieldError("template", "template_render_failed", {"reason": exc.reason})]
        ) from None
    subject = f"[TEST] {rendered.subject}"
    enqueue(
        ctx.conn,
        TEST_JOB,
        {
            "campaign": str(record["id"]),
            "to": str(payload.to),
            "subject": subject,
            "html": rendered.html,
            "text": rendered.text,
        },
        now=ctx.now(),
        dedupe_key=f"{TEST_JOB}:{new_id()}",
        max_attempts=3,
    )
    return TestQueued(to=str(payload.to), subject=subject)


# ------------------------------------------------------------------ queueing
def _insert(conn: sa.Connection) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        delivery_table
    )


def queue_audience(
    ctx: Context, campaign: dict[str, Any], segment: dict[str, Any]
) -> dict[str, int]:
    """Make the deliveries of the campaign's audience (set-based, see the module) and answer
    the counts: recipients and the skipped by reason. Run as the campaign's owner."""
    object_name = str(segment["object"])
    people = ctx.object(object_name).table
    ids = audience.audience_select(ctx, segment).subquery()
    in_audience = people.c.id.in_(sa.select(ids.c.id))
    address = sa.func.lower(sa.func.trim(people.c.email))
    no_email = sa.or_(people.c.email.is_(None), sa.func.trim(people.c.email) == "")
    opted_out = sa.func.coalesce(people.c.email_opt_out, sa.false()).is_(True)
    no_consent = sa.or_(people.c.consent.is_(None), people.c.consent != "granted")

    def count_of(condition: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    skipped = ctx.conn.execute(
        sa.select(
            count_of(no_email),
            count_of(sa.and_(sa.not_(no_email), opted_out)),
            count_of(sa.and_(sa.not_(no_email), sa.not_(opted_out), no_consent)),
        ).where(in_audience, people.c.deleted_at.is_(None))
    ).one()
    d = delivery_table
    now = ctx.now()
    uuid_type = d.c.source_id.type
    # PostgreSQL needs the typed literal (an untyped parameter reads as text); SQLite stores
    # the bound string as is (a CAST there would make the timestamp a number).
    stamp: Any = sa.literal(now, sa.DateTime())
    if ctx.dialect == "postgresql":
        stamp = sa.cast(stamp, sa.DateTime())
    chosen = sa.select(
        sa.literal("email"),
        sa.literal(OBJECT),
        sa.cast(sa.literal(str(campaign["id"]), uuid_type), uuid_type),
        sa.literal(object_name),
        people.c.id,
        address,
        sa.literal("queued"),
        sa.literal(0),
        stamp,
        stamp,
    ).where(
        in_audience,
        people.c.deleted_at.is_(None),
        sa.not_(no_email),
        sa.not_(opted_out),
        sa.not_(no_consent),
    )
    columns = [
        "channel",
        "source_object",
        "source_id",
        "recipient_object",
        "recipient_id",
        "address",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    ctx.conn.execute(_insert(ctx.conn).from_select(columns, chosen).on_conflict_do_nothing())
    recipients = ctx.conn.execute(
        sa.select(sa.func.count()).select_from(d).where(d.c.source_id == str(campaign["id"]))
    ).scalar_one()
    return {
        "recipients": int(recipients),
        "skipped_no_email": int(skipped[0]),
        "skipped_opt_out": int(skipped[1]),
        "skipped_no_consent": int(skipped[2]),
    }


def lanes(ctx: Context) -> int:
    value = ctx.settings.get(LANES_KEY, DEFAULT_LANES)
    return max(1, min(16, int(value))) if isinstance(value, int) else DEFAULT_LANES


def queue_lanes(
    ctx: Context, campaign_id: str, count: int, *, run_at: datetime | None = None
) -> None:
    """The sender's jobs for a campaign: ``count`` lanes that each send a batch and queue
    their own next step (keyi.packages.marketing.email_sending)."""
    for lane in range(count):
        enqueue(
            ctx.conn,
            SEND_JOB,
            {"campaign": campaign_id, "lane": lane},
            now=ctx.now(),
            run_at=run_at,
            dedupe_key=f"{SEND_JOB}:{campaign_id}:{lane}:{new_id()}",
        )


def finish_campaign(ctx: Context, campaign_id: str) -> None:
    """Mark a sending campaign sent once none of its deliveries is queued (under its lock, so
    of two lanes finishing together one writes it)."""
    current = _locked(ctx, campaign_id)
    if current["status"] != "sending":
        return
    d = delivery_table
    waiting = ctx.conn.execute(
        sa.select(d.c.id).where(d.c.source_id == campaign_id, d.c.status == "queued").limit(1)
    ).first()
    if waiting is None:
        _set_status(ctx, campaign_id, {"status": "sent", "completed_at": ctx.now()})


@job_handler(QUEUE_JOB)
def queue_campaign(ctx: Context, job: ClaimedJob) -> None:
    """Turn the campaign's audience into deliveries (see the module), then start the sender."""
    campaign_id = str(job.payload["campaign"])
    table = ctx.object(OBJECT).table
    campaign = _locked(ctx, campaign_id) if _exists(ctx, table, campaign_id) else None
    if campaign is None or campaign["deleted_at"] is not None:
        return
    if campaign["status"] == "scheduled":
        wanted = job.payload.get("scheduled_at")
        at = campaign["scheduled_at"]
        if not wanted or at is None or at.isoformat() != wanted:
            return  # rescheduled or unscheduled since: another job has the new time
        _set_status(ctx, campaign_id, {"status": "sending", "started_at": ctx.now()})
    elif campaign["status"] != "sending":
        return
    owner = campaign.get("owner_id")
    counts = None
    if owner:
        with as_user(ctx, str(owner)) as acting:
            if acting:
                segment = _readable(ctx, "segment", campaign.get("segment"))
                if segment is not None:
                    counts = queue_audience(ctx, campaign, segment)
    counts = counts or dict.fromkeys(SKIP_FIELDS, 0)
    RecordsService(ctx).update(OBJECT, campaign_id, counts, trusted_fields=SKIP_FIELDS)
    if counts["recipients"]:
        queue_lanes(ctx, campaign_id, lanes(ctx))
    else:
        finish_campaign(ctx, campaign_id)


def _exists(ctx: Context, table: sa.Table, record_id: str) -> bool:
    return (
        ctx.conn.execute(sa.select(table.c.id).where(table.c.id == record_id)).first() is not None
    )


def _readable(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any] | None:
    from keyi.platform.errors import NotFound

    if not record_id:
        return None
    try:
        return RecordsService(ctx).get(object_name, str(record_id))
    except NotFound:
        log.info("email campaign: the owner cannot read its %s", object_name)
        return None


def retry_after(attempt: int) -> timedelta:
    """When a temporarily refused delivery is tried again: 1, 5, 15, 60 minutes."""
    steps = (1, 5, 15, 60)
    return timedelta(minutes=steps[min(attempt, len(steps)) - 1])
