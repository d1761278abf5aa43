"""The query plan: what one read of an object's rows is, built once and shared by every reader.

A list page, a count, a grouped aggregate, a CSV export (pages of the list) and, later, a
report all read "the rows of object O this actor may see, matching filter F and quick search
Q, showing the fields the actor may read". :class:`QueryPlan` is that, compiled once:

* ``visible`` — the row predicates every read carries (recycle-bin state, object permission,
  row access: :func:`visible_rows`);
* ``filter`` — the JSON filter tree compiled on the plan's :class:`PathResolver`;
* ``quick`` — the quick-search clause (:func:`quick_search_predicate`);
* ``resolver`` — field paths to columns; it collects the LEFT JOINs that paths in the filter,
  sort keys, group keys and columns need, applied once by :meth:`QueryPlan.select`;
* ``fields`` — the fields the reader asked for and may read (:func:`selected_fields`).

Readers add only their own part (sort and keyset cursor; group keys and aggregate functions),
so a list's count, a kanban's column totals and an export describe the same records as the
rows shown, and no read can skip the access predicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.access.model import Operation
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.metadata.model import TEXT_LIKE
from keyi.platform.query.filters import compile_filter
from keyi.platform.query.paths import PathResolver
from keyi.platform.schema import CompiledObject, search_table
from keyi.platform.search import search_candidates_query
from keyi.platform.search.planning import plan_with_values

if TYPE_CHECKING:
    from keyi.platform.context import Context

__all__ = [
    "QueryPlan",
    "masked_text_predicate",
    "quick_search_predicate",
    "selected_fields",
    "visible_rows",
]


@dataclass
class QueryPlan:
    """One object's readable rows under a filter and quick search, for one actor."""

    ctx: Context
    obj: CompiledObject
    resolver: PathResolver
    visible: list[Any]
    filter: Any | None
    quick: Any | None
    fields: list[str]

    @classmethod
    def build(
        cls,
        ctx: Context,
        object_name: str,
        *,
        filter: Any = None,
        q: object = None,
        fields: list[str] | None = None,
        deleted: bool = False,
    ) -> QueryPlan:
        """Check the reader may read the object (403 otherwise), then compile its parts.

        Errors name the request's parameter (``fields.x``, ``filter.and.0.field``, ``q``)."""
        obj = ctx.object(object_name)
        if not ctx.policy.can(obj, Operation.READ):
            raise Forbidden()
        names = selected_fields(ctx, obj, fields)
        resolver = PathResolver(ctx, obj)
        return cls(
            ctx=ctx,
            obj=obj,
            resolver=resolver,
            visible=visible_rows(ctx, obj, obj.table, deleted=deleted),
            filter=compile_filter(resolver, filter),
            quick=quick_search_predicate(ctx, obj, obj.table, q),
            fields=names,
        )

    @property
    def table(self) -> Any:
        return self.obj.table

    def where(self) -> list[Any]:
        """Every predicate of the plan: visibility, then filter, then quick search."""
        return [
            *self.visible,
            *(p for p in (self.filter, self.quick) if p is not None),
        ]

    def select(self, *columns: Any, where: tuple[Any, ...] = ()) -> sa.Select[Any]:
        """``SELECT columns FROM <object and its path joins> WHERE <plan> AND where``.

        Call it after every column, sort key and group key has been resolved on
        ``self.resolver``: the joins they need are applied here."""
        stmt = sa.select(*columns).where(*self.where(), *where)
        return self.resolver.apply_joins(stmt)


def visible_rows(
    ctx: Context, obj: CompiledObject, table: Any, *, deleted: bool = False
) -> list[Any]:
    """Predicates every read of an object's rows carries: recycle-bin state, object permission
    and row access.

    A role without read permission on the object sees none of its rows. Lists refuse such a
    reader outright (403); the predicate is what keeps the one-record paths — get, history,
    shares, references checked on write — from answering where the list would not (a role's
    missing object entry has the widest read scope, so the row filter alone would let them in).
    """
    predicates: list[Any] = [
        table.c.deleted_at.is_not(None) if deleted else table.c.deleted_at.is_(None)
    ]
    if not ctx.policy.can(obj, Operation.READ):
        predicates.append(sa.false())
        return predicates
    access = ctx.policy.row_filter(obj, table, Operation.READ)
    if access is not None:
        predicates.append(access)
    return predicates


def masked_text_predicate(ctx: Context, obj: CompiledObject, table: Any, text: str) -> Any:
    """None, or — when some searchable field is hidden from the actor — a condition that the
    query words occur in fields the actor may read.

    The token index does not record which field a token came from; without this a search for a
    hidden value (a credit code, a private phone) would reveal which records hold it.
    """
    searchable = [
        f
        for f in obj.definition.fields
        if f.type in TEXT_LIKE and (f.searchable or f.name == obj.definition.name_field)
    ]
    visible = [f for f in searchable if ctx.policy.can_read_field(obj, f)]
    if len(visible) == len(searchable):
        return None
    words = [w for w in text.split() if w]
    if not visible or not words:
        return sa.false()
    return sa.and_(
        *[sa.or_(*[table.c[f.name].icontains(w, autoescape=True) for f in visible]) for w in words]
    )


def quick_search_predicate(ctx: Context, obj: CompiledObject, table: Any, text: object) -> Any:
    """`q` uses the search index when the object is searchable, else the name field prefix."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValidationFailed([FieldError("q", "invalid_request")])
    text = text.strip()
    if not text:
        return None
    if obj.definition.features.search:
        candidates = search_candidates_query(
            search_table, text, objects=[obj.name], dialect=ctx.conn.dialect.name
        )
        if candidates is None:
            return None
        # The statement carrying this predicate is one text for every word: plan it with them.
        plan_with_values(ctx.conn)
        ids = candidates.with_only_columns(candidates.selected_columns.record_id)
        masked = masked_text_predicate(ctx, obj, table, text)
        return table.c.id.in_(ids) if masked is None else sa.and_(table.c.id.in_(ids), masked)
    name_field = obj.fields.get(obj.definition.name_field)
    if name_field is None:
        return None
    if not ctx.policy.can_read_field(obj, name_field):
        # A prefix search over a hidden name would tell, record by record, how it starts.
        return sa.false()
    return table.c[name_field.name].istartswith(text, autoescape=True)


def selected_fields(ctx: Context, obj: CompiledObject, requested: list[str] | None) -> list[str]:
    """The fields a read returns: those requested (each must be readable), else all readable."""
    readable = ctx.policy.readable_fields(obj)
    if not requested:
        return list(readable)
    unknown = [name for name in requested if name not in readable]
    if unknown:
        raise ValidationFailed(
            [FieldError(f"fields.{name}", "unknown_field", {"field": name}) for name in unknown]
        )
    return list(dict.fromkeys(["id", "version", *requested]))
