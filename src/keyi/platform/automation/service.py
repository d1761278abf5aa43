"""Setup › Automation: flows saved, changed and removed by the people who administer the
company (``can_manage_metadata``), checked before they are saved and audited.

A flow is tenant metadata: saving one makes a new metadata revision, so every process reads
the tenant's active flows again before its next write (:mod:`.triggers`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.automation.check import check_flow, load_flow
from keyi.platform.automation.model import AssignOwner, CallWebhook, FlowDef, PostToRobot
from keyi.platform.automation.runs import list_runs
from keyi.platform.automation.schedule import schedule_flow
from keyi.platform.automation.tables import flow_table
from keyi.platform.context import Context
from keyi.platform.errors import (
    FieldErrors,
    Forbidden,
    StaleVersion,
)
from keyi.platform.ids import is_id, new_id
from keyi.platform.metadata.definitions import (
    check_name_free,
    definition_json,
    load_definition_row,
)
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.store import bump_version
from keyi.platform.notify.channels import channel_state
from keyi.platform.records import RecordsService
from keyi.platform.webhooks.subscriptions import webhook_exists

__all__ = [
    "create_flow",
    "delete_flow",
    "flow_names",
    "flow_runs",
    "get_flow",
    "list_flows",
    "update_flow",
]


def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def _definitions(ctx: Context) -> dict[str, ObjectDef]:
    return {name: obj.definition for name, obj in ctx.schema.objects.items()}


def list_flows(ctx: Context) -> dict[str, Any]:
    _authorise(ctx)
    rows = ctx.conn.execute(sa.select(flow_table).order_by(flow_table.c.name)).mappings()
    return {"flows": [_flow_json(row) for row in rows]}


def flow_names(ctx: Context) -> set[str]:
    """Names of the tenant's flows (for packages installing their standard ones)."""
    return set(ctx.conn.execute(sa.select(flow_table.c.name)).scalars())


def get_flow(ctx: Context, flow_id: str) -> dict[str, Any]:
    _authorise(ctx)
    return _flow_json(_row(ctx, flow_id))


def _parse(ctx: Context, data: dict[str, Any]) -> FlowDef:
    """The checked definition, including that the users and teams it names exist."""
    flow = load_flow(data)
    errors = FieldErrors()
    check_flow(_definitions(ctx), flow, errors)
    for i, action in enumerate(flow.actions):
        if isinstance(action, CallWebhook) and not webhook_exists(ctx, action.webhook_id):
            errors.add(f"actions.{i}.webhook_id", "record_not_found", object="webhook")
        if isinstance(action, PostToRobot):
            state = channel_state(ctx, action.channel_id)
            if state is None:
                errors.add(f"actions.{i}.channel_id", "robot_channel_not_found")
            elif not state.active:
                errors.add(f"actions.{i}.channel_id", "robot_channel_inactive", name=state.name)
        if not isinstance(action, AssignOwner):
            continue
        for key, object_name, value in (
            ("user_id", "user", action.user_id),
            ("team_id", "team", action.team_id),
        ):
            if value is not None and not _exists(ctx, object_name, value):
                errors.add(f"actions.{i}.{key}", "record_not_found", object=object_name)
    errors.raise_if_any()
    return flow


def _exists(ctx: Context, object_name: str, record_id: str) -> bool:
    if not is_id(record_id):
        return False
    table = ctx.object(object_name).table
    found = ctx.conn.execute(
        sa.select(table.c.id).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    )
    return found.first() is not None


def create_flow(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    _authorise(ctx)
    flow = _parse(ctx, data)
    _check_name_free(ctx, flow.name, None)
    now, actor = ctx.now(), ctx.actor.id
    flow_id = new_id()
    ctx.conn.execute(
        sa.insert(flow_table).values(
            id=flow_id,
            name=flow.name,
            object=flow.trigger.object or "",
            active=flow.active,
            definition=flow.model_dump(mode="json"),
            version=1,
            created_at=now,
            created_by=actor,
            updated_at=now,
            updated_by=actor,
        )
    )
    bump_version(ctx.conn)
    schedule_flow(ctx, flow_id, 1, flow)
    ctx.audit("flow.create", flow_id=flow_id, name=flow.name, object=flow.trigger.object)
    return _flow_json(_row(ctx, flow_id))


def update_flow(
    ctx: Context, flow_id: str, data: dict[str, Any], *, expected_version: int | None = None
) -> dict[str, Any]:
    """Replace the flow's definition (a new version); 412 when ``expected_version`` is stale."""
    _authorise(ctx)
    row = _row(ctx, flow_id, lock=True)
    if expected_version is not None and expected_version != row["version"]:
        raise StaleVersion(current=row["version"])
    flow = _parse(ctx, data)
    _check_name_free(ctx, flow.name, flow_id)
    ctx.conn.execute(
        sa.update(flow_table)
        .where(flow_table.c.id == flow_id)
        .values(
            name=flow.name,
            object=flow.trigger.object or "",
            active=flow.active,
            definition=flow.model_dump(mode="json"),
            version=row["version"] + 1,
            updated_at=ctx.now(),
            updated_by=ctx.actor.id,
        )
    )
    bump_version(ctx.conn)
    schedule_flow(ctx, flow_id, row["version"] + 1, flow)
    ctx.audit("flow.update", flow_id=flow_id, name=flow.name, active=flow.active)
    return _flow_json(_row(ctx, flow_id))


def delete_flow(ctx: Context, flow_id: str) -> None:
    """Remove the flow (its runs stay in the log); queued runs of it are skipped."""
    _authorise(ctx)
    row = _row(ctx, flow_id, lock=True)
    ctx.conn.execute(sa.delete(flow_table).where(flow_table.c.id == flow_id))
    bump_version(ctx.conn)
    ctx.audit("flow.delete", flow_id=flow_id, name=row["name"])


def flow_runs(
    ctx: Context,
    *,
    flow_id: str | None = None,
    object_name: str | None = None,
    record_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """The run log of one flow, or of one record (``object_name`` and ``record_id``)."""
    _authorise(ctx)
    if flow_id is not None:
        _row(ctx, flow_id)
    if object_name is not None and record_id is not None:
        RecordsService(ctx).get(object_name, record_id)  # 404 when there is no such record
    return list_runs(
        ctx,
        flow_id=flow_id,
        object_name=object_name,
        record_id=record_id,
        cursor=cursor,
        limit=limit,
    )


def _row(ctx: Context, flow_id: str, *, lock: bool = False) -> Any:
    return load_definition_row(ctx, flow_table, flow_id, lock=lock)


def _check_name_free(ctx: Context, name: str, flow_id: str | None) -> None:
    check_name_free(ctx, flow_table, name, flow_id)


_flow_json = definition_json
