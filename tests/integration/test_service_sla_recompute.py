"""The recomputation of a policy's open cases (keyi.packages.service.sla_recompute): the bulk
path gives exactly what the case hooks give one case at a time (a few hundred random cases over
2026's holidays, make-up days, nights and weekends, some responded, some paused, some of a
graded account), saves answer at once and queue one job per policy (coalesced), the job runs in
chunks that chain and stop when superseded, a case edited meanwhile ends with the new inputs
applied to its newest state, and history and audit say what happened."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.service import sla, sla_recompute
from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.jobs.queue import ClaimedJob
from keyi.platform.jobs.table import job_table
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import history_table
from keyi.platform.tenancy import Platform
from tests.integration.test_service_sla import at, beijing, case, context_at, run_jobs

pytestmark = pytest.mark.packages("core", "sales", "l2c", "service")
SYSTEM = Actor.system("test")
R = "/api/v1/records"
COMPARED = ("first_response_due", "resolution_due", "sla_status", "next_due", "sla_next_check")


def _policy(platform: Platform, tenant: TenantInfo) -> sla.Policy:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        policy = sla.policy_by_key(ctx, "standard")
    assert policy is not None
    return policy


def _stored(platform: Platform, tenant: TenantInfo, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        cases = ctx.object("case").table
        rows = ctx.conn.execute(
            sa.select(cases.c.id, *(cases.c[n] for n in COMPARED)).where(cases.c.id.in_(ids))
        ).all()
    return {str(r[0]): tuple(r[1:]) for r in rows}


def _pending(platform: Platform, tenant: TenantInfo) -> list[dict[str, Any]]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        t = job_table
        return [
            dict(r)
            for r in ctx.conn.execute(
                sa.select(t.c.id, t.c.payload, t.c.locked_by).where(
                    t.c.kind == sla_recompute.RECOMPUTE_JOB, t.c.status == "pending"
                )
            ).mappings()
        ]


def test_bulk_path_matches_the_case_hooks(platform: Platform, tenant: TenantInfo) -> None:
    """Each case's due times, state, next due and next check as the hooks computed them on a
    priority change at 2026-12-07 10:00 are what the bulk path computes at that instant: a
    recomputation then writes nothing, and the values agree field by field."""
    rng = random.Random(20261207)
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        policy = sla.policy_by_key(ctx, "standard")
        assert policy is not None
        records.create(
            "sla_target",
            {
                "policy": policy.id,
                "priority": "high",
                "account_grade": "A",
                "first_response_hours": 1.25,
                "resolution_hours": 6.5,
            },
        )
        accounts = [
            records.create("account", {"name": f"客户{g}", "grade": g})["id"] for g in "ABC"
        ]
    n = 240
    with context_at(platform, tenant, "2026-12-07 10:00") as ctx:
        ids = RecordsService(ctx).create_many(
            "case",
            [
                {
                    "subject": f"工单 {i}",
                    "priority": "low",
                    "account": rng.choice([None, *accounts]),
                    "status": rng.choice(("new", "in_progress", "waiting_on_customer")),
                }
                for i in range(n)
            ],
        )
        cases = ctx.object("case").table
        base = at("2026-01-05 00:00")
        for case_id in ids:
            # Half over the year (its holidays and make-up days), half in the last week (still
            # on track or at risk at 10:00 on 7 December).
            created = (
                base + timedelta(minutes=rng.randrange(0, 60 * 24 * 335))
                if rng.random() < 0.5
                else at("2026-12-07 10:00") - timedelta(minutes=rng.randrange(1, 60 * 24 * 7))
            )
            values: dict[str, Any] = {
                "created_at": created,
                "sla_paused_minutes": rng.choice((0, 0, 17, 600, 2700)),
            }
            if rng.random() < 0.4:
                answer = timedelta(minutes=rng.randrange(1, 5760), seconds=rng.randrange(60))
                values["first_responded_at"] = min(created + answer, at("2026-12-07 09:59"))
            if rng.random() < 0.1:
                values["escalation_level"] = 1
                values["sla_escalated"] = '["first_response"]'
            ctx.conn.execute(sa.update(cases).where(cases.c.id == case_id).values(**values))
    # The hooks compute each case from scratch on a priority change.
    with context_at(platform, tenant, "2026-12-07 10:00") as ctx:
        records = RecordsService(ctx)
        for case_id in ids:
            records.update("case", case_id, {"priority": rng.choice(sla.PRIORITIES[1:])})
    hooked = _stored(platform, tenant, ids)
    assert {v[2] for v in hooked.values()} == {"on_track", "warning", "breached", "paused"}
    assert sum(v[0] is not None for v in hooked.values()) == n
    with context_at(platform, tenant, "2026-12-07 10:00") as ctx:
        inputs = sla_recompute.load_inputs(ctx, policy.id)
        assert inputs is not None
        rows = ctx.conn.execute(sla_recompute._select(ctx, inputs)).all()
        now = sla.seconds_of(ctx.now())
        assert now is not None
        bulk = {str(r.id): sla_recompute.compute(inputs, r, now) for r in rows}
        assert sla_recompute.recompute_policy(ctx, policy.id, chunk=7) == 0
    assert {k: bulk[k] for k in ids} == hooked


def test_saves_answer_at_once_and_coalesce(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    made = case(platform, tenant, "2026-12-04 17:00", priority="high")
    policy = _policy(platform, tenant)
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        target = sla._rows(ctx, "sla_target", policy=policy.id, priority="high")[0]
    me = client.get("/api/v1/me").json()["user"]["id"]
    for hours in (2, 3):
        response = client.patch(
            f"{R}/sla_target/{target['id']}", json={"first_response_hours": hours}
        )
        assert response.status_code == 200, response.text
    # Two saves, one waiting job (the one the standard policy's install queued, now naming
    # who asked); the case is unchanged until it runs.
    assert [j["payload"]["requested_by"] for j in _pending(platform, tenant)] == [[me]]
    assert beijing(_stored(platform, tenant, [made["id"]])[made["id"]][0]) == "2026-12-07 12:00"
    # A job a worker holds read the inputs already: the next save queues another pass.
    with platform.context(tenant, SYSTEM) as ctx:
        ctx.conn.execute(sa.update(job_table).values(locked_by="elsewhere"))
    client.patch(f"{R}/sla_target/{target['id']}", json={"first_response_hours": 1})
    assert len(_pending(platform, tenant)) == 2
    with platform.context(tenant, SYSTEM) as ctx:
        ctx.conn.execute(
            sa.update(job_table).where(job_table.c.locked_by.is_not(None)).values(locked_by=None)
        )
    run_jobs(platform, tenant)
    assert _pending(platform, tenant) == []
    # Friday 17:00 + 1 h: Friday 18:00.
    assert beijing(_stored(platform, tenant, [made["id"]])[made["id"]][0]) == "2026-12-04 18:00"
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        history = ctx.conn.execute(
            sa.select(history_table.c.changes, history_table.c.actor_id)
            .where(history_table.c.record_id == made["id"], history_table.c.operation == "update")
            .order_by(history_table.c.id)
        ).all()
        audits = ctx.conn.execute(
            sa.select(audit_table.c.details, audit_table.c.object).where(
                audit_table.c.action == "service.sla_recompute"
            )
        ).all()
    changes, actor = history[-1]
    assert actor is None  # the job wrote it; the audit names who asked
    assert {c["field"] for c in changes} >= {"first_response_due", "next_due"}
    first = next(c for c in changes if c["field"] == "first_response_due")
    assert first["old"] == "2026-12-07T04:00:00.000Z" and first["new"] == "2026-12-04T10:00:00.000Z"
    assert audits and all(a.object == "case" and a.details["policy"] == policy.id for a in audits)
    assert [a.details["requested_by"] for a in audits] == [[me]]
    assert audits[0].details["count"] == 1 and audits[0].details["ids"] == [made["id"]]


def test_chunks_chain_and_stop_when_superseded(
    platform: Platform, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sla_recompute, "CHUNK", 2)
    ids = [case(platform, tenant, "2026-12-04 17:00", priority="high")["id"] for _ in range(5)]
    policy = _policy(platform, tenant)

    def set_hours(hours: float) -> None:
        with context_at(platform, tenant, "2026-12-04 17:30") as ctx:
            target = sla._rows(ctx, "sla_target", policy=policy.id, priority="high")[0]
            RecordsService(ctx).update("sla_target", target["id"], {"first_response_hours": hours})

    set_hours(2)
    outcomes = run_jobs(platform, tenant)
    assert [o.status for o in outcomes] == ["done"] * 3  # 2 + 2 + 1 cases
    assert {beijing(v[0]) for v in _stored(platform, tenant, ids).values()} == {"2026-12-07 10:00"}
    # A chain whose inputs changed under it stops; the change's own pass does every case.
    set_hours(3)
    worker_jobs = _pending(platform, tenant)
    assert len(worker_jobs) == 1
    with platform.context(tenant, SYSTEM) as ctx:
        job = ClaimedJob(worker_jobs[0]["id"], "k", worker_jobs[0]["payload"], 1, 8)
        sla_recompute.run_chunk(ctx, job)  # the first chunk, by hand: its continuation queued
    continuation = [j for j in _pending(platform, tenant) if j["payload"].get("after")]
    assert len(continuation) == 1 and continuation[0]["payload"]["fingerprint"]
    with platform.context(tenant, SYSTEM) as ctx:
        ctx.conn.execute(sa.delete(job_table).where(job_table.c.id == worker_jobs[0]["id"]))
    set_hours(1)
    run_jobs(platform, tenant)
    assert _pending(platform, tenant) == []
    assert {beijing(v[0]) for v in _stored(platform, tenant, ids).values()} == {"2026-12-04 18:00"}
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        inputs = sla_recompute.load_inputs(ctx, policy.id)
        assert (
            inputs is not None and continuation[0]["payload"]["fingerprint"] != inputs.fingerprint
        )


def test_case_edited_meanwhile_ends_with_its_newest_state(
    platform: Platform, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = case(platform, tenant, "2026-12-04 17:00", priority="high")
    other = case(platform, tenant, "2026-12-04 17:00", priority="high")
    policy = _policy(platform, tenant)
    write = sla_recompute._write
    calls: list[int] = []

    def racing(ctx: Any, changes: Any) -> Any:
        if not calls:
            # Another transaction's edit lands between the chunk's read and its write.
            cases = ctx.object("case").table
            ctx.conn.execute(
                sa.update(cases)
                .where(cases.c.id == edited["id"])
                .values(priority="urgent", version=cases.c.version + 1)
            )
        calls.append(len(changes))
        return write(ctx, changes)

    monkeypatch.setattr(sla_recompute, "_write", racing)
    with context_at(platform, tenant, "2026-12-04 17:30") as ctx:
        target = sla._rows(ctx, "sla_target", policy=policy.id, priority="high")[0]
        RecordsService(ctx).update("sla_target", target["id"], {"first_response_hours": 2})
    with context_at(platform, tenant, "2026-12-04 17:30") as ctx:
        inputs = sla_recompute.load_inputs(ctx, policy.id)
        assert inputs is not None
        result = sla_recompute.recompute_chunk(ctx, inputs)
    assert calls == [2, 1] and result.changed == 2  # the edited case read again, alone
    stored = _stored(platform, tenant, [edited["id"], other["id"]])
    # Urgent (1 h) from Friday 17:00: Friday 18:00; the other case: high's new 2 h.
    assert beijing(stored[edited["id"]][0]) == "2026-12-04 18:00"
    assert beijing(stored[other["id"]][0]) == "2026-12-07 10:00"
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        versions = dict(
            ctx.conn.execute(
                sa.select(ctx.object("case").table.c.id, ctx.object("case").table.c.version)
            ).all()
        )
    assert versions[edited["id"]] == edited["version"] + 1  # the edit's version, not bumped
    assert versions[other["id"]] == other["version"]


def test_upgrade_fills_the_check_times_of_older_cases(
    platform: Platform, tenant: TenantInfo
) -> None:
    """A company upgraded from before ``sla_next_check``: its running cases have none, so the
    round would never read them; the upgrade queues a recomputation that fills them in."""
    from keyi.packages.service import sla_hooks

    made = case(platform, tenant, "2026-12-07 09:00", priority="high")
    assert _stored(platform, tenant, [made["id"]])[made["id"]][4] is not None
    run_jobs(platform, tenant)  # the pass the standard policy's install queued
    with platform.context(tenant, SYSTEM) as ctx:
        assert sla_hooks.ship_on_upgrade(ctx, None) is None  # type: ignore[arg-type]
    assert _pending(platform, tenant) == []  # nothing missing: no pass over every case
    with platform.context(tenant, SYSTEM) as ctx:
        cases = ctx.object("case").table
        ctx.conn.execute(sa.update(cases).values(sla_next_check=None))
        sla_hooks.ship_on_upgrade(ctx, None)  # type: ignore[arg-type]
    assert len(_pending(platform, tenant)) == 1
    run_jobs(platform, tenant)
    assert _stored(platform, tenant, [made["id"]])[made["id"]][4] is not None
