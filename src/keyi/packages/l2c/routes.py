"""The lead-to-cash package's own endpoints (record actions go through keyi.platform.actions;
this is what is not an action on a record: the receivables report, the tenant's settings)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from keyi.api.context import request_context
from keyi.packages.l2c import hooks
from keyi.packages.l2c.receivables import MAX_LIMIT, receivables
from keyi.platform.context import Context
from keyi.platform.errors import Forbidden, NotFound
from keyi.platform.hooks import installed_packages

router = APIRouter(prefix="/api/v1/l2c", tags=["l2c"])


@router.get("/receivables")
def get_receivables(
    request: Request,
    group_by: Literal["account", "owner"] = Query("account"),
    as_of: date | None = Query(None, description="The day to age at; the tenant's today."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=36),
) -> dict[str, Any]:
    """Outstanding payment plans in CNY with aging buckets, per account or owner; only the
    plans the caller may read."""
    with request_context(request) as ctx:
        if "l2c" not in installed_packages(ctx):
            raise NotFound()
        return receivables(ctx, group_by=group_by, as_of=as_of, limit=limit, cursor=cursor)


class L2cSettings(BaseModel):
    """The tenant's lead-to-cash settings (Setup › Lead-to-cash)."""

    # Strict: a "yes" or 1 is a field error, not a silent True.
    model_config = ConfigDict(extra="forbid", strict=True)

    allow_overpayment: bool = Field(
        description="Accept payments above a payment plan's open amount (off: refused with "
        "exceeds_open_amount)."
    )


def _require_l2c(ctx: Context) -> None:
    """A tenant without the package has no such settings (404, as for its reports)."""
    if "l2c" not in installed_packages(ctx):
        raise NotFound()


def _settings(ctx: Context) -> L2cSettings:
    return L2cSettings(allow_overpayment=hooks.allow_overpayment(ctx))


@router.get("/settings")
def get_settings(request: Request) -> L2cSettings:
    """The settings, for any signed-in user (the payment form says why it refuses)."""
    with request_context(request) as ctx:
        _require_l2c(ctx)
        return _settings(ctx)


@router.put("/settings")
def put_settings(request: Request, body: L2cSettings) -> L2cSettings:
    """Change the settings: administrators only, like the rest of the company's configuration;
    a change is audited (``l2c.settings``) and read by every process on its next request."""
    with request_context(request, write=True) as ctx:
        _require_l2c(ctx)
        if not ctx.policy.can_manage_metadata():
            raise Forbidden()
        hooks.set_allow_overpayment(ctx, body.allow_overpayment)
        return _settings(ctx)
