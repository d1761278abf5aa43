"""Public pools (公海): claim unowned records, give them back, return stale ones automatically.

Pool members see the unowned records of their pools (the access policy grants it). Claiming
and returning change `owner_id` through the records service — so every move is in the
history and the outbox — under an elevated context that still names the acting user, after
this module has checked membership, limits and ownership itself.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, FieldErrors, Forbidden, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.hooks import WriteEvent
from keyi.platform.metadata.model import (
    CLAIMED_AT_FIELD,
    LAST_ACTIVITY_FIELD,
    OWNER_FIELD,
    POOL_FIELD,
)
from keyi.platform.permissions import Actor, ActorKind
from keyi.platform.records import RecordsService
from keyi.platform.schema import CompiledObject

MAX_IDS = 200
# The pool record's field naming the object whose records it holds.
POOL_OBJECT_FIELD = "object_name"
# The system columns a pool move writes besides owner and pool.
POOL_MOVE = frozenset({CLAIMED_AT_FIELD})


def pooled_objects(ctx: Context) -> list[CompiledObject]:
    """The objects whose records can sit in a public pool (the `pool` feature), by name."""
    return sorted(
        (o for o in ctx.schema.objects.values() if o.definition.features.pool),
        key=lambda o: o.name,
    )


def check_pool_object(ctx: Context, event: WriteEvent) -> None:
    """A pool names an object that has pools, by its API name. Anything else (its label, such
    as 客户, or a typo) would make a pool whose records nobody ever sees, so it is refused."""
    if POOL_OBJECT_FIELD not in event.values:
        return
    value = event.values[POOL_OBJECT_FIELD]
    if value is None:
        return  # the required check names the field
    if value not in {o.name for o in pooled_objects(ctx)}:
        event.errors.add(POOL_OBJECT_FIELD, "invalid_option", value=value)


def _pooled(ctx: Context, object_name: str) -> CompiledObject:
    obj = ctx.object(object_name)
    if not obj.definition.features.pool:
        raise ValidationFailed([FieldError("object", "not_pooled", {"object": object_name})])
    return obj


def _elevated(ctx: Context) -> Context:
    """The same transaction and acting user, past the row checks this module already made."""
    actor = Actor(id=ctx.actor.id, name=ctx.actor.name, is_admin=True, kind=ActorKind.SYSTEM)
    return Context(
        ctx.tenant,
        actor,
        ctx.conn,
        ctx.schema,
        ctx.locale,
        started_at=ctx.started_at,
        platform=ctx.platform,
    )


def _ids(ids: Any) -> list[str]:
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_IDS
        or not all(isinstance(i, str) and UUID_RE.match(i) for i in ids)
    ):
        raise ValidationFailed([FieldError("ids", "invalid_request")])
    return [i.lower() for i in dict.fromkeys(ids)]


def _member_pools(ctx: Context) -> set[str] | None:
    """Pool ids the actor belongs to; None means every pool (administrators)."""
    if ctx.policy.unrestricted:
        return None
    principal = ctx.policy.principal
    return set(principal.pool_ids) if principal else set()


def list_pools(ctx: Context, object_name: str | None = None) -> list[dict[str, Any]]:
    pools = ctx.object("pool").table
    stmt = sa.select(pools).where(pools.c.deleted_at.is_(None)).order_by(pools.c.name)
    if object_name:
        stmt = stmt.where(pools.c.object_name == object_name)
    member_of = _member_pools(ctx)
    result = []
    for row in ctx.conn.execute(stmt):
        if member_of is not None and row.id not in member_of:
            continue
        target = ctx.schema.get(row.object_name)
        unowned = held = 0
        if target is not None and target.definition.features.pool:
            t = target.table
            alive = t.c.deleted_at.is_(None)
            unowned = ctx.conn.execute(
                sa.select(sa.func.count()).where(
                    t.c[POOL_FIELD] == row.id, t.c[OWNER_FIELD].is_(None), alive
                )
            ).scalar_one()
            held = ctx.conn.execute(
                sa.select(sa.func.count()).where(
                    t.c[POOL_FIELD] == row.id, t.c[OWNER_FIELD] == ctx.actor.id, alive
                )
            ).scalar_one()
        result.append(
            {
                "id": row.id,
                "name": row.name,
                "object": row.object_name,
                "claim_limit": row.claim_limit,
                "return_after_days": row.return_after_days,
                "unowned": unowned,
                "held_by_me": held,
            }
        )
    return result


def claim(ctx: Context, object_name: str, ids: Any) -> list[dict[str, Any]]:
    obj = _pooled(ctx, object_name)
    wanted = _ids(ids)
    t = obj.table
    rows = {
        row.id: row
        for row in ctx.conn.execute(
            sa.select(t.c.id, t.c[OWNER_FIELD], t.c[POOL_FIELD]).where(
                t.c.id.in_(wanted), t.c.deleted_at.is_(None)
            )
        )
    }
    member_of = _member_pools(ctx)
    errors = FieldErrors()
    for i, record_id in enumerate(wanted):
        row = rows.get(record_id)
        pool_id = row.pool_id if row is not None else None
        if row is None or pool_id is None or (member_of is not None and pool_id not in member_of):
            errors.add(f"ids.{i}", "record_not_found")
        elif row.owner_id is not None:
            errors.add(f"ids.{i}", "already_claimed")
    errors.raise_if_any()
    pools = ctx.object("pool").table
    per_pool = Counter(rows[i].pool_id for i in wanted)
    for pool_id, count in per_pool.items():
        limit = ctx.conn.execute(
            sa.select(pools.c.claim_limit).where(pools.c.id == pool_id)
        ).scalar()
        if limit is None:
            continue
        held = ctx.conn.execute(
            sa.select(sa.func.count()).where(
                t.c[POOL_FIELD] == pool_id,
                t.c[OWNER_FIELD] == ctx.actor.id,
                t.c.deleted_at.is_(None),
            )
        ).scalar_one()
        if held + count > limit:
            raise ValidationFailed(
                [FieldError("ids", "claim_limit", {"limit": limit, "held": held})]
            )
    service = RecordsService(_elevated(ctx))
    now = ctx.now()
    return [
        service.update(
            object_name,
            record_id,
            {OWNER_FIELD: ctx.actor.id, CLAIMED_AT_FIELD: now},
            trusted_fields=POOL_MOVE,
        )
        for record_id in wanted
    ]


def give_back(ctx: Context, object_name: str, ids: Any, pool_id: str | None = None) -> None:
    """Return records to a pool (their own, or `pool_id`); only their owner or an admin may."""
    obj = _pooled(ctx, object_name)
    wanted = _ids(ids)
    t = obj.table
    rows = {
        row.id: row
        for row in ctx.conn.execute(
            sa.select(t.c.id, t.c[OWNER_FIELD], t.c[POOL_FIELD]).where(
                t.c.id.in_(wanted), t.c.deleted_at.is_(None)
            )
        )
    }
    if pool_id is not None:
        pools = ctx.object("pool").table
        target_object = ctx.conn.execute(
            sa.select(pools.c.object_name).where(
                pools.c.id == pool_id, pools.c.deleted_at.is_(None)
            )
        ).scalar()
        if target_object != object_name:
            raise ValidationFailed([FieldError("pool_id", "invalid_reference", {"target": "pool"})])
    errors = FieldErrors()
    for i, record_id in enumerate(wanted):
        row = rows.get(record_id)
        if row is None:
            errors.add(f"ids.{i}", "record_not_found")
            continue
        if row.owner_id != ctx.actor.id and not ctx.policy.unrestricted:
            raise Forbidden()
        if (pool_id or row.pool_id) is None:
            errors.add(f"ids.{i}", "not_pooled", object=object_name)
    errors.raise_if_any()
    service = RecordsService(_elevated(ctx))
    for record_id in wanted:
        values: dict[str, Any] = {OWNER_FIELD: None, CLAIMED_AT_FIELD: None}
        if pool_id is not None:
            values[POOL_FIELD] = pool_id
        service.update(object_name, record_id, values, trusted_fields=POOL_MOVE)


def return_stale(ctx: Context) -> int:
    """The scheduled job: give back records nobody followed up within their pool's limit."""
    if not ctx.policy.unrestricted:
        raise Forbidden()
    pools = ctx.schema.get("pool")
    if pools is None:
        return 0
    returned = 0
    due = ctx.conn.execute(
        sa.select(pools.table).where(
            pools.table.c.deleted_at.is_(None), pools.table.c.return_after_days.is_not(None)
        )
    ).all()
    for pool in due:
        target = ctx.schema.get(pool.object_name)
        if target is None or not target.definition.features.pool:
            continue
        t = target.table
        cutoff = ctx.now() - timedelta(days=int(pool.return_after_days))
        last_touch = sa.func.coalesce(
            t.c[LAST_ACTIVITY_FIELD], t.c[CLAIMED_AT_FIELD], t.c.created_at
        )
        stale = (
            ctx.conn.execute(
                sa.select(t.c.id).where(
                    t.c[POOL_FIELD] == pool.id,
                    t.c[OWNER_FIELD].is_not(None),
                    t.c.deleted_at.is_(None),
                    last_touch < cutoff,
                )
            )
            .scalars()
            .all()
        )
        service = RecordsService(ctx)
        for record_id in stale:
            service.update(
                pool.object_name,
                record_id,
                {OWNER_FIELD: None, CLAIMED_AT_FIELD: None},
                trusted_fields=POOL_MOVE,
            )
        returned += len(stale)
    return returned


def touch(ctx: Context, object_name: str, record_id: str) -> None:
    """Mark a follow-up on a pooled record (called by activity hooks).

    A derived timestamp, written directly: it must not bump the record's version, or logging a
    call would make a colleague's open edit of the same account fail as a conflict.
    """
    obj = ctx.schema.get(object_name)
    if obj is None or not obj.definition.features.pool:
        return
    ctx.conn.execute(
        sa.update(obj.table)
        .where(obj.table.c.id == record_id)
        .values({LAST_ACTIVITY_FIELD: ctx.now()})
    )


__all__ = ["claim", "give_back", "list_pools", "return_stale", "touch"]
