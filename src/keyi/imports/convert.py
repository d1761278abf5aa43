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
from dataclasses import dataclass, field
from datetime import date, datetime
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


@dataclass
class ConvertedRow:
    row_no: int
    cells: list[Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


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

    # ------------------------------------------------------------ rows
    def convert(self, rows: list[tuple[int, list[Any]]]) -> list[ConvertedRow]:
        out = [self._convert_row(number, cells) for number, cells in rows]
        self._resolve_references(out)
        return out

    def _convert_row(self, number: int, cells: list[Any]) -> ConvertedRow:
        row = ConvertedRow(number, cells)
        filled = len(cells)
        while filled > self.width and (
            cells[filled - 1] is None or cell_text(cells[filled - 1]).strip() == ""
        ):
            filled -= 1
        if filled != self.width and not (filled < self.width and self.from_workbook):
            row.errors.append(
                FieldError("_row", "ragged_row", {"cells": filled, "expected": self.width})
            )
            return row
        for index, name in self.columns.items():
            cell = cells[index] if index < len(cells) else None
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            try:
                row.values[name] = self._value(name, cell)
            except Unparsable as exc:
                row.errors.append(FieldError(name, exc.code, {"value": cell_text(cell)[:100]}))
        return row

    def _value(self, name: str, cell: Any) -> Any:
        f = self.obj.fields.get(name)
        if f is None:  # a currency code column (`amount_currency`)
            return cell_text(cell).strip().upper()
        text = cell_text(cell).strip()
        if text.startswith("=") and f.type not in TEXT_LIKE and f.type != FieldType.LONG_TEXT:
            raise Unparsable("formula_not_allowed")
        kind = f.type
        if kind in TEXT_LIKE or kind == FieldType.LONG_TEXT:
            return cell_text(cell) if kind == FieldType.LONG_TEXT else text
        if kind in _NUMBERS:
            if isinstance(cell, int | float) and not isinstance(cell, bool):
                number = parse_amount(repr(cell) if isinstance(cell, float) else str(cell))
            else:
                number = parse_amount(text, percent=kind == FieldType.PERCENT)
            if kind == FieldType.INTEGER:
                if number != number.to_integral_value():
                    raise Unparsable("invalid_integer")
                return int(number)
            return number
        if kind == FieldType.BOOLEAN:
            return cell if isinstance(cell, bool) else parse_bool(text)
        if kind == FieldType.DATE:
            if isinstance(cell, datetime):
                return cell.date()
            if isinstance(cell, date):
                return cell
            if self.from_workbook and isinstance(cell, int | float):
                return excel_serial_date(float(cell)).date()
            return parse_date(text)
        if kind == FieldType.DATETIME:
            zone = self.ctx.time_zone
            if isinstance(cell, datetime | date):
                moment = (
                    cell
                    if isinstance(cell, datetime)
                    else datetime(cell.year, cell.month, cell.day)
                )
                return parse_datetime(moment.isoformat(), zone)
            if self.from_workbook and isinstance(cell, int | float):
                return parse_datetime(excel_serial_date(float(cell)).isoformat(), zone)
            return parse_datetime(text, zone)
        if kind == FieldType.PICKLIST:
            return self._option(f, text)
        if kind == FieldType.MULTI_PICKLIST:
            parts = [p.strip() for p in _MULTI_SEPARATORS.split(text) if p.strip()]
            return [self._option(f, p) for p in parts]
        if kind in REFERENCE_TYPES:
            return _Reference(text)
        return text

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
        wanted: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            for name, value in row.values.items():
                if isinstance(value, _Reference) and not UUID_RE.match(value.text):
                    wanted[name].add(value.text)
        found = {name: self._lookup(name, texts) for name, texts in wanted.items()}
        for row in rows:
            for name, value in list(row.values.items()):
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
