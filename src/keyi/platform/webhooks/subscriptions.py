"""Setup › Webhooks: subscriptions, their secrets and their delivery log, for administrators.

A subscription is a URL and a list of events. An event is ``<object>.<verb>`` for every object
of the tenant, custom ones included, with the verbs ``created``, ``updated`` and ``deleted``;
``<object>.*`` stands for the three. The URL is checked against SSRF when saved
(`targets.check_url`) and again at every attempt (`send.deliver`).

**Secrets.** Each subscription has a Standard Webhooks ``whsec_`` secret, stored encrypted with
the installation's key (`Platform.secret_box`, as single sign-on client secrets) and shown in
the clear twice only: in the answer to the creation and to a rotation. A rotation keeps the
replaced secret signing beside the new one for :data:`ROTATION_OVERLAP`, so a receiver can
switch secrets without dropping a delivery.

**Private targets.** Loopback and private networks are refused unless the installation allows
them (``KEYI_WEBHOOK_ALLOW_PRIVATE=1``) or the tenant does: the tenant setting
``webhook_allow_private`` (in the tenant's settings, beside its currency and time zone), which
an administrator switches with :func:`update_settings`; the switch is audited. Link-local
addresses (cloud metadata services) stay refused whatever is allowed.

Only those who may manage the configuration (``can_manage_metadata``) see or change webhooks:
a subscription sends record data out of the company. Every change is audited, secrets never.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from keyi.platform import jsoncodec
from keyi.platform.context import Context
from keyi.platform.crypto import SecretBox
from keyi.platform.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import is_id, new_id
from keyi.platform.jobs import queue
from keyi.platform.metadata import store
from keyi.platform.schema import meta_state_table
from keyi.platform.webhooks.payload import event_body
from keyi.platform.webhooks.signing import new_secret
from keyi.platform.webhooks.table import delivery_table, webhook_table
from keyi.platform.webhooks.targets import check_url

__all__ = [
    "DELIVER_JOB",
    "EVENT_VERBS",
    "ROTATION_OVERLAP",
    "allow_private",
    "create_webhook",
    "delete_webhook",
    "enqueue_delivery",
    "get_settings",
    "get_webhook",
    "list_deliveries",
    "list_webhooks",
    "replay_delivery",
    "rotate_secret",
    "secret_box",
    "send_test",
    "update_settings",
    "update_webhook",
]

DELIVER_JOB = "webhook.deliver"
EVENT_VERBS = ("created", "updated", "deleted")
TEST_EVENT = "webhook.test"
ROTATION_OVERLAP = timedelta(hours=24)
"""How long a replaced secret keeps signing beside the new one."""
MAX_EVENTS = 200
MAX_DESCRIPTION = 500
SETTING_ALLOW_PRIVATE = "webhook_allow_private"
# Columns shown to administrators (never the secrets).
_SHOWN = (
    "id",
    "url",
    "events",
    "description",
    "active",
    "consecutive_failures",
    "disabled_at",
    "disabled_reason",
    "created_by",
    "created_at",
    "updated_at",
    "previous_secret_until",
)
_DELIVERY_SHOWN = (
    "id",
    "webhook_id",
    "event_type",
    "event_id",
    "status",
    "attempts",
    "next_attempt_at",
    "last_attempt_at",
    "last_status_code",
    "last_error",
    "last_duration_ms",
    "response_excerpt",
    "created_at",
    "delivered_at",
)


# ---------------------------------------------------------------- installation and settings
def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def secret_box(ctx: Context) -> SecretBox:
    """The installation's key for stored secrets (the context must come from Platform.context)."""
    if ctx.platform is None:
        raise RuntimeError("webhooks need a context made by Platform.context")
    return ctx.platform.secret_box


def allow_private(ctx: Context) -> bool:
    """Whether this tenant's webhooks may target loopback and private networks: the
    installation allows it for everyone, or this tenant's administrator switched it on."""
    installation = ctx.platform is not None and ctx.platform.settings.webhook_allow_private
    return bool(installation or ctx.settings.get(SETTING_ALLOW_PRIVATE) is True)


def get_settings(ctx: Context) -> dict[str, Any]:
    _authorise(ctx)
    return _settings_json(ctx)


def update_settings(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Switch the tenant's allowance of private targets (``{"allow_private": bool}``).

    Stored in the tenant's settings; the metadata version is bumped so every process reads
    the new settings on its next request, as after any configuration change."""
    _authorise(ctx)
    _only_fields(data, {"allow_private"})
    value = data.get("allow_private")
    if not isinstance(value, bool):
        raise ValidationFailed([FieldError("allow_private", "invalid_boolean")])
    settings = dict(
        ctx.conn.execute(
            sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
        ).scalar_one()
        or {}
    )
    if settings.get(SETTING_ALLOW_PRIVATE, False) != value:
        settings[SETTING_ALLOW_PRIVATE] = value
        ctx.conn.execute(
            sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(settings=settings)
        )
        store.bump_version(ctx.conn)
        ctx.refresh_schema(dataclasses.replace(ctx.schema, settings=settings, memo={}))
        ctx.audit("webhook.settings", allow_private=value)
    return _settings_json(ctx)


def _settings_json(ctx: Context) -> dict[str, Any]:
    installation = ctx.platform is not None and ctx.platform.settings.webhook_allow_private
    return {
        "allow_private": ctx.settings.get(SETTING_ALLOW_PRIVATE) is True,
        "installation_allows_private": bool(installation),
    }


# ---------------------------------------------------------------- subscriptions
def list_webhooks(ctx: Context) -> dict[str, Any]:
    _authorise(ctx)
    rows = ctx.conn.execute(
        sa.select(*(webhook_table.c[n] for n in _SHOWN)).order_by(webhook_table.c.created_at)
    ).mappings()
    return {"webhooks": [_webhook_json(row) for row in rows], "settings": _settings_json(ctx)}


def get_webhook(ctx: Context, webhook_id: str) -> dict[str, Any]:
    _authorise(ctx)
    return _webhook_json(_load(ctx, webhook_id))


def create_webhook(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """A new subscription, active; the answer carries its secret, shown this once."""
    _authorise(ctx)
    _only_fields(data, {"url", "events", "description", "active"})
    errors: list[FieldError] = []
    url = _checked_url(ctx, data.get("url"), errors)
    events = _checked_events(ctx, data.get("events"), errors)
    description = _checked_description(data.get("description"), errors)
    active = data.get("active", True)
    if not isinstance(active, bool):
        errors.append(FieldError("active", "invalid_boolean"))
    if errors:
        raise ValidationFailed(errors)
    secret = new_secret()
    now = ctx.now()
    webhook_id = new_id()
    ctx.conn.execute(
        sa.insert(webhook_table).values(
            id=webhook_id,
            url=url,
            events=events,
            description=description,
            active=active,
            secret=secret_box(ctx).encrypt(secret),
            consecutive_failures=0,
            disabled_at=None if active else now,
            created_by=ctx.actor.id,
            created_at=now,
            updated_at=now,
        )
    )
    ctx.audit("webhook.create", webhook_id=webhook_id, url=url, events=events)
    return {**_webhook_json(_load(ctx, webhook_id)), "secret": secret}


def update_webhook(ctx: Context, webhook_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change the URL, events, description or ``active``. Switching a subscription on again
    clears its failure count and the reason it was disabled."""
    _authorise(ctx)
    current = _load(ctx, webhook_id)
    _only_fields(data, {"url", "events", "description", "active"})
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if "url" in data:
        values["url"] = _checked_url(ctx, data["url"], errors)
    if "events" in data:
        values["events"] = _checked_events(ctx, data["events"], errors)
    if "description" in data:
        values["description"] = _checked_description(data["description"], errors)
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors.append(FieldError("active", "invalid_boolean"))
        elif data["active"] != current["active"]:
            values["active"] = data["active"]
            if data["active"]:
                values.update(
                    consecutive_failures=0,
                    failing_since=None,
                    disabled_at=None,
                    disabled_reason=None,
                )
            else:
                values.update(disabled_at=ctx.now(), disabled_reason=None)
    if errors:
        raise ValidationFailed(errors)
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    if changed:
        changed["updated_at"] = ctx.now()
        ctx.conn.execute(
            sa.update(webhook_table).where(webhook_table.c.id == webhook_id).values(changed)
        )
        ctx.audit(
            "webhook.update",
            webhook_id=webhook_id,
            fields=sorted(k for k in changed if k in data),
        )
    return _webhook_json(_load(ctx, webhook_id))


def delete_webhook(ctx: Context, webhook_id: str) -> None:
    """Delete a subscription and its delivery log; deliveries still queued are dropped (their
    jobs find nothing to send)."""
    _authorise(ctx)
    current = _load(ctx, webhook_id)
    ctx.conn.execute(sa.delete(delivery_table).where(delivery_table.c.webhook_id == webhook_id))
    ctx.conn.execute(sa.delete(webhook_table).where(webhook_table.c.id == webhook_id))
    ctx.audit("webhook.delete", webhook_id=webhook_id, url=current["url"])


def rotate_secret(ctx: Context, webhook_id: str) -> dict[str, Any]:
    """A new secret, shown this once; the current one keeps signing beside it for
    :data:`ROTATION_OVERLAP` (a second rotation within that time drops the oldest)."""
    _authorise(ctx)
    _load(ctx, webhook_id)
    stored = ctx.conn.execute(
        sa.select(webhook_table.c.secret).where(webhook_table.c.id == webhook_id)
    ).scalar_one()
    secret = new_secret()
    now = ctx.now()
    ctx.conn.execute(
        sa.update(webhook_table)
        .where(webhook_table.c.id == webhook_id)
        .values(
            secret=secret_box(ctx).encrypt(secret),
            previous_secret=stored,
            previous_secret_until=now + ROTATION_OVERLAP,
            updated_at=now,
        )
    )
    ctx.audit("webhook.rotate_secret", webhook_id=webhook_id)
    return {**_webhook_json(_load(ctx, webhook_id)), "secret": secret}


# ---------------------------------------------------------------- deliveries
def webhook_exists(ctx: Context, webhook_id: str) -> bool:
    """Whether a subscription of this id exists (for references to it: a flow's action)."""
    if not is_id(webhook_id):
        return False
    found = ctx.conn.execute(sa.select(webhook_table.c.id).where(webhook_table.c.id == webhook_id))
    return found.first() is not None


def enqueue_delivery(
    ctx: Context,
    webhook_id: str,
    event_type: str,
    data: dict[str, Any],
    *,
    timestamp: Any,
    event_id: str | None = None,
) -> str | None:
    """Log a delivery with its body, built now, and queue its first attempt, in the caller's
    transaction. Once per (event, subscription): the id of the new delivery, or None when this
    event was already fanned out to this subscription."""
    delivery_id = new_id()
    dedupe = f"webhook:{event_id}:{webhook_id}" if event_id is not None else None
    job = queue.enqueue(
        ctx.conn,
        DELIVER_JOB,
        {"delivery_id": delivery_id},
        now=ctx.now(),
        dedupe_key=dedupe,
        max_attempts=JOB_ATTEMPTS,
    )
    if job is None:
        return None
    body = event_body(event_type, timestamp, data)
    ctx.conn.execute(
        sa.insert(delivery_table).values(
            id=delivery_id,
            webhook_id=webhook_id,
            event_type=event_type,
            event_id=event_id,
            body=body.decode("utf-8"),
            status=PENDING,
            attempts=0,
            next_attempt_at=ctx.now(),
            created_at=ctx.now(),
        )
    )
    return delivery_id


# Each attempt of a delivery is one job (keyi.platform.webhooks.delivery explains why); a job
# itself is retried by the queue only when its handler breaks (a bug, the database), not when
# the receiver fails.
JOB_ATTEMPTS = 3
PENDING, DELIVERED, DEAD, CANCELLED = "pending", "delivered", "dead", "cancelled"


def list_deliveries(
    ctx: Context, webhook_id: str, *, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """A subscription's deliveries, newest first, with the body as sent."""
    _authorise(ctx)
    _load(ctx, webhook_id)
    if cursor is not None and not is_id(cursor):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")])
    t = delivery_table
    stmt = (
        sa.select(*(t.c[n] for n in _DELIVERY_SHOWN), t.c.body)
        .where(t.c.webhook_id == webhook_id)
        .order_by(t.c.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        stmt = stmt.where(t.c.id < cursor)
    rows = ctx.conn.execute(stmt).mappings().all()
    deliveries = [_delivery_json(row) for row in rows[:limit]]
    return {
        "deliveries": deliveries,
        "next_cursor": deliveries[-1]["id"] if len(rows) > limit else None,
    }


def replay_delivery(ctx: Context, delivery_id: str) -> dict[str, Any]:
    """Send a delivery again, the same body under the same ``webhook-id`` (a receiver that
    already has it may drop it as a duplicate), with a new round of attempts. 409 while it is
    still pending, or when its subscription is switched off."""
    _authorise(ctx)
    row = _load_delivery(ctx, delivery_id)
    if row["status"] == PENDING:
        raise Conflict("webhook_delivery_pending")
    webhook = _load(ctx, row["webhook_id"])
    if not webhook["active"] and row["event_type"] != TEST_EVENT:
        raise Conflict("webhook_inactive")
    now = ctx.now()
    ctx.conn.execute(
        sa.update(delivery_table)
        .where(delivery_table.c.id == delivery_id)
        .values(status=PENDING, attempts=0, next_attempt_at=now, delivered_at=None)
    )
    queue.enqueue(
        ctx.conn,
        DELIVER_JOB,
        {"delivery_id": delivery_id},
        now=now,
        dedupe_key=f"webhook-replay:{delivery_id}:{new_id()}",
        max_attempts=JOB_ATTEMPTS,
    )
    ctx.audit("webhook.replay", webhook_id=row["webhook_id"], delivery_id=delivery_id)
    return _delivery_json(_load_delivery(ctx, delivery_id))


def send_test(ctx: Context, webhook_id: str) -> dict[str, Any]:
    """Queue a ``webhook.test`` event to the subscription (also when it is switched off, so an
    endpoint can be checked before it is switched on again); the delivery, pending."""
    _authorise(ctx)
    _load(ctx, webhook_id)
    delivery_id = enqueue_delivery(
        ctx,
        webhook_id,
        TEST_EVENT,
        {"webhook_id": webhook_id, "message": "A test event sent from Keyi Setup."},
        timestamp=ctx.now(),
    )
    assert delivery_id is not None  # no dedupe key, always queued
    ctx.audit("webhook.test", webhook_id=webhook_id, delivery_id=delivery_id)
    return _delivery_json(_load_delivery(ctx, delivery_id))


# ---------------------------------------------------------------- validation and loading
def _only_fields(data: Any, allowed: set[str]) -> None:
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("body", "invalid_request")])
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(
            [FieldError(name, "unknown_field", {"field": name}) for name in unknown]
        )


def _checked_url(ctx: Context, value: Any, errors: list[FieldError]) -> str:
    if not isinstance(value, str):
        errors.append(FieldError("url", "required"))
        return ""
    try:
        check_url(value, allow_private=allow_private(ctx))
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    return value.strip()


def _checked_events(ctx: Context, value: Any, errors: list[FieldError]) -> list[str]:
    """Unique event names, in the order given; every object must exist and every verb be one
    of EVENT_VERBS (or ``*``)."""
    if not isinstance(value, list) or not value:
        errors.append(FieldError("events", "required"))
        return []
    if len(value) > MAX_EVENTS:
        errors.append(FieldError("events", "too_many", {"max": MAX_EVENTS}))
        return []
    events: list[str] = []
    for index, name in enumerate(value):
        field = f"events.{index}"
        if not isinstance(name, str) or name.count(".") != 1:
            errors.append(FieldError(field, "invalid_event", {"value": str(name)[:100]}))
            continue
        obj, verb = name.split(".")
        if ctx.schema.get(obj) is None:
            errors.append(FieldError(field, "unknown_object", {"object": obj[:64]}))
        elif verb != "*" and verb not in EVENT_VERBS:
            errors.append(FieldError(field, "invalid_event_verb", {"value": verb[:32]}))
        elif name not in events:
            events.append(name)
    return events


def _checked_description(value: Any, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(FieldError("description", "invalid_text"))
        return None
    if len(value) > MAX_DESCRIPTION:
        errors.append(FieldError("description", "too_long", {"max": MAX_DESCRIPTION}))
    return value.strip() or None


def _load(ctx: Context, webhook_id: str) -> dict[str, Any]:
    if not is_id(webhook_id):
        raise NotFound("webhook_not_found")
    row = (
        ctx.conn.execute(
            sa.select(*(webhook_table.c[n] for n in _SHOWN)).where(webhook_table.c.id == webhook_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("webhook_not_found")
    return dict(row)


def _load_delivery(ctx: Context, delivery_id: str) -> dict[str, Any]:
    if not is_id(delivery_id):
        raise NotFound("webhook_delivery_not_found")
    t = delivery_table
    row = (
        ctx.conn.execute(
            sa.select(*(t.c[n] for n in _DELIVERY_SHOWN), t.c.body).where(t.c.id == delivery_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("webhook_delivery_not_found")
    return dict(row)


def _webhook_json(row: Any) -> dict[str, Any]:
    webhook = {name: row[name] for name in _SHOWN}
    webhook["id"] = str(webhook["id"])
    if webhook["created_by"] is not None:
        webhook["created_by"] = str(webhook["created_by"])
    webhook["events"] = list(webhook["events"] or [])
    for name in ("disabled_at", "created_at", "updated_at", "previous_secret_until"):
        webhook[name] = datetime_json(webhook[name])
    return webhook


def _delivery_json(row: Any) -> dict[str, Any]:
    delivery = {name: row[name] for name in _DELIVERY_SHOWN}
    for name in ("id", "webhook_id", "event_id"):
        if delivery[name] is not None:
            delivery[name] = str(delivery[name])
    for name in ("next_attempt_at", "last_attempt_at", "created_at", "delivered_at"):
        delivery[name] = datetime_json(delivery[name])
    delivery["body"] = jsoncodec.loads_exact(row["body"])
    return delivery


def matching(events: Iterable[str], object_name: str, verb: str) -> bool:
    """Whether a subscription's events cover ``<object_name>.<verb>``."""
    wanted = f"{object_name}.{verb}"
    return any(name == wanted or name == f"{object_name}.*" for name in events)
