"""Global search as a user: the best hits among the records the caller may read.

Record access is applied *inside* the ranking statement, not afterwards: ranking the top
candidates over all records and then dropping the invisible ones would give a user who sees few
records fewer hits than exist (or none, when many records they cannot see score higher).

One statement, a ``UNION ALL`` with one branch per searchable object the caller may read:

* **restricted** branch (a row predicate applies, or a searchable field is hidden): the object's
  candidates (:func:`~keyi.platform.search.search_candidates_by_object`) joined with its table,
  filtered by the same predicates a list view carries (:func:`visible_rows`: not deleted, record
  access; plus :func:`masked_text_predicate`), then ranked and cut to ``limit``. The planner
  decides whether to drive from the candidates (rare term) or from the visible rows (a user
  who sees little: the access predicate's ``= ANY(ARRAY(...))`` grants become a bitmap scan).
* **unrestricted** branch (administrators, scope *all* with every searchable field readable):
  candidates are ranked and cut to ``limit`` first and only those few rows are joined for their
  titles. Deleted records have no tokens (the records service removes them), so joining after
  the cut loses nothing, and a common term does not cost a table lookup per candidate.

The union is ranked again (score, then record id, then object) and cut to ``limit``; each branch
holds its own best ``limit``, so the global best ``limit`` are among them.

On PostgreSQL each branch first takes the object's **top tier** (every term at the highest
weight, :func:`~keyi.platform.search.top_tier_by_object`) visible to the caller, in record-id
order, cut to ``limit``. When it is full, no other record can rank above it and the branch is
that tier: a common word then costs ``limit`` matches found by walking the primary key instead
of scoring every record that holds it. Otherwise the full ranking runs; both are one statement,
the choice a one-time filter on the tier's count.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.access.model import Operation
from keyi.platform.query.filters import compile_filter
from keyi.platform.query.paths import PathResolver
from keyi.platform.query.plan import masked_text_predicate, visible_rows
from keyi.platform.schema import CompiledObject, search_table
from keyi.platform.search import SearchTerms, candidates, search_terms, top_tier
from keyi.platform.search.planning import plan_with_values

if TYPE_CHECKING:
    from keyi.platform.context import Context

__all__ = ["search_records", "searchable_objects"]


def searchable_objects(ctx: Context, wanted: Collection[str] | None = None) -> list[CompiledObject]:
    """Objects with search enabled that the caller may read (restricted to ``wanted`` if given)."""
    return [
        obj
        for obj in ctx.schema.objects.values()
        if obj.definition.features.search
        and ctx.policy.can(obj, Operation.READ)
        and (wanted is None or obj.name in wanted)
    ]


def search_records(
    ctx: Context,
    text: str,
    *,
    limit: int = 20,
    objects: Collection[str] | None = None,
    where: Mapping[str, Any] | None = None,
    any_term: bool = False,
) -> list[dict[str, Any]]:
    """Hits ``{"object", "id", "title", "score"}``, best first, only records the caller may read.

    ``title`` is the record's name, or ``None`` when the caller may not read the name field.
    A search for a value held only in fields hidden from the caller finds nothing (see
    :func:`masked_text_predicate`). Only records meeting their object's ``search_criteria``
    are found. ``where`` narrows an object's hits by a filter tree (object name → filter,
    compiled with the caller's field permissions, like a list view's filter); ``any_term``
    finds records holding any of the words, ranked by how many (suggestions from a sentence).
    """
    if limit <= 0:
        return []
    readable = searchable_objects(ctx, objects)
    terms = search_terms(
        search_table, text, [o.name for o in readable], conn=ctx.conn, any_term=any_term
    )
    if terms is None:
        return []
    if where:
        # A caller's filter is its own shape: built every time, never kept.
        masked = [masked_text_predicate(ctx, obj, obj.table, text) for obj in readable]
        extra = [_where(ctx, obj, where.get(obj.name)) for obj in readable]
        stmt = _build(ctx, readable, terms, masked, limit, extra)
    else:
        stmt = _statement(ctx, readable, terms, text, limit)
    # One text for every word and reader: once prepared, a generic plan would ignore both (a
    # prepared generic plan took 100-500 ms for common words at 1M, even for an administrator).
    plan_with_values(ctx.conn)
    return [
        {"object": str(o), "id": str(r), "title": t, "score": int(s)}
        for o, r, t, s in ctx.conn.execute(stmt, terms.parameters())
    ]


def _statement(
    ctx: Context, readable: list[CompiledObject], terms: SearchTerms, text: str, limit: int
) -> sa.Select[Any]:
    """The search statement, kept per metadata revision.

    The words are parameters (:meth:`SearchTerms.parameters`), so the statement depends only on
    the terms' shape, the limit, and per object on the reader's row access and whether the name
    is readable: one statement serves every search of that shape by readers with the same
    access. Building it (a branch of several subqueries per object) cost ~20 ms of CPU per
    request, more than PostgreSQL took to run it. A reader with hidden searchable fields gets a
    statement of their own words (:func:`masked_text_predicate`), built every time.
    """
    masked = [masked_text_predicate(ctx, obj, obj.table, text) for obj in readable]
    if any(m is not None for m in masked):
        return _build(ctx, readable, terms, masked, limit)
    key = (
        _SEARCH_STATEMENTS,
        ctx.conn.dialect.name,
        terms.key,
        limit,
        tuple(
            (
                obj.name,
                ctx.policy.access_key(obj, Operation.READ),
                _title_readable(ctx, obj),
            )
            for obj in readable
        ),
    )
    memo: dict[Hashable, Any] = ctx.schema.memo.setdefault(_SEARCH_STATEMENTS, {})
    found = memo.get(key)
    if found is None:
        found = _build(ctx, readable, terms, masked, limit)
        if len(memo) >= _MAX_STATEMENTS:
            memo.clear()
        memo[key] = found
    return found


def _where(ctx: Context, obj: CompiledObject, tree: Any) -> Any:
    if tree is None:
        return None
    return compile_filter(PathResolver(ctx, obj, obj.table), tree)


def _criteria(ctx: Context, obj: CompiledObject) -> Any:
    """The object's own rule of what search finds, compiled as the system (it is the object's
    rule, not the reader's: a reader who may not read the field still has drafts hidden)."""
    tree = obj.definition.search_criteria
    if tree is None:
        return None
    return compile_filter(PathResolver(ctx.as_system(), obj, obj.table), tree)


_SEARCH_STATEMENTS = "search.statements"
_MAX_STATEMENTS = 512


def _title_readable(ctx: Context, obj: CompiledObject) -> bool:
    name_field = obj.fields.get(obj.definition.name_field)
    return name_field is not None and ctx.policy.can_read_field(obj, name_field)


def _build(
    ctx: Context,
    readable: list[CompiledObject],
    terms: SearchTerms,
    masked: list[Any],
    limit: int,
    extra: list[Any] | None = None,
) -> sa.Select[Any]:
    narrowed = extra if extra is not None else [None] * len(readable)
    branches = [
        _branch(
            ctx,
            obj,
            terms,
            [m for m in (mask, _criteria(ctx, obj), more) if m is not None],
            limit,
            i,
        )
        for i, (obj, mask, more) in enumerate(zip(readable, masked, narrowed, strict=True))
    ]
    union = branches[0] if len(branches) == 1 else sa.union_all(*branches)
    hits = union.subquery("hits")
    stmt = (
        sa.select(hits.c.object_name, hits.c.record_id, hits.c.title, hits.c.score)
        .order_by(hits.c.score.desc(), hits.c.record_id, hits.c.object_name)
        .limit(limit)
    )
    return stmt


def _branch(
    ctx: Context,
    obj: CompiledObject,
    terms: SearchTerms,
    narrowing: list[Any],
    limit: int,
    index: int,
) -> sa.Select[Any]:
    """One object's best ``limit`` visible hits: object_name, record_id, title, score.
    ``narrowing``: further conditions on the rows (hidden fields, search criteria, filters)."""
    table = obj.table
    conditions = visible_rows(ctx, obj, table)
    conditions.extend(narrowing)
    restricted = len(conditions) > 1  # more than "not deleted"
    title: Any = (
        sa.cast(table.c[obj.definition.name_field], sa.Text)
        if _title_readable(ctx, obj)
        else sa.null()
    )
    object_name = sa.literal(obj.name, sa.Text).label("object_name")
    c = candidates(search_table, terms, [obj.name]).subquery(f"c{index}")
    if restricted:
        ranked = (
            sa.select(
                object_name,
                c.c.record_id,
                title.label("title"),
                c.c.score,
            )
            .select_from(c.join(table, table.c.id == c.c.record_id))
            .where(*conditions)
            .order_by(c.c.score.desc(), c.c.record_id)
            .limit(limit)
        )
    else:
        top = (
            sa.select(c.c.record_id, c.c.score)
            .order_by(c.c.score.desc(), c.c.record_id)
            .limit(limit)
            .subquery(f"top{index}")
        )
        ranked = (
            sa.select(
                object_name,
                top.c.record_id,
                title.label("title"),
                top.c.score,
            )
            .select_from(top.join(table, table.c.id == top.c.record_id))
            .where(*conditions)
        )
    # A compound SELECT cannot hold a branch's own ORDER BY/LIMIT on SQLite: wrap it.
    wrapped = ranked.subquery(f"b{index}")
    full = sa.select(wrapped.c.object_name, wrapped.c.record_id, wrapped.c.title, wrapped.c.score)
    best = top_tier(search_table, terms, obj.name)
    if best is None:
        return full
    t = best.subquery(f"t{index}")
    tier = (
        sa.select(
            object_name,
            t.c.record_id,
            title.label("title"),
            t.c.score,
        )
        .select_from(t.join(table, table.c.id == t.c.record_id))
        .where(*conditions)
        .order_by(t.c.record_id)
        .limit(limit)
        .cte(f"tier{index}")
    )
    # Uncorrelated, so PostgreSQL evaluates it once and runs only the side it lets through.
    filled = sa.select(sa.func.count()).select_from(tier).scalar_subquery()
    either = sa.union_all(
        sa.select(tier.c.object_name, tier.c.record_id, tier.c.title, tier.c.score).where(
            filled >= limit
        ),
        full.where(filled < limit),
    ).subquery(f"e{index}")
    return sa.select(either.c.object_name, either.c.record_id, either.c.title, either.c.score)
