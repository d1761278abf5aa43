"""Service levels on cases (keyi.packages.service.sla): the shipped calendar and policy, due
times on create on the China calendar, recomputation on a priority change, the clock stopped
while waiting on the customer, met or breached at resolution, grade-specific targets, a policy
change recomputing its open cases, and the checks of calendars, hours and targets. The clock
is the context's: each step runs at a chosen instant."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from keyi.packages.service import sla, sla_recompute
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import Conflict, ValidationFailed
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform

pytestmark = pytest.mark.packages("core", "sales", "l2c", "service")
SYSTEM = Actor.system("test")
CN = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    """A Beijing wall-clock time as the storage convention (naive UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=CN).astimezone(UTC).replace(tzinfo=None)


def beijing(value: Any) -> str:
    return sla.instant(value).astimezone(CN).strftime("%Y-%m-%d %H:%M")  # type: ignore[union-attr]


@contextmanager
def context_at(platform: Platform, tenant: TenantInfo, when: str) -> Iterator[Context]:
    """A system context whose clock reads ``when`` (Beijing time)."""
    postgres = platform.db.is_postgres
    with platform.db.tenant_transaction(tenant.location, set_path=not postgres) as conn:
        schema = platform.schemas.get(conn, tenant.location, set_path=postgres)
        yield Context(tenant, SYSTEM, conn, schema, started_at=at(when))


def case(platform: Platform, tenant: TenantInfo, when: str, **values: Any) -> dict[str, Any]:
    with context_at(platform, tenant, when) as ctx:
        return RecordsService(ctx).create("case", {"subject": "打印机故障", **values})


def update(
    platform: Platform, tenant: TenantInfo, when: str, case_id: str, **values: Any
) -> dict[str, Any]:
    with context_at(platform, tenant, when) as ctx:
        return RecordsService(ctx).update("case", case_id, values, trusted_fields=frozenset(values))


def test_shipped_calendar_and_policy(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        calendar = sla._rows(ctx, "business_calendar", key="china_standard")[0]
        assert (calendar["time_zone"], calendar["china_holidays"]) == ("Asia/Shanghai", True)
        hours = sla._rows(ctx, "business_hours", calendar=calendar["id"])
        assert sorted((h["weekday"], h["start_time"], h["end_time"]) for h in hours) == [
            (str(d), "09:00", "18:00") for d in range(1, 6)
        ]
        policy = sla.default_policy(ctx)
        assert policy is not None and policy.key == "standard"
        assert policy.calendar_id == calendar["id"]
        targets = sla.targets_of(ctx, policy.id)
        assert {k: (t.first_response / 60, t.resolution / 60) for k, t in targets.items()} == {
            ("urgent", None): (1, 8),
            ("high", None): (4, 16),
            ("medium", None): (8, 40),
            ("low", None): (16, 80),
        }
        # Idempotent: shipping again adds nothing.
        assert sla.ship_standard(ctx) is None


def test_due_times_on_create_across_the_weekend(platform: Platform, tenant: TenantInfo) -> None:
    created = case(platform, tenant, "2026-12-04 17:00", priority="high")
    assert beijing(created["first_response_due"]) == "2026-12-07 12:00"
    assert beijing(created["resolution_due"]) == "2026-12-08 15:00"
    assert created["sla_status"] == "on_track"
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert created["sla_policy"] == sla.policy_by_key(ctx, "standard").id  # type: ignore[union-attr]


def test_due_times_over_national_day(platform: Platform, tenant: TenantInfo) -> None:
    created = case(platform, tenant, "2026-09-30 10:00", priority="medium")
    assert beijing(created["first_response_due"]) == "2026-09-30 18:00"
    assert beijing(created["resolution_due"]) == "2026-10-12 14:00"
    urgent = case(platform, tenant, "2026-09-30 17:30", priority="urgent")
    assert beijing(urgent["first_response_due"]) == "2026-10-08 09:30"


def test_priority_change_recomputes_from_creation(platform: Platform, tenant: TenantInfo) -> None:
    created = case(platform, tenant, "2026-12-04 17:00", priority="low")
    assert beijing(created["first_response_due"]) == "2026-12-08 15:00"
    changed = update(platform, tenant, "2026-12-07 10:00", created["id"], priority="urgent")
    assert beijing(changed["first_response_due"]) == "2026-12-04 18:00"
    assert beijing(changed["resolution_due"]) == "2026-12-07 16:00"
    assert changed["sla_status"] == "breached"  # no response by Friday 18:00


def test_waiting_on_customer_stops_the_clock(platform: Platform, tenant: TenantInfo) -> None:
    created = case(platform, tenant, "2026-12-07 09:00", priority="high")
    assert beijing(created["resolution_due"]) == "2026-12-08 16:00"
    paused = update(
        platform, tenant, "2026-12-07 10:00", created["id"], status="waiting_on_customer"
    )
    assert paused["sla_status"] == "paused"
    assert beijing(paused["sla_paused_at"]) == "2026-12-07 10:00"
    # Waiting from Monday 10:00 to Tuesday 11:00: 8 + 2 = 10 business hours.
    resumed = update(platform, tenant, "2026-12-08 11:00", created["id"], status="in_progress")
    assert resumed["sla_paused_minutes"] == 600
    assert resumed["sla_paused_at"] is None
    assert beijing(resumed["first_response_due"]) == "2026-12-08 14:00"
    assert beijing(resumed["resolution_due"]) == "2026-12-09 17:00"
    assert resumed["sla_status"] == "on_track"
    # A priority change afterwards keeps the paused time.
    again = update(platform, tenant, "2026-12-08 11:30", created["id"], priority="medium")
    assert beijing(again["first_response_due"]) == "2026-12-08 18:00"  # 8 h + 10 h paused


def test_resolution_met_or_breached(platform: Platform, tenant: TenantInfo) -> None:
    early = case(platform, tenant, "2026-12-07 09:00", priority="urgent")
    responded = update(
        platform, tenant, "2026-12-07 09:30", early["id"], first_responded_at=at("2026-12-07 09:30")
    )
    assert responded["sla_status"] == "on_track"
    done = update(
        platform, tenant, "2026-12-07 16:00", early["id"], status="resolved", resolution="已处理"
    )
    assert done["sla_status"] == "met"
    # Closed later, or its priority changed after resolution: the decided level stands.
    closed = update(platform, tenant, "2026-12-09 10:00", early["id"], status="closed")
    assert closed["sla_status"] == "met"
    assert (
        update(platform, tenant, "2026-12-09 11:00", early["id"], priority="low")["sla_status"]
        == "met"
    )
    late = case(platform, tenant, "2026-12-07 09:00", priority="urgent")
    update(
        platform, tenant, "2026-12-07 09:30", late["id"], first_responded_at=at("2026-12-07 09:30")
    )
    done = update(
        platform, tenant, "2026-12-07 17:01", late["id"], status="resolved", resolution="已处理"
    )
    assert done["sla_status"] == "breached"
    slow = case(platform, tenant, "2026-12-07 09:00", priority="urgent")
    answered = update(
        platform, tenant, "2026-12-07 10:30", slow["id"], first_responded_at=at("2026-12-07 10:30")
    )
    assert answered["sla_status"] == "breached"  # the first response came after 10:00
    done = update(
        platform, tenant, "2026-12-07 11:00", slow["id"], status="resolved", resolution="已处理"
    )
    assert done["sla_status"] == "breached"


def test_grade_target_beats_any_grade(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        policy = sla.policy_by_key(ctx, "standard")
        assert policy is not None
        records = RecordsService(ctx)
        records.create(
            "sla_target",
            {
                "policy": policy.id,
                "priority": "high",
                "account_grade": "A",
                "first_response_hours": 1,
                "resolution_hours": 4,
            },
        )
        key_account = records.create("account", {"name": "重点客户", "grade": "A"})
        other = records.create("account", {"name": "普通客户", "grade": "C"})
    vip = case(platform, tenant, "2026-12-04 17:00", priority="high", account=key_account["id"])
    assert beijing(vip["first_response_due"]) == "2026-12-04 18:00"
    assert beijing(vip["resolution_due"]) == "2026-12-07 12:00"
    normal = case(platform, tenant, "2026-12-04 17:00", priority="high", account=other["id"])
    assert beijing(normal["first_response_due"]) == "2026-12-07 12:00"


def run_jobs(platform: Platform, tenant: TenantInfo) -> list[Any]:
    """Run the tenant's queued jobs (the recomputation a policy change enqueued)."""
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(1))
    try:
        return worker.run_until_idle()
    finally:
        worker.stop()


def test_target_change_recomputes_open_cases(platform: Platform, tenant: TenantInfo) -> None:
    open_case = case(platform, tenant, "2026-12-04 17:00", priority="high")
    closed = case(platform, tenant, "2026-12-04 17:00", priority="high")
    update(
        platform, tenant, "2026-12-04 17:30", closed["id"], status="resolved", resolution="已处理"
    )
    with context_at(platform, tenant, "2026-12-04 17:45") as ctx:
        policy = sla.policy_by_key(ctx, "standard")
        assert policy is not None
        target = sla._rows(ctx, "sla_target", policy=policy.id, priority="high")[0]
        RecordsService(ctx).update("sla_target", target["id"], {"first_response_hours": 2})
    # The save only queued the recomputation: the case is unchanged until the job runs.
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        found = RecordsService(ctx).get("case", open_case["id"])
        assert beijing(found["first_response_due"]) == "2026-12-07 12:00"
    assert [o.kind for o in run_jobs(platform, tenant)] == [sla_recompute.RECOMPUTE_JOB]
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        records = RecordsService(ctx)
        assert beijing(records.get("case", open_case["id"])["first_response_due"]) == (
            "2026-12-07 10:00"
        )
        kept = records.get("case", closed["id"])
        assert beijing(kept["first_response_due"]) == "2026-12-07 12:00"
        assert kept["sla_status"] == "met"
    with platform.context(tenant, SYSTEM) as ctx:
        # Recomputed already (the job ran on the real clock): a second pass writes nothing.
        assert sla_recompute.recompute_policy(ctx, policy.id) == 0


def test_calendar_change_recomputes_open_cases(platform: Platform, tenant: TenantInfo) -> None:
    open_case = case(platform, tenant, "2026-12-04 17:00", priority="high")
    with context_at(platform, tenant, "2026-12-04 17:30") as ctx:
        calendar = sla._rows(ctx, "business_calendar", key="china_standard")[0]
        RecordsService(ctx).create(
            "calendar_holiday",
            {
                "calendar": calendar["id"],
                "date": "2026-12-07",
                "name": "公司年会",
                "kind": "holiday",
            },
        )
    run_jobs(platform, tenant)
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        found = RecordsService(ctx).get("case", open_case["id"])
        assert beijing(found["first_response_due"]) == "2026-12-08 12:00"


def test_calendar_and_target_checks(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        empty = records.create(
            "business_calendar", {"name": "空日历", "key": "empty", "time_zone": "Asia/Shanghai"}
        )
        calendar = sla._rows(ctx, "business_calendar", key="china_standard")[0]
        policy = sla.policy_by_key(ctx, "standard")
        assert policy is not None

        def refused(object_name: str, values: dict[str, Any], field: str, code: str) -> None:
            with pytest.raises(ValidationFailed) as caught, ctx.conn.begin_nested():
                records.create(object_name, values)
            assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]

        refused(
            "sla_policy",
            {"name": "空", "key": "p_empty", "calendar": empty["id"]},
            "calendar",
            "calendar_without_hours",
        )
        hours = {"calendar": empty["id"], "weekday": "1"}
        refused(
            "business_hours",
            {**hours, "start_time": "9:00", "end_time": "18:00"},
            "start_time",
            "invalid_time",
        )
        refused(
            "business_hours",
            {**hours, "start_time": "09:00", "end_time": "24:30"},
            "end_time",
            "invalid_time",
        )
        refused(
            "business_hours",
            {**hours, "start_time": "18:00", "end_time": "09:00"},
            "end_time",
            "end_not_after_start",
        )
        made = records.create(
            "business_hours", {**hours, "start_time": "09:00", "end_time": "24:00"}
        )
        assert made["name"] == "Mon 09:00–24:00"
        # Overlapping hours of one day are allowed (the engine merges them).
        records.create("business_hours", {**hours, "start_time": "12:00", "end_time": "13:00"})
        refused(
            "sla_target",
            {
                "policy": policy.id,
                "priority": "low",
                "account_grade": "B",
                "first_response_hours": 8761,
                "resolution_hours": 8760,
            },
            "first_response_hours",
            "target_too_long",
        )
        refused(
            "business_calendar",
            {"name": "x", "key": "x", "time_zone": "Mars/Base"},
            "time_zone",
            "unknown_time_zone",
        )
        refused(
            "sla_target",
            {
                "policy": policy.id,
                "priority": "high",
                "first_response_hours": 1,
                "resolution_hours": 2,
            },
            "priority",
            "duplicate_target",
        )
        # The last hours of a calendar a policy uses cannot go.
        standard_hours = sla._rows(ctx, "business_hours", calendar=calendar["id"])
        for row in standard_hours[:-1]:
            records.delete("business_hours", row["id"])
        with pytest.raises(Conflict) as conflict, ctx.conn.begin_nested():
            records.delete("business_hours", standard_hours[-1]["id"])
        assert conflict.value.code == "calendar_last_hours"
