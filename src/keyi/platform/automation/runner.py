"""The ``flow.run`` job: an after-commit flow's actions on the record that started it.

The record is read as it is now (it committed before the job was claimed; later edits are
seen). Actions run in order through the records service, as the system actor, inside a
savepoint: a domain refusal (a validation rule, a required field, a record gone) undoes the
run's actions and is recorded as a failed run — retrying would not change the answer — while
anything else (the database, a bug) fails the job so the queue retries it. A chain of flows
started by flows deeper than :data:`~keyi.platform.automation.model.MAX_DEPTH` is stopped
and recorded: a flow that triggers itself ends with an error instead of looping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from keyi.platform.automation.assign import choose_owner
from keyi.platform.automation.model import (
    MAX_DEPTH,
    AssignOwner,
    CreateRecord,
    FlowDef,
    Notify,
    UpdateFields,
)
from keyi.platform.automation.recipients import resolve_recipients
from keyi.platform.automation.runs import record_run
from keyi.platform.automation.tables import flow_table
from keyi.platform.automation.triggers import ActiveFlow, ValuesFor, evaluate_values
from keyi.platform.context import Context
from keyi.platform.errors import KeyiError
from keyi.platform.expressions import ExpressionError, parse
from keyi.platform.i18n import label
from keyi.platform.jobs import ClaimedJob, job_handler
from keyi.platform.notifications import RecordLink, notify
from keyi.platform.notify.templates import (
    MessageTemplate,
    TemplateRenderError,
    normalise_locale,
    render,
)
from keyi.platform.records import RecordsService

__all__ = ["run_flow"]


@job_handler("flow.run")
def run_flow(ctx: Context, job: ClaimedJob) -> None:
    payload = job.payload
    depth = int(payload.get("depth", 1))
    ctx.automation_depth = depth
    object_name, record_id, event = payload["object"], payload["record_id"], payload["event"]
    flow = _load(ctx, str(payload["flow_id"]))
    if flow is None:
        return  # deleted or switched off since: nothing to do, nothing to record against
    started = datetime.now()
    if depth > MAX_DEPTH:
        error = f"flows started by flows more than {MAX_DEPTH} deep: stopped (a loop?)"
        record_run(ctx, flow, object_name or "", record_id, event, "failed", started, [], error)
        return
    records = RecordsService(ctx)
    savepoint = ctx.conn.begin_nested()
    steps: list[dict[str, Any]] = []
    try:
        record: dict[str, Any]
        values_for: ValuesFor
        if object_name is None:  # a scheduled flow without an object: nothing to read
            record, values_for = {}, _no_values
        else:
            record = (
                {"id": record_id} if event == "deleted" else records.get(object_name, record_id)
            )
            values_for = records.expression_values_for(ctx.object(object_name))
        for i, action in enumerate(flow.definition.actions):
            steps.append(
                _run_action(ctx, records, flow, object_name, record, action, i, values_for)
            )
    except (KeyiError, ExpressionError) as exc:
        savepoint.rollback()
        message = f"{type(exc).__name__}: {exc}"
        steps.append({"action": len(steps), "outcome": "failed", "error": message})
        record_run(
            ctx, flow, object_name or "", record_id, event, "failed", started, steps, message
        )
        return
    savepoint.commit()
    record_run(ctx, flow, object_name or "", record_id, event, "done", started, steps, None)


def _no_values(_record: dict[str, Any], _paths: frozenset[str]) -> dict[str, Any]:
    return {}


def _run_action(
    ctx: Context,
    records: RecordsService,
    flow: ActiveFlow,
    object_name: str,
    record: dict[str, Any],
    action: Any,
    index: int,
    values_for: Any,
) -> dict[str, Any]:
    step: dict[str, Any] = {"action": index, "type": action.type, "outcome": "done"}
    if isinstance(action, Notify):
        users = _notify(ctx, flow, object_name, record, action)
        return {**step, "users": users}
    if isinstance(action, AssignOwner):
        owner = choose_owner(ctx, action, object_name, flow.id, index)
        if record.get("owner_id") != owner:
            records.update(object_name, record["id"], {"owner_id": owner})
        return {**step, "owner_id": owner}
    values = evaluate_values(ctx, action.values, record, values_for)
    if isinstance(action, CreateRecord):
        created = records.create(action.object, values)
        return {**step, "object": action.object, "record_id": created["id"]}
    assert isinstance(action, UpdateFields)
    if action.target == "record":
        records.update(object_name, record["id"], values)
        return {**step, "record_id": record["id"]}
    parent_id = record.get(action.target)
    if not parent_id:
        return {**step, "outcome": "skipped", "reason": "no parent"}
    target = ctx.object(object_name).fields[action.target].target
    assert target is not None
    records.update(target, str(parent_id), values)
    return {**step, "object": target, "record_id": str(parent_id)}


def _notify(
    ctx: Context, flow: ActiveFlow, object_name: str, record: dict[str, Any], action: Notify
) -> list[str]:
    """Notify the recipients, each in their language; the users notified."""
    users = resolve_recipients(ctx, action.recipients, record)
    if not users:
        return []
    template = MessageTemplate(subject=action.title, text=action.body or action.title)
    obj = ctx.object(object_name)
    table = ctx.object("user").table
    languages = {
        k: v
        for k, v in ctx.conn.execute(
            sa.select(table.c.id, table.c.language).where(table.c.id.in_(users))
        )
    }
    by_language: dict[str, list[str]] = {}
    for user in users:
        by_language.setdefault(normalise_locale(languages.get(user)), []).append(user)
    for language, group in by_language.items():
        values = {
            "record": record,
            "object": label(obj.definition.labels, language),
            "flow": label(flow.definition.labels, language),
        }
        try:
            message = render(template, values, language=language, time_zone=ctx.time_zone)
        except TemplateRenderError as exc:
            raise FlowActionFailed(f"template {exc.part}: {exc.reason}") from None
        notify(
            ctx,
            group,
            message.subject,
            message.text if action.body else "",
            link=RecordLink(object_name, str(record["id"])),
            source="flow",
        )
    return users


class FlowActionFailed(KeyiError):
    """An action that cannot be done with this record (a template that needs a missing value)."""

    status = 409
    code = "flow_action_failed"


def _load(ctx: Context, flow_id: str) -> ActiveFlow | None:
    row = ctx.conn.execute(
        sa.select(flow_table.c.name, flow_table.c.definition, flow_table.c.active).where(
            flow_table.c.id == flow_id
        )
    ).first()
    if row is None or not row.active:
        return None
    flow = FlowDef.model_validate(row.definition)
    condition = parse(flow.trigger.condition) if flow.trigger.condition else None
    return ActiveFlow(flow_id, row.name, flow, condition)
