"""The tenant's analytics settings (Setup › Analytics): the fiscal year's first month, and how
long a dashboard widget's answer is kept."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from keyi.api.context import request_context
from keyi.platform.analytics import settings
from keyi.platform.errors import Forbidden

router = APIRouter(prefix="/api/v1/analytics", tags=["reports"])


class AnalyticsSettings(BaseModel):
    # Strict: "4" or 4.0 is a field error, not a silent April.
    model_config = ConfigDict(extra="forbid", strict=True)

    fiscal_year_start_month: int = Field(
        ge=1,
        le=12,
        description="The month the fiscal year starts in (1 = January: the calendar year). "
        "Fiscal quarters and years in filters (`this_fiscal_quarter`) and groupings follow it; "
        "a fiscal year is named by the calendar year it starts in.",
    )
    dashboard_answer_minutes: int = Field(
        ge=0,
        le=1440,
        description="How long a dashboard widget's answer is kept per report, filters and "
        "reader's access, shown with its time (default 15; 0: every view computes again).",
    )


class AnalyticsSettingsChanges(BaseModel):
    """The settings to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid", strict=True)

    fiscal_year_start_month: int = Field(default=None, ge=1, le=12)  # type: ignore[assignment]
    dashboard_answer_minutes: int = Field(default=None, ge=0, le=1440)  # type: ignore[assignment]


@router.get("/settings")
def get_settings(request: Request) -> AnalyticsSettings:
    """For every signed-in user: reports label fiscal periods with it."""
    with request_context(request) as ctx:
        return AnalyticsSettings(**settings.analytics_settings(ctx))


@router.put("/settings")
def put_settings(request: Request, body: AnalyticsSettingsChanges) -> AnalyticsSettings:
    """Administrators only; audited (`analytics.settings`); every process reads the new values
    on its next request. A value given as null is refused (422), one left out is kept."""
    with request_context(request, write=True) as ctx:
        if not ctx.policy.can_manage_metadata():
            raise Forbidden()
        found = settings.analytics_settings(ctx)
        if "fiscal_year_start_month" in body.model_fields_set:
            found = settings.set_fiscal_year_start_month(ctx, body.fiscal_year_start_month)
        if "dashboard_answer_minutes" in body.model_fields_set:
            found = settings.set_answer_minutes(ctx, body.dashboard_answer_minutes)
        return AnalyticsSettings(**found)
