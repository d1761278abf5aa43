"""Count and sum roll-ups of parents without children read 0 in rows written by earlier releases.

This release stores 0 for a count or sum roll-up over no children
(keyi.platform.records.rollups: ``empty_summaries`` on create, ``COALESCE(…, 0)`` on
recompute); earlier releases left NULL, so old parents read as empty where new ones read 0, and
a filter ``= 0``, a sum or a sort treated them differently. Each such roll-up column is
recomputed where it is NULL, with one set-based UPDATE per roll-up field.

Which objects have roll-ups is each tenant's metadata, read here as stored JSON. The summary is
a frozen copy of the one the write path uses (count of live children; sum of a field of live
children rounded to the roll-up's scale; 0 when there are none), so this revision computes the
same thing after later releases change the live code. A roll-up whose value is not NULL, or
that is a minimum or maximum (NULL over no children is its answer), is left alone.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ZERO_WHEN_EMPTY = ("count", "sum")
ROLLUP_DEFAULT_SCALE = 2  # keyi.platform.fieldtypes: a roll-up's column without its own scale

meta_object = sa.table("keyi_meta_object", sa.column("name"), sa.column("definition", sa.JSON))


def upgrade() -> None:
    conn = op.get_bind()
    definitions = {
        str(name): definition
        for name, definition in conn.execute(
            sa.select(meta_object.c.name, meta_object.c.definition)
        )
        if isinstance(definition, dict)
    }
    for parent_name, field, spec in _zero_when_empty(definitions):
        child = definitions.get(spec["child_object"])
        if child is None:
            continue  # a roll-up over an object that is gone: nothing the write path would sum
        parent = sa.table(parent_name, sa.column("id"), sa.column(field["name"]))
        column = parent.c[field["name"]]
        conn.execute(
            sa.update(parent)
            .where(column.is_(None))
            .values({field["name"]: _summary(parent, field, spec)})
        )


def downgrade() -> None:
    """Nothing to undo: the values are what the roll-ups summarise."""


def _zero_when_empty(
    definitions: Mapping[str, Mapping[str, Any]],
) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """``(object, field, roll-up spec)`` of every count and sum roll-up."""
    for name, definition in sorted(definitions.items()):
        for field in definition.get("fields") or ():
            spec = field.get("rollup") if field.get("type") == "rollup" else None
            if isinstance(spec, dict) and spec.get("op") in ZERO_WHEN_EMPTY:
                yield name, field, spec


def _summary(parent: Any, field: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    """The roll-up's value for each parent row, as keyi.platform.records.rollups computes it."""
    link, summed = str(spec["child_field"]), str(spec.get("aggregate_field") or "")
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("id"),
        sa.column("deleted_at"),
        sa.column(link),
    ]
    if summed and summed != link:
        columns.append(sa.column(summed))
    # Aliased: a roll-up over the parent's own object (sub-accounts) reads another row of it.
    child = sa.table(spec["child_object"], *columns).alias("child")
    value: Any = (
        sa.func.count(child.c.id) if spec["op"] == "count" else sa.func.sum(child.c[summed])
    )
    summary: Any = (
        sa.select(value)
        .where(child.c[link] == parent.c.id, child.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    if spec["op"] == "sum":
        scale = field.get("scale")
        summary = sa.func.round(summary, ROLLUP_DEFAULT_SCALE if scale is None else scale)
    return sa.func.coalesce(summary, 0)
