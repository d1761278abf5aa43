"""Persisted metadata and its per-process cache, keyed by the metadata version.

Every request reads one integer (the version) and reuses the compiled schema when it matches, so
a change made by another process is seen on the next request without any cross-process signal.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa

from keyi.platform import audit  # registers its table on system_metadata
from keyi.platform import import_tables as _imports  # noqa: F401  (keyi_import_* tables)
from keyi.platform.analytics import tables as _analytics  # noqa: F401  (reports, dashboards)
from keyi.platform.approvals import tables as _approvals  # noqa: F401  (approval tables)
from keyi.platform.automation import tables as _flows  # noqa: F401  (keyi_flow, keyi_flow_run)
from keyi.platform.config_packages import config_package_table as _config  # noqa: F401
from keyi.platform.deliveries import table as _deliveries  # noqa: F401  (keyi_delivery)
from keyi.platform.documents import table as _documents  # noqa: F401  (document template)
from keyi.platform.ids import new_id
from keyi.platform.jobs import table as _jobs  # noqa: F401  (registers keyi_job likewise)
from keyi.platform.mailboxes import files as _files  # noqa: F401  (keyi_record_file)
from keyi.platform.mailboxes import table as _mailboxes  # noqa: F401  (keyi_mailbox)
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.migrations import Chain, stamp_head
from keyi.platform.notifications import table as _notifications  # noqa: F401  (likewise)
from keyi.platform.notify import table as _robots  # noqa: F401  (keyi_robot_channel)
from keyi.platform.portal import tables as _portal  # noqa: F401  (portal sign-in tables)
from keyi.platform.schema import (
    CompiledSchema,
    compile_schema,
    meta_object_table,
    meta_state_table,
    system_metadata,
)
from keyi.platform.search.rules import record_index_rules
from keyi.platform.sms import table as _sms  # noqa: F401  (keyi_sms_config, keyi_sms_message)
from keyi.platform.webhooks import table as _webhooks  # noqa: F401  (keyi_webhook, deliveries)

DEFAULT_SETTINGS: dict[str, Any] = {
    "currency": "CNY",
    "locale": "zh-CN",
    "time_zone": "Asia/Shanghai",
    "fiscal_year_start_month": 1,
}


def install_system_tables(
    conn: sa.Connection, settings: dict[str, Any] | None = None, *, schema: str | None = None
) -> None:
    """A new tenant's system tables, made from the live definitions and stamped at the tenant
    chain's head (keyi.platform.migrations); ``schema`` is its PostgreSQL schema."""
    system_metadata.create_all(conn)
    audit.install_append_only(conn)
    stamp_head(conn, Chain.TENANT, schema=schema)
    record_index_rules(conn, system_metadata)  # its index starts empty, under today's rules
    conn.execute(
        sa.insert(meta_state_table).values(
            id=1, version=1, revision=new_id(), settings={**DEFAULT_SETTINGS, **(settings or {})}
        )
    )


def current_version(conn: sa.Connection) -> int:
    return int(
        conn.execute(
            sa.select(meta_state_table.c.version).where(meta_state_table.c.id == 1)
        ).scalar_one()
    )


def bump_version(conn: sa.Connection) -> int:
    conn.execute(
        sa.update(meta_state_table)
        .where(meta_state_table.c.id == 1)
        .values(version=meta_state_table.c.version + 1, revision=new_id())
    )
    return current_version(conn)


def load_definitions(conn: sa.Connection) -> list[ObjectDef]:
    rows = conn.execute(
        sa.select(meta_object_table.c.definition).order_by(
            meta_object_table.c.position, meta_object_table.c.name
        )
    )
    return [ObjectDef.model_validate(row.definition) for row in rows]


def save_definition(conn: sa.Connection, obj: ObjectDef) -> None:
    payload = obj.model_dump(mode="json", exclude_defaults=False)
    updated = conn.execute(
        sa.update(meta_object_table)
        .where(meta_object_table.c.name == obj.name)
        .values(definition=payload)
    )
    if updated.rowcount == 0:
        position = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(meta_object_table.c.position), 0) + 1)
        ).scalar_one()
        conn.execute(
            sa.insert(meta_object_table).values(
                name=obj.name, definition=payload, position=position
            )
        )


def delete_definition(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.delete(meta_object_table).where(meta_object_table.c.name == name))


def load_compiled(conn: sa.Connection) -> CompiledSchema:
    """The schema as this transaction sees it, compiled afresh (used right after changes)."""
    row = (
        conn.execute(sa.select(meta_state_table).where(meta_state_table.c.id == 1)).mappings().one()
    )
    return compile_schema(
        int(row["version"]),
        row["revision"],
        load_definitions(conn),
        {**DEFAULT_SETTINGS, **(row["settings"] or {})},
    )


_REVISION = sa.select(meta_state_table.c.version, meta_state_table.c.revision).where(
    meta_state_table.c.id == 1
)
_REVISION_SETTING_PATH = sa.select(
    sa.func.set_config("search_path", sa.bindparam("path", type_=sa.Text), True).label("path"),
    meta_state_table.c.version,
    meta_state_table.c.revision,
).where(meta_state_table.c.id == 1)


class SchemaCache:
    """Compiled schemas per tenant location, replaced when the stored version moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, CompiledSchema] = {}

    def get(self, conn: sa.Connection, location: str, *, set_path: bool = False) -> CompiledSchema:
        """The tenant's compiled schema, after checking its stored revision (every request).

        Only the revision is read unless the schema must be compiled: the settings are part of
        the revision (written with it, never changed without a new one). With ``set_path``
        (PostgreSQL) the same statement also makes the tenant's schema the transaction's
        search path (``set_config(…, true)`` is ``SET LOCAL``), one round trip instead of two.
        """
        row: Any
        if set_path:
            row = conn.execute(
                _REVISION_SETTING_PATH,
                {"path": f'"{location}"'},
                execution_options={"schema_translate_map": {None: location}},
            ).one()
        else:
            row = conn.execute(_REVISION).one()
        cached = self._entries.get(location)
        if cached is not None and cached.revision == row.revision:
            return cached
        settings = conn.execute(
            sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
        ).scalar_one()
        compiled = compile_schema(
            int(row.version),
            row.revision,
            load_definitions(conn),
            {**DEFAULT_SETTINGS, **(settings or {})},
        )
        # An uncommitted change has a revision nobody else can read, so caching it is harmless.
        with self._lock:
            self._entries[location] = compiled
        return compiled

    def forget(self, location: str) -> None:
        with self._lock:
            self._entries.pop(location, None)
