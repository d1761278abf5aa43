"""Search statements are planned with their values, even once psycopg has prepared them.

A search statement's text is the same for every word and user, so after five runs on one
connection psycopg prepares it and PostgreSQL may plan it generically, without the word: that
read every document holding a common word once per small object (80-180 ms instead of ~2 ms
at 100,000 accounts). ``plan_cache_mode = force_generic_plan`` makes PostgreSQL take the
generic plan at once; the searches must override it for their transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.query.search import search_records
from keyi.platform.records import RecordsService
from keyi.platform.schema import search_table
from keyi.platform.search import search
from keyi.platform.tenancy import Platform

SYSTEM = Actor.system("test")
RUNS = 8  # psycopg prepares a statement text on its fifth run on a connection


def _search_plans(conn: sa.Connection) -> list[tuple[int, int]]:
    """(generic, custom) plan counts of the prepared statements that read the search index."""
    rows = conn.execute(
        sa.text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%keyi_search_document%'"
        )
    )
    return [(int(g), int(c)) for g, c in rows]


def test_searches_are_planned_with_their_words_once_prepared(
    platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        for i in range(6):
            records.create("account", {"name": f"恒芯科技 {i}", "email": f"a{i}@example.com"})
        records.create("account", {"name": "Other", "email": "x@hengxin.com"})

    with platform.context(tenant, SYSTEM) as ctx:
        postgres = ctx.conn.dialect.name == "postgresql"
        if postgres:
            ctx.conn.execute(sa.text("SET LOCAL plan_cache_mode = force_generic_plan"))
        results: dict[str, list[Any]] = {"global": [], "index": [], "quick": []}
        for i in range(RUNS):
            word = ("恒芯", "科技")[i % 2]
            results["global"].append(search_records(ctx, word, limit=5))
            results["index"].append(search(ctx.conn, search_table, word, objects=["account"]))
            page = run_query(ctx, "account", QuerySpec(q=word, limit=3))["records"]
            results["quick"].append([r["id"] for r in page])
        if postgres:
            plans = _search_plans(ctx.conn)
            assert plans, "the search statements were never prepared: the test proves nothing"
            assert all(generic == 0 for generic, _ in plans), plans
            assert sum(custom for _, custom in plans) > 0
            # No JIT compilation either: at a million accounts a common word's search is
            # estimated above jit_above_cost and compiling it took six times its execution.
            assert ctx.conn.execute(sa.text("SELECT current_setting('jit')")).scalar() == "off"

    # Same answers every time, and the right ones.
    for runs in results.values():
        assert runs[0] and all(r == runs[i % 2] for i, r in enumerate(runs)), runs
    assert len(results["global"][0]) == 5 and {h["score"] for h in results["global"][0]} == {3}


def test_a_search_statement_is_built_once_per_shape_and_runs_with_each_words_values(
    platform: Platform, tenant: TenantInfo
) -> None:
    """Searches of the same shape share one kept statement; the words are its parameters, so
    each search must still find its own records (a statement run with the first search's
    words would answer every later search the same)."""
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        ids = {
            word: records.create("account", {"name": f"{word}贸易 {word}x"})["id"]
            for word in ("恒芯", "澜图", "北辰")
        }
        records.create("account", {"name": "Acme Trading"})

    with platform.context(tenant, SYSTEM) as ctx:
        memo = ctx.schema.memo
        found = {word: search_records(ctx, word, limit=5) for word in ids}
        kept = memo.get("search.statements", {})
        # Three words of one shape (one exact CJK bigram), one reader: one statement.
        assert len(kept) == 1, list(kept)
        for word, hits in found.items():
            assert [h["id"] for h in hits] == [ids[word]], (word, hits)
        # A prefix word is another shape, with its own statement and its own values.
        assert [h["title"] for h in search_records(ctx, "acm", limit=5)] == ["Acme Trading"]
        assert [h["title"] for h in search_records(ctx, "tra", limit=5)] == ["Acme Trading"]
        assert search_records(ctx, "zzz", limit=5) == []
        assert len(memo["search.statements"]) == 2
