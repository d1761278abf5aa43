"""History by period: an index on keyi_history (object, at) for pipeline movement.

Pipeline movement (keyi.platform.analytics.movement) reads one object's field history of a
period; without this index that is a scan of every history row the tenant ever wrote.

A plain CREATE INDEX, inside the upgrade's transaction like every revision (DDL is
transactional on both databases and the revisions run in one): on PostgreSQL it blocks writes
to keyi_history while it builds, seconds per few million rows. CREATE INDEX CONCURRENTLY cannot
run in a transaction; an operator who cannot pause writes that long may build the same index
concurrently beforehand (same name and columns): this revision then finds it and does nothing.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "keyi_history"
INDEX = "ix_keyi_history_object_at"


def upgrade() -> None:
    existing = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(TABLE)}
    if INDEX not in existing:
        op.create_index(INDEX, TABLE, ["object", "at"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
