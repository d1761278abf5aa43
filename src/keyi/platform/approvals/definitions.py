"""Setup › Approval processes: saved, changed and removed by administrators, checked first and
audited; each change makes a new metadata revision (the record lock reads the processes once
per revision). Approvals under way keep the definition they were submitted with."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.approvals.check import parse_process
from keyi.platform.approvals.tables import process_table
from keyi.platform.context import Context
from keyi.platform.errors import Forbidden, StaleVersion
from keyi.platform.ids import new_id
from keyi.platform.metadata.definitions import (
    check_name_free,
    definition_json,
    load_definition_row,
)
from keyi.platform.metadata.store import bump_version

__all__ = [
    "create_process",
    "delete_process",
    "get_process",
    "list_processes",
    "process_names",
    "update_process",
]


def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def list_processes(ctx: Context) -> dict[str, Any]:
    _authorise(ctx)
    t = process_table
    rows = ctx.conn.execute(sa.select(t).order_by(t.c.object, t.c.position, t.c.name))
    return {"processes": [_json(row) for row in rows.mappings()]}


def process_names(ctx: Context) -> set[str]:
    """Names of the tenant's approval processes (for packages installing their standard ones)."""
    return set(ctx.conn.execute(sa.select(process_table.c.name)).scalars())


def get_process(ctx: Context, process_id: str) -> dict[str, Any]:
    _authorise(ctx)
    return _json(_row(ctx, process_id))


def create_process(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    _authorise(ctx)
    process = parse_process(ctx, data)
    _check_name_free(ctx, process.name, None)
    process_id, now = new_id(), ctx.now()
    ctx.conn.execute(
        sa.insert(process_table).values(
            id=process_id,
            name=process.name,
            object=process.object,
            active=process.active,
            position=process.position,
            definition=process.model_dump(mode="json"),
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    bump_version(ctx.conn)
    ctx.audit("approval_process.create", process_id=process_id, name=process.name)
    return _json(_row(ctx, process_id))


def update_process(
    ctx: Context, process_id: str, data: dict[str, Any], *, expected_version: int | None = None
) -> dict[str, Any]:
    _authorise(ctx)
    row = _row(ctx, process_id, lock=True)
    if expected_version is not None and expected_version != row["version"]:
        raise StaleVersion(current=row["version"])
    process = parse_process(ctx, data)
    _check_name_free(ctx, process.name, process_id)
    ctx.conn.execute(
        sa.update(process_table)
        .where(process_table.c.id == process_id)
        .values(
            name=process.name,
            object=process.object,
            active=process.active,
            position=process.position,
            definition=process.model_dump(mode="json"),
            version=row["version"] + 1,
            updated_at=ctx.now(),
        )
    )
    bump_version(ctx.conn)
    ctx.audit("approval_process.update", process_id=process_id, name=process.name)
    return _json(_row(ctx, process_id))


def delete_process(ctx: Context, process_id: str) -> None:
    """Remove a process; approvals under way finish under the definition they started with."""
    _authorise(ctx)
    row = _row(ctx, process_id, lock=True)
    ctx.conn.execute(sa.delete(process_table).where(process_table.c.id == process_id))
    bump_version(ctx.conn)
    ctx.audit("approval_process.delete", process_id=process_id, name=row["name"])


def _row(ctx: Context, process_id: str, *, lock: bool = False) -> Any:
    return load_definition_row(ctx, process_table, process_id, lock=lock)


def _check_name_free(ctx: Context, name: str, process_id: str | None) -> None:
    check_name_free(ctx, process_table, name, process_id)


_json = definition_json
