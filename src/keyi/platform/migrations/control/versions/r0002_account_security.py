"""Account security: password reset links, shared rate-limit counters, session idle time.

The release that added these created them at start, before migrations were versioned, so a
database it made already has them without a version table: they are added only where missing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from keyi.platform.migrations import create_missing, revision_schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing(op.get_bind(), _tables(revision_schema()))


def downgrade() -> None:
    schema = revision_schema()
    op.drop_table("rate_limit", schema=schema)
    op.drop_table("password_reset", schema=schema)
    with op.batch_alter_table("session", schema=schema) as batch:
        batch.drop_column("last_used_at")


def _tables(schema: str | None) -> sa.MetaData:
    metadata = sa.MetaData(schema=schema)
    # Only the new column matters here: the table exists (create_missing adds the column).
    sa.Table("session", metadata, sa.Column("last_used_at", sa.DateTime, nullable=True))
    sa.Table(
        "password_reset",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("identity_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
        sa.Index("ix_password_reset_identity", "identity_id"),
    )
    sa.Table(
        "rate_limit",
        metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.BigInteger, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Index("ix_rate_limit_window", "window_start"),
    )
    return metadata
