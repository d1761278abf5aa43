"""Personal data requests on one person: export a copy, or erase it. Administrators only.

Both act on everything Keyi holds about the person, beyond what any one user's record access
and field masks show, so they are an administrator's (``can_manage_metadata``) — Keyi's
permission model has no narrower grant that covers data of every object at once. A record
id of another tenant, or of an object that is not a person object, is simply not found.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.privacy.erase import Erasure, erase_person
from keyi.platform.privacy.export import build_archive
from keyi.platform.privacy.persons import PersonObject, person_object
from keyi.platform.query.listing import fetch_one
from keyi.platform.schema import CompiledObject

MAX_REASON = 500


def authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def _person(ctx: Context, object_name: str) -> tuple[CompiledObject, PersonObject]:
    person = person_object(object_name)
    obj = ctx.schema.get(object_name)
    if person is None or obj is None:
        raise NotFound("object_not_found", object=object_name)
    return obj, person


def _check_id(record_id: str) -> None:
    if not UUID_RE.match(record_id):
        raise NotFound("record_not_found")


def export_person(ctx: Context, object_name: str, record_id: str) -> bytes:
    """The zip of the person's data; audited."""
    authorise(ctx)
    obj, _ = _person(ctx, object_name)
    _check_id(record_id)
    record = fetch_one(ctx, obj.name, record_id) or fetch_one(
        ctx, obj.name, record_id, deleted=True
    )
    if record is None:
        raise NotFound("record_not_found")
    archive = build_archive(ctx, obj, record)
    ctx.audit("privacy.export", object_name=obj.name, record_id=record_id, size=len(archive))
    return archive


def erase(ctx: Context, object_name: str, record_id: str, reason: str) -> dict[str, Any]:
    """Anonymise the person (keyi.platform.privacy.erase) in the caller's transaction."""
    authorise(ctx)
    obj, person = _person(ctx, object_name)
    _check_id(record_id)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", "required")])
    if len(reason) > MAX_REASON:
        raise ValidationFailed([FieldError("reason", "too_long", {"max": MAX_REASON})])
    stmt = sa.select(obj.table).where(obj.table.c.id == record_id)
    if ctx.dialect == "postgresql":
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFound("record_not_found")
    done: Erasure = erase_person(ctx, obj, person, dict(row))
    ctx.audit(
        "privacy.erase",
        object_name=obj.name,
        record_id=record_id,
        reason=reason,
        fields=done.fields,
        history_entries=done.history_entries,
        deliveries=done.deliveries,
        sms_messages=done.sms_messages,
        files=done.files,
        already_erased=not done.changed_anything,
    )
    return {
        "object": obj.name,
        "id": record_id,
        "erased_fields": done.fields,
        "history_entries": done.history_entries,
        "deliveries": done.deliveries,
        "sms_messages": done.sms_messages,
        "files": done.files,
        "already_erased": not done.changed_anything,
    }
