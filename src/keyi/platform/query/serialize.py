"""Rows to API records: typed JSON values plus `_display` titles of referenced records.

Titles are fetched in one extra query per referenced object for the whole page, rather than
joined into the main SELECT, so the list query keeps the plan of its raw-SQL equivalent. A single
record (``inline_titles``) gets them as correlated subqueries of its own SELECT instead: one
round trip for a record page rather than one per referenced object.

A title is the referenced record's name field, so it is shown only when the reader could read
that value through the target object itself: the object is readable (object permission), the
name field is not hidden from the reader (field permission) and the record is within the
reader's record access (the row filter). Any one missing and the title is left out; the
reference (an id, the reader's own record's data) stays.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from keyi.platform.access.model import Operation
from keyi.platform.fieldtypes import (
    DateTimeType,
    FieldTypeImpl,
    currency_column,
    datetime_json,
    impl_for,
)
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldDef, FieldType
from keyi.platform.query.paths import PathResolver
from keyi.platform.schema import CompiledObject

if TYPE_CHECKING:
    from keyi.platform.context import Context

_TITLE = "_title__"
_LABELS = "stored_labels"


@functools.lru_cache(maxsize=4096)
def _alias(table: sa.Table, name: str) -> sa.FromClause:
    """One alias per table version and name, reused by every request: building an alias's
    column collection cost ~0.7 ms, five times per record page."""
    return table.alias(name)


def readable_name_column(ctx: Context, target: CompiledObject) -> str | None:
    """The column naming ``target``'s records, or None when the reader may not see names of
    that object at all (no read permission on it, or its name field hidden from the reader).

    Record access is the caller's to add: it is a predicate on the table or alias it selects
    from (``ctx.policy.row_filter``).
    """
    name = target.definition.name_field
    f = target.fields.get(name)
    if f is None or name not in target.table.c:
        return None
    if not ctx.policy.can(target, Operation.READ) or not ctx.policy.can_read_field(target, f):
        return None
    return name


def _stored_labels(ctx: Context, obj: CompiledObject) -> Mapping[str, Any]:
    """``column AS name`` for every stored column of the object, made once per metadata
    revision: a list page selects some thirty and labelling them cost more than fetching them.
    (A formula is compiled per request: it depends on the reader and on today.)"""
    memo: dict[str, Mapping[str, Any]] = ctx.schema.memo.setdefault(_LABELS, {})
    found = memo.get(obj.name)
    if found is None:
        found = {column.name: column.label(column.name) for column in obj.table.c}
        memo[obj.name] = found
    return found


class RecordSerializer:
    def __init__(
        self,
        ctx: Context,
        obj: CompiledObject,
        names: list[str],
        resolver: PathResolver,
        *,
        inline_titles: bool = False,
    ) -> None:
        self.ctx = ctx
        self.obj = obj
        self.fields: list[FieldDef] = [obj.fields[name] for name in names]
        self.resolver = resolver
        self.inline_titles = inline_titles
        self._positions: dict[str, int] = {}  # set by columns()

    def columns(self) -> list[Any]:
        """The columns to select, in the order :meth:`serialize_rows` reads rows by position
        (rows as tuples: a mapping per row cost more than the values it held)."""
        cols: list[Any] = []
        positions: dict[str, int] = {}
        labels = _stored_labels(self.ctx, self.obj)

        def add(name: str, column: Any) -> None:
            positions[name] = len(cols)
            cols.append(column)

        for f in self.fields:
            stored = labels.get(f.name)
            if stored is None or f.type == FieldType.FORMULA:
                add(f.name, self.resolver.column(f.name).label(f.name))
            else:
                add(f.name, stored)
            if f.type == FieldType.CURRENCY:
                name = currency_column(f.name)
                add(name, labels[name])
        if self.inline_titles:
            for f in self._reference_fields():
                title = self._title_subquery(f)
                if title is not None:
                    add(_TITLE + f.name, title.label(_TITLE + f.name))
        self._positions = positions
        return cols

    def _reference_fields(self) -> list[FieldDef]:
        return [f for f in self.fields if f.type in REFERENCE_TYPES and f.target]

    def _title_subquery(self, f: FieldDef) -> Any:
        """The referenced record's name if the reader may see it, as a correlated subquery."""
        target = self.ctx.schema.get(f.target or "")
        name = readable_name_column(self.ctx, target) if target is not None else None
        if target is None or name is None:
            return None
        alias = _alias(target.table, f"t_{f.name}")
        stmt = sa.select(alias.c[name]).where(
            alias.c.id == self.resolver.column(f.name), alias.c.deleted_at.is_(None)
        )
        access = self.ctx.policy.row_filter(target, alias, Operation.READ)
        if access is not None:
            stmt = stmt.where(access)
        return stmt.scalar_subquery()

    def _converters(
        self,
    ) -> list[tuple[str, int, Callable[[Any], Any] | None, tuple[str, int] | None]]:
        """Per field: its name, its position in a row, how its stored value becomes JSON (None:
        as it is) and, for money, the name and position of its currency. Resolved once per page
        rather than per value: a 50-row page has some 1,500 values."""
        positions = self._positions
        converters: list[tuple[str, int, Callable[[Any], Any] | None, tuple[str, int] | None]] = []
        for f in self.fields:
            impl = impl_for(f)
            convert: Callable[[Any], Any] | None
            if type(impl).to_json is FieldTypeImpl.to_json:
                convert = None
            elif type(impl).to_json is DateTimeType.to_json:
                convert = datetime_json
            else:
                convert = functools.partial(impl.to_json, f)
            currency = None
            if f.type == FieldType.CURRENCY:
                name = currency_column(f.name)
                currency = (name, positions[name])
            converters.append((f.name, positions[f.name], convert, currency))
        return converters

    def serialize_rows(self, rows: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows selected with :meth:`columns` (tuples, read by position) as API records."""
        records: list[dict[str, Any]] = []
        references: dict[str, set[str]] = defaultdict(set)
        reference_fields = self._reference_fields()
        inline: dict[tuple[str | None, str], str] = {}
        converters = self._converters()
        default_currency = self.ctx.settings.get("currency")
        for row in rows:
            record: dict[str, Any] = {}
            for name, position, convert, currency in converters:
                value = row[position]
                record[name] = value if convert is None else convert(value)
                if currency is not None:
                    record[currency[0]] = row[currency[1]] or (
                        default_currency if value is not None else None
                    )
            for f in reference_fields:
                value = record.get(f.name)
                if not value:
                    continue
                if self.inline_titles:
                    at = self._positions.get(_TITLE + f.name)
                    title = row[at] if at is not None else None
                    if title is not None:
                        inline[(f.target, value)] = title
                else:
                    references[f.target or ""].add(value)
            records.append(record)
        titles = inline if self.inline_titles else self._titles(references)
        for record in records:
            display = {}
            for f in reference_fields:
                value = record.get(f.name)
                if value and (f.target, value) in titles:
                    display[f.name] = titles[(f.target, value)]
            record["_display"] = display
        return records

    def _titles(self, references: dict[str, set[str]]) -> dict[tuple[str | None, str], str]:
        return reference_titles(self.ctx, references)


def reference_titles(
    ctx: Context, references: Mapping[str, Iterable[str]]
) -> dict[tuple[str | None, str], str]:
    """Titles of referenced records by (object, id), as far as the reader may see them (the rule
    in this module's docstring); one statement for all referenced objects (a ``UNION ALL`` of
    one ``SELECT`` each: a list page referencing owners, pools and parents paid a round trip per
    object). Shared by record pages, lists, history and the audit log, so every screen shows the
    same names to the same reader."""
    targets: list[tuple[CompiledObject, str]] = []
    params: dict[str, Any] = {}
    for target_name, ids in sorted(references.items()):
        target = ctx.schema.get(target_name)
        name_field = readable_name_column(ctx, target) if target is not None else None
        wanted = sorted(set(ids))
        if target is None or name_field is None or not wanted:
            continue
        params[f"ids_{len(targets)}"] = wanted
        targets.append((target, name_field))
    if not targets:
        return {}
    stmt = _titles_statement(ctx, targets)
    return {(str(obj), str(rid)): title for obj, rid, title in ctx.conn.execute(stmt, params)}


_TITLE_STATEMENTS = "title_statements"
_MAX_TITLE_STATEMENTS = 2048


def _titles_statement(ctx: Context, targets: list[tuple[CompiledObject, str]]) -> Any:
    """The ``UNION ALL`` of :func:`reference_titles` with the ids as parameters ``ids_<n>``,
    built once per (reader's access to each target, name field) and metadata revision.

    Reused rather than rebuilt: assembling it (a select and a row filter per object) and
    SQLAlchemy's cache key for it cost more CPU than the query itself. On PostgreSQL the ids
    are one array parameter per object (``id = ANY(:ids)``), so the SQL text is the same for
    every page and the server can keep it prepared; SQLite expands them into ``IN (...)``.
    """
    postgres = ctx.conn.dialect.name == "postgresql"
    key = (
        postgres,
        tuple(
            (target.name, name_field, ctx.policy.access_key(target, Operation.READ))
            for target, name_field in targets
        ),
    )
    memo: dict[Any, Any] = ctx.schema.memo.setdefault(_TITLE_STATEMENTS, {})
    found = memo.get(key)
    if found is not None:
        return found
    selects: list[sa.Select[Any]] = []
    for n, (target, name_field) in enumerate(targets):
        table = target.table
        ids: Any
        if postgres:
            ids = table.c.id == sa.any_(
                sa.bindparam(f"ids_{n}", type_=postgresql.ARRAY(table.c.id.type))
            )
        else:
            ids = table.c.id.in_(sa.bindparam(f"ids_{n}", expanding=True))
        stmt = sa.select(
            sa.literal(target.name, sa.Text).label("object"),
            table.c.id.label("id"),
            sa.cast(table.c[name_field], sa.Text).label("title"),
        ).where(ids, table.c.deleted_at.is_(None))
        access = ctx.policy.row_filter(target, table, Operation.READ)
        if access is not None:
            stmt = stmt.where(access)
        selects.append(stmt)
    statement = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    if len(memo) >= _MAX_TITLE_STATEMENTS:
        memo.clear()
    memo[key] = statement
    return statement
