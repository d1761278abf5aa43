"""SMS campaigns: a segment's people, each sent the template once, at the tenant's rate.

**Start** (the ``send`` action, in the request): the segment's people as the starting user sees
them (`audience.audience_ids`, row access included) become one keyi_sms_message row each — the
audience is fixed at that moment — either ``queued`` with the number and parameters, or
``skipped`` with the reason (opted out, no consent, no mobile), so the counters account for
everyone. The rows are unique per (campaign, person): a start that runs twice adds nobody twice.
The campaign becomes ``sending`` and the send job is queued (one per campaign: dedupe key).

**Send** (the job, as the system): as many queued rows as the tenant's rate allows in the last
minute (`keyi.platform.sms.messages.budget`, counted from the log itself, so two campaigns
share one rate), each person checked again (an opt-out that arrived since is honoured), then
the vendor called per person. A retryable refusal (the vendor's flow control) puts the row back
in the queue, up to ``MAX_ATTEMPTS``. The job queues its own continuation while rows wait (after
a minute when the rate is used up), and marks the campaign ``sent`` when none is left.

The vendor is called inside the job's transaction, as other jobs that mail or post do: should
the worker die after the vendor took a message and before the commit, the retried job sends it
again (at least once, never lost); each request carries our message id (Aliyun ``OutId``,
Tencent ``SessionContext``) so the vendor's records show the repeat.

**Counters** are recounted from the rows after each step (a GROUP BY on an indexed column) and
written through the records service, so the campaign's history shows the progress.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from keyi.packages.marketing.audience import audience_ids, load_segment
from keyi.packages.marketing.sms_render import (
    PERSON_FIELDS,
    eligibility,
    mapped_fields,
    params_for,
    render_text,
)
from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.jobs.queue import ClaimedJob, enqueue
from keyi.platform.jobs.registry import job_handler
from keyi.platform.records import RecordsService
from keyi.platform.sms import messages
from keyi.platform.sms.settings import build_provider, load_config
from keyi.platform.sms.table import sms_message_table

__all__ = [
    "COUNTERS",
    "SEND_JOB",
    "SOURCE",
    "cancel_campaign",
    "counters",
    "people",
    "recount",
    "send_campaign_batch",
    "start_campaign",
]

SEND_JOB = "marketing.sms_campaign_send"
SOURCE = "sms_campaign"
BATCH = 500  # people read per query at start, and messages sent per job run at most
MAX_ATTEMPTS = 3
COUNTERS = (
    "audience_count",
    "queued_count",
    "sent_count",
    "delivered_count",
    "failed_count",
    "skipped_opt_out_count",
    "skipped_no_consent_count",
    "skipped_no_number_count",
)
_REASON_COUNTER = {
    "opted_out": "skipped_opt_out_count",
    "no_consent": "skipped_no_consent_count",
    "no_number": "skipped_no_number_count",
}


def people(
    ctx: Context, object_name: str, ids: list[str], extra: list[str]
) -> dict[str, dict[str, Any]]:
    """The eligibility fields and the template's fields of these contacts or leads."""
    obj = ctx.object(object_name)
    names = [n for n in dict.fromkeys([*PERSON_FIELDS, *extra]) if n in obj.table.c]
    rows = ctx.conn.execute(
        sa.select(obj.table.c.id, *(obj.table.c[n] for n in names)).where(
            obj.table.c.id.in_(ids), obj.table.c.deleted_at.is_(None)
        )
    ).mappings()
    return {str(r["id"]): dict(r) for r in rows}


def _sign_name(ctx: Context, template: dict[str, Any], config: dict[str, Any]) -> str | None:
    return template.get("sign_name") or config.get("sign_name")


def start_campaign(ctx: Context, campaign: dict[str, Any]) -> dict[str, int]:
    """Fix the audience, queue or skip each person, start the send job; the counters."""
    records = RecordsService(ctx)
    errors: list[FieldError] = []
    segment = load_segment(ctx, str(campaign["segment"]))
    template = records.get("sms_template", str(campaign["template"]))
    if template.get("object") != segment.get("object"):
        errors.append(FieldError("template", "template_object_mismatch"))
    if template.get("active") is False:
        errors.append(FieldError("template", "template_inactive"))
    config = load_config(ctx)
    sign = _sign_name(ctx, template, config)
    if config["provider"] != "log" and not sign:
        errors.append(FieldError("template", "sign_name_missing"))
    if errors:
        raise ValidationFailed(errors)
    object_name = str(segment["object"])
    extra = mapped_fields(template)
    readable = set(ctx.policy.readable_fields(ctx.object(object_name)))
    for ids in audience_ids(ctx, segment, batch=BATCH):
        found = people(ctx, object_name, ids, extra)
        rows = []
        for record_id in ids:
            person = found.get(record_id)
            if person is None:
                continue
            phone, reason = eligibility(person)
            row: dict[str, Any] = {
                "source": SOURCE,
                "source_id": campaign["id"],
                "object": object_name,
                "record_id": record_id,
                "status": messages.SKIPPED if reason else messages.QUEUED,
                "reason": reason,
            }
            if phone is not None:
                params = params_for(template, person, readable)
                row.update(
                    phone=phone,
                    sign_name=sign,
                    template_code=template["template_code"],
                    params=params,
                    text=render_text(template, params, sign),
                )
            rows.append(row)
        messages.insert_messages(ctx, rows)
    now = ctx.now()
    counts = counters(ctx, str(campaign["id"]))
    _write(ctx, str(campaign["id"]), {"status": "sending", "started_at": now, **counts})
    enqueue(
        ctx.conn,
        SEND_JOB,
        {"campaign_id": str(campaign["id"])},
        now=now,
        dedupe_key=f"{SEND_JOB}:{campaign['id']}",
    )
    return counts


def counters(ctx: Context, campaign_id: str) -> dict[str, int]:
    """Everyone of the campaign, by outcome."""
    t = sms_message_table
    result = dict.fromkeys(COUNTERS, 0)
    rows = ctx.conn.execute(
        sa.select(t.c.status, t.c.reason, sa.func.count())
        .where(t.c.source_id == campaign_id)
        .group_by(t.c.status, t.c.reason)
    )
    for status, reason, count in rows:
        result["audience_count"] += int(count)
        if status in (messages.QUEUED, "sending"):
            result["queued_count"] += int(count)
        elif status in messages.ACCEPTED:
            result["sent_count"] += int(count)
            if status == messages.DELIVERED:
                result["delivered_count"] += int(count)
        elif status == messages.FAILED:
            result["failed_count"] += int(count)
        elif reason in _REASON_COUNTER:
            result[_REASON_COUNTER[reason]] += int(count)
    return result


def recount(ctx: Context, campaign_id: str) -> None:
    """Bring a campaign's counters up to its messages (after delivery reports)."""
    if _campaign_row(ctx, campaign_id) is not None:
        _write(ctx, campaign_id, counters(ctx, campaign_id))


def _write(ctx: Context, campaign_id: str, values: dict[str, Any]) -> None:
    RecordsService(ctx).update(
        "sms_campaign", campaign_id, values, trusted_fields=frozenset(values)
    )


def cancel_campaign(ctx: Context, campaign: dict[str, Any]) -> dict[str, int]:
    """Stop a campaign: its waiting messages are skipped (``cancelled``), sent ones stay."""
    t = sms_message_table
    ctx.conn.execute(
        sa.update(t)
        .where(t.c.source_id == campaign["id"], t.c.status == messages.QUEUED)
        .values(status=messages.SKIPPED, reason="cancelled")
    )
    counts = counters(ctx, str(campaign["id"]))
    _write(
        ctx,
        str(campaign["id"]),
        {"status": "cancelled", "finished_at": ctx.now(), **counts},
    )
    return counts


def _campaign_row(ctx: Context, campaign_id: str) -> dict[str, Any] | None:
    table = ctx.object("sms_campaign").table
    row = (
        ctx.conn.execute(
            sa.select(table).where(table.c.id == campaign_id, table.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


@job_handler(SEND_JOB)
def send_campaign_batch(ctx: Context, job: ClaimedJob) -> None:
    """Send what the tenant's rate allows of one campaign's queue, then schedule the rest."""
    campaign_id = str(job.payload.get("campaign_id", ""))
    campaign = _campaign_row(ctx, campaign_id)
    if campaign is None or campaign["status"] != "sending":
        return
    config = load_config(ctx)
    t = sms_message_table
    allowed = min(messages.budget(ctx, int(config["rate_per_minute"])), BATCH)
    rows = [
        dict(r)
        for r in ctx.conn.execute(
            sa.select(t)
            .where(t.c.source_id == campaign_id, t.c.status == messages.QUEUED)
            .order_by(t.c.created_at, t.c.id)
            .limit(allowed)
        ).mappings()
    ]
    if rows:
        try:
            provider = build_provider(ctx, config)
        except SecretUnreadable:
            provider = None
        by_object: dict[str, list[str]] = {}
        for row in rows:
            by_object.setdefault(str(row["object"]), []).append(str(row["record_id"]))
        now_people: dict[str, dict[str, Any]] = {}
        for object_name, ids in by_object.items():
            now_people.update(people(ctx, object_name, ids, []))
        for row in rows:
            person = now_people.get(str(row["record_id"]))
            _phone, reason = eligibility(person) if person is not None else (None, "deleted")
            if reason is not None:
                ctx.conn.execute(
                    sa.update(t)
                    .where(t.c.id == row["id"])
                    .values(status=messages.SKIPPED, reason=reason)
                )
                continue
            if provider is None:
                ctx.conn.execute(
                    sa.update(t)
                    .where(t.c.id == row["id"])
                    .values(status=messages.FAILED, error_code="secret_unreadable")
                )
                continue
            result = messages.deliver(ctx, provider, row)
            if not result.ok and result.retryable and row["attempts"] + 1 < MAX_ATTEMPTS:
                ctx.conn.execute(
                    sa.update(t).where(t.c.id == row["id"]).values(status=messages.QUEUED)
                )
    counts = counters(ctx, campaign_id)
    now = ctx.now()
    if counts["queued_count"] == 0:
        _write(ctx, campaign_id, {"status": "sent", "finished_at": now, **counts})
        return
    _write(ctx, campaign_id, counts)
    # A full batch sent with rate to spare: the next batch at once. Otherwise the rate is
    # used up or what waits are retries after the vendor's refusal: the next minute.
    later = len(rows) < BATCH
    enqueue(
        ctx.conn,
        SEND_JOB,
        {"campaign_id": campaign_id},
        now=now,
        run_at=now + timedelta(seconds=60 if later else 0),
    )
