"""Segment endpoints that are not actions on one record: the live count of a saved segment
or of conditions being built, and a page of a segment's people for the builder's preview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from keyi.api.context import request_context
from keyi.packages.marketing import segments
from keyi.packages.marketing.audience import audience_count, load_segment
from keyi.platform.context import Context
from keyi.platform.errors import NotFound
from keyi.platform.hooks import installed_packages

router = APIRouter(prefix="/api/v1/segments", tags=["marketing"])


class SegmentCount(BaseModel):
    count: int = Field(description="People matching, among those the caller may read.")


class CountBody(BaseModel):
    """Conditions not saved yet, counted as the builder edits them."""

    model_config = ConfigDict(extra="forbid")

    object: str = Field(description="contact or lead", max_length=48)
    filter: dict[str, Any] | None = Field(
        None, description="A filter tree over the object (null or {}: everyone)."
    )


class MemberPage(BaseModel):
    records: list[dict[str, Any]] = Field(
        description="The people, by name: id, name, title, email, mobile and account (contacts) "
        "or company (leads) where the caller may read them, with `_display` for lookups."
    )
    next_cursor: str | None


def _require_marketing(ctx: Context) -> None:
    if "marketing" not in installed_packages(ctx):
        raise NotFound()


@router.post("/count")
def count_conditions(request: Request, body: CountBody) -> SegmentCount:
    """How many contacts or leads the caller may read match the conditions (422 naming the
    condition, `filter.and.0.field`, when they do not compile)."""
    with request_context(request) as ctx:
        _require_marketing(ctx)
        return SegmentCount(count=segments.count_filter(ctx, body.object, body.filter))


@router.get("/{segment_id}/count")
def count_segment(request: Request, segment_id: str) -> SegmentCount:
    """How many people the segment holds among those the caller may read — what the aggregate
    API counts for the segment's filter. 404 for a segment the caller may not read."""
    with request_context(request) as ctx:
        _require_marketing(ctx)
        return SegmentCount(count=audience_count(ctx, load_segment(ctx, segment_id)))


@router.get("/{segment_id}/members")
def segment_members(
    request: Request,
    segment_id: str,
    limit: int = Query(20, ge=1, le=segments.MAX_PREVIEW),
    cursor: str | None = Query(None, max_length=2000),
) -> MemberPage:
    """A page of the segment's people the caller may read, by name."""
    with request_context(request) as ctx:
        _require_marketing(ctx)
        segment = load_segment(ctx, segment_id)
        page = segments.members_page(ctx, segment, limit=limit, cursor=cursor)
        return MemberPage.model_validate(page)
