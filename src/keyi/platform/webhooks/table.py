"""The webhook tables of a tenant: subscriptions and their delivery log.

In the tenant's namespace, beside the job table, so that the fan-out (outbox event → delivery
row + job) and each attempt's outcome commit in the transaction of the work that caused them.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["DELIVERY_TABLE_NAME", "WEBHOOK_TABLE_NAME", "delivery_table", "webhook_table"]

WEBHOOK_TABLE_NAME = "keyi_webhook"
DELIVERY_TABLE_NAME = "keyi_webhook_delivery"

webhook_table = sa.Table(
    WEBHOOK_TABLE_NAME,
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("url", sa.String(2048), nullable=False),
    # Event names: "opportunity.updated", or "opportunity.*" for every verb of one object.
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("description", sa.String(500), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    # The whsec_ secret, encrypted with the installation's key (keyi.platform.crypto); the one
    # it replaced keeps signing beside it until previous_secret_until (a rotation's overlap).
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("previous_secret", sa.Text, nullable=True),
    sa.Column("previous_secret_until", sa.DateTime, nullable=True),
    # Failed attempts in a row (any delivery) and when that run of failures began.
    sa.Column("consecutive_failures", sa.Integer, nullable=False),
    sa.Column("failing_since", sa.DateTime, nullable=True),
    sa.Column("disabled_at", sa.DateTime, nullable=True),
    sa.Column("disabled_reason", sa.String(500), nullable=True),
    sa.Column("created_by", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_keyi_webhook_active", "active"),
)

delivery_table = sa.Table(
    DELIVERY_TABLE_NAME,
    system_metadata,
    # Also the `webhook-id` header: the same on every attempt and replay of this delivery.
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("webhook_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("event_type", sa.String(100), nullable=False),
    # The outbox event it came from (none for a test event).
    sa.Column("event_id", sa.Uuid(as_uuid=False), nullable=True),
    # The body exactly as signed and sent (UTF-8 JSON), so a replay sends the same bytes.
    sa.Column("body", sa.Text, nullable=False),
    # pending (waiting or retrying), delivered, dead (out of attempts), cancelled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime, nullable=True),
    sa.Column("last_attempt_at", sa.DateTime, nullable=True),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_duration_ms", sa.Integer, nullable=True),
    sa.Column("response_excerpt", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("delivered_at", sa.DateTime, nullable=True),
    sa.Index("ix_keyi_webhook_delivery_webhook", "webhook_id", "id"),
)
