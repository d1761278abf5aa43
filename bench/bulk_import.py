"""Bulk write throughput: ``python -m bench.bulk_import --rows N --backend postgresql|sqlite``.

Writes N generated accounts (the demo generator's, accounts only) into a fresh tenant through
:func:`keyi.platform.records.bulk.bulk_write` — coercion, defaults, unique and reference checks,
auto-numbers, the sales package's hooks, validation rules, history, outbox and search index —
one transaction per ``--commit-every`` rows, and the same rows into a plain table of the same
columns (no indexes) by ``COPY`` (PostgreSQL) or executemany (SQLite): the floor. Prints rows/s
of both, their ratio, and the process's peak memory; ``--profile`` adds the top of a cProfile of
the bulk phase. Issue 17's budget: ≥ 30,000 rows/s on PostgreSQL, ≥ 15,000 on SQLite.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.environment import Backend, load_average, machine_info, postgres_url
from keyi.demo.generator import DemoGenerator, Mix, Owners
from keyi.packages import register_all_hooks
from keyi.platform.context import TenantInfo
from keyi.platform.errors import FieldErrors
from keyi.platform.ids import new_id
from keyi.platform.permissions import Actor
from keyi.platform.records import rowwrite
from keyi.platform.records.bulk import BATCH_SIZE, bulk_write
from keyi.platform.records.values import coerce_input
from keyi.provisioning import create_tenant

ACCOUNTS_ONLY = Mix(
    contacts=False, opportunities=False, activities=False, leads=False, documents=False
)
BUDGET = {"postgresql": 30_000, "sqlite": 15_000}
FLOOR_TABLE = "bench_bulk_floor"


@dataclass
class Result:
    backend: str
    rows: int
    batch_size: int
    commit_every: int
    copy: bool
    bulk_seconds: float
    bulk_rows_per_second: float
    # This process's CPU seconds in the bulk phase: on a shared machine the wall clock also
    # counts waiting for a CPU; the database server's own time is not in it.
    bulk_cpu_seconds: float
    bulk_rows_per_cpu_second: float
    generate_seconds: float
    floor_seconds: float
    floor_rows_per_second: float
    peak_memory_mb: float
    budget_rows_per_second: int
    update_seconds: float
    update_rows_per_second: float
    load_average: list[float]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument(
        "--commit-every", type=int, default=20_000, help="rows per transaction (memory stays flat)"
    )
    parser.add_argument("--no-copy", action="store_true", help="executemany instead of COPY")
    parser.add_argument("--no-floor", action="store_true", help="skip the plain-table floor")
    parser.add_argument("--profile", action="store_true", help="cProfile the bulk phase")
    parser.add_argument(
        "--update",
        action="store_true",
        help="then update every row by its credit code (grade and employees), timed apart",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    return parser.parse_args(argv)


def generated(generator: DemoGenerator, start: int, count: int) -> list[dict[str, Any]]:
    """Accounts ``start..start+count`` as an import hands them over: field values by name."""
    rows = []
    for k in range(start, start + count):
        account = generator.bundle(k).account
        rows.append({key: v for key, v in account.items() if not key.startswith("_")})
    return rows


def chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def run(args: argparse.Namespace, echo: Any = print) -> Result:
    register_all_hooks()
    rowwrite.use_copy = not args.no_copy
    with tempfile.TemporaryDirectory(prefix="keyi-bulk-bench-") as tmp:
        backend = Backend.open(
            args.backend,
            Path(tmp),
            pg_url=postgres_url(),
            pg_schema=f"keyi_bench_bulk_{uuid.uuid4().hex[:8]}",
        )
        try:
            tenant = create_tenant(
                backend.platform,
                "bulk" + uuid.uuid4().hex[:8],
                admin_email=f"admin-{uuid.uuid4().hex[:6]}@bench-bulk.example",
                admin_password=uuid.uuid4().hex,
                admin_name="管理员",
                packages=("core", "sales"),
            )
            return measure(args, backend, tenant, echo)
        finally:
            backend.close(drop=True)


def measure(args: argparse.Namespace, backend: Backend, tenant: TenantInfo, echo: Any) -> Result:
    platform = backend.platform
    actor = Actor.system("bench-bulk")
    with platform.context(tenant, actor, write=False) as ctx:
        admin = ctx.conn.execute(
            sa.select(ctx.object("user").table.c.id).order_by(ctx.object("user").table.c.id)
        ).scalar_one()
    generator = DemoGenerator(args.seed, date(2026, 6, 1), Owners(admin, ()), ACCOUNTS_ONLY)
    profiler = cProfile.Profile() if args.profile else None
    bulk_seconds = generate_seconds = cpu_seconds = 0.0
    written = 0
    for start, count in chunks(args.rows, args.commit_every):
        started = time.perf_counter()
        rows = generated(generator, start, count)
        generate_seconds += time.perf_counter() - started
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        with platform.context(tenant, actor) as ctx:
            result = bulk_write(ctx, "account", rows, batch_size=args.batch_size)
        if profiler:
            profiler.disable()
        bulk_seconds += time.perf_counter() - started
        cpu_seconds += time.process_time() - cpu_started
        written += len(result.created)
        echo(f"bulk: {written:,}/{args.rows:,} rows · {written / bulk_seconds:,.0f} rows/s")
    update_seconds = updated = 0.0
    if args.update:
        for start, count in chunks(args.rows, args.commit_every):
            changes = [
                {"credit_code": row["credit_code"], "grade": "D", "employees": k}
                for k, row in enumerate(generated(generator, start, count))
            ]
            started = time.perf_counter()
            with platform.context(tenant, actor) as ctx:
                done = bulk_write(
                    ctx,
                    "account",
                    changes,
                    mode="update",
                    key="credit_code",
                    batch_size=args.batch_size,
                )
            update_seconds += time.perf_counter() - started
            updated += len(done.updated)
            echo(f"update: {updated:,.0f} rows · {updated / update_seconds:,.0f} rows/s")
    floor_seconds = 0.0 if args.no_floor else floor(args, backend, tenant, generator)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outcome = Result(
        backend=args.backend,
        rows=written,
        batch_size=args.batch_size,
        commit_every=args.commit_every,
        copy=not args.no_copy,
        bulk_seconds=round(bulk_seconds, 2),
        bulk_rows_per_second=round(written / bulk_seconds) if bulk_seconds else 0,
        bulk_cpu_seconds=round(cpu_seconds, 2),
        bulk_rows_per_cpu_second=round(written / cpu_seconds) if cpu_seconds else 0,
        generate_seconds=round(generate_seconds, 2),
        floor_seconds=round(floor_seconds, 2),
        floor_rows_per_second=round(args.rows / floor_seconds) if floor_seconds else 0,
        peak_memory_mb=round(peak, 1),
        budget_rows_per_second=BUDGET[args.backend],
        update_seconds=round(update_seconds, 2),
        update_rows_per_second=round(updated / update_seconds) if update_seconds else 0,
        load_average=load_average(),
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        echo(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        echo(out.getvalue())
    return outcome


def floor(
    args: argparse.Namespace, backend: Backend, tenant: TenantInfo, generator: DemoGenerator
) -> float:
    """Seconds to store the same rows, typed, in a plain table with the account's columns (no
    indexes, checks, hooks or side tables): COPY on PostgreSQL, executemany on SQLite."""
    platform = backend.platform
    with platform.context(tenant, Actor.system("bench-bulk")) as ctx:
        obj = ctx.object("account")
        plain = sa.Table(
            FLOOR_TABLE,
            sa.MetaData(),
            *[sa.Column(c.name, c.type) for c in obj.table.columns],
        )
        plain.create(ctx.conn)
    seconds = 0.0
    for start, count in chunks(args.rows, args.commit_every):
        rows = generated(generator, start, count)
        with platform.context(tenant, Actor.system("bench-bulk")) as ctx:
            obj = ctx.object("account")
            # Typed as the records service types them, so the floor stores the same values.
            typed = []
            for row in rows:
                values = coerce_input(ctx, obj, row, FieldErrors())
                values["id"] = new_id()
                typed.append({c.name: values.get(c.name) for c in plain.columns})
            started = time.perf_counter()
            if ctx.dialect == "postgresql":
                rowwrite._copy(ctx.conn, plain, typed)
            else:
                ctx.conn.execute(sa.insert(plain), typed)
            seconds += time.perf_counter() - started
    with platform.context(tenant, Actor.system("bench-bulk")) as ctx:
        plain.drop(ctx.conn)
    return seconds


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args, echo=lambda text: print(text, file=sys.stderr))
    info = {**asdict(result), "machine": machine_info()}
    print(json.dumps(info, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(info, indent=2, ensure_ascii=False))
    ratio = (
        result.floor_rows_per_second / result.bulk_rows_per_second
        if result.bulk_rows_per_second
        else 0
    )
    print(
        f"{result.backend}: bulk_write {result.bulk_rows_per_second:,} rows/s"
        f" (budget {result.budget_rows_per_second:,}); floor {result.floor_rows_per_second:,}"
        f" rows/s ({ratio:.1f}x); {result.bulk_rows_per_cpu_second:,} rows per CPU second;"
        f" peak {result.peak_memory_mb:,.0f} MB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
