"""A list sorted by name, first page and next page, on PostgreSQL: time and query plans.

``python -m bench.sorted_list --accounts 200000 [--upgrade] [--runs 30]``

Accounts are written straight into the account table (names from the demo generator; no
history or search tokens, which a sorted list never reads), so a tenant of a few hundred
thousand rows is ready in a minute; it is kept in its own control schema and reused. The
measured reads go through the platform (`run_query`, as an administrator), and each statement
they send is shown with ``EXPLAIN (ANALYZE, BUFFERS)``. ``--upgrade`` first runs the index step
of the tenant upgrade (`Ddl.sync_indexes`), as `keyi serve` does at start.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from bench.environment import Backend, postgres_url
from bench.harness import RESULTS_DIR
from keyi.demo.generator import DemoGenerator, Mix, Owners
from keyi.platform.context import TenantInfo
from keyi.platform.ids import new_id
from keyi.platform.metadata.store import load_definitions
from keyi.platform.permissions import Actor
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.schema import Ddl
from keyi.provisioning import create_tenant

ACTOR = Actor.system("bench")
BATCH = 5000


def ensure_tenant(backend: Backend, accounts: int) -> TenantInfo:
    platform = backend.platform
    name = f"sort{accounts}"
    existing = {t.name: t for t in platform.list_tenants()}
    if name in existing:
        return existing[name]
    tenant = create_tenant(
        platform,
        name,
        admin_email=f"admin@{name}.example",
        admin_password="Bx9-" + secrets.token_urlsafe(16),  # nobody signs in
        admin_name="管理员",
    )
    generator = DemoGenerator(
        7, date(2026, 12, 1), Owners(new_id(), ()), Mix(False, False, False, False)
    )
    started = time.perf_counter()
    for start in range(0, accounts, BATCH):
        with platform.context(tenant, ACTOR) as ctx:
            table = ctx.object("account").table
            now = ctx.now()
            rows = []
            for k in range(start, min(start + BATCH, accounts)):
                account = generator.bundle(k).account
                rows.append(
                    {
                        "id": new_id(),
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "name": account["name"],
                        "province": account.get("province"),
                        "industry": account.get("industry"),
                    }
                )
            ctx.conn.execute(sa.insert(table), rows)
    print(f"seeded {accounts:,} accounts in {time.perf_counter() - started:.0f} s")
    backend.analyze(tenant)
    return tenant


@contextmanager
def captured(backend: Backend, tenant: TenantInfo) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []
    engine = backend.platform.db.engine_for(tenant.location)

    def listener(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if "FROM account" in sql:
            statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def page(
    backend: Backend, tenant: TenantInfo, cursor: str | None, where: Any = None
) -> dict[str, Any]:
    spec = QuerySpec(
        filter=where, sort=[{"field": "name", "direction": "asc"}], limit=50, cursor=cursor
    )
    with backend.platform.context(tenant, ACTOR, write=False) as ctx:
        return run_query(ctx, "account", spec)


def measure(backend: Backend, tenant: TenantInfo, runs: int, where: Any = None) -> None:
    first = page(backend, tenant, None, where)
    cursor = first["next_cursor"]
    names = [r["name"] for r in first["records"]]
    print(f"filter {where}; first names:", " ".join(names[:8]))
    for label, token in (("first page", None), ("next page", cursor)):
        timings = []
        for _ in range(3 + runs):
            started = time.perf_counter()
            page(backend, tenant, token, where)
            timings.append((time.perf_counter() - started) * 1000)
        timings = sorted(timings[3:])
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(f"{label}: run_query p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms")
        with captured(backend, tenant) as statements:
            page(backend, tenant, token, where)
        for sql, params in statements:
            with backend.platform.db.tenant_transaction(tenant.location, write=False) as conn:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).all()
            print(f"----- {label}\n{sql}\n" + "\n".join(str(r[0]) for r in plan))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sorted_list", description=__doc__)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--upgrade", action="store_true", help="create missing indexes first")
    parser.add_argument("--pg-schema", default="keyi_sortbench")
    args = parser.parse_args()
    backend = Backend.open(
        "postgresql", RESULTS_DIR / "data", pg_url=postgres_url(), pg_schema=args.pg_schema
    )
    try:
        tenant = ensure_tenant(backend, args.accounts)
        if args.upgrade:
            with backend.platform.context(tenant, ACTOR) as ctx:
                started = time.perf_counter()
                added, _ = Ddl(ctx.conn).sync_indexes(load_definitions(ctx.conn))
                print(f"upgrade created {added} in {time.perf_counter() - started:.1f} s")
            backend.analyze(tenant)
        measure(backend, tenant, args.runs)
        # The benchmark's `list_province`: a filtered list sorted by name.
        measure(backend, tenant, args.runs, {"field": "province", "op": "eq", "value": "广东省"})
    finally:
        backend.close()


if __name__ == "__main__":
    main()
