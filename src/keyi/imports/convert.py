"""A row of cells → the values of a record, as the records service takes them.

Per field type: text as shown (a spreadsheet formula such as ``=SUM(A1:A3)`` stays text, and
only a text field takes it — never evaluated); numbers and amounts through
:func:`~keyi.imports.values.parse_amount`; dates in the Chinese and ISO forms and, from a
workbook, Excel's serial numbers; yes/no in both languages; picklists by value or by either
label; lookups and owners by id, by the target's name or by any of its unique fields (an
owner by email, say), resolved for a whole chunk in one query per field and column. A name
that matches two records is an error, never a guess; only records the importing user may see
are found.

An empty cell sets nothing: a new record gets the field's default, an updated one keeps its
value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from keyi.imports.reading import cell_text
from keyi.imports.values import (
    Unparsable,
    excel_serial_date,
    normalise,
    parse_amount,
    parse_bool,
    parse_date,
    parse_datetime,
)
from keyi.platform.context import Context
from keyi.platform.errors import FieldError
from keyi.platform.fieldtypes import UUID_RE, Invalid, impl_for
from keyi.platform.i18n import label
from keyi.platform.metadata.model import REFERENCE_TYPES, TEXT_LIKE, FieldDef, FieldType
from keyi.platform.query.plan import visible_rows
from keyi.platform.schema import CompiledObject

__all__ = ["ConvertedRow", "RowConverter"]

_MULTI_SEPARATORS = re.compile(r"[;；,，、|]")
_NUMBERS = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY, FieldType.PERCENT})
_CHUNK = 500


@dataclass(slots=True)
class ConvertedRow:
    row_no: int
    cells: list[Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


MEMO_SIZE = 10_000
"""Distinct texts remembered per column (names and phone numbers rarely repeat; the memo stops
growing at this size, so a column of unique values costs no more than without it)."""


def _text(cell: Any) -> str:
    text = cell_text(cell).strip()
    if not text:
        raise Unparsable("empty")
    return text


def _long_text(cell: Any) -> str:
    """Long text as written (its line breaks and indentation kept)."""
    text = cell_text(cell)
    if not text.strip():
        raise Unparsable("empty")
    return text


_AS_TEXT = TEXT_LIKE | {FieldType.LONG_TEXT}


def _memoisable(f: FieldDef | None) -> bool:
    """Columns whose values repeat and whose conversion reads nothing but the text."""
    return f is not None and f.type not in _AS_TEXT and f.type not in REFERENCE_TYPES


class RowConverter:
    """Converts rows of one file for one object; ``columns`` maps a column's index to its
    field (the checked mapping)."""

    def __init__(
        self,
        ctx: Context,
        obj: CompiledObject,
        columns: dict[int, str],
        *,
        width: int,
        from_workbook: bool,
    ) -> None:
        self.ctx = ctx
        self.obj = obj
        self.columns = columns
        self.width = width
        self.from_workbook = from_workbook
        self._options: dict[str, dict[str, str]] = {}
        # Per column: its field, how a cell becomes a value, and a memo of texts already seen
        # (a column of industries or amounts repeats a few hundred texts a million times).
        self._plan = [
            (index, name, self._converter(name), _memoisable(obj.fields.get(name)))
            for index, name in sorted(columns.items())
        ]
        self._memo: dict[str, dict[str, tuple[bool, Any]]] = {name: {} for name in columns.values()}
        self._references = [
            name
            for name in columns.values()
            if (f := obj.fields.get(name)) is not None and f.type in REFERENCE_TYPES
        ]

    # ------------------------------------------------------------ rows
    def convert(self, rows: list[tuple[int, list[Any]]]) -> list[ConvertedRow]:
        out = [self._convert_row(number, cells) for number, cells in rows]
        self._resolve_references(out)
        return out

    def _convert_row(self, number: int, cells: list[Any]) -> ConvertedRow:
        row = ConvertedRow(number, cells)
        filled = len(cells)
        while filled > self.width and cell_text(cells[filled - 1]).strip() == "":
            filled -= 1
        if filled != self.width and not (filled < self.width and self.from_workbook):
            row.errors.append(
                FieldError("_row", "ragged_row", {"cells": filled, "expected": self.width})
            )
            return row
        values = row.values
        for index, name, convert, memoisable in self._plan:
            cell = cells[index] if index < filled else None
            if cell is None or cell == "":
                continue
            if memoisable and isinstance(cell, str):
                memo = self._memo[name]
                known = memo.get(cell)
                if known is None:
                    try:
                        known = (True, convert(cell))
                    except Unparsable as exc:
                        known = (False, exc.code)
                    if len(memo) < MEMO_SIZE:
                        memo[cell] = known
                if known[0]:
                    values[name] = known[1]
                elif known[1] != "empty":
                    row.errors.append(FieldError(name, known[1], {"value": cell[:100]}))
                continue
            try:
                values[name] = convert(cell)
            except Unparsable as exc:
                if exc.code != "empty":
                    row.errors.append(FieldError(name, exc.code, {"value": cell_text(cell)[:100]}))
        return row

    def _converter(self, name: str) -> Callable[[Any], Any]:
        """How a non-empty cell of this field's column becomes its value (raises Unparsable;
        a cell of only spaces raises it with code ``empty``: nothing to set)."""
        f = self.obj.fields.get(name)
        if f is None:  # a currency code column (`amount_currency`)
            return lambda cell: _text(cell).upper()
        kind = f.type
        if kind == FieldType.LONG_TEXT:
            return _long_text
        if kind in TEXT_LIKE:
            return _text
        from_workbook = self.from_workbook

        def guarded(convert: Callable[[Any, str], Any]) -> Callable[[Any], Any]:
            def run(cell: Any) -> Any:
                text = _text(cell)
                if text.startswith("="):
                    raise Unparsable("formula_not_allowed")
                return convert(cell, text)

            return run

        if kind in _NUMBERS:
            percent = kind == FieldType.PERCENT
            integer = kind == FieldType.INTEGER

            def number(cell: Any, text: str) -> Any:
                if isinstance(cell, int | float) and not isinstance(cell, bool):
                    value = parse_amount(repr(cell) if isinstance(cell, float) else str(cell))
                elif text.isdigit() and text.isascii():
                    value = Decimal(text)
                else:
                    value = parse_amount(text, percent=percent)
                if integer:
                    if value != value.to_integral_value():
                        raise Unparsable("invalid_integer")
                    return int(value)
                return value

            return guarded(number)
        if kind == FieldType.BOOLEAN:
            return guarded(lambda cell, text: cell if isinstance(cell, bool) else parse_bool(text))
        if kind == FieldType.DATE:

            def day(cell: Any, text: str) -> Any:
                if isinstance(cell, datetime):
                    return cell.date()
                if isinstance(cell, date):
                    return cell
                if from_workbook and isinstance(cell, int | float):
                    return excel_serial_date(float(cell)).date()
                return parse_date(text)

            return guarded(day)
        if kind == FieldType.DATETIME:
            zone = self.ctx.time_zone

            def moment(cell: Any, text: str) -> Any:
                if isinstance(cell, datetime):
                    return parse_datetime(cell.isoformat(), zone)
                if isinstance(cell, date):
                    return parse_datetime(cell.isoformat(), zone)
                if from_workbook and isinstance(cell, int | float):
                    return parse_datetime(excel_serial_date(float(cell)).isoformat(), zone)
                return parse_datetime(text, zone)

            return guarded(moment)
        if kind == FieldType.PICKLIST:
            return guarded(lambda cell, text: self._option(f, text))
        if kind == FieldType.MULTI_PICKLIST:

            def several(cell: Any, text: str) -> Any:
                parts = [p.strip() for p in _MULTI_SEPARATORS.split(text) if p.strip()]
                return tuple(self._option(f, p) for p in parts)

            return guarded(several)
        if kind in REFERENCE_TYPES:
            return lambda cell: _Reference(_text(cell))
        return _text

    def _option(self, f: FieldDef, text: str) -> str:
        options = self._options.get(f.name)
        if options is None:
            options = {}
            for option in f.options or ():
                for spelling in (option.value, *(option.labels or {}).values()):
                    options.setdefault(normalise(spelling), option.value)
            self._options[f.name] = options
        found = options.get(normalise(text))
        if found is None:
            raise Unparsable("invalid_option")
        return found

    # ------------------------------------------------------------ references
    def _resolve_references(self, rows: list[ConvertedRow]) -> None:
        names = self._references
        if not names:
            return
        wanted: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            for name in names:
                value = row.values.get(name)
                if isinstance(value, _Reference) and not UUID_RE.match(value.text):
                    wanted[name].add(value.text)
        found = {name: self._lookup(name, texts) for name, texts in wanted.items()}
        for row in rows:
            for name in names:
                value = row.values.get(name)
                if not isinstance(value, _Reference):
                    continue
                if UUID_RE.match(value.text):
                    row.values[name] = value.text.lower()
                    continue
                ids = found.get(name, {}).get(value.text, set())
                if len(ids) == 1:
                    row.values[name] = next(iter(ids))
                    continue
                del row.values[name]
                f = self.obj.fields[name]
                target = self.ctx.schema.get(f.target or "")
                target_label = (
                    label(target.definition.labels, self.ctx.locale, target.name) if target else ""
                )
                if ids:
                    row.errors.append(
                        FieldError(
                            name, "ambiguous_reference", {"value": value.text, "count": len(ids)}
                        )
                    )
                else:
                    row.errors.append(
                        FieldError(
                            name, "invalid_reference", {"target": target_label, "value": value.text}
                        )
                    )

    def _lookup(self, name: str, texts: set[str]) -> dict[str, set[str]]:
        """Text → ids of the visible target records whose name or a unique field equals it."""
        f = self.obj.fields[name]
        target = self.ctx.schema.get(f.target or "")
        out: dict[str, set[str]] = defaultdict(set)
        if target is None:
            return out
        columns = [
            t
            for t in target.definition.fields
            if (t.name == target.definition.name_field or t.unique)
            and t.type in TEXT_LIKE
            and self.ctx.policy.can_read_field(target, t)
        ]
        predicates = visible_rows(self.ctx, target, target.table)
        ordered = sorted(texts)
        for column_field in columns:
            column = target.table.c[column_field.name]
            spelled: dict[Any, list[str]] = defaultdict(list)
            for text in ordered:
                try:
                    spelled[impl_for(column_field).coerce_filter_value(column_field, text)].append(
                        text
                    )
                except Invalid:
                    continue
            keys = list(spelled)
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                for record_id, value in self.ctx.conn.execute(
                    sa.select(target.table.c.id, column).where(column.in_(chunk), *predicates)
                ):
                    for text in spelled.get(value, ()):
                        out[text].add(str(record_id))
        return out


@dataclass(frozen=True)
class _Reference:
    """A lookup cell not yet resolved to an id."""

    text: str
