"""The request context: tenant, actor, connection and compiled schema, passed explicitly.

No module keeps request state globally; whatever needs the tenant or the actor receives this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from keyi.platform import audit
from keyi.platform.errors import NotFound
from keyi.platform.permissions import AccessPolicy, Actor
from keyi.platform.schema import CompiledObject, CompiledSchema
from keyi.settings import Settings

if TYPE_CHECKING:
    from keyi.platform.tenancy import Platform


@dataclass(frozen=True)
class TenantInfo:
    id: str
    name: str
    label: str
    location: str


@dataclass
class Context:
    tenant: TenantInfo
    actor: Actor
    conn: sa.Connection
    schema: CompiledSchema
    locale: str = "en"
    policy: AccessPolicy = field(init=False)
    # Fixed once per context so every value written by one request carries the same time.
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))
    # Users whose `is_active` this transaction changed (False also for a deleted user): their
    # sign-in state lives in the control database, which Platform.context brings in line
    # before the tenant transaction commits (keyi.platform.users.apply_user_status).
    user_status_changes: dict[str, bool] = field(default_factory=dict)
    # The refusal that aborted this transaction (PostgreSQL runs nothing after an error): if a
    # caller catches it and carries on, the next statement fails, and Platform.context answers
    # with this error instead of a server error.
    aborted_by: Exception | None = None
    # How deep in a chain of flows started by flows this transaction runs (0: a person's
    # write; keyi.platform.automation stops chains deeper than its MAX_DEPTH).
    automation_depth: int = 0
    # The installation, for what a tenant's work needs beyond its own database: the key of
    # stored secrets, installation-wide settings (a job's handler gets only the context).
    # Set by Platform.context; None in contexts built by hand (installers, tests).
    platform: Platform | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.policy = AccessPolicy(self.actor)
        self.policy.ctx = self

    @property
    def platform_settings(self) -> Settings | None:
        """The installation's configuration (SMTP relay, public URL, ...) for code that runs
        inside a tenant transaction, such as job handlers; None outside Platform.context."""
        return self.platform.settings if self.platform is not None else None

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    @property
    def settings(self) -> dict[str, Any]:
        return self.schema.settings

    @property
    def time_zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(str(self.settings.get("time_zone") or "UTC"))
        except (KeyError, ValueError):
            return ZoneInfo("UTC")

    def now(self) -> datetime:
        """Current UTC time, naive (the storage convention)."""
        return self.started_at

    def today(self) -> date:
        """Today in the tenant's time zone: 'today' means the company's day, not the server's."""
        return self.started_at.replace(tzinfo=UTC).astimezone(self.time_zone).date()

    def object(self, name: str) -> CompiledObject:
        obj = self.schema.get(name)
        if obj is None:
            raise NotFound("object_not_found", object=name)
        return obj

    def act_as(self, actor: Actor, policy: AccessPolicy | None = None) -> None:
        """Switch the actor (and so the policy), e.g. once the user record is loaded."""
        self.actor = actor
        self.policy = policy or AccessPolicy(actor)
        self.policy.ctx = self

    def as_system(self) -> Context:
        """The same transaction seen by the system actor (for compiling rule criteria)."""
        return Context(
            self.tenant,
            Actor.system("rules"),
            self.conn,
            self.schema,
            self.locale,
            started_at=self.started_at,
            platform=self.platform,
        )

    def audit(
        self,
        action: str,
        *,
        object_name: str | None = None,
        record_id: str | None = None,
        **details: Any,
    ) -> None:
        """Append to the audit log in this transaction."""
        audit.record(
            self.conn,
            actor_id=self.actor.id,
            actor_name=self.actor.name,
            action=action,
            at=self.now(),
            object_name=object_name,
            record_id=record_id,
            details=details,
        )

    def refresh_schema(self, schema: CompiledSchema) -> None:
        self.schema = schema
