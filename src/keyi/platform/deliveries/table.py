"""The deliveries of a tenant's bulk messages: one row per recipient of a send.

A marketing email to 100,000 people is 100,000 deliveries, each with its own status, attempts,
SMTP answer and engagement (opened, clicked, unsubscribed). They are not records: a record per
delivery would mean a history row, an audit entry and a search document per recipient, for
data nobody edits. So they live in a system table in the tenant's namespace, written set-based
by the package that sends (keyi.packages.marketing.email_campaigns queues them with one
``INSERT … SELECT``), and the sending record keeps the counters.

``source_object``/``source_id`` name what is being sent (an ``email_campaign``),
``recipient_object``/``recipient_id`` the person (a ``contact`` or a ``lead``). One address gets
one delivery per source and channel (the unique key), however many records share it. The id is
an integer made by the database so that queueing needs no Python per row.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["DELIVERY_TABLE_NAME", "delivery_table"]

DELIVERY_TABLE_NAME = "keyi_delivery"
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY

delivery_table = sa.Table(
    DELIVERY_TABLE_NAME,
    system_metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),  # email | sms
    sa.Column("source_object", sa.String(64), nullable=False),
    sa.Column("source_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("recipient_object", sa.String(64), nullable=False),
    sa.Column("recipient_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("address", sa.String(320), nullable=False),  # lower-cased email, or a phone
    # queued → sent | bounced (permanent refusal) | failed (temporary ones, out of attempts)
    # | cancelled (the send was cancelled before this one went out)
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
    sa.UniqueConstraint("source_id", "channel", "address", name="uq_keyi_delivery_source_address"),
    # The sender's claim: a source's queued deliveries that are due, in id order.
    sa.Index("ix_keyi_delivery_due", "source_id", "status", "next_attempt_at", "id"),
    # The per-tenant rate limit counts what went out in the last minute.
    sa.Index("ix_keyi_delivery_sent_at", "sent_at"),
)
