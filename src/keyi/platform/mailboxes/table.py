"""The mailbox table of a tenant: IMAP settings and how far each mailbox has been read.

In the tenant's namespace so that reading a mail (the case it makes) and advancing the mailbox's
last UID commit together: a crash in between reads the mail again, and the reader's Message-ID
dedupe makes that harmless.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["MAILBOX_TABLE_NAME", "mailbox_table"]

MAILBOX_TABLE_NAME = "keyi_mailbox"

mailbox_table = sa.Table(
    MAILBOX_TABLE_NAME,
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    # The record the mailbox belongs to (a service queue): mail to it is that record's business.
    sa.Column("owner_object", sa.String(64), nullable=False),
    sa.Column("owner_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("port", sa.Integer, nullable=False),
    # TLS of any kind (kept for mailboxes saved before `security`): security != "none".
    sa.Column("tls", sa.Boolean, nullable=False),
    # none | starttls | ssl (keyi.platform.mailboxes.security); null: saved before, read `tls`.
    sa.Column("security", sa.String(16), nullable=True),
    sa.Column("username", sa.String(320), nullable=False),
    # Encrypted with the installation's key (keyi.platform.crypto); never returned or logged.
    sa.Column("password", sa.Text, nullable=False),
    sa.Column("folder", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    # The folder's UIDVALIDITY and the highest UID read under it: a new UIDVALIDITY (the folder
    # was recreated) starts the reading over, and Message-ID dedupe keeps it from doubling.
    sa.Column("uid_validity", sa.BigInteger, nullable=True),
    sa.Column("last_uid", sa.BigInteger, nullable=True),
    sa.Column("last_polled_at", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("owner_object", "owner_id", name="uq_keyi_mailbox_owner"),
)
