"""Configuration packages a tenant installed, with the items each brought
(keyi.platform.config_packages): the baseline of the next install's three-way diff.

The table is written out here as it is at this revision.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("keyi_config_package"):
        return
    op.create_table(
        "keyi_config_package",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False),
        sa.Column("installed_by", sa.Uuid(as_uuid=False), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("keyi_config_package")
