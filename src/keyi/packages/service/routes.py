"""The service package's own endpoints (record actions — take, assign, resolve — go through
keyi.platform.actions): the tenant's service settings, an agent's reply on a case, the console.
Every endpoint answers 404 for tenants without the package."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keyi.api.context import request_context
from keyi.packages.service import console as consoles
from keyi.packages.service import lifecycle
from keyi.platform.access.model import Operation
from keyi.platform.actions import load_record
from keyi.platform.context import Context
from keyi.platform.errors import NotFound
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.hooks import installed_packages
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.records import RecordsService

router = APIRouter(prefix="/api/v1/service", tags=["service"])


def _require_service(ctx: Context) -> None:
    if "service" not in installed_packages(ctx):
        raise NotFound()


def _case(ctx: Context, case_id: str, operation: Operation) -> dict[str, Any]:
    """The case as the caller may use it (404 for an id that is no case of theirs)."""
    if not UUID_RE.match(case_id):
        raise NotFound("record_not_found")
    return load_record(ctx, "case", case_id, operation)


# ------------------------------------------------------------------ settings
class ServiceSettings(BaseModel):
    """The tenant's service settings (Setup › Customer service)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    auto_close_days: int = Field(
        ge=1, le=365, description="Resolved cases close by themselves after this many days."
    )
    reopen_days: int = Field(
        ge=0,
        le=365,
        description="A resolved case can be reopened (by an agent, or by the customer's "
        "message) within this many days of its resolution.",
    )
    portal_queue: str | None = Field(
        default=None,
        description="The queue cases from the customer portal go to (its assignment rules "
        "pick the agent); null: none. Left out of a PUT: kept as it is.",
    )


@router.get("/settings")
def get_settings(request: Request) -> ServiceSettings:
    """The settings, for any signed-in user."""
    with request_context(request) as ctx:
        _require_service(ctx)
        return ServiceSettings(**lifecycle.service_settings(ctx))


@router.put("/settings")
def put_settings(request: Request, body: ServiceSettings) -> ServiceSettings:
    """Change the settings: administrators only; audited (``service.settings``)."""
    with request_context(request, write=True) as ctx:
        _require_service(ctx)
        values = body.model_dump(exclude_unset=True)
        return ServiceSettings(**lifecycle.set_service_settings(ctx, values))


# ------------------------------------------------------------------ conversation
class MessageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100000)]
    visibility: Literal["internal", "public"] = Field(
        description="internal: a note only colleagues see; public: a reply to the customer."
    )


@router.post("/cases/{case_id}/messages", status_code=201)
def post_message(request: Request, case_id: str, body: MessageBody) -> dict[str, Any]:
    """An agent's note or reply on a case (outbound), written as a ``case_message`` through
    the records service: the caller needs edit access to the case and create access to
    messages. A public reply is what the customer sees (and, with a mailbox, gets by mail)."""
    with request_context(request, write=True) as ctx:
        _require_service(ctx)
        _case(ctx, case_id, Operation.EDIT)
        return RecordsService(ctx).create(
            "case_message",
            {
                "case": case_id,
                "body": body.body,
                "visibility": body.visibility,
                "direction": "outbound",
            },
        )


@router.get("/cases/{case_id}/messages")
def get_messages(
    request: Request,
    case_id: str,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    """The case's conversation, oldest first: whoever may read the case reads its whole
    thread (the customer's messages and colleagues' notes included), whatever their role's
    scope on messages as records — the thread is part of the case."""
    with request_context(request) as ctx:
        _require_service(ctx)
        _case(ctx, case_id, Operation.READ)
        return run_query(
            ctx.as_system(),
            "case_message",
            QuerySpec(
                filter={"field": "case", "op": "eq", "value": case_id},
                sort=[{"field": "created_at", "direction": "asc"}],
                limit=limit,
                cursor=cursor,
            ),
        )


# ------------------------------------------------------------------ console
@router.get("/console")
def get_console(
    request: Request,
    view: Literal["mine", "queue", "all_open"] = Query("mine"),
    queue: str | None = Query(None, max_length=36),
    status: str | None = Query(None, max_length=40),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(consoles.PAGE, ge=1, le=200),
) -> dict[str, Any]:
    """Cases of the view ordered by their next due time, with counts per status and SLA
    state; only cases the caller may read."""
    with request_context(request) as ctx:
        _require_service(ctx)
        return consoles.console(
            ctx, view=view, queue=queue, status=status, cursor=cursor, limit=limit
        )
