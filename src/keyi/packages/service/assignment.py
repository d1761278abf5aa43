"""Queues: who gets a new case, and who may see a queue's cases.

Assignment. A case created with a queue and no explicit owner, or moved to another queue
without one, goes to one of the queue's members:
- only members marked available, whose user is active and who are under their cap on open
  cases (cases they own whose status is not resolved or closed, in any queue);
- with ``match_skills``, members whose skills contain the case's type come first (when none
  of them is free, any free member will do);
- ``round_robin``: the member who has waited longest since their last assignment (never
  assigned first); ``least_open``: the one with the fewest open cases, then the longest wait;
- ``manual`` queues, inactive queues and queues with nobody free leave the case unassigned.
The queue row is locked while a member is picked, so two cases created at once do not both go
to the same "longest waiting" member; each pick stamps the member's ``last_assigned_at``
(strictly later than any stamp of the queue, so picks within one transaction rotate too).

Ownership and access. An unassigned case (status ``new``) is owned by the queue's owner, who
answers for it until an agent takes it. Each queue has a team (core ``team``) the package keeps
in step with its members; a case in a queue is shared with that team for editing (share
source ``queue``), so members see and take their queues' cases — whatever their role's data
scope — and people outside the queue see them only through their own scope. The share follows
the case's queue: moving the case to another queue moves it to that queue's team.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.service.lifecycle import OPEN_STATUSES
from keyi.platform.access.admin import replace_managed_shares
from keyi.platform.access.model import PrincipalType, ShareAccess
from keyi.platform.hooks import AfterWriteEvent, WriteEvent, registry
from keyi.platform.metadata.model import OWNER_FIELD
from keyi.platform.records import RecordsService

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("service")
SHARE_SOURCE = "queue"
TICK = timedelta(microseconds=1)


# ------------------------------------------------------------------ reading
def row(ctx: Context, object_name: str, record_id: Any, *, lock: bool = False) -> dict[str, Any]:
    """A record as stored (as the system reads it), or {}."""
    if not record_id:
        return {}
    table = ctx.object(object_name).table
    stmt = sa.select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    if lock:
        stmt = stmt.with_for_update(of=table)
    found = ctx.conn.execute(stmt).mappings().first()
    return dict(found) if found else {}


def members(ctx: Context, queue_id: str) -> list[dict[str, Any]]:
    """The queue's live members with their user's active flag."""
    m = ctx.object("queue_member").table
    users = ctx.object("user").table
    stmt = (
        sa.select(m, users.c.is_active.label("_user_active"))
        .join(users, users.c.id == m.c.user)
        .where(m.c.queue == queue_id, m.c.deleted_at.is_(None), users.c.deleted_at.is_(None))
    )
    return [dict(r) for r in ctx.conn.execute(stmt).mappings()]


def is_member(ctx: Context, queue_id: Any, user_id: Any) -> bool:
    if not queue_id or not user_id:
        return False
    m = ctx.object("queue_member").table
    found = ctx.conn.execute(
        sa.select(m.c.id).where(
            m.c.queue == queue_id, m.c.user == user_id, m.c.deleted_at.is_(None)
        )
    ).first()
    return found is not None


def open_counts(ctx: Context, user_ids: list[str]) -> dict[str, int]:
    """Open cases owned by each of ``user_ids`` (one grouped count)."""
    if not user_ids:
        return {}
    cases = ctx.object("case").table
    rows = ctx.conn.execute(
        sa.select(cases.c.owner_id, sa.func.count())
        .where(
            cases.c.owner_id.in_(user_ids),
            cases.c.status.in_(OPEN_STATUSES),
            cases.c.deleted_at.is_(None),
        )
        .group_by(cases.c.owner_id)
    )
    return {str(owner): int(n) for owner, n in rows}


def _skills(member: dict[str, Any]) -> list[str]:
    raw = member.get("skills")
    return list(json.loads(raw)) if raw else []


def pick(ctx: Context, queue: dict[str, Any], case_type: Any) -> dict[str, Any] | None:
    """The member the queue's rule gives the next case to, or None (see the module)."""
    if not queue.get("active") or queue.get("assignment") not in ("round_robin", "least_open"):
        return None
    candidates = [m for m in members(ctx, str(queue["id"])) if m["available"] and m["_user_active"]]
    counts = open_counts(ctx, sorted({str(m["user"]) for m in candidates}))
    free = [
        m
        for m in candidates
        if m["max_open_cases"] is None or counts.get(str(m["user"]), 0) < m["max_open_cases"]
    ]
    if not free:
        return None
    if queue.get("match_skills") and case_type:
        skilled = [m for m in free if case_type in _skills(m)]
        free = skilled or free

    def waited(member: dict[str, Any]) -> tuple[int, datetime, str]:
        stamp = member.get("last_assigned_at")
        return (0 if stamp is None else 1, stamp or datetime.min, str(member["id"]))

    if queue["assignment"] == "least_open":
        return min(free, key=lambda m: (counts.get(str(m["user"]), 0), *waited(m)))
    return min(free, key=waited)


def stamp_assigned(ctx: Context, queue_id: str, member_id: str) -> None:
    """The member got a case now: later than every stamp of the queue (see the module)."""
    m = ctx.object("queue_member").table
    latest = ctx.conn.execute(
        sa.select(sa.func.max(m.c.last_assigned_at)).where(
            m.c.queue == queue_id, m.c.deleted_at.is_(None)
        )
    ).scalar()
    at = ctx.now() if latest is None or latest < ctx.now() else latest + TICK
    RecordsService(ctx.as_system()).update(
        "queue_member",
        member_id,
        {"last_assigned_at": at},
        trusted_fields=frozenset({"last_assigned_at"}),
    )


# ------------------------------------------------------------------ case hooks
def _owner_explicit(event: WriteEvent) -> bool:
    if event.operation == "create":
        return OWNER_FIELD in event.values and OWNER_FIELD not in event.defaulted
    return OWNER_FIELD in event.values


def route_case(ctx: Context, event: WriteEvent) -> None:
    """Assign a case entering a queue (registered after the lifecycle checks: the statuses it
    sets are the package's, not a user's transition)."""
    queue_id = event.final("queue")
    entering = queue_id and (
        event.operation == "create"
        or ("queue" in event.values and (event.old or {}).get("queue") != queue_id)
    )
    if not entering or _owner_explicit(event):
        _status_follows_owner(ctx, event)
        return
    if event.final("status") not in OPEN_STATUSES:
        return
    queue = row(ctx, "queue", queue_id, lock=True)
    if not queue:
        return
    member = pick(ctx, queue, event.final("type"))
    status = event.final("status")
    if member is not None:
        event.values[OWNER_FIELD] = member["user"]
        if status in ("new", "assigned", "in_progress"):
            event.values["status"] = "assigned"
        stamp_assigned(ctx, str(queue_id), str(member["id"]))
    else:
        if queue.get(OWNER_FIELD):
            event.values[OWNER_FIELD] = queue[OWNER_FIELD]
        if status == "assigned":  # the agent it was assigned to is no longer responsible
            event.values["status"] = "new"


def _status_follows_owner(ctx: Context, event: WriteEvent) -> None:
    """A new queue case given to an agent (other than the queue's owner, who holds it until
    someone takes it) is assigned."""
    if event.final("status") != "new" or not _owner_explicit(event):
        return
    owner = event.final(OWNER_FIELD)
    queue = row(ctx, "queue", event.final("queue"))
    if queue and owner and owner != queue.get(OWNER_FIELD):
        event.values["status"] = "assigned"


def share_with_queue(ctx: Context, event: AfterWriteEvent) -> None:
    """The case is shared with its queue's team, and only with its current queue's."""
    if event.operation == "delete" or event.new is None:
        return
    old_queue = (event.old or {}).get("queue")
    queue_id = event.new.get("queue")
    if event.operation == "update" and old_queue == queue_id:
        return
    team = row(ctx, "queue", queue_id).get("team") if queue_id else None
    grants = [(PrincipalType.TEAM, str(team), ShareAccess.EDIT)] if team else []
    replace_managed_shares(ctx, "case", event.record_id, SHARE_SOURCE, grants)


# ------------------------------------------------------------------ queues and their teams
@hooks.before_save("queue")
def queue_team(ctx: Context, event: WriteEvent) -> None:
    """A new queue gets its team (owned by the queue's owner); a rename renames it."""
    system = RecordsService(ctx.as_system())
    name = str(event.final("name") or "")[:100]
    team_id = event.final("team")
    if event.operation == "create" or not team_id:
        team = system.create_many(
            "team",
            [{"name": name, OWNER_FIELD: event.final(OWNER_FIELD)}],
        )[0]
        event.values["team"] = team
    elif {"name", OWNER_FIELD} & set(event.values):
        values: dict[str, Any] = {"name": name}
        if event.final(OWNER_FIELD):
            values[OWNER_FIELD] = event.final(OWNER_FIELD)
        system.update("team", str(team_id), values)


@hooks.before_save("queue_member")
def member_name_and_uniqueness(ctx: Context, event: WriteEvent) -> None:
    """Named after the agent; one membership per agent and queue."""
    if event.operation == "create" or {"user", "queue"} & set(event.values):
        user = row(ctx, "user", event.final("user"))
        event.values["name"] = str(user.get("name") or user.get("email") or "")[:200]
        m = ctx.object("queue_member").table
        taken = ctx.conn.execute(
            sa.select(m.c.id).where(
                m.c.queue == event.final("queue"),
                m.c.user == event.final("user"),
                m.c.deleted_at.is_(None),
                m.c.id != event.record_id,
            )
        ).first()
        if taken is not None:
            event.errors.add("user", "not_unique")


@hooks.after_write("queue_member")
def member_in_team(ctx: Context, event: AfterWriteEvent) -> None:
    """The queue's team has exactly the queue's members (see the module)."""
    for version in (event.old, event.new):
        if version and version.get("queue"):
            sync_team(ctx, str(version["queue"]))


def sync_team(ctx: Context, queue_id: str) -> None:
    """Make the queue's team members the queue's live members (as the system)."""
    team_id = row(ctx, "queue", queue_id).get("team")
    if not team_id:
        return
    m = ctx.object("queue_member").table
    wanted = {
        str(u)
        for u in ctx.conn.execute(
            sa.select(m.c.user).where(m.c.queue == queue_id, m.c.deleted_at.is_(None))
        ).scalars()
    }
    tm = ctx.object("team_member").table
    current = {
        str(user): str(member_id)
        for member_id, user in ctx.conn.execute(
            sa.select(tm.c.id, tm.c.user).where(tm.c.team == team_id, tm.c.deleted_at.is_(None))
        )
    }
    system = RecordsService(ctx.as_system())
    for user in sorted(set(current) - wanted):
        system.delete("team_member", current[user])
    missing = sorted(wanted - set(current))
    if missing:
        system.create_many(
            "team_member", [{"team": team_id, "user": user, "label": "queue"} for user in missing]
        )
