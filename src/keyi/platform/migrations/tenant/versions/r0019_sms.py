"""SMS: the tenant's provider settings and the outcome of every message (keyi.platform.sms.table).

The tables are written out here as they were at this revision (a later change of the module
gets a revision of its own).

Revision ID: 0019
Revises: 0017 (on merge: 0018)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_UUID = sa.Uuid(as_uuid=False)


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    if not inspector.has_table("keyi_sms_config"):
        op.create_table(
            "keyi_sms_config",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("provider", sa.String(16), nullable=False),  # log, aliyun, tencent
            sa.Column("base_url", sa.String(500), nullable=True),
            sa.Column("region", sa.String(64), nullable=True),
            sa.Column("access_key_id", sa.String(200), nullable=True),
            sa.Column("access_key_secret", sa.Text, nullable=True),  # encrypted
            sa.Column("sdk_app_id", sa.String(64), nullable=True),  # Tencent's SmsSdkAppId
            sa.Column("sign_name", sa.String(100), nullable=True),  # the default 【签名】
            sa.Column("opt_out_keywords", sa.JSON, nullable=True),
            sa.Column("rate_per_minute", sa.Integer, nullable=False),
            sa.Column("updated_by", _UUID, nullable=True),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.Column("last_test_status", sa.String(16), nullable=True),
            sa.Column("last_test_error", sa.String(500), nullable=True),
            sa.Column("last_test_at", sa.DateTime, nullable=True),
        )
    if inspector.has_table("keyi_sms_message"):
        return
    op.create_table(
        "keyi_sms_message",
        sa.Column("id", _UUID, primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),  # e.g. sms_campaign, record
        sa.Column("source_id", _UUID, nullable=True),
        sa.Column("object", sa.String(64), nullable=True),
        sa.Column("record_id", _UUID, nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),  # E.164
        sa.Column("provider", sa.String(16), nullable=True),
        sa.Column("sign_name", sa.String(100), nullable=True),
        sa.Column("template_code", sa.String(100), nullable=True),
        sa.Column("params", sa.JSON, nullable=True),
        sa.Column("text", sa.Text, nullable=True),  # the rendered text, as the handset shows it
        sa.Column("segments", sa.Integer, nullable=True),
        # queued, sending, sent, failed, skipped
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),  # why skipped: opted_out, ...
        sa.Column("provider_message_id", sa.String(100), nullable=True),
        sa.Column("error_code", sa.String(100), nullable=True),
        sa.Column("error_message", sa.String(500), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("request_key", sa.String(255), nullable=True, unique=True),
        sa.Column("created_by", _UUID, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("delivered_at", sa.DateTime, nullable=True),  # the handset's receipt
        sa.UniqueConstraint("source_id", "record_id", name="uq_keyi_sms_message_source_record"),
    )
    op.create_index("ix_keyi_sms_message_status", "keyi_sms_message", ["source_id", "status"])
    op.create_index("ix_keyi_sms_message_record", "keyi_sms_message", ["record_id"])
    op.create_index("ix_keyi_sms_message_sent", "keyi_sms_message", ["sent_at"])
    op.create_index("ix_keyi_sms_message_vendor_id", "keyi_sms_message", ["provider_message_id"])


def downgrade() -> None:
    op.drop_table("keyi_sms_message")
    op.drop_table("keyi_sms_config")
