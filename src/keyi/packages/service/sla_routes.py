"""The service-level endpoints: a preview of the due times a case would get (Setup's calendar
and policy screens ask it "what is due if a case starts at …")."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from keyi.api.context import request_context
from keyi.packages.service import sla
from keyi.platform.access.model import Operation
from keyi.platform.context import Context
from keyi.platform.errors import FieldErrors, Forbidden, NotFound
from keyi.platform.hooks import installed_packages
from keyi.platform.i18n import MESSAGES

router = APIRouter(prefix="/api/v1/service/sla", tags=["service"])

MESSAGES.update(
    {
        "unknown_policy": {
            "en": "There is no SLA policy with this key.",
            "zh-CN": "没有此标识的服务等级协议。",
        },
        "no_target": {
            "en": "The policy has no target for this priority (and grade).",
            "zh-CN": "该协议没有此优先级（及客户级别）的时限。",
        },
        "unknown_priority": {
            "en": "The priority is one of low, medium, high, urgent.",
            "zh-CN": "优先级应为 low、medium、high、urgent 之一。",
        },
        "unknown_grade": {
            "en": "The account grade is one of A, B, C, D.",
            "zh-CN": "客户级别应为 A、B、C、D 之一。",
        },
        "datetime_needs_offset": {
            "en": "Give an ISO 8601 date and time with its offset, e.g. 2026-12-04T17:00:00+08:00.",
            "zh-CN": "请填写带时区偏移的 ISO 8601 时间，如 2026-12-04T17:00:00+08:00。",
        },
    }
)


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str = Field(max_length=60, description="The policy's key, e.g. standard.")
    priority: str = Field(max_length=20, description="low, medium, high or urgent.")
    start: str = Field(max_length=40, description="When the case starts: ISO 8601 with its offset.")
    account_grade: str | None = Field(
        None, max_length=5, description="The account's grade (A–D): its own target wins."
    )


class PreviewAnswer(BaseModel):
    policy: str
    calendar: str
    time_zone: str
    priority: str
    account_grade: str | None
    start: str = Field(description="The start, in the calendar's time zone.")
    first_response_due: str = Field(description="ISO 8601 with the calendar's offset.")
    resolution_due: str = Field(description="ISO 8601 with the calendar's offset.")
    first_response_minutes: float = Field(description="The target, in business minutes.")
    resolution_minutes: float = Field(description="The target, in business minutes.")
    warnings: list[str] = Field(
        description="E.g. china_holidays_not_covered:2027 — China's holiday data (the "
        "chinesecalendar library) has no such year yet: those days follow the weekday rules."
    )


def _require(ctx: Context) -> None:
    if "service" not in installed_packages(ctx):
        raise NotFound()
    if not ctx.policy.can(ctx.object("sla_policy"), Operation.READ):
        raise Forbidden()


@router.post("/preview")
def post_preview(request: Request, body: PreviewRequest) -> PreviewAnswer:
    """The first-response and resolution due times a case of this priority (and account
    grade) would get under the policy if it started at ``start`` — the same computation as a
    new case's."""
    with request_context(request) as ctx:
        _require(ctx)
        errors = FieldErrors()
        if body.priority not in sla.PRIORITIES:
            errors.add("priority", "unknown_priority")
        if body.account_grade is not None and body.account_grade not in ("A", "B", "C", "D"):
            errors.add("account_grade", "unknown_grade")
        start = None
        try:
            start = datetime.fromisoformat(body.start.replace("Z", "+00:00"))
            if start.tzinfo is None:
                errors.add("start", "datetime_needs_offset")
        except ValueError:
            errors.add("start", "datetime_needs_offset")
        policy = sla.policy_by_key(ctx, body.policy)
        if policy is None:
            errors.add("policy", "unknown_policy")
        errors.raise_if_any()
        assert policy is not None and start is not None
        calendar = sla.load_calendar(ctx, policy.calendar_id)
        target = sla.pick_target(sla.targets_of(ctx, policy.id), body.priority, body.account_grade)
        if target is None:
            errors.add("priority", "no_target")
        if calendar is None or not calendar.has_hours:
            errors.add("policy", "calendar_without_hours")
        errors.raise_if_any()
        assert calendar is not None and target is not None
        due, uncovered = sla.preview(calendar, target, start)
        table = ctx.object("business_calendar").table
        calendar_key = ctx.conn.execute(
            table.select().with_only_columns(table.c.key).where(table.c.id == policy.calendar_id)
        ).scalar_one()
        return PreviewAnswer(
            policy=policy.key,
            calendar=calendar_key,
            time_zone=calendar.tz.key,
            priority=body.priority,
            account_grade=body.account_grade,
            start=start.astimezone(calendar.tz).isoformat(),
            first_response_due=due.first_response.isoformat(),
            resolution_due=due.resolution.isoformat(),
            first_response_minutes=target.first_response,
            resolution_minutes=target.resolution,
            warnings=[f"china_holidays_not_covered:{y}" for y in uncovered],
        )
