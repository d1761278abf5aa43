"""Dashboards: CRUD in report folders, running every widget for the reader, home dashboards.

The platform checks a dashboard's layout and filters as a whole and names every problem at
once (`layout.2.report_id`), so the write routes take a plain object; the models below are what
the OpenAPI document (and the web app's generated types) show.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, StrictBool, StrictInt

from keyi.api.bodies import StrictBody, documented_body, documented_changes
from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse, ExactNumbersRoute
from keyi.api.params import uuid_param
from keyi.api.routes.records import parse_version
from keyi.api.traits import read_only
from keyi.platform.analytics import dashboard_run, dashboards, home, kept
from keyi.platform.analytics.dashboards import (
    CHART_TYPES,
    COMPARES,
    EDITABLE,
    MAX_WIDGET_ID,
    MAX_WIDGETS,
    TARGET_METRICS,
    TARGET_PERIODS,
    WIDGET_KINDS,
)
from keyi.platform.errors import FieldError, ValidationFailed

router = APIRouter(prefix="/api/v1/dashboards", tags=["dashboards"], route_class=ExactNumbersRoute)

Label = str | dict[str, str]


class WidgetChart(StrictBody):
    """How a report is drawn (a widget's own chart overrides the report's)."""

    type: Literal[CHART_TYPES]  # type: ignore[valid-type]
    x: str | None = Field(default=None, description="A grouping key.")
    series: str | None = Field(default=None, description="A grouping key.")
    value: str | None = Field(default=None, description="A value name (`sum_amount`).")
    target: float | None = Field(default=None, description="KPI target.")
    horizontal: StrictBool | None = None


class Widget(StrictBody):
    """One cell of the 12-column grid."""

    id: str = Field(min_length=1, max_length=64)
    kind: Literal[WIDGET_KINDS]  # type: ignore[valid-type]
    x: StrictInt = Field(ge=0, le=11)
    y: StrictInt = Field(ge=0)
    w: StrictInt = Field(ge=1, le=12)
    h: StrictInt = Field(ge=1, le=24)
    title: Label | None = None
    report_id: str | None = Field(default=None, description="report and kpi widgets.")
    chart: WidgetChart | None = Field(default=None, description="report widgets.")
    value: str | None = Field(
        default=None, description="kpi: a value name of the report's totals (default: its first)."
    )
    target: float | None = Field(default=None, description="kpi: the number to reach.")
    compare: Literal[COMPARES] | None = Field(  # type: ignore[valid-type]
        default=None, description="kpi: `previous_period` (the default) or `none`."
    )
    metric: Literal[TARGET_METRICS] | None = Field(  # type: ignore[valid-type]
        default=None, description="target widgets."
    )
    period_type: Literal[TARGET_PERIODS] | None = Field(  # type: ignore[valid-type]
        default=None, description="target widgets."
    )


class OwnerFilter(StrictBody):
    user: str | None = Field(default=None, description="One user's records.")
    department: str | None = Field(
        default=None, description="The records of a department's members, sub-departments too."
    )


class DashboardFilters(StrictBody):
    """Applied to every widget; a report without the field ignores the filter and says so."""

    period: str | None = Field(
        default=None, description="A relative date (`this_quarter`, `last_n_days:30`, fiscal ones)."
    )
    owner: OwnerFilter | None = None
    pipeline: str | None = Field(default=None, max_length=100)


class DashboardInput(StrictBody):
    name: Label
    description: Label | None = None
    folder_id: str | None = Field(default=None, description="None: the author's own.")
    layout: list[Widget] = Field(default_factory=list, max_length=30)
    filters: DashboardFilters = Field(default_factory=DashboardFilters)


class DashboardChanges(DashboardInput):
    version: StrictInt | None = Field(default=None, description="Or If-Match: a stale one is 412.")


class DashboardRunBody(StrictBody):
    filters: DashboardFilters | None = Field(
        default=None,
        description="Override the dashboard's filters key by key; null clears one.",
    )
    widgets: list[Annotated[str, Field(min_length=1, max_length=MAX_WIDGET_ID)]] | None = Field(
        default=None,
        max_length=MAX_WIDGETS,
        description="Run these widgets only (ids; one not in the layout answers its 404). "
        "The web app runs each widget in its own request, so they run in parallel.",
    )
    refresh: StrictBool | None = Field(
        default=None,
        description="Compute every widget again instead of giving kept answers (as "
        "`?refresh=true`).",
    )


class HomeChoice(StrictBody):
    dashboard_id: str | None


def _object(body: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The body (the platform checks it); keys outside ``allowed`` refused by name."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationFailed([FieldError(k, "unknown_field", {"field": k}) for k in unknown])
    return body


def _with_etag(found: dict[str, Any], status: int = 200) -> JSONResponse:
    return ExactJSONResponse(found, status_code=status, headers={"ETag": f'"{found["version"]}"'})


# ------------------------------------------------------------------ home (before /{id})
@router.get("/home")
def get_home(request: Request) -> dict[str, Any]:
    """The reader's home dashboard: their own choice, else their role's, else null."""
    with request_context(request) as ctx:
        return home.home_of(ctx)


@router.put("/home")
def set_home(request: Request, body: HomeChoice) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return home.set_own_home(ctx, body.dashboard_id)


@router.put("/home/roles/{role_id}")
def set_role_home(role_id: str, request: Request, body: HomeChoice) -> dict[str, Any]:
    """Administrators: a role's home dashboard (in a shared folder); null removes it."""
    with request_context(request, write=True) as ctx:
        return home.set_role_home(ctx, uuid_param(role_id, "record_not_found"), body.dashboard_id)


# ------------------------------------------------------------------ CRUD
@router.get("")
def list_dashboards(
    request: Request,
    folder_id: str | None = Query(default=None, max_length=36),
    deleted: bool = Query(default=False, description="The recycle bin."),
) -> dict[str, Any]:
    with request_context(request) as ctx:
        return {"dashboards": dashboards.list_dashboards(ctx, folder_id=folder_id, deleted=deleted)}


@router.post("", status_code=201, openapi_extra=documented_body(DashboardInput))
def create_dashboard(request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:
    data = _object(body, EDITABLE)
    with request_context(request, write=True) as ctx:
        return _with_etag(dashboards.create_dashboard(ctx, data), status=201)


@router.get("/{dashboard_id}")
def get_dashboard(dashboard_id: str, request: Request, deleted: bool = False) -> JSONResponse:
    with request_context(request) as ctx:
        return _with_etag(dashboards.get_dashboard(ctx, uuid_param(dashboard_id), deleted=deleted))


@router.patch(
    "/{dashboard_id}",
    openapi_extra=documented_changes(DashboardChanges, {*EDITABLE, "version"}),
)
def update_dashboard(
    dashboard_id: str, request: Request, body: dict[str, Any] = Body(...)
) -> JSONResponse:
    """The keys to change, and `version` unless If-Match says it (a stale one: 412)."""
    data = _object(body, (*EDITABLE, "version"))
    version = parse_version(request.headers.get("if-match"), data)
    changes = {k: v for k, v in data.items() if k != "version"}
    with request_context(request, write=True) as ctx:
        return _with_etag(
            dashboards.update_dashboard(
                ctx, uuid_param(dashboard_id), changes, expected_version=version
            )
        )


@router.delete("/{dashboard_id}", status_code=204)
def delete_dashboard(dashboard_id: str, request: Request) -> Response:
    """Into the recycle bin (`POST /{id}/restore` brings it back)."""
    version = parse_version(request.headers.get("if-match"))
    with request_context(request, write=True) as ctx:
        dashboards.delete_dashboard(ctx, uuid_param(dashboard_id), expected_version=version)
    return Response(status_code=204)


@router.post("/{dashboard_id}/restore")
def restore_dashboard(dashboard_id: str, request: Request) -> JSONResponse:
    with request_context(request, write=True) as ctx:
        return _with_etag(dashboards.restore_dashboard(ctx, uuid_param(dashboard_id)))


@router.post("/{dashboard_id}/run", response_model=dict[str, Any])
@read_only
def run_dashboard(
    dashboard_id: str,
    request: Request,
    body: DashboardRunBody | None = None,
    refresh: bool = Query(default=False, description="Compute again; no kept answers."),
) -> JSONResponse:
    """Every widget (or those named in `widgets`) for the reader, narrowed by the filters:
    `{widgets: [{id, kind, result?, chart?, sort? (a report widget's), error?: {status, code},
    filters_ignored?, as_of?, cached?}]}`. One widget's 403/404/422 is its own.

    A report or KPI widget's answer is kept for the tenant's `dashboard_answer_minutes` per
    report, filters and reader's access: within that time a reader with the same access gets it
    as it was (`cached: true`), `as_of` saying when it was computed; writes to the records do
    not change it. `refresh` computes again."""
    filters = None
    if body is not None and "filters" in body.model_fields_set and body.filters is not None:
        filters = body.filters.model_dump(exclude_unset=True)
    widgets = body.widgets if body is not None else None
    refresh = refresh or bool(body is not None and body.refresh)
    pending: list[kept.Pending] = []
    with request_context(request) as ctx:
        found = dashboard_run.run_dashboard(
            ctx, uuid_param(dashboard_id), filters, widgets, refresh=refresh, keeping=pending
        )
    kept.keep_after(ctx, pending)
    return ExactJSONResponse(found)
