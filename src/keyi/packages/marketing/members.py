"""Campaign members: who they are, when they responded, and which is a lead's first/last touch.

A member is exactly one person — a lead or a contact — and a person is a member of a
campaign once. Lead conversion later sets ``contact`` on the lead's memberships (the same
person, now a contact: keyi.packages.marketing.attribution.carry_memberships), so a membership
may then hold both, the contact being the one the lead became.

``first_touch`` / ``last_touch`` mark the lead's earliest and latest membership (by the touch
time: when the member responded, else when they joined): the campaign's lead counts by first
and last touch are filtered roll-ups over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.hooks import WriteEvent
from keyi.platform.i18n import MESSAGES
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

# Statuses at which a member counts as having responded (the campaign's responded_count).
RESPONDED = frozenset({"registered", "attended", "responded", "converted"})
TOUCH_FLAGS = frozenset({"first_touch", "last_touch"})
PERSON_FIELDS = ("lead", "contact")

MESSAGES.update(
    {
        "member_person_required": {
            "en": "A campaign member is a lead or a contact: choose one.",
            "zh-CN": "活动成员须为一条线索或一位联系人，请选择其一。",
        },
        "member_one_person": {
            "en": "A campaign member is either a lead or a contact, not both.",
            "zh-CN": "活动成员只能是线索或联系人之一，不能同时选择。",
        },
        "already_member": {
            "en": "{name} is already a member of this campaign.",
            "zh-CN": "{name} 已是本活动的成员。",
        },
    }
)


def touch_time(member: dict[str, Any]) -> datetime:
    """When the member touched the campaign: their response, else when they joined it."""
    return member.get("responded_at") or member["created_at"]


def check_members(ctx: Context, events: Sequence[WriteEvent]) -> None:
    """One person per member, once per campaign; the name from the person; the response stamp."""
    names = _person_names(ctx, events)
    _lock_campaigns(ctx, events)
    seen: set[tuple[str, str, str]] = set()
    for event in events:
        if event.operation == "update" and set(event.values) <= TOUCH_FLAGS:
            continue  # the package's own first/last touch stamps
        lead, contact = event.final("lead"), event.final("contact")
        if not lead and not contact:
            event.errors.add("lead", "member_person_required")
            continue
        if lead and contact and not _became(ctx, event, lead, contact):
            event.errors.add("contact", "member_one_person")
            continue
        # The person the member is: the lead until it became a contact.
        kind, person = ("lead", lead) if lead else ("contact", contact)
        name = names.get((kind, person)) or names.get(("contact", contact)) or ""
        if event.operation == "create" or {"lead", "contact"} & set(event.values):
            event.values["name"] = name[:200]
            campaign = event.final("campaign")
            for field in PERSON_FIELDS:
                pid = event.final(field)
                if not pid or (event.old and event.old.get(field) == pid):
                    continue
                key = (str(campaign), field, str(pid))
                if key in seen or _is_member(ctx, campaign, field, pid, event.record_id):
                    event.errors.add(field, "already_member", name=name)
                seen.add(key)
        status = event.final("status")
        if status in RESPONDED and not event.final("responded_at"):
            event.values["responded_at"] = ctx.now()
        _own_touch_flags(ctx, event)


def _lock_campaigns(ctx: Context, events: Sequence[WriteEvent]) -> None:
    """Lock the campaigns people join (PostgreSQL), so two requests adding the same person at
    once cannot both find them absent: the second waits, then sees the first's member. SQLite
    writes one transaction at a time already."""
    if ctx.conn.dialect.name != "postgresql":
        return
    joined = {
        str(e.final("campaign"))
        for e in events
        if e.final("campaign") and (e.operation == "create" or {"lead", "contact"} & set(e.values))
    }
    if not joined:
        return
    campaigns = ctx.object("campaign").table
    ctx.conn.execute(
        sa.select(campaigns.c.id)
        .where(campaigns.c.id.in_(sorted(joined)))
        .order_by(campaigns.c.id)
        .with_for_update()
    ).all()


def _own_touch_flags(ctx: Context, event: WriteEvent) -> None:
    """This membership's first/last touch marks as it is saved (the lead's other memberships'
    follow after the write: refresh_touch_flags), so a write does not update itself again."""
    if event.operation == "update" and not ({"lead", "responded_at"} & set(event.values)):
        return
    lead = event.final("lead")
    if not lead:
        event.values.update(first_touch=False, last_touch=False)
        return
    me = {
        "id": event.record_id,
        "responded_at": event.final("responded_at"),
        "created_at": event.final("created_at") or ctx.now(),
    }
    ordered = sorted(
        [me, *_lead_memberships(ctx, {str(lead)}, exclude=event.record_id)], key=_order
    )
    event.values["first_touch"] = ordered[0]["id"] == event.record_id
    event.values["last_touch"] = ordered[-1]["id"] == event.record_id


def _order(member: dict[str, Any]) -> tuple[datetime, str]:
    # Stored datetimes are naive UTC on SQLite, aware on PostgreSQL: compare alike.
    return (touch_time(member).replace(tzinfo=None), str(member["id"]))


def _became(ctx: Context, event: WriteEvent, lead: str, contact: str) -> bool:
    """Whether ``contact`` is the contact ``lead`` was converted to (conversion carries it)."""
    if event.operation == "create":
        return False
    leads = ctx.object("lead").table
    converted = ctx.conn.execute(
        sa.select(leads.c.converted_contact).where(leads.c.id == lead)
    ).scalar()
    return converted is not None and str(converted) == str(contact)


def _person_names(ctx: Context, events: Sequence[WriteEvent]) -> dict[tuple[str, str], str]:
    """The names of the batch's leads and contacts, one query per object."""
    found: dict[tuple[str, str], str] = {}
    for field in PERSON_FIELDS:
        ids = {str(e.final(field)) for e in events if e.final(field)}
        if not ids:
            continue
        table = ctx.object(field).table
        for row in ctx.conn.execute(
            sa.select(table.c.id, table.c.name).where(table.c.id.in_(sorted(ids)))
        ):
            found[(field, str(row.id))] = row.name or ""
    return found


def _is_member(ctx: Context, campaign: Any, field: str, person: Any, own_id: str) -> bool:
    members = ctx.object("campaign_member").table
    return (
        ctx.conn.execute(
            sa.select(members.c.id)
            .where(
                members.c.campaign == campaign,
                members.c[field] == person,
                members.c.id != own_id,
                members.c.deleted_at.is_(None),
            )
            .limit(1)
        ).first()
        is not None
    )


def _lead_memberships(
    ctx: Context, lead_ids: set[str], exclude: str | None = None
) -> list[dict[str, Any]]:
    members = ctx.object("campaign_member").table
    query = sa.select(
        members.c.id,
        members.c.lead,
        members.c.responded_at,
        members.c.created_at,
        members.c.first_touch,
        members.c.last_touch,
    ).where(members.c.lead.in_(sorted(lead_ids)), members.c.deleted_at.is_(None))
    if exclude is not None:
        query = query.where(members.c.id != exclude)
    return [dict(row) for row in ctx.conn.execute(query).mappings()]


def refresh_touch_flags(ctx: Context, lead_ids: set[str]) -> None:
    """Mark each lead's earliest and latest membership; clear the mark on the others."""
    if not lead_ids:
        return
    by_lead: dict[str, list[dict[str, Any]]] = {}
    for row in _lead_memberships(ctx, lead_ids):
        by_lead.setdefault(str(row["lead"]), []).append(row)
    records = RecordsService(ctx.as_system())
    for lead in sorted(by_lead):
        ordered = sorted(by_lead[lead], key=_order)
        first, last = ordered[0]["id"], ordered[-1]["id"]
        for m in ordered:
            want = {"first_touch": m["id"] == first, "last_touch": m["id"] == last}
            if any(bool(m[k]) != v for k, v in want.items()):
                records.update("campaign_member", str(m["id"]), want, trusted_fields=TOUCH_FLAGS)
