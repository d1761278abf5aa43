"""The running platform: control database, tenants, and request contexts over them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from keyi.platform import migrations
from keyi.platform.clock import utcnow
from keyi.platform.context import Context, TenantInfo
from keyi.platform.control import define_control_tables
from keyi.platform.crypto import SecretBox, is_encrypted
from keyi.platform.database import Databases
from keyi.platform.dbconflicts import is_aborted_transaction, is_retryable
from keyi.platform.errors import Conflict, FieldError, NotFound, RetryLater, ValidationFailed
from keyi.platform.ids import new_id
from keyi.platform.metadata import store
from keyi.platform.migrations import Chain
from keyi.platform.permissions import Actor
from keyi.platform.users import apply_user_status
from keyi.settings import Settings

TENANT_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,47}$")

Installer = Callable[[Context], None]


class Platform:
    """One Keyi installation: its databases, its caches and its tenants."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Databases(
            data_dir=settings.data_dir,
            database_url=settings.database_url,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        )
        schema = settings.control_schema if self.db.is_postgres else None
        self.control_metadata, self.t = define_control_tables(schema)
        self.schemas = store.SchemaCache()
        self._tenant_cache: dict[str, TenantInfo] = {}
        self._secret_box: SecretBox | None = None

    @property
    def secret_box(self) -> SecretBox:
        """The key stored secrets are encrypted with: KEYI_SECRET_KEY, else the data
        directory's key file (made on first need, so installations without secrets have none)."""
        if self._secret_box is None:
            key = self.settings.secret_key
            self._secret_box = (
                SecretBox.from_passphrase(key)
                if key
                else SecretBox.from_key_file(self.settings.data_dir)
            )
        return self._secret_box

    # ------------------------------------------------------------ control database
    def init_control(self) -> None:
        """Create the control database at head, or bring it there (keyi.platform.migrations);
        safe with several processes starting at once."""
        schema = self._control_schema() if self.db.is_postgres else None
        with self.db.control.begin() as conn:
            migrations.lock(conn, f"control {schema or ''}")
            if schema is not None:
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            versioned = migrations.current_revision(conn, schema=schema) is not None
            if versioned or sa.inspect(conn).has_table(self.t["tenant"].name, schema=schema):
                migrations.upgrade(conn, Chain.CONTROL, schema=schema)
            else:  # a new database
                self.control_metadata.create_all(conn)
                migrations.stamp_head(conn, Chain.CONTROL, schema=schema)
            self._encrypt_stored_secrets(conn)

    def upgrade_tenant_schema(self, tenant: TenantInfo) -> list[str]:
        """Run the tenant chain's revisions this tenant lacks, in one transaction of its own
        (before anything reads its tables); the revisions applied."""
        with self.db.tenant_transaction(tenant.location) as conn:
            migrations.lock(conn, f"tenant {tenant.location}")
            return migrations.upgrade(
                conn, Chain.TENANT, schema=self.db.tenant_schema(tenant.location)
            )

    def pending_control_revisions(self) -> list[tuple[str, str]]:
        """The control chain's revisions `init_control` would run, without running them: none
        for a database not made yet (that one is created at head)."""
        schema = self._control_schema() if self.db.is_postgres else None
        with self.db.control.connect() as conn:
            versioned = migrations.current_revision(conn, schema=schema) is not None
            if not versioned and not sa.inspect(conn).has_table(
                self.t["tenant"].name, schema=schema
            ):
                return []
            return migrations.pending_revisions(conn, Chain.CONTROL, schema=schema)

    def pending_tenant_revisions(self, tenant: TenantInfo) -> list[tuple[str, str]]:
        """The tenant chain's revisions `upgrade_tenant_schema` would run, without running them."""
        with self.db.tenant_transaction(tenant.location, write=False) as conn:
            return migrations.pending_revisions(
                conn, Chain.TENANT, schema=self.db.tenant_schema(tenant.location)
            )

    def _encrypt_stored_secrets(self, conn: sa.Connection) -> None:
        """Client secrets saved in plain text by an earlier version, encrypted in place."""
        providers = self.t["sso_provider"]
        rows = conn.execute(
            sa.select(providers.c.id, providers.c.client_secret).where(
                providers.c.client_secret.is_not(None)
            )
        ).all()
        for provider_id, stored in rows:
            if stored and not is_encrypted(stored):
                conn.execute(
                    sa.update(providers)
                    .where(providers.c.id == provider_id)
                    .values(client_secret=self.secret_box.encrypt(stored))
                )

    def _control_schema(self) -> str:
        schema = self.settings.control_schema
        if not re.match(r"^[a-z][a-z0-9_]{0,62}$", schema):
            raise ValueError("invalid control schema name")
        return schema

    def dispose(self) -> None:
        self.db.dispose()

    def ping(self) -> bool:
        """Whether the control database answers (readiness: every request needs it)."""
        try:
            with self.db.control.connect() as conn:
                conn.execute(sa.select(1))
        except Exception:  # whatever the failure, the answer is "not ready", never an error
            return False
        return True

    # ------------------------------------------------------------ tenants
    def create_tenant(
        self,
        name: str,
        *,
        label: str | None = None,
        installer: Installer | None = None,
        settings: dict[str, Any] | None = None,
    ) -> TenantInfo:
        if not TENANT_NAME_RE.match(name):
            raise ValidationFailed([FieldError("name", "invalid_name")])
        with self.db.control.begin() as conn:
            exists = conn.execute(
                sa.select(self.t["tenant"].c.id).where(self.t["tenant"].c.name == name)
            ).first()
            if exists:
                raise Conflict("name_taken", name=name)
        tenant_id = new_id()
        location = self.db.tenant_location(tenant_id)
        tenant = TenantInfo(id=tenant_id, name=name, label=label or name, location=location)
        self.db.create_namespace(location)
        try:
            with self.db.tenant_transaction(location) as conn:
                store.install_system_tables(conn, settings, schema=self.db.tenant_schema(location))
                if installer is not None:
                    ctx = Context(
                        tenant,
                        Actor.system("installer"),
                        conn,
                        self.schemas.get(conn, location),
                        platform_settings=self.settings,
                    )
                    installer(ctx)
            with self.db.control.begin() as conn:
                conn.execute(
                    sa.insert(self.t["tenant"]).values(
                        id=tenant_id,
                        name=name,
                        label=tenant.label,
                        location=location,
                        status="active",
                        created_at=utcnow(),
                    )
                )
        except BaseException:
            self.db.drop_namespace(location)
            self.schemas.forget(location)
            raise
        return tenant

    def list_tenants(self) -> list[TenantInfo]:
        with self.db.control.connect() as conn:
            rows = conn.execute(
                sa.select(self.t["tenant"]).order_by(self.t["tenant"].c.name)
            ).mappings()
            return [self._tenant_info(row) for row in rows]

    def tenant(self, name: str) -> TenantInfo:
        with self.db.control.connect() as conn:
            row = (
                conn.execute(sa.select(self.t["tenant"]).where(self.t["tenant"].c.name == name))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound("tenant_unknown", tenant=name)
        return self._tenant_info(row)

    def tenant_by_id(self, tenant_id: str) -> TenantInfo:
        cached = self._tenant_cache.get(tenant_id)
        if cached is not None:
            return cached
        with self.db.control.connect() as conn:
            row = (
                conn.execute(sa.select(self.t["tenant"]).where(self.t["tenant"].c.id == tenant_id))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound("tenant_unknown", tenant=tenant_id)
        info = self._tenant_info(row)
        self._tenant_cache[tenant_id] = info
        return info

    def drop_tenant(self, name: str) -> None:
        tenant = self.tenant(name)
        with self.db.control.begin() as conn:
            for table in (
                "session",
                "api_key",
                "invitation",
                "membership",
                "sso_flow",
                "sso_link",
                "sso_provider",  # with its client secret
            ):
                conn.execute(sa.delete(self.t[table]).where(self.t[table].c.tenant_id == tenant.id))
            conn.execute(sa.delete(self.t["tenant"]).where(self.t["tenant"].c.id == tenant.id))
        self._tenant_cache.pop(tenant.id, None)
        self.schemas.forget(tenant.location)
        self.db.drop_namespace(tenant.location)

    @staticmethod
    def _tenant_info(row: Any) -> TenantInfo:
        return TenantInfo(
            id=row["id"], name=row["name"], label=row["label"], location=row["location"]
        )

    # ------------------------------------------------------------ contexts
    @contextmanager
    def context(
        self, tenant: TenantInfo, actor: Actor, *, locale: str = "en", write: bool = True
    ) -> Iterator[Context]:
        """A context in one transaction: committed when the block ends, rolled back on error.

        Users activated or deactivated by the block (whatever the path: user administration, a
        record edit, a mass update) get their sessions, API keys and membership brought in line
        first, while the tenant transaction is still open: if that fails, the change rolls back.
        A transaction the database aborted as a deadlock or serialization failure raises
        RetryLater (nothing was written).
        """
        ctx: Context | None = None
        try:
            postgres = self.db.is_postgres
            with self.db.tenant_transaction(
                tenant.location, write=write, set_path=not postgres
            ) as conn:
                schema = self.schemas.get(conn, tenant.location, set_path=postgres)
                ctx = Context(tenant, actor, conn, schema, locale, platform_settings=self.settings)
                yield ctx
                if ctx.user_status_changes:
                    apply_user_status(self, ctx)
        except sa_exc.DBAPIError as exc:
            # A deadlock or serialization failure (also one raised at COMMIT) rolled the whole
            # transaction back: the caller may send the same request again.
            if is_retryable(exc):
                raise RetryLater() from exc
            if ctx is not None and ctx.aborted_by is not None and is_aborted_transaction(exc):
                raise ctx.aborted_by from exc
            raise
