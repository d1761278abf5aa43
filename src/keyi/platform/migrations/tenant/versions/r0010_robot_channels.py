"""Robot channels: WeCom, DingTalk and Feishu group robots (keyi.platform.notify.channels).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CHANNELS = "keyi_robot_channel"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(CHANNELS):
        return
    op.create_table(
        CHANNELS,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("vendor", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("url_hint", sa.String(300), nullable=False),
        sa.Column("secret", sa.Text, nullable=True),
        sa.Column("markdown", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("last_status", sa.String(16), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("last_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table(CHANNELS)
