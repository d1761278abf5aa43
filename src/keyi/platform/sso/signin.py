"""Signing in through a tenant's OpenID Connect provider.

`start` remembers a pending sign-in (hashes of the state and of a browser-binding token, the
nonce and the PKCE verifier) and answers the provider URL; `finish` takes the provider's answer
back, checks it belongs to this browser, redeems the code, validates the ID token and finds the
person:

1. an existing link of (provider, subject) to a Keyi identity;
2. else the identity with the token's *verified* email, if it is a member of the tenant — the
   link is then remembered, so a later change of email at the provider does not matter;
3. else, when the provider allows it, a new user with the provider's default role.

A person found in 1 or 2 whose invitation to the tenant is pending accepts it by signing in:
the provider has proved the invited address, which is all the invitation link would prove.
An email is *verified* when the token says `email_verified: true`, or — for a provider whose
administrators set `trust_email`, such as the company's own IdP — whenever it has one.

Every refusal is an `SsoFailure` whose code the login page translates. Nothing here logs or
stores codes or tokens; the state and the browser token are kept only as SHA-256 hashes and a
pending sign-in is used once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from keyi.platform.auth import AuthService, NewSession, token_hash
from keyi.platform.context import TenantInfo
from keyi.platform.errors import KeyiError, ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.sso.oidc import OidcClient, OidcError
from keyi.platform.sso.providers import CONTROL_RE, NAME_RE, ProviderConfig, SsoProviders
from keyi.platform.tenancy import TENANT_NAME_RE, Platform, utcnow
from keyi.platform.users import UsersService

FLOW_MINUTES = 10
MAX_SUBJECT = 255
log = logging.getLogger(__name__)

# Codes the login page knows how to explain (web/src/i18n: sso.error.<code>).
ERROR_CODES = frozenset(
    {
        "denied",
        "provider_error",
        "bad_state",
        "expired",
        "provider_unavailable",
        "provider_unreachable",
        "token_exchange_failed",
        "invalid_token",
        "email_unverified",
        "unknown_user",
        "inactive",
        "provisioning_failed",
        "rate_limited",
        "invitation_expired",
    }
)


class SsoFailure(Exception):
    """A sign-in that cannot go on; `code` is one of ERROR_CODES."""

    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Started:
    """Send the browser to `url`; keep `browser_token` in a cookie until the callback."""

    url: str
    browser_token: str


@dataclass(frozen=True)
class SignedIn:
    session: NewSession
    tenant: TenantInfo
    provider: str
    next_path: str
    provisioned: bool


@dataclass(frozen=True)
class _Flow:
    provider_id: str
    tenant_id: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str


def safe_next(path: str | None) -> str:
    """Only a path inside the web app may follow a sign-in (no open redirect)."""
    if (
        not path
        or not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or path.startswith("/login")
        or len(path) > 1000
    ):
        return "/"
    return path


class SsoSignIn:
    def __init__(self, platform: Platform, auth: AuthService, oidc: OidcClient) -> None:
        self.platform = platform
        self.auth = auth
        self.oidc = oidc
        self.providers = SsoProviders(platform)
        self.t = platform.t

    # ------------------------------------------------------------ start
    def start(
        self, tenant_name: str, provider_name: str, *, redirect_uri: str, next_path: str | None
    ) -> Started:
        valid = TENANT_NAME_RE.match(tenant_name) and NAME_RE.match(provider_name)
        tenant_id = self._active_tenant_id(tenant_name) if valid else None
        provider = self.providers.config_by_name(tenant_id, provider_name) if tenant_id else None
        if provider is None or not provider.enabled or provider.secret_unreadable:
            raise SsoFailure("provider_unavailable")
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)  # 64 characters, within RFC 7636's 43..128
        browser = secrets.token_urlsafe(32)
        try:
            url = self.oidc.authorization_url(
                provider,
                redirect_uri=redirect_uri,
                state=state,
                nonce=nonce,
                code_verifier=verifier,
            )
        except OidcError as exc:
            log.warning("sso start failed: provider=%s %s", provider.name, exc)
            raise SsoFailure(exc.code) from None
        now = utcnow()
        flows = self.t["sso_flow"]
        with self.platform.db.control.begin() as conn:
            conn.execute(sa.delete(flows).where(flows.c.expires_at < now))
            conn.execute(
                sa.insert(flows).values(
                    state_hash=token_hash(state),
                    browser_hash=token_hash(browser),
                    provider_id=provider.id,
                    tenant_id=provider.tenant_id,
                    nonce=nonce,
                    code_verifier=verifier,
                    redirect_uri=redirect_uri,
                    next_path=safe_next(next_path),
                    created_at=now,
                    expires_at=now + timedelta(minutes=FLOW_MINUTES),
                )
            )
        return Started(url=url, browser_token=browser)

    def _active_tenant_id(self, name: str) -> str | None:
        tenants = self.t["tenant"]
        with self.platform.db.control.connect() as conn:
            found = conn.execute(
                sa.select(tenants.c.id).where(tenants.c.name == name, tenants.c.status == "active")
            ).scalar()
        return str(found) if found else None

    # ------------------------------------------------------------ finish
    def finish(
        self,
        *,
        state: str | None,
        code: str | None,
        error: str | None,
        browser_token: str | None,
    ) -> SignedIn:
        if error and not state:
            # Some providers leave the state out of error answers (RFC 6749 wants it); the
            # person still deserves to hear they declined rather than "expired link".
            raise SsoFailure(_provider_error(error), error)
        flow = self._consume(state, browser_token)
        provider = self.providers.config(flow.provider_id)
        if provider is None or not provider.enabled or provider.secret_unreadable:
            raise SsoFailure("provider_unavailable")
        try:
            return self._complete(flow, provider, code, error)
        except SsoFailure as failure:
            log.warning(
                "sso sign-in refused: provider=%s code=%s %s",
                provider.name,
                failure.code,
                failure.reason,
            )
            self._audit_failure(provider, failure.code)
            raise

    def _consume(self, state: str | None, browser_token: str | None) -> _Flow:
        """The pending sign-in for this state, deleted so it can be used only once."""
        if not state or len(state) > 200:
            raise SsoFailure("bad_state")
        flows = self.t["sso_flow"]
        with self.platform.db.control.begin() as conn:
            row = conn.execute(
                sa.select(flows).where(flows.c.state_hash == token_hash(state))
            ).first()
            taken = (
                conn.execute(
                    sa.delete(flows).where(flows.c.state_hash == token_hash(state))
                ).rowcount
                if row is not None
                else 0
            )
        if row is None or taken != 1:
            raise SsoFailure("bad_state")
        # The callback must come back to the browser that started it (login CSRF).
        if not browser_token or not secrets.compare_digest(
            token_hash(browser_token), row.browser_hash
        ):
            raise SsoFailure("bad_state")
        if row.expires_at <= utcnow():
            raise SsoFailure("expired")
        return _Flow(
            provider_id=str(row.provider_id),
            tenant_id=str(row.tenant_id),
            nonce=row.nonce,
            code_verifier=row.code_verifier,
            redirect_uri=row.redirect_uri,
            next_path=row.next_path,
        )

    def _complete(
        self, flow: _Flow, provider: ProviderConfig, code: str | None, error: str | None
    ) -> SignedIn:
        if error:
            raise SsoFailure(_provider_error(error), error)
        if not code:
            raise SsoFailure("provider_error", "no code")
        try:
            token = self.oidc.exchange_code(
                provider,
                code=code,
                redirect_uri=flow.redirect_uri,
                code_verifier=flow.code_verifier,
            )
            claims = self.oidc.validate_id_token(
                provider,
                token["id_token"],
                nonce=flow.nonce,
                access_token=token.get("access_token"),
            )
        except OidcError as exc:
            raise SsoFailure(exc.code, exc.reason) from None
        tenant = self.platform.tenant_by_id(flow.tenant_id)
        identity_id, user_id, provisioned = self._person(provider, tenant, claims)
        session = self.auth.session_for(identity_id, tenant.id, user_id)
        return SignedIn(
            session=session,
            tenant=tenant,
            provider=provider.name,
            next_path=flow.next_path,
            provisioned=provisioned,
        )

    # ------------------------------------------------------------ who is it
    def _person(
        self, provider: ProviderConfig, tenant: TenantInfo, claims: dict[str, Any]
    ) -> tuple[str, str, bool]:
        """(identity, user, provisioned) for the token's subject, linking on first sight."""
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT:
            raise SsoFailure("invalid_token", "bad sub")
        links, identities = self.t["sso_link"], self.t["identity"]
        with self.platform.db.control.connect() as conn:
            identity_id = conn.execute(
                sa.select(links.c.identity_id).where(
                    links.c.provider_id == provider.id, links.c.subject == subject
                )
            ).scalar()
            linked = identity_id is not None
            if not linked:
                email = verified_email(claims, trust=provider.trust_email)
                identity_id = conn.execute(
                    sa.select(identities.c.id).where(identities.c.email == email)
                ).scalar()
                member = identity_id is not None and self._membership(
                    conn, str(identity_id), tenant.id
                )
        if not linked and not member:
            if not provider.provision_users:
                raise SsoFailure("unknown_user")
            new_identity, user_id = self._provision(provider, tenant, subject, claims)
            return new_identity, user_id, True
        identity_id = str(identity_id)
        with self.platform.db.control.connect() as conn:
            membership = self._membership(conn, identity_id, tenant.id)
        if not membership:
            raise SsoFailure("unknown_user", "no membership")
        user_id, active = membership
        if not active:
            self._accept_invitation(provider, tenant, identity_id, user_id)
        elif not self._user_active(tenant, user_id):
            raise SsoFailure("inactive")
        try:
            with self.platform.db.control.begin() as conn:
                if linked:
                    conn.execute(
                        sa.update(links)
                        .where(links.c.provider_id == provider.id, links.c.subject == subject)
                        .values(last_login_at=utcnow())
                    )
                else:
                    self._link(conn, provider, subject, identity_id)
        except sa.exc.IntegrityError:
            pass  # a simultaneous first sign-in of the same person linked them already
        return identity_id, user_id, False

    def _accept_invitation(
        self, provider: ProviderConfig, tenant: TenantInfo, identity_id: str, user_id: str
    ) -> None:
        """Accept the person's pending invitation, or refuse: a membership that is off and has
        no invitation waiting belongs to someone deactivated."""
        try:
            accepted = UsersService(self.platform, self.auth).accept_signed_in(
                tenant, identity_id, user_id, provider=provider.name
            )
        except KeyiError as exc:  # expired, or the user record refused activation
            expired = isinstance(exc, ValidationFailed) and any(
                e.code == "invitation_expired" for e in exc.errors
            )
            code = "invitation_expired" if expired else "inactive"
            raise SsoFailure(code, type(exc).__name__) from None
        if not accepted:
            raise SsoFailure("inactive")

    def _membership(
        self, conn: sa.Connection, identity_id: str, tenant_id: str
    ) -> tuple[str, bool] | None:
        m = self.t["membership"]
        row = conn.execute(
            sa.select(m.c.user_id, m.c.active).where(
                m.c.identity_id == identity_id, m.c.tenant_id == tenant_id
            )
        ).first()
        return (str(row.user_id), bool(row.active)) if row else None

    def _user_active(self, tenant: TenantInfo, user_id: str) -> bool:
        with self.platform.context(tenant, Actor.system("sso"), write=False) as ctx:
            users = ctx.object("user").table
            row = ctx.conn.execute(
                sa.select(users.c.is_active).where(
                    users.c.id == user_id, users.c.deleted_at.is_(None)
                )
            ).first()
        return bool(row and row.is_active)

    def _link(
        self, conn: sa.Connection, provider: ProviderConfig, subject: str, identity_id: str
    ) -> None:
        now = utcnow()
        conn.execute(
            sa.insert(self.t["sso_link"]).values(
                provider_id=provider.id,
                subject=subject,
                identity_id=identity_id,
                tenant_id=provider.tenant_id,
                created_at=now,
                last_login_at=now,
            )
        )

    def _provision(
        self, provider: ProviderConfig, tenant: TenantInfo, subject: str, claims: dict[str, Any]
    ) -> tuple[str, str]:
        """A new active user with the provider's default role, its identity and link.

        The tenant transaction stays open while the control one commits, so a failed control
        write leaves no user behind.
        """
        email = verified_email(claims, trust=provider.trust_email)
        try:
            with self.platform.context(tenant, Actor.system("sso")) as ctx:
                user = RecordsService(ctx).create(
                    "user",
                    {
                        "name": display_name(claims, email),
                        "email": email,
                        "role": provider.default_role_id,
                        "is_active": True,
                    },
                )
                with self.platform.db.control.begin() as conn:
                    identity_id = self.auth.add_identity(conn, email, None)
                    self.auth.add_membership(conn, identity_id, tenant.id, user["id"])
                    self._link(conn, provider, subject, identity_id)
                ctx.audit(
                    "user.provision",
                    object_name="user",
                    record_id=user["id"],
                    email=email,
                    provider=provider.name,
                )
        except (KeyiError, sa.exc.IntegrityError) as exc:
            raise SsoFailure("provisioning_failed", type(exc).__name__) from None
        return identity_id, str(user["id"])

    def _audit_failure(self, provider: ProviderConfig, code: str) -> None:
        try:
            tenant = self.platform.tenant_by_id(provider.tenant_id)
            with self.platform.context(tenant, Actor.system("sso")) as ctx:
                ctx.audit("auth.sso_failed", provider=provider.name, code=code)
        except Exception:  # the refusal itself matters more than its audit entry
            log.exception("could not audit a refused sso sign-in")


def _provider_error(error: str) -> str:
    return "denied" if error == "access_denied" else "provider_error"


def verified_email(claims: dict[str, Any], *, trust: bool = False) -> str:
    """The token's email, only if the provider says it verified it (else anyone could claim
    an address and take over the account that has it).

    ``trust`` is the provider's `trust_email` setting: its administrators vouch that every
    address it issues belongs to the person (a company IdP that assigns them), so the email
    counts without an `email_verified` claim — many such IdPs (Azure AD / Entra ID, ADFS)
    send none, and Keycloak sends `false` for accounts an administrator created.
    """
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or CONTROL_RE.search(email):
        raise SsoFailure("email_unverified")
    # Some providers (older Cognito pools) send the claim as the string "true".
    said = claims.get("email_verified")
    if not (trust or said is True or said == "true"):
        raise SsoFailure("email_unverified")
    return email.strip().lower()


def display_name(claims: dict[str, Any], email: str) -> str:
    for key in ("name", "preferred_username"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:100]
    parts = [claims.get("given_name"), claims.get("family_name")]
    joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return (joined or email.split("@")[0])[:100]
