"""In-app notifications and the per-user email preference (keyi.platform.notifications).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NOTIFICATIONS = "keyi_notification"
PREFERENCES = "keyi_notification_preference"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table(NOTIFICATIONS):
        op.create_table(
            NOTIFICATIONS,
            sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
            sa.Column("title", sa.String(200), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("link_object", sa.String(64), nullable=True),
            sa.Column("link_record_id", sa.Uuid(as_uuid=False), nullable=True),
            sa.Column("link_path", sa.String(500), nullable=True),
            sa.Column("source", sa.String(32), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("read_at", sa.DateTime, nullable=True),
            sa.Column("emailed_at", sa.DateTime, nullable=True),
            sa.Column("dedupe_key", sa.String(255), nullable=True),
            sa.UniqueConstraint("user_id", "dedupe_key", name="uq_keyi_notification_dedupe"),
        )
        op.create_index("ix_keyi_notification_user", NOTIFICATIONS, ["user_id", "id"])
        op.create_index(
            "ix_keyi_notification_unread",
            NOTIFICATIONS,
            ["user_id", "id"],
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        )
    if not inspector.has_table(PREFERENCES):
        op.create_table(
            PREFERENCES,
            sa.Column("user_id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("email", sa.Boolean, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )


def downgrade() -> None:
    op.drop_table(PREFERENCES)
    op.drop_table(NOTIFICATIONS)
