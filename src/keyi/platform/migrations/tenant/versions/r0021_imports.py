"""Imports: runs, their written records (for undo) and failed rows, uploads, saved mappings.

The tables as keyi.platform.import_tables defines them at this revision.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from keyi.platform import import_tables as tables

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for name, columns in (
        ("keyi_import_run", tables.run_columns),
        ("keyi_import_item", tables.item_columns),
        ("keyi_import_error", tables.error_columns),
        ("keyi_import_upload", tables.upload_columns),
        ("keyi_import_upload_part", tables.upload_part_columns),
        ("keyi_import_mapping", tables.mapping_columns),
    ):
        if inspector.has_table(name):
            continue
        op.create_table(name, *columns())
        if name == "keyi_import_run":
            for index, cols in tables.RUN_INDEXES:
                op.create_index(index, name, list(cols))


def downgrade() -> None:
    for name in (
        "keyi_import_mapping",
        "keyi_import_upload_part",
        "keyi_import_upload",
        "keyi_import_error",
        "keyi_import_item",
        "keyi_import_run",
    ):
        op.drop_table(name)
