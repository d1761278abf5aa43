"""The case actions: take, assign, resolve, close, reopen, and take / assign over many cases.

Who may do what. Taking a case (or assigning it to oneself) needs the right to edit cases and
a case the caller can *read*: an agent picks work from a queue or a colleague's list they see.
Assigning it to someone else needs the caller's edit access to that case (its row scope, as an
edit would), and the assignee must be an active member of the case's queue unless the caller
is an administrator. Resolve, close and reopen are edits of the case (edit access).

Who is named. Once those checks pass, take and assign write through the records service as
the calling user with the row and owner checks already made (an agent's own data scope would
not let them hand a case to a colleague; the queue is what makes it theirs to hand over):
history and the audit log name the user, not a system actor. Bulk actions run in one
transaction, each case in a savepoint: a case that fails is reported with its error and left
as it was; the others are done.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keyi.packages.service import assignment, lifecycle
from keyi.platform.access.model import Operation
from keyi.platform.actions import load_record, registry
from keyi.platform.context import Context
from keyi.platform.errors import (
    Conflict,
    FieldError,
    Forbidden,
    KeyiError,
    NotFound,
    ValidationFailed,
)
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.i18n import MESSAGES
from keyi.platform.metadata.model import OWNER_FIELD
from keyi.platform.permissions import Actor, ActorKind
from keyi.platform.records import RecordsService
from keyi.platform.users import live_user

# Imported for their registrations (periodic auto-close job; hooks are loaded before actions).
__all__ = ["lifecycle"]

actions = registry.package("service")
MAX_BULK = 200

MESSAGES.update(
    {
        "not_queue_member": {
            "en": "Only a member of the case's queue can be assigned this case.",
            "zh-CN": "只能分配给该工单所在队列的成员。",
        },
        "case_not_open": {
            "en": "The case is “{status}”: only an open case can be taken or assigned.",
            "zh-CN": "工单状态为“{status}”，只有未解决的工单可以领取或分配。",
        },
    }
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignBody(_Body):
    user: str = Field(min_length=1, max_length=36)


class ResolveBody(_Body):
    resolution: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)
    ]


class IdsBody(_Body):
    ids: list[Annotated[str, StringConstraints(min_length=1, max_length=36)]] = Field(
        min_length=1, max_length=MAX_BULK
    )


class AssignManyBody(IdsBody):
    user: str = Field(min_length=1, max_length=36)


class CaseResult(BaseModel):
    id: str
    status: str
    owner_id: str | None


class BulkError(BaseModel):
    id: str
    status: int
    code: str
    fields: list[str] = []


class BulkResult(BaseModel):
    done: list[CaseResult]
    errors: list[BulkError]


def _result(record: dict[str, Any]) -> CaseResult:
    owner = record.get(OWNER_FIELD)
    return CaseResult(
        id=str(record["id"]), status=str(record["status"]), owner_id=str(owner) if owner else None
    )


def _require_open(ctx: Context, record: dict[str, Any]) -> None:
    if record.get("status") not in lifecycle.OPEN_STATUSES:
        raise Conflict("case_not_open", status=lifecycle.status_label(ctx, record.get("status")))


def _check_assignee(ctx: Context, record: dict[str, Any], user_id: str) -> str:
    """The assignee's id once the rule allows them (see the module)."""
    try:
        user = live_user(ctx, user_id)
    except NotFound:
        raise ValidationFailed(
            [FieldError("user", "invalid_reference", {"target": "user"})]
        ) from None
    if not user.get("is_active", True):
        raise ValidationFailed([FieldError("user", "user_inactive")])
    if not ctx.policy.can_manage_metadata() and not assignment.is_member(
        ctx, record.get("queue"), user["id"]
    ):
        raise ValidationFailed([FieldError("user", "not_queue_member")])
    return str(user["id"])


def _as_caller(ctx: Context) -> Context:
    """The caller's transaction, written as the caller (history and audit name them) past the
    row and owner checks this module made (see the module)."""
    return Context(
        ctx.tenant,
        Actor(id=ctx.actor.id, name=ctx.actor.name, is_admin=True, kind=ActorKind.SYSTEM),
        ctx.conn,
        ctx.schema,
        ctx.locale,
        started_at=ctx.started_at,
        platform=ctx.platform,
    )


def _may_edit_cases(ctx: Context) -> None:
    if not ctx.policy.can(ctx.object("case"), Operation.EDIT):
        raise Forbidden()


def _write_owner(ctx: Context, record: dict[str, Any], owner: str) -> CaseResult:
    values: dict[str, Any] = {OWNER_FIELD: owner}
    if record.get("status") == "new":
        values["status"] = "assigned"
    return _result(RecordsService(_as_caller(ctx)).update("case", str(record["id"]), values))


def take(ctx: Context, record: dict[str, Any]) -> CaseResult:
    """The case is the caller's now (assigned, if it was waiting in its queue). ``record`` is
    one the caller can read (the action runner checked)."""
    _may_edit_cases(ctx)
    _require_open(ctx, record)
    if ctx.actor.id is None:
        raise Forbidden()
    return _write_owner(ctx, record, ctx.actor.id)


def assign(ctx: Context, record: dict[str, Any], user_id: str) -> CaseResult:
    """To oneself: a take. To someone else: the caller's edit access to the case first."""
    if user_id == ctx.actor.id:
        return take(ctx, record)
    _may_edit_cases(ctx)
    load_record(ctx, "case", str(record["id"]), Operation.EDIT)  # row scope (404/403), lock
    _require_open(ctx, record)
    return _write_owner(ctx, record, _check_assignee(ctx, record, user_id))


def set_status(ctx: Context, record: dict[str, Any], values: dict[str, Any]) -> CaseResult:
    return _result(RecordsService(ctx).update("case", str(record["id"]), values))


# ---------------------------------------------------------------- one case
@actions.record(
    "case", "take", labels={"en": "Take", "zh-CN": "领取"}, output=CaseResult, access="read"
)
def case_take(ctx: Context, record: dict[str, Any], payload: None) -> CaseResult:
    """Take the case: you own it from now on."""
    return take(ctx, record)


@actions.record(
    "case",
    "assign",
    labels={"en": "Assign", "zh-CN": "分配"},
    input=AssignBody,
    output=CaseResult,
    access="read",
)
def case_assign(ctx: Context, record: dict[str, Any], payload: AssignBody) -> CaseResult:
    """Give the case to a member of its queue (administrators: to anyone); to yourself, take
    it. Assigning to someone else needs edit access to the case."""
    return assign(ctx, record, payload.user)


@actions.record(
    "case",
    "resolve",
    labels={"en": "Resolve", "zh-CN": "解决"},
    input=ResolveBody,
    output=CaseResult,
    available=lambda ctx, record: record.get("status") in lifecycle.OPEN_STATUSES,
)
def case_resolve(ctx: Context, record: dict[str, Any], payload: ResolveBody) -> CaseResult:
    """Resolve the case with how it was solved."""
    return set_status(ctx, record, {"status": "resolved", "resolution": payload.resolution})


@actions.record(
    "case",
    "close",
    labels={"en": "Close", "zh-CN": "关闭"},
    output=CaseResult,
    available=lambda ctx, record: record.get("status") == "resolved",
)
def case_close(ctx: Context, record: dict[str, Any], payload: None) -> CaseResult:
    """Close a resolved case (it can no longer be reopened)."""
    return set_status(ctx, record, {"status": "closed"})


@actions.record(
    "case",
    "reopen",
    labels={"en": "Reopen", "zh-CN": "重新打开"},
    output=CaseResult,
    available=lambda ctx, record: record.get("status") == "resolved",
)
def case_reopen(ctx: Context, record: dict[str, Any], payload: None) -> CaseResult:
    """Reopen a resolved case within the reopen window."""
    return set_status(ctx, record, {"status": "in_progress"})


# ---------------------------------------------------------------- many cases
def _each(ctx: Context, ids: list[str], step: Any) -> BulkResult:
    """Run ``step(record)`` on each case in its own savepoint (see the module)."""
    done: list[CaseResult] = []
    errors: list[BulkError] = []
    for case_id in dict.fromkeys(ids):
        try:
            if not UUID_RE.match(case_id):  # never sent to the database (a 500 on PostgreSQL)
                raise NotFound("record_not_found")
            with ctx.conn.begin_nested():
                # Read access to list it; each step checks what its write needs (see module).
                record = load_record(ctx, "case", case_id, Operation.READ)
                done.append(step(record))
        except KeyiError as error:
            fields = [e.field for e in getattr(error, "errors", [])]
            errors.append(
                BulkError(id=case_id, status=error.status, code=error.code, fields=fields)
            )
    return BulkResult(done=done, errors=errors)


@actions.object(
    "case",
    "take_many",
    labels={"en": "Take", "zh-CN": "批量领取"},
    input=IdsBody,
    output=BulkResult,
    access="edit",
)
def case_take_many(ctx: Context, payload: IdsBody) -> BulkResult:
    """Take the listed cases; each one that cannot be taken is reported with why."""
    return _each(ctx, payload.ids, lambda record: take(ctx, record))


@actions.object(
    "case",
    "assign_many",
    labels={"en": "Assign", "zh-CN": "批量分配"},
    input=AssignManyBody,
    output=BulkResult,
    access="edit",
)
def case_assign_many(ctx: Context, payload: AssignManyBody) -> BulkResult:
    """Assign the listed cases to one user; each one that cannot be is reported with why."""
    return _each(ctx, payload.ids, lambda record: assign(ctx, record, payload.user))
