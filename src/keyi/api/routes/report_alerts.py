"""Report alerts: rules on a report's numbers, evaluated on a schedule for each recipient."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, StrictBool

from keyi.api.bodies import StrictBody
from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse
from keyi.api.params import uuid_param
from keyi.platform.analytics import alerts

router = APIRouter(prefix="/api/v1/report-alerts", tags=["reports"])


class Recipients(StrictBody):
    users: list[str] = Field(default_factory=list, max_length=200)
    roles: list[str] = Field(default_factory=list, max_length=200, description="Administrators.")


class Condition(StrictBody):
    """A threshold (`op` + `threshold`, over the total or `any_group`) or a change against
    `period_days` ago (`change` drop|rise + `percent`)."""

    value: str = Field(description="A value name of the report (`count`, `sum_amount`).")
    op: Literal["gt", "gte", "lt", "lte", "eq", "ne"] | None = None
    threshold: str | float | int | None = None
    scope: Literal["total", "any_group"] | None = None
    change: Literal["drop", "rise"] | None = None
    percent: str | float | int | None = None
    period_days: int | None = Field(default=None, ge=1, le=90)


class AlertChange(StrictBody):
    report_id: str | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    condition: Condition | None = None
    schedule: str | None = Field(default=None, description="Cron, tenant time (`0 9 * * 1`).")
    recipients: Recipients | None = None
    active: StrictBool | None = None


class AlertInput(AlertChange):
    report_id: str
    name: str = Field(min_length=1, max_length=200)
    condition: Condition


def _data(body: AlertChange) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    if body.condition is not None:
        data["condition"] = body.condition.model_dump(exclude_none=True)
    return data


@router.get("")
def list_alerts(request: Request, report_id: str | None = Query(default=None)) -> dict[str, Any]:
    with request_context(request) as ctx:
        report = uuid_param(report_id) if report_id is not None else None
        return {"alerts": alerts.list_alerts(ctx, report)}


@router.post("", status_code=201)
def create_alert(request: Request, body: AlertInput) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return alerts.create_alert(ctx, _data(body))


@router.get("/{alert_id}")
def get_alert(alert_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return alerts.get_alert(ctx, uuid_param(alert_id))


@router.patch("/{alert_id}")
def update_alert(alert_id: str, request: Request, body: AlertChange) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return alerts.update_alert(ctx, uuid_param(alert_id), _data(body))


@router.delete("/{alert_id}", status_code=204)
def delete_alert(alert_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        alerts.delete_alert(ctx, uuid_param(alert_id))
    return Response(status_code=204)


@router.post("/{alert_id}/check")
def check_alert(alert_id: str, request: Request) -> JSONResponse:
    """The alert's value for the caller now and whether it holds (nothing sent or stored)."""
    with request_context(request) as ctx:
        return ExactJSONResponse(alerts.check_now(ctx, uuid_param(alert_id)))


@router.get("/{alert_id}/samples")
def alert_samples(alert_id: str, request: Request) -> JSONResponse:
    """The caller's latest stored values of the alert (change conditions store one per run)."""
    with request_context(request) as ctx:
        return ExactJSONResponse({"samples": alerts.recent_samples(ctx, uuid_param(alert_id))})
