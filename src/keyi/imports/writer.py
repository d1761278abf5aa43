"""Writing a chunk of converted rows: the importer's one dependency on the write path.

A small interface (:class:`ChunkWriter`) so the set-based bulk path can replace today's
:class:`RecordsWriter` without touching the importer. Today's writer creates a chunk's new
records with one ``RecordsService.create_many`` and updates the others one by one, inside a
savepoint; when the chunk fails, it is rolled back and retried a row at a time, each row in a
savepoint of its own, to tell the bad rows from the good — so every check of a single write
(coercion, required and unique, references, owners, hooks, validation rules, record access)
decides, and each failed row gets its own errors.

Switching to ``keyi.platform.records.bulk.bulk_write``: the rows of a chunk are new records
(dicts) or :class:`Update` (an existing id and the values to set; the importer has matched the
key already, with the user's record access). A bulk writer answers the same
:class:`ChunkResult`: created ids and failed rows by position, and for each update the values
the written fields had before and the version it left (undo restores only records still at
that version) — ``bulk_write(..., mode="insert")`` for the dicts and ``mode="update",
key="id"`` for the updates, with ``collect_errors`` so one bad row does not fail the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, KeyiError, ValidationFailed
from keyi.platform.fieldtypes import impl_for
from keyi.platform.records.service import RecordsService

__all__ = ["ChunkResult", "ChunkWriter", "RecordsWriter", "Update"]


@dataclass(frozen=True)
class Update:
    record_id: str
    values: dict[str, Any]


@dataclass
class ChunkResult:
    """What a chunk wrote, by the row's position in the chunk."""

    created: dict[int, str] = field(default_factory=dict)  # position → new id
    # position → (id, values before of the fields written, version after)
    updated: dict[int, tuple[str, dict[str, Any], int]] = field(default_factory=dict)
    errors: dict[int, list[FieldError]] = field(default_factory=dict)


class ChunkWriter(Protocol):
    def write(
        self, ctx: Context, object_name: str, rows: list[dict[str, Any] | Update]
    ) -> ChunkResult:
        """Write every row it can; the rows it cannot are in ``errors`` and left unwritten."""
        ...


class RecordsWriter:
    """Today's writer, through :class:`RecordsService` (see the module docstring)."""

    def write(
        self, ctx: Context, object_name: str, rows: list[dict[str, Any] | Update]
    ) -> ChunkResult:
        try:
            with ctx.conn.begin_nested():
                return self._write(ctx, object_name, list(enumerate(rows)))
        except (KeyiError, sa.exc.IntegrityError):
            ctx.aborted_by = None
        result = ChunkResult()
        for position, row in enumerate(rows):
            try:
                with ctx.conn.begin_nested():
                    one = self._write(ctx, object_name, [(position, row)])
            except ValidationFailed as failed:
                ctx.aborted_by = None
                result.errors[position] = [_unprefixed(e) for e in failed.errors]
                continue
            except KeyiError as refused:
                ctx.aborted_by = None
                result.errors[position] = [FieldError("_row", refused.code, dict(refused.params))]
                continue
            result.created.update(one.created)
            result.updated.update(one.updated)
        return result

    def _write(
        self, ctx: Context, object_name: str, rows: list[tuple[int, dict[str, Any] | Update]]
    ) -> ChunkResult:
        service = RecordsService(ctx)
        result = ChunkResult()
        inserts = [(p, r) for p, r in rows if not isinstance(r, Update)]
        if inserts:
            ids = service.create_many(object_name, [r for _, r in inserts])
            result.created.update({p: i for (p, _), i in zip(inserts, ids, strict=True)})
        updates = [(p, r) for p, r in rows if isinstance(r, Update)]
        if updates:
            before = _current(ctx, object_name, [u.record_id for _, u in updates])
            for position, update in updates:
                record = service.update(object_name, update.record_id, update.values)
                old = before.get(update.record_id, {})
                result.updated[position] = (
                    update.record_id,
                    {k: old.get(k) for k in update.values},
                    int(record["version"]),
                )
        return result


def _current(ctx: Context, object_name: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored values of records about to be updated, as JSON (what undo writes back)."""
    obj = ctx.object(object_name)
    rows = ctx.conn.execute(sa.select(obj.table).where(obj.table.c.id.in_(ids))).mappings()
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        values: dict[str, Any] = {}
        for name, value in row.items():
            f = obj.fields.get(name)
            if f is not None and value is not None:
                value = impl_for(f).to_json(f, value)
            values[name] = str(value) if isinstance(value, Decimal) else value
        out[str(row["id"])] = values
    return out


def _unprefixed(error: FieldError) -> FieldError:
    """`0.name` (create_many's key for a batch) → `name`: a row is written alone here."""
    head, _, rest = error.field.partition(".")
    return FieldError(rest, error.code, error.params) if head.isdigit() and rest else error
