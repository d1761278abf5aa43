"""Managing a company's users: invite, accept, deactivate, reactivate, list.

A person is two things in two databases: the tenant's `user` record (name, department, role,
`is_active`) and, in the control database, a global identity (email, password) with a
membership linking it to that record. Changes that touch both are ordered so that a crash in
between leaves a state that is safe (nobody gains access) and repaired by retrying: the tenant
transaction stays open while the control transaction commits, so a failure of the control
write rolls the tenant write back.

Invitation tokens are random 256-bit secrets; only their SHA-256 is stored, they expire after
seven days and can be used once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyotp
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from keyi.platform.auth import LOCK_MINUTES, AuthService, check_password_policy, token_hash
from keyi.platform.clock import utcnow
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
    ValidationFailed,
)
from keyi.platform.fieldtypes import UUID_RE, datetime_json
from keyi.platform.hashing import PASSWORD_HASHER
from keyi.platform.ids import new_id
from keyi.platform.mail import invitation_mail, send
from keyi.platform.permissions import Actor, Operation
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.tenancy import Platform

INVITATION_DAYS = 7
MAX_LIST_LIMIT = 500
STATUSES = ("invited", "active", "inactive")
# Fields an invitation may not set: activation is what accepting the invitation does.
NOT_INVITABLE = frozenset({"is_active"})
_hasher = PASSWORD_HASHER


@dataclass(frozen=True)
class IssuedInvitation:
    """What the administrator gets back: the user and the one-time link's token, and who
    invited them to which company (for the letter)."""

    user: dict[str, Any]
    token: str
    expires_at: datetime
    email: str
    inviter: str
    company: str


@dataclass(frozen=True)
class AcceptedInvitation:
    tenant: TenantInfo
    user_id: str
    email: str


def require_manager(ctx: Context, op: Operation = Operation.EDIT) -> None:
    """Managing users is the permission to change `user` records (administrators today)."""
    if not ctx.policy.can(ctx.object("user"), op):
        raise Forbidden()


def live_user(ctx: Context, user_id: str) -> dict[str, Any]:
    """A live user of ctx's tenant; any other id (another tenant's too) is not found."""
    if not isinstance(user_id, str) or not UUID_RE.match(user_id):
        raise NotFound("record_not_found")
    table = ctx.object("user").table
    row = (
        ctx.conn.execute(
            sa.select(table).where(table.c.id == user_id.lower(), table.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("record_not_found")
    return dict(row)


def revoke_access(platform: Platform, ctx: Context, user_id: str) -> tuple[int, int]:
    """Block sign-in at once: membership inactive, API keys, pending invitations and sessions
    revoked. Answers (sessions, API keys) revoked.

    The one way a user loses access, whether through the deactivate endpoint or an edit of the
    user record (``is_active`` false, or the record deleted). The caller's tenant transaction
    stays open meanwhile, so a failure here rolls the user change back.
    """
    ctx.user_status_changes.pop(user_id, None)
    now = utcnow()
    m, k, inv = platform.t["membership"], platform.t["api_key"], platform.t["invitation"]
    with platform.db.control.begin() as conn:
        conn.execute(
            sa.update(m)
            .where(m.c.tenant_id == ctx.tenant.id, m.c.user_id == user_id)
            .values(active=False)
        )
        keys = conn.execute(
            sa.update(k)
            .where(
                k.c.tenant_id == ctx.tenant.id,
                k.c.user_id == user_id,
                k.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        ).rowcount
        conn.execute(
            sa.update(inv)
            .where(
                inv.c.tenant_id == ctx.tenant.id,
                inv.c.user_id == user_id,
                inv.c.accepted_at.is_(None),
                inv.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    sessions = AuthService(platform).revoke_sessions(tenant_id=ctx.tenant.id, user_id=user_id)
    return sessions, int(keys)


def activate_membership(platform: Platform, ctx: Context, user_id: str) -> None:
    """Allow sign-in again (same password; revoked keys and sessions stay revoked). A user
    whose invitation is still pending activates by accepting it, not by an edit."""
    ctx.user_status_changes.pop(user_id, None)
    inv, m = platform.t["invitation"], platform.t["membership"]
    with platform.db.control.begin() as conn:
        pending = conn.execute(
            sa.select(inv.c.id).where(
                inv.c.tenant_id == ctx.tenant.id,
                inv.c.user_id == user_id,
                inv.c.accepted_at.is_(None),
                inv.c.revoked_at.is_(None),  # expired ones too, as reactivate() counts them
            )
        ).first()
        if pending is not None:
            raise Conflict("invitation_pending")
        identity_id = conn.execute(
            sa.select(m.c.identity_id).where(m.c.tenant_id == ctx.tenant.id, m.c.user_id == user_id)
        ).scalar()
        if identity_id is None:
            return
        if not _joined(conn, inv, ctx.tenant.id, str(identity_id), user_id):
            raise Conflict("invitation_not_accepted")
        conn.execute(
            sa.update(m)
            .where(m.c.tenant_id == ctx.tenant.id, m.c.user_id == user_id)
            .values(active=True)
        )


def _joined(
    conn: sa.Connection, inv: sa.Table, tenant_id: str, identity_id: str, user_id: str
) -> bool:
    """Whether the person behind `identity_id` ever agreed to be `user_id` in this tenant.

    A membership is switched on only by its person accepting an invitation, or when it was
    made directly for the tenant's own person (the tenant's creation, `keyi user add`, single
    sign-on provisioning: no invitation ever issued for the identity here). Otherwise an
    administrator could attach another company's identity by invite → revoke → reactivate
    (or a record edit of `is_active`) without the person ever saying yes.
    """
    accepted = conn.execute(
        sa.select(inv.c.id)
        .where(
            inv.c.tenant_id == tenant_id,
            inv.c.identity_id == identity_id,
            inv.c.user_id == user_id,
            inv.c.accepted_at.is_not(None),
        )
        .limit(1)
    ).first()
    if accepted is not None:
        return True
    issued = conn.execute(
        sa.select(inv.c.id)
        .where(inv.c.tenant_id == tenant_id, inv.c.identity_id == identity_id)
        .limit(1)
    ).first()
    return issued is None


def apply_user_status(platform: Platform, ctx: Context) -> None:
    """Bring sign-in in line with user records changed in ctx's transaction by any path other
    than the user administration methods (which do it themselves): run by Platform.context
    just before the tenant transaction commits."""
    users = ctx.object("user").table
    while ctx.user_status_changes:
        user_id = next(iter(ctx.user_status_changes))
        # The record as it stands now decides, not the note: a change undone since (a rolled
        # back savepoint, a later edit in the same transaction) must not act.
        active = ctx.conn.execute(
            sa.select(users.c.is_active).where(users.c.id == user_id, users.c.deleted_at.is_(None))
        ).scalar()
        if active:
            activate_membership(platform, ctx, user_id)
            ctx.audit("user.reactivate", object_name="user", record_id=user_id, via="record")
        else:
            sessions, keys = revoke_access(platform, ctx, user_id)
            ctx.audit(
                "user.deactivate",
                object_name="user",
                record_id=user_id,
                via="record",
                sessions_revoked=sessions,
                api_keys_revoked=keys,
            )


class UsersService:
    """User administration for one installation; every admin method takes the caller's context."""

    def __init__(self, platform: Platform, auth: AuthService | None = None) -> None:
        self.platform = platform
        self.auth = auth or AuthService(platform)
        self.t = platform.t

    # ================================================================ invite
    def invite(self, ctx: Context, data: dict[str, Any]) -> IssuedInvitation:
        """Create the inactive user record, its membership and a one-time invitation token."""
        require_manager(ctx, Operation.CREATE)
        if not isinstance(data, dict):
            raise ValidationFailed([FieldError("body", "invalid_request")])
        errors = [FieldError(name, "read_only") for name in sorted(NOT_INVITABLE & set(data))]
        email = data.get("email")
        if isinstance(email, str):
            email = email.strip().lower()
            users = ctx.object("user").table
            taken = ctx.conn.execute(
                sa.select(users.c.id).where(
                    sa.func.lower(users.c.email) == email, users.c.deleted_at.is_(None)
                )
            ).first()
            if taken is not None:
                errors.append(FieldError("email", "user_exists"))
        values = {k: v for k, v in data.items() if k not in NOT_INVITABLE}
        try:
            user = RecordsService(ctx).create(
                "user", {**values, "email": email, "is_active": False}
            )
        except ValidationFailed as exc:
            # Every problem at once; the record service's "not unique" says less than ours.
            mine = {e.field for e in errors}
            raise ValidationFailed(
                errors + [e for e in exc.errors if not (e.field in mine and e.code == "not_unique")]
            ) from None
        if errors:
            raise ValidationFailed(errors)  # rolls the created record back with the transaction
        email = str(user["email"]).lower()
        with self.platform.db.control.begin() as conn:
            identity_id = self._identity_for(conn, email)
            self._link_membership(ctx, conn, identity_id, user["id"])
            token, expires = self._issue(conn, ctx, user["id"], identity_id)
        ctx.audit("user.invite", object_name="user", record_id=user["id"], email=email)
        return IssuedInvitation(
            user=user,
            token=token,
            expires_at=expires,
            email=email,
            inviter=ctx.actor.name,
            company=ctx.tenant.label,
        )

    def reinvite(self, ctx: Context, user_id: str) -> IssuedInvitation:
        """A fresh token for a user who is not active; earlier tokens stop working."""
        require_manager(ctx)
        user = live_user(ctx, user_id)
        if user["is_active"]:
            raise Conflict("already_active")
        email = str(user["email"]).strip().lower()
        with self.platform.db.control.begin() as conn:
            identity_id = self._identity_for(conn, email)
            self._link_membership(ctx, conn, identity_id, user["id"])
            token, expires = self._issue(conn, ctx, user["id"], identity_id)
        ctx.audit("user.reinvite", object_name="user", record_id=user["id"], email=email)
        return IssuedInvitation(
            user=RecordsService(ctx).get("user", user["id"]),
            token=token,
            expires_at=expires,
            email=email,
            inviter=ctx.actor.name,
            company=ctx.tenant.label,
        )

    def accept_url(self, token: str, *, base_url: str | None = None) -> str:
        """The link to the acceptance page: absolute when the public address is known
        (configured, or `base_url`, the address the administrator used)."""
        base = self.platform.settings.public_url or base_url or ""
        return f"{base.rstrip('/')}/accept-invite?token={token}"

    def deliver(self, issued: IssuedInvitation, *, base_url: str | None = None) -> dict[str, Any]:
        """Mail the link when SMTP is set up and answer what the administrator is shown (the
        link too, to pass on by other means). Call after the issuing transaction committed:
        a letter cannot be taken back, and a failure to send means "not sent", not undone."""
        settings = self.platform.settings
        url = self.accept_url(issued.token, base_url=base_url)
        sent = send(
            settings,
            invitation_mail(
                issued.email,
                language=issued.user.get("language"),
                inviter=issued.inviter,
                company=issued.company,
                days=INVITATION_DAYS,
                url=url,
            ),
        )
        return {
            "user": issued.user,
            "accept_url": url,
            "expires_at": datetime_json(issued.expires_at),
            "email_sent": sent,
        }

    def revoke_invitation(self, ctx: Context, user_id: str) -> None:
        require_manager(ctx)
        user = live_user(ctx, user_id)
        inv = self.t["invitation"]
        with self.platform.db.control.begin() as conn:
            revoked = conn.execute(
                sa.update(inv)
                .where(
                    inv.c.tenant_id == ctx.tenant.id,
                    inv.c.user_id == user["id"],
                    inv.c.accepted_at.is_(None),
                    inv.c.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
            ).rowcount
        if not revoked:
            raise NotFound("no_invitation")
        ctx.audit("user.invitation_revoke", object_name="user", record_id=user["id"])

    def _identity_for(self, conn: sa.Connection, email: str) -> str:
        """The identity with this email, or a new one without a password."""
        identity = self.t["identity"]
        found = conn.execute(sa.select(identity.c.id).where(identity.c.email == email)).scalar()
        if found is not None:
            return str(found)
        identity_id = new_id()
        conn.execute(
            sa.insert(identity).values(
                id=identity_id, email=email, password_hash=None, created_at=utcnow()
            )
        )
        return identity_id

    def _link_membership(
        self, ctx: Context, conn: sa.Connection, identity_id: str, user_id: str
    ) -> None:
        """An inactive membership of the identity in ctx's tenant, pointing at `user_id`.

        An identity has at most one membership per tenant; if it already points at another
        live user of the tenant, that user owns the email and the invitation is refused.
        """
        m = self.t["membership"]
        current = conn.execute(
            sa.select(m.c.user_id).where(
                m.c.identity_id == identity_id, m.c.tenant_id == ctx.tenant.id
            )
        ).scalar()
        if current is None:
            conn.execute(
                sa.insert(m).values(
                    identity_id=identity_id, tenant_id=ctx.tenant.id, user_id=user_id, active=False
                )
            )
            return
        if str(current) != user_id:
            users = ctx.object("user").table
            other = ctx.conn.execute(
                sa.select(users.c.id).where(users.c.id == current, users.c.deleted_at.is_(None))
            ).first()
            if other is not None:
                raise ValidationFailed([FieldError("email", "user_exists")])
        conn.execute(
            sa.update(m)
            .where(m.c.identity_id == identity_id, m.c.tenant_id == ctx.tenant.id)
            .values(user_id=user_id, active=False)
        )

    def _issue(
        self, conn: sa.Connection, ctx: Context, user_id: str, identity_id: str
    ) -> tuple[str, datetime]:
        inv = self.t["invitation"]
        now = utcnow()
        conn.execute(
            sa.update(inv)
            .where(
                inv.c.tenant_id == ctx.tenant.id,
                inv.c.user_id == user_id,
                inv.c.accepted_at.is_(None),
                inv.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(days=INVITATION_DAYS)
        conn.execute(
            sa.insert(inv).values(
                id=new_id(),
                token_hash=token_hash(token),
                tenant_id=ctx.tenant.id,
                user_id=user_id,
                identity_id=identity_id,
                invited_by=ctx.actor.id,
                created_at=now,
                expires_at=expires,
            )
        )
        return token, expires

    # ================================================================ accept
    def _pending(self, conn: sa.Connection, token: str) -> Any:
        row = self._invitation(conn, self.t["invitation"].c.token_hash == token_hash(token))
        if (
            row is None
            or row.accepted_at is not None
            or row.revoked_at is not None
            or row.tenant_status != "active"
        ):
            raise ValidationFailed([FieldError("token", "invitation_invalid")])
        if row.expires_at <= utcnow():
            raise ValidationFailed([FieldError("token", "invitation_expired")])
        return row

    def _invitation(self, conn: sa.Connection, where: Any) -> Any:
        """One invitation with what accepting it needs to know of the identity and tenant."""
        inv, identity, tenant = self.t["invitation"], self.t["identity"], self.t["tenant"]
        return conn.execute(
            sa.select(
                inv,
                identity.c.email,
                identity.c.password_hash,
                identity.c.totp_enabled,
                identity.c.totp_secret,
                identity.c.failed_logins,
                identity.c.locked_until,
                tenant.c.status.label("tenant_status"),
            )
            .join(identity, identity.c.id == inv.c.identity_id)
            .join(tenant, tenant.c.id == inv.c.tenant_id)
            .where(where)
            .order_by(inv.c.created_at.desc())
            .limit(1)
        ).first()

    def describe_invitation(self, token: str) -> dict[str, Any]:
        """What the accept page shows before the person chooses a password."""
        with self.platform.db.control.connect() as conn:
            row = self._pending(conn, token)
        tenant = self.platform.tenant_by_id(row.tenant_id)
        return {
            "email": row.email,
            "tenant": {"name": tenant.name, "label": tenant.label},
            "expires_at": datetime_json(row.expires_at),
            # An existing Keyi identity joins with its current password instead of a new one.
            "needs_new_password": row.password_hash is None,
        }

    def accept(self, token: str, password: str, totp: str | None = None) -> AcceptedInvitation:
        """Check the token and the password, then activate the user and the membership.

        Someone who already has a Keyi password (in another company) proves it and keeps it:
        an invitation link must not become a way to replace an existing password.
        """
        with self.platform.db.control.connect() as conn:
            row = self._pending(conn, token)
        if row.password_hash is not None:
            self._verify_existing(row, password, totp)
        else:
            check_password_policy(password, row.email)
        tenant = self.platform.tenant_by_id(row.tenant_id)
        self._activate(tenant, row, password, actor="invitation")
        return AcceptedInvitation(tenant=tenant, user_id=row.user_id, email=row.email)

    def accept_signed_in(
        self, tenant: TenantInfo, identity_id: str, user_id: str, *, provider: str
    ) -> bool:
        """Accept the pending invitation of someone who proved the invited identity by single
        sign-on: the user and membership become active, the invitation is used up and audited.

        False when there is no invitation waiting (a deactivated user: the caller refuses).
        An expired one is refused with ``invitation_expired`` — an administrator re-invites,
        as for the link. No password is set: the identity keeps signing in through SSO (or
        with the password it already had).
        """
        inv = self.t["invitation"]
        with self.platform.db.control.connect() as conn:
            row = self._invitation(
                conn,
                sa.and_(
                    inv.c.tenant_id == tenant.id,
                    inv.c.user_id == user_id,
                    inv.c.identity_id == identity_id,
                    inv.c.accepted_at.is_(None),
                    inv.c.revoked_at.is_(None),
                ),
            )
        if row is None or row.tenant_status != "active":
            return False
        if row.expires_at <= utcnow():
            raise ValidationFailed([FieldError("token", "invitation_expired")])
        self._activate(tenant, row, None, actor="sso", via="sso", provider=provider)
        return True

    def _activate(
        self,
        tenant: TenantInfo,
        row: Any,
        password: str | None,
        *,
        actor: str,
        **audit: Any,
    ) -> None:
        """The user record active, then the invitation consumed and the membership on (the
        control transaction inside the tenant one: a failure of either leaves neither)."""
        with self.platform.context(tenant, Actor.system(actor)) as ctx:
            users = ctx.object("user").table
            alive = ctx.conn.execute(
                sa.select(users.c.id).where(users.c.id == row.user_id, users.c.deleted_at.is_(None))
            ).first()
            if alive is None:
                raise ValidationFailed([FieldError("token", "invitation_invalid")])
            RecordsService(ctx).update("user", row.user_id, {"is_active": True})
            with self.platform.db.control.begin() as conn:
                self._consume(conn, row, password)  # activates the membership
            ctx.user_status_changes.pop(row.user_id, None)
            ctx.audit(
                "user.invitation_accept",
                object_name="user",
                record_id=row.user_id,
                email=row.email,
                **audit,
            )

    def _verify_existing(self, row: Any, password: str, totp: str | None) -> None:
        if row.locked_until and row.locked_until > utcnow():
            raise TooManyAttempts("locked", minutes=LOCK_MINUTES)
        try:
            ok: bool = _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and row.totp_enabled:
            if not totp:
                raise Unauthenticated("totp_required")
            ok = pyotp.TOTP(row.totp_secret).verify(totp.strip(), valid_window=1)
        if not ok:
            # Counted like a failed sign-in, so the link cannot be used to guess the password.
            self.auth.record_failure(row.identity_id)
            raise ValidationFailed([FieldError("password", "bad_credentials")])

    def _consume(self, conn: sa.Connection, row: Any, password: str | None) -> None:
        inv, identity, m = self.t["invitation"], self.t["identity"], self.t["membership"]
        now = utcnow()
        used = conn.execute(
            sa.update(inv)
            .where(
                inv.c.id == row.id,
                inv.c.accepted_at.is_(None),
                inv.c.revoked_at.is_(None),
                inv.c.expires_at > now,
            )
            .values(accepted_at=now)
        ).rowcount
        if used != 1:  # used or withdrawn a moment ago, by another request
            raise ValidationFailed([FieldError("token", "invitation_invalid")])
        if row.password_hash is None and password is not None:
            conn.execute(
                sa.update(identity)
                .where(identity.c.id == row.identity_id, identity.c.password_hash.is_(None))
                .values(password_hash=_hasher.hash(password))
            )
        conn.execute(
            sa.update(m)
            .where(m.c.identity_id == row.identity_id, m.c.tenant_id == row.tenant_id)
            .values(user_id=row.user_id, active=True)
        )

    # ================================================================ deactivate
    def deactivate(self, ctx: Context, user_id: str) -> dict[str, Any]:
        """Block sign-in at once: user and membership inactive, sessions and API keys revoked.

        The user's records keep their owner; ownership moves only by an explicit transfer.
        """
        require_manager(ctx)
        user = live_user(ctx, user_id)
        if user["id"] == ctx.actor.id:
            raise Conflict("cannot_deactivate_self")
        if user["is_active"]:
            try:
                RecordsService(ctx).update("user", user["id"], {"is_active": False})
            except ValidationFailed as failed:
                # The last-administrator rule lives in the user record's before-save hook (every
                # path goes through it); this endpoint has always answered it as a 409.
                for error in failed.errors:
                    if error.code in ("last_admin", "cannot_deactivate_self"):
                        raise Conflict(error.code) from None
                raise
        sessions, keys = revoke_access(self.platform, ctx, user["id"])
        ctx.audit(
            "user.deactivate",
            object_name="user",
            record_id=user["id"],
            sessions_revoked=sessions,
            api_keys_revoked=keys,
        )
        return self.describe(ctx, user["id"])

    def reactivate(self, ctx: Context, user_id: str) -> dict[str, Any]:
        """Allow sign-in again (with the same password); revoked keys stay revoked."""
        require_manager(ctx)
        user = live_user(ctx, user_id)
        if user["is_active"]:
            raise Conflict("already_active")
        if self._pending_invitations(ctx.tenant.id, [user["id"]]):
            raise Conflict("invitation_pending")
        RecordsService(ctx).update("user", user["id"], {"is_active": True})
        activate_membership(self.platform, ctx, user["id"])
        ctx.audit("user.reactivate", object_name="user", record_id=user["id"])
        return self.describe(ctx, user["id"])

    # ================================================================ list
    def _pending_invitations(
        self, tenant_id: str, user_ids: Iterable[str] | None = None
    ) -> dict[str, datetime]:
        """user id → expiry of their unaccepted, unrevoked invitation (expired ones included)."""
        inv = self.t["invitation"]
        stmt = sa.select(inv.c.user_id, inv.c.expires_at).where(
            inv.c.tenant_id == tenant_id,
            inv.c.accepted_at.is_(None),
            inv.c.revoked_at.is_(None),
        )
        if user_ids is not None:
            ids = list(user_ids)
            if not ids:
                return {}
            stmt = stmt.where(inv.c.user_id.in_(ids))
        with self.platform.db.control.connect() as conn:
            return {str(r.user_id): r.expires_at for r in conn.execute(stmt)}

    def _last_logins(self, tenant_id: str, user_ids: list[str]) -> dict[str, datetime | None]:
        if not user_ids:
            return {}
        m, identity = self.t["membership"], self.t["identity"]
        with self.platform.db.control.connect() as conn:
            rows = conn.execute(
                sa.select(m.c.user_id, identity.c.last_login_at)
                .join(identity, identity.c.id == m.c.identity_id)
                .where(m.c.tenant_id == tenant_id, m.c.user_id.in_(user_ids))
            )
            return {str(r.user_id): r.last_login_at for r in rows}

    def list_users(
        self,
        ctx: Context,
        *,
        status: str | None = None,
        q: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Users in creation order with their status, for the administration screen."""
        require_manager(ctx)
        problems = []
        if status is not None and status not in STATUSES:
            problems.append(FieldError("status", "invalid_option", {"value": status}))
        if not 1 <= limit <= MAX_LIST_LIMIT:
            problems.append(FieldError("limit", "invalid_request"))
        if cursor is not None and not UUID_RE.match(cursor):
            problems.append(FieldError("cursor", "invalid_cursor"))
        if problems:
            raise ValidationFailed(problems)
        users = ctx.object("user").table
        stmt = sa.select(users.c.id).where(users.c.deleted_at.is_(None))
        if status == "active":
            stmt = stmt.where(users.c.is_active.is_(True))
        elif status in ("invited", "inactive"):
            invited = list(self._pending_invitations(ctx.tenant.id))
            stmt = stmt.where(users.c.is_active.is_not(True))
            if status == "invited":
                stmt = stmt.where(users.c.id.in_(invited))
            elif invited:
                stmt = stmt.where(users.c.id.not_in(invited))
        if q:
            pattern = q.strip().lower()
            stmt = stmt.where(
                sa.or_(
                    sa.func.lower(users.c.name).contains(pattern, autoescape=True),
                    sa.func.lower(users.c.email).contains(pattern, autoescape=True),
                )
            )
        if cursor:
            stmt = stmt.where(users.c.id > cursor.lower())
        ids = [
            str(i) for i in ctx.conn.execute(stmt.order_by(users.c.id).limit(limit + 1)).scalars()
        ]
        page = ids[:limit]
        return {
            "users": self._describe_many(ctx, page),
            "next_cursor": page[-1] if len(ids) > limit else None,
        }

    def describe(self, ctx: Context, user_id: str) -> dict[str, Any]:
        return self._describe_many(ctx, [user_id])[0]

    def _describe_many(self, ctx: Context, ids: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        users = ctx.object("user")
        table = users.table
        names: dict[str, Any] = {}
        columns: list[Any] = [table]
        joins: Any = table
        for field_name, target in (
            ("department", "department"),
            ("role", "role"),
            ("manager", "user"),
        ):
            target_obj = ctx.schema.get(target)
            if field_name not in table.c or target_obj is None:
                continue
            alias = target_obj.table.alias(f"{field_name}_ref")
            name_field = target_obj.definition.name_field or "name"
            names[field_name] = alias.c[name_field].label(f"{field_name}_name")
            columns.append(names[field_name])
            joins = joins.outerjoin(alias, alias.c.id == table.c[field_name])
        rows = {
            str(r["id"]): r
            for r in ctx.conn.execute(
                sa.select(*columns).select_from(joins).where(table.c.id.in_(ids))
            ).mappings()
        }
        pending = self._pending_invitations(ctx.tenant.id, ids)
        logins = self._last_logins(ctx.tenant.id, ids)
        now = utcnow()
        result = []
        for user_id in ids:
            row = rows[user_id]
            expires = pending.get(user_id)
            if row["is_active"]:
                status = "active"
            elif expires is not None:
                status = "invited"
            else:
                status = "inactive"
            item: dict[str, Any] = {
                "id": user_id,
                "name": row["name"],
                "email": row["email"],
                "title": row.get("title"),
                "is_admin": bool(row["is_admin"]),
                "status": status,
                "last_login_at": datetime_json(logins.get(user_id)),
                "invitation": (
                    {"expires_at": datetime_json(expires), "expired": expires <= now}
                    if expires is not None and status == "invited"
                    else None
                ),
            }
            for field_name in ("department", "role", "manager"):
                if field_name in table.c:
                    item[field_name] = row[field_name]
                    item[f"{field_name}_name"] = row.get(f"{field_name}_name")
            result.append(item)
        return result
