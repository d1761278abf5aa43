"""Portal sign-in: external users' credentials and lock-out, sessions and one-time links
(keyi.platform.portal.tables); and, where a tenant has cases, the index a portal user's case
list reads (``case (contact, updated_at, id)`` on live rows: keyi.packages.service.portal_data,
which makes the same index when the service package is installed later).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_UUID = sa.Uuid(as_uuid=False)


CASE_INDEX = "ix_case_contact_activity"


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    if inspector.has_table("case"):
        existing = {i["name"] for i in inspector.get_indexes("case")}
        if CASE_INDEX not in existing:
            alive = sa.text("deleted_at IS NULL")
            op.create_index(
                CASE_INDEX,
                "case",
                ["contact", "updated_at", "id"],
                sqlite_where=alive,
                postgresql_where=alive,
            )
    if inspector.has_table("keyi_portal_credential"):
        return
    op.create_table(
        "keyi_portal_credential",
        sa.Column("id", _UUID, primary_key=True),
        sa.Column("realm", sa.String(32), nullable=False),
        sa.Column("principal_id", _UUID, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("password_changed_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("realm", "principal_id", name="uq_keyi_portal_credential_principal"),
        sa.UniqueConstraint("realm", "email", name="uq_keyi_portal_credential_email"),
    )
    op.create_table(
        "keyi_portal_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("realm", sa.String(32), nullable=False),
        sa.Column("principal_id", _UUID, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_index(
        "ix_keyi_portal_session_principal", "keyi_portal_session", ["realm", "principal_id"]
    )
    op.create_table(
        "keyi_portal_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("realm", sa.String(32), nullable=False),
        sa.Column("principal_id", _UUID, nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
    )
    op.create_index(
        "ix_keyi_portal_token_principal",
        "keyi_portal_token",
        ["realm", "principal_id", "purpose"],
    )


def downgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("case"):
        op.drop_index(CASE_INDEX, table_name="case")
    op.drop_table("keyi_portal_token")
    op.drop_table("keyi_portal_session")
    op.drop_table("keyi_portal_credential")
