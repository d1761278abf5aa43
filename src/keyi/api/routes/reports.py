"""Reports: run a definition (saved reports, folders and exports build on the same models)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field, StrictBool, StrictInt

from keyi.api.bodies import Filter, StrictBody
from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse, ExactNumbersRoute
from keyi.api.traits import read_only
from keyi.platform.analytics.run import run_report
from keyi.platform.analytics.spec import MAX_AGGREGATES, REPORT_TYPES, ReportSpec
from keyi.platform.query.aggregate import AGG_OPS, BUCKETS

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], route_class=ExactNumbersRoute)


class Grouping(StrictBody):
    field: str = Field(description="A field or a lookup path (`account.province`).")
    bucket: Literal[BUCKETS] | None = Field(  # type: ignore[valid-type]
        default=None, description="Dates and date-times only; fiscal buckets follow the tenant."
    )


class Measure(StrictBody):
    op: Literal[AGG_OPS]  # type: ignore[valid-type]
    field: str | None = Field(default=None, description="Not for a plain `count`.")
    percent_of_total: StrictBool = Field(
        default=False, description="Adds `percent_<value>`: each group's share of the total."
    )


class ReportSort(StrictBody):
    key: str = Field(description="A grouping's field, or a value name (`sum_amount`).")
    direction: Literal["asc", "desc"] = "asc"


class ReportDefinition(StrictBody):
    """What a report computes, over one object and its lookup paths."""

    object: str = Field(max_length=64)
    type: Literal[REPORT_TYPES] = "summary"  # type: ignore[valid-type]
    filter: Filter = None
    group_by: list[Grouping] = Field(
        default_factory=list, description="Rows: up to 3 (summary) or 2 (matrix)."
    )
    column_group_by: list[Grouping] = Field(
        default_factory=list, description="Matrix only: 1 or 2 column groupings."
    )
    aggregates: list[Measure] = Field(
        default_factory=lambda: [Measure(op="count")], min_length=1, max_length=MAX_AGGREGATES
    )
    columns: list[str] | None = Field(
        default=None, description="Record fields of a tabular report and of a drill-down."
    )
    sort: list[ReportSort] = Field(default_factory=list, max_length=5)
    limit: StrictInt | None = Field(default=None, ge=1, description="Rows or groups.")
    date_field: str | None = Field(
        default=None,
        description="The date a dashboard's period filter applies to (default: the first "
        "date grouping's field, else `created_at`).",
    )

    def spec(self) -> ReportSpec:
        return ReportSpec.from_json(self.model_dump(exclude_none=True))


class RunBody(ReportDefinition):
    drill: dict[str, Any] | None = Field(
        default=None,
        description='A group\'s key (`{"stage": "won"}`): answers that group\'s records.',
    )
    cursor: str | None = None


@router.post("/run", response_model=dict[str, Any])
@read_only
def run_unsaved(request: Request, body: RunBody) -> JSONResponse:
    """Run a definition without saving it: a summary answers `groups` as the aggregate API
    does for the same body, plus `subtotals` and `totals`; a matrix `groups` (cells) with
    `row_totals` and `column_totals`; a tabular report `records` and `totals`."""
    definition = ReportDefinition.model_validate(body.model_dump(exclude={"drill", "cursor"}))
    with request_context(request) as ctx:
        return ExactJSONResponse(
            run_report(ctx, definition.spec(), drill=body.drill, cursor=body.cursor)
        )
