"""Approval processes, approvals and their tasks, in each tenant's namespace (revision 0009)."""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["approval_table", "process_table", "task_table"]

process_table = sa.Table(
    "keyi_approval_process",
    system_metadata,
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

# One submission of one record. `definition` is the process as it was at submission, so a
# process edited meanwhile does not change an approval under way. `trail` is the history
# (submitted, each decision, skipped steps, recall, delegation), appended under the row lock.
approval_table = sa.Table(
    "keyi_approval",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("process_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("process_name", sa.String(64), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("submitter_id", sa.Uuid(as_uuid=False), nullable=True),
    # pending | approved | rejected | recalled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("trail", sa.JSON, nullable=False),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Index("ix_keyi_approval_record", "object", "record_id", "status"),
    sa.Index("ix_keyi_approval_submitter", "submitter_id", "id"),
)

# Who must act on a step: one row per approver. pending | approved | rejected | delegated |
# cancelled (another approver decided an any-one step, the approval ended or was recalled).
task_table = sa.Table(
    "keyi_approval_task",
    system_metadata,
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
    sa.Index("ix_keyi_approval_task_inbox", "approver_id", "status", "id"),
    sa.Index("ix_keyi_approval_task_approval", "approval_id", "step"),
)
