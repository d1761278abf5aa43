"""Who a flow's notification goes to (see :class:`~keyi.platform.automation.model.Recipient`).

Resolved when the run happens, from the record as it is then: a manager changed since the flow
was saved is the one notified. Only active users receive anything; a recipient who resolves to
nobody (no manager, an empty role) is simply left out, and the run records whom it notified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from keyi.platform.automation.model import Recipient
from keyi.platform.context import Context

__all__ = ["resolve_recipients"]


def resolve_recipients(
    ctx: Context, recipients: list[Recipient], record: Mapping[str, Any]
) -> list[str]:
    """Active users, each once, in the order the recipients name them."""
    found: list[str] = []
    for recipient in recipients:
        for user in _users_of(ctx, recipient, record):
            if user and user not in found:
                found.append(user)
    return _active(ctx, found)


def _users_of(ctx: Context, recipient: Recipient, record: Mapping[str, Any]) -> list[str]:
    kind = recipient.type
    if kind == "owner":
        return [str(record["owner_id"])] if record.get("owner_id") else []
    if kind == "owner_manager":
        owner = record.get("owner_id")
        return [manager] if owner and (manager := _manager_of(ctx, str(owner))) else []
    if kind == "user":
        return [str(recipient.user_id)] if recipient.user_id else []
    if kind == "field":
        value = record.get(recipient.field or "")
        return [str(value)] if value else []
    users = ctx.object("user").table
    holders = ctx.conn.execute(
        sa.select(users.c.id)
        .where(users.c.role == recipient.role_id, users.c.deleted_at.is_(None))
        .order_by(users.c.id)
    )
    return [str(user) for user in holders.scalars()]


def _manager_of(ctx: Context, user_id: str) -> str | None:
    """The user's manager, else the head of their department (when that is not themselves)."""
    users = ctx.object("user").table
    departments = ctx.object("department").table
    row = ctx.conn.execute(
        sa.select(users.c.manager, departments.c.manager.label("head"))
        .select_from(users.outerjoin(departments, departments.c.id == users.c.department))
        .where(users.c.id == user_id)
    ).first()
    if row is None:
        return None
    for candidate in (row.manager, row.head):
        if candidate and str(candidate) != user_id:
            return str(candidate)
    return None


def _active(ctx: Context, user_ids: list[str]) -> list[str]:
    if not user_ids:
        return []
    users = ctx.object("user").table
    active = set(
        str(u)
        for u in ctx.conn.execute(
            sa.select(users.c.id).where(
                users.c.id.in_(user_ids), users.c.is_active.is_(True), users.c.deleted_at.is_(None)
            )
        ).scalars()
    )
    return [user for user in user_ids if user in active]
