"""Bulk writes leave the planner statistics of the table they filled (autovacuum may be off)."""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.records.statistics import analyze_if_stale
from keyi.platform.tenancy import Platform

SYSTEM = Actor.system("test")


def _reltuples(platform: Platform, tenant: TenantInfo, table: str) -> float | None:
    if not platform.db.is_postgres:
        return None
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        return float(
            ctx.conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}
            ).scalar_one()
        )


def test_a_large_batch_into_a_small_table_refreshes_its_statistics(
    platform: Platform, tenant: TenantInfo
) -> None:
    before = _reltuples(platform, tenant, "account")
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).create_many("account", [{"name": f"Stat {i}"} for i in range(300)])
    if platform.db.is_postgres:
        # Never analysed (-1) or analysed nearly empty before; the batch's rows are counted now,
        # as are the search index's (one document per record on PostgreSQL).
        assert before is not None and before < 300
        assert (_reltuples(platform, tenant, "account") or 0) >= 300
        assert (_reltuples(platform, tenant, "keyi_search_document") or 0) >= 300
    with platform.context(tenant, SYSTEM) as ctx:
        # Small writes never look; a batch within 50 rows + 10 % of the table does not analyse.
        assert not analyze_if_stale(ctx.conn, "account", 49)
        assert not analyze_if_stale(ctx.conn, "account", 60)
        # A batch beyond it does, on PostgreSQL only (SQLite plans without statistics).
        assert analyze_if_stale(ctx.conn, "account", 200) is platform.db.is_postgres
