"""Bulk transfer of record ownership from one user to another (a leaver's book to a colleague).

Every record moves through the records service, exactly like an edit of its owner: access
checks, hooks, validation rules, history, audit, outbox and search index all apply per record.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, KeyiError, NotFound, ValidationFailed
from keyi.platform.metadata.model import OWNER_FIELD
from keyi.platform.query.filters import compile_filter
from keyi.platform.query.paths import PathError, PathResolver, path_error_to_validation
from keyi.platform.records import RecordsService
from keyi.platform.users import live_user, require_manager

TRANSFER_BATCH = 200
MAX_REPORTED_FAILURES = 100

ContextFactory = Callable[[], AbstractContextManager[Context]]


@dataclass(frozen=True)
class TransferItem:
    """One object to transfer, optionally narrowed by a query-language filter."""

    object_name: str
    filter: Any = None


def parse_transfer(
    ctx: Context, from_user: str, to_user: Any, objects: Any
) -> tuple[str, str, list[TransferItem]]:
    """Check a transfer: both users of this tenant, the receiver active, objects owned."""
    require_manager(ctx)
    source = live_user(ctx, from_user)
    problems: list[FieldError] = []
    target: dict[str, Any] | None = None
    if not isinstance(to_user, str) or not to_user:
        problems.append(FieldError("to_user", "required"))
    else:
        try:
            target = live_user(ctx, to_user)
        except NotFound:
            problems.append(FieldError("to_user", "invalid_reference", {"target": "user"}))
    if target is not None:
        if target["id"] == source["id"]:
            problems.append(FieldError("to_user", "same_user"))
        elif not target["is_active"]:
            problems.append(FieldError("to_user", "user_inactive"))
    items = _transfer_items(ctx, objects, problems)
    if problems:
        raise ValidationFailed(problems)
    assert target is not None
    return source["id"], target["id"], items


def _transfer_items(ctx: Context, objects: Any, problems: list[FieldError]) -> list[TransferItem]:
    if objects is None:
        return [
            TransferItem(name)
            for name, obj in ctx.schema.objects.items()
            if obj.definition.features.owner
        ]
    if not isinstance(objects, list) or not objects:
        problems.append(FieldError("objects", "invalid_request"))
        return []
    items: list[TransferItem] = []
    for i, entry in enumerate(objects):
        key = f"objects.{i}"
        if isinstance(entry, str):
            entry = {"object": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("object"), str):
            problems.append(FieldError(key, "invalid_request"))
            continue
        unknown = set(entry) - {"object", "filter"}
        for extra in sorted(unknown):
            problems.append(FieldError(f"{key}.{extra}", "unknown_field", {"field": extra}))
        obj = ctx.schema.get(entry["object"])
        if obj is None:
            problems.append(FieldError(key, "object_not_found", {"object": entry["object"]}))
            continue
        if not obj.definition.features.owner:
            problems.append(FieldError(key, "not_owned", {"object": obj.name}))
            continue
        try:
            compile_filter(PathResolver(ctx, obj), entry.get("filter"))
        except PathError as exc:
            problems.append(path_error_to_validation(exc, f"{key}.filter").errors[0])
            continue
        except ValidationFailed as exc:
            problems.extend(FieldError(f"{key}.{e.field}", e.code, e.params) for e in exc.errors)
            continue
        items.append(TransferItem(obj.name, entry.get("filter")))
    return items


def transfer(
    open_context: ContextFactory,
    from_user: str,
    to_user: str,
    items: list[TransferItem],
    *,
    batch_size: int = TRANSFER_BATCH,
) -> dict[str, Any]:
    """Give B every live record A owns (of the chosen objects), through the records service.

    Each batch is its own transaction opened by `open_context` (which re-authenticates the
    caller), so a long transfer never holds the tenant's write lock for long, and history,
    audit, outbox and search stay exact per record. A record the write path refuses (a
    validation rule it no longer meets, say) is skipped and reported; the rest move on.
    Running the same transfer again picks up whatever is still owned by A.
    """
    transferred = dict.fromkeys((item.object_name for item in items), 0)
    failed: list[dict[str, Any]] = []
    failures = 0
    for item in items:
        after: str | None = None
        while True:
            with open_context() as ctx:
                require_manager(ctx)
                if not live_user(ctx, to_user)["is_active"]:  # deactivated meanwhile
                    raise ValidationFailed([FieldError("to_user", "user_inactive")])
                ids = _owned_batch(ctx, item, from_user, after, batch_size)
                if not ids:
                    break
                after = ids[-1]
                service = RecordsService(ctx)
                for record_id in ids:
                    try:
                        with ctx.conn.begin_nested():
                            service.update(item.object_name, record_id, {OWNER_FIELD: to_user})
                    except KeyiError as exc:
                        failures += 1
                        if len(failed) < MAX_REPORTED_FAILURES:
                            failed.append(_failure(item.object_name, record_id, exc))
                        continue
                    transferred[item.object_name] += 1
            if len(ids) < batch_size:
                break
    with open_context() as ctx:
        ctx.audit(
            "user.transfer",
            object_name="user",
            record_id=from_user,
            to_user=to_user,
            transferred=transferred,
            failed=failures,
        )
    return {
        "from_user": from_user,
        "to_user": to_user,
        "transferred": transferred,
        "total": sum(transferred.values()),
        "failed": failed,
        "failed_count": failures,
    }


def _owned_batch(
    ctx: Context, item: TransferItem, owner: str, after: str | None, size: int
) -> list[str]:
    obj = ctx.object(item.object_name)
    table = obj.table
    resolver = PathResolver(ctx, obj)
    stmt = sa.select(table.c.id).where(table.c[OWNER_FIELD] == owner, table.c.deleted_at.is_(None))
    where = compile_filter(resolver, item.filter)
    if where is not None:
        stmt = stmt.where(where)
    if after is not None:
        stmt = stmt.where(table.c.id > after)
    stmt = resolver.apply_joins(stmt).order_by(table.c.id).limit(size)
    return [str(i) for i in ctx.conn.execute(stmt).scalars()]


def _failure(object_name: str, record_id: str, exc: KeyiError) -> dict[str, Any]:
    entry: dict[str, Any] = {"object": object_name, "id": record_id, "code": exc.code}
    if isinstance(exc, ValidationFailed):
        entry["errors"] = [{"field": e.field, "code": e.code} for e in exc.errors]
    return entry
