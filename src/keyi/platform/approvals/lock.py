"""The record lock while an approval is pending (read by the records service on every edit and
delete of an object that has a locking process — one cached set lookup for the others)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.platform.approvals.tables import approval_table, process_table
from keyi.platform.errors import Conflict

if TYPE_CHECKING:
    from keyi.platform.context import Context

__all__ = ["check_not_locked", "locking_objects"]

_MEMO = "approvals.locking_objects"


def locking_objects(ctx: Context) -> frozenset[str]:
    """Objects with a process that locks its records (kept per metadata revision)."""
    found: frozenset[str] | None = ctx.schema.memo.get(_MEMO)
    if found is None:
        rows = ctx.conn.execute(sa.select(process_table.c.object, process_table.c.definition))
        found = frozenset(obj for obj, definition in rows if definition.get("lock_record", True))
        ctx.schema.memo[_MEMO] = found
    return found


def check_not_locked(ctx: Context, object_name: str, record_id: str) -> None:
    """Refuse (409, naming the approval) to change a record under a pending approval, unless
    the writer is an administrator (or the system: the approval's own outcome)."""
    if ctx.actor.is_admin or object_name not in locking_objects(ctx):
        return
    t = approval_table
    pending = ctx.conn.execute(
        sa.select(t.c.id, t.c.process_name)
        .where(t.c.object == object_name, t.c.record_id == record_id, t.c.status == "pending")
        .limit(1)
    ).first()
    if pending is not None:
        raise Conflict("record_in_approval", approval=str(pending.id), process=pending.process_name)
