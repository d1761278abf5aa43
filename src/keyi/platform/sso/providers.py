"""Single sign-on providers of a tenant: validated configuration in the control database.

A provider is an OpenID Connect issuer that a tenant's administrators trust to say who someone
is. Its client secret is write-only: stored encrypted with the installation's key (see
keyi.platform.crypto) so Keyi can redeem authorisation codes, but never returned by `describe`,
never logged; the API only says whether one is set.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.errors import FieldErrors, Forbidden, NotFound
from keyi.platform.fieldtypes import UUID_RE, datetime_json
from keyi.platform.ids import new_id
from keyi.platform.tenancy import TENANT_NAME_RE, Platform, utcnow

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,47}$")
# RFC 6749 scope-token characters.
SCOPE_RE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")
# Control characters (PostgreSQL text cannot even hold NUL).
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
DEFAULT_SCOPES = ("openid", "email", "profile")
# Plain-text bytes; its Fernet token (about 4/3 as long plus 76 characters) fits the column.
MAX_SECRET_BYTES = 500
log = logging.getLogger(__name__)
LABEL_LOCALES = ("en", "zh-CN")
FIELDS = frozenset(
    {
        "name",
        "issuer",
        "client_id",
        "client_secret",
        "scopes",
        "labels",
        "provision_users",
        "default_role",
        "enabled",
        "trust_email",
    }
)


@dataclass(frozen=True)
class ProviderConfig:
    """What the sign-in flow needs to know about one provider (secret included)."""

    id: str
    tenant_id: str
    name: str
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: tuple[str, ...]
    labels: dict[str, str]
    provision_users: bool
    default_role_id: str | None
    enabled: bool
    # The email claim counts as verified without `email_verified` (see verified_email).
    trust_email: bool = False
    # A secret is stored but this installation's key cannot decrypt it (key changed or lost).
    secret_unreadable: bool = False

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"ProviderConfig(name={self.name!r}, issuer={self.issuer!r})"


def valid_issuer(value: str) -> bool:
    """HTTPS, or plain HTTP only to this machine (a provider run locally, as in tests)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def require_admin(ctx: Context) -> None:
    """Sign-in configuration is an administrator's business, like the data model."""
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


class SsoProviders:
    """Create, change, list and delete a tenant's providers; look them up for sign-in."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.table = platform.t["sso_provider"]

    # ------------------------------------------------------------ administration
    def list(self, ctx: Context) -> list[dict[str, Any]]:
        require_admin(ctx)
        with self.platform.db.control.connect() as conn:
            rows = conn.execute(
                sa.select(self.table)
                .where(self.table.c.tenant_id == ctx.tenant.id)
                .order_by(self.table.c.name)
            ).mappings()
            return [describe(dict(r)) for r in rows]

    def get(self, ctx: Context, provider_id: str) -> dict[str, Any]:
        require_admin(ctx)
        return describe(self._row(ctx.tenant.id, provider_id))

    def create(self, ctx: Context, data: Any) -> dict[str, Any]:
        require_admin(ctx)
        values = self._validate(ctx, data, current=None)
        now = utcnow()
        values.setdefault("scopes", " ".join(DEFAULT_SCOPES))
        values.setdefault("labels", {"en": values.get("name", "")})
        values.setdefault("provision_users", False)
        values.setdefault("enabled", True)
        values.setdefault("trust_email", False)
        row = {
            **values,
            "id": new_id(),
            "tenant_id": ctx.tenant.id,
            "created_at": now,
            "updated_at": now,
        }
        with self.platform.db.control.begin() as conn:
            conn.execute(sa.insert(self.table).values(**self._stored(row)))
        ctx.audit("sso.provider_create", record_id=row["id"], **_audit_details(row))
        return describe(row)

    def update(self, ctx: Context, provider_id: str, data: Any) -> dict[str, Any]:
        require_admin(ctx)
        current = self._row(ctx.tenant.id, provider_id)
        values = self._validate(ctx, data, current=current)
        if values:
            values["updated_at"] = utcnow()
            with self.platform.db.control.begin() as conn:
                conn.execute(
                    sa.update(self.table)
                    .where(self.table.c.id == current["id"])
                    .values(**self._stored(values))
                )
        row = {**current, **values}
        changed = sorted(set(values) - {"updated_at"})
        ctx.audit(
            "sso.provider_update",
            record_id=row["id"],
            name=row["name"],
            changed=changed,
            trust_email=bool(row["trust_email"]),
        )
        return describe(row)

    def _stored(self, values: dict[str, Any]) -> dict[str, Any]:
        """Column values as written: the client secret encrypted (a plain-text one left by an
        earlier version is replaced by the next save that sets a secret)."""
        secret = values.get("client_secret")
        if secret:
            return {**values, "client_secret": self.platform.secret_box.encrypt(secret)}
        return values

    def delete(self, ctx: Context, provider_id: str) -> None:
        """Remove the provider and its identity links; sessions already made stay valid."""
        require_admin(ctx)
        current = self._row(ctx.tenant.id, provider_id)
        links = self.platform.t["sso_link"]
        with self.platform.db.control.begin() as conn:
            conn.execute(sa.delete(links).where(links.c.provider_id == current["id"]))
            conn.execute(sa.delete(self.table).where(self.table.c.id == current["id"]))
        ctx.audit("sso.provider_delete", record_id=current["id"], name=current["name"])

    def _row(self, tenant_id: str, provider_id: str) -> dict[str, Any]:
        """The tenant's provider; another tenant's id is not found, like a record's."""
        if not isinstance(provider_id, str) or not UUID_RE.match(provider_id):
            raise NotFound("not_found")
        with self.platform.db.control.connect() as conn:
            row = (
                conn.execute(
                    sa.select(self.table).where(
                        self.table.c.id == provider_id.lower(),
                        self.table.c.tenant_id == tenant_id,
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound("not_found")
        return dict(row)

    def _validate(self, ctx: Context, data: Any, current: dict[str, Any] | None) -> dict[str, Any]:
        """Column values from an API body; every problem is reported at once."""
        errors = FieldErrors()
        if not isinstance(data, dict):
            errors.add("body", "invalid_request")
            errors.raise_if_any()
        for key in sorted(set(data) - FIELDS):
            errors.add(key, "unknown_field", field=key)
        values: dict[str, Any] = {}
        creating = current is None
        if creating:
            for key in ("name", "issuer", "client_id"):
                if data.get(key) in (None, ""):
                    errors.add(key, "required")
        elif current is not None and "name" in data and data["name"] != current["name"]:
            # The name is in sign-in links people have bookmarked; it does not change.
            errors.add("name", "read_only")
        if creating and isinstance(data.get("name"), str) and data["name"]:
            name = data["name"]
            if not NAME_RE.match(name):
                errors.add("name", "invalid_name")
            elif self._name_taken(ctx.tenant.id, name):
                errors.add("name", "not_unique")
            else:
                values["name"] = name
        elif creating and data.get("name") not in (None, ""):
            errors.add("name", "invalid_text")
        if data.get("issuer") not in (None, ""):
            issuer = data["issuer"]
            if (
                not isinstance(issuer, str)
                or len(issuer) > 500
                or CONTROL_RE.search(issuer)
                or not valid_issuer(issuer.strip())
            ):
                errors.add("issuer", "invalid_url")
            else:
                values["issuer"] = issuer.strip()
        elif not creating and "issuer" in data:
            errors.add("issuer", "required")
        if data.get("client_id") not in (None, ""):
            client_id = data["client_id"]
            if not isinstance(client_id, str) or CONTROL_RE.search(client_id):
                errors.add("client_id", "invalid_text")
            elif len(client_id) > 255:
                errors.add("client_id", "too_long", max=255)
            else:
                values["client_id"] = client_id.strip()
        elif not creating and "client_id" in data:
            errors.add("client_id", "required")
        if "client_secret" in data:
            secret = data["client_secret"]
            if secret is not None and (not isinstance(secret, str) or "\x00" in secret):
                errors.add("client_secret", "invalid_text")
            elif secret is not None and len(secret.encode()) > MAX_SECRET_BYTES:
                errors.add("client_secret", "too_long", max=MAX_SECRET_BYTES)
            else:
                values["client_secret"] = secret or None
        if "scopes" in data:
            scopes = data["scopes"]
            if not isinstance(scopes, list) or not all(
                isinstance(s, str) and SCOPE_RE.match(s) for s in scopes
            ):
                errors.add("scopes", "invalid_option", value=str(scopes)[:100])
            else:
                ordered = list(dict.fromkeys(["openid", *scopes]))  # OIDC needs `openid`
                values["scopes"] = " ".join(ordered)[:500]
        if "labels" in data:
            labels = data["labels"]
            if (
                not isinstance(labels, dict)
                or not labels
                or not all(
                    k in LABEL_LOCALES
                    and isinstance(v, str)
                    and 0 < len(v.strip()) <= 100
                    and not CONTROL_RE.search(v)
                    for k, v in labels.items()
                )
            ):
                errors.add("labels", "invalid_request")
            else:
                values["labels"] = {k: v.strip() for k, v in labels.items()}
        for key in ("provision_users", "enabled", "trust_email"):
            if key in data:
                if not isinstance(data[key], bool):
                    errors.add(key, "invalid_boolean")
                else:
                    values[key] = data[key]
        if "default_role" in data:
            role = data["default_role"]
            if role is None:
                values["default_role_id"] = None
            elif not isinstance(role, str) or not self._role_exists(ctx, role):
                errors.add("default_role", "invalid_reference", target="role")
            else:
                values["default_role_id"] = role.lower()
        provision = values.get("provision_users", current["provision_users"] if current else False)
        role_id = values.get("default_role_id", current["default_role_id"] if current else None)
        if provision and role_id is None and "default_role" not in {e.field for e in errors.items}:
            # People created on first sign-in must land in a role chosen on purpose.
            errors.add("default_role", "required")
        errors.raise_if_any()
        return values

    def _name_taken(self, tenant_id: str, name: str) -> bool:
        with self.platform.db.control.connect() as conn:
            return (
                conn.execute(
                    sa.select(self.table.c.id).where(
                        self.table.c.tenant_id == tenant_id, self.table.c.name == name
                    )
                ).first()
                is not None
            )

    @staticmethod
    def _role_exists(ctx: Context, role_id: str) -> bool:
        role = ctx.schema.get("role")
        if role is None or not UUID_RE.match(role_id):
            return False
        table = role.table
        return (
            ctx.conn.execute(
                sa.select(table.c.id).where(
                    table.c.id == role_id.lower(), table.c.deleted_at.is_(None)
                )
            ).first()
            is not None
        )

    # ------------------------------------------------------------ sign-in lookups
    def config(self, provider_id: str) -> ProviderConfig | None:
        with self.platform.db.control.connect() as conn:
            row = (
                conn.execute(sa.select(self.table).where(self.table.c.id == provider_id))
                .mappings()
                .first()
            )
        return self._config(dict(row)) if row else None

    def config_by_name(self, tenant_id: str, name: str) -> ProviderConfig | None:
        with self.platform.db.control.connect() as conn:
            row = (
                conn.execute(
                    sa.select(self.table).where(
                        self.table.c.tenant_id == tenant_id, self.table.c.name == name
                    )
                )
                .mappings()
                .first()
            )
        return self._config(dict(row)) if row else None

    def _config(self, row: dict[str, Any]) -> ProviderConfig:
        """The sign-in view of a row, its secret decrypted (plain text from before encryption
        reads as is)."""
        secret, unreadable = row["client_secret"], False
        if secret:
            try:
                secret = self.platform.secret_box.decrypt(secret)
            except SecretUnreadable:
                # Never the value: only that this installation's key does not open it.
                log.error(
                    "sso provider %s: the stored client secret cannot be decrypted with this "
                    "installation's key (KEYI_SECRET_KEY or the data directory's secret.key "
                    "changed); save the secret again",
                    row["name"],
                )
                secret, unreadable = None, True
        return ProviderConfig(
            id=str(row["id"]),
            tenant_id=str(row["tenant_id"]),
            name=row["name"],
            issuer=row["issuer"],
            client_id=row["client_id"],
            client_secret=secret,
            scopes=tuple(row["scopes"].split()),
            labels=dict(row["labels"]),
            provision_users=bool(row["provision_users"]),
            default_role_id=row["default_role_id"],
            enabled=bool(row["enabled"]),
            trust_email=bool(row.get("trust_email")),
            secret_unreadable=unreadable,
        )

    def buttons(self, tenant_name: str | None) -> dict[str, Any]:
        """The login page's buttons: enabled providers of an active tenant, nothing secret.

        Without a tenant name, an installation with a single company shows that company's
        buttons (the usual self-hosted case); with several, the page must name one.
        """
        tenants = self.platform.t["tenant"]
        stmt = sa.select(tenants.c.id, tenants.c.name).where(tenants.c.status == "active")
        if tenant_name and not TENANT_NAME_RE.match(tenant_name):
            return {"tenant": None, "providers": []}
        with self.platform.db.control.connect() as conn:
            if tenant_name:
                found = conn.execute(stmt.where(tenants.c.name == tenant_name)).all()
            else:
                found = conn.execute(stmt.limit(2)).all()
            if len(found) != 1:
                return {"tenant": None, "providers": []}
            tenant_id, name = found[0]
            rows = conn.execute(
                sa.select(self.table.c.name, self.table.c.labels)
                .where(self.table.c.tenant_id == tenant_id, self.table.c.enabled.is_(True))
                .order_by(self.table.c.name)
            ).all()
        return {
            "tenant": name,
            "providers": [
                {
                    "name": r.name,
                    "labels": r.labels,
                    "start_url": f"/api/v1/auth/sso/{name}/{r.name}/start",
                }
                for r in rows
            ],
        }


def describe(row: dict[str, Any]) -> dict[str, Any]:
    """The API's view of a provider: everything but the secret."""
    return {
        "id": row["id"],
        "name": row["name"],
        "issuer": row["issuer"],
        "client_id": row["client_id"],
        "has_client_secret": bool(row.get("client_secret")),
        "scopes": row["scopes"].split(),
        "labels": row["labels"],
        "provision_users": bool(row["provision_users"]),
        "default_role": row.get("default_role_id"),
        "enabled": bool(row["enabled"]),
        "trust_email": bool(row.get("trust_email")),
        "created_at": datetime_json(row["created_at"]),
        "updated_at": datetime_json(row["updated_at"]),
    }


def _audit_details(row: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a provider: no secret."""
    return {
        "name": row["name"],
        "issuer": row["issuer"],
        "client_id": row["client_id"],
        "provision_users": bool(row["provision_users"]),
        "default_role": row.get("default_role_id"),
        "trust_email": bool(row.get("trust_email")),
    }
