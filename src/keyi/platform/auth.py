"""Identities, sessions and API keys in the control database.

Secrets are random 256-bit tokens; only their SHA-256 is stored, so a leaked database does not
leak sessions or keys. Passwords use argon2id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyotp
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from keyi.platform.clock import utcnow
from keyi.platform.errors import (
    Conflict,
    FieldError,
    TooManyAttempts,
    Unauthenticated,
    ValidationFailed,
)
from keyi.platform.hashing import DUMMY_PASSWORD_HASH, PASSWORD_HASHER
from keyi.platform.ids import new_id
from keyi.platform.passwords import check_password_policy

if TYPE_CHECKING:
    from keyi.platform.tenancy import Platform

__all__ = [
    "DUMMY_PASSWORD_HASH",
    "PASSWORD_HASHER",
    "AuthService",
    "Caller",
    "NewSession",
    "check_password_policy",
    "token_hash",
]

# One hasher (keyi.platform.hashing) for sign-in, accounts and the portals' external users.
_hasher = PASSWORD_HASHER
_DUMMY_HASH = DUMMY_PASSWORD_HASH
LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15
SCOPES = ("read", "write")
# A session's "last used" time is written at most this often, so the idle timeout costs one
# small UPDATE per session per minute rather than one per request.
TOUCH_EVERY = timedelta(minutes=1)


class _BadCredentials(Exception):
    """A wrong password or code for a known identity: counted towards its lock-out."""

    def __init__(self, identity_id: str) -> None:
        super().__init__(identity_id)
        self.identity_id = identity_id


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: which tenant and which user, and how they signed in.

    Identity only. What the caller may do is the request's `access.AccessProfile` (role,
    department, teams); who history and audit name is its `permissions.Actor`."""

    tenant_id: str
    user_id: str
    identity_id: str | None
    via: str  # "session" | "api_key"
    csrf_token: str | None = None
    scope: str = "write"


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    principal: Caller
    expires_at: datetime


class AuthService:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.t = platform.t
        # The lookups every request makes, built once: constructing them cost more CPU than
        # the database spends answering.
        keys, sessions = self.t["api_key"], self.t["session"]
        self._key_lookup = sa.select(keys).where(keys.c.key_hash == sa.bindparam("digest"))
        self._session_lookup = sa.select(sessions).where(
            sessions.c.token_hash == sa.bindparam("digest")
        )

    # ------------------------------------------------------------ identities
    def add_identity(self, conn: sa.Connection, email: str, password: str | None) -> str:
        email = email.strip().lower()
        row = conn.execute(
            sa.select(self.t["identity"].c.id).where(self.t["identity"].c.email == email)
        ).first()
        if row:
            return str(row[0])
        if password is not None:
            check_password_policy(password, email)
        identity_id = new_id()
        conn.execute(
            sa.insert(self.t["identity"]).values(
                id=identity_id,
                email=email,
                password_hash=_hasher.hash(password) if password else None,
                created_at=utcnow(),
            )
        )
        return identity_id

    def add_membership(
        self, conn: sa.Connection, identity_id: str, tenant_id: str, user_id: str
    ) -> None:
        m = self.t["membership"]
        exists = conn.execute(
            sa.select(m.c.user_id).where(m.c.identity_id == identity_id, m.c.tenant_id == tenant_id)
        ).first()
        if exists:
            conn.execute(
                sa.update(m)
                .where(m.c.identity_id == identity_id, m.c.tenant_id == tenant_id)
                .values(user_id=user_id, active=True)
            )
        else:
            conn.execute(
                sa.insert(m).values(
                    identity_id=identity_id, tenant_id=tenant_id, user_id=user_id, active=True
                )
            )

    # ------------------------------------------------------------ login
    def login(
        self, email: str, password: str, tenant_name: str | None, totp: str | None = None
    ) -> NewSession:
        """Check the credentials; a failure is counted after the login's transaction ends.

        The control database is written from one transaction at a time (SQLite takes the write
        lock at BEGIN), so the failure count cannot be written from inside the login's own one.
        """
        try:
            return self._login(email, password, tenant_name, totp)
        except _BadCredentials as failure:
            self.record_failure(failure.identity_id)
            raise Unauthenticated("bad_credentials") from None

    def _login(
        self, email: str, password: str, tenant_name: str | None, totp: str | None
    ) -> NewSession:
        t_identity, t_member, t_tenant = self.t["identity"], self.t["membership"], self.t["tenant"]
        with self.platform.db.control.begin() as conn:
            identity = (
                conn.execute(
                    sa.select(t_identity).where(t_identity.c.email == email.strip().lower())
                )
                .mappings()
                .first()
            )
            if (
                identity is not None
                and identity["locked_until"]
                and identity["locked_until"] > utcnow()
            ):
                # Locked: even the right password is refused, so guessing gains nothing.
                raise TooManyAttempts("locked", minutes=LOCK_MINUTES)
            stored = (
                identity["password_hash"] if identity and identity["password_hash"] else _DUMMY_HASH
            )
            try:
                _hasher.verify(stored, password)
                ok = identity is not None and identity["password_hash"] is not None
            except (VerificationError, InvalidHashError):
                ok = False
            if ok and identity is not None and identity["totp_enabled"]:
                if not totp:
                    raise Unauthenticated("totp_required")
                if not pyotp.TOTP(identity["totp_secret"]).verify(totp.strip(), valid_window=1):
                    ok = False
            if not ok or identity is None:
                if identity is not None:
                    raise _BadCredentials(identity["id"])
                raise Unauthenticated("bad_credentials")
            memberships = conn.execute(
                sa.select(t_member.c.tenant_id, t_member.c.user_id, t_tenant.c.name)
                .join(t_tenant, t_tenant.c.id == t_member.c.tenant_id)
                .where(
                    t_member.c.identity_id == identity["id"],
                    t_member.c.active.is_(True),
                    t_tenant.c.status == "active",
                )
                .order_by(t_tenant.c.name)
            ).all()
            if tenant_name:
                memberships = [m for m in memberships if m.name == tenant_name]
            if not memberships:
                raise Unauthenticated("bad_credentials")
            if len(memberships) > 1:
                raise Conflict("choose_tenant", tenants=[m.name for m in memberships])
            chosen = memberships[0]
            if _hasher.check_needs_rehash(identity["password_hash"]):
                conn.execute(
                    sa.update(t_identity)
                    .where(t_identity.c.id == identity["id"])
                    .values(password_hash=_hasher.hash(password))
                )
            conn.execute(
                sa.update(t_identity)
                .where(t_identity.c.id == identity["id"])
                .values(last_login_at=utcnow(), failed_logins=0, locked_until=None)
            )
            return self._new_session(conn, identity["id"], chosen.tenant_id, chosen.user_id)

    def record_failure(self, identity_id: str) -> int:
        """Count a failure in its own transaction (the login's own transaction rolls back).

        One atomic UPDATE ... SET failed_logins = failed_logins + 1 RETURNING: parallel wrong
        passwords each add one (a read-then-write lost updates on PostgreSQL and let an
        attacker guess more often than LOCK_AFTER_FAILURES), and the lock is set in the same
        statement from the incremented value. Answers the new count.
        """
        t = self.t["identity"]
        locked = utcnow() + timedelta(minutes=LOCK_MINUTES)
        incremented = t.c.failed_logins + 1
        with self.platform.db.control.begin() as conn:
            count = conn.execute(
                sa.update(t)
                .where(t.c.id == identity_id)
                .values(
                    failed_logins=incremented,
                    locked_until=sa.case(
                        (incremented >= LOCK_AFTER_FAILURES, locked), else_=t.c.locked_until
                    ),
                )
                .returning(t.c.failed_logins)
            ).scalar()
        return int(count or 0)

    # ------------------------------------------------------------ TOTP
    def totp_setup(self, identity_id: str, email: str) -> dict[str, str]:
        """A new pending secret; it takes effect once confirmed with a valid code."""
        secret = pyotp.random_base32()
        t = self.t["identity"]
        with self.platform.db.control.begin() as conn:
            row = conn.execute(sa.select(t.c.totp_enabled).where(t.c.id == identity_id)).first()
            if row is None or row.totp_enabled:
                raise Conflict("totp_already_enabled")
            conn.execute(sa.update(t).where(t.c.id == identity_id).values(totp_secret=secret))
        uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Keyi")
        return {"secret": secret, "uri": uri}

    def totp_enable(self, identity_id: str, code: str) -> None:
        t = self.t["identity"]
        with self.platform.db.control.begin() as conn:
            secret = conn.execute(sa.select(t.c.totp_secret).where(t.c.id == identity_id)).scalar()
            if not secret or not pyotp.TOTP(secret).verify(str(code).strip(), valid_window=1):
                raise ValidationFailed([FieldError("code", "bad_totp")])
            conn.execute(sa.update(t).where(t.c.id == identity_id).values(totp_enabled=True))

    def totp_disable(self, identity_id: str, password: str) -> None:
        t = self.t["identity"]
        with self.platform.db.control.begin() as conn:
            stored = conn.execute(
                sa.select(t.c.password_hash).where(t.c.id == identity_id)
            ).scalar()
            try:
                _hasher.verify(stored or _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                raise ValidationFailed([FieldError("password", "bad_credentials")]) from None
            conn.execute(
                sa.update(t)
                .where(t.c.id == identity_id)
                .values(totp_enabled=False, totp_secret=None)
            )

    def revoke_sessions(
        self,
        *,
        identity_id: str | None = None,
        tenant_id: str | None = None,
        user_id: str | None = None,
    ) -> int:
        """Sign out everywhere: every session of an identity, or of one user of one tenant."""
        s = self.t["session"]
        stmt = sa.update(s).where(s.c.revoked_at.is_(None))
        if identity_id is not None:
            stmt = stmt.where(s.c.identity_id == identity_id)
        elif tenant_id is not None and user_id is not None:
            stmt = stmt.where(s.c.tenant_id == tenant_id, s.c.user_id == user_id)
        else:
            raise ValueError("say whose sessions to revoke")
        with self.platform.db.control.begin() as conn:
            return int(conn.execute(stmt.values(revoked_at=utcnow())).rowcount)

    def session_for(self, identity_id: str, tenant_id: str, user_id: str) -> NewSession:
        """A session for someone another party vouched for (single sign-on).

        The caller has already checked the membership; no password or TOTP is asked here,
        the identity provider did its own checks.
        """
        t_identity = self.t["identity"]
        with self.platform.db.control.begin() as conn:
            conn.execute(
                sa.update(t_identity)
                .where(t_identity.c.id == identity_id)
                .values(last_login_at=utcnow())
            )
            return self._new_session(conn, identity_id, tenant_id, user_id)

    def _new_session(
        self, conn: sa.Connection, identity_id: str, tenant_id: str, user_id: str
    ) -> NewSession:
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        now = utcnow()
        expires = now + timedelta(hours=self.platform.settings.session_ttl_hours)
        conn.execute(
            sa.insert(self.t["session"]).values(
                token_hash=token_hash(token),
                identity_id=identity_id,
                tenant_id=tenant_id,
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
                last_used_at=now,
            )
        )
        principal = Caller(
            tenant_id=tenant_id,
            user_id=user_id,
            identity_id=identity_id,
            via="session",
            csrf_token=csrf,
        )
        return NewSession(token=token, csrf_token=csrf, principal=principal, expires_at=expires)

    def logout(self, token: str) -> None:
        with self.platform.db.control.begin() as conn:
            conn.execute(
                sa.update(self.t["session"])
                .where(self.t["session"].c.token_hash == token_hash(token))
                .values(revoked_at=utcnow())
            )

    def resolve(self, token: str) -> Caller | None:
        """The principal behind a session token or an API key, or None."""
        digest = token_hash(token)
        now = utcnow()
        with self.platform.db.control_read() as conn:
            if token.startswith("keyi_"):
                row = conn.execute(self._key_lookup, {"digest": digest}).mappings().first()
                if (
                    row is None
                    or row["revoked_at"] is not None
                    or (row["expires_at"] and row["expires_at"] < now)
                ):
                    return None
                return Caller(
                    tenant_id=row["tenant_id"],
                    user_id=row["user_id"],
                    identity_id=None,
                    via="api_key",
                    scope=row["scope"],
                )
            row = conn.execute(self._session_lookup, {"digest": digest}).mappings().first()
        if row is None or row["revoked_at"] is not None or row["expires_at"] < now:
            return None
        last_used = row["last_used_at"] or row["created_at"]
        idle_minutes = self.platform.settings.session_idle_minutes
        if idle_minutes > 0 and last_used < now - timedelta(minutes=idle_minutes):
            return None
        if now - last_used >= TOUCH_EVERY:
            self._touch(digest, now)
        return Caller(
            tenant_id=row["tenant_id"],
            user_id=row["user_id"],
            identity_id=row["identity_id"],
            via="session",
            csrf_token=row["csrf_token"],
        )

    def _touch(self, digest: str, now: datetime) -> None:
        """Note that the session was used; at most once a minute, and only one of several
        concurrent requests writes (the condition re-checks the stored time)."""
        s = self.t["session"]
        with self.platform.db.control.begin() as conn:
            conn.execute(
                sa.update(s)
                .where(
                    s.c.token_hash == digest,
                    sa.or_(s.c.last_used_at.is_(None), s.c.last_used_at < now - TOUCH_EVERY),
                )
                .values(last_used_at=now)
            )

    # ------------------------------------------------------------ API keys
    def create_api_key(
        self,
        tenant_id: str,
        user_id: str,
        name: str,
        expires_at: datetime | None = None,
        scope: str = "write",
    ) -> str:
        if scope not in SCOPES:
            raise ValidationFailed([FieldError("scope", "invalid_option", {"value": scope})])
        secret = "keyi_" + secrets.token_urlsafe(32)
        with self.platform.db.control.begin() as conn:
            conn.execute(
                sa.insert(self.t["api_key"]).values(
                    id=new_id(),
                    key_hash=token_hash(secret),
                    prefix=secret[:12],
                    name=name,
                    scope=scope,
                    tenant_id=tenant_id,
                    user_id=user_id,
                    created_at=utcnow(),
                    expires_at=expires_at,
                )
            )
        return secret
