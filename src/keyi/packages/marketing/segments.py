"""What a segment does besides being a record: check its filter, count and preview its people,
put them in a campaign, and keep a static list's members.

Everything runs as the acting user: a count, a preview and a campaign's new members are the
people that user may read (keyi.packages.marketing.audience), and every write goes through the
records service, so history, access checks and flows apply to a campaign member added from a
segment as to one added by hand.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from keyi.packages.marketing.audience import (
    AUDIENCE_OBJECTS,
    audience_filter,
    audience_ids,
)
from keyi.platform.context import Context
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.fieldtypes import Invalid, impl_for
from keyi.platform.i18n import MESSAGES
from keyi.platform.query.filters import compile_filter
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.query.paths import PathResolver
from keyi.platform.query.plan import QueryPlan
from keyi.platform.records import RecordsService
from keyi.platform.search.planning import plan_with_values

MESSAGES.update(
    {
        "segment_not_static": {
            "en": "Only a static segment has a member list; a dynamic one is its conditions.",
            "zh-CN": "只有静态名单可以手动添加成员，动态分群由筛选条件决定。",
        },
        "segment_other_object": {
            "en": "This segment holds {object} records.",
            "zh-CN": "该分群的对象是{object}。",
        },
        "segment_has_members": {
            "en": "Remove the list's members before changing who it holds.",
            "zh-CN": "请先移除名单成员，再更改分群对象。",
        },
        # (not "already_member": that message, naming the person, is the campaign's)
        "already_on_list": {
            "en": "Already a member of this segment.",
            "zh-CN": "已在该分群名单中。",
        },
    }
)

# The columns of the builder's preview table, per audience object (those the reader may read).
PREVIEW_FIELDS = {
    "contact": ("name", "title", "email", "mobile", "account"),
    "lead": ("name", "title", "email", "mobile", "company"),
}
MAX_PREVIEW = 100
# Campaign members written per records-service batch (one history entry and hook pass each).
CAMPAIGN_BATCH = 500


def check_audience_object(object_name: Any, key: str = "object") -> str:
    """The object a segment's people are records of (422 at ``key`` unless contact or lead)."""
    if object_name not in AUDIENCE_OBJECTS:
        raise ValidationFailed([FieldError(key, "invalid_choice", {"value": object_name})])
    return str(object_name)


def check_filter(ctx: Context, object_name: str, tree: Any) -> None:
    """422 naming the condition (``filter.and.0.field``) unless ``tree`` compiles for the
    object as this user reads it. ``tree`` may be the stored text of the ``json`` field."""
    if isinstance(tree, str):
        tree = json.loads(tree)
    if tree is None or tree == {}:
        return
    compile_filter(PathResolver(ctx, ctx.object(object_name)), tree)


def count_filter(ctx: Context, object_name: str, tree: Any) -> int:
    """People of ``object_name`` matching ``tree`` that the user may read (the builder's live
    count of a filter not saved yet)."""
    check_audience_object(object_name)
    plan = QueryPlan.build(ctx, object_name, filter=tree or None)
    stmt = sa.select(sa.func.count()).select_from(plan.select(plan.table.c.id).subquery())
    plan_with_values(ctx.conn)  # see audience_count
    return int(ctx.conn.execute(stmt).scalar_one())


def members_page(
    ctx: Context, segment: dict[str, Any], *, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A page of the segment's people by name: the preview table's columns the reader may
    read, with ``_display`` names for lookups, and the cursor of the next page."""
    object_name = check_audience_object(segment["object"])
    readable = ctx.policy.readable_fields(ctx.object(object_name))
    fields = [name for name in PREVIEW_FIELDS[object_name] if name in readable]
    spec = QuerySpec(
        filter=audience_filter(segment),
        sort=[{"field": "name"}] if "name" in readable else [],
        fields=fields,
        limit=limit,
        cursor=cursor,
    )
    return run_query(ctx, object_name, spec)


# ------------------------------------------------------------------ campaigns
def add_to_campaign(
    ctx: Context, segment: dict[str, Any], campaign_id: str, status: str
) -> dict[str, int]:
    """Make everyone in the segment the user may read a member of the campaign, once.

    The campaign is locked for the run (an edit of it: its members are its detail records),
    so a second click waits and then finds everyone already there. People already members are
    skipped; the rest are created in batches through the records service."""
    object_name = check_audience_object(segment["object"])
    member = ctx.object("campaign_member")
    try:  # checked before the first batch: a run that adds nobody still refuses a bad status
        impl_for(member.fields["status"]).coerce(member.fields["status"], status)
    except Invalid as exc:
        raise ValidationFailed([FieldError("status", exc.code, exc.params)]) from None
    RecordsService(ctx).load_for_edit("campaign", campaign_id)
    members = member.table
    added = skipped = 0
    for ids in audience_ids(ctx, segment, batch=CAMPAIGN_BATCH):
        existing = {
            str(row[0])
            for row in ctx.conn.execute(
                sa.select(members.c[object_name]).where(
                    members.c.campaign == campaign_id,
                    members.c.deleted_at.is_(None),
                    members.c[object_name].in_(ids),
                )
            )
        }
        new = [person for person in ids if person not in existing]
        if new:
            RecordsService(ctx).create_many(
                "campaign_member",
                [
                    {"campaign": campaign_id, object_name: person, "status": status}
                    for person in new
                ],
            )
        added += len(new)
        skipped += len(existing)
    return {"added": added, "skipped": skipped, "total": added + skipped}


# ------------------------------------------------------------------ static lists
def static_segment_for(ctx: Context, segment_id: str, object_name: str) -> dict[str, Any]:
    """The static segment of ``object_name`` the user may edit, locked for the change."""
    segment = RecordsService(ctx).load_for_edit("segment", segment_id)
    if segment["type"] != "static":
        raise ValidationFailed([FieldError("segment", "segment_not_static")])
    if segment["object"] != object_name:
        raise ValidationFailed(
            [FieldError("segment", "segment_other_object", {"object": segment["object"]})]
        )
    return segment


def add_members(ctx: Context, object_name: str, segment_id: str, ids: list[str]) -> dict[str, Any]:
    """Put the listed people (those the user may read) on a static list; those already on it
    are skipped, those not found are reported."""
    static_segment_for(ctx, segment_id, object_name)
    wanted = list(dict.fromkeys(ids))
    readable = _readable(ctx, object_name, wanted)
    current = memberships(ctx, object_name, segment_id, readable)
    new = [person for person in wanted if person in readable and person not in current]
    if new:
        RecordsService(ctx).create_many(
            "segment_member", [{"segment": segment_id, object_name: person} for person in new]
        )
    return {
        "added": len(new),
        "skipped": len(current),
        "not_found": [person for person in wanted if person not in readable],
    }


def remove_members(
    ctx: Context, object_name: str, segment_id: str, ids: list[str]
) -> dict[str, Any]:
    """Take the listed people off a static list (to the recycle bin, with history)."""
    static_segment_for(ctx, segment_id, object_name)
    wanted = list(dict.fromkeys(ids))
    current = memberships(ctx, object_name, segment_id, set(wanted))
    records = RecordsService(ctx)
    for member_id in current.values():
        records.delete("segment_member", member_id)
    return {
        "removed": len(current),
        "not_found": [person for person in wanted if person not in current],
    }


def _readable(ctx: Context, object_name: str, ids: list[str]) -> set[str]:
    plan = QueryPlan.build(ctx, object_name)
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = plan.select(plan.table.c.id, where=(plan.table.c.id.in_(chunk),))
        found |= {str(row[0]) for row in ctx.conn.execute(stmt)}
    return found


def memberships(
    ctx: Context, object_name: str, segment_id: str, people: set[str]
) -> dict[str, str]:
    """Person id → member record id, for those of ``people`` on the list."""
    members = ctx.object("segment_member").table
    found: dict[str, str] = {}
    listed = sorted(people)
    for start in range(0, len(listed), 500):
        rows = ctx.conn.execute(
            sa.select(members.c[object_name], members.c.id).where(
                members.c.segment == segment_id,
                members.c.deleted_at.is_(None),
                members.c[object_name].in_(listed[start : start + 500]),
            )
        )
        found.update({str(person): str(member) for person, member in rows})
    return found
