"""What a customer portal user may read and write, as explicit grants (never the internal
access policy, which knows nothing of external users):

- a case is visible iff ``case.contact = me``, or ``company_access`` and ``case.account = my
  contact's account`` (a contact without an account sees only their own cases);
- of a case's messages only ``visibility = 'public'`` ones (customer messages are always
  public; internal notes never leave this module — not in a list, a count or
  ``last_message_at``);
- articles only ``status = 'published'`` and ``visibility = 'public'``, categories only those
  holding such articles (and the categories above them).
Anything else answers 404. Writes (a new case, a reply) go through the records service under
the portal user's system actor, so history, audit and the package's hooks (SLA, assignment,
waking a case) run as for a case from email.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from keyi.packages.service import knowledge, lifecycle
from keyi.packages.service.portal_users import PortalPerson
from keyi.packages.service.surveys import OPEN as OPEN_SURVEYS
from keyi.packages.service.surveys import make_token
from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.i18n import MESSAGES, label
from keyi.platform.notifications.email import absolute_url
from keyi.platform.query.search import search_records
from keyi.platform.records import RecordsService

__all__ = [
    "case_detail",
    "categories",
    "create_case",
    "get_article",
    "list_articles",
    "list_cases",
    "messages",
    "reply",
]

CASE_COLUMNS = (
    "id",
    "case_no",
    "subject",
    "status",
    "priority",
    "type",
    "created_at",
    "updated_at",
    "contact",
)
DETAIL_COLUMNS = ("description", "resolution", "resolved_at", "closed_at")
DONE = lifecycle.DONE_STATUSES

MESSAGES.update(
    {
        "case_closed": {
            "en": "This case is closed and can no longer be answered; please open a new case.",
            "zh-CN": "该工单已关闭，不能再回复，请提交新工单。",
        },
    }
)


# ---------------------------------------------------------------- cursors
def _encode(values: list[Any]) -> str:
    text = json.dumps(values, default=str, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str | None, size: int) -> list[Any] | None:
    """A cursor's values, or None for no cursor; a malformed one is 422 on ``cursor``."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return values
    except (ValueError, TypeError):
        raise ValidationFailed([FieldError("cursor", "invalid_cursor")]) from None


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# ---------------------------------------------------------------- labels
def option_label(ctx: Context, object_name: str, field: str, value: Any, locale: str) -> str | None:
    if value is None:
        return None
    f = ctx.object(object_name).fields.get(field)
    for option in (f.options if f is not None else None) or ():
        if option.value == value:
            return label(option.labels, locale, str(value))
    return str(value)


# ---------------------------------------------------------------- cases
LIST_INDEX = "ix_case_contact_activity"


def ensure_list_index(ctx: Context) -> bool:
    """The index a portal user's case list reads: ``(contact, updated_at, id)`` on live cases,
    so "my cases, newest activity first" is one backward range scan however many cases a
    contact has (the plain ``contact`` index would fetch them all and sort). Metadata declares
    single-field indexes only, so the package adds this one itself when installed or
    upgraded (tenant revision 0015 adds it to tenants that had cases before); True when it
    was made now (False too while `case` is not in the schema yet: a tenant getting the
    package in this upgrade gets the index from the install step)."""
    compiled = ctx.schema.get("case")
    if compiled is None:
        return False
    cases = compiled.table
    existing = {i["name"] for i in sa.inspect(ctx.conn).get_indexes(cases.name)}
    if LIST_INDEX in existing:
        return False
    alive = cases.c.deleted_at.is_(None)
    sa.Index(
        LIST_INDEX,
        cases.c.contact,
        cases.c.updated_at,
        cases.c.id,
        sqlite_where=alive,
        postgresql_where=alive,
    ).create(ctx.conn)
    return True


def visible(ctx: Context, me: PortalPerson) -> Any:
    """The grant: my cases, and my company's when I have company access."""
    cases = ctx.object("case").table
    mine = cases.c.contact == me.contact_id
    if me.company_access and me.account_id:
        return sa.and_(cases.c.deleted_at.is_(None), sa.or_(mine, cases.c.account == me.account_id))
    return sa.and_(cases.c.deleted_at.is_(None), mine)


def list_cases(
    ctx: Context,
    me: PortalPerson,
    *,
    scope: str = "mine",
    status: str = "open",
    q: str = "",
    cursor: str | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """One page of the cases granted, newest activity (last change) first."""
    cases = ctx.object("case").table
    if scope == "company":
        if not me.company_access:
            raise Forbidden()  # the contract's plain 403 "forbidden"
        if me.account_id is None:
            return {"records": [], "next_cursor": None}
        where = [cases.c.deleted_at.is_(None), cases.c.account == me.account_id]
    else:
        where = [cases.c.deleted_at.is_(None), cases.c.contact == me.contact_id]
    if status == "open":
        where.append(cases.c.status.in_(lifecycle.OPEN_STATUSES))
    elif status == "closed":
        where.append(cases.c.status.in_(DONE))
    text = q.strip().lower()
    if text:
        where.append(
            sa.or_(
                sa.func.lower(cases.c.subject).contains(text, autoescape=True),
                sa.func.lower(cases.c.case_no).contains(text, autoescape=True),
            )
        )
    after = _decode(cursor, 2)
    if after is not None:
        moment, last_id = _moment(after[0]), str(after[1])
        where.append(
            sa.or_(
                cases.c.updated_at < moment,
                sa.and_(cases.c.updated_at == moment, cases.c.id < last_id),
            )
        )
    stmt = (
        sa.select(*(cases.c[name] for name in CASE_COLUMNS))
        .where(*where)
        .order_by(cases.c.updated_at.desc(), cases.c.id.desc())
        .limit(limit + 1)
    )
    rows = [dict(r) for r in ctx.conn.execute(stmt).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    records = _cases_json(ctx, me, rows)
    next_cursor = _encode([rows[-1]["updated_at"].isoformat(), rows[-1]["id"]]) if more else None
    return {"records": records, "next_cursor": next_cursor}


def _cases_json(ctx: Context, me: PortalPerson, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    messages = ctx.object("case_message").table
    last = dict(
        ctx.conn.execute(  # public messages only: an internal note moves nothing here
            sa.select(messages.c.case, sa.func.max(messages.c.created_at))
            .where(
                messages.c.case.in_(ids),
                messages.c.visibility == "public",
                messages.c.deleted_at.is_(None),
            )
            .group_by(messages.c.case)
        ).all()
    )
    contacts = ctx.object("contact").table
    contact_ids = sorted({str(r["contact"]) for r in rows if r["contact"]})
    names = dict(
        ctx.conn.execute(
            sa.select(contacts.c.id, contacts.c.name).where(contacts.c.id.in_(contact_ids))
        ).all()
    )
    return [_case_json(ctx, me, r, last.get(r["id"]), names.get(r["contact"])) for r in rows]


def _case_json(
    ctx: Context, me: PortalPerson, row: dict[str, Any], last: Any, contact_name: Any
) -> dict[str, Any]:
    locale = me.locale
    return {
        "id": str(row["id"]),
        "case_no": row["case_no"],
        "subject": row["subject"],
        "status": row["status"],
        "status_label": option_label(ctx, "case", "status", row["status"], locale),
        "priority": row["priority"],
        "priority_label": option_label(ctx, "case", "priority", row["priority"], locale),
        "type": row["type"],
        "type_label": option_label(ctx, "case", "type", row["type"], locale),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_message_at": last,
        "contact_name": str(contact_name) if contact_name is not None else None,
        "waiting_on_you": row["status"] == "waiting_on_customer",
    }


def granted_case(ctx: Context, me: PortalPerson, case_id: str) -> dict[str, Any]:
    """The case if granted to me; 404 ``record_not_found`` otherwise (whoever's it is)."""
    if not UUID_RE.match(case_id):
        raise NotFound("record_not_found")
    cases = ctx.object("case").table
    columns = (*CASE_COLUMNS, *DETAIL_COLUMNS)
    row = (
        ctx.conn.execute(
            sa.select(*(cases.c[n] for n in columns)).where(cases.c.id == case_id, visible(ctx, me))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("record_not_found")
    return dict(row)


def can_reply(ctx: Context, row: dict[str, Any]) -> bool:
    """Open cases take replies; a resolved one within the reopen window (the reply reopens
    it); a closed one, or one resolved longer ago, no longer."""
    if row["status"] in lifecycle.OPEN_STATUSES:
        return True
    return row["status"] == "resolved" and lifecycle.can_reopen(ctx, row.get("resolved_at"))


def case_detail(ctx: Context, me: PortalPerson, case_id: str) -> dict[str, Any]:
    row = granted_case(ctx, me, case_id)
    [found] = _cases_json(ctx, me, [row])
    return {
        **found,
        "description": row["description"],
        "resolution": row["resolution"] if row["status"] in DONE else None,
        "resolved_at": row["resolved_at"],
        "closed_at": row["closed_at"],
        "can_reply": can_reply(ctx, row),
        "survey_url": _survey_url(ctx, me, row),
    }


def _survey_url(ctx: Context, me: PortalPerson, row: dict[str, Any]) -> str | None:
    """The open satisfaction survey of a resolved case, for the person it was sent to."""
    if row["status"] not in DONE or ctx.platform is None or ctx.platform_settings is None:
        return None
    surveys = ctx.object("survey_response").table
    survey = (
        ctx.conn.execute(
            sa.select(surveys.c.id, surveys.c.expires_at)
            .where(
                surveys.c.case == row["id"],
                surveys.c.contact == me.contact_id,
                surveys.c.status.in_(OPEN_SURVEYS),
                surveys.c.deleted_at.is_(None),
                surveys.c.expires_at > ctx.now(),
            )
            .order_by(surveys.c.created_at.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if survey is None:
        return None
    token = make_token(ctx.platform.secret_box, ctx.tenant.id, survey["id"], survey["expires_at"])
    return absolute_url(ctx.platform_settings, f"/survey/{token}")


def create_case(
    ctx: Context,
    me: PortalPerson,
    *,
    subject: str,
    description: str,
    case_type: str | None,
    priority: str,
) -> dict[str, Any]:
    """A case from the portal: channel portal, my contact and account, the portal queue (its
    rules assign it); the package's hooks set the SLA as for any other case."""
    values: dict[str, Any] = {
        "subject": subject,
        "description": description or None,
        "priority": priority,
        "channel": "portal",
        "contact": me.contact_id,
    }
    if case_type:
        values["type"] = case_type
    if me.account_id:
        values["account"] = me.account_id
    queue = lifecycle.portal_queue(ctx)
    if queue:
        values["queue"] = queue
    [case_id] = RecordsService(ctx).create_many("case", [values])
    return case_detail(ctx, me, case_id)


# ---------------------------------------------------------------- messages
MESSAGE_COLUMNS = ("id", "body", "body_html", "direction", "author_contact", "created_by")


def messages(ctx: Context, me: PortalPerson, case_id: str) -> list[dict[str, Any]]:
    """The public thread of a granted case, oldest first."""
    granted_case(ctx, me, case_id)
    t = ctx.object("case_message").table
    rows = [
        dict(r)
        for r in ctx.conn.execute(
            sa.select(*(t.c[n] for n in MESSAGE_COLUMNS), t.c.created_at)
            .where(t.c.case == case_id, t.c.visibility == "public", t.c.deleted_at.is_(None))
            .order_by(t.c.created_at, t.c.id)
        ).mappings()
    ]
    return _messages_json(ctx, me, rows)


def _messages_json(
    ctx: Context, me: PortalPerson, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    contacts, users = ctx.object("contact").table, ctx.object("user").table
    contact_ids = sorted({str(r["author_contact"]) for r in rows if r["author_contact"]})
    user_ids = sorted({str(r["created_by"]) for r in rows if r["created_by"]})
    contact_names = dict(
        ctx.conn.execute(
            sa.select(contacts.c.id, contacts.c.name).where(contacts.c.id.in_(contact_ids))
        ).all()
    )
    user_names = dict(
        ctx.conn.execute(sa.select(users.c.id, users.c.name).where(users.c.id.in_(user_ids))).all()
    )
    customer = "客户" if me.locale == "zh-CN" else "Customer"
    found = []
    for r in rows:
        inbound = r["direction"] == "inbound"
        if inbound:
            author = contact_names.get(r["author_contact"]) or customer
        else:  # agents by name only, never their address
            author = user_names.get(r["created_by"]) or ctx.tenant.label
        html = r["body_html"]
        found.append(
            {
                "id": str(r["id"]),
                "body": r["body"],
                "body_html": knowledge.sanitise_html(html) if html else None,
                "from_customer": inbound,
                "author": str(author),
                "created_at": r["created_at"],
            }
        )
    return found


def reply(ctx: Context, me: PortalPerson, case_id: str, body: str) -> dict[str, Any]:
    """The customer's message on a granted case: public, inbound, channel portal; wakes or
    reopens the case as a mail reply does. 409 ``case_closed`` when it cannot take one."""
    row = granted_case(ctx, me, case_id)
    if not can_reply(ctx, row):
        raise Conflict("case_closed")
    values = {
        "case": case_id,
        "visibility": "public",
        "direction": "inbound",
        "channel": "portal",
        "body": body,
        "author_contact": me.contact_id,
    }
    [message_id] = RecordsService(ctx).create_many("case_message", [values])
    t = ctx.object("case_message").table
    stored = (
        ctx.conn.execute(
            sa.select(*(t.c[n] for n in MESSAGE_COLUMNS), t.c.created_at).where(
                t.c.id == message_id
            )
        )
        .mappings()
        .one()
    )
    return _messages_json(ctx, me, [dict(stored)])[0]


# ---------------------------------------------------------------- articles
def _public_articles(ctx: Context) -> list[Any]:
    t = ctx.object(knowledge.ARTICLE).table
    return [t.c.deleted_at.is_(None), t.c.status == "published", t.c.visibility == "public"]


def _category_names(ctx: Context, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    t = ctx.object(knowledge.CATEGORY).table
    return {
        str(i): str(n)
        for i, n in ctx.conn.execute(
            sa.select(t.c.id, t.c.name).where(t.c.id.in_(ids), t.c.deleted_at.is_(None))
        ).all()
    }


def _summaries(ctx: Context, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = _category_names(ctx, sorted({str(r["category"]) for r in rows if r["category"]}))
    return [
        {
            "id": str(r["id"]),
            "title": r["title"],
            "summary": r["summary"],
            "category": (
                {"id": str(r["category"]), "name": names[str(r["category"])]}
                if r["category"] and str(r["category"]) in names
                else None
            ),
            "updated_at": r["updated_at"],
        }
        for r in rows
    ]


SUMMARY_COLUMNS = ("id", "title", "summary", "category", "updated_at", "published_at")


def list_articles(
    ctx: Context,
    *,
    q: str = "",
    category: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """Public published articles: best match first for a query (Keyi's CJK search), else
    newest published first."""
    t = ctx.object(knowledge.ARTICLE).table
    where = _public_articles(ctx)
    if category:
        if not UUID_RE.match(category):
            return {"records": [], "next_cursor": None}
        where.append(t.c.category.in_(knowledge.category_subtree(ctx, category)))
    columns = [t.c[n] for n in SUMMARY_COLUMNS]
    text = q.strip()
    if text:
        offset = int((_decode(cursor, 1) or [0])[0] or 0)
        conditions: list[Any] = [
            {"field": "status", "op": "eq", "value": "published"},
            {"field": "visibility", "op": "eq", "value": "public"},
        ]
        hits = search_records(
            ctx,
            text,
            limit=offset + limit + 1,
            objects=[knowledge.ARTICLE],
            where={knowledge.ARTICLE: {"and": conditions}},
        )
        ids = [h["id"] for h in hits][offset:]
        more = len(ids) > limit
        ids = ids[:limit]
        found = {
            str(r["id"]): dict(r)
            for r in ctx.conn.execute(sa.select(*columns).where(*where, t.c.id.in_(ids))).mappings()
        }
        rows = [found[i] for i in ids if i in found]
        next_cursor = _encode([offset + limit]) if more else None
        return {"records": _summaries(ctx, rows), "next_cursor": next_cursor}
    after = _decode(cursor, 2)
    if after is not None:
        moment, last_id = _moment(after[0]), str(after[1])
        where.append(
            sa.or_(
                t.c.published_at < moment,
                sa.and_(t.c.published_at == moment, t.c.id < last_id),
            )
        )
    rows = [
        dict(r)
        for r in ctx.conn.execute(
            sa.select(*columns)
            .where(*where)
            .order_by(t.c.published_at.desc(), t.c.id.desc())
            .limit(limit + 1)
        ).mappings()
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode([rows[-1]["published_at"].isoformat(), rows[-1]["id"]]) if more else None
    return {"records": _summaries(ctx, rows), "next_cursor": next_cursor}


def get_article(ctx: Context, article_id: str) -> dict[str, Any]:
    if not UUID_RE.match(article_id):
        raise NotFound("record_not_found")
    t = ctx.object(knowledge.ARTICLE).table
    row = (
        ctx.conn.execute(
            sa.select(*(t.c[n] for n in SUMMARY_COLUMNS), t.c.body).where(
                t.c.id == article_id, *_public_articles(ctx)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("record_not_found")
    [summary] = _summaries(ctx, [dict(row)])
    return {**summary, "body_html": knowledge.sanitise_html(row["body"] or "")}


def categories(ctx: Context) -> list[dict[str, Any]]:
    """Categories holding public articles, and the categories above them (to show the tree)."""
    t = ctx.object(knowledge.ARTICLE).table
    used = {
        str(c)
        for c in ctx.conn.execute(
            sa.select(t.c.category)
            .where(*_public_articles(ctx), t.c.category.is_not(None))
            .distinct()
        ).scalars()
    }
    c = ctx.object(knowledge.CATEGORY).table
    rows = {
        str(r["id"]): dict(r)
        for r in ctx.conn.execute(
            sa.select(c.c.id, c.c.name, c.c.parent, c.c.sort_order).where(c.c.deleted_at.is_(None))
        ).mappings()
    }
    keep: set[str] = set()
    for category_id in used:
        current: str | None = category_id
        while current and current in rows and current not in keep:
            keep.add(current)
            parent = rows[current]["parent"]
            current = str(parent) if parent else None
    ordered = sorted(
        (rows[i] for i in keep), key=lambda r: (r["sort_order"] or 0, str(r["name"]), str(r["id"]))
    )
    return [
        {
            "id": str(r["id"]),
            "name": r["name"],
            "parent": str(r["parent"]) if r["parent"] and str(r["parent"]) in keep else None,
        }
        for r in ordered
    ]
