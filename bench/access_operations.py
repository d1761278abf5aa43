"""Reads filtered by record access, as the two people of bench.access, each beside SQL that
expresses the same visibility by hand.

The platform compiles the caller's row predicate (keyi.platform.access.policy) into every read;
the raw SQL here writes that rule out the way someone who knows the organisation would:

* **subordinates** (the manager): owned by the manager or by anyone whose department path lies
  under the subtree the manager heads, or shared with the manager, with one of those people,
  with the manager's departments or role;
* **own_scope** (the representative): owned by them, shared with them, their departments or
  role, or (accounts) meeting the sharing rule's criteria.

What the person is (their id, role, departments, managed path) is known up front on both sides:
the platform loads it once per request too. Checks compare the platform's and the raw ids.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from bench.access import ACCESS_OBJECTS, RULE_GRADE, RULE_PROVINCE, AccessFixture, Persona
from bench.operations import (
    CJK_COMMON,
    INDUSTRIES,
    Operation,
    Subject,
    aggregate_check,
    attach_names,
    canonical,
    rows_of,
    same,
)
from keyi.platform.auth import AuthService
from keyi.platform.errors import NotFound
from keyi.platform.permissions import Actor
from keyi.platform.permissions import Operation as Access
from keyi.platform.query import AggregateSpec, QuerySpec, run_aggregate, run_query
from keyi.platform.query.search import search_records
from keyi.platform.records import RecordsService
from keyi.platform.search import prefix_upper_bound, tokenize_query
from keyi.platform.search.documents import tsquery_text

API_SEARCH_LIMIT = 20  # GET /api/v1/search?limit=20
SAMPLE = 200  # visible and invisible ids to rotate through
# A range, not LIKE 'path%': LIKE cannot use the path index under C.UTF-8 (see
# keyi.platform.access.subtree).
SUBTREE_USERS = (
    'SELECT id FROM "user" WHERE department_path >= :subtree AND department_path < :subtree_end'
)
NAME_FIELDS = {"account": "name", "opportunity": "name", "user": "name", "department": "name"}


def visible(persona: Persona, object_name: str, t: str) -> str:
    """The persona's read visibility on `object_name` (aliased `t`), as one SQL condition.

    Only the grants this persona can have are written: shares to their teams and the unowned
    records of their pools (公海) only when they belong to any (a tenant seeded with the demo's
    access model puts the representatives in its pool), the sharing rule only for the
    representative's accounts.
    """
    teams = " OR (principal_type = 'team' AND principal_id IN :teams)" if persona.team_ids else ""
    shares = (
        f"{t}.id IN (SELECT record_id FROM keyi_share WHERE object = '{object_name}' AND ("
        "(principal_type = 'user' AND (principal_id = :me{subordinate_shares}))"
        " OR (principal_type = 'department' AND principal_id IN :departments)"
        f" OR (principal_type = 'role' AND principal_id = :role){teams}))"
    )
    pool = (
        f" OR ({t}.owner_id IS NULL AND {t}.pool_id IN :pools)"
        if persona.pool_ids and object_name in persona.pooled_objects
        else ""
    )
    if persona.managed_path:
        return (
            f"({t}.owner_id = :me OR {t}.owner_id IN ({SUBTREE_USERS}) OR "
            + shares.format(subordinate_shares=f" OR principal_id IN ({SUBTREE_USERS})")
            + pool
            + ")"
        )
    rule = (
        f" OR ({t}.grade = :rule_grade AND {t}.province = :rule_province)"
        if object_name == "account"
        else ""
    )
    return f"({t}.owner_id = :me OR " + shares.format(subordinate_shares="") + pool + rule + ")"


def statement(sql: str) -> sa.TextClause:
    return sa.text(sql).bindparams(
        *(
            sa.bindparam(name, expanding=True)
            for name in ("departments", "pools", "teams")
            if f":{name}" in sql
        )
    )


@dataclasses.dataclass
class Reader:
    """One persona as a benchmark subject: their context, API key and SQL parameters."""

    subject: Subject
    persona: Persona

    @classmethod
    def of(cls, s: Subject, persona: Persona) -> Reader:
        key = AuthService(s.platform).create_api_key(s.tenant.id, persona.user_id, "bench")
        subject = dataclasses.replace(
            s,
            actor=Actor(id=persona.user_id, name=persona.name, is_admin=False),
            headers={"Authorization": f"Bearer {key}"},
        )
        return cls(subject, persona)

    def params(self, **extra: Any) -> dict[str, Any]:
        s, p = self.subject, self.persona
        values: dict[str, Any] = {
            "me": s.db_id(p.user_id),
            "role": s.db_id(p.role_id),
            "departments": [s.db_id(d) for d in p.department_ids],
            "pools": [s.db_id(d) for d in p.pool_ids],
            "teams": [s.db_id(d) for d in p.team_ids],
            **extra,
        }
        if p.managed_path:
            values["subtree"] = p.managed_path
            values["subtree_end"] = prefix_upper_bound(p.managed_path)
        else:
            values.update(rule_grade=RULE_GRADE, rule_province=RULE_PROVINCE)
        return values

    def sample(self, *, hidden: bool) -> list[str]:
        condition = visible(self.persona, "account", "a")
        sql = (
            "SELECT a.id FROM account a WHERE a.deleted_at IS NULL AND "
            f"{'NOT ' if hidden else ''}{condition} ORDER BY random() LIMIT {SAMPLE}"
        )
        with self.subject.raw() as conn:
            ids = [canonical(r) for r in conn.execute(statement(sql), self.params()).scalars()]
        if not ids:
            raise LookupError(f"{self.persona.key}: no {'in' if hidden else ''}visible accounts")
        return ids


# ---------------------------------------------------------------- list
def list_op(r: Reader) -> Operation:
    s, key = r.subject, r.persona.key
    sql = (
        "SELECT * FROM account a WHERE a.deleted_at IS NULL AND a.industry = :value AND "
        f"{visible(r.persona, 'account', 'a')} "
        "ORDER BY a.created_at DESC, a.id DESC LIMIT :limit"
    )

    def value(i: int) -> str:
        return INDUSTRIES[i % len(INDUSTRIES)]

    def platform(i: int) -> Any:
        spec = QuerySpec(
            filter={"field": "industry", "op": "eq", "value": value(i)},
            sort=[{"field": "created_at", "direction": "desc"}],
            limit=50,
        )
        with s.context() as ctx:
            return run_query(ctx, "account", spec)

    def api(i: int) -> Any:
        return s.http(
            "GET",
            "/api/v1/records/account",
            params={"f": f"industry:eq:{value(i)}", "sort": "-created_at", "limit": 50},
        )

    def raw(i: int) -> Any:
        with s.raw() as conn:
            page = conn.execute(statement(sql), r.params(value=value(i), limit=51))
            parents = visible(r.persona, "account", "a")
            return attach_names(conn, rows_of(page), parents, r.params())

    def check(platform_result: Any, raw_result: Any) -> None:
        same(
            f"list_{key}",
            [row["id"] for row in platform_result["records"]],
            [canonical(row["id"]) for row in raw_result[:50]],
        )

    return Operation(
        f"list_{key}",
        f"List as {key}: industry = X, newest first, 50 rows",
        platform,
        api,
        raw,
        check,
        explain=True,
    )


# ---------------------------------------------------------------- get
def get_op(r: Reader, *, hidden: bool) -> Operation:
    s, key = r.subject, r.persona.key
    name = f"get_hidden_{key}" if hidden else f"get_{key}"
    ids = r.sample(hidden=hidden)
    sql = (
        "SELECT a.*, o.name AS owner_name, p.name AS parent_name FROM account a "
        'LEFT JOIN "user" o ON o.id = a.owner_id LEFT JOIN account p ON p.id = a.parent_account '
        f"AND p.deleted_at IS NULL AND {visible(r.persona, 'account', 'p')} "
        f"WHERE a.id = :id AND a.deleted_at IS NULL AND {visible(r.persona, 'account', 'a')}"
    )

    def record_id(i: int) -> str:
        return ids[i % len(ids)]

    def platform(i: int) -> Any:
        with s.context() as ctx:
            try:
                return RecordsService(ctx).get("account", record_id(i))
            except NotFound:
                return None

    def api(i: int) -> Any:
        return s.http(
            "GET", f"/api/v1/records/account/{record_id(i)}", expect=404 if hidden else 200
        )

    def raw(i: int) -> Any:
        with s.raw() as conn:
            return rows_of(conn.execute(statement(sql), r.params(id=s.db_id(record_id(i)))))

    def check(platform_result: Any, raw_result: Any) -> None:
        mine = (
            None
            if platform_result is None
            else (
                platform_result["id"],
                platform_result["name"],
                platform_result.get("_display", {}).get("parent_account"),
            )
        )
        theirs = (
            (canonical(raw_result[0]["id"]), raw_result[0]["name"], raw_result[0]["parent_name"])
            if raw_result
            else None
        )
        same(name, mine, theirs)
        if (mine is None) != hidden:
            raise AssertionError(f"{name}: expected {'no ' if hidden else ''}record, got {mine}")

    return Operation(
        name,
        f"Get an {'invisible' if hidden else 'visible'} account as {key}"
        + (" (404)" if hidden else ""),
        platform,
        api,
        raw,
        check,
        explain=True,
    )


# ---------------------------------------------------------------- aggregate
def aggregate_op(r: Reader) -> Operation:
    s, key = r.subject, r.persona.key
    if r.persona.managed_path:  # a manager's pipeline
        object_name, group, total, label = "opportunity", "stage", "amount", "by stage"
    else:
        object_name, group, total, label = "account", "industry", "annual_revenue", "by industry"
    body: dict[str, Any] = {
        "group_by": [{"field": group}],
        "aggregates": [{"op": "count"}, {"op": "sum", "field": total}],
    }
    sql = (
        f"SELECT t.{group} AS k, count(*) AS n, sum(t.{total}) AS total FROM {object_name} t "
        f"WHERE t.deleted_at IS NULL AND {visible(r.persona, object_name, 't')} "
        f"GROUP BY t.{group} ORDER BY t.{group}"
    )

    def platform(i: int) -> Any:
        with s.context() as ctx:
            return run_aggregate(ctx, object_name, AggregateSpec(**body))

    def api(i: int) -> Any:
        return s.http("POST", f"/api/v1/records/{object_name}/aggregate", json=body)

    def raw(i: int) -> Any:
        with s.raw() as conn:
            return rows_of(conn.execute(statement(sql), r.params()))

    name = f"aggregate_{key}"
    return Operation(
        name,
        f"As {key}: {object_name} count + sum({total}) {label}",
        platform,
        api,
        raw,
        aggregate_check(name, group, f"sum_{total}"),
        explain=True,
    )


# ---------------------------------------------------------------- search
def search_op(r: Reader) -> Operation:
    """What GET /api/v1/search does: the best 20 hits among the records the caller may read,
    over every searchable object they may read (access applies before ranking)."""
    s, key = r.subject, r.persona.key
    with s.context() as ctx:
        objects = sorted(
            o.name
            for o in ctx.schema.objects.values()
            if o.definition.features.search and ctx.policy.can(o, Access.READ)
        )
    unknown = set(objects) - set(NAME_FIELDS)
    if unknown:
        raise LookupError(f"search_{key}: no raw SQL for {sorted(unknown)}")
    branches = [
        f"SELECT * FROM (SELECT h.object, h.record_id, h.weight AS score, "
        f"t.{NAME_FIELDS[o]} AS title FROM keyi_search_token h "
        f"JOIN \"{o}\" t ON t.id = h.record_id WHERE h.token = :token AND h.object = '{o}' "
        "AND t.deleted_at IS NULL"
        + (f" AND {visible(r.persona, o, 't')}" if o in ACCESS_OBJECTS else "")
        + f" ORDER BY score DESC, h.record_id LIMIT :limit) b_{o}"
        for o in objects
    ]
    sql = " UNION ALL ".join(branches) + " ORDER BY score DESC, record_id, object LIMIT :limit"
    # PostgreSQL keeps one tsvector per record (keyi.platform.search.documents).
    document_branches = [
        f"SELECT * FROM (SELECT h.object, h.record_id, CASE WHEN h.document @@ "
        "CAST(:token_a AS tsquery) THEN 3 WHEN h.document @@ CAST(:token_b AS tsquery) THEN 2 "
        f"ELSE 1 END AS score, t.{NAME_FIELDS[o]} AS title FROM keyi_search_document h "
        f'JOIN "{o}" t ON t.id = h.record_id WHERE h.document @@ CAST(:token_q AS tsquery) '
        f"AND h.object = '{o}' AND t.deleted_at IS NULL"
        + (f" AND {visible(r.persona, o, 't')}" if o in ACCESS_OBJECTS else "")
        + f" ORDER BY score DESC, h.record_id LIMIT :limit) b_{o}"
        for o in objects
    ]
    document_sql = (
        " UNION ALL ".join(document_branches)
        + " ORDER BY score DESC, record_id, object LIMIT :limit"
    )

    def query(i: int) -> str:
        return CJK_COMMON[i % len(CJK_COMMON)]

    def platform(i: int) -> Any:
        with s.context() as ctx:
            return [h["id"] for h in search_records(ctx, query(i), limit=API_SEARCH_LIMIT)]

    def api(i: int) -> Any:
        return s.http("GET", "/api/v1/search", params={"q": query(i), "limit": API_SEARCH_LIMIT})

    def raw(i: int) -> Any:
        terms = tokenize_query(query(i))
        if len(terms.exact) != 1 or terms.prefixes:
            raise ValueError(f"raw search SQL is written for one exact term, not {query(i)!r}")
        token = next(iter(terms.exact))
        with s.raw() as conn:
            if conn.dialect.name == "postgresql":
                term = [(token, False)]
                params = r.params(
                    token_q=tsquery_text(term),
                    token_a=tsquery_text(term, "A"),
                    token_b=tsquery_text(term, "B"),
                    limit=API_SEARCH_LIMIT,
                )
                return rows_of(conn.execute(statement(document_sql), params))
            params = r.params(token=token, limit=API_SEARCH_LIMIT)
            return rows_of(conn.execute(statement(sql), params))

    def check(platform_result: Any, raw_result: Any) -> None:
        same(
            f"search_{key}",
            [canonical(h) for h in platform_result],
            [canonical(row["record_id"]) for row in raw_result],
        )

    return Operation(
        f"search_{key}",
        f"Search as {key}: common 2-char CJK word, the best {API_SEARCH_LIMIT} visible hits",
        platform,
        api,
        raw,
        check,
        explain=True,
        notes="as the API: each object's candidates joined with its table under the access "
        "predicate, ranked per object and then together",
    )


def visible_counts(s: Subject, fixture: AccessFixture) -> dict[str, dict[str, int]]:
    """How many accounts and opportunities each persona sees (for the report)."""
    counts: dict[str, dict[str, int]] = {}
    for persona in (fixture.manager, fixture.restricted):
        reader = Reader(s, persona)
        counts[persona.key] = {}
        for object_name in ACCESS_OBJECTS:
            sql = f"SELECT count(*) FROM {object_name} t WHERE t.deleted_at IS NULL AND " + visible(
                persona, object_name, "t"
            )
            with s.raw() as conn:
                counts[persona.key][object_name] = int(
                    conn.execute(statement(sql), reader.params()).scalar_one()
                )
    return counts


def access_operations(s: Subject, fixture: AccessFixture) -> list[Operation]:
    ops = []
    for persona in (fixture.manager, fixture.restricted):
        reader = Reader.of(s, persona)
        ops += [
            list_op(reader),
            get_op(reader, hidden=False),
            get_op(reader, hidden=True),
            aggregate_op(reader),
            search_op(reader),
        ]
    return ops
