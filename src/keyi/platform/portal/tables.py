"""The tables of external principals (portal users): credentials, sessions, one-time tokens.

In the tenant's namespace, not the control database: an external user belongs to one company
and one realm (the customer portal; the partner portal later), never to the identities the
internal sign-in resolves, so no token of one realm can ever be found by the other's lookup.
Each row names its ``realm`` and the record that is the principal (``principal_id``: a
``portal_user`` record for the customer portal); the platform knows nothing more of either.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["credential_table", "session_table", "token_table"]

_UUID = sa.Uuid(as_uuid=False)

credential_table = sa.Table(
    "keyi_portal_credential",
    system_metadata,
    sa.Column("id", _UUID, primary_key=True),
    sa.Column("realm", sa.String(32), nullable=False),
    sa.Column("principal_id", _UUID, nullable=False),
    # The sign-in name (lower case), kept in step with the principal's record by its package.
    sa.Column("email", sa.String(320), nullable=False),
    # argon2id (keyi.platform.auth's hasher); empty until an invitation is accepted.
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("password_changed_at", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("realm", "principal_id", name="uq_keyi_portal_credential_principal"),
    sa.UniqueConstraint("realm", "email", name="uq_keyi_portal_credential_email"),
)

session_table = sa.Table(
    "keyi_portal_session",
    system_metadata,
    # SHA-256 of a 256-bit random token: a leaked table leaks no session.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("realm", sa.String(32), nullable=False),
    sa.Column("principal_id", _UUID, nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("last_used_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Index("ix_keyi_portal_session_principal", "realm", "principal_id"),
)

token_table = sa.Table(
    "keyi_portal_token",
    system_metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("realm", sa.String(32), nullable=False),
    sa.Column("principal_id", _UUID, nullable=False),
    # "invite" (sets the first password) or "login" (signs in once).
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    # Single use: redeeming is an UPDATE guarded by ``used_at IS NULL``.
    sa.Column("used_at", sa.DateTime, nullable=True),
    sa.Index("ix_keyi_portal_token_principal", "realm", "principal_id", "purpose"),
)
