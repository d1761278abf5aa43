"""Baseline: a tenant's system tables as the last release before versioned migrations made them.

The definitions are a frozen copy (later releases change the live ones in keyi.platform.schema,
audit, access.tables and search.index, never this file). A tenant made before versioning has no
version table and is adopted here: the tables it lacks are created (one from before package
baselines lacks ``keyi_package``) and the audit log's append-only triggers installed if absent.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from keyi.platform.migrations import create_missing, revision_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEARCH_TABLE = "keyi_search_token"


def upgrade() -> None:
    conn = op.get_bind()
    create_missing(conn, baseline_tables(revision_schema()))
    _append_only_audit(conn)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone")


def baseline_tables(schema: str | None) -> sa.MetaData:
    """Every system table of a tenant at the baseline."""
    metadata = sa.MetaData(schema=schema)
    sa.Table(
        "keyi_meta_object",
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, default=0),
    )

    sa.Table(
        "keyi_meta_state",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        # A fresh random id at every change: a rolled-back change can reuse a version number but
        # never a revision, so a cache keyed by revision cannot serve a schema that was undone.
        sa.Column("revision", sa.String(36), nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
    )

    sa.Table(
        "keyi_history",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("actor_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Index("ix_keyi_history_record", "object", "record_id", "id"),
    )

    sa.Table(
        "keyi_outbox",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("actor_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("processed_at", sa.DateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Index(
            "ix_keyi_outbox_pending",
            "id",
            sqlite_where=sa.text("processed_at IS NULL"),
            postgresql_where=sa.text("processed_at IS NULL"),
        ),
    )

    sa.Table(
        "keyi_counter",
        metadata,
        sa.Column("object", sa.String(64), primary_key=True),
        sa.Column("field", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )

    sa.Table(
        "keyi_idempotency",
        metadata,
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("actor_id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )

    sa.Table(
        "keyi_list_view",
        metadata,
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("owner_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_keyi_list_view_object", "object", "owner_id"),
    )

    _search_tokens(metadata)

    # The standard packages a tenant has, each with the definitions it last received (at install
    # or upgrade): the baseline that tells a tenant's own edits from the package's.
    sa.Table(
        "keyi_package",
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        # sha256 of the definitions: equal to the release's → nothing to upgrade.
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False),
        sa.Column("upgraded_at", sa.DateTime, nullable=True),
    )

    sa.Table(
        "keyi_role_permission",
        metadata,
        sa.Column("role_id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("object", sa.String(64), primary_key=True),
        sa.Column("permission", sa.JSON, nullable=False),
    )

    # One row per grant of one record to one principal. Record teams (协作团队) are user grants with
    # source "team"; manual shares have source "manual".
    sa.Table(
        "keyi_share",
        metadata,
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
        sa.Index(
            "ix_keyi_share_principal", "object", "principal_type", "principal_id", "record_id"
        ),
        # "Who is this record shared with" — the record page and the explanation.
        sa.Index("ix_keyi_share_record", "object", "record_id"),
        sa.UniqueConstraint(
            "object", "record_id", "principal_type", "principal_id", name="uq_keyi_share_grant"
        ),
    )

    sa.Table(
        "keyi_audit",
        metadata,
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
    return metadata


def _search_tokens(metadata: sa.MetaData) -> sa.Table:
    """The search index's token table, the one place a later revision that changes it starts
    from. On PostgreSQL tokens compare in the "C" collation (byte order, for prefix ranges)."""
    text = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
    return sa.Table(
        SEARCH_TABLE,
        metadata,
        sa.Column("token", text, nullable=False),
        sa.Column("object", text, nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("weight", sa.SmallInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "token",
            "object",
            "record_id",
            name=f"pk_{SEARCH_TABLE}",
            postgresql_include=["weight"],
        ),
        sa.Index(f"ix_{SEARCH_TABLE}_record", "object", "record_id"),
        sqlite_with_rowid=False,
    )


def _append_only_audit(conn: sa.Connection) -> None:
    """The database refuses UPDATE and DELETE on ``keyi_audit`` (triggers), if not yet so."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            sa.text(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'keyi_audit_no_change' "
                "AND tgrelid = to_regclass('keyi_audit')"
            )
        ).first()
        if found is None:
            conn.exec_driver_sql(
                "CREATE OR REPLACE FUNCTION keyi_audit_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'keyi_audit is append-only'; END; $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER keyi_audit_no_change BEFORE UPDATE OR DELETE ON keyi_audit "
                "FOR EACH ROW EXECUTE FUNCTION keyi_audit_append_only()"
            )
        return
    present = {
        row[0]
        for row in conn.execute(
            sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'keyi_audit'"
            )
        )
    }
    for op_name in ("UPDATE", "DELETE"):
        name = f"keyi_audit_no_{op_name.lower()}"
        if name not in present:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE {op_name} ON keyi_audit "
                "BEGIN SELECT RAISE(ABORT, 'keyi_audit is append-only'); END"
            )
