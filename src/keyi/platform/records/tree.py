"""Create a record and its children in one call (a quote and its lines, an order and its items).

A document with twenty lines written line by line costs twenty-one requests, twenty-one
transactions and twenty roll-up recomputations of the parent seen half-built by flows and
webhooks in between. Written as a tree, the parent and every child batch go through the one
write path (RecordsService.create / create_many: coercion, hooks, rules, history, outbox, search)
inside the caller's single transaction: all or nothing, and the parent's roll-ups are computed
once per child batch rather than once per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keyi.platform.errors import FieldError, FieldErrors, ValidationFailed
from keyi.platform.metadata.model import FieldType

if TYPE_CHECKING:
    from keyi.platform.records.service import RecordsService

# A document's lines, not an import: imports use the bulk API in batches.
MAX_CHILDREN = 1000


@dataclass(frozen=True)
class ChildBatch:
    """Children of one object, linked to the new parent through ``field`` (found from the
    metadata when the child has exactly one lookup or master-detail to the parent)."""

    object_name: str
    records: list[dict[str, Any]]
    field: str | None = None


@dataclass(frozen=True)
class TreeResult:
    record: dict[str, Any]
    children: list[tuple[str, list[str]]]


def create_tree(
    svc: RecordsService, object_name: str, data: dict[str, Any], children: list[ChildBatch]
) -> TreeResult:
    """Create the parent, then each child batch pointing at it; the parent re-read at the end
    (its roll-ups include the children). Errors name their place: ``children.1.records.3.qty``."""
    if sum(len(batch.records) for batch in children) > MAX_CHILDREN:
        raise ValidationFailed([FieldError("children", "too_many", {"max": MAX_CHILDREN})])
    links = _links(svc, object_name, children)
    parent_id = svc.create_many(object_name, [data])[0]
    created: list[tuple[str, list[str]]] = []
    for i, (batch, link) in enumerate(zip(children, links, strict=True)):
        rows = [{**row, link: parent_id} for row in batch.records]
        try:
            ids = svc.create_many(batch.object_name, rows)
        except ValidationFailed as exc:
            raise ValidationFailed(
                [
                    FieldError(_child_field(i, e.field, len(rows)), e.code, e.params)
                    for e in exc.errors
                ]
            ) from exc
        created.append((batch.object_name, ids))
    return TreeResult(svc.get(object_name, parent_id), created)


def _links(svc: RecordsService, object_name: str, children: list[ChildBatch]) -> list[str]:
    """The field of each child batch that points at the parent; every problem at once."""
    errors = FieldErrors()
    found: list[str] = []
    for i, batch in enumerate(children):
        child = svc.ctx.schema.get(batch.object_name)
        where = f"children.{i}"
        if child is None:
            errors.add(f"{where}.object", "unknown_object", object=batch.object_name)
            found.append("")
            continue
        candidates = [
            f.name
            for f in child.fields.values()
            if f.type in (FieldType.LOOKUP, FieldType.MASTER_DETAIL) and f.target == object_name
        ]
        if batch.field is not None:
            if batch.field not in candidates:
                errors.add(f"{where}.field", "not_a_parent_link", object=object_name)
            found.append(batch.field if batch.field in candidates else "")
        elif len(candidates) == 1:
            found.append(candidates[0])
        else:
            code = "no_parent_link" if not candidates else "ambiguous_parent_link"
            errors.add(f"{where}.field", code, object=object_name)
            found.append("")
        for j, row in enumerate(batch.records):
            if found[-1] and found[-1] in row:
                errors.add(f"{where}.records.{j}.{found[-1]}", "set_by_parent")
    errors.raise_if_any()
    return found


def _child_field(batch: int, field: str, rows: int) -> str:
    """create_many names a field `N.field` for batches of several rows and `field` for one."""
    if rows == 1:
        field = f"0.{field}"
    return f"children.{batch}.records.{field}"
