"""Email campaign: ``python -m bench.email_campaigns [--count N] [--workers W]``.

Makes N consenting contacts, a segment of them all, a template and an email campaign; times
the queueing (the ``marketing.email_queue`` job: the audience into deliveries with one
``INSERT … SELECT``; budget 100,000 in under 30 s on PostgreSQL), then starts W ``keyi
worker`` processes against a real SMTP server (aiosmtpd in this process) and waits until the
campaign is sent (budget ≥ 200 messages/s with 2 workers). Counted at the receiver by
Message-ID (derived from the delivery): none lost, none twice.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from bench.environment import load_average, postgres_url
from bench.harness import RESULTS_DIR
from bench.notifications import Counting, _free_port
from keyi.packages.marketing import email_campaigns
from keyi.platform.jobs.queue import ClaimedJob
from keyi.platform.metadata import store
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import meta_state_table
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from keyi.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CHUNK = 2000


def _seed(platform: Platform, tenant: Any, count: int) -> str:
    """N contacts, and the campaign (owned by the administrator); its id."""
    with platform.context(tenant, Actor.system("bench")) as ctx:
        records = RecordsService(ctx)
        users = ctx.object("user").table
        admin = str(ctx.conn.execute(sa.select(users.c.id).order_by(users.c.id)).scalars().first())
        for start in range(0, count, CHUNK):
            records.create_many(
                "contact",
                [
                    {"name": f"客户{i}", "email": f"c{i}@bench.example", "consent": "granted"}
                    for i in range(start, min(count, start + CHUNK))
                ],
            )
        segment = records.create(
            "segment", {"name": "全部", "object": "contact", "type": "dynamic", "owner_id": admin}
        )
        template = records.create(
            "email_template",
            {
                "name": "基准",
                "subject": "{{ recipient.name }}，您好",
                "body_html": '<p>{{ recipient.name }}</p><a href="https://example.com/x">x</a>',
                "owner_id": admin,
            },
        )
        campaign = records.create(
            "email_campaign",
            {
                "name": "基准邮件",
                "segment": segment["id"],
                "template": template["id"],
                "from_address": "bench@example.com",
                "owner_id": admin,
            },
        )
        settings = dict(ctx.conn.execute(sa.select(meta_state_table.c.settings)).scalar_one() or {})
        settings[email_campaigns.RATE_KEY] = 1_000_000  # the bench measures the sender
        ctx.conn.execute(sa.update(meta_state_table).values(settings=settings))
        store.bump_version(ctx.conn)
        ctx.refresh_schema(dataclasses.replace(ctx.schema, settings=settings, memo={}))
        records.update(
            "email_campaign",
            campaign["id"],
            {"status": "sending"},
            trusted_fields=frozenset({"status"}),
        )
        return str(campaign["id"])


def run(
    count: int,
    workers: int,
    data_dir: Path,
    backend: str = "postgresql",
    concurrency: int = 4,
) -> dict[str, Any]:
    handler = Counting()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    schema = f"keyi_bench_email_{secrets.token_hex(4)}"
    url = postgres_url() if backend == "postgresql" else None
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        control_schema=schema,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="Keyi <bench@example.com>",
        public_url="https://crm.example.com",
    )
    platform = Platform(settings)
    platform.init_control()
    tenant = create_tenant(
        platform,
        "benchemail",
        admin_email="admin@benchemail.example",
        admin_password=secrets.token_urlsafe(16),
        admin_name="Bench",
    )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        campaign_id = _seed(platform, tenant, count)
        started = time.monotonic()
        with platform.context(tenant, Actor.system(f"job:{email_campaigns.QUEUE_JOB}")) as ctx:
            job = ClaimedJob("bench", email_campaigns.QUEUE_JOB, {"campaign": campaign_id}, 1, 1)
            email_campaigns.queue_campaign(ctx, job)
        queue_seconds = time.monotonic() - started
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
        if url:
            env["KEYI_DATABASE_URL"] = url
        env.update(
            KEYI_DATA_DIR=str(data_dir),
            KEYI_CONTROL_SCHEMA=schema,
            KEYI_SMTP_HOST="127.0.0.1",
            KEYI_SMTP_PORT=str(port),
            KEYI_PUBLIC_URL="https://crm.example.com",
            KEYI_JOB_POLL_SECONDS="0.05",
            PYTHONPATH=str(REPO),
        )
        command = [
            sys.executable,
            "-c",
            "from keyi.cli import main; main()",
            "worker",
            "--concurrency",
            str(concurrency),
        ]
        started = time.monotonic()
        processes = [
            subprocess.Popen(  # noqa: S603 - our own CLI
                command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for _ in range(workers)
        ]
        status = "sending"
        while time.monotonic() - started < 1800 and status == "sending":
            time.sleep(0.5)
            with platform.context(tenant, Actor.system("bench"), write=False) as ctx:
                table = ctx.object("email_campaign").table
                status = str(
                    ctx.conn.execute(
                        sa.select(table.c.status).where(table.c.id == campaign_id)
                    ).scalar_one()
                )
        send_seconds = time.monotonic() - started
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
        "recipients": count,
        "workers": workers,
        "concurrency": concurrency,
        "status": status,
        "queue_seconds": round(queue_seconds, 2),
        "received": received,
        "distinct": len(handler.seen),
        "duplicated": sum(n - 1 for n in handler.seen.values() if n > 1),
        "lost": count - len(handler.seen),
        "send_seconds": round(send_seconds, 1),
        "emails_per_second": round(received / send_seconds, 1) if send_seconds else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4, help="jobs at a time per worker")
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--data-dir", type=Path, default=RESULTS_DIR / "data" / "email")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    result = run(args.count, args.workers, args.data_dir, args.backend, args.concurrency)
    result.update(at=datetime.now(UTC).isoformat(timespec="seconds"), load_average=load_average())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
