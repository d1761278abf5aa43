"""Mailbox security: how a queue mailbox's IMAP connection is secured (none, STARTTLS, TLS).

Adds keyi_mailbox.security beside the old ``tls`` flag; a mailbox saved before reads its mode
from the flag (TLS from the start, or none) until it is saved again.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    columns = {c["name"] for c in sa.inspect(conn).get_columns("keyi_mailbox")}
    if "security" not in columns:
        op.add_column("keyi_mailbox", sa.Column("security", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("keyi_mailbox", "security")
