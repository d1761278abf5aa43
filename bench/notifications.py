"""Notification email drain: ``python -m bench.notifications [--count N] [--workers W]``.

Notifies 100 users N/100 times each (N in-app notifications, each with an email copy queued
as a ``notify.email`` job), then starts W ``keyi worker`` processes against a real SMTP server
(aiosmtpd, in this process) and waits until the queue is empty. Counted at the receiver: every
notification's email arrived (none lost) and none arrived twice (by Message-ID, which is derived
from the notification id).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from bench.environment import load_average, postgres_url
from bench.harness import RESULTS_DIR
from keyi.platform.jobs import job_table
from keyi.platform.notifications import notify
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user, create_tenant
from keyi.settings import Settings

REPO = Path(__file__).resolve().parents[1]
USERS = 100


class Counting:
    """An SMTP handler that counts Message-IDs (thread-safe: aiosmtpd runs in its own loop)."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        text = envelope.content.decode("utf-8", "replace")
        message_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.lower().startswith("message-id:")
            ),
            "",
        )
        with self.lock:
            self.seen[message_id] += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(count: int, workers: int, data_dir: Path, backend: str = "postgresql") -> dict[str, Any]:
    handler = Counting()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    schema = f"keyi_bench_notify_{secrets.token_hex(4)}"
    url = postgres_url() if backend == "postgresql" else None
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        control_schema=schema,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="Keyi <bench@example.com>",
    )
    platform = Platform(settings)
    platform.init_control()
    tenant = create_tenant(
        platform,
        "benchnotify",
        admin_email="admin@benchnotify.example",
        admin_password=secrets.token_urlsafe(16),
        admin_name="Bench",
    )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        users = [
            add_user(
                platform, tenant, email=f"u{i}@benchnotify.example", name=f"用户{i}", password=None
            )["id"]
            for i in range(USERS)
        ]
        with platform.context(tenant, Actor.system("bench")) as ctx:
            for round_ in range(count // USERS):
                notify(ctx, users, f"第 {round_} 条通知", dedupe_key=f"bench:{round_}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
        if url:
            env["KEYI_DATABASE_URL"] = url
        env.update(
            KEYI_DATA_DIR=str(data_dir),
            KEYI_CONTROL_SCHEMA=schema,
            KEYI_SMTP_HOST="127.0.0.1",
            KEYI_SMTP_PORT=str(port),
            KEYI_JOB_POLL_SECONDS="0.05",
            PYTHONPATH=str(REPO),
        )
        command = [sys.executable, "-c", "from keyi.cli import main; main()", "worker"]
        started = time.monotonic()
        processes = [
            subprocess.Popen(  # noqa: S603 - our own CLI
                command,
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        t = job_table
        while time.monotonic() - started < 900:
            with platform.db.tenant_transaction(tenant.location, write=False) as conn:
                left = conn.execute(
                    sa.select(sa.func.count()).where(t.c.status == "pending")
                ).scalar_one()
            if left == 0:
                break
            time.sleep(0.5)
        seconds = time.monotonic() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        controller.stop()
        platform.drop_tenant(tenant.name)
        if url:
            with platform.db.control.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        platform.dispose()
    received = sum(handler.seen.values())
    return {
        "backend": backend,
        "notifications": (count // USERS) * USERS,
        "workers": workers,
        "received": received,
        "distinct": len(handler.seen),
        "duplicated": sum(n - 1 for n in handler.seen.values() if n > 1),
        "lost": (count // USERS) * USERS - len(handler.seen),
        "seconds": round(seconds, 1),
        "emails_per_second": round(received / seconds, 1) if seconds else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--data-dir", type=Path, default=RESULTS_DIR / "data" / "notifications")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    result = run(args.count, args.workers, args.data_dir, args.backend)
    result.update(at=datetime.now(UTC).isoformat(timespec="seconds"), load_average=load_average())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
