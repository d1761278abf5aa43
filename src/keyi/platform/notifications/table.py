"""The notification tables: one row per message per user, and each user's channel choice.

Both live in the tenant's namespace (like the job queue) so that a job's notification rows and
its completion commit in one transaction: a retried job cannot leave a half-notified set of
users, and the unique ``(user_id, dedupe_key)`` keeps a retried cause from notifying twice.

Reads are "this user's unread, newest first" (the bell's count, polled by every open tab) and
"this user's page, newest first": the ids are UUIDv7, so ``id`` order is creation order and one
index per read serves both the filter and the order. The unread one is partial (only unread
rows), which keeps the polled count small however many read notifications pile up.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = [
    "NOTIFICATION_TABLE_NAME",
    "PREFERENCE_TABLE_NAME",
    "notification_table",
    "preference_table",
]

NOTIFICATION_TABLE_NAME = "keyi_notification"
PREFERENCE_TABLE_NAME = "keyi_notification_preference"

notification_table = sa.Table(
    NOTIFICATION_TABLE_NAME,
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    # Where clicking it leads: a record (object + id, so the web app builds the URL) or a path
    # inside the app (`/setup/jobs`); all null for none.
    sa.Column("link_object", sa.String(64), nullable=True),
    sa.Column("link_record_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("link_path", sa.String(500), nullable=True),
    # What sent it: "flow", "approval", "webhook", "system", ...
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("read_at", sa.DateTime, nullable=True),
    # Set by the email job in the transaction that completes it: a re-run sends nothing again.
    sa.Column("emailed_at", sa.DateTime, nullable=True),
    sa.Column("dedupe_key", sa.String(255), nullable=True),
    sa.UniqueConstraint("user_id", "dedupe_key", name="uq_keyi_notification_dedupe"),
    sa.Index("ix_keyi_notification_user", "user_id", "id"),
    sa.Index(
        "ix_keyi_notification_unread",
        "user_id",
        "id",
        sqlite_where=sa.text("read_at IS NULL"),
        postgresql_where=sa.text("read_at IS NULL"),
    ),
)

# A row only for users who changed the default (see keyi.platform.notifications.service).
preference_table = sa.Table(
    PREFERENCE_TABLE_NAME,
    system_metadata,
    sa.Column("user_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("email", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
