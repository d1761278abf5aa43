"""Running something in a user's own view from a job: scheduled report emails and alerts
compute each recipient's numbers with that recipient's access, never the job's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.platform.access.principal import load_caller
from keyi.platform.permissions import AccessPolicy, Actor

if TYPE_CHECKING:
    from keyi.platform.context import Context

MAX_RECIPIENTS = 200


@contextmanager
def as_user(ctx: Context, user_id: str) -> Iterator[bool]:
    """Act as ``user_id`` inside the block (yields False, acting as nobody new, when the user is
    gone or inactive); the previous actor and policy come back afterwards."""
    previous_actor, previous_policy = ctx.actor, ctx.policy
    loaded = load_caller(ctx.conn, ctx.schema, user_id)
    if loaded is None or not loaded[0]["is_active"]:
        yield False
        return
    row, org, permissions = loaded
    actor = Actor(id=user_id, name=row["name"], is_admin=bool(row["is_admin"]))
    ctx.act_as(actor, AccessPolicy(actor, org, permissions))
    try:
        yield True
    finally:
        ctx.act_as(previous_actor, previous_policy)


def expand_recipients(ctx: Context, users: Iterable[str], roles: Iterable[str]) -> list[str]:
    """The active users named, plus the active members of the roles named (at most
    MAX_RECIPIENTS, in a stable order)."""
    table = ctx.object("user").table
    wanted_users, wanted_roles = list(users), list(roles)
    if not wanted_users and not wanted_roles:
        return []
    conditions = []
    if wanted_users:
        conditions.append(table.c.id.in_(wanted_users))
    if wanted_roles and "role" in table.c:
        conditions.append(table.c.role.in_(wanted_roles))
    rows = ctx.conn.execute(
        sa.select(table.c.id)
        .where(sa.or_(*conditions), table.c.deleted_at.is_(None), table.c.is_active.is_(True))
        .order_by(table.c.id)
        .limit(MAX_RECIPIENTS)
    ).scalars()
    return [str(r) for r in rows]
