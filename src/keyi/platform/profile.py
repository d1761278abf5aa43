"""A user's own profile: who they are (`me_payload`), and the few fields of their `user`
record they may change themselves.

Editing `user` records is user administration (administrators); a person still keeps their
own name, phone and language up to date. They do it through their own record and the records
service — so validation, hooks, history and audit are the usual ones — limited to
PROFILE_FIELDS and to what their role's field permissions let them edit.
"""

from __future__ import annotations

from typing import Any

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.permissions import Actor, ActorKind
from keyi.platform.records import RecordsService

PROFILE_FIELDS = ("name", "phone", "language")


def me_payload(ctx: Context) -> dict[str, Any]:
    """Who is signed in and into which company, as the web app needs it on every page."""
    users = ctx.object("user")
    row = (
        ctx.conn.execute(users.table.select().where(users.table.c.id == ctx.actor.id))
        .mappings()
        .first()
    )
    settings = ctx.settings
    return {
        "user": {
            "id": ctx.actor.id,
            # From the record, not the actor: a profile edit in this transaction shows at once.
            "name": row["name"] if row else ctx.actor.name,
            "email": row["email"] if row else None,
            "phone": row.get("phone") if row else None,
            "is_admin": ctx.actor.is_admin,
            "language": row["language"] if row else None,
        },
        "tenant": {
            "name": ctx.tenant.name,
            "label": ctx.tenant.label,
            "currency": settings.get("currency"),
            "locale": settings.get("locale"),
            "time_zone": settings.get("time_zone"),
        },
    }


def update_profile(ctx: Context, data: Any) -> dict[str, Any]:
    """Change the caller's own profile fields; answers the updated user record."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("body", "invalid_request")])
    users = ctx.object("user")
    errors: list[FieldError] = []
    for name in sorted(data):
        field = users.fields.get(name)
        editable = field is not None and ctx.policy.can_edit_field(users, field)
        if name not in PROFILE_FIELDS or not editable:
            errors.append(FieldError(name, "read_only"))
    if errors:
        raise ValidationFailed(errors)
    if ctx.actor.id is None:
        raise ValidationFailed([FieldError("body", "invalid_request")])
    # The same transaction and acting user, past the object-level "edit users" check that only
    # administrators pass: the field checks above are what decides here.
    own = Context(
        ctx.tenant,
        Actor(id=ctx.actor.id, name=ctx.actor.name, is_admin=True, kind=ActorKind.SYSTEM),
        ctx.conn,
        ctx.schema,
        ctx.locale,
        started_at=ctx.started_at,
        platform=ctx.platform,
    )
    record = RecordsService(own).update("user", ctx.actor.id, dict(data))
    ctx.audit(
        "user.profile_update", object_name="user", record_id=ctx.actor.id, fields=sorted(data)
    )
    return record
