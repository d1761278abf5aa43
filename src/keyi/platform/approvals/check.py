"""An approval process checked before it is saved (every problem at its place, nothing saved
while there is one): its object, the conditions, the field updates of its outcomes, and that
every step has somebody who can approve it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from keyi.platform.approvals.approvers import role_holders
from keyi.platform.approvals.model import Approver, ProcessDef
from keyi.platform.automation.assign import team_members
from keyi.platform.automation.check import check_values
from keyi.platform.context import Context
from keyi.platform.errors import FieldErrors
from keyi.platform.ids import is_id
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.service import check_boolean, check_expression, pydantic_errors

__all__ = ["OUTCOMES", "parse_process"]

# The moments an approval sets fields of its record (ProcessDef.on_*).
OUTCOMES = ("on_submit", "on_approve", "on_reject", "on_recall")


def parse_process(ctx: Context, data: dict[str, Any]) -> ProcessDef:
    try:
        process = ProcessDef.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors(exc) from None
    defs = {name: obj.definition for name, obj in ctx.schema.objects.items()}
    errors = FieldErrors()
    obj = defs.get(process.object)
    if obj is None:
        errors.add("object", "object_not_found", object=process.object)
        errors.raise_if_any()
        return process
    _condition(defs, obj, process.entry_condition, errors, "entry_condition")
    for i, step in enumerate(process.steps):
        _condition(defs, obj, step.condition, errors, f"steps.{i}.condition")
        for j, approver in enumerate(step.approvers):
            _approver(ctx, approver, errors, f"steps.{i}.approvers.{j}")
    for outcome in OUTCOMES:
        values = getattr(process, outcome)
        if values:
            check_values(defs, obj, obj, values, errors, outcome, allow_read_only=True)
    errors.raise_if_any()
    return process


def _condition(
    defs: dict[str, ObjectDef], obj: ObjectDef, source: str | None, errors: FieldErrors, key: str
) -> None:
    if source and source.strip():
        expr = check_expression(defs, obj, source, errors, key)
        if expr is not None:
            check_boolean(defs, obj, expr, errors, key)


def _approver(ctx: Context, approver: Approver, errors: FieldErrors, key: str) -> None:
    """A named approver must exist and be able to act: a user active, a role held by somebody,
    a team with an active member (a step nobody can approve would hold every record)."""
    kind = approver.type
    if kind == "user":
        if not approver.user_id:
            errors.add(f"{key}.user_id", "required")
        elif not _active_user(ctx, approver.user_id):
            errors.add(f"{key}.user_id", "approval_nobody")
    elif kind == "role":
        if not approver.role_id:
            errors.add(f"{key}.role_id", "required")
        elif not is_id(approver.role_id) or not role_holders(ctx, approver.role_id):
            errors.add(f"{key}.role_id", "approval_nobody")
    elif kind == "team":
        if not approver.team_id:
            errors.add(f"{key}.team_id", "required")
        elif not is_id(approver.team_id) or not team_members(ctx, approver.team_id):
            errors.add(f"{key}.team_id", "approval_nobody")


def _active_user(ctx: Context, user_id: str) -> bool:
    if not is_id(user_id):
        return False
    users = ctx.object("user").table
    found = ctx.conn.execute(
        sa.select(users.c.id).where(
            users.c.id == user_id, users.c.is_active.is_(True), users.c.deleted_at.is_(None)
        )
    )
    return found.first() is not None
