"""Storage of role permissions and record shares (system tables of each tenant)."""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

role_permission_table = sa.Table(
    "keyi_role_permission",
    system_metadata,
    sa.Column("role_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("object", sa.String(64), primary_key=True),
    sa.Column("permission", sa.JSON, nullable=False),
)

# One row per grant of one record to one principal. Record teams (协作团队) are user grants with
# source "team"; manual shares have source "manual".
share_table = sa.Table(
    "keyi_share",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("principal_type", sa.String(16), nullable=False),
    sa.Column("principal_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("access", sa.String(8), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("created_by", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # "Which records of object O are shared with these principals" — the read path.
    sa.Index("ix_keyi_share_principal", "object", "principal_type", "principal_id", "record_id"),
    # "Who is this record shared with" — the record page and the explanation.
    sa.Index("ix_keyi_share_record", "object", "record_id"),
    sa.UniqueConstraint(
        "object", "record_id", "principal_type", "principal_id", name="uq_keyi_share_grant"
    ),
)
