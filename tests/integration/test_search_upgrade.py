"""Existing tenants get the search index's storage of this release (both databases).

A tenant from before the document table (PostgreSQL: one tsvector per record) has only the
token table. The upgrade creates the missing table and rebuilds the index from the records, and
``keyi tenant reindex`` rebuilds it on demand; searches then find exactly the live records.
Also: the top-tier shortcut for common words (PostgreSQL) answers what the full ranking does.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.context import TenantInfo
from keyi.platform.metadata.store import load_compiled
from keyi.platform.permissions import Actor
from keyi.platform.query.search import search_records
from keyi.platform.records import RecordsService
from keyi.platform.records.reindex import rebuild_search_index, upgrade_search_index
from keyi.platform.schema import search_table
from keyi.platform.search.storage import stored_table
from keyi.platform.tenancy import Platform

SYSTEM = Actor.system("test")


def _found(platform: Platform, tenant: TenantInfo, text: str) -> set[str]:
    with platform.context(tenant, SYSTEM) as ctx:
        return {h["id"] for h in search_records(ctx, text, limit=50, objects=["account"])}


def test_upgrade_creates_the_index_table_and_rebuilds_it(
    platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        kept = records.create("account", {"name": "恒芯集团有限公司", "phone": "0579-22640621"})
        gone = records.create("account", {"name": "恒芯贸易"})
        records.delete("account", gone["id"])
        # The tenant as an earlier release left it: without this database's index table (the
        # document table on PostgreSQL; on SQLite the token table stands in for it).
        ctx.conn.execute(sa.text(f"DROP TABLE {stored_table(ctx.conn, search_table).name}"))
    with platform.context(tenant, SYSTEM) as ctx:
        indexed = upgrade_search_index(ctx.conn, load_compiled(ctx.conn))
        assert indexed is not None and indexed >= 1
        # Idempotent: nothing to do the second time.
        assert upgrade_search_index(ctx.conn, load_compiled(ctx.conn)) is None
        if platform.db.is_postgres:
            # PostgreSQL no longer reads the token table: it is emptied, not left to fill disks.
            count = sa.select(sa.func.count()).select_from(search_table)
            assert ctx.conn.execute(count).scalar_one() == 0
    assert _found(platform, tenant, "恒芯") == {kept["id"]}
    assert _found(platform, tenant, "22640621") == {kept["id"]}
    assert _found(platform, tenant, "贸易") == set()


def test_reindex_repairs_a_lost_index(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        record = RecordsService(ctx).create("account", {"name": "Northwind Traders"})
        ctx.conn.execute(sa.delete(stored_table(ctx.conn, search_table)))
    assert _found(platform, tenant, "northw") == set()
    with platform.context(tenant, SYSTEM) as ctx:
        assert rebuild_search_index(ctx.conn, load_compiled(ctx.conn)) >= 1
    assert _found(platform, tenant, "northw") == {record["id"]}


def test_top_tier_answers_like_the_full_ranking(platform: Platform, tenant: TenantInfo) -> None:
    """With more name hits than the limit, the tier (every term in the name) is the answer; it
    must be exactly the full ranking's first page: best score, then record id."""
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        for i in range(30):
            records.create("account", {"name": f"Hengxin Tech {i}"})
        for i in range(5):  # the word only outside the name: a lower score
            records.create("account", {"name": f"Other {i}", "email": f"x{i}@hengxin.com"})
    with platform.context(tenant, SYSTEM) as ctx:
        page = search_records(ctx, "hengxin", limit=20, objects=["account"])
        everything = search_records(ctx, "hengxin", limit=1000, objects=["account"])
    assert len(everything) == 35 and {h["score"] for h in everything[30:]} == {1}
    assert page == everything[:20]
    assert [h["id"] for h in page] == sorted(h["id"] for h in page)
    assert {h["score"] for h in page} == {3}
