"""The single write path for records (docs/architecture.md, "One write path, one read path").

authorise → coerce and validate types → defaults, auto-numbers → references and uniqueness →
hooks → validation rules → write with version check → roll-ups → history + outbox + search
index → after-write hooks, all in the caller's transaction. Every path that changes records —
API, web app, import, automation, demo data — comes through here; batches are the normal case
(one record is a batch of one), so imports get the same checks at bulk speed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from keyi.platform.access.policy import master_link
from keyi.platform.approvals.lock import check_not_locked
from keyi.platform.automation import triggers as flow_triggers
from keyi.platform.automation.model import TriggerEvent
from keyi.platform.context import Context
from keyi.platform.dbconflicts import unique_field
from keyi.platform.errors import (
    Conflict,
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from keyi.platform.expressions import (
    Expression,
    ExpressionError,
    RegexTimeout,
    evaluate,
    is_truthy,
    parse,
    references,
    regex_time_budget,
)
from keyi.platform.fieldtypes import UUID_RE, currency_column, impl_for
from keyi.platform.hooks import AfterWriteEvent, DeleteEvent, WriteEvent, registry
from keyi.platform.i18n import label
from keyi.platform.ids import new_id
from keyi.platform.jsoncodec import loads_exact
from keyi.platform.metadata.model import (
    OWNER_FIELD,
    REFERENCE_TYPES,
    TEXT_LIKE,
    FieldDef,
    FieldType,
)
from keyi.platform.permissions import Operation
from keyi.platform.query.listing import fetch_one
from keyi.platform.query.paths import PathError, PathResolver
from keyi.platform.query.plan import visible_rows
from keyi.platform.query.serialize import readable_name_column, reference_titles
from keyi.platform.records import autonumber, rollups, statistics
from keyi.platform.records.rowwrite import insert_rows
from keyi.platform.records.values import (
    Verdicts,
    apply_defaults,
    check_required,
    coerce_input,
)
from keyi.platform.schema import CompiledObject, history_table, outbox_table, search_table
from keyi.platform.search import index_records, remove_record
from keyi.platform.search.storage import stored_table

NAME_WEIGHT = 3
FIELD_WEIGHT = 1
MAX_BATCH = 5000
REGEX_BATCH_SECONDS = 1.0
"""Total time REGEX in validation rules may take for one create batch or update (each
evaluation also stops at REGEX_TIMEOUT): past it, rows that still need a REGEX are refused with
`rule_timeout`, so pathological values cannot hold the transaction for long."""


def search_texts(obj: CompiledObject, values: dict[str, Any]) -> list[tuple[str | None, int]]:
    """What the search index holds for a record: its name at NAME_WEIGHT, searchable text-like
    fields at FIELD_WEIGHT (shared by writes and :mod:`keyi.platform.records.reindex`)."""
    texts: list[tuple[str | None, int]] = []
    name_field = obj.definition.name_field
    for f in obj.definition.fields:
        if f.type not in TEXT_LIKE:
            continue
        if f.name == name_field:
            texts.append((values.get(f.name), NAME_WEIGHT))
        elif f.searchable:
            texts.append((values.get(f.name), FIELD_WEIGHT))
    return texts


class RecordsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.conn = ctx.conn

    # ================================================================ reads
    def get(self, object_name: str, record_id: str, *, deleted: bool = False) -> dict[str, Any]:
        record = fetch_one(self.ctx, object_name, record_id, deleted=deleted)
        if record is None:
            raise NotFound("record_not_found")
        return record

    def history(self, object_name: str, record_id: str) -> list[dict[str, Any]]:
        obj = self.ctx.object(object_name)
        # Visible (or in the recycle bin and visible): history follows record access.
        if self._load(obj, record_id) is None and self._load(obj, record_id, deleted=True) is None:
            raise NotFound("record_not_found")
        readable = {n for n, f in obj.fields.items() if self.ctx.policy.can_read_field(obj, f)}
        h = history_table
        rows = self.conn.execute(
            # The changes as stored text, parsed here so decimals keep their digits.
            sa.select(
                h.c.id,
                h.c.at,
                h.c.actor_id,
                h.c.operation,
                sa.cast(h.c.changes, sa.Text).label("changes"),
            )
            .where(h.c.object == object_name, h.c.record_id == record_id)
            .order_by(h.c.id.desc())
            .limit(500)
        ).mappings()
        entries = []
        actor_ids = set()
        for row in rows:
            changes = [
                c
                for c in loads_exact(row["changes"])
                if c["field"].removesuffix("_currency") in readable or c["field"] in readable
            ]
            entries.append(
                {
                    "id": row["id"],
                    "at": impl_for(obj.fields["created_at"]).to_json(
                        obj.fields["created_at"], row["at"]
                    ),
                    "by": row["actor_id"],
                    "operation": row["operation"],
                    "changes": changes,
                }
            )
            if row["actor_id"]:
                actor_ids.add(row["actor_id"])
        names = self._user_names(actor_ids)
        for entry in entries:
            entry["by_name"] = names.get(entry["by"]) if entry["by"] else None
        self._title_references(obj, [c for e in entries for c in e["changes"]])
        return entries

    def _title_references(self, obj: CompiledObject, changes: list[dict[str, Any]]) -> None:
        """Give changed references (owner, pool, lookups) the titles of the records they name,
        as `_display: {old, new}`, so history reads "王芳 → 李雷" rather than two ids. Titles
        follow the `_display` rule: a record the reader may not see stays an id."""
        wanted: dict[str, set[str]] = defaultdict(set)
        targets: list[tuple[dict[str, Any], str]] = []
        for change in changes:
            f = obj.fields.get(change["field"])
            if f is None or f.type not in REFERENCE_TYPES or not f.target:
                continue
            targets.append((change, f.target))
            for side in ("old", "new"):
                if isinstance(change.get(side), str) and UUID_RE.match(change[side]):
                    wanted[f.target].add(change[side])
        if not wanted:
            return
        titles = reference_titles(self.ctx, wanted)
        for change, target in targets:
            shown = {
                side: titles[(target, change[side])]
                for side in ("old", "new")
                if isinstance(change.get(side), str) and (target, change[side]) in titles
            }
            if shown:
                change["_display"] = shown

    # ================================================================ create
    def create(self, object_name: str, data: dict[str, Any]) -> dict[str, Any]:
        record_id = self.create_many(object_name, [data])[0]
        return self.get(object_name, record_id)

    def create_many(
        self,
        object_name: str,
        rows: Sequence[dict[str, Any]],
        *,
        trusted_fields: frozenset[str] = frozenset(),
    ) -> list[str]:
        """Create records in one batch; all or nothing. Errors are keyed `N.field` for N > 1.

        ``trusted_fields``: read-only fields a platform or package service fills (never a
        request), as for :meth:`update`."""
        obj = self.ctx.object(object_name)
        if not self.ctx.policy.can(obj, Operation.CREATE):
            raise Forbidden()
        if not rows:
            return []
        if len(rows) > MAX_BATCH:
            raise Conflict("invalid_request")
        many = len(rows) > 1
        errors = FieldErrors()
        batch, defaulted = self._coerce_creates(obj, rows, errors, many, trusted_fields)
        self._check_creates(obj, batch, errors, many)
        errors.raise_if_any()
        ids = self._stamp_creates(obj, batch)
        self._validate_creates(obj, batch, defaulted, errors, many)
        errors.raise_if_any()
        self._store_creates(obj, batch)
        return ids

    # The phases of a create, shared with the bulk path (keyi.platform.records.bulk), which runs
    # them on the rows that survived the phase before instead of stopping at the first error.
    def _coerce_creates(
        self,
        obj: CompiledObject,
        rows: Sequence[dict[str, Any]],
        errors: FieldErrors,
        many: bool,
        trusted_fields: frozenset[str],
    ) -> tuple[list[dict[str, Any]], list[frozenset[str]]]:
        """Typed values with defaults and the required check; which fields were defaulted."""
        batch: list[dict[str, Any]] = []
        defaulted: list[frozenset[str]] = []
        verdicts: Verdicts = {}
        for i, data in enumerate(rows):
            prefix = f"{i}." if many else ""
            values = coerce_input(
                self.ctx,
                obj,
                data,
                errors,
                prefix,
                trusted_fields=trusted_fields,
                verdicts=verdicts,
            )
            given = set(values)
            apply_defaults(self.ctx, obj, values)
            defaulted.append(frozenset(values.keys() - given))
            check_required(obj, values, errors, prefix)
            batch.append(values)
        return batch, defaulted

    def _check_creates(
        self, obj: CompiledObject, batch: list[dict[str, Any]], errors: FieldErrors, many: bool
    ) -> None:
        """References, owners and uniqueness: one query per field per batch."""
        self._check_references(obj, batch, errors, many)
        self._check_owners(obj, batch, errors, many)
        self._check_unique(obj, batch, errors, many, existing_ids=None)

    def _stamp_creates(self, obj: CompiledObject, batch: list[dict[str, Any]]) -> list[str]:
        """Ids, versions, audit stamps, empty roll-ups and auto-numbers of new records."""
        now, actor = self.ctx.now(), self.ctx.actor.id
        ids = []
        empty = rollups.empty_summaries(obj)
        for values in batch:
            record_id = new_id()
            ids.append(record_id)
            values.update(
                id=record_id,
                version=1,
                created_at=now,
                created_by=actor,
                updated_at=now,
                updated_by=actor,
            )
            # A new parent has no children yet: its counts and sums are 0, as after its last
            # child goes (a roll-up is only recomputed when a child is written).
            values.update(empty)
        self._assign_auto_numbers(obj, batch)
        return ids

    def _validate_creates(
        self,
        obj: CompiledObject,
        batch: list[dict[str, Any]],
        defaulted: list[frozenset[str]],
        errors: FieldErrors,
        many: bool,
    ) -> None:
        """Before-save hooks and flows, then validation rules, on the stamped rows."""
        events = [
            WriteEvent("create", obj.name, values["id"], None, values, defaulted=defaulted[i])
            for i, values in enumerate(batch)
        ]
        with regex_time_budget(REGEX_BATCH_SECONDS):
            # The hooks see the whole batch, so what they read from other records (a line's
            # product, its parent) is read once per batch, not once per row.
            registry.run_before_save_many(self.ctx, events)
            values_for = self.expression_values_for(obj)
            for i, (values, event) in enumerate(zip(batch, events, strict=True)):
                flow_triggers.before_save(self.ctx, obj, event, values_for)
                prefix = f"{i}." if many else ""
                for item in event.errors.items:
                    errors.add(prefix + item.field, item.code, **item.params)
                self._run_validation_rules(obj, values, errors, prefix)

    def _store_creates(self, obj: CompiledObject, batch: list[dict[str, Any]]) -> None:
        """Write checked rows and everything that follows a creation, in bulk."""
        # Every row gets every column so executemany stays one statement shape.
        stored = [c.name for c in obj.table.columns if c.name != "deleted_at"]
        with self._unique_violation_as_error(obj):
            insert_rows(self.conn, obj.table, [{n: v.get(n) for n in stored} for v in batch])
        self._refresh_rollups(obj, batch)
        # A creation is recorded as such, not as a copy of every value: the record holds them,
        # and later updates record old → new per field (a full copy was a fifth of a tenant).
        self._write_history(obj, [(values["id"], "create", []) for values in batch])
        # Events are small (ids, object, event, changed field names): consumers re-read the record.
        self._write_outbox(obj, "created", [(values["id"], {}) for values in batch])
        self._start_flows(obj, TriggerEvent.CREATED, [(None, values) for values in batch])
        self._index(obj, batch, fresh=True)
        self._after_write(obj, "create", [(None, values) for values in batch])
        # A large batch may leave the planner statistics of a much smaller table (autovacuum off
        # or behind): refresh them now rather than let later statements plan for an empty table.
        statistics.analyze_if_stale(
            self.conn,
            obj.table.name,
            len(batch),
            also=(
                stored_table(self.conn, search_table).name,
                history_table.name,
                outbox_table.name,
            ),
        )

    # ================================================================ update
    def update(
        self,
        object_name: str,
        record_id: str,
        data: dict[str, Any],
        *,
        expected_version: int | None = None,
        trusted_fields: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        obj = self.ctx.object(object_name)
        old = self._load_for_change(obj, record_id, Operation.EDIT)
        if expected_version is not None and expected_version != old["version"]:
            raise StaleVersion(current=old["version"])
        check_not_locked(self.ctx, obj.name, record_id)
        errors = FieldErrors()
        values = coerce_input(self.ctx, obj, data, errors, trusted_fields=trusted_fields)
        changed = {k: v for k, v in values.items() if old.get(k) != v}
        for f in obj.definition.fields:
            if (
                f.type == FieldType.CURRENCY
                and changed.get(f.name) is not None
                and not old.get(currency_column(f.name))
            ):
                changed.setdefault(
                    currency_column(f.name), self.ctx.settings.get("currency", "CNY")
                )
        final = {**old, **changed}
        check_required(obj, final, errors, only=set(changed))
        self._check_references(obj, [changed], errors, False)
        if changed.get(OWNER_FIELD) is not None:
            self._check_owners(obj, [changed], errors, False)
        self._check_unique(obj, [changed], errors, False, existing_ids=[record_id])
        errors.raise_if_any()
        if not changed:
            return self.get(object_name, record_id)
        event = WriteEvent("update", obj.name, record_id, old, changed)
        registry.run_before_save(self.ctx, event)
        flow_triggers.before_save(self.ctx, obj, event, self.expression_values_for(obj))
        errors.items.extend(event.errors.items)
        with regex_time_budget(REGEX_BATCH_SECONDS):
            self._run_validation_rules(obj, {**old, **changed}, errors, "")
        errors.raise_if_any()
        changed.update(
            version=old["version"] + 1, updated_at=self.ctx.now(), updated_by=self.ctx.actor.id
        )
        with self._unique_violation_as_error(obj):
            result = self.conn.execute(
                sa.update(obj.table)
                .where(
                    obj.table.c.id == record_id,
                    obj.table.c.version == old["version"],
                    obj.table.c.deleted_at.is_(None),
                )
                .values(changed)
            )
        if result.rowcount != 1:
            # The row is locked since _load_for_change, so this should not happen; kept as a
            # guard should a path ever write without the lock.
            current = self.conn.execute(
                sa.select(obj.table.c.version).where(obj.table.c.id == record_id)
            ).scalar()
            raise StaleVersion(current=current)
        new = {**old, **changed}
        self._refresh_rollups(obj, [old, new])
        diff = self._changes(obj, old, changed)
        self._write_history(obj, [(record_id, "update", diff)])
        self._write_outbox(obj, "updated", [(record_id, {"fields": [c["field"] for c in diff]})])
        self._start_flows(obj, TriggerEvent.UPDATED, [(old, new)])
        if self._search_fields_changed(obj, changed):
            self._index(obj, [new])
        if obj.name == "user" and "is_active" in changed:
            # Sign-in state lives in the control database: applied before commit (Platform.context).
            self.ctx.user_status_changes[record_id] = bool(changed["is_active"])
        self._after_write(obj, "update", [(old, new)])
        return self.get(object_name, record_id)

    # ================================================================ delete / restore
    def delete(
        self, object_name: str, record_id: str, *, expected_version: int | None = None
    ) -> None:
        obj = self.ctx.object(object_name)
        old = self._load_for_change(obj, record_id, Operation.DELETE)
        if expected_version is not None and expected_version != old["version"]:
            raise StaleVersion(current=old["version"])
        check_not_locked(self.ctx, obj.name, record_id)
        registry.run_before_delete(self.ctx, DeleteEvent(obj.name, record_id, dict(old)))
        deleted_at = self.ctx.now()
        self._soft_delete(obj, [old], deleted_at)

    def _soft_delete(
        self, obj: CompiledObject, rows: list[dict[str, Any]], deleted_at: Any
    ) -> None:
        ids = [row["id"] for row in rows]
        self.conn.execute(
            sa.update(obj.table)
            .where(obj.table.c.id.in_(ids), obj.table.c.deleted_at.is_(None))
            .values(
                deleted_at=deleted_at,
                version=obj.table.c.version + 1,
                updated_at=deleted_at,
                updated_by=self.ctx.actor.id,
            )
        )
        self._refresh_rollups(obj, rows)
        self._write_history(obj, [(i, "delete", []) for i in ids])
        self._write_outbox(obj, "deleted", [(i, {}) for i in ids])
        self._start_flows(obj, TriggerEvent.DELETED, [(row, None) for row in rows])
        for record_id in ids:
            remove_record(self.conn, search_table, object_name=obj.name, record_id=record_id)
            if obj.name == "user":
                self.ctx.user_status_changes[record_id] = False
        # Master-detail children go to the recycle bin with their master, marked with the same
        # time, so restoring the master brings back exactly these children.
        for child, link in self.ctx.schema.children_of(obj.name):
            if link.type != FieldType.MASTER_DETAIL:
                continue
            children = (
                self.conn.execute(
                    sa.select(child.table).where(
                        child.table.c[link.name].in_(ids), child.table.c.deleted_at.is_(None)
                    )
                )
                .mappings()
                .all()
            )
            if children:
                self._soft_delete(child, [dict(c) for c in children], deleted_at)
        self._after_write(obj, "delete", [(row, None) for row in rows])

    def restore(self, object_name: str, record_id: str) -> dict[str, Any]:
        obj = self.ctx.object(object_name)
        if not self.ctx.policy.can(obj, Operation.DELETE):
            raise Forbidden()
        # Locked: of two concurrent restores, the second waits, then finds the record alive.
        row = self._load(obj, record_id, deleted=True, lock=True)
        if row is None:
            if self._load(obj, record_id) is not None:
                raise Conflict("not_deleted")
            raise NotFound("record_not_found")
        self._check_row_access(obj, record_id, Operation.DELETE, deleted=True)
        self._restore(obj, [row])
        if obj.name == "user":
            self.ctx.user_status_changes[record_id] = bool(row.get("is_active"))
        return self.get(object_name, record_id)

    def _restore(self, obj: CompiledObject, rows: list[dict[str, Any]]) -> None:
        errors = FieldErrors()
        for f in obj.definition.fields:
            if f.type == FieldType.MASTER_DETAIL:
                parents = {r[f.name] for r in rows if r.get(f.name)}
                target = self.ctx.object(f.target or "")
                alive = (
                    set(
                        self.conn.execute(
                            sa.select(target.table.c.id).where(
                                target.table.c.id.in_(parents), target.table.c.deleted_at.is_(None)
                            )
                        ).scalars()
                    )
                    if parents
                    else set()
                )
                if parents - alive:
                    raise Conflict(
                        "restore_conflict", reason=f"{f.name}: the master record is deleted"
                    )
        self._check_unique(
            obj,
            [{k: v for k, v in r.items() if k != "id"} for r in rows],
            errors,
            False,
            existing_ids=[r["id"] for r in rows],
        )
        if errors:
            raise Conflict(
                "restore_conflict", reason=", ".join(sorted({e.field for e in errors.items}))
            )
        ids = [r["id"] for r in rows]
        stamps = {r["deleted_at"] for r in rows}
        now = self.ctx.now()
        try:
            self.conn.execute(
                sa.update(obj.table)
                .where(obj.table.c.id.in_(ids))
                .values(
                    deleted_at=None,
                    version=obj.table.c.version + 1,
                    updated_at=now,
                    updated_by=self.ctx.actor.id,
                )
            )
        except sa_exc.IntegrityError as exc:
            # A live record took the value between the check above and this write.
            name = unique_field(obj, exc)
            if name is None:
                raise
            raise Conflict("restore_conflict", reason=name) from exc
        self._refresh_rollups(obj, rows)
        self._write_history(obj, [(i, "restore", []) for i in ids])
        self._write_outbox(obj, "restored", [(i, {}) for i in ids])
        self._index(obj, rows)
        for child, link in self.ctx.schema.children_of(obj.name):
            if link.type != FieldType.MASTER_DETAIL:
                continue
            children = (
                self.conn.execute(
                    sa.select(child.table).where(
                        child.table.c[link.name].in_(ids), child.table.c.deleted_at.in_(stamps)
                    )
                )
                .mappings()
                .all()
            )
            if children:
                self._restore(child, [dict(c) for c in children])
        self._after_write(obj, "restore", [(None, {**row, "deleted_at": None}) for row in rows])

    # ================================================================ checks
    def _load(
        self, obj: CompiledObject, record_id: str, *, deleted: bool = False, lock: bool = False
    ) -> dict[str, Any] | None:
        """The row if the actor sees it; `lock` holds it (FOR UPDATE) until the transaction ends.

        Writers lock the row they change: a concurrent writer of the same record waits, then
        re-reads the committed row (PostgreSQL re-checks the WHERE on the new version), so two
        deletes cannot both succeed and an update applies to the current version. SQLite needs
        no lock: BEGIN IMMEDIATE already serialises writing transactions.
        """
        stmt = sa.select(obj.table).where(
            obj.table.c.id == record_id, *visible_rows(self.ctx, obj, obj.table, deleted=deleted)
        )
        if lock:
            stmt = stmt.with_for_update(of=obj.table)
        row = self.conn.execute(stmt).mappings().first()
        return dict(row) if row else None

    def load_for_edit(self, object_name: str, record_id: str) -> dict[str, Any]:
        """The stored row of a record the actor may edit, locked until the transaction ends
        (for services that act on a record without changing it yet: an approval submission)."""
        return self._load_for_change(self.ctx.object(object_name), record_id, Operation.EDIT)

    def _load_for_change(
        self, obj: CompiledObject, record_id: str, op: Operation
    ) -> dict[str, Any]:
        if not self.ctx.policy.can(obj, op):
            raise Forbidden()
        old = self._load(obj, record_id, lock=True)
        if old is None:
            raise NotFound("record_not_found")
        self._check_row_access(obj, record_id, op)
        return old

    @contextmanager
    def _unique_violation_as_error(self, obj: CompiledObject) -> Iterator[None]:
        """A unique index refusing the write becomes `not_unique` on its field.

        _check_unique answers the usual case; this one the race it cannot see: a concurrent
        transaction that inserted the same value and committed after our check."""
        try:
            yield
        except sa_exc.IntegrityError as exc:
            name = unique_field(obj, exc)
            if name is None:
                raise
            failure = ValidationFailed([FieldError(name, "not_unique")])
            self.ctx.aborted_by = failure
            raise failure from exc

    def _check_owners(
        self, obj: CompiledObject, batch: list[dict[str, Any]], errors: FieldErrors, many: bool
    ) -> None:
        """Owners the actor may assign: refused before anything is written, rather than after
        the insert when the record turns out to be invisible to its own creator."""
        if not obj.definition.features.owner:
            return
        wanted = {v[OWNER_FIELD] for v in batch if v.get(OWNER_FIELD)} - {self.ctx.actor.id}
        if not wanted:
            return
        users = self.ctx.schema.get("user")
        if users is None:
            return
        predicate = self.ctx.policy.assignable_owners(obj, users.table.c.id)
        if predicate is None:
            return
        allowed = set(
            self.conn.execute(
                sa.select(users.table.c.id).where(users.table.c.id.in_(sorted(wanted)), predicate)
            ).scalars()
        )
        for i, values in enumerate(batch):
            if values.get(OWNER_FIELD) in wanted - allowed:
                errors.add((f"{i}." if many else "") + OWNER_FIELD, "owner_out_of_scope")

    def _check_row_access(
        self, obj: CompiledObject, record_id: str, op: Operation, *, deleted: bool = False
    ) -> None:
        access = self.ctx.policy.row_filter(obj, obj.table, op)
        if access is None:
            return
        allowed = self.conn.execute(
            sa.select(obj.table.c.id).where(obj.table.c.id == record_id, access)
        ).first()
        if allowed is None:
            raise Forbidden()

    def _check_references(
        self, obj: CompiledObject, batch: list[dict[str, Any]], errors: FieldErrors, many: bool
    ) -> None:
        for f in obj.fields.values():
            if f.type not in REFERENCE_TYPES or f.name in ("created_by", "updated_by"):
                continue
            wanted = {values[f.name] for values in batch if values.get(f.name)}
            found: set[str] = set()
            if f.target == "user":
                signed_in = self._signed_in_user()
                if signed_in is not None and signed_in in wanted:
                    wanted.discard(signed_in)
                    found.add(signed_in)
            if not wanted:
                continue
            target = self.ctx.schema.get(f.target or "")
            if target is None:
                continue
            predicates = visible_rows(self.ctx, target, target.table)
            link = master_link(obj)
            if link is not None and link.name == f.name:
                # A detail inherits its master's access: adding a line to a quote, or moving
                # one to another quote, needs that quote editable, not only readable.
                editable = self.ctx.policy.row_filter(target, target.table, Operation.EDIT)
                if editable is not None:
                    predicates = [*predicates, editable]
            for chunk in _chunks(sorted(wanted), 500):
                found.update(
                    self.conn.execute(
                        sa.select(target.table.c.id).where(
                            target.table.c.id.in_(chunk), *predicates
                        )
                    ).scalars()
                )
            for i, values in enumerate(batch):
                if values.get(f.name) and values[f.name] not in found:
                    errors.add(
                        (f"{i}." if many else "") + f.name,
                        "invalid_reference",
                        target=label(target.definition.labels, self.ctx.locale, target.name),
                    )

    def _signed_in_user(self) -> str | None:
        """The acting user's id when this transaction loaded them as a live user (the request
        did, to build the access policy): a reference to them needs no further check."""
        principal = getattr(self.ctx.policy, "principal", None)
        if principal is None or principal.user_id != self.ctx.actor.id:
            return None
        return str(principal.user_id)

    def _check_unique(
        self,
        obj: CompiledObject,
        batch: list[dict[str, Any]],
        errors: FieldErrors,
        many: bool,
        existing_ids: list[str] | None,
        *,
        own_ids: Sequence[str | None] | None = None,
        within_batch: bool = True,
    ) -> None:
        """Unique values: repeats within the batch (the first keeps it) and values live records
        hold, as one query per field and 500 values. ``existing_ids`` are records the check
        ignores (the ones being changed); ``own_ids`` (bulk updates) names, row by row, the
        record a row changes, so a value is only taken when another record holds it; without
        ``within_batch`` rows are only checked against stored records."""
        for f in obj.definition.fields:
            if not f.unique:
                continue
            seen: dict[Any, int] = {}
            for i, values in enumerate(batch):
                value = values.get(f.name)
                if value is None:
                    continue
                if value in seen and within_batch:
                    errors.add((f"{i}." if many else "") + f.name, "not_unique")
                seen.setdefault(value, i)
            if not seen:
                continue
            column = obj.table.c[f.name]
            holders: dict[Any, str] = {}
            for chunk in _chunks(list(seen), 500):
                stmt = sa.select(column, obj.table.c.id).where(
                    column.in_(chunk), obj.table.c.deleted_at.is_(None)
                )
                if existing_ids:
                    stmt = stmt.where(obj.table.c.id.not_in(existing_ids))
                holders.update((value, holder) for value, holder in self.conn.execute(stmt))
            for i, values in enumerate(batch):
                value = values.get(f.name)
                if value is None or value not in holders:
                    continue
                if seen[value] != i and within_batch:
                    continue  # already refused as a repeat within the batch
                if own_ids is not None and own_ids[i] == holders[value]:
                    continue
                errors.add((f"{i}." if many else "") + f.name, "not_unique")

    def _assign_auto_numbers(self, obj: CompiledObject, batch: list[dict[str, Any]]) -> None:
        today = self.ctx.today()
        for f in obj.definition.fields:
            if f.type != FieldType.AUTO_NUMBER or not f.pattern:
                continue
            period = autonumber.period_key(f.pattern, today)
            numbers = autonumber.take_numbers(self.conn, obj.name, f.name, period, len(batch))
            for values, number in zip(batch, numbers, strict=True):
                values[f.name] = autonumber.render(f.pattern, today, number)

    def _run_validation_rules(
        self, obj: CompiledObject, final: dict[str, Any], errors: FieldErrors, prefix: str
    ) -> None:
        for rule in obj.definition.validation_rules:
            if not rule.active:
                continue
            try:
                expr, paths = _parsed(rule.condition)
                values = self._expression_values(obj, final, paths)
                failed = is_truthy(
                    evaluate(expr, values, today=self.ctx.today(), now=self.ctx.now())
                )
            except RegexTimeout:
                # The value, not the rule, is at fault (a pattern that backtracks on it):
                # refuse it rather than let it through unchecked.
                errors.add(prefix + (rule.field or "_record"), "rule_timeout", rule=rule.name)
                continue
            except (ExpressionError, PathError):
                failed = False  # A rule that cannot be evaluated never blocks data entry.
            if failed:
                errors.add(
                    prefix + (rule.field or "_record"),
                    "validation_rule",
                    message=label(rule.message, self.ctx.locale, rule.name),
                    rule=rule.name,
                )

    def _start_flows(
        self,
        obj: CompiledObject,
        kind: TriggerEvent,
        changes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]],
    ) -> None:
        """Enqueue the after-commit flows these writes start (keyi.platform.automation)."""
        if not flow_triggers.active_flows(self.ctx, obj.name):
            return
        values_for = self.expression_values_for(obj)
        for old, new in changes:
            record = new if new is not None else old
            assert record is not None
            flow_triggers.after_write(self.ctx, obj, kind, record["id"], old, new, values_for)

    def expression_values_for(self, obj: CompiledObject) -> flow_triggers.ValuesFor:
        """What an expression over ``obj``'s records reads (see :meth:`_expression_values`)."""
        return partial(self._expression_values, obj)

    def _expression_values(
        self, obj: CompiledObject, final: dict[str, Any], paths: frozenset[str]
    ) -> dict[str, Any]:
        """Values for an expression: own fields from the row being written, others via lookups."""
        values: dict[str, Any] = {}
        remote: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            head, _, rest = path.partition(".")
            f = obj.fields.get(head)
            if not rest:
                if f is not None and f.type == FieldType.FORMULA:
                    values[path] = self._formula_value(obj, final, f)
                else:
                    values[path] = final.get(head)
            else:
                remote[head].append(rest)
        for head, rests in remote.items():
            f = obj.fields[head]
            target = self.ctx.object(f.target or "")
            linked = final.get(head)
            row: dict[str, Any] = {}
            if linked:
                # Rules guard the data whoever writes it: they read linked records as the
                # system does, not through the writer's field masks and record access (a field
                # hidden from the writer made the path fail and the rule silently pass).
                resolver = PathResolver(self.ctx.as_system(), target)
                stmt = sa.select(*[resolver.column(r).label(r) for r in rests]).where(
                    target.table.c.id == linked
                )
                found = self.conn.execute(resolver.apply_joins(stmt)).mappings().first()
                row = dict(found) if found else {}
            for r in rests:
                values[f"{head}.{r}"] = row.get(r)
        return values

    def _formula_value(self, obj: CompiledObject, final: dict[str, Any], f: FieldDef) -> Any:
        expr = parse(f.expression or "")
        inner = self._expression_values(obj, final, references(expr))
        return evaluate(expr, inner, today=self.ctx.today(), now=self.ctx.now())

    # ================================================================ side effects
    def _after_write(
        self,
        obj: CompiledObject,
        operation: str,
        changes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]],
    ) -> None:
        """Run the after-write hooks last: the rows, their roll-ups, history and index are
        written, so a hook that reads a parent sees the new sums (keyi.platform.hooks)."""
        if not registry.has_after_write(obj.name):
            return
        events = []
        for old, new in changes:
            row = new if new is not None else old
            assert row is not None
            events.append(
                AfterWriteEvent(
                    operation,
                    obj.name,
                    row["id"],
                    dict(old) if old is not None else None,
                    dict(new) if new is not None else None,
                )
            )
        registry.run_after_write(self.ctx, events)

    def _refresh_rollups(self, obj: CompiledObject, rows: list[dict[str, Any]]) -> None:
        feeds = rollups.rollups_fed_by(self.ctx.schema, obj.name)
        if not feeds:
            return
        parents = {
            f.rollup.child_field: rollups.linked_ids(rows, f.rollup.child_field)
            for _, f in feeds
            if f.rollup is not None
        }
        rollups.recompute(self.conn, self.ctx.schema, obj.name, parents)

    def _changes(
        self, obj: CompiledObject, old: dict[str, Any], new: dict[str, Any]
    ) -> list[dict[str, Any]]:
        changes = []
        for name, value in new.items():
            f = obj.fields.get(name)
            if name in ("id", "version", "created_at", "created_by", "updated_at", "updated_by"):
                continue
            if f is None:
                if name.endswith("_currency"):
                    changes.append({"field": name, "old": old.get(name), "new": value})
                continue
            if old.get(name) == value:
                continue
            impl = impl_for(f)
            changes.append(
                {
                    "field": name,
                    "old": impl.to_json(f, old.get(name)) if old.get(name) is not None else None,
                    "new": impl.to_json(f, value) if value is not None else None,
                }
            )
        return changes

    def _write_history(
        self, obj: CompiledObject, entries: list[tuple[str, str, list[dict[str, Any]]]]
    ) -> None:
        if entries:
            # One audit entry per write call (a batch names up to 100 ids); the field-level
            # detail lives in the history.
            operation = entries[0][1]
            ids = [record_id for record_id, _, _ in entries]
            self.ctx.audit(
                f"record.{operation}",
                object_name=obj.name,
                record_id=ids[0] if len(ids) == 1 else None,
                count=len(ids),
                ids=ids[:100] if len(ids) > 1 else None,
            )
        if not obj.definition.features.history or not entries:
            return
        now, actor = self.ctx.now(), self.ctx.actor.id
        insert_rows(
            self.conn,
            history_table,
            [
                {
                    "id": new_id(),
                    "object": obj.name,
                    "record_id": record_id,
                    "operation": op,
                    "changes": changes,
                    "actor_id": actor,
                    "at": now,
                }
                for record_id, op, changes in entries
            ],
        )

    def _write_outbox(
        self, obj: CompiledObject, event: str, entries: list[tuple[str, dict[str, Any]]]
    ) -> None:
        if not entries:
            return
        now, actor = self.ctx.now(), self.ctx.actor.id
        insert_rows(
            self.conn,
            outbox_table,
            [
                {
                    "id": new_id(),
                    "event": f"record.{event}",
                    "object": obj.name,
                    "record_id": record_id,
                    "actor_id": actor,
                    "payload": payload,
                    "created_at": now,
                    "attempts": 0,
                }
                for record_id, payload in entries
            ],
        )

    def _search_texts(
        self, obj: CompiledObject, values: dict[str, Any]
    ) -> list[tuple[str | None, int]]:
        return search_texts(obj, values)

    def _search_fields_changed(self, obj: CompiledObject, changed: dict[str, Any]) -> bool:
        name_field = obj.definition.name_field
        return any(
            name == name_field or (obj.fields.get(name) is not None and obj.fields[name].searchable)
            for name in changed
        )

    def _index(self, obj: CompiledObject, rows: list[dict[str, Any]], fresh: bool = False) -> None:
        if not obj.definition.features.search:
            return
        index_records(
            self.conn,
            search_table,
            object_name=obj.name,
            documents=[(values["id"], self._search_texts(obj, values)) for values in rows],
            fresh=fresh,
        )

    def _user_names(self, ids: set[str]) -> dict[str, str]:
        """Names of the users behind history entries, as far as the reader may read them: the
        same rule as `_display` titles (object and name-field permission, record access)."""
        users = self.ctx.schema.get("user")
        if users is None or not ids:
            return {}
        name = readable_name_column(self.ctx, users)
        if name is None:
            return {}
        table = users.table
        stmt = sa.select(table.c.id, table.c[name]).where(table.c.id.in_(sorted(ids)))
        access = self.ctx.policy.row_filter(users, table, Operation.READ)
        if access is not None:
            stmt = stmt.where(access)
        return {row[0]: row[1] for row in self.conn.execute(stmt)}


@lru_cache(maxsize=1024)
def _parsed(condition: str) -> tuple[Expression, frozenset[str]]:
    """A rule's tree and the paths it reads: the same for every row a batch checks (finding
    the paths per row was a fifth of the rules' cost in a bulk create)."""
    expr = parse(condition)
    return expr, references(expr)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


__all__ = ["OWNER_FIELD", "RecordsService"]
