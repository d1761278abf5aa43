"""Analytics: report folders, reports, dashboards and home dashboards, alert rules with their
samples, scheduled report emails (keyi.platform.analytics.tables).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_UUID = sa.Uuid(as_uuid=False)
TABLES = (
    "keyi_report_folder",
    "keyi_report",
    "keyi_dashboard",
    "keyi_dashboard_home",
    "keyi_report_alert",
    "keyi_report_alert_sample",
    "keyi_report_subscription",
)


def upgrade() -> None:
    conn = op.get_bind()
    if not sa.inspect(conn).has_table("keyi_report_folder"):
        op.create_table(
            "keyi_report_folder",
            sa.Column("id", _UUID, primary_key=True),
            sa.Column("name", sa.JSON, nullable=False),  # {"zh-CN": ..., "en": ...} or {"": plain}
            sa.Column("owner_id", _UUID, nullable=True),
            sa.Column("sharing", sa.JSON, nullable=False),
            sa.Column("package", sa.String(64), nullable=True),
            sa.Column("key", sa.String(100), nullable=True, unique=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )
    if not sa.inspect(conn).has_table("keyi_report"):
        op.create_table(
            "keyi_report",
            sa.Column("id", _UUID, primary_key=True),
            sa.Column("folder_id", _UUID, nullable=True),  # none: the owner's private report
            sa.Column("name", sa.JSON, nullable=False),
            sa.Column("description", sa.JSON, nullable=True),
            sa.Column("object", sa.String(64), nullable=False),
            sa.Column("type", sa.String(16), nullable=False),
            sa.Column("definition", sa.JSON, nullable=False),
            sa.Column("chart", sa.JSON, nullable=True),
            sa.Column("owner_id", _UUID, nullable=True),
            sa.Column("package", sa.String(64), nullable=True),
            sa.Column("key", sa.String(100), nullable=True, unique=True),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.Column("deleted_at", sa.DateTime, nullable=True),  # in the recycle bin
        )
        op.create_index("ix_keyi_report_folder", "keyi_report", ["folder_id"])
        op.create_index("ix_keyi_report_owner", "keyi_report", ["owner_id"])
    if not sa.inspect(conn).has_table("keyi_dashboard"):
        op.create_table(
            "keyi_dashboard",
            sa.Column("id", _UUID, primary_key=True),
            sa.Column("folder_id", _UUID, nullable=True),
            sa.Column("name", sa.JSON, nullable=False),
            sa.Column("description", sa.JSON, nullable=True),
            sa.Column("layout", sa.JSON, nullable=False),
            sa.Column("filters", sa.JSON, nullable=False),
            sa.Column("owner_id", _UUID, nullable=True),
            sa.Column("package", sa.String(64), nullable=True),
            sa.Column("key", sa.String(100), nullable=True, unique=True),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.Column("deleted_at", sa.DateTime, nullable=True),  # in the recycle bin
        )
        op.create_index("ix_keyi_dashboard_folder", "keyi_dashboard", ["folder_id"])
    if not sa.inspect(conn).has_table("keyi_dashboard_home"):
        op.create_table(
            "keyi_dashboard_home",
            sa.Column("subject_kind", sa.String(8), primary_key=True),
            sa.Column("subject_id", _UUID, primary_key=True),
            sa.Column("dashboard_id", _UUID, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )
    if not sa.inspect(conn).has_table("keyi_report_alert"):
        op.create_table(
            "keyi_report_alert",
            sa.Column("id", _UUID, primary_key=True),
            sa.Column("report_id", _UUID, nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("condition", sa.JSON, nullable=False),
            sa.Column("schedule", sa.String(100), nullable=False),  # cron, tenant time zone
            sa.Column("recipients", sa.JSON, nullable=False),
            sa.Column("owner_id", _UUID, nullable=True),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("next_run_at", sa.DateTime, nullable=True),
            sa.Column("last_run_at", sa.DateTime, nullable=True),
            sa.Column("last_fired_at", sa.DateTime, nullable=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_keyi_report_alert_due", "keyi_report_alert", ["active", "next_run_at"])
    if not sa.inspect(conn).has_table("keyi_report_alert_sample"):
        op.create_table(
            "keyi_report_alert_sample",
            sa.Column("alert_id", _UUID, primary_key=True),
            sa.Column("user_id", _UUID, primary_key=True),  # whose view of the report
            sa.Column("taken_at", sa.DateTime, primary_key=True),
            sa.Column("value", sa.Numeric(38, 10), nullable=True),
        )
    if not sa.inspect(conn).has_table("keyi_report_subscription"):
        op.create_table(
            "keyi_report_subscription",
            sa.Column("id", _UUID, primary_key=True),
            sa.Column("report_id", _UUID, nullable=False),
            sa.Column("schedule", sa.String(100), nullable=False),
            sa.Column("format", sa.String(8), nullable=False),
            sa.Column("recipients", sa.JSON, nullable=False),
            sa.Column("owner_id", _UUID, nullable=True),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("next_run_at", sa.DateTime, nullable=True),
            sa.Column("last_sent_at", sa.DateTime, nullable=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )
        op.create_index(
            "ix_keyi_report_subscription_due", "keyi_report_subscription", ["active", "next_run_at"]
        )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
