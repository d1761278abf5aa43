"""Telling users something: in-app notifications (the bell) and, per user, an email copy.

Whatever decides to notify — a flow, an approval step, the webhook sender giving up — calls
:func:`notify` inside its own transaction. The in-app rows are written there, so they commit
with the cause (a rolled-back approval notifies nobody) and, in a job, with the job's
completion (a retried job does not notify twice; ``dedupe_key`` covers a cause seen twice by
different jobs). Email is an effect outside the database, so it is not sent here: a
``notify.email`` job per notification is enqueued in the same transaction and sent after
commit by the worker (:mod:`.email`).

Preferences are deliberately minimal: in-app always; email on or off per user, a row in
``keyi_notification_preference`` only for users who changed it. Without a row, email is on
whenever the installation has an SMTP relay — so a company that configures SMTP starts getting
email without every user opting in, and a user who does not want it turns it off once.

Each user sees and marks only their own notifications (``ctx.actor.id``); isolation between
companies is the tenant's namespace. Reading and marking need no object permission: a
notification was addressed to its reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, FieldErrors, Forbidden, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE, datetime_json
from keyi.platform.ids import new_id
from keyi.platform.jobs.queue import enqueue
from keyi.platform.notifications.table import notification_table, preference_table

__all__ = [
    "EMAIL_JOB",
    "MAX_BODY_CHARS",
    "MAX_TITLE_CHARS",
    "RecordLink",
    "email_available",
    "get_preferences",
    "link_path",
    "list_for_user",
    "mark_read",
    "notify",
    "set_preferences",
    "unread_count",
]

EMAIL_JOB = "notify.email"
MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 4000
MAX_PATH_CHARS = 500
MAX_LIST_LIMIT = 100
MAX_MARK_IDS = 500
_SOURCE_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
_OBJECT_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# A path inside the app: one leading slash (`//host` would leave it), printable, no backslash
# (browsers read `/\host` as `//host`).
_PATH_RE = re.compile(r"^/(?![/\\])[^\s\\\x00-\x1f\x7f]*$")


@dataclass(frozen=True)
class RecordLink:
    """A notification that leads to a record: the web app opens ``/o/<object>/<record_id>``."""

    object: str
    record_id: str


Link = RecordLink | str
"""A record, or a path inside the app (``/setup/jobs``)."""


# ------------------------------------------------------------------ writing
def notify(
    ctx: Context,
    user_ids: Iterable[str],
    title: str,
    body: str = "",
    *,
    link: Link | None = None,
    source: str = "system",
    dedupe_key: str | None = None,
) -> list[str]:
    """Notify these users in the caller's transaction; the ids of the notifications written.

    Users that do not exist (or were deleted) are skipped rather than failing the caller: a
    flow addressed to someone since removed should not stop. With ``dedupe_key``, a user who
    already has a notification with that key gets nothing new (its id is not returned), so a
    job that runs again, or a cause seen twice, notifies once. Email copies are enqueued for
    the users who get email (see the module docstring). The title is one line of at most
    MAX_TITLE_CHARS, the body at most MAX_BODY_CHARS (longer text is cut, not refused: it
    often comes from a template filled with record data). Raises ValueError for a bad
    ``source``, ``link`` or an empty title: those are the calling code's mistakes.
    """
    title = _clip(" ".join(str(title).split()), MAX_TITLE_CHARS)
    if not title:
        raise ValueError("a notification needs a title")
    if not _SOURCE_RE.match(source):
        raise ValueError(f"bad notification source {source!r}")
    if dedupe_key is not None and not 0 < len(dedupe_key) <= 255:
        raise ValueError("dedupe_key must be 1 to 255 characters")
    link_values = _link_columns(link)
    wanted = sorted({str(u) for u in user_ids if isinstance(u, str) and UUID_RE.match(u)})
    if not wanted:
        return []
    recipients = _recipients(ctx, wanted)
    if not recipients:
        return []
    now = ctx.now()
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(),
            "user_id": user_id,
            "title": title,
            "body": _clip(str(body), MAX_BODY_CHARS),
            **link_values,
            "source": source,
            "created_at": now,
            "read_at": None,
            "emailed_at": None,
            "dedupe_key": dedupe_key,
        }
        for user_id in recipients
    ]
    created = _insert(ctx.conn, rows, deduplicate=dedupe_key is not None)
    mailing = email_available(ctx)
    for row in rows:
        if row["id"] in created and mailing and recipients[row["user_id"]]:
            enqueue(
                ctx.conn,
                EMAIL_JOB,
                {"notification_id": row["id"]},
                now=now,
                dedupe_key=f"{EMAIL_JOB}:{row['id']}",
            )
    return [row["id"] for row in rows if row["id"] in created]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link_columns(link: Link | None) -> dict[str, str | None]:
    if link is None:
        return {"link_object": None, "link_record_id": None, "link_path": None}
    if isinstance(link, RecordLink):
        if not _OBJECT_RE.match(link.object) or not UUID_RE.match(link.record_id):
            raise ValueError(f"bad record link {link!r}")
        return {"link_object": link.object, "link_record_id": link.record_id, "link_path": None}
    if not isinstance(link, str) or len(link) > MAX_PATH_CHARS or not _PATH_RE.match(link):
        raise ValueError("a link is a RecordLink or a path inside the app starting with one /")
    return {"link_object": None, "link_record_id": None, "link_path": link}


def _recipients(ctx: Context, user_ids: list[str]) -> dict[str, bool]:
    """The existing users among ``user_ids`` → whether they get email (active, an address,
    not turned off), in one statement."""
    users = ctx.object("user").table
    p = preference_table
    stmt = (
        sa.select(users.c.id, users.c.email, users.c.is_active, p.c.email.label("wants_email"))
        .select_from(users.outerjoin(p, p.c.user_id == users.c.id))
        .where(users.c.id.in_(user_ids), users.c.deleted_at.is_(None))
    )
    return {
        str(row.id): bool(row.is_active) and bool(row.email) and row.wants_email is not False
        for row in ctx.conn.execute(stmt)
    }


def _insert(conn: sa.Connection, rows: list[dict[str, Any]], *, deduplicate: bool) -> set[str]:
    t = notification_table
    if not deduplicate:
        conn.execute(sa.insert(t), rows)
        return {row["id"] for row in rows}
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t)
    stmt = (
        insert.values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
        .returning(t.c.id)
    )
    return {str(i) for i in conn.execute(stmt).scalars()}


def email_available(ctx: Context) -> bool:
    """Whether this installation can send email at all (an SMTP relay is configured)."""
    settings = ctx.platform_settings
    return settings is not None and bool(settings.smtp_host)


# ------------------------------------------------------------------ reading
def _reader(ctx: Context) -> str:
    """The signed-in user whose notifications these are; system actors have none."""
    if ctx.actor.id is None:
        raise Forbidden()
    return ctx.actor.id


def unread_count(ctx: Context) -> int:
    """The bell's number: one count over the partial index of the reader's unread rows."""
    t = notification_table
    stmt = (
        sa.select(sa.func.count())
        .select_from(t)
        .where(t.c.user_id == _reader(ctx), t.c.read_at.is_(None))
    )
    return int(ctx.conn.execute(stmt).scalar_one())


def list_for_user(
    ctx: Context, *, unread_only: bool = False, cursor: str | None = None, limit: int = 20
) -> dict[str, Any]:
    """A page of the reader's notifications, newest first, with their unread count.

    ``cursor`` is the ``next_cursor`` of the previous page (the last id shown)."""
    user_id = _reader(ctx)
    if cursor is not None and not UUID_RE.match(cursor):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")])
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise ValidationFailed([FieldError("limit", "invalid_option", {"value": str(limit)})])
    t = notification_table
    stmt = sa.select(t).where(t.c.user_id == user_id).order_by(t.c.id.desc()).limit(limit + 1)
    if unread_only:
        stmt = stmt.where(t.c.read_at.is_(None))
    if cursor is not None:
        stmt = stmt.where(t.c.id < cursor)
    rows = ctx.conn.execute(stmt).mappings().all()
    items = [notification_json(row) for row in rows[:limit]]
    return {
        "notifications": items,
        "unread": unread_count(ctx),
        "next_cursor": items[-1]["id"] if len(rows) > limit else None,
    }


def link_path(row: Any) -> str | None:
    """The path in the web app a notification leads to (record pages are ``/o/<object>/<id>``,
    as the web app routes them)."""
    if row["link_object"] and row["link_record_id"]:
        return f"/o/{row['link_object']}/{row['link_record_id']}"
    return row["link_path"] or None


def notification_json(row: Any) -> dict[str, Any]:
    path = link_path(row)
    link: dict[str, Any] | None = None
    if row["link_object"]:
        link = {"object": row["link_object"], "record_id": str(row["link_record_id"]), "path": path}
    elif path:
        link = {"path": path}
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "body": row["body"],
        "link": link,
        "source": row["source"],
        "created_at": datetime_json(row["created_at"]),
        "read_at": datetime_json(row["read_at"]),
    }


# ------------------------------------------------------------------ marking
def mark_read(ctx: Context, ids: Sequence[str] | Literal["all"]) -> int:
    """Mark the reader's notifications read: these ids, or ``"all"``; how many changed.

    Ids of someone else's notifications, unknown or already read ones change nothing (they
    are not an error: the answer would otherwise tell whether an id exists for another user).
    """
    user_id = _reader(ctx)
    t = notification_table
    stmt = sa.update(t).where(t.c.user_id == user_id, t.c.read_at.is_(None))
    if ids != "all":
        errors = FieldErrors()
        if len(ids) > MAX_MARK_IDS:
            errors.add("ids", "too_long", max=MAX_MARK_IDS)
        for index, value in enumerate(ids):
            if not isinstance(value, str) or not UUID_RE.match(value):
                errors.add(f"ids.{index}", "invalid_id")
        errors.raise_if_any()
        if not ids:
            return 0
        stmt = stmt.where(t.c.id.in_(sorted(set(ids))))
    return int(ctx.conn.execute(stmt.values(read_at=ctx.now())).rowcount)


# ------------------------------------------------------------------ preferences
def get_preferences(ctx: Context) -> dict[str, bool]:
    """The reader's channels: ``email`` (would they get email copies) and ``email_available``
    (whether the installation can send email at all; the web app hides the switch if not)."""
    user_id = _reader(ctx)
    p = preference_table
    chosen = ctx.conn.execute(sa.select(p.c.email).where(p.c.user_id == user_id)).scalar()
    return {"email": chosen is not False, "email_available": email_available(ctx)}


def set_preferences(ctx: Context, *, email: bool) -> dict[str, bool]:
    """Turn the reader's email copies on or off (off also drops copies queued but not sent)."""
    user_id = _reader(ctx)
    p = preference_table
    insert = (postgresql.insert if ctx.dialect == "postgresql" else sqlite.insert)(p)
    ctx.conn.execute(
        insert.values(user_id=user_id, email=email, updated_at=ctx.now()).on_conflict_do_update(
            index_elements=["user_id"], set_={"email": email, "updated_at": ctx.now()}
        )
    )
    return get_preferences(ctx)
