"""Flows (automation metadata) and their run log (keyi.platform.automation).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if not sa.inspect(conn).has_table("keyi_flow"):
        op.create_table(
            "keyi_flow",
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
    if not sa.inspect(conn).has_table("keyi_flow_run"):
        op.create_table(
            "keyi_flow_run",
            sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("flow_id", sa.Uuid(as_uuid=False), nullable=False),
            sa.Column("flow_name", sa.String(64), nullable=False),
            sa.Column("object", sa.String(64), nullable=False),
            sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=True),
            sa.Column("event", sa.String(16), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("depth", sa.Integer, nullable=False),
            sa.Column("started_at", sa.DateTime, nullable=False),
            sa.Column("duration_ms", sa.Float, nullable=False),
            sa.Column("steps", sa.JSON, nullable=False),
            sa.Column("error", sa.Text, nullable=True),
        )
        op.create_index("ix_keyi_flow_run_flow", "keyi_flow_run", ["flow_id", "id"])
        op.create_index("ix_keyi_flow_run_record", "keyi_flow_run", ["object", "record_id", "id"])


def downgrade() -> None:
    op.drop_table("keyi_flow_run")
    op.drop_table("keyi_flow")
