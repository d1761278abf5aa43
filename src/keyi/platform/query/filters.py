"""The JSON filter tree compiled to a SQLAlchemy predicate.

F = {"and": [F...]} | {"or": [F...]} | {"not": F} | {"field": path, "op": op, "value": v}.
Values are coerced by the field's type plug-in, so a filter can never carry SQL, and every error
names where in the tree it is (`filter.and.1.value`).

Ranges over text (`gt`, `gte`, `lt`, `lte`, `between`) compare with the collation lists sort by
(keyi.platform.collation: pinyin where the database has it), so "names after 李" are exactly the
rows a list sorted by name shows after 李, and the collated sort index serves the range.

Counts of related records are a condition too::

    {"related": {"object": "activity", "field": "contact", "filter": F}, "op": "gte", "value": 3}

reads "at least 3 activities whose `contact` is this record and that match F". ``field`` is a
lookup (or master-detail) of the related object pointing at the filtered object; ``"on":
"account"`` compares it with a lookup of the filtered record instead of its id ("contacts whose
account has an open opportunity": ``{"object": "opportunity", "field": "account", "on":
"account"}``). ``op`` is one of eq ne lt lte gt gte and ``value`` a whole number ≥ 0; ``filter``
(optional) is a filter tree over the related object, related conditions included. Only related
records the reader may see are counted — the related object's row access applies inside, as it
does to a list of it — so a count never tells a reader about records hidden from them; an
object or field they may not read is refused like an unknown one.

"At least one" compiles to ``EXISTS (SELECT 1 FROM related WHERE field = anchor AND <visible,
F>)`` — a semi-join, and for conditions that zero related records satisfy (``eq 0``, ``lt 1``,
a ``not``) an anti-join; "at least n" to ``anchor IN (SELECT field FROM related WHERE <visible,
F> GROUP BY field HAVING count(*) >= n)``, an uncorrelated subquery the database runs once.
Index the related ``field`` (lookups are) and the fields F narrows by.
"""

from __future__ import annotations

import operator
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from keyi.platform.access.model import Operation
from keyi.platform.collation import sorted_by_collation
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.fieldtypes import ALL_OPS, Invalid, impl_for
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldDef, FieldType
from keyi.platform.query import dates
from keyi.platform.query.paths import PathError, PathResolver

MAX_NODES = 200
# Nesting deeper than any filter a person builds; bounds the compiler's recursion (and the SQL
# it writes) whatever the node count.
MAX_DEPTH = 16
COMPARISONS = {
    "eq": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
MAX_IN_VALUES = 1000
RANGES = frozenset({"lt", "lte", "gt", "gte", "between"})
RELATED_OPS = ("eq", "ne", "lt", "lte", "gt", "gte")
RELATED_KEYS = frozenset({"object", "field", "on", "filter"})
# A count condition's value; far above any count a segment or report asks about.
MAX_RELATED_COUNT = 1_000_000


class FilterCompiler:
    def __init__(self, resolver: PathResolver) -> None:
        self.resolver = resolver
        self.nodes = 0

    def compile(self, node: Any, key: str = "filter", depth: int = 0) -> sa.ColumnElement[bool]:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _bad(key, "too many conditions")
        if depth > MAX_DEPTH:
            raise _bad(key, f"nested deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            raise _bad(key, "a condition must be an object")
        if "and" in node or "or" in node:
            op = "and" if "and" in node else "or"
            if len(node) != 1:
                raise _bad(key, f"'{op}' must be alone in its object")
            children = node[op]
            if not isinstance(children, list):
                raise _bad(f"{key}.{op}", "must be a list")
            parts = [
                self.compile(child, f"{key}.{op}.{i}", depth + 1)
                for i, child in enumerate(children)
            ]
            if not parts:
                return sa.true() if op == "and" else sa.false()
            return sa.and_(*parts) if op == "and" else sa.or_(*parts)
        if "not" in node:
            if len(node) != 1:
                raise _bad(key, "'not' must be alone in its object")
            return sa.not_(self.compile(node["not"], f"{key}.not", depth + 1))
        if "related" in node:
            return self._related(node, key, depth)
        return self._condition(node, key)

    # ------------------------------------------------------------ related counts
    def _related(self, node: dict[str, Any], key: str, depth: int) -> sa.ColumnElement[bool]:
        """``{"related": {...}, "op", "value"}``: a count of visible related records."""
        unknown = set(node) - {"related", "op", "value"}
        if unknown:
            raise _bad(key, f"unexpected keys {sorted(unknown)}")
        spec = node["related"]
        where = f"{key}.related"
        if not isinstance(spec, dict):
            raise _bad(where, "must be an object")
        extra = set(spec) - RELATED_KEYS
        if extra:
            raise _bad(where, f"unexpected keys {sorted(extra)}")
        op, value = node.get("op"), node.get("value")
        if op not in RELATED_OPS:
            raise _bad(f"{key}.op", f"'{op}' does not apply to a count")
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 0 <= value <= MAX_RELATED_COUNT
        ):
            raise _bad(f"{key}.value", "a count takes a whole number from 0")
        ctx = self.resolver.ctx
        name = spec.get("object")
        related = ctx.schema.get(name) if isinstance(name, str) else None
        if related is None or not ctx.policy.can(related, Operation.READ):
            raise _bad(f"{where}.object", f"unknown object '{name}'")
        link_name = spec.get("field")
        link = related.fields.get(link_name) if isinstance(link_name, str) else None
        if link is None or not ctx.policy.can_read_field(related, link):
            raise _bad(f"{where}.field", f"unknown field '{link_name}'")
        if link.type not in REFERENCE_TYPES or not link.target:
            raise _bad(f"{where}.field", f"'{link_name}' is not a lookup")
        anchor, anchor_target, nullable = self._anchor(spec.get("on", "id"), f"{where}.on")
        if link.target != anchor_target:
            raise _bad(f"{where}.field", f"'{link_name}' does not refer to {anchor_target}")
        alias = related.table.alias()
        resolver = PathResolver(ctx, related, alias)
        nested = FilterCompiler(resolver)
        nested.nodes = self.nodes
        inner = nested.compile(spec.get("filter") or {"and": []}, f"{where}.filter", depth + 1)
        self.nodes = nested.nodes
        linked = alias.c[link.name]
        predicates: list[Any] = [alias.c.deleted_at.is_(None), linked.is_not(None), inner]
        access = ctx.policy.row_filter(related, alias, Operation.READ)
        if access is not None:
            predicates.append(access)

        inner_froms = (alias, *resolver.aliases())

        def at_least(n: int) -> sa.ColumnElement[bool]:
            """Anchors with n or more matching related records (n ≥ 1)."""
            if n == 1:
                # EXISTS: a semi-join, and negated an anti-join (NOT IN over a large set
                # would be a subplan per row where it does not fit in memory).
                stmt = sa.select(sa.literal(1)).where(*predicates, linked == anchor)
                return resolver.apply_joins(stmt).correlate_except(*inner_froms).exists()
            stmt = sa.select(linked).where(*predicates)
            stmt = stmt.group_by(linked).having(sa.func.count() >= n)
            found = anchor.in_(resolver.apply_joins(stmt).correlate(None))
            return sa.and_(anchor.is_not(None), found) if nullable else found

        def exactly(n: int) -> sa.ColumnElement[bool]:
            stmt = sa.select(linked).where(*predicates).group_by(linked)
            stmt = stmt.having(sa.func.count() == n)
            found = anchor.in_(resolver.apply_joins(stmt).correlate(None))
            return sa.and_(anchor.is_not(None), found) if nullable else found

        if op == "gt":
            op, value = "gte", value + 1
        elif op == "lte":
            op, value = "lt", value + 1
        if op == "gte":
            return sa.true() if value == 0 else at_least(value)
        if op == "lt":
            return sa.false() if value == 0 else sa.not_(at_least(value))
        if op == "eq":
            return sa.not_(at_least(1)) if value == 0 else exactly(value)
        return at_least(1) if value == 0 else sa.not_(exactly(value))  # ne

    def _anchor(self, on: Any, key: str) -> tuple[sa.ColumnElement[Any], str, bool]:
        """The filtered record's column a related count matches its link against: its id, or
        (``on``) a lookup of it — with the object that column refers to and whether it may be
        empty."""
        if on == "id":
            return self.resolver.base.c.id, self.resolver.obj.name, False
        if not isinstance(on, str):
            raise _bad(key, "must be a field name")
        try:
            _, f = self.resolver.field(on)
            column = self.resolver.column(on)
        except PathError as exc:
            raise _bad(key, exc.reason) from None
        if f.type not in REFERENCE_TYPES or not f.target:
            raise _bad(key, f"'{on}' is not a lookup")
        return column, f.target, True

    def _condition(self, node: dict[str, Any], key: str) -> sa.ColumnElement[bool]:
        unknown = set(node) - {"field", "op", "value"}
        if unknown:
            raise _bad(key, f"unexpected keys {sorted(unknown)}")
        path, op = node.get("field"), node.get("op", "eq")
        if not isinstance(path, str):
            raise _bad(f"{key}.field", "missing field")
        if not isinstance(op, str) or op not in ALL_OPS:
            raise _bad(f"{key}.op", f"unknown operator '{op}'")
        try:
            _, f = self.resolver.field(path)
            column = self.resolver.column(path)
        except PathError as exc:
            raise _bad(f"{key}.field", exc.reason) from None
        impl = impl_for(f)
        effective_ops = impl.operators
        if f.type == FieldType.FORMULA:
            effective_ops = impl.result_impl(f).operators  # type: ignore[attr-defined]
        if op not in effective_ops:
            raise _bad(f"{key}.op", f"'{op}' does not apply to {f.type.value} fields")
        value = node.get("value")
        if op == "is_null":
            if not isinstance(value, bool):
                value = True if value is None else value
            if not isinstance(value, bool):
                raise _bad(f"{key}.value", "is_null takes true or false")
            empty = column.is_(None)
            return empty if value else sa.not_(empty)
        if op == "anniversary":
            return self._anniversary(column, value, key)
        if op in RANGES:
            column = sorted_by_collation(self.resolver.ctx.conn, f, column)
        kind = _value_kind(f)
        if kind in ("date", "datetime") and dates.is_relative(value):
            return self._relative(column, op, str(value), kind, key)
        if op == "in":
            if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
                raise _bad(f"{key}.value", f"'in' takes a list of 1 to {MAX_IN_VALUES} values")
            coerced_values = [self._coerce(f, v, f"{key}.value.{i}") for i, v in enumerate(value)]
            if any(isinstance(v, bool) for v in coerced_values):
                # SQLAlchemy treats True/False as SQL constants; compare one by one instead.
                return sa.or_(*(column == v for v in dict.fromkeys(coerced_values)))
            return column.in_(coerced_values)
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise _bad(f"{key}.value", "'between' takes [low, high]")
            low = self._coerce(f, value[0], f"{key}.value.0")
            high = self._coerce(f, value[1], f"{key}.value.1")
            return sa.and_(column >= low, column <= high)
        if value is None:
            if op in ("eq", "ne"):
                return column.is_(None) if op == "eq" else column.is_not(None)
            raise _bad(f"{key}.value", "a value is required")
        if op == "contains" and f.type == FieldType.MULTI_PICKLIST:
            coerced = self._coerce(f, value, f"{key}.value")
            return column.contains(f'"{coerced}"', autoescape=True)
        if op in ("contains", "starts_with"):
            text = self._coerce(f, value, f"{key}.value")
            if op == "contains":
                return column.icontains(str(text), autoescape=True)
            return column.istartswith(str(text), autoescape=True)
        coerced = self._coerce(f, value, f"{key}.value")
        if kind == "datetime" and isinstance(coerced, date) and not isinstance(coerced, datetime):
            coerced = datetime.combine(coerced, time())
        if op == "ne":
            # "not equal" includes empty values, as users expect from a list filter.
            return sa.or_(column != coerced, column.is_(None))
        return COMPARISONS[op](column, coerced)

    def _relative(
        self, column: sa.ColumnElement[Any], op: str, value: str, kind: str, key: str
    ) -> sa.ColumnElement[bool]:
        ctx = self.resolver.ctx
        start_day, end_day = dates.resolve(
            value, ctx.today(), dates.fiscal_start_month(ctx.settings)
        )
        start: Any = start_day
        end: Any = end_day
        if kind == "datetime":
            tz = ctx.time_zone
            start = _local_midnight_utc(start_day, tz)
            end = _local_midnight_utc(end_day, tz)
        if op in ("eq", "between", "in"):
            return sa.and_(column >= start, column < end)
        if op == "ne":
            return sa.or_(column < start, column >= end, column.is_(None))
        if op == "lt":
            return column < start
        if op == "lte":
            return column < end
        if op == "gt":
            return column >= end
        if op == "gte":
            return column >= start
        raise _bad(f"{key}.op", f"'{op}' does not take a relative date")

    def _anniversary(
        self, column: sa.ColumnElement[Any], value: Any, key: str
    ) -> sa.ColumnElement[bool]:
        """Dates whose month and day are the given day's, in any year ("birthday today").

        ``value`` is a date or a relative day (``today``, ``tomorrow``, ``yesterday``). In a
        year without 29 February, the 28th also matches 29 February, so people born on a leap
        day have an anniversary every year. Compares the ``MM-DD`` of the stored date: a scan,
        meant for daily jobs and lists, not for a hot path."""
        ctx = self.resolver.ctx
        day: date | None = None
        if isinstance(value, str) and dates.is_relative(value):
            start, end = dates.resolve(value, ctx.today(), dates.fiscal_start_month(ctx.settings))
            if (end - start).days != 1:
                raise _bad(f"{key}.value", "an anniversary is of one day")
            day = start
        elif isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None:
            raise _bad(f"{key}.value", "an anniversary takes a date or a relative day")
        keys = [f"{day.month:02d}-{day.day:02d}"]
        leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
        if (day.month, day.day) == (2, 28) and not leap:
            keys.append("02-29")
        if ctx.conn.dialect.name == "postgresql":
            month_day: Any = sa.func.to_char(column, "MM-DD")
        else:
            month_day = sa.func.strftime("%m-%d", column)
        return month_day.in_(keys)

    def _coerce(self, f: FieldDef, value: Any, key: str) -> Any:
        try:
            return impl_for(f).coerce_filter_value(f, value)
        except Invalid as exc:
            raise ValidationFailed([FieldError(key, exc.code, exc.params)]) from None


def _local_midnight_utc(day: date, tz: Any) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def _value_kind(f: FieldDef) -> str:
    ftype = f.return_type if f.type == FieldType.FORMULA and f.return_type else f.type
    if ftype == FieldType.DATE:
        return "date"
    if ftype == FieldType.DATETIME:
        return "datetime"
    return "other"


def _bad(key: str, reason: str) -> ValidationFailed:
    return ValidationFailed([FieldError(key, "invalid_filter", {"reason": reason})])


def compile_filter(resolver: PathResolver, node: Any) -> sa.ColumnElement[bool] | None:
    if node is None or node == {}:
        return None
    return FilterCompiler(resolver).compile(node)
