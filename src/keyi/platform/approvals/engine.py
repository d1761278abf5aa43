"""Submitting records for approval and deciding on them.

Every action takes the approval's row lock first (two approvers clicking at once are
serialised; the second finds the step already decided), checks who is acting — only a current
approver with a task on the current step may approve, reject or delegate (403 otherwise), acting
twice is a 409 — then changes tasks, the trail and, when the approval ends, the record (the
outcome's field updates, written as the system so the lock does not refuse them), in the
caller's transaction. Approvers and submitters are notified in the same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal

import sqlalchemy as sa

from keyi.platform.approvals.approvers import resolve_step
from keyi.platform.approvals.model import ProcessDef, Step
from keyi.platform.approvals.tables import approval_table, process_table, task_table
from keyi.platform.automation.triggers import evaluate_values
from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.expressions import evaluate, is_truthy, parse, references
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.i18n import label
from keyi.platform.ids import is_id, new_id
from keyi.platform.jobs import ClaimedJob, enqueue, job_handler
from keyi.platform.notifications import RecordLink, notify
from keyi.platform.notify.templates import normalise_locale
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService

__all__ = [
    "act",
    "delegate",
    "get_approval",
    "inbox",
    "recall",
    "record_approvals",
    "submit",
]

Box = Literal["pending", "submitted", "done"]
REMIND_JOB = "approval.remind"
MESSAGES = {
    "requested": {
        "zh-CN": "待您审批：{process} — {record}",
        "en": "Approval requested: {process} — {record}",
    },
    "reminder": {
        "zh-CN": "审批提醒：{process} — {record}",
        "en": "Reminder, approval waiting: {process} — {record}",
    },
    "approved": {
        "zh-CN": "审批已通过：{process} — {record}",
        "en": "Approved: {process} — {record}",
    },
    "rejected": {
        "zh-CN": "审批被驳回：{process} — {record}",
        "en": "Rejected: {process} — {record}",
    },
}


# ---------------------------------------------------------------- submit
def submit(
    ctx: Context,
    object_name: str,
    record_id: str,
    comment: str | None = None,
    *,
    submitter_id: str | None = None,
) -> dict[str, Any]:
    """Submit a record the caller may edit to the first process of its object that applies.
    ``submitter_id``: on someone's behalf (a flow submits as the record's owner)."""
    obj = ctx.object(object_name)
    records = RecordsService(ctx)
    record = records.load_for_edit(object_name, record_id)  # access check; locks the row
    t = approval_table
    pending = ctx.conn.execute(
        sa.select(t.c.id).where(
            t.c.object == obj.name, t.c.record_id == record_id, t.c.status == "pending"
        )
    ).first()
    if pending is not None:
        raise Conflict("approval_pending", approval=str(pending.id))
    chosen = _process_for(ctx, obj.name, record, records)
    if chosen is None:
        raise ValidationFailed([FieldError("object", "approval_no_process", {"object": obj.name})])
    process_id, process = chosen
    approval_id, now = new_id(), ctx.now()
    entry = _trail(ctx, "submitted", comment=comment)
    ctx.conn.execute(
        sa.insert(t).values(
            id=approval_id,
            process_id=process_id,
            process_name=process.name,
            definition=process.model_dump(mode="json"),
            object=obj.name,
            record_id=record_id,
            submitter_id=submitter_id or ctx.actor.id,
            status="pending",
            step=0,
            trail=[entry],
            submitted_at=now,
        )
    )
    approval = _load(ctx, approval_id, lock=True)
    if process.on_submit:
        record = _set_fields(ctx, approval, process.on_submit, record)
    _advance(ctx, approval, 0, record)
    ctx.audit("approval.submit", object_name=obj.name, record_id=record_id, approval=approval_id)
    return get_approval(ctx, approval_id)


def _process_for(
    ctx: Context, object_name: str, record: dict[str, Any], records: RecordsService
) -> tuple[str, ProcessDef] | None:
    p = process_table
    rows = ctx.conn.execute(
        sa.select(p.c.id, p.c.definition)
        .where(p.c.object == object_name, p.c.active.is_(True))
        .order_by(p.c.position, p.c.name)
    )
    for process_id, definition in rows:
        process = ProcessDef.model_validate(definition)
        if _holds(ctx, process.entry_condition, object_name, record, records):
            return str(process_id), process
    return None


def _holds(
    ctx: Context,
    condition: str | None,
    object_name: str,
    record: dict[str, Any],
    records: RecordsService,
) -> bool:
    if not condition or not condition.strip():
        return True
    expr = parse(condition)
    values = records.expression_values_for(ctx.object(object_name))(record, references(expr))
    return is_truthy(evaluate(expr, values, today=ctx.today(), now=ctx.now()))


def _advance(ctx: Context, approval: dict[str, Any], start: int, record: dict[str, Any]) -> None:
    """Start the first step from ``start`` whose condition holds; approve when none is left."""
    process = ProcessDef.model_validate(approval["definition"])
    records = RecordsService(ctx)
    trail = list(approval["trail"])
    for index in range(start, len(process.steps)):
        step = process.steps[index]
        if not _holds(ctx, step.condition, approval["object"], record, records):
            trail.append(_trail(ctx, "skipped", step=index))
            continue
        approvers = resolve_step(ctx, step.approvers, approval["submitter_id"])
        if not approvers:
            raise Conflict("approval_no_approver", step=label(step.labels, ctx.locale))
        _open_step(ctx, approval, index, step, approvers)
        _save(ctx, approval["id"], step=index, trail=trail)
        return
    _finish(ctx, approval, "approved", trail, record)


def _open_step(
    ctx: Context, approval: dict[str, Any], index: int, step: Step, approvers: list[str]
) -> None:
    now = ctx.now()
    for user in approvers:
        task_id = new_id()
        ctx.conn.execute(
            sa.insert(task_table).values(
                id=task_id,
                approval_id=approval["id"],
                step=index,
                approver_id=user,
                status="pending",
                created_at=now,
            )
        )
        if step.reminder_hours:
            _schedule_reminder(ctx, task_id, step.reminder_hours)
    _tell(ctx, approvers, "requested", approval, dedupe=f"approval:{approval['id']}:{index}")


def _schedule_reminder(ctx: Context, task_id: str, hours: float) -> None:
    enqueue(
        ctx.conn,
        REMIND_JOB,
        {"task_id": task_id},
        now=ctx.now(),
        run_at=ctx.now() + timedelta(hours=hours),
        dedupe_key=f"approval-remind:{task_id}",
    )


# ---------------------------------------------------------------- decisions
def act(
    ctx: Context, approval_id: str, decision: Literal["approve", "reject"], comment: str | None
) -> dict[str, Any]:
    """Approve or reject as one of the current step's approvers."""
    approval = _load(ctx, approval_id, lock=True)
    task = _my_task(ctx, approval)
    now = ctx.now()
    status = "approved" if decision == "approve" else "rejected"
    ctx.conn.execute(
        sa.update(task_table)
        .where(task_table.c.id == task["id"])
        .values(status=status, acted_at=now, comment=comment)
    )
    trail = [*approval["trail"], _trail(ctx, status, step=approval["step"], comment=comment)]
    process = ProcessDef.model_validate(approval["definition"])
    record = _record(ctx, approval)
    if decision == "reject":
        _cancel_open_tasks(ctx, approval_id)
        _finish(ctx, approval, "rejected", trail, record)
    else:
        step = process.steps[approval["step"]]
        waiting = _pending_tasks(ctx, approval_id, approval["step"])
        if step.mode == "any" or not waiting:
            _cancel_open_tasks(ctx, approval_id)
            _save(ctx, approval_id, trail=trail)
            _advance(ctx, {**approval, "trail": trail}, approval["step"] + 1, record)
        else:
            _save(ctx, approval_id, trail=trail)
    ctx.audit(
        f"approval.{decision}",
        object_name=approval["object"],
        record_id=approval["record_id"],
        approval=approval_id,
    )
    return get_approval(ctx, approval_id)


def recall(ctx: Context, approval_id: str, comment: str | None = None) -> dict[str, Any]:
    """The submitter takes a pending submission back (the record is unlocked)."""
    approval = _load(ctx, approval_id, lock=True)
    if approval["submitter_id"] != ctx.actor.id:
        raise Forbidden()
    if approval["status"] != "pending":
        raise Conflict("approval_finished", status=approval["status"])
    _cancel_open_tasks(ctx, approval_id)
    trail = [*approval["trail"], _trail(ctx, "recalled", comment=comment)]
    _save(ctx, approval_id, status="recalled", finished_at=ctx.now(), trail=trail)
    process = ProcessDef.model_validate(approval["definition"])
    if process.on_recall:
        _set_fields(ctx, approval, process.on_recall, _record(ctx, approval))
    ctx.audit(
        "approval.recall",
        object_name=approval["object"],
        record_id=approval["record_id"],
        approval=approval_id,
    )
    return get_approval(ctx, approval_id)


def delegate(
    ctx: Context, approval_id: str, user_id: str, comment: str | None = None
) -> dict[str, Any]:
    """Hand one's task on the current step to another active user."""
    approval = _load(ctx, approval_id, lock=True)
    task = _my_task(ctx, approval)
    users = ctx.object("user").table
    if (
        not is_id(user_id)
        or ctx.conn.execute(
            sa.select(users.c.id).where(
                users.c.id == user_id, users.c.is_active.is_(True), users.c.deleted_at.is_(None)
            )
        ).first()
        is None
    ):
        raise ValidationFailed([FieldError("user_id", "record_not_found", {"object": "user"})])
    if user_id in _pending_tasks(ctx, approval_id, approval["step"]) or user_id == ctx.actor.id:
        raise ValidationFailed([FieldError("user_id", "approval_already_approver")])
    now = ctx.now()
    ctx.conn.execute(
        sa.update(task_table)
        .where(task_table.c.id == task["id"])
        .values(status="delegated", acted_at=now, comment=comment)
    )
    ctx.conn.execute(
        sa.insert(task_table).values(
            id=new_id(),
            approval_id=approval_id,
            step=approval["step"],
            approver_id=user_id,
            status="pending",
            created_at=now,
            delegated_from=ctx.actor.id,
        )
    )
    trail = [
        *approval["trail"],
        _trail(ctx, "delegated", step=approval["step"], comment=comment, to=user_id),
    ]
    _save(ctx, approval_id, trail=trail)
    _tell(
        ctx, [user_id], "requested", approval, dedupe=f"approval:{approval_id}:delegate:{user_id}"
    )
    ctx.audit(
        "approval.delegate",
        object_name=approval["object"],
        record_id=approval["record_id"],
        approval=approval_id,
        to=user_id,
    )
    return get_approval(ctx, approval_id)


def _my_task(ctx: Context, approval: dict[str, Any]) -> dict[str, Any]:
    """The caller's pending task on the current step: 409 if they already acted on this
    approval (at any step) or it is over, 403 if they were never one of its approvers."""
    t = task_table
    mine = (
        ctx.conn.execute(
            sa.select(t).where(t.c.approval_id == approval["id"], t.c.approver_id == ctx.actor.id)
        )
        .mappings()
        .all()
    )
    pending = [
        task for task in mine if task["status"] == "pending" and task["step"] == approval["step"]
    ]
    if approval["status"] == "pending" and pending:
        return dict(pending[0])
    if mine or approval["status"] != "pending":
        raise Conflict("approval_already_decided", status=approval["status"])
    raise Forbidden()


def _finish(
    ctx: Context,
    approval: dict[str, Any],
    status: str,
    trail: list[dict[str, Any]],
    record: dict[str, Any],
) -> None:
    process = ProcessDef.model_validate(approval["definition"])
    updates = process.on_approve if status == "approved" else process.on_reject
    if updates:
        _set_fields(ctx, approval, updates, record)
    trail = [*trail, _trail(ctx, f"finished:{status}")]
    _save(ctx, approval["id"], status=status, finished_at=ctx.now(), trail=trail)
    if approval["submitter_id"]:
        _tell(
            ctx,
            [approval["submitter_id"]],
            status,
            approval,
            dedupe=f"approval:{approval['id']}:{status}",
        )


def _set_fields(
    ctx: Context, approval: dict[str, Any], updates: dict[str, str], record: dict[str, Any]
) -> dict[str, Any]:
    """Write an outcome's field updates as the system (the lock does not refuse them); the
    process may set read-only fields (checked when it was saved). The record as stored after."""
    system = dataclasses.replace(ctx, actor=Actor.system("approval"))
    records = RecordsService(system)
    obj = system.object(approval["object"])
    values = evaluate_values(system, updates, record, records.expression_values_for(obj))
    trusted = frozenset(
        name
        for name in values
        if (f := obj.fields.get(name)) is not None and f.read_only and not (f.computed or f.system)
    )
    records.update(approval["object"], approval["record_id"], values, trusted_fields=trusted)
    return records.load_for_edit(approval["object"], approval["record_id"])


# ---------------------------------------------------------------- reading
def get_approval(ctx: Context, approval_id: str) -> dict[str, Any]:
    """An approval with its steps, tasks and trail, for its submitter, its approvers,
    administrators and whoever may read the record."""
    approval = _load(ctx, approval_id)
    tasks = (
        ctx.conn.execute(
            sa.select(task_table)
            .where(task_table.c.approval_id == approval_id)
            .order_by(task_table.c.step, task_table.c.created_at, task_table.c.id)
        )
        .mappings()
        .all()
    )
    involved = {approval["submitter_id"], *(t["approver_id"] for t in tasks)}
    if ctx.actor.id not in involved and not ctx.policy.can_manage_metadata():
        RecordsService(ctx).get(approval["object"], approval["record_id"])  # 404 if not readable
    return _approval_json(ctx, approval, [dict(t) for t in tasks])


def record_approvals(ctx: Context, object_name: str, record_id: str) -> dict[str, Any]:
    """The record's approvals, newest first (for whoever may read the record)."""
    RecordsService(ctx).get(object_name, record_id)
    t = approval_table
    ids = ctx.conn.execute(
        sa.select(t.c.id)
        .where(t.c.object == object_name, t.c.record_id == record_id)
        .order_by(t.c.id.desc())
    ).scalars()
    return {"approvals": [get_approval(ctx, str(i)) for i in ids]}


def inbox(ctx: Context, box: Box, *, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    """``pending``: waiting for me; ``submitted``: mine; ``done``: ones I decided."""
    if cursor is not None and not is_id(cursor):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")])
    a, t, me = approval_table, task_table, ctx.actor.id
    if box == "submitted":
        stmt = sa.select(a.c.id).where(a.c.submitter_id == me)
    elif box == "pending":
        stmt = (
            sa.select(a.c.id)
            .join(t, sa.and_(t.c.approval_id == a.c.id, t.c.step == a.c.step))
            .where(t.c.approver_id == me, t.c.status == "pending", a.c.status == "pending")
        )
    else:
        decided = sa.select(t.c.approval_id).where(
            t.c.approver_id == me, t.c.status.in_(("approved", "rejected", "delegated"))
        )
        stmt = sa.select(a.c.id).where(a.c.id.in_(decided))
    if cursor is not None:
        stmt = stmt.where(a.c.id < cursor)
    ids = [
        str(i) for i in ctx.conn.execute(stmt.order_by(a.c.id.desc()).limit(limit + 1)).scalars()
    ]
    approvals = [get_approval(ctx, i) for i in ids[:limit]]
    return {
        "approvals": approvals,
        "next_cursor": ids[limit - 1] if len(ids) > limit else None,
        "counts": counts(ctx),
    }


def counts(ctx: Context) -> dict[str, int]:
    """How many approvals wait for the caller (the navigation badge)."""
    a, t = approval_table, task_table
    waiting = ctx.conn.execute(
        sa.select(sa.func.count())
        .select_from(t.join(a, sa.and_(a.c.id == t.c.approval_id, a.c.step == t.c.step)))
        .where(t.c.approver_id == ctx.actor.id, t.c.status == "pending", a.c.status == "pending")
    ).scalar_one()
    return {"pending": int(waiting)}


# ---------------------------------------------------------------- reminders
@job_handler(REMIND_JOB)
def remind(ctx: Context, job: ClaimedJob) -> None:
    """Remind an approver whose task is still waiting (once per task)."""
    t = task_table
    task = (
        ctx.conn.execute(
            sa.select(t).where(t.c.id == job.payload["task_id"], t.c.status == "pending")
        )
        .mappings()
        .first()
    )
    if task is None:
        return
    approval = _load(ctx, str(task["approval_id"]))
    if approval["status"] != "pending" or approval["step"] != task["step"]:
        return
    _tell(
        ctx,
        [str(task["approver_id"])],
        "reminder",
        approval,
        dedupe=f"approval-remind:{task['id']}",
    )
    ctx.conn.execute(sa.update(t).where(t.c.id == task["id"]).values(reminded_at=ctx.now()))


# ---------------------------------------------------------------- helpers
def _load(ctx: Context, approval_id: str, *, lock: bool = False) -> dict[str, Any]:
    if not is_id(approval_id):
        raise NotFound()
    stmt = sa.select(approval_table).where(approval_table.c.id == approval_id)
    if lock:
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFound()
    return {
        **row,
        "id": str(row["id"]),
        "record_id": str(row["record_id"]),
        "submitter_id": None if row["submitter_id"] is None else str(row["submitter_id"]),
    }


def _record(ctx: Context, approval: dict[str, Any]) -> dict[str, Any]:
    """The record's stored values, read as the system (approvers need not be able to edit)."""
    system = dataclasses.replace(ctx, actor=Actor.system("approval"))
    return RecordsService(system).load_for_edit(approval["object"], approval["record_id"])


def _pending_tasks(ctx: Context, approval_id: str, step: int) -> list[str]:
    t = task_table
    rows = ctx.conn.execute(
        sa.select(t.c.approver_id).where(
            t.c.approval_id == approval_id, t.c.step == step, t.c.status == "pending"
        )
    )
    return [str(user) for user in rows.scalars()]


def _cancel_open_tasks(ctx: Context, approval_id: str) -> None:
    t = task_table
    ctx.conn.execute(
        sa.update(t)
        .where(t.c.approval_id == approval_id, t.c.status == "pending")
        .values(status="cancelled", acted_at=ctx.now())
    )


def _save(ctx: Context, approval_id: str, **values: Any) -> None:
    ctx.conn.execute(
        sa.update(approval_table).where(approval_table.c.id == approval_id).values(**values)
    )


def _trail(ctx: Context, action: str, **details: Any) -> dict[str, Any]:
    entry = {"at": datetime_json(ctx.now()), "actor_id": ctx.actor.id, "action": action}
    entry.update({k: v for k, v in details.items() if v is not None})
    return entry


def _tell(
    ctx: Context, users: list[str], event: str, approval: Mapping[str, Any], *, dedupe: str
) -> None:
    """Notify ``users`` in their language, linking to the record."""
    process = ProcessDef.model_validate(approval["definition"])
    title = _record_title(ctx, approval["object"], approval["record_id"])
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
        text = MESSAGES[event][language].format(
            process=label(process.labels, language), record=title
        )
        notify(
            ctx,
            group,
            text,
            link=RecordLink(approval["object"], approval["record_id"]),
            source="approval",
            dedupe_key=dedupe,
        )


def _record_title(ctx: Context, object_name: str, record_id: str) -> str:
    obj = ctx.object(object_name)
    name = obj.definition.name_field
    if name not in obj.table.c:
        return record_id
    value = ctx.conn.execute(
        sa.select(obj.table.c[name]).where(obj.table.c.id == record_id)
    ).scalar()
    return str(value) if value is not None else record_id


def _approval_json(
    ctx: Context, approval: dict[str, Any], tasks: list[dict[str, Any]]
) -> dict[str, Any]:
    process = ProcessDef.model_validate(approval["definition"])
    users = {str(t["approver_id"]) for t in tasks}
    if approval["submitter_id"]:
        users.add(approval["submitter_id"])
    table = ctx.object("user").table
    names = (
        {
            k: v
            for k, v in ctx.conn.execute(
                sa.select(table.c.id, table.c.name).where(table.c.id.in_(users))
            )
        }
        if users
        else {}
    )
    names = {str(k): v for k, v in names.items()}
    steps = []
    skipped = {e.get("step") for e in approval["trail"] if e.get("action") == "skipped"}
    for index, step in enumerate(process.steps):
        step_tasks = [t for t in tasks if t["step"] == index]
        if index in skipped:
            state = "skipped"
        elif index < approval["step"] or (
            index == approval["step"] and approval["status"] != "pending"
        ):
            state = "done" if step_tasks else "pending"
        elif index == approval["step"] and approval["status"] == "pending":
            state = "current"
        else:
            state = "pending"
        steps.append(
            {
                "index": index,
                "labels": step.labels,
                "mode": step.mode,
                "state": state,
                "tasks": [
                    {
                        "id": str(t["id"]),
                        "approver_id": str(t["approver_id"]),
                        "approver_name": names.get(str(t["approver_id"])),
                        "status": t["status"],
                        "acted_at": datetime_json(t["acted_at"]),
                        "comment": t["comment"],
                        "delegated_from": None
                        if t["delegated_from"] is None
                        else str(t["delegated_from"]),
                    }
                    for t in step_tasks
                ],
            }
        )
    me = ctx.actor.id
    current = [t for t in tasks if t["step"] == approval["step"]]
    return {
        "id": approval["id"],
        "process": process.name,
        "process_labels": process.labels,
        "object": approval["object"],
        "record_id": approval["record_id"],
        "record_title": _record_title(ctx, approval["object"], approval["record_id"]),
        "submitter_id": approval["submitter_id"],
        "submitter_name": names.get(approval["submitter_id"] or ""),
        "status": approval["status"],
        "step": approval["step"],
        "steps": steps,
        "trail": approval["trail"],
        "submitted_at": datetime_json(approval["submitted_at"]),
        "finished_at": datetime_json(approval["finished_at"]),
        "can_act": approval["status"] == "pending"
        and any(str(t["approver_id"]) == me and t["status"] == "pending" for t in current),
        "can_recall": approval["status"] == "pending" and approval["submitter_id"] == me,
    }
