"""The service-level round (keyi.packages.service.sla_escalation) with the clock controlled:
a warning at the policy's percentage tells the owner once; a breach escalates once — the
owner's manager and the queue owners told, the priority raised, the case moved to the
escalation queue, the level up by one — and a later breach of the other target escalates
again; a case waiting on the customer is left alone."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from keyi.packages.service import sla
from keyi.platform.context import TenantInfo
from keyi.platform.notifications import notification_table
from keyi.platform.periodic import registry as periodic
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.integration.test_service_sla import at, beijing, case, context_at, update

pytestmark = pytest.mark.packages("core", "sales", "l2c", "service")
SYSTEM = Actor.system("test")


def run_round(platform: Platform, tenant: TenantInfo, when: str) -> int:
    with context_at(platform, tenant, when) as ctx:
        return periodic.jobs()["service_sla"](ctx)


def notices(platform: Platform, tenant: TenantInfo) -> list[tuple[str, str]]:
    """(user id, dedupe key) of the round's notifications, in a stable order."""
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        t = notification_table
        rows = ctx.conn.execute(
            sa.select(t.c.user_id, t.c.dedupe_key, t.c.title).where(t.c.source == "service")
        ).all()
    return sorted((str(r.user_id), r.dedupe_key) for r in rows)


@pytest.fixture
def people(platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    made = {
        key: str(
            add_user(platform, tenant, email=f"{key}@sla.example", name=name, password=None)["id"]
        )
        for key, name in (
            ("agent", "坐席"),
            ("manager", "主管"),
            ("lead1", "一线组长"),
            ("lead2", "二线组长"),
        )
    }
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        records.update("user", made["agent"], {"manager": made["manager"]})
        made["queue1"] = records.create("queue", {"name": "一线", "owner_id": made["lead1"]})["id"]
        made["queue2"] = records.create("queue", {"name": "二线", "owner_id": made["lead2"]})["id"]
        policy = sla.policy_by_key(ctx, "standard")
        assert policy is not None
        records.update(
            "sla_policy",
            policy.id,
            {"escalate_raise_priority": True, "escalate_to_queue": made["queue2"]},
        )
    return made


def test_warning_then_escalation(
    platform: Platform, tenant: TenantInfo, people: dict[str, Any]
) -> None:
    made = case(
        platform,
        tenant,
        "2026-12-07 09:00",
        priority="high",
        owner_id=people["agent"],
        queue=people["queue1"],
    )
    case_id = made["id"]
    assert beijing(made["first_response_due"]) == "2026-12-07 13:00"
    # 80 % of 4 business hours is 3 h 12 min: 12:12.
    assert run_round(platform, tenant, "2026-12-07 12:00") == 0
    assert run_round(platform, tenant, "2026-12-07 12:15") == 1
    warning = f"service-sla-warning:{case_id}:first_response"
    assert notices(platform, tenant) == [(people["agent"], warning)]
    assert run_round(platform, tenant, "2026-12-07 12:30") == 0  # told once
    assert notices(platform, tenant) == [(people["agent"], warning)]

    assert run_round(platform, tenant, "2026-12-07 13:01") == 1
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        found = RecordsService(ctx).get("case", case_id)
    assert found["sla_status"] == "breached"
    assert found["escalation_level"] == 1
    assert found["priority"] == "urgent"
    assert found["queue"] == people["queue2"]
    # Urgent targets from creation: first response 10:00, resolution 17:00.
    assert beijing(found["resolution_due"]) == "2026-12-07 17:00"
    breach = f"service-sla-breach:{case_id}:1"
    assert notices(platform, tenant) == sorted(
        [(people["agent"], warning)] + [(people[u], breach) for u in ("manager", "lead1", "lead2")]
    )
    assert run_round(platform, tenant, "2026-12-07 13:05") == 0  # escalated once per breach
    # A late first response: still breached.
    late = update(
        platform, tenant, "2026-12-07 13:10", case_id, first_responded_at=at("2026-12-07 13:10")
    )
    assert late["sla_status"] == "breached"
    # The resolution's breach is a second one.
    assert run_round(platform, tenant, "2026-12-07 17:30") == 1
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        found = RecordsService(ctx).get("case", case_id)
    assert (found["escalation_level"], found["priority"]) == (2, "urgent")
    # Told again (the move to the escalation queue may have given the case a new owner there,
    # whose manager is then the one told).
    second = f"service-sla-breach:{case_id}:2"
    assert any(key == second for _, key in notices(platform, tenant))
    assert run_round(platform, tenant, "2026-12-08 10:00") == 0


def test_paused_and_resolved_cases_are_left_alone(
    platform: Platform, tenant: TenantInfo, people: dict[str, Any]
) -> None:
    waiting = case(
        platform, tenant, "2026-12-07 09:00", priority="urgent", owner_id=people["agent"]
    )
    update(platform, tenant, "2026-12-07 09:10", waiting["id"], status="waiting_on_customer")
    done = case(platform, tenant, "2026-12-07 09:00", priority="urgent", owner_id=people["agent"])
    update(
        platform, tenant, "2026-12-07 09:05", done["id"], first_responded_at=at("2026-12-07 09:05")
    )
    update(platform, tenant, "2026-12-07 09:20", done["id"], status="resolved", resolution="已处理")
    assert run_round(platform, tenant, "2026-12-08 12:00") == 0
    assert notices(platform, tenant) == []
    # Back from waiting the next morning: 10 min used before it (09:00–09:10), 50 left.
    back = update(platform, tenant, "2026-12-08 09:00", waiting["id"], status="in_progress")
    assert back["sla_paused_minutes"] == 530  # Monday 09:10–18:00
    assert beijing(back["first_response_due"]) == "2026-12-08 09:50"
    assert run_round(platform, tenant, "2026-12-08 09:05") == 0
    assert run_round(platform, tenant, "2026-12-08 09:40") == 1  # 48 min used: 09:38
    assert run_round(platform, tenant, "2026-12-08 09:51") == 1
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        found = RecordsService(ctx).get("case", waiting["id"])
    assert (found["sla_status"], found["escalation_level"]) == ("breached", 1)


def _case_row(platform: Platform, tenant: TenantInfo, case_id: str) -> dict[str, Any]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        cases = ctx.object("case").table
        row = ctx.conn.execute(sa.select(cases).where(cases.c.id == case_id)).mappings().one()
    return dict(row)


def _set_check(platform: Platform, tenant: TenantInfo, case_id: str, when: str) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        cases = ctx.object("case").table
        ctx.conn.execute(
            sa.update(cases).where(cases.c.id == case_id).values(sla_next_check=at(when))
        )


def test_the_round_reads_cases_by_their_next_check(
    platform: Platform, tenant: TenantInfo, people: dict[str, Any]
) -> None:
    made = case(
        platform,
        tenant,
        "2026-12-07 09:00",
        priority="high",
        owner_id=people["agent"],
        queue=people["queue1"],
    )
    # On track: the next check is the warning instant (80 % of 4 h: 12:12).
    assert beijing(_case_row(platform, tenant, made["id"])["sla_next_check"]) == "2026-12-07 12:12"
    # A case whose check time has not come is not read, breached or not.
    _set_check(platform, tenant, made["id"], "2026-12-08 09:00")
    assert run_round(platform, tenant, "2026-12-07 13:01") == 0
    assert _case_row(platform, tenant, made["id"])["escalation_level"] == 0
    _set_check(platform, tenant, made["id"], "2026-12-07 12:12")
    assert run_round(platform, tenant, "2026-12-07 13:01") == 1
    row = _case_row(platform, tenant, made["id"])
    assert (row["escalation_level"], row["priority"]) == (1, "urgent")
    # Escalated for the first response; next: the resolution's breach (urgent: 17:00).
    assert beijing(row["sla_next_check"]) == "2026-12-07 17:00"
    # A check time that comes with nothing to do is moved to the next one, not re-read.
    _set_check(platform, tenant, made["id"], "2026-12-07 13:00")
    assert run_round(platform, tenant, "2026-12-07 13:30") == 0
    assert beijing(_case_row(platform, tenant, made["id"])["sla_next_check"]) == (
        "2026-12-07 17:00"
    )
    # Resolved: nothing left to check.
    update(platform, tenant, "2026-12-07 14:00", made["id"], status="resolved", resolution="好了")
    assert _case_row(platform, tenant, made["id"])["sla_next_check"] is None


def test_raised_priority_after_a_resolution_breach_escalates_once(
    platform: Platform, tenant: TenantInfo, people: dict[str, Any]
) -> None:
    """Medium: answered at 15:00 (in time for medium's 8 h, late for high's 4 h), resolution
    due Friday 13:00. Its breach raises the priority to high, whose times breach the first
    response too: one escalation, not a second one for the first response next round."""
    made = case(
        platform,
        tenant,
        "2026-12-07 09:00",
        priority="medium",
        owner_id=people["agent"],
        queue=people["queue2"],
    )
    answered = update(
        platform, tenant, "2026-12-07 15:00", made["id"], first_responded_at=at("2026-12-07 15:00")
    )
    assert answered["sla_status"] == "on_track"
    assert beijing(answered["resolution_due"]) == "2026-12-11 13:00"
    assert run_round(platform, tenant, "2026-12-11 13:30") == 1
    row = _case_row(platform, tenant, made["id"])
    assert (row["escalation_level"], row["priority"], row["sla_status"]) == (1, "high", "breached")
    assert sla.escalated_of(row["sla_escalated"], row["escalation_level"]) == {
        "first_response",
        "resolution",
    }
    assert row["sla_next_check"] is None  # both targets escalated: nothing left
    for when in ("2026-12-11 13:35", "2026-12-14 10:00"):
        assert run_round(platform, tenant, when) == 0
    row = _case_row(platform, tenant, made["id"])
    assert (row["escalation_level"], row["priority"]) == (1, "high")
    breaches = [key for _, key in notices(platform, tenant) if "breach" in key]
    assert set(breaches) == {f"service-sla-breach:{made['id']}:1"}
