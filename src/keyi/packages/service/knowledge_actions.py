"""Knowledge article actions: publish, new version, archive, restore (keyi.packages.service
.knowledge). Status steps are checked by the service (409 ``invalid_status`` naming the
version's status), so a refused step tells the user why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from keyi.packages.service import knowledge
from keyi.platform.actions import registry
from keyi.platform.context import Context

actions = registry.package("service")


class StatusResult(BaseModel):
    status: str


class VersionCreated(BaseModel):
    article_id: str


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    helpful: bool


class FeedbackResult(BaseModel):
    helpful_count: int
    not_helpful_count: int


def in_status(*allowed: str) -> Callable[[Context, dict[str, Any]], bool]:
    """The menu offers the action only in these statuses; elsewhere it answers 409."""

    def check(ctx: Context, record: dict[str, Any]) -> bool:
        knowledge.require_status(ctx, record, allowed)
        return True

    return check


@actions.record(
    knowledge.ARTICLE,
    "publish",
    labels={"en": "Publish", "zh-CN": "发布"},
    available=in_status("draft"),
    output=StatusResult,
)
def article_publish(ctx: Context, record: dict[str, Any], payload: None) -> StatusResult:
    """Publish this draft; the version it replaces is archived and a snapshot is kept."""
    return StatusResult(status=str(knowledge.publish(ctx, record["id"])["status"]))


@actions.record(
    knowledge.ARTICLE,
    "new_version",
    labels={"en": "New version", "zh-CN": "新版本"},
    available=in_status("published"),
    output=VersionCreated,
)
def article_new_version(ctx: Context, record: dict[str, Any], payload: None) -> VersionCreated:
    """A draft copy of this published version with the next version number."""
    return VersionCreated(article_id=knowledge.new_version(ctx, record["id"]))


@actions.record(
    knowledge.ARTICLE,
    "archive",
    labels={"en": "Archive", "zh-CN": "归档"},
    available=in_status("published"),
    output=StatusResult,
)
def article_archive(ctx: Context, record: dict[str, Any], payload: None) -> StatusResult:
    """Take this version out of search; it stays readable in the article's history."""
    return StatusResult(status=str(knowledge.archive(ctx, record["id"])["status"]))


@actions.record(
    knowledge.ARTICLE,
    "republish",
    labels={"en": "Publish again", "zh-CN": "重新发布"},
    available=in_status("archived"),
    output=StatusResult,
)
def article_republish(ctx: Context, record: dict[str, Any], payload: None) -> StatusResult:
    """Publish this archived version again (the version published now is archived)."""
    return StatusResult(status=str(knowledge.republish(ctx, record["id"])["status"]))


@actions.record(
    knowledge.ARTICLE,
    "feedback",
    labels={"en": "Was this helpful?", "zh-CN": "是否有帮助"},
    available=in_status("published"),
    access="read",
    input=FeedbackBody,
    output=FeedbackResult,
)
def article_feedback(ctx: Context, record: dict[str, Any], payload: FeedbackBody) -> FeedbackResult:
    """Count a reader's answer to "was this helpful?" (any reader of a published version)."""
    return FeedbackResult(**knowledge.feedback(ctx, record["id"], helpful=payload.helpful))


class ViewResult(BaseModel):
    view_count: int


@actions.record(
    knowledge.ARTICLE,
    "view",
    labels={"en": "Count a view", "zh-CN": "记录浏览"},
    access="read",
    menu=False,
    output=ViewResult,
)
def article_view(ctx: Context, record: dict[str, Any], payload: None) -> ViewResult:
    """The article page opened it: one view more unless the caller is its author (or the
    version is not published: drafts are opened by their reviewers); the count now."""
    if record.get("status") != "published":
        return ViewResult(view_count=int(record.get("view_count") or 0))
    return ViewResult(view_count=knowledge.count_view(ctx, record))
