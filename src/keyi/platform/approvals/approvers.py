"""Who approves a step, resolved when the step starts (so today's manager, today's role).

Only active users approve. The submitter never approves their own submission when someone else
can (a manager chain that loops back, a role the submitter holds): they are left out unless
they are the only one, in which case the step would otherwise be stuck.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.approvals.model import Approver
from keyi.platform.automation.assign import team_members
from keyi.platform.context import Context

__all__ = ["manager_of", "resolve_step", "role_holders"]


def resolve_step(ctx: Context, approvers: list[Approver], submitter: str | None) -> list[str]:
    """The active users who must act on a step, each once, in a stable order."""
    found: list[str] = []
    for approver in approvers:
        for user in _resolve(ctx, approver, submitter):
            if user not in found:
                found.append(user)
    active = _active(ctx, found)
    others = [user for user in active if user != submitter]
    return others or active


def _resolve(ctx: Context, approver: Approver, submitter: str | None) -> list[str]:
    kind = approver.type
    if kind == "user":
        return [approver.user_id] if approver.user_id else []
    if kind == "role":
        return role_holders(ctx, approver.role_id or "")
    if kind == "team":
        return team_members(ctx, approver.team_id or "")
    if submitter is None:
        return []
    if kind == "department_head":
        head = _department_head(ctx, submitter)
        return [head] if head else []
    user: str | None = submitter
    seen = {submitter}
    for _ in range(approver.levels):
        user = manager_of(ctx, user) if user else None
        if user is None or user in seen:  # no one that far up, or a loop in the chain
            return []
        seen.add(user)
    return [user] if user else []


def role_holders(ctx: Context, role_id: str) -> list[str]:
    users = ctx.object("user").table
    rows = ctx.conn.execute(
        sa.select(users.c.id)
        .where(users.c.role == role_id, users.c.deleted_at.is_(None))
        .order_by(users.c.id)
    )
    return [str(user) for user in rows.scalars()]


def manager_of(ctx: Context, user_id: str) -> str | None:
    """The user's manager, else the head of their department (when not themselves)."""
    users = ctx.object("user").table
    row = ctx.conn.execute(sa.select(users.c.manager).where(users.c.id == user_id)).first()
    if row is not None and row.manager and str(row.manager) != user_id:
        return str(row.manager)
    return _department_head(ctx, user_id)


def _department_head(ctx: Context, user_id: str) -> str | None:
    """The head of the user's department; the parent department's when that is the user."""
    users = ctx.object("user").table
    departments = ctx.object("department").table
    department = ctx.conn.execute(
        sa.select(users.c.department).where(users.c.id == user_id)
    ).scalar()
    seen: set[str] = set()
    while department and str(department) not in seen:
        seen.add(str(department))
        row = ctx.conn.execute(
            sa.select(departments.c.manager, departments.c.parent).where(
                departments.c.id == department
            )
        ).first()
        if row is None:
            return None
        if row.manager and str(row.manager) != user_id:
            return str(row.manager)
        department = row.parent
    return None


def _active(ctx: Context, user_ids: list[str]) -> list[str]:
    if not user_ids:
        return []
    users = ctx.object("user").table
    rows = ctx.conn.execute(
        sa.select(users.c.id).where(
            users.c.id.in_(user_ids), users.c.is_active.is_(True), users.c.deleted_at.is_(None)
        )
    )
    active = {str(user) for user in rows.scalars()}
    return [user for user in user_ids if user in active]
