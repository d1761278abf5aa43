"""The analytics tables of a tenant: report folders, reports, dashboards, home dashboards,
alert rules with their samples, scheduled report emails, and kept dashboard widget answers.

Definitions are JSON checked by the platform (keyi.platform.analytics.spec), as list views
are: a report is metadata a user edits at runtime, not a schema change.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = [
    "alert_sample_table",
    "dashboard_answer_table",
    "dashboard_home_table",
    "dashboard_table",
    "report_alert_table",
    "report_folder_table",
    "report_subscription_table",
    "report_table",
]

_UUID = sa.Uuid(as_uuid=False)

# Folders hold reports and dashboards. Sharing: {"scope": "private" | "all" | "roles" |
# "departments", "roles": [role ids], "departments": [department ids]}; a package's folder has
# its package and a stable key (`sales.reports`) so an upgrade finds it again.
report_folder_table = sa.Table(
    "keyi_report_folder",
    system_metadata,
    sa.Column("id", _UUID, primary_key=True),
    sa.Column("name", sa.JSON, nullable=False),  # {"zh-CN": ..., "en": ...} or {"": plain}
    sa.Column("owner_id", _UUID, nullable=True),
    sa.Column("sharing", sa.JSON, nullable=False),
    sa.Column("package", sa.String(64), nullable=True),
    sa.Column("key", sa.String(100), nullable=True, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

report_table = sa.Table(
    "keyi_report",
    system_metadata,
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
    sa.Index("ix_keyi_report_folder", "folder_id"),
    sa.Index("ix_keyi_report_owner", "owner_id"),
)

# layout: [{"id", "x", "y", "w", "h", "kind": "report" | "kpi" | "target", "report_id"?,
# "chart"?, "title"?, ...}]; filters: the dashboard-level filters every widget gets.
dashboard_table = sa.Table(
    "keyi_dashboard",
    system_metadata,
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
    sa.Index("ix_keyi_dashboard_folder", "folder_id"),
)

# A user's or a role's home page: subject_kind "user" | "role"; a user's own choice wins.
dashboard_home_table = sa.Table(
    "keyi_dashboard_home",
    system_metadata,
    sa.Column("subject_kind", sa.String(8), primary_key=True),
    sa.Column("subject_id", _UUID, primary_key=True),
    sa.Column("dashboard_id", _UUID, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# condition: {"value": "sum_amount", "op": "gt" | "lt" | ..., "threshold": "10"} or
# {"value": ..., "change": "drop" | "rise", "percent": "20", "period_days": 7};
# recipients: {"users": [...], "roles": [...]}.
report_alert_table = sa.Table(
    "keyi_report_alert",
    system_metadata,
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
    sa.Index("ix_keyi_report_alert_due", "active", "next_run_at"),
)

# The metric's value at each evaluation, per recipient (each is evaluated in their own view of
# the report): what "drops 20 % week over week" compares with.
alert_sample_table = sa.Table(
    "keyi_report_alert_sample",
    system_metadata,
    sa.Column("alert_id", _UUID, primary_key=True),
    sa.Column("user_id", _UUID, primary_key=True),  # whose view of the report
    sa.Column("taken_at", sa.DateTime, primary_key=True),
    sa.Column("value", sa.Numeric(38, 10), nullable=True),
)

# Scheduled report emails: format "xlsx" | "csv" | "link".
report_subscription_table = sa.Table(
    "keyi_report_subscription",
    system_metadata,
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
    sa.Index("ix_keyi_report_subscription_due", "active", "next_run_at"),
)

# Kept dashboard widget answers (keyi.platform.analytics.kept): one row per hash of what the
# answer depends on (report definition and version, widget, effective filters, the reader's
# access keys and field grants, locale, currency and time settings, the day). The answer is
# exact JSON text (keyi.platform.jsoncodec) so a kept answer has the digits of a fresh one.
# reader_id, filters and locale say how to compute it again (the scheduler's refresh, as that
# reader); read_at is when a reader was last given it ("opened in the last day").
dashboard_answer_table = sa.Table(
    "keyi_dashboard_answer",
    system_metadata,
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
    sa.Index("ix_keyi_dashboard_answer_read", "read_at"),
    sa.Index("ix_keyi_dashboard_answer_dashboard", "dashboard_id"),
)
