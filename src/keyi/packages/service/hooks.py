"""Behaviour of cases and their conversation that metadata alone does not express.

Cases: the status transitions and what resolving, closing and reopening stamp
(keyi.packages.service.lifecycle), assignment to a queue's members and the queue's access
(keyi.packages.service.assignment), the next due time the console sorts by.
Messages: a summary from the body, inbound messages always public, read-only once written
(administrators excepted), and what a message does to its case: the first public reply stamps
``first_responded_at``; a customer's message puts a case waiting on them back in progress and
reopens a resolved case within the reopen window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keyi.packages.service import assignment, lifecycle
from keyi.platform.errors import Conflict
from keyi.platform.hooks import AfterWriteEvent, WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.permissions import ActorKind
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("service")

MESSAGES.update(
    {
        "case_message_locked": {
            "en": "A message of the conversation cannot be changed once written.",
            "zh-CN": "工单消息发出后不能修改。",
        },
    }
)

SUMMARY_LENGTH = 200
# Fields of a message the package itself (the mail sender, say) may stamp after the write.
MESSAGE_SYSTEM_FIELDS = frozenset({"sent_at", "message_id", "to_addresses", "from_address"})


# ------------------------------------------------------------------ case
@hooks.before_save("case")
def case_lifecycle(ctx: Context, event: WriteEvent) -> None:
    """Allowed transitions only; resolving needs a resolution; the stamps of each step."""
    old = event.old or {}
    status = event.final("status")
    if event.operation == "create":
        if status not in lifecycle.CREATE_STATUSES:
            event.errors.add(
                "status",
                "invalid_transition",
                from_status=lifecycle.status_label(ctx, "new"),
                to_status=lifecycle.status_label(ctx, status),
            )
            return
    elif "status" in event.values and status != old.get("status"):
        before = old.get("status")
        if status not in lifecycle.TRANSITIONS.get(str(before), frozenset()):
            event.errors.add(
                "status",
                "invalid_transition",
                from_status=lifecycle.status_label(ctx, before),
                to_status=lifecycle.status_label(ctx, status),
            )
            return
        if before == "resolved" and status == "in_progress":
            if not lifecycle.can_reopen(ctx, old.get("resolved_at")):
                event.errors.add("status", "reopen_window_passed", days=lifecycle.reopen_days(ctx))
                return
            event.values["reopen_count"] = int(old.get("reopen_count") or 0) + 1
            event.values["resolved_at"] = None
    if status == "resolved" and not str(event.final("resolution") or "").strip():
        event.errors.add("resolution", "required")
        return
    if status == "resolved" and not event.final("resolved_at"):
        event.values["resolved_at"] = ctx.now()
    if status == "closed" and not event.final("closed_at"):
        event.values["closed_at"] = ctx.now()
        if not event.final("resolved_at"):
            event.values["resolved_at"] = ctx.now()


hooks.before_save("case")(assignment.route_case)


@hooks.before_save("case")
def case_next_due(ctx: Context, event: WriteEvent) -> None:
    """The next deadline of an open case: the first response while none was sent, then the
    resolution (kept here rather than computed on read: the console sorts and pages by it with
    an index). Registered after the SLA's hooks set the due times, so it sees them."""
    due = next_due(event.final)
    if event.operation == "create" or due != (event.old or {}).get("next_due"):
        event.values["next_due"] = due


def next_due(final: Any) -> Any:
    if final("status") not in lifecycle.OPEN_STATUSES:
        return None
    if final("first_responded_at") is None and final("first_response_due") is not None:
        return final("first_response_due")
    return final("resolution_due")


hooks.after_write("case")(assignment.share_with_queue)


# ------------------------------------------------------------------ messages
@hooks.before_save("case_message")
def message_rules(ctx: Context, event: WriteEvent) -> None:
    """Summary, public inbound messages, read-only once written."""
    if event.operation == "update":
        changed = set(event.values) - MESSAGE_SYSTEM_FIELDS - {"summary"}
        if changed and not ctx.actor.is_admin and ctx.actor.kind != ActorKind.SYSTEM:
            raise Conflict("case_message_locked")
    if event.final("direction") == "inbound":
        event.values["visibility"] = "public"
    if event.operation == "create" or "body" in event.values:
        event.values["summary"] = summary(event.final("body"))


def summary(body: Any) -> str:
    """The first non-empty line of the body, shortened to the summary's length."""
    text = " ".join(str(body or "").split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


@hooks.after_write("case_message")
def message_moves_case(ctx: Context, event: AfterWriteEvent) -> None:
    """The first public reply stamps the first response; a customer's message wakes the case."""
    if event.operation != "create" or event.new is None:
        return
    message = event.new
    case = assignment.row(ctx, "case", message.get("case"), lock=True)
    if not case:
        return
    values: dict[str, Any] = {}
    if message.get("direction") == "outbound" and message.get("visibility") == "public":
        if case.get("first_responded_at") is None:
            values["first_responded_at"] = message.get("created_at") or ctx.now()
    elif message.get("direction") == "inbound" and _wakes(ctx, case):
        values["status"] = "in_progress"
    if values:
        RecordsService(ctx.as_system()).update(
            "case", str(case["id"]), values, trusted_fields=frozenset(values)
        )


def _wakes(ctx: Context, case: dict[str, Any]) -> bool:
    """A customer's message puts a case waiting on them back in progress, and reopens a case
    resolved within the reopen window (after it, the message just joins the thread)."""
    if case.get("status") == "waiting_on_customer":
        return True
    return case.get("status") == "resolved" and lifecycle.can_reopen(ctx, case.get("resolved_at"))
