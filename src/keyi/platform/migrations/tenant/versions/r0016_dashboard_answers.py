"""Kept dashboard answers: each widget's last answer per report, filters and reader's access,
shown with its age and refreshed by the scheduler (keyi.platform.analytics.kept).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_UUID = sa.Uuid(as_uuid=False)
TABLE = "keyi_dashboard_answer"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("dashboard_id", _UUID, nullable=False),
        sa.Column("widget_id", sa.String(64), nullable=False),
        sa.Column("report_id", _UUID, nullable=True),
        sa.Column("reader_id", _UUID, nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("read_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_keyi_dashboard_answer_read", TABLE, ["read_at"])
    op.create_index("ix_keyi_dashboard_answer_dashboard", TABLE, ["dashboard_id"])


def downgrade() -> None:
    op.drop_table(TABLE)
