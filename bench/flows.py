"""What a before-save flow adds to a write: ``python -m bench.flows [--runs N] [--backend B]``.

Creates accounts through the records service in a tenant of its own, first with no flows,
then with one before-save flow that sets a field from an expression (the budget: at most
1.3× the plain write), then with one after-commit flow as well (its cost in the write is the
condition and the enqueued job; the job itself runs later). Runs alternate in rounds so that a
slower moment of the machine affects every variant alike. Reports p50/p95 per variant.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.environment import load_average, postgres_url
from bench.harness import RESULTS_DIR
from keyi.platform.automation import service as flows
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from keyi.settings import Settings

LABELS = {"en": "Bench", "zh-CN": "基准"}
BEFORE_SAVE = {
    "name": "bench_before_save",
    "labels": LABELS,
    "trigger": {
        "type": "record",
        "object": "account",
        "events": ["created"],
        "condition": "industry = 'manufacturing'",
        "timing": "before_save",
    },
    "actions": [{"type": "update_fields", "values": {"description": "'制造业：' & name"}}],
}
AFTER_COMMIT = {
    "name": "bench_after_commit",
    "labels": LABELS,
    "trigger": {
        "type": "record",
        "object": "account",
        "events": ["created"],
        "condition": "industry = 'manufacturing'",
    },
    "actions": [
        {"type": "create_record", "object": "activity", "values": {"subject": "'跟进 ' & name"}}
    ],
}


def _platform(backend: str, data_dir: Path) -> Platform:
    url = postgres_url() if backend == "postgresql" else None
    schema = f"keyi_bench_flows_{secrets.token_hex(4)}"
    platform = Platform(Settings(data_dir=data_dir, database_url=url, control_schema=schema))
    platform.init_control()
    return platform


def _time_creates(platform: Platform, tenant: Any, runs: int) -> list[float]:
    timings = []
    for i in range(runs):
        started = time.perf_counter()
        with platform.context(tenant, Actor.system("bench")) as ctx:
            RecordsService(ctx).create(
                "account", {"name": f"基准机械 {i}", "industry": "manufacturing"}
            )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def run(backend: str, runs: int, data_dir: Path) -> dict[str, Any]:
    platform = _platform(backend, data_dir)
    tenant = create_tenant(
        platform,
        "benchflows",
        admin_email="admin@benchflows.example",
        admin_password=secrets.token_urlsafe(16),
        admin_name="Bench",
    )
    samples: dict[str, list[float]] = {"plain": [], "before_save": [], "both": []}
    ids: dict[str, str] = {}
    try:
        _time_creates(platform, tenant, 20)  # warm caches and the connection pool
        for _ in range(5):
            for variant in samples:
                with platform.context(tenant, Actor.system("bench")) as ctx:
                    for name, body in (("before_save", BEFORE_SAVE), ("after", AFTER_COMMIT)):
                        wanted = variant == "both" or (variant == name)
                        if wanted and name not in ids:
                            ids[name] = flows.create_flow(ctx, body)["id"]
                        elif not wanted and name in ids:
                            flows.delete_flow(ctx, ids.pop(name))
                _time_creates(platform, tenant, 3)  # the new metadata revision, compiled
                samples[variant] += _time_creates(platform, tenant, runs // 5)
    finally:
        platform.drop_tenant(tenant.name)
        platform.dispose()
    result: dict[str, Any] = {"backend": backend, "runs": runs}
    for variant, values in samples.items():
        ordered = sorted(values)
        result[variant] = {
            "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        }
    plain = result["plain"]["p50_ms"]
    result["before_save_ratio"] = round(result["before_save"]["p50_ms"] / plain, 2)
    result["both_ratio"] = round(result["both"]["p50_ms"] / plain, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--data-dir", type=Path, default=RESULTS_DIR / "data" / "flows")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    result = run(args.backend, args.runs, args.data_dir)
    result.update(at=datetime.now(UTC).isoformat(timespec="seconds"), load_average=load_average())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
