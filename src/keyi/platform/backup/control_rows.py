"""A tenant's rows in the control database: what is archived, and how it is put back.

Archived: the tenant row, its memberships with their identities (email, password hash, second
factor), API keys, pending invitations, SSO providers (client secret as in keyi.platform.
backup.secrets) and the people linked to them. Not archived: sessions, sign-ins in progress,
password-reset links and rate-limit counters — short-lived, and a restored tenant starts with
everyone signed out.

On restore an identity whose email already exists on the target installation is reused (its
password stays the target's); otherwise it is created, with its archived id when free. API keys
and invitations whose hash already exists there (a copy beside the original with ``--as``) are
skipped: a key identifies one tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from keyi.platform.ids import new_id

ARCHIVED = ("tenant", "identity", "membership", "api_key", "invitation", "sso_provider", "sso_link")


def control_selects(t: dict[str, sa.Table], tenant_id: str) -> dict[str, sa.Select[Any]]:
    """The select of each archived control table's rows belonging to the tenant."""
    members = sa.select(t["membership"].c.identity_id).where(
        t["membership"].c.tenant_id == tenant_id
    )
    invited = sa.select(t["invitation"].c.identity_id).where(
        t["invitation"].c.tenant_id == tenant_id
    )
    linked = sa.select(t["sso_link"].c.identity_id).where(t["sso_link"].c.tenant_id == tenant_id)
    selects: dict[str, sa.Select[Any]] = {
        "tenant": sa.select(t["tenant"]).where(t["tenant"].c.id == tenant_id),
        "identity": sa.select(t["identity"])
        .where(
            sa.or_(
                t["identity"].c.id.in_(members),
                t["identity"].c.id.in_(invited),
                t["identity"].c.id.in_(linked),
            )
        )
        .order_by(t["identity"].c.id),
    }
    for name in ARCHIVED[2:]:
        table = t[name]
        selects[name] = (
            sa.select(table).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key)
        )
    return selects


@dataclass
class ControlRestore:
    """Puts a tenant's control rows on the target installation, in the caller's transaction."""

    conn: sa.Connection
    t: dict[str, sa.Table]
    tenant_id: str
    secret: Callable[[str], str]
    identities: dict[str, str] = field(default_factory=dict)  # archived id → target id
    providers: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    reused_identities: int = 0

    def _exists(self, table: str, **where: Any) -> bool:
        tbl = self.t[table]
        clause = sa.and_(*(tbl.c[k] == v for k, v in where.items()))
        return (
            self.conn.execute(sa.select(sa.literal(1)).where(clause).limit(1)).first() is not None
        )

    def _skip(self, table: str) -> None:
        self.skipped[table] = self.skipped.get(table, 0) + 1

    def put(self, table: str, rows: Iterator[dict[str, Any]]) -> None:
        getattr(self, f"_put_{table}")(rows)

    def _insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(sa.insert(self.t[table]), rows)

    def _put_identity(self, rows: Iterator[dict[str, Any]]) -> None:
        identity = self.t["identity"]
        new: list[dict[str, Any]] = []
        for row in rows:
            email = str(row["email"]).lower()
            found = self.conn.execute(
                sa.select(identity.c.id).where(sa.func.lower(identity.c.email) == email)
            ).scalar()
            if found is not None:
                self.identities[row["id"]] = str(found)
                self.reused_identities += 1
                continue
            target = row["id"] if not self._exists("identity", id=row["id"]) else new_id()
            self.identities[row["id"]] = target
            new.append({**row, "id": target, "failed_logins": 0, "locked_until": None})
        self._insert("identity", new)

    def _put_membership(self, rows: Iterator[dict[str, Any]]) -> None:
        self._insert(
            "membership",
            [
                {**r, "identity_id": self.identities[r["identity_id"]], "tenant_id": self.tenant_id}
                for r in rows
            ],
        )

    def _unique_rows(self, table: str, unique: str, rows: Iterator[dict[str, Any]]) -> None:
        out: list[dict[str, Any]] = []
        for row in rows:
            if self._exists(table, **{unique: row[unique]}):
                self._skip(table)
                continue
            fresh = row["id"] if not self._exists(table, id=row["id"]) else new_id()
            values = {**row, "id": fresh, "tenant_id": self.tenant_id}
            if "identity_id" in values:
                values["identity_id"] = self.identities[values["identity_id"]]
            out.append(values)
        self._insert(table, out)

    def _put_api_key(self, rows: Iterator[dict[str, Any]]) -> None:
        self._unique_rows("api_key", "key_hash", rows)

    def _put_invitation(self, rows: Iterator[dict[str, Any]]) -> None:
        self._unique_rows("invitation", "token_hash", rows)

    def _put_sso_provider(self, rows: Iterator[dict[str, Any]]) -> None:
        out: list[dict[str, Any]] = []
        for row in rows:
            fresh = row["id"] if not self._exists("sso_provider", id=row["id"]) else new_id()
            self.providers[row["id"]] = fresh
            secret = row.get("client_secret")
            out.append(
                {
                    **row,
                    "id": fresh,
                    "tenant_id": self.tenant_id,
                    "client_secret": self.secret(secret) if secret else secret,
                }
            )
        self._insert("sso_provider", out)

    def _put_sso_link(self, rows: Iterator[dict[str, Any]]) -> None:
        self._insert(
            "sso_link",
            [
                {
                    **r,
                    "provider_id": self.providers[r["provider_id"]],
                    "identity_id": self.identities[r["identity_id"]],
                    "tenant_id": self.tenant_id,
                }
                for r in rows
            ],
        )
