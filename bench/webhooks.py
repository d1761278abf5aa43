"""Commit → webhook received, with an idle worker: ``python -m bench.webhooks [--events 50]``.

The budget (issue 12): p50 under 500 ms on PostgreSQL. On PostgreSQL when
``KEYI_BENCH_POSTGRES_URL`` or ``KEYI_TEST_POSTGRES_URL`` is set (a throw-away control schema,
dropped at the end), else on SQLite in a temporary directory.

A tenant subscribes a local receiver (127.0.0.1, so private targets are allowed for the run)
to ``account.updated``; a background worker runs as in ``keyi serve`` (the default poll
interval). Each event: update an account in its own transaction, take the time right after
the commit, wait until the receiver has the delivery for that change, then pause a random
0.3–0.6 s so that the worker is idle (asleep between polls) when the next change commits —
the latency then includes the wait for the worker's next round, as in production.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from keyi.platform import jsoncodec
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.platform.webhooks import subscriptions
from keyi.provisioning import create_tenant
from keyi.settings import Settings


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        now = time.perf_counter()
        name = jsoncodec.loads_exact(body)["data"]["record"]["name"]
        with self.server.changed:
            self.server.arrived[name] = now
            self.server.changed.notify_all()
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _platform(data_dir: Path) -> tuple[Platform, str]:
    url = os.environ.get("KEYI_BENCH_POSTGRES_URL") or os.environ.get("KEYI_TEST_POSTGRES_URL")
    common: dict[str, Any] = {"data_dir": data_dir, "webhook_allow_private": True}
    if url:
        schema = f"keyi_bench_hooks_{uuid.uuid4().hex[:8]}"
        settings = Settings(database_url=url, control_schema=schema, **common)
    else:
        settings = Settings(**common)
    platform = Platform(settings)
    platform.init_control()
    return platform, "postgresql" if url else "sqlite"


def run(events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        platform, backend = _platform(Path(tmp))
        receiver = _Receiver()
        server = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05})
        server.start()
        tenant = create_tenant(
            platform,
            f"bench-hooks-{uuid.uuid4().hex[:6]}",
            admin_email="bench@hooks.example",
            admin_password=secrets.token_urlsafe(16),
        )
        worker = Worker(platform, tenants=[tenant.name])
        try:
            system = Actor.system("bench")
            with platform.context(tenant, system) as ctx:
                subscriptions.create_webhook(
                    ctx,
                    {
                        "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook",
                        "events": ["account.updated"],
                    },
                )
                account = RecordsService(ctx).create("account", {"name": "bench-0"})
            worker.start()
            latencies: list[float] = []
            for n in range(1, events + 1):
                time.sleep(random.uniform(0.3, 0.6))  # the worker is asleep between polls
                name = f"bench-{n}"
                with platform.context(tenant, system) as ctx:
                    RecordsService(ctx).update("account", account["id"], {"name": name})
                committed = time.perf_counter()
                with receiver.changed:
                    arrived = receiver.changed.wait_for(
                        lambda name=name: name in receiver.arrived,
                        10,
                    )
                    if not arrived:
                        raise RuntimeError(f"event {n} not received within 10 s")
                latencies.append((receiver.arrived[name] - committed) * 1000)
        finally:
            worker.stop()
            receiver.shutdown()
            receiver.server_close()
            server.join()
            platform.drop_tenant(tenant.name)
            if backend == "postgresql":
                with platform.db.control.begin() as conn:
                    # Our own generated name (keyi_bench_hooks_<hex>), as in tests/conftest.py.
                    schema = platform.settings.control_schema
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            platform.dispose()
    latencies.sort()
    return {
        "backend_postgresql": float(backend == "postgresql"),
        "events": float(len(latencies)),
        "poll_seconds": platform.settings.job_poll_seconds,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[max(0, round(len(latencies) * 0.95) - 1)],
        "min_ms": latencies[0],
        "max_ms": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()
    result = run(args.events)
    backend = "PostgreSQL" if result["backend_postgresql"] else "SQLite"
    print(
        f"webhooks on {backend}: {int(result['events'])} events, worker poll "
        f"{result['poll_seconds']} s — commit → received p50 {result['p50_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms (min {result['min_ms']:.0f}, max {result['max_ms']:.0f}); "
        "budget p50 < 500 ms"
    )


if __name__ == "__main__":
    main()
