"""Saving segments and their members: a dynamic segment's conditions must compile for its
object (as the user saving it reads it), a static list's members must be people of its object,
once each, and are named after the person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.packages.marketing import segments
from keyi.platform.errors import ValidationFailed
from keyi.platform.hooks import WriteEvent, registry

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("marketing")


@hooks.before_save("segment")
def check_segment(ctx: Context, event: WriteEvent) -> None:
    """Refuse conditions that do not compile (422 at ``filter.and.0.field``, say) and an
    object change of a list that has members. A static list keeps its filter unchecked: it is
    not used."""
    object_name = event.final("object")
    if object_name not in segments.AUDIENCE_OBJECTS:
        return  # the picklist refuses it
    if event.final("type") == "dynamic" and (
        "filter" in event.values or "object" in event.values or "type" in event.values
    ):
        try:
            segments.check_filter(ctx, object_name, event.final("filter"))
        except ValidationFailed as exc:
            for error in exc.errors:
                event.errors.add(error.field, error.code, **error.params)
    old = event.old or {}
    if event.operation == "update" and old.get("object") != object_name:
        members = ctx.object("segment_member").table
        has_members = ctx.conn.execute(
            sa.select(members.c.id)
            .where(members.c.segment == event.record_id, members.c.deleted_at.is_(None))
            .limit(1)
        ).first()
        if has_members is not None:
            event.errors.add("object", "segment_has_members")


@hooks.before_save_many("segment_member")
def check_members(ctx: Context, events: Sequence[WriteEvent]) -> None:
    """Members of a static list of the person's object, each person once (against the list
    and within the batch), named after them. Read once per batch: adding a thousand people
    to a list is three queries, not three thousand."""
    seg = ctx.object("segment").table
    segment_ids = {str(e.final("segment")) for e in events if e.final("segment")}
    lists = {
        str(row.id): (row.object, row.type)
        for row in ctx.conn.execute(
            sa.select(seg.c.id, seg.c.object, seg.c.type).where(seg.c.id.in_(segment_ids))
        )
    }
    wanted: dict[tuple[str, str], list[WriteEvent]] = {}  # (segment, person) → new memberships
    for event in events:
        segment_id = event.final("segment")
        found = lists.get(str(segment_id)) if segment_id else None
        if found is None:
            continue  # the lookup check refuses it
        object_name, kind = found
        if kind != "static":
            event.errors.add("segment", "segment_not_static")
            continue
        other = "lead" if object_name == "contact" else "contact"
        if event.final(other):
            event.errors.add(other, "segment_other_object", object=object_name)
        person = event.final(object_name)
        if not person:
            event.errors.add(object_name, "required")
            continue
        if event.operation == "create" or {"segment", object_name} & set(event.values):
            wanted.setdefault((str(segment_id), str(person)), []).append(event)
    by_segment: dict[str, set[str]] = {}
    for segment_id, person in wanted:
        by_segment.setdefault(segment_id, set()).add(person)
    for segment_id, people in by_segment.items():
        object_name = lists[segment_id][0]
        current = segments.memberships(ctx, object_name, segment_id, people)
        for person in people:
            found_events = wanted[(segment_id, person)]
            member = current.get(person)
            # The first new membership of a person not listed yet is the one that stays.
            keep = member is None
            for event in found_events:
                if member is not None and event.record_id == member:
                    continue  # the membership itself, saved again
                if keep:
                    keep = False
                    continue
                event.errors.add(object_name, "already_on_list")
    _name_members(ctx, events, lists)


def _name_members(
    ctx: Context, events: Sequence[WriteEvent], lists: dict[str, tuple[str, str]]
) -> None:
    """A member's name is its person's (what lists and history show)."""
    by_object: dict[str, dict[str, list[WriteEvent]]] = {}
    for event in events:
        found = lists.get(str(event.final("segment")))
        person = event.final(found[0]) if found else None
        if found and person:
            by_object.setdefault(found[0], {}).setdefault(str(person), []).append(event)
    for object_name, people in by_object.items():
        table = ctx.object(object_name).table
        rows = ctx.conn.execute(sa.select(table.c.id, table.c.name).where(table.c.id.in_(people)))
        names = {str(person): name for person, name in rows}
        for person, person_events in people.items():
            name = names.get(person)
            for event in person_events:
                if name is not None:
                    event.values["name"] = str(name)[:200]
