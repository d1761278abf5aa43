"""Saving segments and their members: a dynamic segment's conditions must compile for its
object (as the user saving it reads it), a static list's members must be people of its object,
once each, and are named after the person."""

from __future__ import annotations

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


@hooks.before_save("segment_member")
def check_member(ctx: Context, event: WriteEvent) -> None:
    """A member of a static list of the person's object, not listed twice; named after them."""
    segment_id = event.final("segment")
    if not segment_id:
        return
    seg = ctx.object("segment").table
    found = ctx.conn.execute(
        sa.select(seg.c.object, seg.c.type).where(seg.c.id == segment_id)
    ).first()
    if found is None:
        return  # the lookup check refuses it
    object_name, kind = found
    if kind != "static":
        event.errors.add("segment", "segment_not_static")
        return
    other = "lead" if object_name == "contact" else "contact"
    if event.final(other):
        event.errors.add(other, "segment_other_object", object=object_name)
    person = event.final(object_name)
    if not person:
        event.errors.add(object_name, "required")
        return
    changed = event.operation == "create" or any(
        name in event.values for name in ("segment", object_name)
    )
    if changed and segments.is_member(ctx, segment_id, object_name, str(person)):
        event.errors.add(object_name, "already_member")
    people = ctx.object(object_name).table
    name = ctx.conn.execute(sa.select(people.c.name).where(people.c.id == person)).scalar()
    if name is not None:
        event.values["name"] = str(name)[:200]
