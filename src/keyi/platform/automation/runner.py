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

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from keyi.platform.approvals.engine import submit
from keyi.platform.automation.assign import choose_owner
from keyi.platform.automation.model import (
    MAX_DEPTH,
    AssignOwner,
    CallWebhook,
    CreateRecord,
    FlowDef,
    Notify,
    PostToRobot,
    SendEmail,
    SubmitForApproval,
    UpdateFields,
)
from keyi.platform.automation.recipients import resolve_recipients
from keyi.platform.automation.robots import queue_robot_message
from keyi.platform.automation.runs import record_run
from keyi.platform.automation.tables import flow_table
from keyi.platform.automation.triggers import ActiveFlow, ValuesFor, evaluate_values
from keyi.platform.context import Context
from keyi.platform.errors import KeyiError
from keyi.platform.expressions import ExpressionError, parse
from keyi.platform.i18n import label
from keyi.platform.ids import new_id
from keyi.platform.jobs import ClaimedJob, RetryPolicy, enqueue, job_handler
from keyi.platform.notifications import RecordLink, notify
from keyi.platform.notify.email import email_from_rendered, send_email
from keyi.platform.notify.templates import (
    MessageTemplate,
    RenderedMessage,
    TemplateRenderError,
    normalise_locale,
    render,
)
from keyi.platform.records import RecordsService
from keyi.platform.webhooks.subscriptions import enqueue_delivery

__all__ = ["EMAIL_JOB", "run_flow", "send_flow_email"]

EMAIL_JOB = "flow.email"


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
    run_id = new_id()  # handed to the jobs that finish actions after commit (robot messages)
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
            if isinstance(action, PostToRobot):
                steps.append(
                    _post_to_robot(ctx, flow, object_name, record, action, i, run_id, event)
                )
                continue
            steps.append(
                _run_action(ctx, records, flow, object_name, record, action, i, values_for, job.id)
            )
    except (KeyiError, ExpressionError) as exc:
        savepoint.rollback()
        message = f"{type(exc).__name__}: {exc}"
        for step in steps:
            if step.get("outcome") == "pending":  # its job was rolled back with the rest
                step.update(outcome="skipped", reason="run_failed")
                step.pop("job_id", None)
        steps.append({"action": len(steps), "outcome": "failed", "error": message})
        record_run(
            ctx,
            flow,
            object_name or "",
            record_id,
            event,
            "failed",
            started,
            steps,
            message,
            run_id=run_id,
        )
        return
    savepoint.commit()
    record_run(
        ctx, flow, object_name or "", record_id, event, "done", started, steps, None, run_id=run_id
    )


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
    run_key: str,
) -> dict[str, Any]:
    step: dict[str, Any] = {"action": index, "type": action.type, "outcome": "done"}
    if isinstance(action, SendEmail):
        sent_to = _send_email(ctx, object_name, record, action)
        return {**step, "to": sent_to} if sent_to else {**step, "outcome": "skipped"}
    if isinstance(action, CallWebhook):
        data = {"object": object_name, "id": record.get("id"), "record": record}
        delivery = enqueue_delivery(
            ctx,
            action.webhook_id,
            f"flow.{flow.name}",
            data,
            timestamp=ctx.now(),
            # One delivery per run and action, whatever retries the run: a stable event id.
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"keyi:flow-run:{run_key}:{index}")),
        )
        return {**step, "delivery_id": delivery}
    if isinstance(action, SubmitForApproval):
        assert object_name is not None
        approval = submit(
            ctx,
            object_name,
            str(record["id"]),
            action.comment,
            submitter_id=record.get("owner_id"),
        )
        return {**step, "approval_id": approval["id"]}
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


def _post_to_robot(
    ctx: Context,
    flow: ActiveFlow,
    object_name: str | None,
    record: dict[str, Any],
    action: PostToRobot,
    index: int,
    run_id: str,
    event: str,
) -> dict[str, Any]:
    """Render and queue the robot message (keyi.platform.automation.robots); the step."""
    step: dict[str, Any] = {"action": index, "type": action.type}
    try:
        queued = queue_robot_message(
            ctx, flow, object_name, record, action, index, run_id, link=event != "deleted"
        )
    except TemplateRenderError as exc:
        raise FlowActionFailed(f"template {exc.part}: {exc.reason}") from None
    return {**step, **queued}


def _send_email(
    ctx: Context, object_name: str | None, record: dict[str, Any], action: SendEmail
) -> list[str]:
    """Render per language and queue one ``flow.email`` job per message; the addresses."""
    settings = ctx.platform_settings
    if settings is None or not settings.smtp_host:
        return []
    tenant_language = str(ctx.settings.get("locale") or "zh-CN")
    groups: dict[str, list[str]] = {}
    for name in action.to_fields:
        if record.get(name):
            groups.setdefault(normalise_locale(tenant_language), []).append(str(record[name]))
    for address in action.to_addresses:
        groups.setdefault(normalise_locale(tenant_language), []).append(address)
    users = resolve_recipients(ctx, action.recipients, record)
    if users:
        table = ctx.object("user").table
        rows = ctx.conn.execute(
            sa.select(table.c.email, table.c.language).where(table.c.id.in_(users))
        )
        for email, language in rows:
            if email:
                groups.setdefault(normalise_locale(language), []).append(str(email))
    template = MessageTemplate(subject=action.subject, text=action.text, html=action.html)
    values = _template_values(ctx, object_name, record)
    sent: list[str] = []
    for language, addresses in groups.items():
        to = sorted(set(addresses))
        try:
            message = render(template, values(language), language=language, time_zone=ctx.time_zone)
        except TemplateRenderError as exc:
            raise FlowActionFailed(f"template {exc.part}: {exc.reason}") from None
        enqueue(
            ctx.conn,
            EMAIL_JOB,
            {"to": to, "subject": message.subject, "text": message.text, "html": message.html},
            now=ctx.now(),
        )
        sent += to
    return sent


@job_handler(EMAIL_JOB, retry=RetryPolicy(first=timedelta(seconds=30), cap=timedelta(hours=2)))
def send_flow_email(ctx: Context, job: ClaimedJob) -> None:
    """Send one flow email; a failure raises, so the queue retries it (the relay down)."""
    settings = ctx.platform_settings
    if settings is None or not settings.smtp_host:
        return
    payload = job.payload
    message = email_from_rendered(
        settings,
        list(payload["to"]),
        RenderedMessage("", payload["subject"], payload["text"], payload.get("html")),
    )
    result = send_email(settings, message)
    if not result.ok:
        raise RuntimeError(result.error or "not sent")


def _template_values(ctx: Context, object_name: str | None, record: dict[str, Any]) -> Any:
    def values(language: str) -> dict[str, Any]:
        if object_name is None:
            return {"record": record, "object": "", "flow": ""}
        obj = ctx.object(object_name)
        return {"record": record, "object": label(obj.definition.labels, language), "flow": ""}

    return values


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
