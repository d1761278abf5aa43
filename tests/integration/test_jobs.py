"""The durable job queue and its worker, on SQLite and PostgreSQL (keyi.platform.jobs)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import Context, TenantInfo
from keyi.platform.jobs import (
    DEAD,
    DONE,
    PENDING,
    OutboxEvent,
    enqueue,
    job_table,
    retry,
    subscribe,
)
from keyi.platform.jobs import relay as relay_module
from keyi.platform.jobs.worker import Worker, utc_now
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import outbox_table
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user, create_tenant
from tests.conftest import ADMIN_PASSWORD, login, new_tenant_name
from tests.integration import job_kinds  # noqa: F401  (registers the test job kinds)

SYSTEM = Actor.system("test")
REPO = Path(__file__).resolve().parents[2]


class Clock:
    """A clock the test moves: backoff and leases without waiting."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _enqueue(
    platform: Platform, tenant: TenantInfo, kind: str, payload: dict[str, Any], **kw: Any
) -> str | None:
    kw.setdefault("now", utc_now())
    with platform.context(tenant, SYSTEM) as ctx:
        return enqueue(ctx.conn, kind, payload, **kw)


def _jobs(platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        return {str(r.id): r for r in conn.execute(sa.select(job_table))}


def _account_names(platform: Platform, tenant: TenantInfo) -> list[str]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        table = ctx.object("account").table
        return sorted(
            ctx.conn.execute(sa.select(table.c.name).where(table.c.deleted_at.is_(None))).scalars()
        )


def _worker(platform: Platform, *tenants: TenantInfo, **kw: Any) -> Worker:
    return Worker(platform, tenants=[t.name for t in tenants], rng=random.Random(7), **kw)


def test_a_job_runs_once_and_its_effect_commits_with_its_completion(
    platform: Platform, tenant: TenantInfo
) -> None:
    job_id = _enqueue(platform, tenant, "test.create_account", {"name": "队列客户"})
    worker = _worker(platform, tenant)
    outcomes = worker.run_until_idle()
    worker.stop()
    assert [(o.job_id, o.status) for o in outcomes] == [(job_id, DONE)]
    job = _jobs(platform, tenant)[str(job_id)]
    assert (job.status, job.attempts, job.locked_by, job.last_error) == (DONE, 1, None, None)
    assert job.finished_at is not None
    assert _account_names(platform, tenant).count("队列客户") == 1


def test_enqueue_belongs_to_the_callers_transaction_and_dedupes_on_its_key(
    platform: Platform, tenant: TenantInfo
) -> None:
    with pytest.raises(RuntimeError), platform.context(tenant, SYSTEM) as ctx:
        enqueue(ctx.conn, "test.noop", {}, now=utc_now())
        raise RuntimeError("the write failed")
    assert _jobs(platform, tenant) == {}
    first = _enqueue(platform, tenant, "test.noop", {}, dedupe_key="welcome:1")
    again = _enqueue(platform, tenant, "test.noop", {}, dedupe_key="welcome:1")
    other = _enqueue(platform, tenant, "test.noop", {}, dedupe_key="welcome:2")
    assert first is not None and again is None and other is not None
    assert set(_jobs(platform, tenant)) == {first, other}


def test_a_failing_job_backs_off_then_succeeds_and_its_failed_attempts_leave_nothing(
    platform: Platform, tenant: TenantInfo
) -> None:
    clock = Clock()
    job_id = _enqueue(
        platform, tenant, "test.flaky", {"name": "Flaky", "succeed_on": 3}, now=clock.now
    )
    worker = _worker(platform, tenant, clock=clock)
    assert [o.status for o in worker.run_until_idle()] == [PENDING]
    job = _jobs(platform, tenant)[str(job_id)]
    assert job.attempts == 1 and job.locked_by is None
    assert job.last_error == "RuntimeError: attempt 1 fails"
    first_delay = job.run_at - clock.now
    assert timedelta(seconds=1) <= first_delay <= timedelta(seconds=10)
    # Not due yet: nothing runs.
    assert worker.run_until_idle() == []
    clock.advance(seconds=11)
    assert [o.status for o in worker.run_until_idle()] == [PENDING]
    second_delay = _jobs(platform, tenant)[str(job_id)].run_at - clock.now
    assert second_delay <= timedelta(seconds=20)
    clock.advance(seconds=21)
    assert [o.status for o in worker.run_until_idle()] == [DONE]
    worker.stop()
    # Only the successful attempt's account exists: the failed ones rolled back.
    assert [n for n in _account_names(platform, tenant) if n.startswith("Flaky")] == ["Flaky #3"]


def test_a_job_out_of_attempts_is_dead_until_retried(
    platform: Platform, tenant: TenantInfo
) -> None:
    clock = Clock()
    job_id = _enqueue(
        platform, tenant, "test.flaky", {"name": "Dead"}, max_attempts=2, now=clock.now
    )
    unknown = _enqueue(platform, tenant, "test.no_such_kind", {}, max_attempts=1, now=clock.now)
    worker = _worker(platform, tenant, clock=clock)
    statuses = {o.job_id: o.status for o in worker.run_until_idle()}
    assert statuses == {job_id: PENDING, unknown: DEAD}
    clock.advance(hours=1)
    assert [o.status for o in worker.run_until_idle()] == [DEAD]
    jobs = _jobs(platform, tenant)
    assert jobs[str(job_id)].status == DEAD and jobs[str(job_id)].attempts == 2
    assert jobs[str(unknown)].last_error == "UnknownJobKind: test.no_such_kind"
    with platform.context(tenant, SYSTEM) as ctx:
        assert retry(ctx.conn, [str(job_id), str(uuid.uuid4())], now=clock.now) == 1
    job = _jobs(platform, tenant)[str(job_id)]
    assert (job.status, job.attempts, job.finished_at) == (PENDING, 0, None)
    assert [o.status for o in worker.run_until_idle()] == [PENDING]
    worker.stop()


def test_a_leased_job_waits_for_its_lease_and_the_late_worker_skips_it(
    platform: Platform, tenant: TenantInfo
) -> None:
    """A worker that claimed a job and went quiet (paused, or slower than its lease) holds it
    until the lease runs out; then another worker runs it, and the first one, coming back,
    finds it no longer its own and does not run it a second time."""
    clock = Clock()
    job_id = _enqueue(platform, tenant, "test.create_account", {"name": "Leased"}, now=clock.now)
    first = _worker(platform, tenant, clock=clock, lease=timedelta(seconds=30), name="first")
    second = _worker(platform, tenant, clock=clock, lease=timedelta(seconds=30), name="second")
    [claimed] = first._claim(tenant)
    assert claimed.id == job_id and claimed.attempts == 1
    assert second.run_until_idle() == []  # leased
    clock.advance(seconds=31)
    assert [(o.job_id, o.status) for o in second.run_until_idle()] == [(job_id, DONE)]
    assert first.run_job(tenant, claimed).status == "skipped"
    first.stop()
    second.stop()
    assert _account_names(platform, tenant).count("Leased") == 1
    assert _jobs(platform, tenant)[str(job_id)].attempts == 2


@pytest.fixture
def second_tenant(platform: Platform) -> Iterator[TenantInfo]:
    info = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=f"{uuid.uuid4().hex[:8]}@second.example.com",
        admin_password="correct-horse-battery",
        admin_name="Admin",
    )
    yield info
    platform.drop_tenant(info.name)


def test_one_tenants_flood_does_not_starve_another(
    platform: Platform, tenant: TenantInfo, second_tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        for _ in range(40):
            enqueue(ctx.conn, "test.noop", {}, now=utc_now())
    quiet = [_enqueue(platform, second_tenant, "test.noop", {}) for _ in range(2)]
    worker = _worker(platform, tenant, second_tenant, batch=4)
    first_round = worker.run_round()
    worker.stop()
    ran = [o.job_id for o in first_round.outcomes]
    # The flooded tenant got one batch; the quiet one's jobs ran in the same round.
    assert set(quiet) <= set(ran) and len(ran) == 4 + 2


def test_the_relay_fans_each_event_out_once_and_sets_a_poison_event_aside(
    platform: Platform, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[OutboxEvent] = []
    monkeypatch.setattr(relay_module, "_SUBSCRIBERS", {})

    @subscribe("test.audit_copy")
    def copy(ctx: Context, event: OutboxEvent) -> None:
        if event.object != "account" or event.record_id is None:
            return
        if RecordsService(ctx).get("account", event.record_id)["name"] == "Poison":
            raise ValueError("cannot handle")
        seen.append(event)
        enqueue(ctx.conn, "test.noop", {"event": event.id}, now=ctx.now(), dedupe_key=event.id)

    with platform.context(tenant, SYSTEM) as ctx:
        good = RecordsService(ctx).create("account", {"name": "Relayed"})["id"]
        poison = RecordsService(ctx).create("account", {"name": "Poison"})["id"]
    worker = _worker(platform, tenant)
    for _ in range(relay_module.MAX_EVENT_ATTEMPTS):
        worker.run_round()
    worker.stop()
    assert [(e.event, e.object, e.record_id) for e in seen] == [("record.created", "account", good)]
    jobs = _jobs(platform, tenant)
    assert [j.payload["event"] for j in jobs.values()] == [seen[0].id]
    t = outbox_table
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        rows = dict(
            conn.execute(
                sa.select(t.c.record_id, t.c.attempts).where(t.c.processed_at.is_not(None))
            ).all()
        )
        pending = conn.execute(sa.select(sa.func.count()).where(t.c.processed_at.is_(None)))
        assert pending.scalar_one() == 0
    # Both are finished with: one delivered, the poison one set aside after its attempts.
    assert rows[good] == 0 and rows[poison] == relay_module.MAX_EVENT_ATTEMPTS


def _worker_env(platform: Platform, started: Path) -> dict[str, str]:
    settings = platform.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    env.update(
        KEYI_DATA_DIR=str(settings.data_dir),
        KEYI_CONTROL_SCHEMA=settings.control_schema,
        KEYI_JOB_MODULES="tests.integration.job_kinds",
        KEYI_JOB_LEASE_SECONDS="2",
        KEYI_JOB_POLL_SECONDS="0.1",
        PYTHONPATH=str(REPO),
    )
    if settings.database_url:
        env["KEYI_DATABASE_URL"] = settings.database_url
    return env


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from keyi.cli import main; main()", "worker"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_kill_9_in_the_middle_of_a_job_loses_nothing_and_does_nothing_twice(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    """A `keyi worker` process is killed with SIGKILL after its job's effect and before its
    commit; a second worker runs the job once its lease has run out. The job is done and its
    effect exists exactly once."""
    started = tmp_path / "started"
    job_id = _enqueue(
        platform,
        tenant,
        "test.create_account",
        {"name": "Kill 9", "hang_on_attempt": 1, "started": str(started)},
    )
    env = _worker_env(platform, started)
    first = _start_worker(env)
    try:
        _wait(started.exists)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert "Kill 9" not in _account_names(platform, tenant)
    assert _jobs(platform, tenant)[str(job_id)].status == PENDING
    second = _start_worker(env)
    try:
        _wait(lambda: _jobs(platform, tenant)[str(job_id)].status == DONE)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    job = _jobs(platform, tenant)[str(job_id)]
    assert (job.status, job.attempts) == (DONE, 2)
    assert _account_names(platform, tenant).count("Kill 9") == 1
    assert second.returncode == 0, second.stderr.read() if second.stderr else ""


def test_setup_lists_jobs_and_retries_a_dead_one_for_administrators_only(
    platform: Platform, tenant: TenantInfo, app: Any, client: TestClient
) -> None:
    dead = _enqueue(platform, tenant, "test.no_such_kind", {"to": "x"}, max_attempts=1)
    done = _enqueue(platform, tenant, "test.noop", {})
    worker = _worker(platform, tenant)
    worker.run_until_idle()
    worker.stop()

    listed = client.get("/api/v1/jobs").json()
    assert [j["id"] for j in listed["jobs"]] == [done, dead]  # newest first
    assert listed["counts"] == {"pending": 0, "done": 1, "dead": 1}
    [only_dead] = client.get("/api/v1/jobs", params={"status": "dead"}).json()["jobs"]
    assert only_dead["id"] == dead and only_dead["payload"] == {"to": "x"}
    assert only_dead["last_error"] == "UnknownJobKind: test.no_such_kind"
    assert client.get("/api/v1/jobs", params={"status": "lost"}).status_code == 422
    page = client.get("/api/v1/jobs", params={"limit": 1}).json()
    assert page["next_cursor"] == done
    rest = client.get("/api/v1/jobs", params={"cursor": page["next_cursor"]}).json()["jobs"]
    assert [j["id"] for j in rest] == [dead]

    retried = client.post(f"/api/v1/jobs/{dead}/retry")
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == (PENDING, 0)
    assert client.post(f"/api/v1/jobs/{dead}/retry").status_code == 409
    assert client.post(f"/api/v1/jobs/{done}/retry").status_code == 409
    assert client.post(f"/api/v1/jobs/{uuid.uuid4()}/retry").status_code == 404
    assert client.post("/api/v1/jobs/not-a-uuid/retry").status_code == 404
    audit = client.get("/api/v1/audit", params={"action": "job.retry"}).json()["entries"]
    assert [e["details"]["job_id"] for e in audit] == [dead]

    add_user(platform, tenant, email="rep@jobs.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "rep@jobs.example", tenant=tenant.name)
        assert rep.get("/api/v1/jobs").status_code == 403
        assert rep.post(f"/api/v1/jobs/{dead}/retry").status_code == 403
