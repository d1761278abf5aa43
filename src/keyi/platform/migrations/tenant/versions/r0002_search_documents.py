"""The compact search index: one document per record instead of a row per token.

PostgreSQL keeps each record's tokens as one GIN-indexed ``tsvector`` (keyi.platform.search.
documents); SQLite keeps reading the token table, but has the table too so both databases hold
the same system tables. The definition is frozen here. Filling the table is not a schema change:
the package upgrade that follows at start (``records.reindex.upgrade_search_index``) rebuilds the
index of a tenant whose records are indexed only in the token table.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLE = "keyi_search_document"


def upgrade() -> None:
    conn = op.get_bind()
    if sa.inspect(conn).has_table(TABLE):  # made by a build between the two revisions
        return
    text = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
    op.create_table(
        TABLE,
        sa.Column("object", text, nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column(
            "document", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("object", "record_id", name=f"pk_{TABLE}"),
    )
    if conn.dialect.name == "postgresql":
        op.create_index(f"ix_{TABLE}_document", TABLE, ["document"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_table(TABLE)
