"""External principals: passwords, lock-out, sessions and one-time links, for any portal realm.

Everything here runs on the tenant connection it is given, inside the caller's transaction, so
a sign-in, the session it makes and the ``last_login_at`` the realm's package stamps commit
together. The package that owns a realm (the service package's customer portal) decides who
may sign in (status, grants); this module only proves who is asking.

Secrets are never stored: sessions and one-time tokens keep the SHA-256 of 256 random bits,
passwords an argon2id hash (the internal sign-in's hasher, so both follow one policy). A
one-time token is single use by the database's own guard: redeeming is an UPDATE with
``used_at IS NULL``, so of two concurrent redemptions exactly one succeeds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from keyi.platform.auth import (
    DUMMY_PASSWORD_HASH,
    LOCK_AFTER_FAILURES,
    LOCK_MINUTES,
    PASSWORD_HASHER,
    TOUCH_EVERY,
    token_hash,
)
from keyi.platform.errors import KeyiError, NotFound
from keyi.platform.i18n import MESSAGES
from keyi.platform.ids import new_id
from keyi.platform.passwords import check_password_policy
from keyi.platform.portal.tables import credential_table, session_table, token_table

__all__ = [
    "LinkGone",
    "LoginOutcome",
    "LoginResult",
    "PortalAuth",
    "PortalSession",
    "Purpose",
    "ResolvedSession",
]

# Session tokens carry a prefix so a log line or a support ticket shows which realm's token
# it is (and an internal API key, "keyi_…", can never be mistaken for one).
SESSION_MARK = "kp_"
INVITE_VALID = timedelta(days=7)
LOGIN_LINK_VALID = timedelta(minutes=15)

MESSAGES.update(
    {
        "link_invalid": {
            "en": "This link is not valid. Check that you opened the whole link.",
            "zh-CN": "链接无效，请确认打开的是完整链接。",
        },
        "link_expired": {
            "en": "This link has expired; ask for a new one.",
            "zh-CN": "链接已过期，请重新申请。",
        },
        "link_used": {
            "en": "This link was already used; ask for a new one.",
            "zh-CN": "链接已被使用，请重新申请。",
        },
    }
)


class Purpose(StrEnum):
    INVITE = "invite"
    LOGIN = "login"


VALIDITY = {Purpose.INVITE: INVITE_VALID, Purpose.LOGIN: LOGIN_LINK_VALID}


class LinkGone(KeyiError):
    """A genuine link that can no longer be used (410 Gone): ``link_expired`` or ``link_used``."""

    status = 410
    code = "link_expired"


class LoginOutcome(StrEnum):
    OK = "ok"
    BAD = "bad"  # wrong password, unknown email or no password yet: one answer for all
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    principal_id: str | None = None


@dataclass(frozen=True)
class PortalSession:
    token: str
    csrf_token: str
    principal_id: str
    expires_at: datetime


@dataclass(frozen=True)
class ResolvedSession:
    principal_id: str
    csrf_token: str
    digest: str
    touch_due: bool = False


class PortalAuth:
    """One realm's principals on one tenant connection (see the module docstring)."""

    def __init__(
        self,
        conn: sa.Connection,
        realm: str,
        *,
        now: datetime,
        session_hours: int,
        idle_minutes: int,
    ) -> None:
        self.conn = conn
        self.realm = realm
        self.now = now
        self.session_hours = session_hours
        self.idle_minutes = idle_minutes

    # ------------------------------------------------------------ credentials
    def _credential(self, principal_id: str) -> dict[str, Any] | None:
        c = credential_table
        row = (
            self.conn.execute(
                sa.select(c).where(c.c.realm == self.realm, c.c.principal_id == principal_id)
            )
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    def ensure_credential(self, principal_id: str, email: str) -> None:
        """The principal's sign-in row, its email kept in step with the realm's record."""
        c = credential_table
        email = email.strip().lower()
        if self._credential(principal_id) is None:
            self.conn.execute(
                sa.insert(c).values(
                    id=new_id(),
                    realm=self.realm,
                    principal_id=principal_id,
                    email=email,
                    failed_logins=0,
                    created_at=self.now,
                    updated_at=self.now,
                )
            )
        else:
            self.conn.execute(
                sa.update(c)
                .where(
                    c.c.realm == self.realm, c.c.principal_id == principal_id, c.c.email != email
                )
                .values(email=email, updated_at=self.now)
            )

    def has_password(self, principal_id: str) -> bool:
        row = self._credential(principal_id)
        return row is not None and bool(row["password_hash"])

    def set_password(
        self, principal_id: str, password: str, *, email: str | None, name: str | None
    ) -> None:
        """Check the password policy (422 on ``password``), then store its hash; clears any
        lock-out (the person proved who they are with a link or their current password)."""
        check_password_policy(password, email, name)
        c = credential_table
        self.conn.execute(
            sa.update(c)
            .where(c.c.realm == self.realm, c.c.principal_id == principal_id)
            .values(
                password_hash=PASSWORD_HASHER.hash(password),
                password_changed_at=self.now,
                failed_logins=0,
                locked_until=None,
                updated_at=self.now,
            )
        )

    def verify_password(self, principal_id: str, password: str) -> bool:
        row = self._credential(principal_id)
        stored = row["password_hash"] if row and row["password_hash"] else DUMMY_PASSWORD_HASH
        try:
            PASSWORD_HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        return row is not None and bool(row["password_hash"])

    def login(self, email: str, password: str) -> LoginResult:
        """Check an email and password. A wrong password counts towards the lock-out (an
        atomic increment: parallel guesses each count); a locked principal is refused even
        with the right password; an unknown email costs the same hash check as a known one.
        The caller commits before answering, so the count is kept whatever it answers."""
        c = credential_table
        row = (
            self.conn.execute(
                sa.select(c).where(c.c.realm == self.realm, c.c.email == email.strip().lower())
            )
            .mappings()
            .first()
        )
        if row is not None and row["locked_until"] is not None and row["locked_until"] > self.now:
            return LoginResult(LoginOutcome.LOCKED, str(row["principal_id"]))
        stored = row["password_hash"] if row is not None and row["password_hash"] else None
        try:
            PASSWORD_HASHER.verify(stored or DUMMY_PASSWORD_HASH, password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if row is None:
            return LoginResult(LoginOutcome.BAD)
        principal_id = str(row["principal_id"])
        if not ok:
            if stored is not None:
                count = self._record_failure(principal_id)
                if count >= LOCK_AFTER_FAILURES:
                    return LoginResult(LoginOutcome.LOCKED, principal_id)
            return LoginResult(LoginOutcome.BAD, principal_id)
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if PASSWORD_HASHER.check_needs_rehash(stored or ""):
            values["password_hash"] = PASSWORD_HASHER.hash(password)
        self.conn.execute(
            sa.update(c).where(c.c.id == row["id"]).values(**values, updated_at=self.now)
        )
        return LoginResult(LoginOutcome.OK, principal_id)

    def _record_failure(self, principal_id: str) -> int:
        c = credential_table
        incremented = c.c.failed_logins + 1
        locked = self.now + timedelta(minutes=LOCK_MINUTES)
        count = self.conn.execute(
            sa.update(c)
            .where(c.c.realm == self.realm, c.c.principal_id == principal_id)
            .values(
                failed_logins=incremented,
                locked_until=sa.case(
                    (incremented >= LOCK_AFTER_FAILURES, locked), else_=c.c.locked_until
                ),
            )
            .returning(c.c.failed_logins)
        ).scalar()
        return int(count or 0)

    # ------------------------------------------------------------ sessions
    def new_session(self, principal_id: str) -> PortalSession:
        token = SESSION_MARK + secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires = self.now + timedelta(hours=self.session_hours)
        self.conn.execute(
            sa.insert(session_table).values(
                token_hash=token_hash(token),
                realm=self.realm,
                principal_id=principal_id,
                csrf_token=csrf,
                created_at=self.now,
                expires_at=expires,
                last_used_at=self.now,
            )
        )
        return PortalSession(token, csrf, principal_id, expires)

    def resolve(self, token: str, *, touch: bool = True) -> ResolvedSession | None:
        """The live session behind a token of this realm, or None (unknown, revoked, expired
        or idle too long). Notes its use at most once a minute — here when ``touch``, else the
        answer says it is due (``touch_due``) and the caller notes it with ``touch`` in a
        write transaction of its own (a read transaction on SQLite should not turn writer)."""
        if not token.startswith(SESSION_MARK):
            return None
        s = session_table
        digest = token_hash(token)
        row = (
            self.conn.execute(sa.select(s).where(s.c.token_hash == digest, s.c.realm == self.realm))
            .mappings()
            .first()
        )
        if row is None or row["revoked_at"] is not None or row["expires_at"] <= self.now:
            return None
        if self.idle_minutes > 0 and row["last_used_at"] < self.now - timedelta(
            minutes=self.idle_minutes
        ):
            return None
        due = self.now - row["last_used_at"] >= TOUCH_EVERY
        if due and touch:
            self.touch(digest)
        return ResolvedSession(
            str(row["principal_id"]), str(row["csrf_token"]), digest, touch_due=due and not touch
        )

    def touch(self, digest: str) -> None:
        """Note a session's use (one of several concurrent requests writes: the condition
        re-checks the stored time)."""
        s = session_table
        self.conn.execute(
            sa.update(s)
            .where(s.c.token_hash == digest, s.c.last_used_at < self.now - TOUCH_EVERY)
            .values(last_used_at=self.now)
        )

    def revoke_sessions(self, principal_id: str, *, keep: str | None = None) -> int:
        """End every live session of a principal at once (``keep``: the digest of one to
        spare, the caller's own after a password change)."""
        s = session_table
        stmt = sa.update(s).where(
            s.c.realm == self.realm, s.c.principal_id == principal_id, s.c.revoked_at.is_(None)
        )
        if keep is not None:
            stmt = stmt.where(s.c.token_hash != keep)
        return int(self.conn.execute(stmt.values(revoked_at=self.now)).rowcount)

    def end_session(self, digest: str) -> None:
        s = session_table
        self.conn.execute(
            sa.update(s)
            .where(s.c.token_hash == digest, s.c.revoked_at.is_(None))
            .values(revoked_at=self.now)
        )

    # ------------------------------------------------------------ one-time links
    def expire_tokens(self, principal_id: str, purpose: Purpose | None = None) -> None:
        """The principal's unused links (of one purpose, or all) stop working now."""
        t = token_table
        stmt = sa.update(t).where(
            t.c.realm == self.realm,
            t.c.principal_id == principal_id,
            t.c.used_at.is_(None),
            t.c.expires_at > self.now,
        )
        if purpose is not None:
            stmt = stmt.where(t.c.purpose == purpose.value)
        self.conn.execute(stmt.values(expires_at=self.now))

    def issue_token(self, principal_id: str, purpose: Purpose) -> tuple[str, datetime]:
        """A new one-time token (and its expiry); the principal's older unused tokens of the
        same purpose stop working, so only the newest mail's link opens."""
        t = token_table
        self.expire_tokens(principal_id, purpose)
        token = secrets.token_urlsafe(32)
        expires = self.now + VALIDITY[purpose]
        self.conn.execute(
            sa.insert(t).values(
                token_hash=token_hash(token),
                realm=self.realm,
                principal_id=principal_id,
                purpose=purpose.value,
                created_at=self.now,
                expires_at=expires,
            )
        )
        return token, expires

    def peek_token(self, token: str, purpose: Purpose) -> str:
        """The principal a usable token names, without using it: 404 ``link_invalid`` for an
        unknown token (or one of another purpose), 410 ``link_used`` / ``link_expired``."""
        t = token_table
        row = (
            self.conn.execute(
                sa.select(t).where(
                    t.c.token_hash == token_hash(token),
                    t.c.realm == self.realm,
                    t.c.purpose == purpose.value,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("link_invalid")
        if row["used_at"] is not None:
            raise LinkGone("link_used")
        if row["expires_at"] <= self.now:
            raise LinkGone("link_expired")
        return str(row["principal_id"])

    def redeem_token(self, token: str, purpose: Purpose) -> str:
        """Use a token once (see peek_token for the refusals); the principal it names."""
        principal_id = self.peek_token(token, purpose)
        t = token_table
        claimed = self.conn.execute(
            sa.update(t)
            .where(
                t.c.token_hash == token_hash(token),
                t.c.used_at.is_(None),
                t.c.expires_at > self.now,
            )
            .values(used_at=self.now)
        ).rowcount
        if claimed != 1:
            raise LinkGone("link_used")
        return principal_id
