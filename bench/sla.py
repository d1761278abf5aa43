"""SLA benchmarks (issue 15's budget: due-time computation ≥ 20,000 cases/s, so a policy
change can recompute every open case).

``python -m bench.sla [--computations 200000] [--cases 100000] [--backend both]``
``python -m bench.sla --tenant bench1000000service`` (PostgreSQL, after ``python -m bench.scale
--accounts 1000000 --mix service --cases 1000000``)

- ``due_times``: the engine alone — first-response and resolution due times (two additions)
  of the standard policy on the ``china_standard`` calendar, for starts spread over 2026 at
  random minutes and the four priorities, on a warm calendar (its per-day intervals cached,
  as in a server process) and on a cold one (a new calendar object per 1,000 computations).
- ``recompute``: ``keyi.packages.service.sla_recompute.recompute_policy`` (what the
  ``service.sla_recompute`` job runs, chunk by chunk) over N open cases of a fresh tenant
  (inserted set-based; one transaction): read with their accounts' grade, due times, states
  and next check times computed, written back by one ``UPDATE … FROM unnest(…)`` per chunk with
  a history entry per case — cases/s end to end; then the same again with nothing changed
  (every case read and computed, none written).
- ``--tenant NAME``: the same two passes over every policy's open cases of an existing
  benchmark tenant (the 1M-case one), in a transaction rolled back at the end (the tenant is
  left as it was; its packages are upgraded first if the code has new fields).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.environment import Backend, load_average, postgres_url
from keyi.packages.service import sla, sla_recompute
from keyi.platform.calendars import BusinessCalendar
from keyi.platform.context import Context
from keyi.platform.ids import new_id
from keyi.platform.permissions import Actor
from keyi.provisioning import create_tenant

ACTOR = Actor.system("bench")
OFFICE = {d: [(540, 1080)] for d in range(1, 6)}
TARGETS = [sla.Target(m * 60, r * 60) for _, m, r in sla.STANDARD_TARGETS]


def _starts(n: int, seed: int = 7) -> list[datetime]:
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [base + timedelta(minutes=rng.randrange(0, 60 * 24 * 350)) for _ in range(n)]


def bench_due_times(n: int) -> dict[str, float]:
    starts = _starts(n)
    warm = BusinessCalendar("Asia/Shanghai", OFFICE, china_holidays=True)
    for start in starts[:1000]:  # warm the per-day cache once, as a server would be
        sla.due_times(warm, start, TARGETS[0])
    began = time.perf_counter()
    for i, start in enumerate(starts):
        sla.due_times(warm, start, TARGETS[i % 4])
    warm_rate = n / (time.perf_counter() - began)
    began = time.perf_counter()
    calendar = warm
    for i, start in enumerate(starts):
        if i % 1000 == 0:
            calendar = BusinessCalendar("Asia/Shanghai", OFFICE, china_holidays=True)
        sla.due_times(calendar, start, TARGETS[i % 4])
    cold_rate = n / (time.perf_counter() - began)
    return {"computations": n, "warm_per_s": round(warm_rate), "cold_per_s": round(cold_rate)}


def bench_recompute(backend: Backend, cases: int) -> dict[str, Any]:
    platform = backend.platform
    tenant = create_tenant(
        platform,
        "slabench" + uuid.uuid4().hex[:8],
        admin_email=f"{uuid.uuid4().hex[:8]}@bench.example",
        admin_password="Bench-pass-2026!x",  # noqa: S106 (a throwaway tenant)
        admin_name="bench",
    )
    try:
        with platform.context(tenant, ACTOR) as ctx:
            policy = sla.policy_by_key(ctx, sla.STANDARD_POLICY)
            assert policy is not None
            _insert_cases(ctx, policy.id, cases)
        backend.analyze(tenant)
        with platform.context(tenant, ACTOR) as ctx:
            began = time.perf_counter()
            done = sla_recompute.recompute_policy(ctx, policy.id)
            seconds = time.perf_counter() - began
        with platform.context(tenant, ACTOR) as ctx:
            began = time.perf_counter()
            unchanged = sla_recompute.recompute_policy(ctx, policy.id)
            again = time.perf_counter() - began
        return {
            "again_changed": unchanged,
            "again_seconds": round(again, 2),
            "again_cases_per_s": round(cases / again),
            "backend": backend.name,
            "cases": done,
            "seconds": round(seconds, 2),
            "cases_per_s": round(done / seconds),
        }
    finally:
        platform.drop_tenant(tenant.name)


def _insert_cases(ctx: Context, policy_id: str, n: int) -> None:
    """N open cases of the policy over 2026, priorities and statuses mixed, some waiting;
    no due times yet (the recomputation fills them)."""
    table = ctx.object("case").table
    rng = random.Random(11)
    now = ctx.now()
    starts = _starts(n)
    statuses = ("new", "assigned", "in_progress", "in_progress", "waiting_on_customer")
    for chunk in range(0, n, 5000):
        rows = []
        for i in range(chunk, min(n, chunk + 5000)):
            rows.append(
                {
                    "id": new_id(),
                    "version": 1,
                    "created_at": starts[i].replace(tzinfo=None),
                    "updated_at": now,
                    "subject": f"工单 {i}",
                    "priority": sla.PRIORITIES[i % 4],
                    "status": statuses[rng.randrange(len(statuses))],
                    "sla_policy": policy_id,
                    "sla_paused_minutes": rng.choice((0, 0, 0, 30, 600)),
                    "escalation_level": 0,
                    "reopen_count": 0,
                }
            )
        ctx.conn.execute(sa.insert(table), rows)


def bench_tenant(name: str, pg_schema: str) -> dict[str, Any]:
    """Both passes over an existing tenant's open cases, rolled back (see the module)."""
    from bench.harness import RESULTS_DIR
    from keyi.packages.upgrade import upgrade_tenant

    backend = Backend.open(
        "postgresql", RESULTS_DIR / "data", pg_url=postgres_url(), pg_schema=pg_schema
    )
    try:
        platform = backend.platform
        tenant = next(t for t in platform.list_tenants() if t.name == name)
        upgrade_tenant(platform, tenant)
        with platform.db.tenant_transaction(tenant.location) as conn:
            schema = platform.schemas.get(conn, tenant.location)
            ctx = Context(tenant, ACTOR, conn, schema, platform=platform)
            table = ctx.object("sla_policy").table
            policies = [
                str(i)
                for i in conn.execute(
                    sa.select(table.c.id).where(table.c.deleted_at.is_(None))
                ).scalars()
            ]
            cases = ctx.object("case").table
            open_cases = conn.execute(
                sa.select(sa.func.count()).where(
                    cases.c.deleted_at.is_(None), cases.c.status.not_in(sla.CLOSED_STATUSES)
                )
            ).scalar_one()
            began = time.perf_counter()
            done = sum(sla_recompute.recompute_policy(ctx, p) for p in policies)
            seconds = time.perf_counter() - began
            began = time.perf_counter()
            unchanged = sum(sla_recompute.recompute_policy(ctx, p) for p in policies)
            again = time.perf_counter() - began
            conn.rollback()
        return {
            "tenant": name,
            "open_cases": open_cases,
            "changed": done,
            "seconds": round(seconds, 2),
            "open_cases_per_s": round(open_cases / seconds),
            "again_changed": unchanged,
            "again_seconds": round(again, 2),
            "again_cases_per_s": round(open_cases / again),
        }
    finally:
        backend.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sla", description=__doc__)
    parser.add_argument("--computations", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tenant", help="an existing PostgreSQL benchmark tenant instead")
    parser.add_argument("--pg-schema", default="keyi_bench")
    args = parser.parse_args(argv)
    print("load average", load_average())
    if args.tenant:
        print("recompute", bench_tenant(args.tenant, args.pg_schema))
        print("load average", load_average())
        return 0
    print("due_times", bench_due_times(args.computations))
    names = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            backend = Backend.open(name, Path(tmp), pg_url=postgres_url(), pg_schema=None)
            try:
                print("recompute", bench_recompute(backend, args.cases))
            finally:
                backend.close(drop=True)
    print("load average", load_average())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
