"""From a committed change to a signed POST: the webhook fan-out and the delivery job.

**Fan-out** (:func:`fan_out`, the outbox subscriber ``webhooks``). For each committed record
event the relay hands over, the tenant's active subscriptions are read (one query on a small
table, indexed on ``active``; those created after the change are left out) and matched
against ``<object>.<verb>``; each match gets a delivery row with its body built now and a
``webhook.deliver`` job, in the relay's transaction and deduplicated on (event,
subscription): an event fans out exactly once. The body's ``data``:

- ``object``, ``id``;
- ``changes``: the names of the fields the update changed (``[]`` for created and deleted),
  what the outbox event holds — values are in ``record``;
- ``record``: the record as the API shows it to an administrator (every field, lookups with
  their titles), read when the event is fanned out, normally well under a second after the
  commit; a later change may already be in it, and comes with its own event. A deleted
  record is read from the recycle bin; one gone by then is sent as ``null``.

**Attempts** (:func:`deliver_job`). Each attempt of a delivery is one job. Why not let the
queue retry a raising handler: a failed job's transaction rolls back, and with it the
attempt's outcome, which the delivery log must keep (status, error, excerpt, duration). So an
attempt never raises for what the receiver does: it records the outcome and, on failure,
queues the next attempt itself — after the `DELIVERY_RETRY` delay, or the receiver's
``Retry-After`` when longer (capped at the policy's ceiling) — and finishes. The queue's own
retries (:data:`subscriptions.JOB_ATTEMPTS`) only cover a handler that breaks (the database,
a bug). A worker dying between the POST and the commit sends the attempt again, with the same
``webhook-id``: receivers deduplicate on it, as the Standard Webhooks spec asks.

Every attempt signs anew: ``webhook-timestamp`` is the attempt's time, the signature covers the
current secret and, during a rotation's overlap, the previous one.

**Disabling.** A subscription is switched off, with the reason and an audit entry, when one of
its deliveries runs out of attempts (:data:`MAX_DELIVERY_ATTEMPTS` over about a day), or after
:data:`DISABLE_AFTER_FAILURES` failed attempts in a row spanning at least
:data:`DISABLE_MIN_SPAN` (a short outage under a burst of events is not enough).
:func:`on_subscription_disabled` audits it and tells every active administrator (the bell and,
where they get email, an email copy), in the same transaction as the switch-off.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.jobs import ClaimedJob, OutboxEvent, job_handler, subscribe
from keyi.platform.jobs import queue as jobs_queue
from keyi.platform.notifications import notify
from keyi.platform.notify.templates import normalise_locale
from keyi.platform.query.listing import fetch_one
from keyi.platform.webhooks import subscriptions as subs
from keyi.platform.webhooks.payload import DELIVERY_RETRY
from keyi.platform.webhooks.send import DeliveryResult, deliver
from keyi.platform.webhooks.signing import headers
from keyi.platform.webhooks.table import delivery_table, webhook_table

__all__ = [
    "DISABLE_AFTER_FAILURES",
    "DISABLE_MIN_SPAN",
    "MAX_DELIVERY_ATTEMPTS",
    "deliver_job",
    "fan_out",
    "on_subscription_disabled",
]

log = logging.getLogger("keyi.webhooks")

MAX_DELIVERY_ATTEMPTS = 10
"""Attempts of one delivery: the first and nine retries, about 27 hours on DELIVERY_RETRY."""
DISABLE_AFTER_FAILURES = 20
DISABLE_MIN_SPAN = timedelta(hours=1)
_VERBS = {"record.created": "created", "record.updated": "updated", "record.deleted": "deleted"}
WEBHOOKS_PATH = "/setup/webhooks"
_EXCERPT_CHARS = 2048
_ERROR_CHARS = 1000


# ---------------------------------------------------------------- fan-out
@subscribe("webhooks")
def fan_out(ctx: Context, event: OutboxEvent) -> None:
    """One delivery per active subscription that wants this event (see the module doc)."""
    verb = _VERBS.get(event.event)
    if verb is None or event.record_id is None:
        return
    # Subscriptions made after the change (its event relayed later) do not get it.
    hooks = ctx.conn.execute(
        sa.select(webhook_table.c.id, webhook_table.c.events).where(
            webhook_table.c.active.is_(True), webhook_table.c.created_at <= event.created_at
        )
    ).all()
    wanted = [str(h.id) for h in hooks if subs.matching(h.events or [], event.object, verb)]
    if not wanted or ctx.schema.get(event.object) is None:
        return
    data = {
        "object": event.object,
        "id": event.record_id,
        "changes": list(event.payload.get("fields", [])) if verb == "updated" else [],
        "record": fetch_one(ctx, event.object, event.record_id, deleted=verb == "deleted"),
    }
    for webhook_id in wanted:
        subs.enqueue_delivery(
            ctx,
            webhook_id,
            f"{event.object}.{verb}",
            data,
            timestamp=event.created_at,
            event_id=event.id,
        )


# ---------------------------------------------------------------- one attempt
@job_handler(subs.DELIVER_JOB, retry=DELIVERY_RETRY)
def deliver_job(ctx: Context, job: ClaimedJob) -> None:
    """One attempt of a delivery: sign, POST, record the outcome, queue the next attempt or
    give up (and maybe switch the subscription off)."""
    d, w = delivery_table, webhook_table
    delivery_id = str(job.payload["delivery_id"])
    delivery = ctx.conn.execute(sa.select(d).where(d.c.id == delivery_id)).mappings().first()
    if delivery is None or delivery["status"] != subs.PENDING:
        return  # deleted with its subscription, or already finished (a duplicate job)
    webhook = (
        ctx.conn.execute(sa.select(w).where(w.c.id == delivery["webhook_id"])).mappings().first()
    )
    if webhook is None:
        return
    if not webhook["active"] and delivery["event_type"] != subs.TEST_EVENT:
        _update_delivery(ctx, delivery_id, status=subs.CANCELLED, next_attempt_at=None)
        return
    now = ctx.now()
    try:
        secrets = _secrets(ctx, webhook, now)
    except SecretUnreadable:
        # The installation's key changed: no attempt can succeed until the secret is rotated.
        result = DeliveryResult(None, 0, error="secret_unreadable")
    else:
        body = delivery["body"].encode("utf-8")
        result = deliver(
            webhook["url"],
            body,
            headers(secrets, delivery_id, _unix(now), body),
            allow_private=subs.allow_private(ctx),
        )
    attempts = int(delivery["attempts"]) + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_status_code": result.status_code,
        "last_error": None if result.error is None else result.error[:_ERROR_CHARS],
        "last_duration_ms": result.duration_ms,
        "response_excerpt": result.response_excerpt[:_EXCERPT_CHARS],
    }
    if result.ok:
        _update_delivery(
            ctx,
            delivery_id,
            status=subs.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            **values,
        )
        if webhook["consecutive_failures"]:
            ctx.conn.execute(
                sa.update(w)
                .where(w.c.id == webhook["id"])
                .values(consecutive_failures=0, failing_since=None)
            )
        return
    failures = int(webhook["consecutive_failures"]) + 1
    failing_since = webhook["failing_since"] or now
    ctx.conn.execute(
        sa.update(w)
        .where(w.c.id == webhook["id"])
        .values(consecutive_failures=failures, failing_since=failing_since)
    )
    if attempts >= MAX_DELIVERY_ATTEMPTS:
        _update_delivery(ctx, delivery_id, status=subs.DEAD, next_attempt_at=None, **values)
        if delivery["event_type"] != subs.TEST_EVENT:
            _disable(ctx, str(webhook["id"]), "delivery_dead", delivery_id=delivery_id)
        return
    run_at = now + _retry_delay(attempts, result)
    _update_delivery(ctx, delivery_id, next_attempt_at=run_at, **values)
    jobs_queue.enqueue(
        ctx.conn,
        subs.DELIVER_JOB,
        {"delivery_id": delivery_id},
        now=now,
        run_at=run_at,
        dedupe_key=f"webhook-attempt:{delivery_id}:{job.id}",
        max_attempts=subs.JOB_ATTEMPTS,
    )
    if failures >= DISABLE_AFTER_FAILURES and now - failing_since >= DISABLE_MIN_SPAN:
        _disable(ctx, str(webhook["id"]), "consecutive_failures", failures=failures)


def _unix(moment: datetime) -> int:
    """Whole seconds since the epoch of a naive UTC time (the storage convention)."""
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def _retry_delay(attempt: int, result: DeliveryResult) -> timedelta:
    """The policy's delay after this attempt, or the receiver's Retry-After when it asks for
    longer (never shorter: a receiver cannot make us hammer it; never beyond the cap)."""
    delay = DELIVERY_RETRY.delay(attempt)
    if result.retry_after is not None:
        asked = timedelta(seconds=min(result.retry_after, DELIVERY_RETRY.cap.total_seconds()))
        delay = max(delay, asked)
    return delay


def _secrets(ctx: Context, webhook: Any, now: datetime) -> list[str]:
    box = subs.secret_box(ctx)
    keys = [box.decrypt(webhook["secret"])]
    until = webhook["previous_secret_until"]
    if webhook["previous_secret"] and until is not None and now < until:
        keys.append(box.decrypt(webhook["previous_secret"]))
    return keys


def _update_delivery(ctx: Context, delivery_id: str, **values: Any) -> None:
    ctx.conn.execute(
        sa.update(delivery_table).where(delivery_table.c.id == delivery_id).values(values)
    )


# ---------------------------------------------------------------- disabling
def _disable(ctx: Context, webhook_id: str, reason: str, **details: Any) -> None:
    w = webhook_table
    switched = ctx.conn.execute(
        sa.update(w)
        .where(w.c.id == webhook_id, w.c.active.is_(True))
        .values(active=False, disabled_at=ctx.now(), disabled_reason=reason)
    )
    if switched.rowcount != 1:
        return  # already off
    # Deliveries still waiting would only fail too: they are cancelled, replayable by hand.
    ctx.conn.execute(
        sa.update(delivery_table)
        .where(
            delivery_table.c.webhook_id == webhook_id,
            delivery_table.c.status == subs.PENDING,
            delivery_table.c.event_type != subs.TEST_EVENT,
        )
        .values(status=subs.CANCELLED, next_attempt_at=None)
    )
    subscription = ctx.conn.execute(sa.select(w).where(w.c.id == webhook_id)).mappings().one()
    on_subscription_disabled(ctx, dict(subscription), details)


def on_subscription_disabled(
    ctx: Context, subscription: dict[str, Any], details: dict[str, Any] | None = None
) -> None:
    """A subscription was switched off for failing: audit it and tell the administrators.

    Nobody else can switch it back on, and events keep being lost while it is off, so every
    active administrator is notified in their language, linking to Setup › Webhooks. The
    notification commits with the switch-off (a rolled-back attempt notifies nobody) and is
    deduplicated on the subscription and the moment it was disabled."""
    reason = str(subscription["disabled_reason"])
    log.warning(
        "webhook disabled",
        extra={"tenant": ctx.tenant.name, "webhook_id": str(subscription["id"]), "reason": reason},
    )
    ctx.audit(
        "webhook.disabled",
        webhook_id=str(subscription["id"]),
        url=subscription["url"],
        reason=reason,
        **(details or {}),
    )
    _tell_administrators(ctx, subscription, reason)


_DISABLED_TITLE = {
    "en": "Webhook switched off: {host}",
    "zh-CN": "Webhook 已停用：{host}",
}
_DISABLED_BODY = {
    "en": {
        "delivery_dead": "A delivery failed {attempts} times over about a day, so Keyi stopped "
        "sending events to {url}. Fix the receiver, then switch the webhook on again and "
        "replay the failed deliveries in Setup › Webhooks.",
        "consecutive_failures": "{failures} attempts in a row failed, so Keyi stopped sending "
        "events to {url}. Fix the receiver, then switch the webhook on again in Setup › "
        "Webhooks.",
    },
    "zh-CN": {
        "delivery_dead": "一次投递在约一天内失败了 {attempts} 次，客易已停止向 {url} 发送事件。"
        "请修复接收端，然后在 设置 › Webhooks 中重新启用并重放失败的投递。",
        "consecutive_failures": "连续 {failures} 次投递失败，客易已停止向 {url} 发送事件。"
        "请修复接收端，然后在 设置 › Webhooks 中重新启用。",
    },
}


def _tell_administrators(ctx: Context, subscription: dict[str, Any], reason: str) -> None:
    users = ctx.object("user").table
    admins = ctx.conn.execute(
        sa.select(users.c.id, users.c.language).where(
            users.c.is_admin.is_(True),
            users.c.is_active.is_(True),
            users.c.deleted_at.is_(None),
        )
    ).all()
    by_language: dict[str, list[str]] = {}
    for user_id, language in admins:
        by_language.setdefault(normalise_locale(language), []).append(str(user_id))
    url = str(subscription["url"])
    host = urlsplit(url).hostname or url
    # The URL may carry a token in its query; the administrators see it in Setup anyway, but a
    # notification (and its email copy) shows only scheme, host and path.
    shown_url = urlsplit(url)._replace(query="", fragment="").geturl()
    disabled_at = subscription.get("disabled_at")
    for language, group in by_language.items():
        bodies = _DISABLED_BODY.get(language, _DISABLED_BODY["en"])
        body = bodies.get(reason, bodies["consecutive_failures"]).format(
            url=shown_url, attempts=MAX_DELIVERY_ATTEMPTS, failures=DISABLE_AFTER_FAILURES
        )
        notify(
            ctx,
            group,
            _DISABLED_TITLE.get(language, _DISABLED_TITLE["en"]).format(host=host),
            body,
            link=WEBHOOKS_PATH,
            source="webhook",
            dedupe_key=f"webhook.disabled:{subscription['id']}:{disabled_at}",
        )
