"""Baseline: the control database as the last release before versioned migrations made it.

The definitions are a frozen copy (later releases change `keyi.platform.control`, never this
file). A database made before versioning has no version table and is adopted here: the tables
it lacks are created and the columns it lacks added (an older one may predate the SSO tables or
`sso_provider.trust_email`); a new empty database gets every table.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from keyi.platform.migrations import create_missing, revision_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing(op.get_bind(), baseline_tables(revision_schema()))


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone")


def baseline_tables(schema: str | None) -> sa.MetaData:
    """The control tables as the release before versioning made them (frozen copy)."""
    metadata = sa.MetaData(schema=schema)
    sa.Table(
        "tenant",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(48), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("location", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, default="active"),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "identity",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime, nullable=True),
        # Lock-out after repeated failures (counted per identity, reset by a success).
        sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        # TOTP second factor: a pending secret until confirmed by a first valid code.
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_enabled", sa.Boolean, nullable=False, default=False),
    )
    sa.Table(
        "membership",
        metadata,
        sa.Column("identity_id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, default=True),
        sa.Index("ix_membership_tenant_user", "tenant_id", "user_id", unique=True),
    )
    sa.Table(
        "session",
        metadata,
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("identity_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("tenant_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    sa.Table(
        "api_key",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        # "read" keys may only read; "write" keys may also change data.
        sa.Column("scope", sa.String(16), nullable=False, default="write"),
        sa.Column("tenant_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("last_used_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    # Invitations to join a tenant: one-time tokens (only the SHA-256 is kept) that let the
    # invited person choose a password and activate their membership.
    sa.Table(
        "invitation",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("tenant_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("identity_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("invited_by", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("accepted_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        sa.Index("ix_invitation_tenant_user", "tenant_id", "user_id"),
    )
    _sso_tables(metadata)
    return metadata


def _sso_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    """Single sign-on: providers per tenant, identity links, and sign-ins in progress."""
    providers = sa.Table(
        "sso_provider",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("name", sa.String(48), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        # Encrypted with the installation's key (keyi.platform.crypto); never returned by the
        # API nor logged; None for public clients (PKCE only).
        sa.Column("client_secret", sa.String(1000), nullable=True),
        sa.Column("scopes", sa.String(500), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        # Create a user on first sign-in (with default_role_id), or only link existing members.
        sa.Column("provision_users", sa.Boolean, nullable=False, default=False),
        sa.Column("default_role_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False, default=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        # Take the email claim as verified without `email_verified` (a company's own IdP that
        # assigns the addresses). Added after the table: a server default for old databases.
        sa.Column(
            "trust_email", sa.Boolean, nullable=False, default=False, server_default=sa.false()
        ),
        sa.Index("ix_sso_provider_tenant_name", "tenant_id", "name", unique=True),
    )
    # The provider's subject for a person, bound to a Keyi identity (one per provider+subject).
    links = sa.Table(
        "sso_link",
        metadata,
        sa.Column("provider_id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("identity_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("tenant_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime, nullable=True),
        sa.Index("ix_sso_link_identity", "identity_id"),
    )
    # A sign-in between the redirect to the provider and its callback. Only hashes of the
    # state and of the browser-binding cookie are kept; a row is used once.
    flows = sa.Table(
        "sso_flow",
        metadata,
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("tenant_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("redirect_uri", sa.String(1000), nullable=False),
        sa.Column("next_path", sa.String(1000), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Index("ix_sso_flow_expires", "expires_at"),
    )
    return providers, links, flows
