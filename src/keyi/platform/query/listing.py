"""List and get: a query plan's rows in sort order, keyset pagination, serialised for the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.collation import sorted_by_collation
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.fieldtypes import impl_for
from keyi.platform.metadata.model import FieldType
from keyi.platform.query import cursor as cursors
from keyi.platform.query.paths import PathError, PathResolver
from keyi.platform.query.plan import QueryPlan, selected_fields, visible_rows
from keyi.platform.query.serialize import RecordSerializer

if TYPE_CHECKING:
    from keyi.platform.context import Context

MAX_LIMIT = 500
DEFAULT_SORT = [("created_at", "desc")]
NON_NULL_COLUMNS = frozenset({"id", "created_at", "updated_at", "version"})


@dataclass
class QuerySpec:
    filter: Any = None
    sort: list[Any] = field(default_factory=list)
    fields: list[str] | None = None
    limit: int = 50
    cursor: str | None = None
    q: str | None = None
    deleted: bool = False


def parse_sort(sort: Any) -> list[tuple[str, str]]:
    if not sort:
        return list(DEFAULT_SORT)
    if not isinstance(sort, list):
        raise ValidationFailed([FieldError("sort", "invalid_request")])
    keys: list[tuple[str, str]] = []
    for i, item in enumerate(sort):
        if isinstance(item, str):
            item = {
                "field": item.lstrip("-"),
                "direction": "desc" if item.startswith("-") else "asc",
            }
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise ValidationFailed([FieldError(f"sort.{i}", "invalid_request")])
        direction = item.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise ValidationFailed([FieldError(f"sort.{i}.direction", "invalid_request")])
        keys.append((item["field"], direction))
    if len(keys) > 5:
        raise ValidationFailed([FieldError("sort", "invalid_request")])
    return keys


def run_query(ctx: Context, object_name: str, spec: QuerySpec) -> dict[str, Any]:
    """A page of the plan's rows, sorted, after ``spec.cursor``, with the next page's cursor."""
    plan = QueryPlan.build(
        ctx, object_name, filter=spec.filter, q=spec.q, fields=spec.fields, deleted=spec.deleted
    )
    limit = spec.limit
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed([FieldError("limit", "invalid_request")])
    resolver = plan.resolver
    serializer = RecordSerializer(ctx, plan.obj, plan.fields, resolver)

    sort_keys = parse_sort(spec.sort)
    if ("id", "asc") not in sort_keys and ("id", "desc") not in sort_keys:
        sort_keys.append(("id", sort_keys[-1][1]))
    sort_columns = []
    signed: list[tuple[str, str]] = []  # what a cursor is tied to: path, direction, collation
    for i, (path, direction) in enumerate(sort_keys):
        try:
            _, f = resolver.field(path)
            column = resolver.column(path)
        except PathError:
            raise ValidationFailed(
                [FieldError(f"sort.{i}.field", "invalid_sort", {"field": path})]
            ) from None
        impl = impl_for(f)
        sortable = impl.sortable if f.type != FieldType.FORMULA else impl.result_impl(f).sortable  # type: ignore[attr-defined]
        if not sortable:
            raise ValidationFailed([FieldError(f"sort.{i}.field", "invalid_sort", {"field": path})])
        nullable = not (path in NON_NULL_COLUMNS or (f.required and "." not in path))
        # Text sorts by pinyin where the database can; the cursor's comparison is made on the
        # same collated expression, so a next page reads on from the same index position.
        collated = sorted_by_collation(ctx.conn, f, column)
        signed.append((path, direction if collated is column else f"{direction}~collated"))
        sort_columns.append((collated, direction, nullable))

    after: list[Any] = []
    signature = cursors.sort_signature(signed)
    if spec.cursor:
        last = cursors.decode(spec.cursor, signature, len(sort_columns))
        cursors.check_types(last, [column for column, _, _ in sort_columns])
        after.append(keyset_after(sort_columns, last))

    key_labels = [column.label(f"_k{i}") for i, (column, _, _) in enumerate(sort_columns)]
    columns = serializer.columns()
    stmt = plan.select(*columns, *key_labels, where=tuple(after))
    order = []
    for column, direction, nullable in sort_columns:
        clause = column.asc() if direction == "asc" else column.desc()
        if nullable:
            clause = clause.nulls_last() if direction == "asc" else clause.nulls_first()
        order.append(clause)
    stmt = stmt.order_by(*order).limit(limit + 1)
    rows = ctx.conn.execute(stmt).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    records = serializer.serialize_rows(rows)
    next_cursor = None
    if has_more and rows:
        last_row = rows[-1]
        keys = len(columns)
        next_cursor = cursors.encode(
            [last_row[keys + i] for i in range(len(sort_columns))], signature
        )
    return {"records": records, "next_cursor": next_cursor}


def keyset_after(sort_columns: list[tuple[Any, str, bool]], last: list[Any]) -> Any:
    """Rows strictly after `last` in the sort order, with NULLS LAST (asc) / FIRST (desc).

    When every key is non-null and all go one direction, a row-value comparison lets
    PostgreSQL and SQLite seek the index directly; otherwise the general OR-expansion is used.
    """
    directions = {direction for _, direction, _ in sort_columns}
    if len(directions) == 1 and not any(nullable for _, _, nullable in sort_columns):
        left = sa.tuple_(*[column for column, _, _ in sort_columns])
        right = sa.tuple_(
            *[
                sa.bindparam(None, v, type_=c.type)
                for (c, _, _), v in zip(sort_columns, last, strict=True)
            ]
        )
        return left > right if directions == {"asc"} else left < right
    alternatives = []
    for i, (column, direction, nullable) in enumerate(sort_columns):
        value = last[i]
        # Typed binds: a bare True/False/None would be taken for a SQL constant.
        equal_prefix = [
            (c.is_(None) if v is None else c == sa.bindparam(None, v, type_=c.type))
            for (c, _, _), v in zip(sort_columns[:i], last[:i], strict=True)
        ]
        bound = None if value is None else sa.bindparam(None, value, type_=column.type)
        after: Any
        if direction == "asc":
            if bound is None:
                after = sa.false()
            else:
                after = sa.or_(column > bound, column.is_(None)) if nullable else column > bound
        else:
            after = column.is_not(None) if bound is None else column < bound
        alternatives.append(sa.and_(*equal_prefix, after))
    return sa.or_(*alternatives)


def fetch_one(
    ctx: Context,
    object_name: str,
    record_id: str,
    *,
    deleted: bool = False,
    fields: list[str] | None = None,
) -> dict[str, Any] | None:
    """One record as the API shows it, or None if missing, deleted or not visible."""
    obj = ctx.object(object_name)
    resolver = PathResolver(ctx, obj)
    serializer = RecordSerializer(
        ctx, obj, selected_fields(ctx, obj, fields), resolver, inline_titles=True
    )
    stmt = sa.select(*serializer.columns()).where(
        obj.table.c.id == record_id, *visible_rows(ctx, obj, obj.table, deleted=deleted)
    )
    stmt = resolver.apply_joins(stmt)
    row = ctx.conn.execute(stmt).first()
    if row is None:
        return None
    return serializer.serialize_rows([row])[0]
