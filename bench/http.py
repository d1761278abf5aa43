"""List-page throughput over real HTTP: ``python -m bench.http --accounts N --backend B``.

Starts ``keyi serve --workers P`` on the benchmark's seeded data (the same tenant ``python -m
bench`` measures; seeded here if missing) and drives it from a separate client process
(``bench.http_client``) with C keep-alive connections asking for a filtered, sorted 50-row page
of accounts (industry = X, newest first, the industry rotating) as the demo's sales user. For
each number of processes and of clients it reports requests per second and latency percentiles
as the client saw them, so the figure includes everything a browser waits for: the socket,
HTTP parsing, session lookup, the query, JSON and gzip.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench import wrk_client
from bench.access import ensure_access_fixture
from bench.environment import Backend, load_average, machine_info, postgres_url
from bench.harness import MIXES, RESULTS_DIR, SALES_LOGIN
from bench.operations import INDUSTRIES
from keyi.demo import ensure_demo
from keyi.demo.seed import email_domain
from keyi.platform.auth import AuthService
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform


def list_paths() -> list[str]:
    """One list URL per industry: what a list view filtered by industry asks for."""
    paths = []
    for industry in INDUSTRIES:
        query = urllib.parse.urlencode(
            {"f": f"industry:eq:{industry}", "sort": "-created_at", "limit": "50"}
        )
        paths.append(f"/api/v1/records/account?{query}")
    return paths


def session_token(platform: Platform, tenant: TenantInfo, login: str = SALES_LOGIN) -> str:
    """A web session for one of the demo's users, made directly (no password to know)."""
    t = platform.t
    email = f"{login}@{email_domain(tenant.name)}"
    with platform.db.control.connect() as conn:
        identity_id, user_id = conn.execute(
            sa.select(t["identity"].c.id, t["membership"].c.user_id)
            .join(t["membership"], t["membership"].c.identity_id == t["identity"].c.id)
            .where(t["identity"].c.email == email, t["membership"].c.tenant_id == tenant.id)
        ).one()
    return AuthService(platform).session_for(str(identity_id), tenant.id, str(user_id)).token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(backend: Backend, processes: int) -> tuple[subprocess.Popen[bytes], str]:
    settings = backend.platform.settings
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYI_", "PROMETHEUS_"))}
    env.update(KEYI_DATA_DIR=str(settings.data_dir), KEYI_CONTROL_SCHEMA=settings.control_schema)
    if settings.database_url:
        env["KEYI_DATABASE_URL"] = settings.database_url
    command = [sys.executable, "-m", "keyi.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [*command, "--workers", str(processes)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if server.poll() is not None:
            raise RuntimeError("keyi serve exited")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.terminate()
            raise RuntimeError("keyi serve did not become ready")
        time.sleep(0.2)


def prime(url: str, token: str, processes: int) -> None:
    """Ask each list URL a few times per process before measuring, on new connections, so the
    first requests' one-time work (metadata compiled, statements prepared) is not measured and
    a short run cannot end before its first answer."""
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2 * processes):
        for path in list_paths():
            httpx.get(url + path, headers=headers, timeout=120).raise_for_status()


def drive(
    url: str, token: str, clients: int, seconds: float, warmup: float, client: str = "httpx"
) -> dict[str, Any]:
    """Run the load client in its own process and return what it measured."""
    if client == "wrk":
        return wrk_client.drive(url, token, list_paths(), clients, seconds)
    command = [sys.executable, "-m", "bench.http_client", "--url", url]
    output = subprocess.run(  # noqa: S603 - our own client module
        [
            *command,
            *("--paths", json.dumps(list_paths()), "--clients", str(clients)),
            *("--seconds", str(seconds), "--warmup", str(warmup)),
        ],
        env={**os.environ, "KEYI_BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + warmup + 120,
    )
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return {**result, "client": "httpx"}


def run(args: argparse.Namespace) -> dict[str, Any]:
    backend = Backend.open(
        args.backend, args.data_dir, pg_url=postgres_url(), pg_schema=args.pg_schema
    )
    started = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    try:
        tenant_name = f"bench{args.accounts}" + ("" if args.mix == "lean" else args.mix)
        ensure_demo(
            backend.platform,
            accounts=args.accounts,
            tenant_name=tenant_name,
            mix=MIXES[args.mix],
            team_password=None,
            echo=print,
            # The same tenant and personas as `python -m bench`: the sales user reads without a
            # role; the access fixture's users (bench.manager: own + subordinates over a
            # 12-level chain; sun.li: own scope, shares and a sharing rule) read under roles.
            access_model=False,
        )
        tenant = backend.platform.tenant(tenant_name)
        ensure_access_fixture(backend.platform, tenant, roleless=(SALES_LOGIN,))
        backend.analyze(tenant)
        token = session_token(backend.platform, tenant, args.login)
        for processes in args.processes:
            server, url = start_server(backend, processes)
            try:
                prime(url, token, processes)
                for clients in args.clients:
                    result = drive(url, token, clients, args.seconds, args.warmup, args.client)
                    row = {"processes": processes, **result, "load_average": load_average()}
                    print(json.dumps(row))
                    rows.append(row)
            finally:
                server.terminate()
                server.wait(timeout=60)
    finally:
        backend.close()
    report = {
        "started": started.isoformat(),
        "backend": args.backend,
        "accounts": args.accounts,
        "machine": machine_info(),
        "request": list_paths()[0],
        "login": args.login,
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"http-{args.accounts}-{args.backend}-{started:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(markdown(rows))
    print(f"results: {path}")
    return report


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| client | processes | clients | requests/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.get('client', 'httpx')} | {r['processes']} | {r['clients']} "
            f"| {r['requests_per_second']} | {r['p50_ms']} "
            f"| {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |"
        )
    return "\n".join(lines)


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--mix", choices=sorted(MIXES), default="accounts")
    parser.add_argument("--processes", type=_numbers, default=[1, 2, 4])
    parser.add_argument("--clients", type=_numbers, default=[4, 8, 16])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--data-dir", type=Path, default=RESULTS_DIR / "data")
    parser.add_argument("--pg-schema", default="keyi_bench")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--login",
        default=SALES_LOGIN,
        help="the user whose session asks: the sales user (no role, as `python -m bench`), or"
        " an access persona of bench/access.py: bench.manager (own + subordinates), sun.li (own)",
    )
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk" if wrk_client.available() else "httpx",
        help="load client: wrk (C, when installed; leaves the cores to what is measured)"
        " or the Python one",
    )
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
