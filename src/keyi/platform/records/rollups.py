"""Roll-up summaries stored on the parent and recomputed in the child's write transaction.

Stored (not computed on read) so a list of accounts can be sorted and filtered by "total won
amount" at a million rows; recomputed from the children each time, so it can never drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from keyi.platform.fieldtypes import DecimalType, impl_for
from keyi.platform.metadata.model import FieldDef
from keyi.platform.schema import CompiledObject, CompiledSchema


def rollups_fed_by(
    schema: CompiledSchema, child_name: str
) -> list[tuple[CompiledObject, FieldDef]]:
    """(parent object, rollup field) pairs summarising `child_name`."""
    found = []
    for obj in schema.objects.values():
        for f in obj.definition.fields:
            if f.rollup and f.rollup.child_object == child_name:
                found.append((obj, f))
    return found


def summary_expression(schema: CompiledSchema, parent: CompiledObject, f: FieldDef) -> Any:
    spec = f.rollup
    assert spec is not None
    child = schema.objects[spec.child_object]
    table = child.table
    if spec.op == "count":
        value: Any = sa.func.count(table.c.id)
    else:
        fn: Any = {"sum": sa.func.sum, "min": sa.func.min, "max": sa.func.max}[spec.op]
        value = fn(table.c[spec.aggregate_field or ""])
    stmt = sa.select(value).where(
        table.c[spec.child_field] == parent.table.c.id, table.c.deleted_at.is_(None)
    )
    for name, allowed in (spec.filter or {}).items():
        # ``IN`` over the allowed values: a child whose field is empty never counts.
        stmt = stmt.where(table.c[name].in_(list(allowed)))
    summary: Any = stmt.scalar_subquery()
    if spec.op == "sum":
        # SQLite adds decimals as floats (7.505 + … = 7.505000000000001); stored unrounded, the
        # total would read as 7.505 yet never equal 7.505 in a filter.
        summary = sa.func.round(summary, decimal_scale(f))
    if spec.op in ("count", "sum"):
        return sa.func.coalesce(summary, 0)
    return summary


def decimal_scale(f: FieldDef) -> int:
    """The digits after the point a roll-up keeps (the column's scale)."""
    impl = impl_for(f)
    assert isinstance(impl, DecimalType)
    return impl.precision_scale(f)[1]


def empty_summaries(obj: CompiledObject) -> dict[str, int]:
    """The count and sum roll-ups of a parent without children: 0."""
    return {
        f.name: 0
        for f in obj.definition.fields
        if f.rollup is not None and f.rollup.op in ("count", "sum")
    }


def recompute(
    conn: sa.Connection,
    schema: CompiledSchema,
    child_name: str,
    parent_ids_by_field: dict[str, set[str]],
) -> None:
    """Refresh the roll-ups of `child_name` on the given parents, keyed by link field.

    One UPDATE per parent object and link field sets all of its roll-ups from that child (a
    quote's subtotal, discount, tax and largest discount in one statement, not four): each
    value is its own subquery over the children, so setting them together changes nothing."""
    grouped: dict[tuple[str, str], tuple[CompiledObject, dict[str, Any]]] = {}
    for parent, f in rollups_fed_by(schema, child_name):
        assert f.rollup is not None
        if not parent_ids_by_field.get(f.rollup.child_field):
            continue
        key = (parent.name, f.rollup.child_field)
        _, values = grouped.setdefault(key, (parent, {}))
        values[f.name] = summary_expression(schema, parent, f)
    for (_, child_field), (parent, values) in grouped.items():
        ids = parent_ids_by_field[child_field]
        conn.execute(
            sa.update(parent.table).where(parent.table.c.id.in_(sorted(ids))).values(values)
        )


def recompute_all(
    conn: sa.Connection, schema: CompiledSchema, parent_name: str, f: FieldDef
) -> None:
    """Fill a newly added roll-up for every existing parent."""
    parent = schema.objects[parent_name]
    conn.execute(sa.update(parent.table).values({f.name: summary_expression(schema, parent, f)}))


def linked_ids(rows: Iterable[dict[str, Any]], field_name: str) -> set[str]:
    return {row[field_name] for row in rows if row.get(field_name)}
