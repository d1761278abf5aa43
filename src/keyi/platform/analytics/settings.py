"""The tenant's analytics settings: the month its fiscal year starts in, and how long a
dashboard widget's answer is kept (keyi.platform.analytics.kept).

Fiscal relative dates (`this_fiscal_quarter`) and fiscal buckets read it from the tenant's
settings (keyi.platform.query.dates), so it is stored there, next to the currency and time zone,
and the metadata version is bumped: every process reads the new month on its next request, and
no cached plan keeps the old quarters.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics import kept
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.metadata import store
from keyi.platform.query.dates import fiscal_start_month
from keyi.platform.schema import meta_state_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

FISCAL_START = "fiscal_year_start_month"


def analytics_settings(ctx: Context) -> dict[str, Any]:
    """What every reader may know: reports and dashboards label fiscal periods with it, and
    dashboards say how old a kept answer may be."""
    return {FISCAL_START: fiscal_start_month(ctx.settings), kept.MINUTES_SETTING: kept.minutes(ctx)}


def set_answer_minutes(ctx: Context, minutes: int) -> dict[str, Any]:
    """Administrators only; audited. 0 keeps no answer (every view runs every widget). The
    time is read when an answer is looked up, so it applies to answers already kept too."""
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not 0 <= minutes <= kept.MAX_MINUTES
    ):
        raise ValidationFailed([FieldError(kept.MINUTES_SETTING, "invalid_choice")])
    settings = dict(
        ctx.conn.execute(
            sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
        ).scalar_one()
        or {}
    )
    previous = kept.minutes(ctx)
    if settings.get(kept.MINUTES_SETTING) != minutes:
        settings[kept.MINUTES_SETTING] = minutes
        ctx.conn.execute(
            sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(settings=settings)
        )
        # Settings travel with the compiled schema: other processes read them on its next
        # revision, so the version is bumped as for the fiscal month.
        store.bump_version(ctx.conn)
        ctx.refresh_schema(dataclasses.replace(ctx.schema, settings=settings, memo={}))
        ctx.audit("analytics.settings", dashboard_answer_minutes=minutes, previous=previous)
    return analytics_settings(ctx)


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
