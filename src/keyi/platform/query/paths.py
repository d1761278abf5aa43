"""Field paths to SQL columns: `amount`, `account.industry`, `owner_id.name`, formulas.

A resolver belongs to one SELECT. Following a lookup adds one LEFT OUTER JOIN per distinct path
prefix, limited to the referenced records the reader may see; formulas are compiled from the
expression language into SQL in place, so they can be selected, filtered, sorted and grouped
like stored columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.access.model import Operation
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.expressions import ExpressionError, compile_sql, parse
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldDef, FieldType
from keyi.platform.schema import CompiledObject

if TYPE_CHECKING:
    from keyi.platform.context import Context

MAX_DEPTH = 3


class PathError(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


class PathResolver:
    """Resolves field paths against a base object for one statement, collecting joins."""

    def __init__(self, ctx: Context, obj: CompiledObject, base: Any | None = None) -> None:
        self.ctx = ctx
        self.obj = obj
        self.base = base if base is not None else obj.table
        self._joins: dict[str, tuple[Any, Any]] = {}  # prefix -> (alias, on-clause)
        self._formula_stack: list[str] = []

    def field(self, path: str) -> tuple[CompiledObject, FieldDef]:
        """The object and field a path ends at (checks field-level read permission)."""
        obj, f, _ = self._walk(path)
        return obj, f

    def column(self, path: str) -> sa.ColumnElement[Any]:
        obj, f, table = self._walk(path)
        return self._field_column(obj, f, table)

    def currency_column(self, path: str) -> sa.ColumnElement[Any] | None:
        _, f, table = self._walk(path)
        if f.type != FieldType.CURRENCY:
            return None
        return table.c[f"{f.name}_currency"]

    def aliases(self) -> list[Any]:
        """The tables the paths resolved so far joined (a subquery's own FROM list)."""
        return [alias for alias, _ in self._joins.values()]

    def apply_joins(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        if not self._joins:
            return stmt
        source: Any = self.base
        for alias, on in self._joins.values():
            source = source.outerjoin(alias, on)
        return stmt.select_from(source)

    # ------------------------------------------------------------ internals
    def _walk(self, path: str) -> tuple[CompiledObject, FieldDef, Any]:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH + 1 or not all(parts):
            raise PathError(path, "path too long or empty")
        obj, table = self.obj, self.base
        for i, part in enumerate(parts):
            f = obj.fields.get(part)
            if f is None or not self.ctx.policy.can_read_field(obj, f):
                raise PathError(path, f"unknown field '{'.'.join(parts[: i + 1])}'")
            if i == len(parts) - 1:
                return obj, f, table
            if f.type not in REFERENCE_TYPES or not f.target:
                raise PathError(path, f"'{part}' is not a lookup")
            target = self.ctx.schema.get(f.target)
            if target is None or not self.ctx.policy.can(target, Operation.READ):
                raise PathError(path, f"unknown field '{'.'.join(parts[: i + 2])}'")
            prefix = ".".join(parts[: i + 1])
            joined = self._joins.get(prefix)
            if joined is None:
                alias = target.table.alias(f"j{len(self._joins)}_{target.name}"[:60])
                on = sa.and_(alias.c.id == table.c[f.name], alias.c.deleted_at.is_(None))
                # A referenced record the reader may not see joins as if absent: its fields are
                # NULL to filters, sorts, groupings and formulas, as they are in `_display`.
                access = self.ctx.policy.row_filter(target, alias, Operation.READ)
                if access is not None:
                    on = sa.and_(on, access)
                self._joins[prefix] = (alias, on)
                joined = (alias, on)
            obj, table = target, joined[0]
        raise PathError(path, "empty path")  # pragma: no cover - loop always returns

    def _field_column(self, obj: CompiledObject, f: FieldDef, table: Any) -> sa.ColumnElement[Any]:
        if f.type != FieldType.FORMULA:
            return table.c[f.name]
        key = f"{obj.name}.{f.name}"
        if key in self._formula_stack:
            raise PathError(f.name, "formula refers to itself")
        self._formula_stack.append(key)
        try:
            nested = self if table is self.base else PathResolver(self.ctx, obj, table)
            expr = parse(f.expression or "")
            compiled = compile_sql(
                expr,
                nested.column,
                dialect=self.ctx.dialect,
                today=self.ctx.today(),
                now=self.ctx.now(),
            )
            if nested is not self:
                for prefix, join in nested._joins.items():
                    self._joins.setdefault(f"{obj.name}:{prefix}", join)
            return compiled
        except ExpressionError as exc:
            raise PathError(f.name, str(exc)) from None
        finally:
            self._formula_stack.pop()


def path_error_to_validation(
    exc: PathError, key: str, code: str = "invalid_filter"
) -> ValidationFailed:
    return ValidationFailed([FieldError(key, code, {"reason": exc.reason, "field": exc.path})])
