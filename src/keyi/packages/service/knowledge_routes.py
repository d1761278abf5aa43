"""Knowledge base endpoints that are not actions on one record: searching published articles
and the articles suggested for a case. Attaching an article to a case is a ``case_article``
record (the generic records API); publishing and versions are ``knowledge_article`` actions."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from keyi.api.context import request_context
from keyi.packages.service import knowledge
from keyi.platform.context import Context
from keyi.platform.errors import NotFound
from keyi.platform.hooks import installed_packages

router = APIRouter(prefix="/api/v1/service", tags=["service"])


class ArticleHit(BaseModel):
    """A published article found, with the fields a result list shows."""

    id: str
    title: str | None = None
    article_no: str | None = None
    summary: str | None = None
    category: str | None = None
    visibility: str | None = None
    status: str | None = None
    language: str | None = None
    version_number: int | None = None
    published_at: str | None = None
    score: int | None = Field(description="Search rank (higher is better); null when browsing.")
    snippet: str = Field(description="Plain text of the body around the first matching term.")

    model_config = {"extra": "allow"}


class ArticleResults(BaseModel):
    results: list[ArticleHit]
    terms: list[str] = Field(
        description="The query's terms as search matched them (CJK bigrams, word prefixes), "
        "to highlight in titles and snippets."
    )


def _require_service(ctx: Context) -> None:
    if "service" not in installed_packages(ctx):
        raise NotFound()


@router.get("/knowledge/search")
def search_articles(
    request: Request,
    q: str = Query("", max_length=200, description="Words to find; empty: newest first."),
    category: str | None = Query(
        None,
        pattern=r"^[0-9a-fA-F-]{36}$",
        description="A category id: articles in it and in its subcategories.",
    ),
    visibility: Literal["internal", "public"] | None = Query(None),
    limit: int = Query(20, ge=1, le=knowledge.MAX_SEARCH),
) -> ArticleResults:
    """Published articles the caller may read, best match first, through the CJK search."""
    with request_context(request) as ctx:
        _require_service(ctx)
        found = knowledge.search(ctx, q, category=category, visibility=visibility, limit=limit)
        return ArticleResults.model_validate(_jsonable(found))


@router.get("/cases/{case_id}/suggested_articles")
def suggested_articles(request: Request, case_id: str) -> ArticleResults:
    """Up to five published articles matching the case's subject (then description), those
    attached to the case already left out. 404 for a case the caller may not read."""
    with request_context(request) as ctx:
        _require_service(ctx)
        return ArticleResults.model_validate(_jsonable(knowledge.suggestions(ctx, case_id)))


def _jsonable(found: dict[str, Any]) -> dict[str, Any]:
    results = []
    for r in found["results"]:
        row = dict(r)
        if row.get("published_at") is not None and not isinstance(row["published_at"], str):
            row["published_at"] = row["published_at"].isoformat()
        results.append(row)
    return {"results": results, "terms": found["terms"]}
