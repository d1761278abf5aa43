"""The tenant's analytics settings: the month its fiscal year starts in.

Fiscal relative dates (`this_fiscal_quarter`) and fiscal buckets read it from the tenant's
settings (keyi.platform.query.dates), so it is stored there, next to the currency and time zone,
and the metadata version is bumped: every process reads the new month on its next request, and
no cached plan keeps the old quarters.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.metadata import store
from keyi.platform.query.dates import fiscal_start_month
from keyi.platform.schema import meta_state_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

FISCAL_START = "fiscal_year_start_month"


def analytics_settings(ctx: Context) -> dict[str, Any]:
    """What every reader may know: reports and dashboards label fiscal periods with it."""
    return {FISCAL_START: fiscal_start_month(ctx.settings)}


def set_fiscal_year_start_month(ctx: Context, month: int) -> dict[str, Any]:
    """Administrators only, like the rest of the company's configuration; audited."""
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise ValidationFailed([FieldError(FISCAL_START, "invalid_choice")])
    settings = dict(
        ctx.conn.execute(
            sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
        ).scalar_one()
        or {}
    )
    previous = fiscal_start_month(settings)
    if settings.get(FISCAL_START) != month:
        settings[FISCAL_START] = month
        ctx.conn.execute(
            sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(settings=settings)
        )
        store.bump_version(ctx.conn)
        ctx.refresh_schema(dataclasses.replace(ctx.schema, settings=settings, memo={}))
        ctx.audit("analytics.settings", fiscal_year_start_month=month, previous=previous)
    return analytics_settings(ctx)
