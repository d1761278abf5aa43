"""Which token rules a tenant's search index was built with (``keyi_search_state``).

The tokens of a document depend on :data:`keyi.platform.search.tokenize.TOKEN_RULES`; a query
tokenized by newer rules may not meet tokens stored by older ones (rules 2 stores
``kh2026000001`` where rules 1 stored ``kh-2026-000001``). So each tenant records the rules of
its index in a one-row table, new tenants at their creation, tenants from before the table at
the tenant migration that adds it (which records rules 1), and the upgrade at start rebuilds an
index whose rules are older (:func:`keyi.platform.records.reindex.refresh_search_tokens`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from keyi.platform.search.tokenize import TOKEN_RULES

__all__ = ["STATE_TABLE_NAME", "define_state_table", "index_rules", "record_index_rules"]

STATE_TABLE_NAME = "keyi_search_state"


def define_state_table(metadata: sa.MetaData) -> sa.Table:
    """Define (not create) the one-row table holding the index's token rules."""
    return sa.Table(
        STATE_TABLE_NAME,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("token_rules", sa.Integer, nullable=False),
    )


def _table(metadata: sa.MetaData) -> sa.Table:
    return metadata.tables[STATE_TABLE_NAME]


def index_rules(conn: Connection, metadata: sa.MetaData) -> int:
    """The token rules the index was built with; 0 when unknown (rebuild to be sure)."""
    table = _table(metadata)
    found = conn.execute(sa.select(table.c.token_rules).where(table.c.id == 1)).scalar()
    return int(found) if found is not None else 0


def record_index_rules(conn: Connection, metadata: sa.MetaData, rules: int = TOKEN_RULES) -> None:
    """Record that the index holds tokens of ``rules`` (after a build or a rebuild)."""
    table = _table(metadata)
    conn.execute(sa.delete(table).where(table.c.id == 1))
    conn.execute(sa.insert(table).values(id=1, token_rules=rules))
