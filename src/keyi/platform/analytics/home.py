"""Home dashboards: the dashboard a user's home page shows.

A user may choose their own; an administrator may give a role one. The user's own choice wins
over their role's; a choice the user cannot read (a dashboard since deleted, or moved to a
folder they do not see) is passed over, and with nothing readable left the answer is null —
the home page then shows its default, never a dashboard its reader may not open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from keyi.platform.analytics.dashboards import readable_dashboard
from keyi.platform.analytics.tables import dashboard_home_table
from keyi.platform.errors import FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.ids import is_id

if TYPE_CHECKING:
    from keyi.platform.context import Context

homes = dashboard_home_table


def _chosen(ctx: Context, kind: str, subject_id: str | None) -> str | None:
    if subject_id is None:
        return None
    return ctx.conn.execute(
        sa.select(homes.c.dashboard_id).where(
            homes.c.subject_kind == kind, homes.c.subject_id == subject_id
        )
    ).scalar()


def _readable(ctx: Context, dashboard_id: str | None) -> bool:
    if dashboard_id is None:
        return False
    try:
        readable_dashboard(ctx, dashboard_id)
    except NotFound:
        return False
    return True


def home_of(ctx: Context) -> dict[str, Any]:
    """``{dashboard_id, source: "user" | "role" | null}`` for the reader of ``ctx``."""
    principal = ctx.policy.principal
    role_id = principal.role_id if principal is not None else None
    for source, subject in (("user", ctx.actor.id), ("role", role_id)):
        chosen = _chosen(ctx, source, subject)
        if _readable(ctx, chosen):
            return {"dashboard_id": chosen, "source": source}
    return {"dashboard_id": None, "source": None}


def _check_choice(ctx: Context, dashboard_id: Any) -> str | None:
    """A dashboard the person choosing may read (else a per-field 422), or None."""
    if dashboard_id is None:
        return None
    if not isinstance(dashboard_id, str) or not _readable(ctx, dashboard_id):
        raise ValidationFailed([FieldError("dashboard_id", "not_found")])
    return dashboard_id.lower()


def _store(ctx: Context, kind: str, subject_id: str, dashboard_id: str | None) -> None:
    """Set or clear one subject's home (an upsert: two saves at once are both fine)."""
    where = sa.and_(homes.c.subject_kind == kind, homes.c.subject_id == subject_id)
    if dashboard_id is None:
        ctx.conn.execute(sa.delete(homes).where(where))
        return
    insert = (postgresql.insert if ctx.dialect == "postgresql" else sqlite.insert)(homes)
    values = {"dashboard_id": dashboard_id, "updated_at": ctx.now()}
    ctx.conn.execute(
        insert.values(subject_kind=kind, subject_id=subject_id, **values).on_conflict_do_update(
            index_elements=[homes.c.subject_kind, homes.c.subject_id], set_=values
        )
    )


def set_own_home(ctx: Context, dashboard_id: Any) -> dict[str, Any]:
    """The reader's own choice (null: back to their role's)."""
    if ctx.actor.kind != "user" or ctx.actor.id is None:
        raise Forbidden()
    _store(ctx, "user", ctx.actor.id, _check_choice(ctx, dashboard_id))
    return home_of(ctx)


def set_role_home(ctx: Context, role_id: str, dashboard_id: Any) -> dict[str, Any]:
    """A role's home page (administrators). A dashboard only its owner reads would show
    nobody else anything, so it must sit in a shared folder."""
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()
    roles = ctx.object("role").table
    found = (
        ctx.conn.execute(
            sa.select(roles.c.id).where(roles.c.id == role_id, roles.c.deleted_at.is_(None))
        ).scalar()
        if is_id(role_id)
        else None
    )
    if found is None:
        raise NotFound("record_not_found")
    chosen = _check_choice(ctx, dashboard_id)
    if chosen is not None:
        _, folder = readable_dashboard(ctx, chosen)
        if folder is None or (folder.sharing or {}).get("scope", "private") == "private":
            raise ValidationFailed([FieldError("dashboard_id", "not_shared")])
    _store(ctx, "role", found, chosen)
    ctx.audit("dashboard.home_role", role_id=found, dashboard_id=chosen)
    return {"role_id": found, "dashboard_id": chosen}
