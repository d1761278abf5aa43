"""Flows and their runs, in each tenant's namespace (tenant revision 0006)."""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["flow_run_table", "flow_table"]

flow_table = sa.Table(
    "keyi_flow",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.Uuid(as_uuid=False), nullable=True),
)

flow_run_table = sa.Table(
    "keyi_flow_run",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("flow_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("flow_name", sa.String(64), nullable=False),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("event", sa.String(16), nullable=False),
    # done | failed | skipped
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_keyi_flow_run_flow", "flow_id", "id"),
    sa.Index("ix_keyi_flow_run_record", "object", "record_id", "id"),
)
