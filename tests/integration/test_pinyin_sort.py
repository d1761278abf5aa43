"""Chinese text sorts by pinyin on PostgreSQL (ICU collation), by code point on SQLite; the
sort reads a B-tree built with the same collation, and cursors page on in the same order.

A tenant from before the collated index gets it at the upgrade (`Ddl.sync_indexes`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.collation import PINYIN, sort_collation
from keyi.platform.context import Context, TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform

SYSTEM = Actor.system("test")
# In pinyin: 阿(a) 百(bai) 重(chong) 华(hua) 李(li) 腾(teng) 王(wang) 小(xiao) 张(zhang) 中(zhong),
# then Latin letters regardless of case; by code point the Latin names come first, 'Zebra' before
# 'apple', and the Han names in Unicode order (中 U+4E2D ... 阿 U+963F).
NAMES = [
    "张三贸易",
    "李四科技",
    "王五物流",
    "阿里巴巴",
    "百度在线",
    "腾讯科技",
    "中国石化",
    "重庆钢铁",
    "华为技术",
    "小米科技",
    "apple",
    "Zebra",
]
PINYIN_ORDER = [
    "阿里巴巴",
    "百度在线",
    "重庆钢铁",
    "华为技术",
    "李四科技",
    "腾讯科技",
    "王五物流",
    "小米科技",
    "张三贸易",
    "中国石化",
    "apple",
    "Zebra",
]


def _seed(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).create_many("account", [{"name": n} for n in NAMES])


def _pages(platform: Platform, tenant: TenantInfo, direction: str, limit: int) -> list[str]:
    records = _query(
        platform,
        tenant,
        sort=[{"field": "name", "direction": direction}],
        fields=["name"],
        limit=limit,
    )
    return [r["name"] for r in records]


def test_text_sorts_by_pinyin_where_the_database_can(
    platform: Platform, tenant: TenantInfo, backend: str
) -> None:
    _seed(platform, tenant)
    expected = PINYIN_ORDER if backend == "postgresql" else sorted(NAMES)
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert sort_collation(ctx.conn) == (PINYIN if backend == "postgresql" else None)
    # Page by page (the cursor compares with the collation too) and in one page.
    assert _pages(platform, tenant, "asc", limit=5) == expected
    assert _pages(platform, tenant, "asc", limit=50) == expected
    assert _pages(platform, tenant, "desc", limit=4) == expected[::-1]


def test_pinyin_order_through_the_api(client: Any, backend: str) -> None:
    for name in NAMES:
        assert client.post("/api/v1/records/account", json={"name": name}).status_code == 201
    first = client.get("/api/v1/records/account", params={"sort": "name", "limit": 6}).json()
    rest = client.get(
        "/api/v1/records/account",
        params={"sort": "name", "limit": 50, "cursor": first["next_cursor"]},
    ).json()
    names = [r["name"] for r in first["records"] + rest["records"]]
    assert names == (PINYIN_ORDER if backend == "postgresql" else sorted(NAMES))


def _statements(ctx: Context, call: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if "FROM account" in sql:
            seen.append((sql, params))

    event.listen(ctx.conn, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(ctx.conn, "before_cursor_execute", listener)
    return seen


def _plan(platform: Platform, tenant: TenantInfo, cursor: str | None, where: Any = None) -> str:
    """The plan of a name-sorted page as the planner would pick it for a large table."""
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        spec = QuerySpec(filter=where, sort=[{"field": "name"}], limit=3, cursor=cursor)
        ((sql, params),) = _statements(ctx, lambda: run_query(ctx, "account", spec))
        # A few rows read faster from the heap; forbid that to see whether the index serves.
        ctx.conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        ctx.conn.exec_driver_sql("SET LOCAL enable_sort = off")
        rows = ctx.conn.exec_driver_sql("EXPLAIN " + sql, params).all()
    return "\n".join(str(r[0]) for r in rows)


def _indexes(platform: Platform, tenant: TenantInfo) -> dict[str, str]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        if ctx.conn.dialect.name != "postgresql":
            return {
                str(name): str(sql)
                for name, sql in ctx.conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = 'account'"
                )
            }
        rows = ctx.conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'account' "
            "AND schemaname = current_schema()"
        )
        return {str(name): str(definition) for name, definition in rows}


def test_sorted_pages_read_the_collated_index_and_upgrades_add_it(
    platform: Platform, tenant: TenantInfo, backend: str
) -> None:
    _seed(platform, tenant)
    indexes = _indexes(platform, tenant)
    if backend == "sqlite":
        # No linguistic collation: no extra index, and an upgrade does not try to add one.
        assert "ix_account_name_zh" not in indexes and "ix_account_name" in indexes
        upgrade_tenant(platform, tenant)
        assert "ix_account_name_zh" not in _indexes(platform, tenant)
        return
    assert f'COLLATE "{PINYIN}"' in indexes["ix_account_name_zh"]
    assert "WHERE (deleted_at IS NULL)" in indexes["ix_account_name_zh"]
    first = _plan(platform, tenant, None)
    assert "ix_account_name_zh" in first and "Sort" not in first, first
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        cursor = run_query(ctx, "account", QuerySpec(sort=[{"field": "name"}], limit=3))[
            "next_cursor"
        ]
    following = _plan(platform, tenant, cursor)
    # The next page seeks the index to the cursor (a row comparison in the index condition).
    assert "ix_account_name_zh" in following and "Index Cond" in following, following
    assert "Sort" not in following, following
    # Filtered by an indexed field and sorted by name (names cluster by city, so by province:
    # reading the name index and dropping other provinces can step over most of the table).
    province = {"field": "province", "op": "eq", "value": "湖北省"}
    filtered = _plan(platform, tenant, None, province)
    assert "ix_account_province_name_zh" in filtered and "Sort" not in filtered, filtered
    assert "ix_account_province_name_zh" in _plan(platform, tenant, cursor, province)

    # A tenant from before this index: the upgrade at start creates it.
    with platform.context(tenant, SYSTEM) as ctx:
        ctx.conn.exec_driver_sql("DROP INDEX ix_account_name_zh")
        ctx.conn.exec_driver_sql("DROP INDEX ix_contact_name_zh")
        ctx.conn.exec_driver_sql("DROP INDEX ix_account_province_name_zh")
    assert "ix_account_name_zh" not in _indexes(platform, tenant)
    upgrade_tenant(platform, tenant)
    assert f'COLLATE "{PINYIN}"' in _indexes(platform, tenant)["ix_account_name_zh"]
    assert "ix_account_name_zh" in _plan(platform, tenant, None)
    assert "ix_account_province_name_zh" in _indexes(platform, tenant)
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        contact = {
            r[0]
            for r in ctx.conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'contact' "
                "AND schemaname = current_schema()"
            )
        }
    assert "ix_contact_name_zh" in contact


def test_aggregate_groups_text_keys_in_list_order(client: Any, backend: str) -> None:
    """Grouped text keys come in the order a list sorts them (pinyin on PostgreSQL), whether
    the key is a field, a field across a lookup or a text formula; the empty key comes last."""
    response = client.post(
        "/api/v1/metadata/objects/account/fields",
        json={
            "name": "tagged_name",
            "type": "formula",
            "labels": {"en": "Tagged"},
            "expression": 'CONCAT(name, "·")',
            "return_type": "text",
        },
    )
    assert response.status_code == 201, response.text
    ids = {}
    for name in NAMES:
        created = client.post("/api/v1/records/account", json={"name": name})
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    for name in NAMES:
        body = {"name": f"联系人 {name}", "account": ids[name]}
        assert client.post("/api/v1/records/contact", json=body).status_code == 201
    assert client.post("/api/v1/records/contact", json={"name": "无客户"}).status_code == 201
    expected = PINYIN_ORDER if backend == "postgresql" else sorted(NAMES)

    def keys(object_name: str, path: str) -> list[Any]:
        answer = client.post(
            f"/api/v1/records/{object_name}/aggregate", json={"group_by": [{"field": path}]}
        )
        assert answer.status_code == 200, answer.text
        return [group["key"][path] for group in answer.json()["groups"]]

    assert keys("account", "name") == expected
    assert keys("account", "tagged_name") == [f"{name}·" for name in expected]
    assert keys("contact", "account.name") == [*expected, None]
    listed = client.get("/api/v1/records/account", params={"sort": "name", "limit": 50}).json()
    assert [r["name"] for r in listed["records"]] == expected


def _query(platform: Platform, tenant: TenantInfo, **spec: Any) -> list[dict[str, Any]]:
    """Every row of a query, page after page (keyset cursors)."""
    records: list[dict[str, Any]] = []
    cursor = None
    while True:
        with platform.context(tenant, SYSTEM, write=False) as ctx:
            page = run_query(ctx, "account", QuerySpec(**spec, cursor=cursor))
        records += page["records"]
        cursor = page["next_cursor"]
        if cursor is None:
            return records


def test_text_ranges_mean_before_and_after_in_list_order(
    platform: Platform, tenant: TenantInfo, backend: str
) -> None:
    """`gt`/`gte`/`lt`/`lte`/`between` on text compare as the list sorts: "names after 李" are
    the names a name-sorted list shows after 李 (by pinyin on PostgreSQL, where code-point
    order would put 王, 百, 腾, 重 and 阿 after 李 and 小, 张 and the Latin names before it)."""
    _seed(platform, tenant)
    listed = [r["name"] for r in _query(platform, tenant, sort=[{"field": "name"}], limit=50)]
    if backend == "postgresql":
        assert listed == PINYIN_ORDER and listed != sorted(NAMES)

    def names(where: dict[str, Any]) -> list[str]:
        rows = _query(platform, tenant, filter=where, sort=[{"field": "name"}], limit=50)
        return [r["name"] for r in rows]

    for pivot in ("李四科技", "华为技术", "中国石化", "apple", "阿里巴巴"):
        at = listed.index(pivot)
        assert names({"field": "name", "op": "gt", "value": pivot}) == listed[at + 1 :], pivot
        assert names({"field": "name", "op": "gte", "value": pivot}) == listed[at:], pivot
        assert names({"field": "name", "op": "lt", "value": pivot}) == listed[:at], pivot
        assert names({"field": "name", "op": "lte", "value": pivot}) == listed[: at + 1], pivot
    # A prefix that is no name: after "李" are the names from 李四科技 on.
    assert names({"field": "name", "op": "gt", "value": "李"}) == listed[listed.index("李四科技") :]
    low, high = "百度在线", "张三贸易"
    between = names({"field": "name", "op": "between", "value": [low, high]})
    assert between == listed[listed.index(low) : listed.index(high) + 1]


def test_text_ranges_across_a_lookup_and_min_max_follow_list_order(
    client: Any, backend: str
) -> None:
    """The same through the API, for a path across a lookup (`account.name` on contacts), and
    a report's minimum and maximum of a text field are the first and last in list order."""
    expected = PINYIN_ORDER if backend == "postgresql" else sorted(NAMES)
    for name in NAMES:
        account = client.post("/api/v1/records/account", json={"name": name}).json()
        body = {"name": f"联系人{name}", "account": account["id"]}
        assert client.post("/api/v1/records/contact", json=body).status_code == 201
    found = client.post(
        "/api/v1/records/contact/query",
        json={
            "filter": {"field": "account.name", "op": "gt", "value": "李四科技"},
            "sort": [{"field": "account.name"}],
            "fields": ["name"],
            "limit": 50,
        },
    )
    assert found.status_code == 200, found.text
    after = expected[expected.index("李四科技") + 1 :]
    assert [r["name"] for r in found.json()["records"]] == [f"联系人{n}" for n in after]
    answer = client.post(
        "/api/v1/records/account/aggregate",
        json={"aggregates": [{"op": "min", "field": "name"}, {"op": "max", "field": "name"}]},
    )
    assert answer.status_code == 200, answer.text
    values = answer.json()["groups"][0]["values"]
    assert (values["min_name"], values["max_name"]) == (expected[0], expected[-1])


def test_cursors_over_a_nullable_text_key_page_in_list_order(
    platform: Platform, tenant: TenantInfo, backend: str
) -> None:
    """A sort key that may be empty (a city) pages by the general keyset comparison, which must
    compare with the sort's collation too, or a page would skip or repeat rows."""
    cities = ["上海", "北京", "广州", "深圳", "杭州", "成都", "重庆", "武汉", None, None]
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).create_many(
            "account", [{"name": f"客户{i:02d}", "city": c} for i, c in enumerate(cities)]
        )
    one_page = _query(platform, tenant, sort=[{"field": "city"}], fields=["city"], limit=50)
    for limit in (1, 2, 3):
        paged = _query(platform, tenant, sort=[{"field": "city"}], fields=["city"], limit=limit)
        assert [r["id"] for r in paged] == [r["id"] for r in one_page], limit
        back = _query(
            platform,
            tenant,
            sort=[{"field": "city", "direction": "desc"}],
            fields=["city"],
            limit=limit,
        )
        assert [r["id"] for r in back] == [r["id"] for r in one_page][::-1], limit
    shown = [r["city"] for r in one_page]
    named = [c for c in cities if c is not None]
    pinyin = ["北京", "成都", "重庆", "广州", "杭州", "上海", "深圳", "武汉"]
    assert shown == [*(pinyin if backend == "postgresql" else sorted(named)), None, None]
