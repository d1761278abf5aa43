"""Outbox retention: delivered events are pruned after the configured time, undelivered never."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from keyi.jobs import jobs, run_all
from keyi.platform.context import TenantInfo
from keyi.platform.outbox import prune_delivered
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import outbox_table
from keyi.platform.tenancy import Platform
from keyi.settings import Settings

SYSTEM = Actor.system("test")


def _events(platform: Platform, tenant: TenantInfo, ids: list[str]) -> list[str]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        return list(
            ctx.conn.execute(
                sa.select(outbox_table.c.record_id)
                .where(outbox_table.c.record_id.in_(ids))
                .order_by(outbox_table.c.record_id)
            ).scalars()
        )


def test_delivered_events_are_pruned_after_retention_in_batches(
    platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        ids = RecordsService(ctx).create_many("account", [{"name": f"Ob {i}"} for i in range(5)])
        now = ctx.now()
        old, recent = now - timedelta(days=30), now - timedelta(hours=1)
        # Three delivered long ago, one delivered recently, one never delivered (but old).
        for record_id, processed in zip(ids, (old, old, old, recent, None), strict=True):
            ctx.conn.execute(
                sa.update(outbox_table)
                .where(outbox_table.c.record_id == record_id)
                .values(processed_at=processed, created_at=old)
            )
    with platform.context(tenant, SYSTEM) as ctx:
        # Batches of two: three old events take two full batches and a short one.
        assert prune_delivered(ctx, retention=timedelta(days=7), batch=2) == 3
    assert _events(platform, tenant, ids) == sorted(ids[3:])

    # The scheduled job reads its retention from the settings; undelivered events stay.
    configured = jobs(replace(platform.settings, outbox_retention_days=0))
    with platform.context(tenant, Actor.system("job:outbox_prune")) as ctx:
        assert configured["outbox_prune"](ctx) == 1
    assert _events(platform, tenant, ids) == [ids[4]]
    assert "outbox_prune" in run_all(platform)


def test_retention_is_configured_from_the_environment() -> None:
    assert Settings.from_env({}).outbox_retention_days == 7
    assert Settings.from_env({"KEYI_OUTBOX_RETENTION_DAYS": "0.5"}).outbox_retention_days == 0.5
