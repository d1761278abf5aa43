"""Segment actions: put a segment's people in a campaign; add people to a static list and take
them off it from the contact and lead lists. Each runs as the caller (see
keyi.packages.marketing.segments)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keyi.packages.marketing import segments
from keyi.platform.actions import registry
from keyi.platform.context import Context

actions = registry.package("marketing")

MAX_IDS = 1000
RecordId = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{36}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddToCampaign(_Body):
    campaign: RecordId = Field(description="The campaign the people join.")
    status: str = Field(
        "invited", max_length=40, description="The new members' status (campaign_member.status)."
    )


class CampaignAdded(BaseModel):
    added: int = Field(description="New campaign members.")
    skipped: int = Field(description="People already members of the campaign.")
    total: int = Field(description="People of the segment the caller may read.")


class SegmentPeople(_Body):
    segment: RecordId = Field(description="A static segment of this object.")
    ids: list[RecordId] = Field(min_length=1, max_length=MAX_IDS)


class MembersAdded(BaseModel):
    added: int
    skipped: int = Field(description="Already on the list.")
    not_found: list[str] = Field(description="Ids the caller cannot read (or that do not exist).")


class MembersRemoved(BaseModel):
    removed: int
    not_found: list[str] = Field(description="Ids that were not on the list.")


@actions.record(
    "segment",
    "add_to_campaign",
    labels={"en": "Add to campaign", "zh-CN": "加入市场活动"},
    input=AddToCampaign,
    output=CampaignAdded,
    access="read",
    # The segment's page asks for the campaign with a picker (web/src/marketing): the generic
    # action form has no lookup input.
    menu=False,
)
def segment_add_to_campaign(
    ctx: Context, record: dict[str, Any], payload: AddToCampaign
) -> CampaignAdded:
    """Make the segment's people (those the caller may read) members of a campaign; people
    already members are skipped, so running it again adds only the newcomers."""
    done = segments.add_to_campaign(ctx, record, payload.campaign, payload.status)
    return CampaignAdded(**done)


def _list_actions(object_name: str) -> None:
    @actions.object(
        object_name,
        "add_to_segment",
        labels={"en": "Add to segment", "zh-CN": "加入分群名单"},
        input=SegmentPeople,
        output=MembersAdded,
        access="read",
    )
    def add_to_segment(ctx: Context, payload: SegmentPeople) -> MembersAdded:
        """Put the selected people on a static segment (those on it already are skipped)."""
        return MembersAdded(**segments.add_members(ctx, object_name, payload.segment, payload.ids))

    @actions.object(
        object_name,
        "remove_from_segment",
        labels={"en": "Remove from segment", "zh-CN": "移出分群名单"},
        input=SegmentPeople,
        output=MembersRemoved,
        access="read",
    )
    def remove_from_segment(ctx: Context, payload: SegmentPeople) -> MembersRemoved:
        """Take the selected people off a static segment."""
        done = segments.remove_members(ctx, object_name, payload.segment, payload.ids)
        return MembersRemoved(**done)


for _object in segments.AUDIENCE_OBJECTS:
    _list_actions(_object)
