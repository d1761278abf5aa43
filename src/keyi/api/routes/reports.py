"""Reports: run a definition, saved reports (CRUD, recycle bin, run) and their exports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field, StrictBool, StrictInt

from keyi.api.bodies import Filter, StrictBody
from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse, ExactNumbersRoute
from keyi.api.params import uuid_param
from keyi.api.routes.records import parse_version
from keyi.api.traits import read_only
from keyi.platform.analytics import export
from keyi.platform.analytics import reports as store
from keyi.platform.analytics.reports import CHART_TYPES
from keyi.platform.analytics.run import run_report
from keyi.platform.analytics.spec import MAX_AGGREGATES, REPORT_TYPES, ReportSpec
from keyi.platform.i18n import label
from keyi.platform.query.aggregate import AGG_OPS, BUCKETS

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], route_class=ExactNumbersRoute)
# Exports stream a file, not JSON: say so in the OpenAPI document.
EXPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as xlsx or CSV (UTF-8)",
        "content": {export.MEDIA_TYPES["xlsx"]: {}, "text/csv": {}},
    }
}


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


# ------------------------------------------------------------------ saved reports
Labels = str | dict[str, str]


class Chart(StrictBody):
    """How the web app draws the report: `x` and `series` name groupings, `value` a value."""

    type: Literal[CHART_TYPES]  # type: ignore[valid-type]
    x: str | None = Field(default=None, description="A grouping's field.")
    series: str | None = Field(default=None, description="A second grouping's field.")
    value: str | None = Field(default=None, description="A value name (`sum_amount`).")
    target: Decimal | None = Field(default=None, description="A KPI's goal.")
    horizontal: StrictBool = False


class ReportInput(StrictBody):
    name: Labels = Field(description='Plain text, or per language: {"zh-CN": …, "en": …}.')
    description: Labels | None = None
    folder_id: str | None = Field(default=None, description="None: the author's own report.")
    definition: ReportDefinition
    chart: Chart | None = None


class ReportChange(StrictBody):
    """What to change (a PATCH), and `version` unless If-Match says it."""

    name: Labels | None = None
    description: Labels | None = None
    folder_id: str | None = None
    definition: ReportDefinition | None = None
    chart: Chart | None = None
    version: StrictInt | None = None


class SavedRunBody(StrictBody):
    drill: dict[str, Any] | None = Field(default=None, description="A group's key.")
    cursor: str | None = None
    filter: Filter = Field(
        default=None, description="Another filter, ANDed with the report's (a dashboard's)."
    )


class SavedExportBody(StrictBody):
    filter: Filter = Field(default=None, description="Another filter, ANDed with the report's.")


ExportFormat = Literal["xlsx", "csv"]


def _body_data(body: ReportInput | ReportChange) -> dict[str, Any]:
    """The fields the caller sent, with the definition and chart as stored JSON."""
    data = body.model_dump(exclude_unset=True, exclude={"definition", "chart", "version"})
    for key in ("definition", "chart"):
        if key in body.model_fields_set:
            value = getattr(body, key)
            data[key] = value.model_dump(exclude_none=True) if value is not None else None
    return data


def _with_filter(spec: ReportSpec, extra: Any) -> ReportSpec:
    if extra:
        spec.filter = {"and": [spec.filter, extra]} if spec.filter else extra
    return spec


@router.get("", response_model=dict[str, Any])
def list_reports(
    request: Request,
    folder_id: str | None = Query(None, max_length=36),
    q: str | None = Query(None, max_length=200),
    deleted: bool = Query(False, description="The recycle bin (reports you may restore)."),
) -> JSONResponse:
    """Reports in the folders the caller reads, and their own; newest first."""
    with request_context(request) as ctx:
        found = store.list_reports(ctx, folder_id=folder_id, q=q, deleted=deleted)
        return ExactJSONResponse({"reports": found})


@router.post("", status_code=201, response_model=dict[str, Any])
def create_report(request: Request, body: ReportInput) -> JSONResponse:
    """Save a report. Its definition is compiled as its author sees the data: a field the
    author may not see is a per-field error (`definition.group_by.0.field`)."""
    with request_context(request, write=True) as ctx:
        report = store.create_report(ctx, _body_data(body))
        return ExactJSONResponse(report, status_code=201, headers=_etag(report))


@router.get("/{report_id}", response_model=dict[str, Any])
def get_report(report_id: str, request: Request) -> JSONResponse:
    with request_context(request) as ctx:
        report = store.get_report(ctx, uuid_param(report_id))
        return ExactJSONResponse(report, headers=_etag(report))


@router.patch("/{report_id}", response_model=dict[str, Any])
def update_report(report_id: str, request: Request, body: ReportChange) -> JSONResponse:
    """Its owner's or its folder's managers' edit; a stale `version` or If-Match is a 412."""
    version = parse_version(
        request.headers.get("if-match"),
        {"version": body.version} if body.version is not None else None,
    )
    with request_context(request, write=True) as ctx:
        report = store.update_report(
            ctx, uuid_param(report_id), _body_data(body), expected_version=version
        )
        return ExactJSONResponse(report, headers=_etag(report))


@router.delete("/{report_id}", status_code=204)
def delete_report(report_id: str, request: Request) -> Response:
    """Into the recycle bin (`GET /reports?deleted=true`, `POST /reports/{id}/restore`)."""
    version = parse_version(request.headers.get("if-match"))
    with request_context(request, write=True) as ctx:
        store.delete_report(ctx, uuid_param(report_id), expected_version=version)
    return Response(status_code=204)


@router.post("/{report_id}/restore", response_model=dict[str, Any])
def restore_report(report_id: str, request: Request) -> JSONResponse:
    with request_context(request, write=True) as ctx:
        report = store.restore_report(ctx, uuid_param(report_id))
        return ExactJSONResponse(report, headers=_etag(report))


@router.post("/{report_id}/run", response_model=dict[str, Any])
@read_only
def run_saved(report_id: str, request: Request, body: SavedRunBody) -> JSONResponse:
    """As `POST /reports/run`, for the caller: a field of the report they may not see is a
    403 (`report_field_hidden`), not a report silently missing a part."""
    with request_context(request) as ctx:
        spec, _ = store.saved_spec(ctx, uuid_param(report_id))
        result = run_report(
            ctx, _with_filter(spec, body.filter), saved=True, drill=body.drill, cursor=body.cursor
        )
        return ExactJSONResponse(result)


@router.post("/export", response_class=StreamingResponse, responses=EXPORT_RESPONSE)
@read_only
def export_unsaved(
    request: Request,
    body: ReportDefinition,
    format: ExportFormat = Query("xlsx", description="xlsx or csv"),
) -> StreamingResponse:
    """A definition as a spreadsheet, without saving it (see the saved report's export). An
    export reads: a read-only API key may export (and its export is audited like any)."""
    spec = body.spec()
    with request_context(request, write=True) as ctx:
        title = label(ctx.object(spec.object).definition.labels, ctx.locale, spec.object)
        sheet = export.prepare(
            ctx,
            spec,
            title=title,
            saved=False,
            open_context=lambda: request_context(request),
            fmt=format,
        )
        ctx.audit("report.export", object_name=spec.object, format=format, report_id=None)
        filename = _filename(title, ctx.now().strftime("%Y%m%d-%H%M"), format)
    return _streamed(sheet, format, filename)


@router.post("/{report_id}/export", response_class=StreamingResponse, responses=EXPORT_RESPONSE)
@read_only
def export_saved(
    report_id: str,
    request: Request,
    body: SavedExportBody | None = None,
    format: ExportFormat = Query("xlsx", description="xlsx or csv"),
) -> StreamingResponse:
    """The report as a spreadsheet, labelled in the caller's language, numbers as numbers: a
    summary with subtotal and total rows, a matrix pivoted, a tabular report's every row (up
    to a million). Access is checked before the first byte; every export is audited."""
    with request_context(request, write=True) as ctx:
        spec, row = store.saved_spec(ctx, uuid_param(report_id))
        title = label(row.name, ctx.locale, "report")
        sheet = export.prepare(
            ctx,
            _with_filter(spec, body.filter if body else None),
            title=title,
            saved=True,
            open_context=lambda: request_context(request),
            fmt=format,
        )
        ctx.audit("report.export", object_name=spec.object, format=format, report_id=row.id)
        filename = _filename(title, ctx.now().strftime("%Y%m%d-%H%M"), format)
    return _streamed(sheet, format, filename)


def _etag(report: dict[str, Any]) -> dict[str, str]:
    return {"ETag": f'"{report["version"]}"'}


def _filename(title: str, stamp: str, fmt: str) -> str:
    """`filename` in ASCII for old clients, `filename*` with the report's own (UTF-8) name."""
    return (
        f'attachment; filename="report-{stamp}.{fmt}"; '
        f"filename*=UTF-8''{quote(f'{title}-{stamp}.{fmt}', safe='')}"
    )


def _streamed(sheet: export.Sheet, fmt: ExportFormat, disposition: str) -> StreamingResponse:
    return StreamingResponse(
        export.stream(sheet, fmt),
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": disposition},
    )
