"""Approval processes, approvals and their tasks (keyi.platform.approvals).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if not sa.inspect(conn).has_table("keyi_approval_process"):
        op.create_table(
            "keyi_approval_process",
            sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("name", sa.String(64), nullable=False, unique=True),
            sa.Column("object", sa.String(64), nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("definition", sa.JSON, nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )
    if not sa.inspect(conn).has_table("keyi_approval"):
        op.create_table(
            "keyi_approval",
            sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("process_id", sa.Uuid(as_uuid=False), nullable=False),
            sa.Column("process_name", sa.String(64), nullable=False),
            sa.Column("definition", sa.JSON, nullable=False),
            sa.Column("object", sa.String(64), nullable=False),
            sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
            sa.Column("submitter_id", sa.Uuid(as_uuid=False), nullable=True),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("step", sa.Integer, nullable=False),
            sa.Column("trail", sa.JSON, nullable=False),
            sa.Column("submitted_at", sa.DateTime, nullable=False),
            sa.Column("finished_at", sa.DateTime, nullable=True),
        )
        op.create_index(
            "ix_keyi_approval_record", "keyi_approval", ["object", "record_id", "status"]
        )
        op.create_index("ix_keyi_approval_submitter", "keyi_approval", ["submitter_id", "id"])
    if not sa.inspect(conn).has_table("keyi_approval_task"):
        op.create_table(
            "keyi_approval_task",
            sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
            sa.Column("approval_id", sa.Uuid(as_uuid=False), nullable=False),
            sa.Column("step", sa.Integer, nullable=False),
            sa.Column("approver_id", sa.Uuid(as_uuid=False), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("acted_at", sa.DateTime, nullable=True),
            sa.Column("comment", sa.Text, nullable=True),
            sa.Column("delegated_from", sa.Uuid(as_uuid=False), nullable=True),
            sa.Column("reminded_at", sa.DateTime, nullable=True),
        )
        op.create_index(
            "ix_keyi_approval_task_inbox", "keyi_approval_task", ["approver_id", "status", "id"]
        )
        op.create_index(
            "ix_keyi_approval_task_approval", "keyi_approval_task", ["approval_id", "step"]
        )


def downgrade() -> None:
    op.drop_table("keyi_approval_task")
    op.drop_table("keyi_approval")
    op.drop_table("keyi_approval_process")
