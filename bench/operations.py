"""The measured operations, each three ways: through the platform, over HTTP, and as raw SQL.

* **platform** — what a request handler does: a Context in its own transaction (connection
  checkout, BEGIN, tenant search_path, schema-version check, commit) around RecordsService /
  run_query / run_aggregate / search.
* **api** — the same through the ASGI app with FastAPI's TestClient; the time is *server* time
  (from the app receiving the request to the last byte of the JSON body), measured by a thin ASGI
  wrapper, so the test client's own overhead is not counted.
* **raw** — hand-written SQL with ``sqlalchemy.text()`` in a transaction on the same engine and
  tenant namespace, returning the same rows (checked), so platform/raw is the overhead ratio.
"""

from __future__ import annotations

import itertools
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.demo.generator import DemoGenerator
from keyi.demo.regions import PROVINCES
from keyi.demo.words import INDUSTRY_WEIGHTS, SHOWCASE_BRANDS
from keyi.platform.access.principal import load_role_permissions, load_user
from keyi.platform.collation import sort_collation
from keyi.platform.context import Context, TenantInfo
from keyi.platform.ids import new_id
from keyi.platform.permissions import AccessPolicy, Actor
from keyi.platform.query import AggregateSpec, QuerySpec, run_aggregate, run_query
from keyi.platform.records import RecordsService
from keyi.platform.schema import search_table
from keyi.platform.search import prefix_upper_bound, search, tokenize_query
from keyi.platform.search.documents import tsquery_text
from keyi.platform.tenancy import Platform

Runner = Callable[[int], Any]
INDUSTRIES = list(INDUSTRY_WEIGHTS)
PROVINCE_NAMES = [p.name for p in PROVINCES]
CJK_BRANDS = [brand for brand, _ in SHOWCASE_BRANDS]
CJK_COMMON = ["科技", "上海", "有限", "智能"]
LATIN_PREFIXES = ["acm", "north", "blue", "apex", "zen"]
SEARCH_LIMIT = 80  # what GET /api/v1/search?limit=20 asks the index for (4x over-fetch)


@dataclass
class Operation:
    name: str
    label: str
    platform: Runner
    api: Runner
    raw: Runner
    # Compares the platform's and the raw result of the same run (raises if they differ).
    check: Callable[[Any, Any], None] | None = None
    explain: bool = False  # print query plans for this operation
    notes: str = ""


class ServerTimer:
    """ASGI wrapper: time from request start to the end of the response body (server time)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - started

        await self.app(scope, receive, timed_send)


@dataclass
class Subject:
    """Everything the operations need: the tenant, its users, ids to read and write."""

    platform: Platform
    tenant: TenantInfo
    actor: Actor
    client: TestClient
    timer: ServerTimer
    generator: DemoGenerator
    read_ids: list[str]
    owned_ids: list[str]
    searchable: list[str]
    rng: random.Random = field(default_factory=lambda: random.Random(time.time_ns()))
    # Sent with every API request: another user's API key (the client's default is the actor's).
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def postgres(self) -> bool:
        return self.platform.db.is_postgres

    def db_id(self, value: str) -> str:
        """An id as raw SQL must bind it: PostgreSQL's uuid type, SQLite's 32-hex CHAR(32)."""
        return value if self.postgres else uuid.UUID(value).hex

    @contextmanager
    def context(self, write: bool = False) -> Iterator[Context]:
        """A request's context: the user's row, organisation and role loaded as the API does."""
        with self.platform.context(self.tenant, self.actor, write=write) as ctx:
            act_as_user(ctx, self.actor)
            yield ctx

    @contextmanager
    def raw(self, write: bool = False) -> Iterator[sa.Connection]:
        with self.platform.db.tenant_transaction(self.tenant.location, write=write) as conn:
            yield conn

    def http(self, method: str, url: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.client.request(method, url, headers=self.headers or None, **kwargs)
        if response.status_code != expect:
            raise AssertionError(f"{method} {url}: {response.status_code} {response.text[:500]}")
        return response.json()

    def new_account(self) -> dict[str, Any]:
        """A fresh generated account with a credit code no other run can have produced."""
        k = self.rng.randrange(60_000_000, 99_999_999)
        row = {
            key: v for key, v in self.generator.bundle(k).account.items() if not key.startswith("_")
        }
        row["owner_id"] = self.actor.id
        return row


def act_as_user(ctx: Context, actor: Actor) -> None:
    """What keyi.api.context.request_context does once the token is resolved."""
    loaded = load_user(ctx.conn, ctx.schema, actor.id or "")
    if loaded is None:
        raise LookupError(f"no user {actor.id}")
    org = loaded[1]
    ctx.act_as(actor, AccessPolicy(actor, org, load_role_permissions(ctx.conn, org.role_id)))


def rows_of(result: sa.CursorResult[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in result.mappings()]


def attach_names(
    conn: sa.Connection,
    rows: list[dict[str, Any]],
    parent_condition: str = "",
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """An account page's owner and parent names, read by id after the page (the shape the
    platform uses too: joined before the LIMIT, SQLite may sort every matching row instead).

    `parent_condition` (on alias `a`, with `params`) limits parents to those the reader may
    see: a restricted reader gets no name for an invisible parent, as from the platform."""
    for table, key in (('"user"', "owner_id"), ("account", "parent_account")):
        ids = sorted({r[key] for r in rows if r[key]})
        if ids:
            sql = f"SELECT a.id, a.name FROM {table} a WHERE a.id IN :ids"
            values: dict[str, Any] = {"ids": ids}
            if key == "parent_account" and parent_condition:
                sql += f" AND a.deleted_at IS NULL AND {parent_condition}"
                values.update(params or {})
            expanding: list[sa.BindParameter[Any]] = [
                sa.bindparam(k, expanding=True)
                for k, v in values.items()
                if isinstance(v, list) and f":{k}" in sql
            ]
            names: dict[Any, Any] = dict(
                conn.execute(sa.text(sql).bindparams(*expanding), values).all()
            )
            for r in rows:
                r[f"{key}_name"] = names.get(r[key])
    return rows


def canonical(value: Any) -> str:
    """UUIDs as the API shows them, whatever the driver returned."""
    return str(uuid.UUID(str(value)))


def same(label: str, platform: Any, raw: Any) -> None:
    if platform != raw:
        raise AssertionError(f"{label}: platform and raw SQL disagree:\n{platform!r}\n{raw!r}")


def _num(value: Any) -> float:
    return round(float(value), 2) if value is not None else 0.0


# ---------------------------------------------------------------- writes
def create_op(s: Subject) -> Operation:
    columns = [
        "name",
        "grade",
        "type",
        "industry",
        "source",
        "phone",
        "email",
        "website",
        "credit_code",
        "province",
        "city",
        "district",
        "address",
        "employees",
        "annual_revenue",
        "description",
    ]

    def platform(i: int) -> Any:
        with s.context(write=True) as ctx:
            return RecordsService(ctx).create("account", s.new_account())

    def api(i: int) -> Any:
        return s.http("POST", "/api/v1/records/account", expect=201, json=s.new_account())

    def raw(i: int) -> Any:
        row = s.new_account()
        now = datetime.now(UTC).replace(tzinfo=None)
        params: dict[str, Any] = {c: row.get(c) for c in columns}
        revenue = row.get("annual_revenue")
        if revenue is not None:  # psycopg binds Decimal; sqlite3 needs a float
            params["annual_revenue"] = Decimal(str(revenue)) if s.postgres else float(revenue)
        params.update(
            id=s.db_id(new_id()),
            version=1,
            now=now,
            actor=s.db_id(s.actor.id or ""),
            owner=s.db_id(s.actor.id or ""),
            currency="CNY",
            tags=json.dumps(row["tags"], ensure_ascii=False) if row.get("tags") else None,
        )
        sql = (
            "INSERT INTO account (id, version, created_at, created_by, updated_at, updated_by, "
            "owner_id, " + ", ".join(columns) + ", annual_revenue_currency, tags) VALUES "
            "(:id, :version, :now, :actor, :now, :actor, :owner, "
            + ", ".join(f":{c}" for c in columns)
            + ", :currency, :tags) RETURNING *"
        )
        with s.raw(write=True) as conn:
            return rows_of(conn.execute(sa.text(sql), params))

    return Operation(
        "create",
        "Create one account (own transaction)",
        platform,
        api,
        raw,
        notes="raw = one INSERT … RETURNING; the platform also checks references and uniqueness, "
        "takes an auto-number, writes history, outbox and ~40 search-index rows, "
        "and re-reads the record",
    )


def update_op(s: Subject) -> Operation:
    grades = ["A", "B", "C", "D"]
    counter = itertools.count()

    def next_id() -> str:
        return s.owned_ids[next(counter) % len(s.owned_ids)]

    def platform(i: int) -> Any:
        with s.context(write=True) as ctx:
            return RecordsService(ctx).update(
                "account", next_id(), {"grade": grades[i % 4], "employees": 100 + i}
            )

    def api(i: int) -> Any:
        return s.http(
            "PATCH",
            f"/api/v1/records/account/{next_id()}",
            json={"grade": grades[i % 4], "employees": 100 + i},
        )

    def raw(i: int) -> Any:
        sql = (
            "UPDATE account SET grade = :grade, employees = :employees, version = version + 1, "
            "updated_at = :now, updated_by = :actor WHERE id = :id AND deleted_at IS NULL "
            "AND owner_id = :actor RETURNING *"
        )
        params = {
            "grade": grades[i % 4],
            "employees": 100 + i,
            "id": s.db_id(next_id()),
            "actor": s.db_id(s.actor.id or ""),
            "now": datetime.now(UTC).replace(tzinfo=None),
        }
        with s.raw(write=True) as conn:
            return rows_of(conn.execute(sa.text(sql), params))

    return Operation(
        "update",
        "Update two fields of an own account",
        platform,
        api,
        raw,
        notes="raw = one UPDATE … RETURNING with the owner predicate; the platform loads the row, "
        "checks access, runs hooks and rules, writes history + outbox and re-reads the record",
    )


# ---------------------------------------------------------------- reads
def get_op(s: Subject) -> Operation:
    sql = (
        "SELECT a.*, o.name AS owner_name, p.name AS parent_name FROM account a "
        'LEFT JOIN "user" o ON o.id = a.owner_id LEFT JOIN account p ON p.id = a.parent_account '
        "WHERE a.id = :id AND a.deleted_at IS NULL"
    )

    def platform(i: int) -> Any:
        with s.context() as ctx:
            return RecordsService(ctx).get("account", s.read_ids[i % len(s.read_ids)])

    def api(i: int) -> Any:
        return s.http("GET", f"/api/v1/records/account/{s.read_ids[i % len(s.read_ids)]}")

    def raw(i: int) -> Any:
        with s.raw() as conn:
            return rows_of(
                conn.execute(sa.text(sql), {"id": s.db_id(s.read_ids[i % len(s.read_ids)])})
            )

    def check(platform_result: Any, raw_result: Any) -> None:
        same(
            "get",
            (platform_result["id"], platform_result["name"]),
            (canonical(raw_result[0]["id"]), raw_result[0]["name"]),
        )

    return Operation("get", "Get one account by id", platform, api, raw, check)


def _list_op(
    s: Subject, name: str, label: str, field_name: str, values: list[str], sort: str, raw_order: str
) -> Operation:
    direction = "desc" if sort.startswith("-") else "asc"
    sort_field = sort.lstrip("-")
    # The page, then the names of its owners and parent accounts by id: the shape the platform
    # uses too (joined before the LIMIT, SQLite may sort every matching row instead).
    sql = (
        f"SELECT * FROM account WHERE deleted_at IS NULL AND {field_name} = :value "
        f"ORDER BY {raw_order} LIMIT :limit"  # a literal LIMIT changes SQLite's plan choice
    )

    def value(i: int) -> str:
        return values[i % len(values)]

    def platform(i: int) -> Any:
        spec = QuerySpec(
            filter={"field": field_name, "op": "eq", "value": value(i)},
            sort=[{"field": sort_field, "direction": direction}],
            limit=50,
        )
        with s.context() as ctx:
            return run_query(ctx, "account", spec)

    def api(i: int) -> Any:
        return s.http(
            "GET",
            "/api/v1/records/account",
            params={"f": f"{field_name}:eq:{value(i)}", "sort": sort, "limit": 50},
        )

    def raw(i: int) -> Any:
        with s.raw() as conn:
            return attach_names(
                conn, rows_of(conn.execute(sa.text(sql), {"value": value(i), "limit": 51}))
            )

    def check(platform_result: Any, raw_result: Any) -> None:
        same(
            name,
            [r["id"] for r in platform_result["records"]],
            [canonical(r["id"]) for r in raw_result[:50]],
        )

    return Operation(name, label, platform, api, raw, check, explain=True)


def list_industry_op(s: Subject) -> Operation:
    return _list_op(
        s,
        "list_industry",
        "List: industry = X, newest first, 50 rows",
        "industry",
        INDUSTRIES,
        "-created_at",
        "created_at DESC, id DESC",
    )


def list_province_op(s: Subject) -> Operation:
    # Text sorts by pinyin where the database has the collation (keyi.platform.collation):
    # the raw statement sorts the same way, or the two would disagree on the page.
    with s.raw() as conn:
        collation = sort_collation(conn)
    name = f'name COLLATE "{collation}"' if collation else "name"
    return _list_op(
        s,
        "list_province",
        "List: province = X, by name, 50 rows",
        "province",
        PROVINCE_NAMES,
        "name",
        f"{name} ASC, id ASC",
    )


def _aggregate_op(
    s: Subject,
    name: str,
    label: str,
    object_name: str,
    body: dict[str, Any],
    sql: str,
    key: str,
    value: str,
) -> Operation:
    def platform(i: int) -> Any:
        with s.context() as ctx:
            return run_aggregate(ctx, object_name, AggregateSpec(**body))

    def api(i: int) -> Any:
        return s.http("POST", f"/api/v1/records/{object_name}/aggregate", json=body)

    def raw(i: int) -> Any:
        with s.raw() as conn:
            return rows_of(conn.execute(sa.text(sql)))

    return Operation(
        name, label, platform, api, raw, aggregate_check(name, key, value), explain=True
    )


def aggregate_check(name: str, key: str, value: str) -> Callable[[Any, Any], None]:
    """Groups of run_aggregate against raw rows (k, n, total): same keys, counts and sums."""

    def check(platform_result: Any, raw_result: Any) -> None:
        mine = {
            str(g["key"][key]): (g["values"]["count"], _num(g["values"][value]))
            for g in platform_result["groups"]
        }
        theirs = {str(r["k"]): (int(r["n"]), _num(r["total"])) for r in raw_result}
        same(name, mine, theirs)

    return check


def aggregate_ops(s: Subject) -> list[Operation]:
    month = (
        "to_char(date_trunc('month', close_date), 'YYYY-MM-DD')"
        if s.postgres
        else "strftime('%Y-%m-01', close_date)"
    )
    return [
        _aggregate_op(
            s,
            "aggregate_accounts_by_industry",
            "Accounts: count + sum(annual_revenue) by industry",
            "account",
            {
                "group_by": [{"field": "industry"}],
                "aggregates": [{"op": "count"}, {"op": "sum", "field": "annual_revenue"}],
            },
            "SELECT industry AS k, count(*) AS n, sum(annual_revenue) AS total FROM account "
            "WHERE deleted_at IS NULL GROUP BY industry ORDER BY industry",
            "industry",
            "sum_annual_revenue",
        ),
        _aggregate_op(
            s,
            "aggregate_opportunities_by_stage",
            "Opportunities: count + sum(amount) by stage",
            "opportunity",
            {
                "group_by": [{"field": "stage"}],
                "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
            },
            "SELECT stage AS k, count(*) AS n, sum(amount) AS total FROM opportunity "
            "WHERE deleted_at IS NULL GROUP BY stage ORDER BY stage",
            "stage",
            "sum_amount",
        ),
        _aggregate_op(
            s,
            "aggregate_opportunities_by_month",
            "Opportunities: count + sum(amount) by close month",
            "opportunity",
            {
                "group_by": [{"field": "close_date", "bucket": "month"}],
                "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
            },
            f"SELECT {month} AS k, count(*) AS n, sum(amount) AS total FROM opportunity "
            "WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1",
            "close_date",
            "sum_amount",
        ),
    ]


# ---------------------------------------------------------------- search
def _search_op(s: Subject, name: str, label: str, queries: list[str]) -> Operation:
    objects = ", ".join(f"'{o}'" for o in s.searchable)

    def raw_sql(query: str) -> tuple[str, dict[str, Any]]:
        terms = tokenize_query(query)
        if len(terms.exact) + len(terms.prefixes) != 1:
            raise ValueError(f"raw search SQL is written for one-term queries, not {query!r}")
        if terms.exact:
            token = next(iter(terms.exact))
            return (
                "SELECT object, record_id, weight AS score FROM keyi_search_token "
                f"WHERE token = :token AND object IN ({objects}) "
                "ORDER BY score DESC, record_id, object LIMIT :limit",
                {"token": token, "limit": SEARCH_LIMIT},
            )
        prefix = next(iter(terms.prefixes))
        return (
            "SELECT object, record_id, max(weight) AS score FROM keyi_search_token "
            f"WHERE token >= :low AND token < :high AND object IN ({objects}) "
            "GROUP BY object, record_id ORDER BY score DESC, record_id, object LIMIT :limit",
            {"low": prefix, "high": prefix_upper_bound(prefix), "limit": SEARCH_LIMIT},
        )

    def raw_document_sql(query: str) -> tuple[str, dict[str, Any]]:
        """PostgreSQL keeps one tsvector per record: match, score from the weight classes."""
        terms = tokenize_query(query)
        if len(terms.exact) + len(terms.prefixes) != 1:
            raise ValueError(f"raw search SQL is written for one-term queries, not {query!r}")
        term = [(t, False) for t in terms.exact] + [(t, True) for t in terms.prefixes]
        return (
            "SELECT object, record_id, CASE WHEN document @@ CAST(:a AS tsquery) THEN 3 "
            "WHEN document @@ CAST(:b AS tsquery) THEN 2 ELSE 1 END AS score "
            "FROM keyi_search_document WHERE document @@ CAST(:q AS tsquery) "
            f"AND object IN ({objects}) ORDER BY score DESC, record_id, object LIMIT :limit",
            {
                "q": tsquery_text(term),
                "a": tsquery_text(term, "A"),
                "b": tsquery_text(term, "B"),
                "limit": SEARCH_LIMIT,
            },
        )

    def query(i: int) -> str:
        return queries[i % len(queries)]

    def platform(i: int) -> Any:
        with s.context() as ctx:
            return search(
                ctx.conn, search_table, query(i), objects=s.searchable, limit=SEARCH_LIMIT
            )

    def api(i: int) -> Any:
        return s.http("GET", "/api/v1/search", params={"q": query(i), "limit": 20})

    def raw(i: int) -> Any:
        with s.raw() as conn:
            if conn.dialect.name == "postgresql":
                sql, params = raw_document_sql(query(i))
            else:
                sql, params = raw_sql(query(i))
            return rows_of(conn.execute(sa.text(sql), params))

    def check(platform_result: Any, raw_result: Any) -> None:
        same(
            name,
            [h.record_id for h in platform_result],
            [canonical(r["record_id"]) for r in raw_result],
        )

    return Operation(
        name,
        label,
        platform,
        api,
        raw,
        check,
        explain=True,
        notes="platform = keyi.platform.search.search (ranked ids); "
        "the API adds permission-checked titles",
    )


def search_ops(s: Subject) -> list[Operation]:
    return [
        _search_op(
            s, "search_cjk_brand", "Search: 2-char CJK trade name (华信, 纷享…)", CJK_BRANDS
        ),
        _search_op(
            s, "search_cjk_common", "Search: common 2-char CJK word (科技, 上海…)", CJK_COMMON
        ),
        _search_op(s, "search_latin_prefix", "Search: Latin prefix (acm, north…)", LATIN_PREFIXES),
    ]


def all_operations(s: Subject) -> list[Operation]:
    return [
        create_op(s),
        update_op(s),
        get_op(s),
        list_industry_op(s),
        list_province_op(s),
        *aggregate_ops(s),
        *search_ops(s),
    ]
