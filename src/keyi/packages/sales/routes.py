"""The sales package's own endpoints: what is not an action on a record (target attainment)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from keyi.api.context import request_context
from keyi.packages.sales.targets import MetricName, attainment
from keyi.platform.errors import NotFound
from keyi.platform.hooks import installed_packages

router = APIRouter(prefix="/api/v1/analytics/targets", tags=["analytics"])


class AttainmentRow(BaseModel):
    """A rep's or a department's attainment; numbers are exact decimal strings."""

    kind: Literal["user", "department"]
    id: str
    name: str
    target: str | None = Field(
        description="The target; a department without its own: its members' and "
        "sub-departments' summed. Null when none is set."
    )
    actual: str
    attainment_percent: str | None = Field(description="actual ÷ target × 100, to 0.01.")
    gap: str | None = Field(description="target − actual (negative once exceeded).")
    projected: str | None = Field(
        description="actual ÷ the share of the period elapsed; null before the period starts."
    )
    on_track: bool | None = Field(description="projected ≥ target.")
    department: str | None = Field(default=None, description="A rep's department.")
    parent: str | None = Field(default=None, description="A department's parent department.")


class AttainmentPeriod(BaseModel):
    start: date
    end: date = Field(description="The period's last day.")
    elapsed_percent: str = Field(description="Days elapsed, today included, in the tenant's zone.")


class AttainmentWarning(BaseModel):
    code: Literal["exchange_rate_missing"]
    currency: str = Field(description="A currency without an exchange rate today.")
    field: str = Field(description="The money field whose amounts in it were left out.")


class Attainment(BaseModel):
    metric: MetricName
    period_type: Literal["month", "quarter", "year"]
    currency: str | None = Field(description="The amounts' currency (money metrics only).")
    period: AttainmentPeriod
    rows: list[AttainmentRow] = Field(description="Departments in tree order, then reps.")
    warnings: list[AttainmentWarning] = Field(
        default_factory=list,
        description="Money metrics are summed in the tenant's currency at today's rates (as "
        "reports); amounts in a currency without a rate are left out and listed here.",
    )


@router.get("/attainment")
def get_attainment(
    request: Request,
    metric: MetricName = Query(description="What is measured."),
    period_type: Literal["month", "quarter", "year"] = Query(
        description="Quarters and years follow the tenant's fiscal year."
    ),
    period_start: date = Query(description="The period's first day."),
    department: str | None = Query(
        None, max_length=36, description="Only this department and those below it."
    ),
) -> Attainment:
    """Targets against actuals per rep and department for one metric and period: actuals over
    the records the caller may see, rows for the reps (and departments) whose targets the
    caller may read — a rep reading only their own targets gets their own row."""
    with request_context(request) as ctx:
        if "sales" not in installed_packages(ctx):
            raise NotFound()
        return Attainment.model_validate(
            attainment(
                ctx,
                metric=metric,
                period_type=period_type,
                period_start=period_start,
                department=department,
            )
        )
