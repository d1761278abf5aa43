"""The marketing package's hooks on campaigns, members, attribution and expenses.

Each hook only says *when*; what it does lives in a module of its own:
members (one person per member, the response stamp, first/last touch marks),
attribution (campaign_influence rows of opportunities), hierarchy (no cycles, totals including
sub-campaigns), expenses (plan, department and the over-budget flag from the budget line).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from keyi.packages.marketing import attribution, backfill, expenses, hierarchy, members
from keyi.platform.errors import Conflict, Forbidden
from keyi.platform.hooks import AfterWriteEvent, DeleteEvent, UpgradeEvent, WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.permissions import ActorKind

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("marketing")

MESSAGES.update(
    {
        "influence_derived": {
            "en": "Campaign attribution is computed from campaign memberships and cannot be "
            "changed by hand.",
            "zh-CN": "活动归因由活动成员自动计算，不能手工修改。",
        },
        "campaign_in_flight": {
            "en": "This campaign is scheduled or sending: cancel it before deleting it.",
            "zh-CN": "该群发已排期或正在发送，请先取消再删除。",
        },
    }
)
# Statuses of an email or SMS campaign whose messages are still to go out.
IN_FLIGHT = frozenset({"scheduled", "sending"})


def _both(event: AfterWriteEvent, name: str) -> set[str]:
    """The field's value before and after the write (a move concerns both ends)."""
    return {str(row[name]) for row in (event.old, event.new) if row and row.get(name)}


def _changed(event: AfterWriteEvent, names: frozenset[str]) -> bool:
    if event.operation != "update":
        return True
    old, new = event.old or {}, event.new or {}
    return any(old.get(n) != new.get(n) for n in names)


# ------------------------------------------------------------------ campaign
@hooks.before_save("campaign")
def campaign_parent(ctx: Context, event: WriteEvent) -> None:
    hierarchy.check_parent(ctx, event)
    if not event.errors.items:
        hierarchy.own_totals(ctx, event)


@hooks.after_write("campaign")
def campaign_totals(ctx: Context, event: AfterWriteEvent) -> None:
    """A budget or parent change moves the totals of the old and the new chain above (the
    campaign's own were set as it was saved; a deleted or restored one moves its chain)."""
    if not _changed(event, hierarchy.INPUTS):
        return
    hierarchy.refresh(ctx, _both(event, "parent"))


# ------------------------------------------------------------------ members
@hooks.before_save_many("campaign_member")
def member_rules(ctx: Context, events: Sequence[WriteEvent]) -> None:
    members.check_members(ctx, events)


@hooks.after_write_many("campaign_member")
def member_touches(ctx: Context, events: Sequence[AfterWriteEvent]) -> None:
    """The memberships' leads' marks and the attribution of the people's opportunities, once
    for the whole write (a segment of 500 people joins in one recomputation, not 500)."""
    changed = [
        e for e in events if _changed(e, frozenset({"lead", "contact", "responded_at", "campaign"}))
    ]
    if not changed:
        return
    leads = set().union(*(_both(e, "lead") for e in changed))
    contacts = set().union(*(_both(e, "contact") for e in changed))
    members.refresh_touch_flags(ctx, leads)
    attribution.attribute(ctx, attribution.opportunities_of_people(ctx, contacts, leads))


# ------------------------------------------------------------------ people and opportunities
@hooks.after_write("lead")
def lead_converted(ctx: Context, event: AfterWriteEvent) -> None:
    """Conversion carries the lead's memberships to the new contact (and so its touches to
    the new opportunity)."""
    new = event.new or {}
    contact = new.get("converted_contact")
    if not contact or (event.old or {}).get("converted_contact") == contact:
        return
    attribution.carry_memberships(ctx, str(event.record_id), str(contact))
    attribution.attribute(ctx, _both(event, "converted_opportunity"))


@hooks.after_write("contact")
def contact_moved(ctx: Context, event: AfterWriteEvent) -> None:
    """A contact joining or leaving an account changes whose touches its opportunities have."""
    if event.operation == "update" and not _changed(event, frozenset({"account"})):
        return
    if event.operation == "create":
        return  # a new contact has no memberships yet
    attribution.attribute(ctx, attribution.opportunities_of_accounts(ctx, _both(event, "account")))


@hooks.after_write("opportunity")
def opportunity_attribution(ctx: Context, event: AfterWriteEvent) -> None:
    if event.operation == "delete":
        return  # its influence rows went to the recycle bin with it
    if not _changed(event, attribution.OPPORTUNITY_INPUTS):
        return
    attribution.attribute(ctx, [event.record_id])


@hooks.before_save("campaign_influence")
def influence_written_by_the_package(ctx: Context, event: WriteEvent) -> None:
    """Attribution is derived: users other than administrators cannot write it."""
    if not ctx.actor.is_admin and ctx.actor.kind != ActorKind.SYSTEM:
        raise Forbidden("influence_derived")
    if (event.operation == "create" and not event.values.get("name")) or (
        event.operation == "update" and "campaign" in event.values and "name" not in event.values
    ):
        event.values["name"] = attribution.campaign_name(ctx, event.final("campaign"))


@hooks.before_delete("campaign_influence")
def influence_deleted_by_the_package(ctx: Context, event: DeleteEvent) -> None:
    if not ctx.actor.is_admin and ctx.actor.kind != ActorKind.SYSTEM:
        raise Forbidden("influence_derived")


@hooks.before_delete("email_campaign")
@hooks.before_delete("sms_campaign")
def in_flight_campaigns_are_cancelled_first(ctx: Context, event: DeleteEvent) -> None:
    """A campaign deleted while sending would leave its queued messages stranded (and a
    restore would bring back a "sending" campaign nothing sends): cancelling says what happens
    to them (they become cancelled) and keeps the counts true."""
    if event.old.get("status") in IN_FLIGHT:
        raise Conflict("campaign_in_flight")


@hooks.after_write("campaign_influence")
def influence_totals(ctx: Context, event: AfterWriteEvent) -> None:
    """The campaign's won amount moved: so do the totals above it. Only a won first-touch
    row (before or after the write) counts in the won amount."""
    counted = [
        row
        for row in (event.old, event.new)
        if row and row.get("won") and row.get("model") == "first_touch"
    ]
    if counted:
        hierarchy.refresh(ctx, {str(row["campaign"]) for row in counted if row.get("campaign")})


# ------------------------------------------------------------------ expenses
@hooks.before_save("marketing_expense")
def expense_derived(ctx: Context, event: WriteEvent) -> None:
    expenses.derive(ctx, event)


@hooks.after_write("marketing_expense")
def expense_totals(ctx: Context, event: AfterWriteEvent) -> None:
    """The campaign's actual cost may have moved: so do the totals above it."""
    if not _changed(event, frozenset({"campaign", "amount", "status"})):
        return
    hierarchy.refresh(ctx, _both(event, "campaign"))


hooks.derived("marketing_expense", "plan", ("budget_line", "budget_line.plan"))
hooks.derived("marketing_expense", "department", ("budget_line", "budget_line.plan"))


@hooks.after_upgrade
def campaign_data_in_line(ctx: Context, event: UpgradeEvent) -> str | None:
    """Data written before these hooks: touch marks, attribution, totals, expense plans."""
    return backfill.backfill(ctx)
