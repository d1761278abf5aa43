"""Marketing expense actions: submit for approval, and mark an approved expense paid.

The status is read-only to users: the approval process (approvals/expense_approval.yaml)
moves it through in_approval to approved or rejected, and ``mark_paid`` takes an approved
expense to paid. Both write as the caller, through the approval engine and the records
service, naming ``status`` as the only trusted field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from keyi.platform.actions import registry
from keyi.platform.approvals import engine as approvals
from keyi.platform.approvals.tables import process_table
from keyi.platform.context import Context
from keyi.platform.errors import Conflict
from keyi.platform.i18n import MESSAGES, label
from keyi.platform.records import RecordsService

actions = registry.package("marketing")
EXPENSE = "marketing_expense"
STATUS = frozenset({"status"})

MESSAGES.update(
    {
        "expense_invalid_status": {
            "en": "The expense is “{status}”: this cannot be done now.",
            "zh-CN": "费用状态为“{status}”，当前不能执行此操作。",
        },
    }
)


class SubmitResult(BaseModel):
    approval_id: str | None = Field(description="The approval started; null: none was needed.")
    status: str


class StatusResult(BaseModel):
    status: str


def _status_label(ctx: Context, value: Any) -> str:
    f = ctx.object(EXPENSE).fields.get("status")
    for option in (f.options if f is not None else None) or ():
        if option.value == value:
            return label(option.labels, ctx.locale, str(value))
    return str(value or "")


def in_status(*allowed: str) -> Callable[[Context, dict[str, Any]], bool]:
    """The menu offers the action only in these statuses; run in another, 409 names it."""

    def check(ctx: Context, record: dict[str, Any]) -> bool:
        if record.get("status") not in allowed:
            raise Conflict(
                "expense_invalid_status",
                status=_status_label(ctx, record.get("status")),
                value=record.get("status"),
            )
        return True

    return check


def _has_process(ctx: Context) -> bool:
    p = process_table
    found = ctx.conn.execute(
        sa.select(p.c.id).where(p.c.object == EXPENSE, p.c.active.is_(True)).limit(1)
    ).first()
    return found is not None


@actions.record(
    EXPENSE,
    "submit",
    labels={"en": "Submit for approval", "zh-CN": "提交审批"},
    output=SubmitResult,
    available=in_status("draft", "rejected"),
)
def expense_submit(ctx: Context, record: dict[str, Any], payload: None) -> SubmitResult:
    """Submit a draft (or rejected) expense: the approval process decides; an administrator
    who switched every process off has expenses approved on submission."""
    records = RecordsService(ctx)
    if not _has_process(ctx):
        done = records.update(EXPENSE, record["id"], {"status": "approved"}, trusted_fields=STATUS)
        return SubmitResult(approval_id=None, status=done["status"])
    approval = approvals.submit(ctx, EXPENSE, record["id"])
    return SubmitResult(
        approval_id=str(approval["id"]), status=records.get(EXPENSE, record["id"])["status"]
    )


@actions.record(
    EXPENSE,
    "mark_paid",
    labels={"en": "Mark as paid", "zh-CN": "标记为已支付"},
    output=StatusResult,
    available=in_status("approved"),
)
def expense_mark_paid(ctx: Context, record: dict[str, Any], payload: None) -> StatusResult:
    """An approved expense was paid (it keeps counting as spent)."""
    done = RecordsService(ctx).update(
        EXPENSE, record["id"], {"status": "paid"}, trusted_fields=STATUS
    )
    return StatusResult(status=done["status"])
