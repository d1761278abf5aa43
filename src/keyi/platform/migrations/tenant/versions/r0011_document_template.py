"""Document template: the company's letterhead, logo and texts for PDF documents.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TEMPLATE = "keyi_document_template"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TEMPLATE):
        return
    op.create_table(
        TEMPLATE,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("phone", sa.String(100), nullable=False),
        sa.Column("tax_id", sa.String(100), nullable=False),
        sa.Column("bank_name", sa.String(200), nullable=False),
        sa.Column("bank_account", sa.String(100), nullable=False),
        sa.Column("accent_color", sa.String(7), nullable=False),
        sa.Column("footer_text", sa.JSON, nullable=False),
        sa.Column("terms_text", sa.JSON, nullable=False),
        sa.Column("logo", sa.LargeBinary, nullable=True),
        sa.Column("logo_media_type", sa.String(32), nullable=True),
        sa.Column("updated_by", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table(TEMPLATE)
