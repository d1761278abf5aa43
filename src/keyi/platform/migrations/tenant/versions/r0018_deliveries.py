"""Deliveries of bulk messages (keyi.platform.deliveries): one row per recipient of an email
campaign, with its status, attempts and engagement.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("keyi_delivery"):
        return
    op.create_table(
        "keyi_delivery",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("source_object", sa.String(64), nullable=False),
        sa.Column("source_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("recipient_object", sa.String(64), nullable=False),
        sa.Column("recipient_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("opened_at", sa.DateTime, nullable=True),
        sa.Column("open_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("clicked_at", sa.DateTime, nullable=True),
        sa.Column("click_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unsubscribed_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint(
            "source_id", "channel", "address", name="uq_keyi_delivery_source_address"
        ),
    )
    op.create_index(
        "ix_keyi_delivery_due", "keyi_delivery", ["source_id", "status", "next_attempt_at", "id"]
    )
    op.create_index("ix_keyi_delivery_sent_at", "keyi_delivery", ["sent_at"])


def downgrade() -> None:
    op.drop_table("keyi_delivery")
