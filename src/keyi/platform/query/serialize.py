"""Rows to API records: typed JSON values plus `_display` titles of referenced records.

Titles are fetched in one extra query per referenced object for the whole page, rather than
joined into the main SELECT, so the list query keeps the plan of its raw-SQL equivalent. A single
record (``inline_titles``) gets them as correlated subqueries of its own SELECT instead: one
round trip for a record page rather than one per referenced object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.fieldtypes import currency_column, impl_for
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldDef, FieldType
from keyi.platform.permissions import Operation
from keyi.platform.query.paths import PathResolver
from keyi.platform.schema import CompiledObject

_TITLE = "_title__"


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

    def columns(self) -> list[Any]:
        cols: list[Any] = []
        for f in self.fields:
            cols.append(self.resolver.column(f.name).label(f.name))
            if f.type == FieldType.CURRENCY:
                name = currency_column(f.name)
                cols.append(self.obj.table.c[name].label(name))
        if self.inline_titles:
            for f in self._reference_fields():
                title = self._title_subquery(f)
                if title is not None:
                    cols.append(title.label(_TITLE + f.name))
        return cols

    def _reference_fields(self) -> list[FieldDef]:
        return [f for f in self.fields if f.type in REFERENCE_TYPES and f.target]

    def _title_subquery(self, f: FieldDef) -> Any:
        """The referenced record's name if the reader may see it, as a correlated subquery."""
        target = self.ctx.schema.get(f.target or "")
        if target is None or target.definition.name_field not in target.table.c:
            return None
        alias = target.table.alias(f"t_{f.name}")
        stmt = sa.select(alias.c[target.definition.name_field]).where(
            alias.c.id == self.resolver.column(f.name), alias.c.deleted_at.is_(None)
        )
        access = self.ctx.policy.row_filter(target, alias, Operation.READ)
        if access is not None:
            stmt = stmt.where(access)
        return stmt.scalar_subquery()

    def serialize_rows(self, rows: Sequence[Any]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        references: dict[str, set[str]] = defaultdict(set)
        reference_fields = self._reference_fields()
        inline: dict[tuple[str | None, str], str] = {}
        for row in rows:
            record: dict[str, Any] = {}
            for f in self.fields:
                record[f.name] = impl_for(f).to_json(f, row[f.name])
                if f.type == FieldType.CURRENCY:
                    name = currency_column(f.name)
                    record[name] = row[name] or (
                        self.ctx.settings.get("currency") if row[f.name] is not None else None
                    )
            for f in reference_fields:
                value = record.get(f.name)
                if not value:
                    continue
                if self.inline_titles:
                    title = row.get(_TITLE + f.name)
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
        titles: dict[tuple[str | None, str], str] = {}
        for target_name, ids in references.items():
            target = self.ctx.schema.get(target_name)
            if target is None:
                continue
            name_field = target.definition.name_field
            if name_field not in target.table.c:
                continue
            table = target.table
            stmt = sa.select(table.c.id, table.c[name_field]).where(
                table.c.id.in_(sorted(ids)), table.c.deleted_at.is_(None)
            )
            access = self.ctx.policy.row_filter(target, table, Operation.READ)
            if access is not None:
                stmt = stmt.where(access)
            for row in self.ctx.conn.execute(stmt):
                titles[(target_name, row[0])] = row[1]
        return titles
