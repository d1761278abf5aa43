"""A person's own sign-in secrets: forgotten-password links, and changing the password.

A reset link is a random 256-bit token; only its SHA-256 is stored, it expires after
RESET_MINUTES and is used once (the UPDATE that marks it used is the check, so two requests
racing with one link cannot both succeed). Setting a new password — by link or by change —
signs the person out everywhere else: whoever knew the old password loses the sessions it
opened. A reset also lifts a lock-out, since the person just proved they read the mailbox.

Nothing here says whether an email is known: asking for a link answers the same either way.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from keyi.platform.auth import LOCK_MINUTES, AuthService, token_hash
from keyi.platform.errors import FieldError, TooManyAttempts, ValidationFailed
from keyi.platform.hashing import PASSWORD_HASHER
from keyi.platform.ids import new_id
from keyi.platform.passwords import check_password_policy
from keyi.platform.tenancy import Platform, utcnow

RESET_MINUTES = 60
_hasher = PASSWORD_HASHER


@dataclass(frozen=True)
class ResetLink:
    """A link to mail: to whom, and the one-time token to put in it."""

    email: str
    token: str


class AccountService:
    def __init__(self, platform: Platform, auth: AuthService | None = None) -> None:
        self.platform = platform
        self.auth = auth or AuthService(platform)
        self.t = platform.t

    def security_state(self, identity_id: str) -> dict[str, bool]:
        """Whether the person has two-factor sign-in on and a password to change."""
        identity = self.t["identity"]
        with self.platform.db.control_read() as conn:
            row = conn.execute(
                sa.select(identity.c.totp_enabled, identity.c.password_hash).where(
                    identity.c.id == identity_id
                )
            ).first()
        return {
            "totp_enabled": bool(row and row.totp_enabled),
            "has_password": bool(row and row.password_hash),
        }

    # ------------------------------------------------------------ forgotten password
    def request_reset(self, email: str) -> ResetLink | None:
        """A fresh link for an identity that may sign in somewhere, or None (unknown email,
        or no active membership in an active company: nothing to reset a password for).
        Earlier unused links of the identity stop working."""
        identity, membership, tenant = self.t["identity"], self.t["membership"], self.t["tenant"]
        resets = self.t["password_reset"]
        address = email.strip().lower()
        now = utcnow()
        with self.platform.db.control.begin() as conn:
            identity_id = conn.execute(
                sa.select(identity.c.id)
                .join(membership, membership.c.identity_id == identity.c.id)
                .join(tenant, tenant.c.id == membership.c.tenant_id)
                .where(
                    identity.c.email == address,
                    membership.c.active.is_(True),
                    tenant.c.status == "active",
                )
                .limit(1)
            ).scalar()
            if identity_id is None:
                return None
            conn.execute(
                sa.update(resets)
                .where(resets.c.identity_id == identity_id, resets.c.used_at.is_(None))
                .values(used_at=now)
            )
            token = secrets.token_urlsafe(32)
            conn.execute(
                sa.insert(resets).values(
                    id=new_id(),
                    token_hash=token_hash(token),
                    identity_id=identity_id,
                    created_at=now,
                    expires_at=now + timedelta(minutes=RESET_MINUTES),
                )
            )
        return ResetLink(email=address, token=token)

    def reset(self, token: str, password: str) -> str:
        """Set the password from a reset link; answers the identity's email.

        The link is spent in the same transaction as the new password is written, so a
        refused password leaves it usable and a used one cannot be replayed.
        """
        resets, identity = self.t["password_reset"], self.t["identity"]
        now = utcnow()
        with self.platform.db.control.begin() as conn:
            row = conn.execute(
                sa.select(resets.c.id, resets.c.identity_id, resets.c.expires_at, identity.c.email)
                .join(identity, identity.c.id == resets.c.identity_id)
                .where(resets.c.token_hash == token_hash(token), resets.c.used_at.is_(None))
            ).first()
            if row is None:
                raise ValidationFailed([FieldError("token", "reset_link_invalid")])
            if row.expires_at <= now:
                raise ValidationFailed([FieldError("token", "reset_link_expired")])
            check_password_policy(password, row.email)
            spent = conn.execute(
                sa.update(resets)
                .where(resets.c.id == row.id, resets.c.used_at.is_(None))
                .values(used_at=now)
            ).rowcount
            if spent != 1:
                raise ValidationFailed([FieldError("token", "reset_link_invalid")])
            conn.execute(
                sa.update(identity)
                .where(identity.c.id == row.identity_id)
                .values(password_hash=_hasher.hash(password), failed_logins=0, locked_until=None)
            )
        self.auth.revoke_sessions(identity_id=str(row.identity_id))
        return str(row.email)

    # ------------------------------------------------------------ change (signed in)
    def change_password(
        self,
        identity_id: str,
        current: str,
        new: str,
        *,
        name: str | None = None,
        keep_session: str | None = None,
    ) -> None:
        """Needs the current password (a session left open on a shared computer must not be
        enough to take the account over); a wrong one counts towards the lock-out. Every other
        session of the identity is signed out; `keep_session` (a token) stays signed in."""
        identity, sessions = self.t["identity"], self.t["session"]
        with self.platform.db.control.connect() as conn:
            row = conn.execute(
                sa.select(
                    identity.c.email, identity.c.password_hash, identity.c.locked_until
                ).where(identity.c.id == identity_id)
            ).first()
        if row is None:
            raise ValidationFailed([FieldError("current_password", "bad_credentials")])
        if row.locked_until and row.locked_until > utcnow():
            raise TooManyAttempts("locked", minutes=LOCK_MINUTES)
        try:
            ok = bool(row.password_hash) and _hasher.verify(row.password_hash, current)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            self.auth.record_failure(identity_id)
            raise ValidationFailed([FieldError("current_password", "bad_credentials")])
        check_password_policy(new, row.email, name)
        if new == current:
            raise ValidationFailed([FieldError("password", "password_unchanged")])
        now = utcnow()
        with self.platform.db.control.begin() as conn:
            conn.execute(
                sa.update(identity)
                .where(identity.c.id == identity_id)
                .values(password_hash=_hasher.hash(new), failed_logins=0)
            )
            others = sa.update(sessions).where(
                sessions.c.identity_id == identity_id, sessions.c.revoked_at.is_(None)
            )
            if keep_session is not None:
                others = others.where(sessions.c.token_hash != token_hash(keep_session))
            conn.execute(others.values(revoked_at=now))
