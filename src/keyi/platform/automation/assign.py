"""Who an ``assign_owner`` action gives a record to.

Round robin keeps its turn in the tenant's counter table (the one auto-numbers use: an atomic
increment under a row lock), one counter per flow and action, so concurrent runs hand out
consecutive members and a member who joins or leaves only shifts the rotation. Least loaded
counts the live records of the object each member owns, at the moment of the assignment.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.automation.model import AssignOwner
from keyi.platform.context import Context
from keyi.platform.errors import Conflict
from keyi.platform.records.autonumber import take_numbers

__all__ = ["choose_owner", "team_members"]


def team_members(ctx: Context, team_id: str) -> list[str]:
    """Active members of the team, in the order they joined."""
    members = ctx.object("team_member").table
    users = ctx.object("user").table
    stmt = (
        sa.select(members.c.user)
        .join(users, users.c.id == members.c.user)
        .where(
            members.c.team == team_id,
            members.c.deleted_at.is_(None),
            users.c.deleted_at.is_(None),
            users.c.is_active.is_(True),
        )
        .order_by(members.c.created_at, members.c.id)
    )
    return [str(user) for user in ctx.conn.execute(stmt).scalars()]


def choose_owner(
    ctx: Context, action: AssignOwner, object_name: str, flow_id: str, index: int
) -> str:
    """The user the record goes to; Conflict when nobody can take it."""
    if action.strategy == "user":
        assert action.user_id is not None
        users = ctx.object("user").table
        active = ctx.conn.execute(
            sa.select(users.c.id).where(
                users.c.id == action.user_id,
                users.c.deleted_at.is_(None),
                users.c.is_active.is_(True),
            )
        ).first()
        if active is None:
            raise Conflict("flow_no_assignee")
        return action.user_id
    assert action.team_id is not None
    members = team_members(ctx, action.team_id)
    if not members:
        raise Conflict("flow_no_assignee")
    if action.strategy == "round_robin":
        [turn] = take_numbers(ctx.conn, f"flow:{flow_id}", f"assign:{index}", "", 1)
        return members[(turn - 1) % len(members)]
    table = ctx.object(object_name).table
    rows = ctx.conn.execute(
        sa.select(table.c.owner_id, sa.func.count())
        .where(table.c.owner_id.in_(members), table.c.deleted_at.is_(None))
        .group_by(table.c.owner_id)
    )
    loads = {str(owner): int(count) for owner, count in rows}
    return min(members, key=lambda user: (loads.get(user, 0), members.index(user)))
