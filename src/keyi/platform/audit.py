"""The audit log: an append-only record of who did what, when, and from where.

Written in the same transaction as the action it describes (so a rolled-back change leaves no
entry and a committed one always has one). The database itself refuses UPDATE and DELETE on
the table (triggers on both SQLite and PostgreSQL), so not even a bug in Keyi can rewrite it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from keyi.platform.ids import new_id
from keyi.platform.schema import system_metadata

audit_table = sa.Table(
    "keyi_audit",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("actor_name", sa.String(200), nullable=True),
    sa.Column("action", sa.String(48), nullable=False),
    sa.Column("object", sa.String(64), nullable=True),
    sa.Column("record_id", sa.String(64), nullable=True),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("request_id", sa.String(64), nullable=True),
    sa.Index("ix_keyi_audit_at", "id"),
    sa.Index("ix_keyi_audit_actor", "actor_id", "id"),
)


@dataclass(frozen=True)
class Origin:
    """Where a request came from; set by the HTTP layer, absent for jobs and the CLI."""

    ip: str | None = None
    request_id: str | None = None


current_origin: ContextVar[Origin | None] = ContextVar("keyi_origin", default=None)


def install_append_only(conn: sa.Connection) -> None:
    """Make the audit table append-only at the database level."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION keyi_audit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'keyi_audit is append-only'; END; $$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER keyi_audit_no_change BEFORE UPDATE OR DELETE ON keyi_audit "
            "FOR EACH ROW EXECUTE FUNCTION keyi_audit_append_only()"
        )
    else:
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER keyi_audit_no_{op.lower()} BEFORE {op} ON keyi_audit "
                "BEGIN SELECT RAISE(ABORT, 'keyi_audit is append-only'); END"
            )


def record(
    conn: sa.Connection,
    *,
    actor_id: str | None,
    actor_name: str | None,
    action: str,
    at: Any,
    object_name: str | None = None,
    record_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    origin = current_origin.get() or Origin()
    conn.execute(
        sa.insert(audit_table).values(
            id=new_id(),
            at=at,
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            object=object_name,
            record_id=record_id,
            details=details or {},
            ip=origin.ip,
            request_id=origin.request_id,
        )
    )
