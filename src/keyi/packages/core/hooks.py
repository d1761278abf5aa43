"""Core package behaviour the platform does not rely on: a pool names a pooled object, and a
user cannot report to themselves.

Department paths and the last-administrator guard are the platform's
(keyi.platform.organisation): record access and sign-in depend on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.platform.hooks import WriteEvent, registry
from keyi.platform.pools import check_pool_object

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("core")

hooks.before_save("pool")(check_pool_object)


# Deep enough for any real reporting line; a longer walk means the data already has a loop.
MAX_MANAGER_DEPTH = 100


@hooks.before_save("user")
def user_manager_not_circular(ctx: Context, event: WriteEvent) -> None:
    """A user cannot report to themselves, directly or through their own reports."""
    if "manager" not in event.values or not event.values["manager"]:
        return
    users = ctx.object("user").table
    if "manager" not in users.c:
        return
    current: str | None = event.values["manager"]
    for _ in range(MAX_MANAGER_DEPTH):
        if current is None:
            return
        if current == event.record_id:
            event.errors.add("manager", "circular_manager")
            return
        current = ctx.conn.execute(sa.select(users.c.manager).where(users.c.id == current)).scalar()
    event.errors.add("manager", "circular_manager")
