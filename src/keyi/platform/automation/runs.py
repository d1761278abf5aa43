"""The run log: one row per flow run (which flow, which record, each action, the outcome).

Written in the transaction of the run itself — a before-save run with the write, an
after-commit run with its actions — so the log never claims an effect that was rolled back.
A failed after-commit run is written after its actions were undone to a savepoint.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.automation.tables import flow_run_table
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import is_id, new_id

if TYPE_CHECKING:
    from keyi.platform.automation.triggers import ActiveFlow
    from keyi.platform.context import Context

__all__ = ["list_runs", "record_run", "update_step"]

MAX_ERROR = 2000


def record_run(
    ctx: Context,
    flow: ActiveFlow,
    object_name: str,
    record_id: str | None,
    event: str,
    status: str,
    started: datetime,
    steps: list[dict[str, Any]],
    error: str | None,
    *,
    run_id: str | None = None,
) -> str:
    """Write the run's row (with ``run_id`` when the run handed it out already, to the jobs
    that finish its actions after commit); its id."""
    elapsed = (datetime.now() - started).total_seconds() * 1000
    run_id = run_id or new_id()
    ctx.conn.execute(
        sa.insert(flow_run_table).values(
            id=run_id,
            flow_id=flow.id,
            flow_name=flow.name,
            object=object_name,
            record_id=record_id,
            event=str(event),
            status=status,
            depth=ctx.automation_depth,
            started_at=ctx.now(),
            duration_ms=round(elapsed, 2),
            steps=steps,
            error=None if error is None else error[:MAX_ERROR],
        )
    )
    return run_id


def update_step(
    ctx: Context, run_id: str, action: int, values: dict[str, Any], *, error: str | None = None
) -> bool:
    """Write what an action finished after the run committed (a robot message sent by its
    own job) into the run's step of that action; with ``error``, also on the run when it has
    none (its status stays: the run's other actions happened). False when the run or the step
    is gone.

    The row is locked first: two such jobs of one run (two robot actions) would otherwise
    each write back the steps as they read them, and one outcome would be lost."""
    t = flow_run_table
    row = ctx.conn.execute(
        sa.select(t.c.steps, t.c.error).where(t.c.id == run_id).with_for_update()
    ).first()
    if row is None:
        return False
    steps = [dict(step) for step in row.steps or []]
    found = False
    for step in steps:
        if step.get("action") == action:
            step.update(values)
            found = True
    if not found:
        return False
    changes: dict[str, Any] = {"steps": steps}
    if error is not None and row.error is None:
        changes["error"] = error[:MAX_ERROR]
    ctx.conn.execute(sa.update(t).where(t.c.id == run_id).values(changes))
    return True


def list_runs(
    ctx: Context,
    *,
    flow_id: str | None = None,
    object_name: str | None = None,
    record_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Runs newest first, of one flow or of one record (the caller authorises)."""
    t = flow_run_table
    stmt = sa.select(t).order_by(t.c.id.desc()).limit(limit + 1)
    for value, column in ((flow_id, t.c.flow_id), (record_id, t.c.record_id), (cursor, None)):
        if value is not None and not is_id(value):
            raise ValidationFailed(
                [FieldError("cursor" if column is None else column.name, "invalid_request")]
            )
    if flow_id is not None:
        stmt = stmt.where(t.c.flow_id == flow_id)
    if object_name is not None:
        stmt = stmt.where(t.c.object == object_name)
    if record_id is not None:
        stmt = stmt.where(t.c.record_id == record_id)
    if cursor is not None:
        stmt = stmt.where(t.c.id < cursor)
    rows = ctx.conn.execute(stmt).mappings().all()
    runs = [
        {
            **row,
            "id": str(row["id"]),
            "flow_id": str(row["flow_id"]),
            "record_id": None if row["record_id"] is None else str(row["record_id"]),
            "started_at": datetime_json(row["started_at"]),
        }
        for row in rows[:limit]
    ]
    return {"runs": runs, "next_cursor": runs[-1]["id"] if len(rows) > limit else None}
