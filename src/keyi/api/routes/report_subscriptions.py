"""Scheduled report emails: a report sent on a schedule to users and roles."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field, StrictBool

from keyi.api.bodies import StrictBody
from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.api.routes.report_alerts import Recipients
from keyi.platform.analytics import subscriptions

router = APIRouter(prefix="/api/v1/report-subscriptions", tags=["reports"])


class SubscriptionChange(StrictBody):
    report_id: str | None = None
    schedule: str | None = Field(default=None, description="Cron, tenant time (`0 8 * * 1`).")
    format: Literal["xlsx", "csv", "link"] | None = None
    recipients: Recipients | None = None
    active: StrictBool | None = None


class SubscriptionInput(SubscriptionChange):
    report_id: str


@router.get("")
def list_subscriptions(
    request: Request, report_id: str | None = Query(default=None)
) -> dict[str, Any]:
    with request_context(request) as ctx:
        report = uuid_param(report_id) if report_id is not None else None
        return {"subscriptions": subscriptions.list_subscriptions(ctx, report)}


@router.post("", status_code=201)
def create_subscription(request: Request, body: SubscriptionInput) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return subscriptions.create_subscription(ctx, body.model_dump(exclude_unset=True))


@router.get("/{subscription_id}")
def get_subscription(subscription_id: str, request: Request) -> dict[str, Any]:
    with request_context(request) as ctx:
        return subscriptions.get_subscription(ctx, uuid_param(subscription_id))


@router.patch("/{subscription_id}")
def update_subscription(
    subscription_id: str, request: Request, body: SubscriptionChange
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        return subscriptions.update_subscription(
            ctx, uuid_param(subscription_id), body.model_dump(exclude_unset=True)
        )


@router.delete("/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: str, request: Request) -> Response:
    with request_context(request, write=True) as ctx:
        subscriptions.delete_subscription(ctx, uuid_param(subscription_id))
    return Response(status_code=204)
