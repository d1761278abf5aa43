"""Outbound webhooks: subscriptions and their delivery log (keyi.platform.webhooks).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WEBHOOKS = "keyi_webhook"
DELIVERIES = "keyi_webhook_delivery"


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    if not inspector.has_table(WEBHOOKS):
        op.create_table(
            WEBHOOKS,
            sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("url", sa.String(2048), nullable=False),
            sa.Column("events", sa.JSON, nullable=False),
            sa.Column("description", sa.String(500), nullable=True),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("secret", sa.Text, nullable=False),
            sa.Column("previous_secret", sa.Text, nullable=True),
            sa.Column("previous_secret_until", sa.DateTime, nullable=True),
            sa.Column("consecutive_failures", sa.Integer, nullable=False),
            sa.Column("failing_since", sa.DateTime, nullable=True),
            sa.Column("disabled_at", sa.DateTime, nullable=True),
            sa.Column("disabled_reason", sa.String(500), nullable=True),
            sa.Column("created_by", sa.Uuid(as_uuid=False), nullable=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_keyi_webhook_active", WEBHOOKS, ["active"])
    if not inspector.has_table(DELIVERIES):
        op.create_table(
            DELIVERIES,
            sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("webhook_id", sa.Uuid(as_uuid=False), nullable=False),
            sa.Column("event_type", sa.String(100), nullable=False),
            sa.Column("event_id", sa.Uuid(as_uuid=False), nullable=True),
            sa.Column("body", sa.Text, nullable=False),
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
        )
        op.create_index("ix_keyi_webhook_delivery_webhook", DELIVERIES, ["webhook_id", "id"])


def downgrade() -> None:
    op.drop_table(DELIVERIES)
    op.drop_table(WEBHOOKS)
