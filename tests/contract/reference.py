"""Python references the database answers are compared with: filter predicates, sort order
(with nulls placement and the id tiebreak keyset paging uses), CSV cells and grouped aggregates.

They work on records as the API reads them back, so a filter, sort or aggregate that disagrees
with what a record shows is caught, whatever either side computes.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import operator
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tests.integration.test_pinyin_sort import PINYIN_ORDER

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the test tenants' time zone
NUMERIC = frozenset({"integer", "decimal", "currency", "percent", "rollup"})


def kind_of(field: dict[str, Any]) -> str:
    """The type of a field's values: a formula's result type, else its own."""
    return str(field["return_type"] if field["type"] == "formula" else field["type"])


def comparable(field: dict[str, Any], value: Any) -> Any:
    """A read value as Python compares it: exact Decimal numbers, text as is."""
    if value is None or value == []:
        return None
    if kind_of(field) in NUMERIC:
        return Decimal(str(value))
    if kind_of(field) == "email" and isinstance(value, str):
        return value.lower()  # stored lower-case; a filter value as a person types it
    return value


def matches(field: dict[str, Any], op: str, wanted: Any, value: Any, backend: str) -> bool:
    """Whether a record whose field reads `value` meets {"op": op, "value": wanted}; ranges
    over text compare in the order lists sort text on `backend` (`sort_key`)."""
    kind = kind_of(field)
    have = comparable(field, value)
    if op == "is_null":
        return (have is None) == bool(wanted)
    if wanted is None:  # eq/ne null: is (not) empty
        return (have is None) == (op == "eq")
    if op == "ne":
        return have is None or have != comparable(field, wanted)
    if have is None:
        return False
    if kind == "multi_picklist":
        assert op == "contains"
        return bool(wanted in value)
    if op == "contains":
        return str(wanted).lower() in str(have).lower()
    if op == "starts_with":
        return str(have).lower().startswith(str(wanted).lower())
    if op == "in":
        return have in [comparable(field, w) for w in wanted]
    if op == "anniversary":  # same month and day; 29 Feb on the 28th of a common year
        born, day = (date.fromisoformat(str(v)[:10]) for v in (have, wanted))
        common = not calendar.isleap(day.year)
        leap_day = (born.month, born.day) == (2, 29) and (day.month, day.day) == (2, 28)
        return (born.month, born.day) == (day.month, day.day) or (leap_day and common)
    if kind == "text":
        have = sort_key(field, value, backend)
        if op == "between":
            low, high = (sort_key(field, w, backend) for w in wanted)
            return bool(low <= have <= high)
        return COMPARE[op](have, sort_key(field, wanted, backend))
    if op == "between":
        low, high = (comparable(field, w) for w in wanted)
        return bool(low <= have <= high)
    return COMPARE[op](have, comparable(field, wanted))


def sort_key(field: dict[str, Any], value: Any, backend: str) -> Any:
    """Text reads in pinyin order on PostgreSQL (test_pinyin_sort's expectation), by code
    point on SQLite; other values in their natural order."""
    have = comparable(field, value)
    if kind_of(field) == "text" and backend == "postgresql":
        return (
            (PINYIN_ORDER.index(have), have) if have in PINYIN_ORDER else (len(PINYIN_ORDER), have)
        )
    return have


def sorted_ids(
    field: dict[str, Any], records: list[dict[str, Any]], direction: str, backend: str
) -> list[str]:
    """Ids in the API's order: by the value then the id, both in `direction`; empty values
    last when ascending and first when descending."""
    name = field["name"]
    filled = [r for r in records if comparable(field, r[name]) is not None]
    empty = [r for r in records if comparable(field, r[name]) is None]
    reverse = direction == "desc"
    filled.sort(key=lambda r: (sort_key(field, r[name], backend), r["id"]), reverse=reverse)
    empty.sort(key=lambda r: r["id"], reverse=reverse)
    ordered = empty + filled if reverse else filled + empty
    return [r["id"] for r in ordered]


def csv_cell(field: dict[str, Any], record: dict[str, Any]) -> str:
    """What the export shows for a read record: local times, names for lookups, exact numbers,
    formulas in a text cell quoted."""
    name, kind = field["name"], kind_of(field)
    value = record[name]
    if value is None or value == []:
        return ""
    if field["type"] in ("lookup", "master_detail", "owner"):
        value = record["_display"][name]
    elif field["type"] == "json":
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif kind == "datetime":
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(SHANGHAI)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    elif kind == "boolean":
        return "true" if value else "false"
    elif kind == "multi_picklist":
        value = ";".join(value)
    elif kind == "json":
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif kind in ("integer", "decimal", "currency", "percent"):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def csv_rows(text: str) -> list[list[str]]:
    """An export's rows (the header first), after its byte-order mark."""
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def group_values(
    records: list[dict[str, Any]],
    key: Callable[[dict[str, Any]], Any],
    measures: list[tuple[str, dict[str, Any]]],
) -> dict[Any, dict[str, Any]]:
    """count, and sum/avg/min/max per measured field, per group key — as SQL computes them
    (empty values ignored; sum/min/max of no values is null)."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    result: dict[Any, dict[str, Any]] = {}
    for group_key, members in groups.items():
        values: dict[str, Any] = {"count": len(members)}
        for op, field in measures:
            present = [
                comparable(field, m[field["name"]])
                for m in members
                if comparable(field, m[field["name"]]) is not None
            ]
            label = f"{op}_{field['name']}"
            if not present:
                values[label] = None
            elif op == "sum":
                values[label] = sum(present, Decimal(0))
            elif op == "avg":
                values[label] = sum(present, Decimal(0)) / len(present)
            elif op == "min":
                values[label] = min(present)
            else:
                values[label] = max(present)
        result[group_key] = values
    return result
