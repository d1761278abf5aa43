"""Mailboxes: IMAP settings and read position per mailbox (keyi.platform.mailboxes.table), and
the files kept with a record (a mail's attachments: keyi.platform.mailboxes.files).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_UUID = sa.Uuid(as_uuid=False)


def upgrade() -> None:
    conn = op.get_bind()
    if not sa.inspect(conn).has_table("keyi_record_file"):
        op.create_table(
            "keyi_record_file",
            sa.Column("id", _UUID, primary_key=True),
            sa.Column("object", sa.String(64), nullable=False),
            sa.Column("record_id", _UUID, nullable=False),
            sa.Column("filename", sa.String(255), nullable=False),
            sa.Column("content_type", sa.String(255), nullable=False),
            sa.Column("size", sa.Integer, nullable=False),
            sa.Column("content", sa.LargeBinary, nullable=False),
            sa.Column("source_id", _UUID, nullable=True),
            sa.Column("created_by", sa.String(100), nullable=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_keyi_record_file_record", "keyi_record_file", ["object", "record_id"])
    if sa.inspect(conn).has_table("keyi_mailbox"):
        return
    op.create_table(
        "keyi_mailbox",
        sa.Column("id", _UUID, primary_key=True),
        sa.Column("owner_object", sa.String(64), nullable=False),
        sa.Column("owner_id", _UUID, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("tls", sa.Boolean, nullable=False),
        sa.Column("username", sa.String(320), nullable=False),
        sa.Column("password", sa.Text, nullable=False),
        sa.Column("folder", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("uid_validity", sa.BigInteger, nullable=True),
        sa.Column("last_uid", sa.BigInteger, nullable=True),
        sa.Column("last_polled_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("owner_object", "owner_id", name="uq_keyi_mailbox_owner"),
    )


def downgrade() -> None:
    op.drop_table("keyi_mailbox")
    op.drop_table("keyi_record_file")
