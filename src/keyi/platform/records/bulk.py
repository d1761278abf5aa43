"""Set-based writes: many records created, updated or upserted per statement (issue 17).

:func:`bulk_write` is what an import calls. It runs the phases of the single write path
(:class:`~keyi.platform.records.service.RecordsService`: coercion, defaults, required,
references, owners, uniqueness, auto-numbers, before-save hooks and flows, validation rules,
then the write with roll-ups, history, outbox, flows, search index and after-write hooks) on
batches of rows instead of one record at a time, and answers per row: which were created, which
updated, and why each refused row was refused.

Row for row it decides what creating or updating the records one at a time, in order, would
decide. Two rules make that hold for a batch:

* A row refused in one phase takes no part in the next (a row with a bad e-mail does not keep a
  later row with the same credit code out, as it would not have been stored first).
* A value repeated within the batch belongs to its first row that is stored. When a row holding a
  value is refused later (by a hook or a validation rule), the batch's checks and hooks run again
  without it inside a savepoint that is rolled back, so auto-numbers stay without gaps and the
  next row with that value gets its turn.

Without ``collect_errors`` the whole call is all or nothing: every row is still checked (so the
caller sees every error at once), then everything the call wrote is rolled back to a savepoint
and :class:`ValidationFailed` is raised with errors keyed ``N.field``. With it, refused rows
are skipped and listed in :attr:`BulkResult.errors`.

Updates and upserts find records by ``key``: ``id`` or a unique field. A key the actor cannot
see is ``record_not_found`` (an upsert creates the record instead); a record the actor sees but
may not edit is ``forbidden``; one under a pending approval is ``record_in_approval``; the same
key twice in one call is ``not_unique`` on the later row (an import names each record once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from keyi.platform.approvals.lock import locking_objects
from keyi.platform.approvals.tables import approval_table
from keyi.platform.automation import triggers as flow_triggers
from keyi.platform.automation.model import TriggerEvent
from keyi.platform.context import Context
from keyi.platform.errors import FieldError, FieldErrors, Forbidden, StaleVersion, ValidationFailed
from keyi.platform.expressions import regex_time_budget
from keyi.platform.fieldtypes import UUID_RE, Invalid, currency_column, impl_for
from keyi.platform.hooks import WriteEvent, registry
from keyi.platform.metadata.model import FieldType
from keyi.platform.permissions import Operation
from keyi.platform.query.plan import visible_rows
from keyi.platform.records.service import MAX_BATCH, REGEX_BATCH_SECONDS, RecordsService
from keyi.platform.records.values import Verdicts, check_required, coerce_input
from keyi.platform.schema import CompiledObject

Mode = Literal["insert", "update", "upsert"]
MODES: tuple[str, ...] = ("insert", "update", "upsert")
BATCH_SIZE = 2000
"""Rows per batch: each batch is one INSERT (or COPY) and one query per unique or reference
field; larger batches gain little and hold more memory (docs/bulk-write.md)."""

_ID_PARAM = "keyi_bulk_id"
_VERSION_PARAM = "keyi_bulk_version"


@dataclass
class BulkResult:
    """What a bulk write did, by row index of the input."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: dict[int, list[FieldError]] = field(default_factory=dict)
    # Stored values of updated records before this write (all columns), to undo an import.
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Records an update matched that already held the values given (nothing written).
    unchanged: list[str] = field(default_factory=list)
    # Row index → the id written (created or updated) for rows that were stored.
    ids: dict[int, str] = field(default_factory=dict)

    def raise_if_errors(self) -> None:
        """All errors as one ValidationFailed, keyed ``N.field`` by input row."""
        if self.errors:
            raise ValidationFailed(
                [
                    FieldError(f"{i}.{e.field}", e.code, e.params)
                    for i in sorted(self.errors)
                    for e in self.errors[i]
                ]
            )


def bulk_write(
    ctx: Context,
    object_name: str,
    rows: Sequence[dict[str, Any]],
    *,
    mode: Mode = "insert",
    key: str | None = None,
    collect_errors: bool = False,
    trusted_fields: frozenset[str] = frozenset(),
    batch_size: int = BATCH_SIZE,
) -> BulkResult:
    """Create, update or upsert ``rows`` (field values by API name) of ``object_name``.

    ``key`` (update, upsert): ``id`` or a unique field. ``collect_errors``: skip refused rows
    and write the rest, instead of raising :class:`ValidationFailed` for any error.
    ``trusted_fields``: read-only fields a platform service fills (never a request's)."""
    obj = ctx.object(object_name)
    if mode not in MODES:
        raise ValidationFailed([FieldError("mode", "invalid_option", {"allowed": list(MODES)})])
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValidationFailed([FieldError("batch_size", "invalid_request", {"max": MAX_BATCH})])
    if mode != "insert":
        if key is None:
            raise ValidationFailed([FieldError("key", "required")])
        key_field = obj.fields.get(key)
        if key != "id" and (
            key_field is None
            or not key_field.unique
            or not ctx.policy.can_read_field(obj, key_field)
        ):
            raise ValidationFailed([FieldError("key", "invalid_key", {"field": key})])
    # The whole call is refused when the actor may not do what every row asks (as the single
    # path refuses); an upsert's rows are checked one by one against what each turns out to be.
    if mode == "insert" and not ctx.policy.can(obj, Operation.CREATE):
        raise Forbidden()
    if mode == "update" and not ctx.policy.can(obj, Operation.EDIT):
        raise Forbidden()
    writer = _Writer(ctx, obj, trusted_fields)
    # All or nothing whatever the caller does with the error: the rows written before a later
    # batch turned out bad are undone here, not only when the caller's transaction rolls back.
    whole = None if collect_errors else ctx.conn.begin_nested()
    status_before = dict(ctx.user_status_changes)
    try:
        for start in range(0, len(rows), batch_size):
            positions = list(range(start, min(start + batch_size, len(rows))))
            chunk = [rows[i] for i in positions]
            if mode == "insert":
                writer.create(positions, chunk)
            else:
                assert key is not None
                writer.write_keyed(positions, chunk, key, upsert=mode == "upsert")
    except BaseException:
        if whole is not None and whole.is_active:
            whole.rollback()
        raise
    result = writer.result
    if whole is not None:
        if result.errors:
            whole.rollback()
            ctx.user_status_changes.clear()
            ctx.user_status_changes.update(status_before)
            result.raise_if_errors()
        whole.commit()
    result.created = [result.ids[i] for i in sorted(writer.created_at)]
    result.updated = [result.ids[i] for i in sorted(writer.updated_at)]
    return result


class _Writer:
    """One bulk write: the records service's phases per batch, errors by input row."""

    def __init__(self, ctx: Context, obj: CompiledObject, trusted: frozenset[str]) -> None:
        self.ctx = ctx
        self.obj = obj
        self.trusted = trusted
        self.svc = RecordsService(ctx)
        self.result = BulkResult()
        self.created_at: list[int] = []
        self.updated_at: list[int] = []
        self._written_keys: set[Any] = set()

    # ------------------------------------------------------------ errors by row
    def _take(self, errors: FieldErrors, positions: Sequence[int]) -> set[int]:
        """Move errors keyed ``k.field`` (k: index into ``positions``) to the result."""
        bad: set[int] = set()
        for item in errors.items:
            head, _, rest = item.field.partition(".")
            position = positions[int(head)]
            self.result.errors.setdefault(position, []).append(
                FieldError(rest or "body", item.code, item.params)
            )
            bad.add(position)
        return bad

    def _refuse(self, position: int, field_name: str, code: str, **params: Any) -> None:
        self.result.errors.setdefault(position, []).append(FieldError(field_name, code, params))

    # ------------------------------------------------------------ create
    def create(self, positions: list[int], rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        obj, svc = self.obj, self.svc
        if not self.ctx.policy.can(obj, Operation.CREATE):
            for position in positions:
                self._refuse(position, "_record", "forbidden")
            return
        errors = FieldErrors()
        batch, defaulted = svc._coerce_creates(obj, rows, errors, True, self.trusted)
        # As the single path, which reports these together: against stored records only here,
        # repeats within the batch once it is known which rows are stored (_settle).
        svc._check_references(obj, batch, errors, True)
        svc._check_owners(obj, batch, errors, True)
        svc._check_unique(obj, batch, errors, True, existing_ids=None, within_batch=False)
        refused = self._take(errors, positions)
        candidates = [k for k, p in enumerate(positions) if p not in refused]

        def validate(work: list[dict[str, Any]], ks: list[int]) -> FieldErrors:
            svc._stamp_creates(obj, work)
            late = FieldErrors()
            svc._validate_creates(obj, work, [defaulted[k] for k in ks], late, True)
            return late

        winners, stored = self._settle(positions, batch, candidates, validate)
        self._repeats_of_stored(positions, batch, winners, _local(positions, refused))
        if stored:
            svc._store_creates(obj, stored)
        for k, values in zip(winners, stored, strict=True):
            self.result.ids[positions[k]] = values["id"]
            self.created_at.append(positions[k])

    def _settle(
        self,
        positions: list[int],
        rows: list[dict[str, Any]],
        candidates: list[int],
        validate: Callable[[list[dict[str, Any]], list[int]], FieldErrors],
    ) -> tuple[list[int], list[dict[str, Any]]]:
        """Which candidate rows are stored, and their values after hooks.

        A value repeated within the batch goes to its first candidate; the others are
        `not_unique`. ``validate`` (hooks and rules) runs on the rest inside a savepoint; when it
        refuses rows, the savepoint is rolled back (auto-numbers taken, anything hooks wrote)
        and the round runs again without them, so a repeat of a refused row gets its turn."""
        while candidates:
            savepoint = self.ctx.conn.begin_nested()
            work = [dict(rows[k]) for k in candidates]
            repeats = _repeats(self.obj, work)
            winners = [k for j, k in enumerate(candidates) if j not in repeats]
            stored = [w for j, w in enumerate(work) if j not in repeats]
            late = validate(stored, winners)
            if late:
                savepoint.rollback()
                refused = self._take(late, [positions[k] for k in winners])
                candidates = [k for k in candidates if positions[k] not in refused]
                continue
            savepoint.commit()
            for j, names in repeats.items():
                for name in names:
                    self._refuse(positions[candidates[j]], name, "not_unique")
            return winners, stored
        return [], []

    def _repeats_of_stored(
        self,
        positions: list[int],
        rows: list[dict[str, Any]],
        winners: list[int],
        refused: list[int],
    ) -> None:
        """Rows refused before the uniqueness check within the batch, whose unique value an
        earlier stored row of the batch holds: one at a time, that row would have been stored
        first, so the value is reported taken as well (the single path reports every check
        before hooks together)."""
        if not refused or not winners:
            return
        by_position = {positions[k]: k for k in refused}
        for f in self.obj.definition.fields:
            if not f.unique:
                continue
            holder: dict[Any, int] = {}
            for k in winners:
                value = rows[k].get(f.name)
                if value is not None:
                    holder.setdefault(value, k)
            for position, k in by_position.items():
                value = rows[k].get(f.name)
                if value is None or holder.get(value, k) >= k:
                    continue
                if any(
                    e.field == f.name and e.code == "not_unique"
                    for e in self.result.errors.get(position, [])
                ):
                    continue
                self._refuse(position, f.name, "not_unique")

    # ------------------------------------------------------------ update / upsert
    def write_keyed(
        self, positions: list[int], rows: Sequence[dict[str, Any]], key: str, *, upsert: bool
    ) -> None:
        """Match rows to records by ``key``; update the found ones, create (upsert) the rest."""
        keys: dict[int, Any] = {}
        new_rows: list[int] = []
        for k, (position, data) in enumerate(zip(positions, rows, strict=True)):
            raw = data.get(key) if isinstance(data, dict) else None
            if raw is None or raw == "":
                if upsert:
                    new_rows.append(k)
                else:
                    self._refuse(position, key, "required")
                continue
            value = self._key_value(key, raw)
            if value is None:
                self._refuse(position, key, "invalid_value")
                continue
            keys[k] = value
        found = self._load(key, set(keys.values()))
        editable = self._editable([row["id"] for row in found.values()])
        in_approval = self._in_approval([row["id"] for row in found.values()])
        updates: list[int] = []
        seen: set[Any] = set()
        for k, value in keys.items():
            position = positions[k]
            if value in seen or (key, value) in self._written_keys:
                self._refuse(position, key, "not_unique")
                continue
            seen.add(value)
            old = found.get(value)
            if old is None:
                if upsert and key != "id":
                    new_rows.append(k)
                else:
                    self._refuse(position, key, "record_not_found", id=str(value))
            elif old["id"] not in editable:
                self._refuse(position, "_record", "forbidden")
            elif old["id"] in in_approval:
                self._refuse(
                    position, "_record", "record_in_approval", process=in_approval[old["id"]]
                )
            else:
                updates.append(k)
        self._written_keys.update((key, value) for value in seen)
        if updates:
            self.update(
                [positions[k] for k in updates],
                [rows[k] for k in updates],
                [found[keys[k]] for k in updates],
                key,
            )
        if new_rows:
            new_rows.sort()
            self.create([positions[k] for k in new_rows], [rows[k] for k in new_rows])

    def _key_value(self, key: str, raw: Any) -> Any:
        if key == "id":
            return raw.lower() if isinstance(raw, str) and UUID_RE.match(raw) else None
        f = self.obj.fields[key]
        try:
            return impl_for(f).coerce(f, raw)
        except Invalid:
            return None

    def _load(self, key: str, values: set[Any]) -> dict[Any, dict[str, Any]]:
        """The records the actor sees with these keys, locked until the transaction ends."""
        table = self.obj.table
        column = table.c[key]
        found: dict[Any, dict[str, Any]] = {}
        ordered = sorted(values, key=str)
        for start in range(0, len(ordered), 500):
            stmt = sa.select(table).where(
                column.in_(ordered[start : start + 500]),
                *visible_rows(self.ctx, self.obj, table),
            )
            if self.ctx.dialect == "postgresql":
                stmt = stmt.with_for_update(of=table)
            for row in self.ctx.conn.execute(stmt).mappings():
                found[row[key]] = dict(row)
        return found

    def _editable(self, ids: list[str]) -> set[str]:
        access = self.ctx.policy.row_filter(self.obj, self.obj.table, Operation.EDIT)
        if access is None or not ids:
            return set(ids)
        table = self.obj.table
        allowed: set[str] = set()
        for start in range(0, len(ids), 500):
            allowed.update(
                self.ctx.conn.execute(
                    sa.select(table.c.id).where(table.c.id.in_(ids[start : start + 500]), access)
                ).scalars()
            )
        return allowed

    def _in_approval(self, ids: list[str]) -> dict[str, str]:
        """Records under a pending approval (keyi.platform.approvals.lock, for many records)."""
        if not ids or self.ctx.actor.is_admin or self.obj.name not in locking_objects(self.ctx):
            return {}
        t = approval_table
        pending: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            for record_id, process in self.ctx.conn.execute(
                sa.select(t.c.record_id, t.c.process_name).where(
                    t.c.object == self.obj.name,
                    t.c.record_id.in_(ids[start : start + 500]),
                    t.c.status == "pending",
                )
            ):
                pending[record_id] = process
        return pending

    def update(
        self,
        positions: list[int],
        rows: Sequence[dict[str, Any]],
        olds: list[dict[str, Any]],
        key: str,
    ) -> None:
        ctx, obj, svc = self.ctx, self.obj, self.svc
        errors = FieldErrors()
        changes: list[dict[str, Any]] = []
        currency = ctx.settings.get("currency", "CNY")
        verdicts: Verdicts = {}
        for k, (data, old) in enumerate(zip(rows, olds, strict=True)):
            prefix = f"{k}."
            # The key finds the record; it is not a value to write (an external id may be
            # read-only to the importer).
            given = {name: value for name, value in data.items() if name != key}
            values = coerce_input(
                ctx, obj, given, errors, prefix, trusted_fields=self.trusted, verdicts=verdicts
            )
            changed = {name: v for name, v in values.items() if old.get(name) != v}
            for f in obj.definition.fields:
                if (
                    f.type == FieldType.CURRENCY
                    and changed.get(f.name) is not None
                    and not old.get(currency_column(f.name))
                ):
                    changed.setdefault(currency_column(f.name), currency)
            check_required(obj, {**old, **changed}, errors, prefix, only=set(changed))
            changes.append(changed)
        svc._check_references(obj, changes, errors, True)
        svc._check_owners(obj, changes, errors, True)
        svc._check_unique(
            obj,
            changes,
            errors,
            True,
            existing_ids=None,
            own_ids=[old["id"] for old in olds],
            within_batch=False,
        )
        refused = self._take(errors, positions)
        candidates = []
        for k, (position, old) in enumerate(zip(positions, olds, strict=True)):
            if position in refused:
                continue
            if changes[k]:
                candidates.append(k)
            else:
                self.result.unchanged.append(old["id"])
                self.result.ids[position] = old["id"]

        def validate(work: list[dict[str, Any]], ks: list[int]) -> FieldErrors:
            events = [
                WriteEvent("update", obj.name, olds[k]["id"], olds[k], changed)
                for k, changed in zip(ks, work, strict=True)
            ]
            late = FieldErrors()
            with regex_time_budget(REGEX_BATCH_SECONDS):
                registry.run_before_save_many(ctx, events)
                values_for = svc.expression_values_for(obj)
                for j, (k, event) in enumerate(zip(ks, events, strict=True)):
                    flow_triggers.before_save(ctx, obj, event, values_for)
                    for item in event.errors.items:
                        late.add(f"{j}.{item.field}", item.code, **item.params)
                    svc._run_validation_rules(obj, {**olds[k], **event.values}, late, f"{j}.")
            return late

        winners, stored = self._settle(positions, changes, candidates, validate)
        self._repeats_of_stored(positions, changes, winners, _local(positions, refused))
        if winners:
            self._store_updates([positions[k] for k in winners], [olds[k] for k in winners], stored)

    def _store_updates(
        self, positions: list[int], olds: list[dict[str, Any]], changes: list[dict[str, Any]]
    ) -> None:
        """One executemany per shape of change (the set of columns written), then history,
        outbox, flows, index and after-write hooks for the batch at once."""
        ctx, obj, svc = self.ctx, self.obj, self.svc
        now, actor = ctx.now(), ctx.actor.id
        table = obj.table
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for old, changed in zip(olds, changes, strict=True):
            changed.update(version=old["version"] + 1, updated_at=now, updated_by=actor)
            shapes[tuple(sorted(changed))].append(
                {**changed, _ID_PARAM: old["id"], _VERSION_PARAM: old["version"]}
            )
        with svc._unique_violation_as_error(obj):
            for params in shapes.values():
                result = ctx.conn.execute(
                    sa.update(table).where(
                        table.c.id == sa.bindparam(_ID_PARAM),
                        table.c.version == sa.bindparam(_VERSION_PARAM),
                        table.c.deleted_at.is_(None),
                    ),
                    params,
                )
                # The rows are locked since they were loaded; kept as a guard, as in update().
                if ctx.conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
                    raise StaleVersion(current=None)
        news = [{**old, **changed} for old, changed in zip(olds, changes, strict=True)]
        svc._refresh_rollups(obj, [*olds, *news])
        diffs = [
            svc._changes(obj, old, changed) for old, changed in zip(olds, changes, strict=True)
        ]
        svc._write_history(
            obj, [(old["id"], "update", diff) for old, diff in zip(olds, diffs, strict=True)]
        )
        svc._write_outbox(
            obj,
            "updated",
            [
                (old["id"], {"fields": [c["field"] for c in diff]})
                for old, diff in zip(olds, diffs, strict=True)
            ],
        )
        svc._start_flows(obj, TriggerEvent.UPDATED, list(zip(olds, news, strict=True)))
        reindex = [
            new
            for new, changed in zip(news, changes, strict=True)
            if svc._search_fields_changed(obj, changed)
        ]
        if reindex:
            svc._index(obj, reindex)
        if obj.name == "user":
            for new, changed in zip(news, changes, strict=True):
                if "is_active" in changed:
                    ctx.user_status_changes[new["id"]] = bool(changed["is_active"])
        svc._after_write(obj, "update", list(zip(olds, news, strict=True)))
        for position, old in zip(positions, olds, strict=True):
            self.result.before[old["id"]] = old
            self.result.ids[position] = old["id"]
            self.updated_at.append(position)


def _local(positions: list[int], chosen: set[int]) -> list[int]:
    """Indexes into ``positions`` of the chosen input rows."""
    return [k for k, position in enumerate(positions) if position in chosen]


def _repeats(obj: CompiledObject, rows: list[dict[str, Any]]) -> dict[int, list[str]]:
    """Rows (by index) repeating a unique value of an earlier row, and which fields."""
    found: dict[int, list[str]] = {}
    for f in obj.definition.fields:
        if not f.unique:
            continue
        seen: set[Any] = set()
        for j, values in enumerate(rows):
            value = values.get(f.name)
            if value is None:
                continue
            if value in seen:
                found.setdefault(j, []).append(f.name)
            seen.add(value)
    return found


__all__ = ["BATCH_SIZE", "MODES", "BulkResult", "Mode", "bulk_write"]
