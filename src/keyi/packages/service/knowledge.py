"""Knowledge base (知识库): sanitised rich text, versions, search and suggestions for a case.

Versions are rows. An article's first version is created as a draft; publishing it makes it the
article's one published version and files a snapshot (``knowledge_article_version``). A
published version is never edited in place: ``new_version`` copies it into a draft with the
next version number and the same article number; publishing that draft archives the version it
replaces. Archived versions keep their rows and snapshots; ``republish`` publishes one again (and
archives whichever version was published). So every version of one article shares its
``article_no``; a number taken by the auto-number counter for a new version's row is replaced
by the article's own (the counter shows a gap, the article keeps its number).

What search finds is the object's ``search_criteria`` (published only), so drafts stay out of
global search; the knowledge screens find drafts through list filters.

Every write goes through the records service as the caller; the read-only fields an action owns
(status, version links, publishing stamps) are passed as trusted fields, never taken from a
request.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

import nh3
import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.errors import Conflict
from keyi.platform.i18n import MESSAGES, label
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.query.search import search_records
from keyi.platform.records import RecordsService
from keyi.platform.search import tokenize_query

ARTICLE = "knowledge_article"
VERSION = "knowledge_article_version"
CATEGORY = "knowledge_category"
CASE_ARTICLE = "case_article"

CONTENT_FIELDS = (
    "title",
    "summary",
    "body",
    "category",
    "visibility",
    "language",
    "keywords",
    "change_note",
)
"""What a version says: locked once published, copied into a new version."""

SUGGESTIONS = 5
MAX_SEARCH = 50
SNIPPET_CHARS = 160
LIST_FIELDS = [
    "title",
    "article_no",
    "summary",
    "category",
    "visibility",
    "status",
    "language",
    "version_number",
    "published_at",
    "body_text",
]

# Ammonia's defaults (no script/style, no event handlers, no style attributes) with the URL
# schemes a knowledge article links to; `javascript:` and `data:` are dropped with the attribute.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_BLOCK = re.compile(r"<(?=/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|pre|blockquote)\b)", re.I)
_SPACES = re.compile(r"\s+")

MESSAGES.update(
    {
        "article_not_editable": {
            "en": "This version is {status}: make a new version to change it.",
            "zh-CN": "该版本状态为“{status}”，不能直接修改，请创建新版本。",
        },
        "draft_exists": {
            "en": "This article already has a draft version ({number}).",
            "zh-CN": "该文章已有草稿版本（{number}）。",
        },
        "article_not_published": {
            "en": "Only a published article can be attached to a case.",
            "zh-CN": "只能关联已发布的文章。",
        },
        "already_attached": {
            "en": "This article is already attached to the case.",
            "zh-CN": "该文章已关联到此工单。",
        },
    }
)


def sanitise_html(value: str) -> str:
    """Rich text safe to render: scripts, event handlers and unsafe links removed."""
    return nh3.clean(value, url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer")


def plain_text(value: str) -> str:
    """The words of a piece of HTML (blocks separated by spaces), for search and snippets."""
    spaced = _BLOCK.sub(" <", value)
    text = html.unescape(nh3.clean(spaced, tags=set()))
    return _SPACES.sub(" ", text).strip()


def status_label(ctx: Context, value: str | None) -> str:
    f = ctx.object(ARTICLE).fields.get("status")
    for option in (f.options if f is not None else None) or ():
        if option.value == value:
            return label(option.labels, ctx.locale, value or "")
    return value or ""


def require_status(ctx: Context, record: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """409 ``invalid_status`` naming the version's status unless it is one of ``allowed``."""
    status = record.get("status")
    if status not in set(allowed):
        raise Conflict("invalid_status", status=status_label(ctx, status), value=status)


def _versions(ctx: Context, article_no: str, *, status: str | None = None) -> list[dict[str, Any]]:
    """Every live version of an article (stored values), newest first."""
    t = ctx.object(ARTICLE).table
    stmt = sa.select(t.c.id, t.c.status, t.c.version_number).where(
        t.c.article_no == article_no, t.c.deleted_at.is_(None)
    )
    if status is not None:
        stmt = stmt.where(t.c.status == status)
    rows = ctx.conn.execute(stmt.order_by(t.c.version_number.desc())).mappings()
    return [dict(r) for r in rows]


def _set(ctx: Context, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
    return RecordsService(ctx).update(ARTICLE, record_id, values, trusted_fields=frozenset(values))


def _published_now(ctx: Context) -> dict[str, Any]:
    return {"status": "published", "published_at": ctx.now(), "published_by": ctx.actor.id}


def lock_article(ctx: Context, article_id: str) -> None:
    """Lock every version of the article ``article_id`` belongs to until the transaction ends.

    Publishing, republishing and making a new version read the article's versions, then write
    on what they read ("archive the published one", "no draft yet"). Two of them at once would
    both read the state before the other's write: two published versions, or two drafts. So each
    first locks the article's rows (SELECT ... FOR UPDATE on PostgreSQL, in id order so two
    lockers never deadlock) and only then reads the record and its versions: the second waits
    for the first's commit and sees what it did (PostgreSQL's READ COMMITTED gives each
    statement after the wait a fresh snapshot). SQLite needs no lock: a write transaction
    begins IMMEDIATE, so writers run one after the other.
    """
    if ctx.conn.dialect.name != "postgresql":
        return
    number = article_no_of(ctx, article_id)
    if number is None:
        return  # the records service answers 404
    t = ctx.object(ARTICLE).table
    ctx.conn.execute(
        sa.select(t.c.id).where(t.c.article_no == number).order_by(t.c.id).with_for_update()
    ).all()


def publish(ctx: Context, article_id: str) -> dict[str, Any]:
    """Publish a draft: the version it replaces is archived, a snapshot is filed."""
    lock_article(ctx, article_id)
    records = RecordsService(ctx)
    draft = records.get(ARTICLE, article_id)
    require_status(ctx, draft, ("draft",))
    for other in _versions(ctx, str(draft["article_no"]), status="published"):
        _set(ctx, other["id"], {"status": "archived"})
    published = _set(ctx, article_id, _published_now(ctx))
    snapshot = {
        "article": article_id,
        "article_no": published["article_no"],
        "version_number": published["version_number"],
        "title": published["title"],
        "summary": published.get("summary"),
        "body": published.get("body"),
        "change_note": published.get("change_note"),
        "published_at": published["published_at"],
        "published_by": ctx.actor.id,
    }
    records.create_many(VERSION, [snapshot], trusted_fields=frozenset(snapshot))
    return published


def new_version(ctx: Context, article_id: str) -> str:
    """A draft copy of a published version, numbered next; at most one draft per article."""
    lock_article(ctx, article_id)
    records = RecordsService(ctx)
    current = records.get(ARTICLE, article_id)
    require_status(ctx, current, ("published",))
    versions = _versions(ctx, str(current["article_no"]))
    drafts = [v for v in versions if v["status"] == "draft"]
    if drafts:
        raise Conflict("draft_exists", number=drafts[0]["version_number"])
    values = {name: current.get(name) for name in CONTENT_FIELDS if current.get(name) is not None}
    values["version_number"] = max(int(v["version_number"] or 1) for v in versions) + 1
    values["previous_version"] = article_id
    values.pop("change_note", None)  # the new version says what it changes
    # Owned by whoever makes it: the author of the change (the caller may not transfer).
    return records.create_many(
        ARTICLE, [values], trusted_fields=frozenset({"version_number", "previous_version"})
    )[0]


def archive(ctx: Context, article_id: str) -> dict[str, Any]:
    """Take a published version out of search (and of the portal); its row stays."""
    lock_article(ctx, article_id)
    current = RecordsService(ctx).get(ARTICLE, article_id)
    require_status(ctx, current, ("published",))
    return _set(ctx, article_id, {"status": "archived"})


def republish(ctx: Context, article_id: str) -> dict[str, Any]:
    """Publish an archived version again; the version published now is archived."""
    lock_article(ctx, article_id)
    current = RecordsService(ctx).get(ARTICLE, article_id)
    require_status(ctx, current, ("archived",))
    for other in _versions(ctx, str(current["article_no"]), status="published"):
        _set(ctx, other["id"], {"status": "archived"})
    return _set(ctx, article_id, _published_now(ctx))


def feedback(ctx: Context, article_id: str, *, helpful: bool) -> dict[str, int]:
    """Add one answer to a published version's helpful / not helpful counts.

    Readers may answer without edit access, so the count is written by the system actor (the
    reader's read access was checked by the action); one statement adds 1 to the stored count,
    so concurrent answers are not lost, and the write goes through the records service for
    history and outbox like any other."""
    current = RecordsService(ctx).get(ARTICLE, article_id)
    require_status(ctx, current, ("published",))
    name = "helpful_count" if helpful else "not_helpful_count"
    t = ctx.object(ARTICLE).table
    # Locked read of the stored count: concurrent answers queue instead of overwriting.
    stmt = sa.select(t.c[name]).where(t.c.id == article_id)
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    count = int(ctx.conn.execute(stmt).scalar() or 0) + 1
    system = ctx.as_system()
    updated = RecordsService(system).update(
        ARTICLE, article_id, {name: count}, trusted_fields=frozenset({name})
    )
    return {
        "helpful_count": int(updated.get("helpful_count") or 0),
        "not_helpful_count": int(updated.get("not_helpful_count") or 0),
    }


def count_view(ctx: Context, article: Mapping[str, Any]) -> int:
    """Count one view of an article opened by someone other than its author; the count now.

    A view is not an edit: one UPDATE adding 1 to the stored count, bypassing the records
    service on purpose. Through it, every reader's open would write a history entry, an audit
    line, an outbox event and a new ``updated_at`` (the article would look changed each time
    it is read, and the history of a popular article would be nothing but views); and a
    read-modify-write would lose concurrent views, which ``view_count + 1`` in the statement
    does not. The field is read-only to people, so nothing else writes it. The author's own
    opens (the owner's, or the creator's) do not count: writing an article means opening it
    many times.
    """
    current = int(article.get("view_count") or 0)
    actor = ctx.actor.id
    if actor is None or actor in {str(article.get("owner_id")), str(article.get("created_by"))}:
        return current
    t = ctx.object(ARTICLE).table
    ctx.conn.execute(
        sa.update(t)
        .where(t.c.id == article["id"])
        .values(view_count=sa.func.coalesce(t.c.view_count, 0) + 1)
    )
    found = ctx.conn.execute(sa.select(t.c.view_count).where(t.c.id == article["id"])).scalar()
    return int(found or 0)


def article_no_of(ctx: Context, article_id: str) -> str | None:
    """The number of a version (stored value; the caller's create already checked access)."""
    t = ctx.object(ARTICLE).table
    found = ctx.conn.execute(sa.select(t.c.article_no).where(t.c.id == article_id)).scalar()
    return None if found is None else str(found)


# ---------------------------------------------------------------- search and suggestions
def category_subtree(ctx: Context, category_id: str) -> list[str]:
    """A category and every category below it (a tree of tens of rows: read once, walked)."""
    t = ctx.object(CATEGORY).table
    rows = ctx.conn.execute(sa.select(t.c.id, t.c.parent).where(t.c.deleted_at.is_(None))).all()
    children: dict[str, list[str]] = {}
    for record_id, parent in rows:
        if parent is not None:
            children.setdefault(str(parent), []).append(str(record_id))
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue  # a loop made by hand in the data: stop rather than spin
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _filter(ctx: Context, *, category: str | None, visibility: str | None) -> dict[str, Any] | None:
    parts: list[dict[str, Any]] = []
    if category:
        parts.append({"field": "category", "op": "in", "value": category_subtree(ctx, category)})
    if visibility:
        parts.append({"field": "visibility", "op": "eq", "value": visibility})
    return {"and": parts} if parts else None


def snippet(text: str | None, terms: list[str]) -> str:
    """Up to SNIPPET_CHARS of the body around the first query term found, else its start."""
    if not text:
        return ""
    lowered = text.lower()
    positions = [p for p in (lowered.find(t) for t in terms) if p >= 0]
    start = max(0, min(positions) - SNIPPET_CHARS // 4) if positions else 0
    piece = text[start : start + SNIPPET_CHARS]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(text) else "")


def query_terms(text: str) -> list[str]:
    """The query's words as search matches them (CJK bigrams, word prefixes), for the client
    to highlight in titles and snippets."""
    terms = tokenize_query(text)
    return sorted({*terms.exact, *terms.prefixes}, key=lambda t: (-len(t), t))


def _records(ctx: Context, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    page = run_query(
        ctx,
        ARTICLE,
        QuerySpec(
            filter={"field": "id", "op": "in", "value": ids}, fields=LIST_FIELDS, limit=len(ids)
        ),
    )
    return {r["id"]: r for r in page["records"]}


def _hit(record: dict[str, Any], score: int | None, terms: list[str]) -> dict[str, Any]:
    body = record.pop("body_text", None)
    return {**record, "score": score, "snippet": snippet(body, terms)}


def search(
    ctx: Context,
    text: str,
    *,
    category: str | None = None,
    visibility: str | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """Published articles matching ``text`` best first (newest first without a text), narrowed
    to a category (with its subcategories) and a visibility."""
    where = _filter(ctx, category=category, visibility=visibility)
    text = text.strip()
    if not text:
        conditions: list[Any] = [{"field": "status", "op": "eq", "value": "published"}]
        if where is not None:
            conditions.append(where)
        page = run_query(
            ctx,
            ARTICLE,
            QuerySpec(
                filter={"and": conditions},
                sort=[{"field": "published_at", "direction": "desc"}],
                fields=LIST_FIELDS,
                limit=limit,
            ),
        )
        return {"results": [_hit(r, None, []) for r in page["records"]], "terms": []}
    hits = search_records(
        ctx, text, limit=limit, objects=[ARTICLE], where={ARTICLE: where} if where else None
    )
    terms = query_terms(text)
    found = _records(ctx, [h["id"] for h in hits])
    results = [_hit(found[h["id"]], h["score"], terms) for h in hits if h["id"] in found]
    return {"results": results, "terms": terms}


def suggestions(ctx: Context, case_id: str) -> dict[str, Any]:
    """The published articles that best match a case's subject (and description), any of its
    words counting, those already attached left out."""
    case = RecordsService(ctx).get("case", case_id)
    text = " ".join(str(case.get(f) or "") for f in ("subject", "description")).strip()
    if not text:
        return {"results": [], "terms": []}
    links = ctx.object(CASE_ARTICLE).table
    attached = {
        str(a)
        for a in ctx.conn.execute(
            sa.select(links.c.article).where(links.c.case == case_id, links.c.deleted_at.is_(None))
        ).scalars()
    }
    # The subject weighs most: it is searched alone first, the description only fills up.
    hits: list[dict[str, Any]] = []
    seen: set[str] = set(attached)
    for part in (str(case.get("subject") or ""), text):
        if len(hits) >= SUGGESTIONS or not part.strip():
            continue
        for hit in search_records(
            ctx, part, limit=SUGGESTIONS + len(attached), objects=[ARTICLE], any_term=True
        ):
            if hit["id"] not in seen and len(hits) < SUGGESTIONS:
                seen.add(hit["id"])
                hits.append(hit)
    terms = query_terms(str(case.get("subject") or ""))
    found = _records(ctx, [h["id"] for h in hits])
    results = [_hit(found[h["id"]], h["score"], terms) for h in hits if h["id"] in found]
    return {"results": results, "terms": terms}
