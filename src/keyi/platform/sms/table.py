"""The SMS tables of a tenant: its provider settings and every message sent or skipped.

In the tenant's namespace, so a message is queued in the transaction of the action or campaign
that asked for it and its outcome is written in the job that sent it.

``keyi_sms_config`` holds one row (id 1): the chosen provider, its endpoint and key id in the
clear, its key secret encrypted with the installation's key (`Platform.secret_box`) and never
returned, logged or audited; the opt-out keywords and the tenant's send rate.

``keyi_sms_message`` is the per-recipient outcome: a table, not records, because a campaign
writes one row per person (hundreds of thousands) and a row's only readers are the campaign's
counters, the record's SMS list and the rate limit — history, search and flows on each would
cost more than the send. ``(source_id, record_id)`` is unique: a campaign holds each person
once, however often it is started or its job retried; ``request_key`` is unique: a single send
asked twice with one key (a double click) is one message.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = [
    "SMS_CONFIG_TABLE_NAME",
    "SMS_MESSAGE_TABLE_NAME",
    "sms_config_table",
    "sms_message_table",
]

SMS_CONFIG_TABLE_NAME = "keyi_sms_config"
SMS_MESSAGE_TABLE_NAME = "keyi_sms_message"
_UUID = sa.Uuid(as_uuid=False)


def config_columns() -> list[sa.Column[Any]]:
    """The columns of keyi_sms_config (also used by revision 0019)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider", sa.String(16), nullable=False),  # log, aliyun, tencent
        sa.Column("base_url", sa.String(500), nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("access_key_id", sa.String(200), nullable=True),
        sa.Column("access_key_secret", sa.Text, nullable=True),  # encrypted (keyi.platform.crypto)
        sa.Column("sdk_app_id", sa.String(64), nullable=True),  # Tencent's SmsSdkAppId
        sa.Column("sign_name", sa.String(100), nullable=True),  # the default 【签名】
        sa.Column("opt_out_keywords", sa.JSON, nullable=True),
        sa.Column("rate_per_minute", sa.Integer, nullable=False),
        sa.Column("updated_by", _UUID, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("last_test_status", sa.String(16), nullable=True),
        sa.Column("last_test_error", sa.String(500), nullable=True),
        sa.Column("last_test_at", sa.DateTime, nullable=True),
    ]


def message_columns() -> list[Any]:
    """The columns of keyi_sms_message (also used by revision 0019)."""
    return [
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
    ]


MESSAGE_INDEXES = (
    ("ix_keyi_sms_message_status", ("source_id", "status")),
    ("ix_keyi_sms_message_record", ("record_id",)),
    ("ix_keyi_sms_message_sent", ("sent_at",)),
    ("ix_keyi_sms_message_vendor_id", ("provider_message_id",)),
)

sms_config_table = sa.Table(SMS_CONFIG_TABLE_NAME, system_metadata, *config_columns())
sms_message_table = sa.Table(SMS_MESSAGE_TABLE_NAME, system_metadata, *message_columns())
for _name, _columns in MESSAGE_INDEXES:
    sa.Index(_name, *(sms_message_table.c[c] for c in _columns))
