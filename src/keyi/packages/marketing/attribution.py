"""Campaign attribution of opportunities by first and last touch (``campaign_influence``).

An opportunity's touches are the campaign memberships of the people linked to it: the contacts
of its account, and the lead it was converted from. Its first touch is the earliest touch
before the opportunity was created, its last touch the latest one before then (a touch is when
the member responded, else when they joined). Each model is one ``campaign_influence`` row, a
detail of the opportunity (whoever cannot read the opportunity does not see it), carrying the
opportunity's amount and whether it is won, which the campaign's filtered roll-ups sum.

Rows are rewritten — through the RecordsService, as the system, since the person whose write
moved an attribution (a rep updating a member) need not be able to edit the opportunity —
whenever an input changes: the opportunity (creation, account, amount, stage), a membership,
a contact's account, a lead's conversion. Recomputing from the inputs every time keeps the
rows from drifting; an opportunity has a handful of people, so it stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.marketing.members import touch_time
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

MODELS = ("first_touch", "last_touch")
WON_STAGES = frozenset({"won"})  # sales' closed-won stage (keyi.packages.sales.analytics.WON)
# Opportunity fields whose change moves its attribution.
OPPORTUNITY_INPUTS = frozenset({"account", "amount", "stage", "amount_currency"})
INFLUENCE_FIELDS = frozenset({"name"})


def attribute(ctx: Context, opportunity_ids: Iterable[str]) -> None:
    """Bring the influence rows of these opportunities in line with their touches."""
    ids = sorted({str(i) for i in opportunity_ids if i})
    if not ids:
        return
    opps = ctx.object("opportunity").table
    rows = ctx.conn.execute(
        sa.select(opps).where(opps.c.id.in_(ids), opps.c.deleted_at.is_(None))
    ).mappings()
    records = RecordsService(ctx.as_system())
    new: list[dict[str, Any]] = []
    for opp in rows:
        wanted = _wanted(ctx, dict(opp))
        new.extend(_apply(ctx, records, str(opp["id"]), wanted))
    if new:
        # One write for every new row of these opportunities (not one per row).
        records.create_many("campaign_influence", new, trusted_fields=INFLUENCE_FIELDS)


def _wanted(ctx: Context, opp: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The influence rows the opportunity should have, by model."""
    touches = [m for m in _memberships(ctx, opp) if _before(touch_time(m), opp["created_at"])]
    if not touches:
        return {}
    ordered = sorted(touches, key=lambda m: (touch_time(m), m["created_at"], str(m["id"])))
    names = _campaign_names(ctx, {str(m["campaign"]) for m in ordered})
    wanted = {}
    for model, member in (("first_touch", ordered[0]), ("last_touch", ordered[-1])):
        wanted[model] = {
            "name": names.get(str(member["campaign"]), "")[:200],
            "campaign": str(member["campaign"]),
            "model": model,
            "member": str(member["id"]),
            "touched_at": touch_time(member),
            "amount": opp.get("amount"),
            "amount_currency": opp.get("amount_currency"),
            "won": opp.get("stage") in WON_STAGES,
        }
    return wanted


def _before(touched: datetime, created: datetime) -> bool:
    # Stored datetimes are naive UTC on SQLite and aware on PostgreSQL: compare alike.
    return touched.replace(tzinfo=None) < created.replace(tzinfo=None)


def _memberships(ctx: Context, opp: dict[str, Any]) -> list[dict[str, Any]]:
    contacts = ctx.object("contact").table
    leads = ctx.object("lead").table
    members = ctx.object("campaign_member").table
    people = []
    if opp.get("account"):
        people.append(
            members.c.contact.in_(
                sa.select(contacts.c.id).where(
                    contacts.c.account == opp["account"], contacts.c.deleted_at.is_(None)
                )
            )
        )
    people.append(
        members.c.lead.in_(
            sa.select(leads.c.id).where(
                leads.c.converted_opportunity == opp["id"], leads.c.deleted_at.is_(None)
            )
        )
    )
    found = ctx.conn.execute(
        sa.select(
            members.c.id,
            members.c.campaign,
            members.c.responded_at,
            members.c.created_at,
        ).where(sa.or_(*people), members.c.deleted_at.is_(None))
    ).mappings()
    return [dict(m) for m in found]


def _campaign_names(ctx: Context, ids: set[str]) -> dict[str, str]:
    campaigns = ctx.object("campaign").table
    rows = ctx.conn.execute(
        sa.select(campaigns.c.id, campaigns.c.name).where(campaigns.c.id.in_(sorted(ids)))
    )
    return {str(r.id): r.name or "" for r in rows}


def campaign_name(ctx: Context, campaign_id: Any) -> str:
    """The name an attribution row shows: its campaign's."""
    if not campaign_id:
        return ""
    return _campaign_names(ctx, {str(campaign_id)}).get(str(campaign_id), "")[:200]


def _apply(
    ctx: Context, records: RecordsService, opp_id: str, wanted: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Update or delete the opportunity's rows as ``wanted`` says; the rows still to create."""
    table = ctx.object("campaign_influence").table
    existing = ctx.conn.execute(
        sa.select(table).where(table.c.opportunity == opp_id, table.c.deleted_at.is_(None))
    ).mappings()
    kept: set[str] = set()
    for row in sorted((dict(r) for r in existing), key=lambda r: str(r["id"])):
        model = row["model"]
        values = wanted.get(model)
        if values is None or model in kept:
            records.delete("campaign_influence", str(row["id"]))
            continue
        kept.add(model)
        changed = {k: v for k, v in values.items() if not _same(row.get(k), v)}
        if changed:
            records.update(
                "campaign_influence", str(row["id"]), changed, trusted_fields=INFLUENCE_FIELDS
            )
    return [
        {**values, "opportunity": opp_id} for model, values in wanted.items() if model not in kept
    ]


def _same(stored: Any, value: Any) -> bool:
    if isinstance(stored, datetime) and isinstance(value, datetime):
        return stored.replace(tzinfo=None) == value.replace(tzinfo=None)
    if stored is None or value is None:
        return stored is value
    return str(stored) == str(value) if not isinstance(value, bool) else bool(stored) == value


# ------------------------------------------------------------------ who moved
def opportunities_of_accounts(ctx: Context, account_ids: Iterable[Any]) -> set[str]:
    ids = sorted({str(a) for a in account_ids if a})
    if not ids:
        return set()
    opps = ctx.object("opportunity").table
    return {
        str(i)
        for i in ctx.conn.execute(
            sa.select(opps.c.id).where(opps.c.account.in_(ids), opps.c.deleted_at.is_(None))
        ).scalars()
    }


def opportunities_of_people(
    ctx: Context, contact_ids: Iterable[Any], lead_ids: Iterable[Any]
) -> set[str]:
    """The opportunities whose attribution these contacts' and leads' memberships feed."""
    found: set[str] = set()
    contacts = sorted({str(c) for c in contact_ids if c})
    if contacts:
        table = ctx.object("contact").table
        accounts = ctx.conn.execute(
            sa.select(table.c.account).where(table.c.id.in_(contacts))
        ).scalars()
        found |= opportunities_of_accounts(ctx, accounts)
    leads = sorted({str(i) for i in lead_ids if i})
    if leads:
        table = ctx.object("lead").table
        for opp in ctx.conn.execute(
            sa.select(table.c.converted_opportunity, table.c.converted_contact).where(
                table.c.id.in_(leads)
            )
        ):
            if opp.converted_opportunity:
                found.add(str(opp.converted_opportunity))
    return found


def carry_memberships(ctx: Context, lead_id: str, contact_id: str) -> None:
    """A converted lead's memberships become the new contact's (``contact`` set on them),
    except in campaigns the contact already belongs to (one membership per person)."""
    members = ctx.object("campaign_member").table
    rows = ctx.conn.execute(
        sa.select(members.c.id, members.c.campaign).where(
            members.c.lead == lead_id,
            members.c.contact.is_(None),
            members.c.deleted_at.is_(None),
        )
    ).all()
    already = set(
        ctx.conn.execute(
            sa.select(members.c.campaign).where(
                members.c.contact == contact_id, members.c.deleted_at.is_(None)
            )
        ).scalars()
    )
    records = RecordsService(ctx.as_system())
    for row in sorted(rows, key=lambda r: str(r.id)):
        if row.campaign not in already:
            records.update("campaign_member", str(row.id), {"contact": contact_id})
