"""Knowledge base rules on every write, whoever writes (API, import, actions):

* an article's body is sanitised HTML and its plain text (``body_text``) is derived from it;
* a published or archived version's content is never changed in place (make a new version);
* a new version keeps its article's number;
* a case links a published article once, stamped with who attached it and when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.packages.service import knowledge
from keyi.platform.hooks import WriteEvent, registry

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("service")


@hooks.before_save(knowledge.ARTICLE)
def article_rules(ctx: Context, event: WriteEvent) -> None:
    old = event.old
    if old is not None and old.get("status") in ("published", "archived"):
        status = knowledge.status_label(ctx, old.get("status"))
        for name in knowledge.CONTENT_FIELDS:
            if name in event.values and event.values[name] != old.get(name):
                event.errors.add(name, "article_not_editable", status=status)
        if event.errors:
            return
    if "body" in event.values:
        body = event.values["body"]
        clean = knowledge.sanitise_html(body) if body else body
        event.values["body"] = clean
        event.values["body_text"] = knowledge.plain_text(clean) if clean else None
    if event.operation == "create" and event.values.get("previous_version"):
        number = knowledge.article_no_of(ctx, str(event.values["previous_version"]))
        if number is not None:
            event.values["article_no"] = number


@hooks.before_save(knowledge.CASE_ARTICLE)
def case_article_rules(ctx: Context, event: WriteEvent) -> None:
    article_id = event.final("article")
    if event.old is not None and article_id == event.old.get("article"):
        return
    if not article_id:
        return
    articles = ctx.object(knowledge.ARTICLE).table
    found = ctx.conn.execute(
        sa.select(articles.c.title, articles.c.status).where(articles.c.id == article_id)
    ).first()
    if found is None:
        return  # the records service names the missing reference
    if found.status != "published":
        event.errors.add("article", "article_not_published")
        return
    links = ctx.object(knowledge.CASE_ARTICLE).table
    taken = ctx.conn.execute(
        sa.select(links.c.id).where(
            links.c.case == event.final("case"),
            links.c.article == article_id,
            links.c.deleted_at.is_(None),
        )
    ).first()
    if taken is not None:
        event.errors.add("article", "already_attached")
        return
    event.values["title"] = found.title
    # Who linked this article, and when (a link pointed at another article is a new link).
    event.values["attached_by"] = ctx.actor.id
    event.values["attached_at"] = ctx.now()
