"""Seed a benchmark tenant, measure every operation three ways, write JSON and Markdown."""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event

from bench.access import AccessFixture, ensure_access_fixture
from bench.access_operations import access_operations, visible_counts
from bench.environment import Backend, load_average, machine_info
from bench.l2c_operations import l2c_operations
from bench.marketing_operations import marketing_operations
from bench.operations import Operation, ServerTimer, Subject, all_operations, canonical
from bench.report_operations import report_operations
from bench.service_operations import service_operations
from keyi.api.app import create_app
from keyi.demo import Mix, ensure_demo
from keyi.demo.generator import DemoGenerator, Owners
from keyi.demo.seed import email_domain
from keyi.platform.auth import AuthService
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor

RESULTS_DIR = Path(__file__).parent / "results"
MIXES = {
    # Accounts and their opportunities: what the measured queries touch, seeded fastest.
    "lean": Mix(contacts=False, opportunities=True, activities=False, leads=False, documents=False),
    "full": Mix(),
    # Accounts alone: the quickest way to a million-row list, get and search.
    "accounts": Mix(
        contacts=False, opportunities=False, activities=False, leads=False, documents=False
    ),
    # Accounts, contacts, opportunities and the lead-to-cash documents that follow them.
    "l2c": Mix(activities=False, leads=False),
    # The same, with the service package's queues and cases (about one per ten accounts).
    "service": Mix(activities=False, leads=False),
}
KINDS = ("platform", "api", "raw")
SALES_LOGIN = "li.na"
MEASURED_TABLE = re.compile(
    r'\bFROM\s+"?(account|opportunity|case|keyi_search_token|keyi_search_document)\b'
)
EXPLAIN_PREFIX = {"postgresql": "EXPLAIN (ANALYZE, BUFFERS) ", "sqlite": "EXPLAIN QUERY PLAN "}

Echo = Callable[[str], None]


@dataclass
class Config:
    accounts: int = 10_000
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    runs: int = 30
    warmup: int = 3
    seed: int = 7
    mix: str = "lean"
    data_dir: Path = RESULTS_DIR / "data"
    out_dir: Path | None = RESULTS_DIR
    pg_url: str = ""
    pg_schema: str | None = "keyi_bench"  # None: a temporary schema, dropped afterwards
    drop: bool = False  # drop the benchmark tenants afterwards (smoke tests)
    batch_size: int = 2000
    operations: tuple[str, ...] | None = None  # None: all


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.seconds)
        return {
            "p50_ms": round(_percentile(ordered, 0.50) * 1000, 3),
            "p95_ms": round(_percentile(ordered, 0.95) * 1000, 3),
            "min_ms": round(ordered[0] * 1000, 3),
            "max_ms": round(ordered[-1] * 1000, 3),
            "runs": len(ordered),
        }


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def run(config: Config, echo: Echo = print) -> dict[str, Any]:
    started = datetime.now(UTC)
    result: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "config": {
            "accounts": config.accounts,
            "runs": config.runs,
            "warmup": config.warmup,
            "seed": config.seed,
            "mix": config.mix,
        },
        "machine": machine_info(),
        "load_average_start": load_average(),
        "backends": {},
    }
    for name in config.backends:
        result["backends"][name] = run_backend(config, name, echo)
    result["load_average_end"] = load_average()
    result["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    if config.out_dir is not None:
        config.out_dir.mkdir(parents=True, exist_ok=True)
        stamp = started.strftime("%Y%m%dT%H%M%S")
        path = config.out_dir / f"bench-{config.accounts}-{'-'.join(config.backends)}-{stamp}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        plans = path.with_suffix(".plans.txt")
        plans.write_text(plans_text(result))
        result["path"] = str(path)
        echo(f"results: {path} (query plans: {plans.name})")
    echo(markdown(result))
    return result


def run_backend(config: Config, name: str, echo: Echo) -> dict[str, Any]:
    backend = Backend.open(name, config.data_dir, pg_url=config.pg_url, pg_schema=config.pg_schema)
    try:
        # The lean tenant keeps its historical name; other mixes are different data.
        tenant_name = f"bench{config.accounts}" + ("" if config.mix == "lean" else config.mix)
        echo(
            f"[{name}] seeding tenant {tenant_name}: {config.accounts:,} accounts, {config.mix} mix"
        )
        report = ensure_demo(
            backend.platform,
            accounts=config.accounts,
            seed=config.seed,
            echo=lambda text: echo(f"[{name}] {text}"),
            tenant_name=tenant_name,
            batch_size=config.batch_size,
            mix=MIXES[config.mix],
            team_password=None,
            # The measured sales user has no role (no row predicate), as in every earlier run;
            # reads under roles are the access fixture's operations.
            access_model=False,
        )
        tenant = report.tenant
        started = time.perf_counter()
        fixture = ensure_access_fixture(backend.platform, tenant, roleless=(SALES_LOGIN,))
        access_seconds = time.perf_counter() - started
        seeding: dict[str, Any] = {
            "reused": report.rows == 0,
            "accounts_before": report.accounts_before,
            "records": report.rows,
            "created": report.created,
            "seconds": round(report.seconds, 1),
            "records_per_second": round(report.rows_per_second),
            "write_records_per_second": {
                k: round(report.created[k] / v) for k, v in report.write_seconds.items() if v
            },
        }
        started = time.perf_counter()
        backend.analyze(tenant)
        seeding["analyze_seconds"] = round(time.perf_counter() - started, 1)
        seeding["access_setup_seconds"] = round(access_seconds, 1)
        sizes = backend.sizes(tenant, ("account", "opportunity", "contact", "activity", "lead"))
        echo(f"[{name}] data: {sizes['rows']}, {sizes['bytes'] / 1e6:,.0f} MB")
        with _subject(backend, tenant, config) as subject:
            operations = [
                op
                for op in default_operations(subject, fixture, MIXES[config.mix])
                if config.operations is None or op.name in config.operations
            ]
            access = {
                "chain_depth": len(fixture.chain),
                "visible": visible_counts(subject, fixture),
            }
            measured = {
                op.name: measure(subject, op, config, echo=lambda t: echo(f"[{name}] {t}"))
                for op in operations
            }
            plans = {op.name: explain(subject, op) for op in operations if op.explain}
        return {
            "server": backend.server_info(),
            "tenant": tenant.name,
            "seeding": seeding,
            "sizes": sizes,
            "access": access,
            "operations": measured,
            "plans": plans,
        }
    finally:
        backend.close(drop=config.drop)


def default_operations(
    subject: Subject, fixture: AccessFixture, mix: Mix | None = None
) -> list[Operation]:
    """Everything measured by default: the sales user's operations (no row predicate: users
    without a role read everything), then reads as the access fixture's two people."""
    documents = l2c_operations(subject) if mix is not None and mix.documents else []
    try:
        service = service_operations(subject)
    except LookupError:  # a tenant without the service package
        service = []
    try:
        marketing = marketing_operations(subject)
    except LookupError:  # a tenant without the marketing package
        marketing = []
    return [
        *all_operations(subject),
        *access_operations(subject, fixture),
        *report_operations(subject, fixture),
        *documents,
        *service,
        *marketing,
    ]


@contextmanager
def _subject(backend: Backend, tenant: TenantInfo, config: Config) -> Iterator[Subject]:
    platform = backend.platform
    users = platform_users(backend, tenant)
    domain = email_domain(tenant.name)
    admin_id = users[f"admin@{domain}"][0]
    sales_id, sales_name = users[f"{SALES_LOGIN}@{domain}"]
    sales_ids = tuple(
        uid for email, (uid, _) in sorted(users.items()) if not email.startswith("admin@")
    )
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        read_ids = [
            canonical(r)
            for r in conn.exec_driver_sql(
                "SELECT id FROM account WHERE deleted_at IS NULL ORDER BY random() LIMIT 500"
            ).scalars()
        ]
        owned_ids = [
            canonical(r)
            for r in conn.execute(
                sa.text(
                    "SELECT id FROM account WHERE deleted_at IS NULL AND owner_id = :u "
                    "ORDER BY random() LIMIT 500"
                ),
                {"u": sales_id if backend.name == "postgresql" else uuid.UUID(sales_id).hex},
            ).scalars()
        ]
        searchable = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT name, definition FROM keyi_meta_object ORDER BY name"
            )
            if (json.loads(row[1]) if isinstance(row[1], str) else row[1])
            .get("features", {})
            .get("search")
        ]
    with platform.context(tenant, Actor.system("bench"), write=False) as ctx:
        today = ctx.today()
    key = AuthService(platform).create_api_key(tenant.id, sales_id, "bench")
    timer = ServerTimer(create_app(platform.settings, platform))
    with TestClient(timer) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield Subject(
            platform=platform,
            tenant=tenant,
            actor=Actor(id=sales_id, name=sales_name, is_admin=False),
            client=client,
            timer=timer,
            generator=DemoGenerator(config.seed, today, Owners(admin_id, sales_ids)),
            read_ids=read_ids,
            owned_ids=owned_ids,
            searchable=searchable,
        )


def platform_users(backend: Backend, tenant: TenantInfo) -> dict[str, tuple[str, str]]:
    with backend.platform.db.tenant_transaction(tenant.location, write=False) as conn:
        rows = conn.exec_driver_sql(
            'SELECT email, id, name FROM "user" WHERE deleted_at IS NULL'
        ).all()
    return {row[0]: (canonical(row[1]), row[2]) for row in rows}


# ---------------------------------------------------------------- measuring
def measure(subject: Subject, op: Operation, config: Config, echo: Echo) -> dict[str, Any]:
    samples = {kind: Samples() for kind in KINDS}
    client_samples = Samples()
    runners = {"platform": op.platform, "api": op.api, "raw": op.raw}
    for i in range(config.warmup + config.runs):
        # Rotate which path goes first, so drifting load and warm caches favour none of them.
        order = KINDS[i % 3 :] + KINDS[: i % 3]
        results: dict[str, Any] = {}
        for kind in order:
            started = time.perf_counter()
            results[kind] = runners[kind](i)
            elapsed = time.perf_counter() - started
            if i < config.warmup:
                continue
            if kind == "api":
                samples[kind].seconds.append(subject.timer.last)
                client_samples.seconds.append(elapsed)
            else:
                samples[kind].seconds.append(elapsed)
        if op.check is not None:
            op.check(results["platform"], results["raw"])
    summary: dict[str, Any] = {"label": op.label, "verified": op.check is not None}
    for kind in KINDS:
        summary[kind] = samples[kind].summary()
    summary["api_client"] = client_samples.summary()
    raw_p50 = summary["raw"]["p50_ms"]
    summary["platform_over_raw"] = (
        round(summary["platform"]["p50_ms"] / raw_p50, 2) if raw_p50 else None
    )
    summary["api_over_raw"] = round(summary["api"]["p50_ms"] / raw_p50, 2) if raw_p50 else None
    summary["statements"] = {
        "platform": count_statements(subject, lambda: op.platform(config.warmup + config.runs)),
        "api": count_statements(subject, lambda: op.api(config.warmup + config.runs + 1)),
    }
    if op.notes:
        summary["notes"] = op.notes
    echo(
        f"{op.name:<34} p50 platform {summary['platform']['p50_ms']:8.2f} ms"
        f"  api {summary['api']['p50_ms']:8.2f} ms  raw {raw_p50:8.2f} ms"
        f"  (x{summary['platform_over_raw']} / x{summary['api_over_raw']})"
    )
    return summary


@contextmanager
def capture(subject: Subject) -> Iterator[list[tuple[str, Any]]]:
    """Statements sent to the tenant's (and the control) database while the block runs."""
    statements: list[tuple[str, Any]] = []
    db = subject.platform.db
    engines = {id(e): e for e in (db.control, db.engine_for(subject.tenant.location))}.values()

    def listener(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        statements.append((statement, parameters))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listener)


def count_statements(subject: Subject, call: Callable[[], Any]) -> int:
    with capture(subject) as statements:
        call()
    return sum(
        1 for sql, _ in statements if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT"))
    )


def explain(subject: Subject, op: Operation) -> dict[str, Any]:
    """Query plans of the platform's statements for this operation and of the raw SQL."""
    prefix = EXPLAIN_PREFIX["postgresql" if subject.postgres else "sqlite"]
    with capture(subject) as platform_statements:
        op.platform(0)
    with capture(subject) as raw_statements:
        op.raw(0)
    plans: dict[str, Any] = {"platform": [], "raw": []}
    for kind, statements in (("platform", platform_statements), ("raw", raw_statements)):
        for sql, params in statements:
            text = sql.strip()
            if not text.upper().startswith(("SELECT", "WITH")) or not MEASURED_TABLE.search(text):
                continue  # the schema-version check and the caller's user/role lookups
            with subject.raw() as conn:
                rows = conn.exec_driver_sql(prefix + text, params if params else ()).all()
            plan = "\n".join(
                str(r[0]) if len(r) == 1 else " | ".join(str(c) for c in r) for r in rows
            )
            plans[kind].append({"sql": text, "plan": plan})
    return plans


# ---------------------------------------------------------------- reporting
def plans_text(result: dict[str, Any]) -> str:
    out = []
    for backend, data in result["backends"].items():
        for op_name, plans in data["plans"].items():
            for kind in ("platform", "raw"):
                for entry in plans[kind]:
                    out.append(f"===== {backend} · {op_name} · {kind}")
                    out.append(f"{entry['sql']}\n----\n{entry['plan']}\n")
    return "\n".join(out)


def markdown(result: dict[str, Any]) -> str:
    lines = []
    for name, data in result["backends"].items():
        rows = data["sizes"]["rows"]
        lines.append(
            f"\n### {name} — {rows['account']:,} accounts, {rows['opportunity']:,} opportunities, "
            + (
                f"{rows['keyi_search_token']:,} search tokens"
                if rows.get("keyi_search_token")
                else f"{rows.get('keyi_search_document', 0):,} search documents"
            )
        )
        lines.append("")
        lines.append(
            "| operation | platform p50 / p95 ms | API p50 / p95 ms | raw SQL p50 / p95 ms "
            "| platform ÷ raw | API ÷ raw | SQL stmts (platform / API) |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for op_name, m in data["operations"].items():
            lines.append(
                f"| {op_name} | {m['platform']['p50_ms']:.2f} / {m['platform']['p95_ms']:.2f} "
                f"| {m['api']['p50_ms']:.2f} / {m['api']['p95_ms']:.2f} "
                f"| {m['raw']['p50_ms']:.2f} / {m['raw']['p95_ms']:.2f} "
                f"| {m['platform_over_raw']}× | {m['api_over_raw']}× "
                f"| {m['statements']['platform']} / {m['statements']['api']} |"
            )
        access = data.get("access")
        if access:
            seen = access["visible"]
            lines.append(
                f"\nAccess fixture: the *subordinates* manager heads a "
                f"{access['chain_depth']}-level department chain and sees "
                f"{seen['subordinates']['account']:,} accounts / "
                f"{seen['subordinates']['opportunity']:,} opportunities; the *own_scope* "
                f"representative (sharing rule + manual shares) sees "
                f"{seen['own_scope']['account']:,} accounts / "
                f"{seen['own_scope']['opportunity']:,} opportunities."
            )
        seeding = data["seeding"]
        if not seeding["reused"]:
            lines.append(
                f"\nSeeded {seeding['records']:,} records in {seeding['seconds']:,} s "
                f"({seeding['records_per_second']:,} records/s); "
                f"ANALYZE {seeding['analyze_seconds']} s."
            )
    return "\n".join(lines)
