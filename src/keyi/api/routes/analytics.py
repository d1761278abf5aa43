"""Sales analytics over the tenant's pipeline: the funnel and the pipeline movement.

Both read the pipeline object a package declares (keyi.platform.analytics.pipeline: the sales
package's opportunity) through the reader's query plan, so they count exactly the records the
reader's list would show.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, WithJsonSchema

from keyi.api.bodies import Filter, StrictBody
from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse, ExactNumbersRoute
from keyi.api.traits import read_only
from keyi.platform.analytics.funnel import run_funnel
from keyi.platform.analytics.movement import run_movement

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], route_class=ExactNumbersRoute)

PERIOD_SCHEMA: dict[str, Any] = {
    "description": "A relative period of the filter language (`this_month`, `last_n_days:30`, "
    "`this_fiscal_quarter`, ...) or `{from, to}` dates (YYYY-MM-DD, both included).",
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
            },
            "required": ["from", "to"],
            "additionalProperties": False,
        },
    ],
}
# Checked by keyi.platform.analytics.movement.period_range, which names `period.from` / `.to`.
Period = Annotated[Any, WithJsonSchema(PERIOD_SCHEMA)]
Money = Annotated[Any, WithJsonSchema({"type": ["number", "null"]})]


class FunnelBody(StrictBody):
    filter: Filter = None
    pipeline: str | None = Field(
        default=None, max_length=64, description="One sales process (the `pipeline` picklist)."
    )


class FunnelStage(BaseModel):
    stage: str
    label: str
    count: int = Field(description="Records that reached the stage (at it or further on).")
    amount: Money = Field(description="Their amount; null when the amount field is hidden.")
    conversion_rate: Money = Field(
        description="Percent of them that reached the next stage (won after the last open one)."
    )
    won: bool = False


class FunnelTally(BaseModel):
    count: int
    amount: Money


class FunnelResult(BaseModel):
    object: str
    stage_field: str
    stages: list[FunnelStage]
    won: FunnelTally
    lost: FunnelTally
    total: FunnelTally
    win_rate: Money


class MovementBody(StrictBody):
    period: Period = Field(description=PERIOD_SCHEMA["description"])
    filter: Filter = None


class MovementCategory(BaseModel):
    count: int
    amount: Money
    ids: list[str] = Field(description="The first 200 records (oldest first), for drill-down.")
    truncated: bool


class MovementPeriod(BaseModel):
    start: str = Field(alias="from")
    to: str


class MovementResult(BaseModel):
    object: str
    period: MovementPeriod
    entered: MovementCategory
    advanced: MovementCategory
    slipped: MovementCategory
    won: MovementCategory
    lost: MovementCategory


@router.post("/funnel", response_model=FunnelResult)
@read_only
def funnel(request: Request, body: FunnelBody) -> JSONResponse:
    """Per open stage in pipeline order (then won): how many records reached it, their amount,
    and the conversion rate to the next stage. A lost record reached the stages its field
    history shows it passed (else only the first)."""
    with request_context(request) as ctx:
        return ExactJSONResponse(run_funnel(ctx, filter=body.filter, pipeline=body.pipeline))


@router.post("/pipeline-movement", response_model=MovementResult)
@read_only
def pipeline_movement(request: Request, body: MovementBody) -> JSONResponse:
    """What entered the pipeline in the period (created), advanced (stage moved forward),
    slipped (close date pushed past the period's end), was won and was lost (closed in the
    period): counts, amounts and the first 200 record ids of each."""
    with request_context(request) as ctx:
        return ExactJSONResponse(run_movement(ctx, period=body.period, filter=body.filter))
