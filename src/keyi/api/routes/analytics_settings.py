"""The tenant's analytics settings (Setup › Analytics): the fiscal year's first month."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from keyi.api.context import request_context
from keyi.platform.analytics import settings

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


@router.get("/settings")
def get_settings(request: Request) -> AnalyticsSettings:
    """For every signed-in user: reports label fiscal periods with it."""
    with request_context(request) as ctx:
        return AnalyticsSettings(**settings.analytics_settings(ctx))


@router.put("/settings")
def put_settings(request: Request, body: AnalyticsSettings) -> AnalyticsSettings:
    """Administrators only; audited (`analytics.settings`); every process reads the new month
    on its next request."""
    with request_context(request, write=True) as ctx:
        found = settings.set_fiscal_year_start_month(ctx, body.fiscal_year_start_month)
        return AnalyticsSettings(**found)
