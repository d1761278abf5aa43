"""The tenant's document template: one row in the tenant's namespace.

In the tenant database (not the control database) because it is the company's own letterhead,
read in the same transaction as the quote a PDF is made of, and exported with its data.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["DOCUMENT_TEMPLATE_TABLE_NAME", "TEMPLATE_ID", "document_template_table"]

DOCUMENT_TEMPLATE_TABLE_NAME = "keyi_document_template"
TEMPLATE_ID = "default"
"""The one row's key: a company has one letterhead (a table, not settings, for the logo's
bytes and so that a later version can hold several templates, e.g. per legal entity)."""

document_template_table = sa.Table(
    DOCUMENT_TEMPLATE_TABLE_NAME,
    system_metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("company_name", sa.String(200), nullable=False),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("phone", sa.String(100), nullable=False),
    sa.Column("tax_id", sa.String(100), nullable=False),
    sa.Column("bank_name", sa.String(200), nullable=False),
    sa.Column("bank_account", sa.String(100), nullable=False),
    sa.Column("accent_color", sa.String(7), nullable=False),
    # {"zh-CN": "...", "en": "..."}: printed in the document's language.
    sa.Column("footer_text", sa.JSON, nullable=False),
    sa.Column("terms_text", sa.JSON, nullable=False),
    sa.Column("logo", sa.LargeBinary, nullable=True),
    sa.Column("logo_media_type", sa.String(32), nullable=True),
    sa.Column("updated_by", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=True),
)
