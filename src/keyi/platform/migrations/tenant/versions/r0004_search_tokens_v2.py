"""Search tokens v2: the table recording which token rules built a tenant's search index.

Token rules 2 store identifiers without their connectors (``kh2026000001`` instead of
``kh-2026-000001`` and ``2026-000001``, keyi.platform.search.tokenize), and queries are
tokenized the same way, so an index built by rules 1 must be rebuilt. This revision creates
``keyi_search_state`` and records rules 1 for the index the tenant has; rebuilding it is data,
not schema, and may take minutes on a large tenant, so it is not done here, inside the
migration's transaction, but by the upgrade that follows at start (``keyi tenant upgrade``:
``records.reindex.refresh_search_tokens``, in batches of their own).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "keyi_search_state"


def upgrade() -> None:
    conn = op.get_bind()
    if sa.inspect(conn).has_table(TABLE):
        return
    table = op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("token_rules", sa.Integer, nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "token_rules": 1}])


def downgrade() -> None:
    op.drop_table(TABLE)
