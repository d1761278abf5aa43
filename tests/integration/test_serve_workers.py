"""`keyi serve --workers N`: several server processes on one port behave as one server.

A real `keyi serve` runs as a subprocess on the test platform's database; the client opens a
new connection per request, so the kernel spreads requests over the processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, admin_email_of

WORKERS = 2
METRICS_TOKEN = "metrics-" + "x" * 24


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Live child processes of `pid` that run Python (the server processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture
def server(platform: Platform, tenant: TenantInfo, tmp_path: Path) -> Iterator[str]:
    settings = platform.settings
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYI_", "PROMETHEUS_"))}
    env.update(
        KEYI_DATA_DIR=str(settings.data_dir),
        KEYI_CONTROL_SCHEMA=settings.control_schema,
        KEYI_METRICS_TOKEN=METRICS_TOKEN,
    )
    if settings.database_url:
        env["KEYI_DATABASE_URL"] = settings.database_url
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "keyi.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "keyi serve --workers did not become ready"
            time.sleep(0.1)
        # Both processes take connections only once each has started; wait on that state.
        while len(_children(process.pid)) < WORKERS:
            assert time.monotonic() < deadline, "server processes did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _fresh(url: str, token: str) -> httpx.Client:
    """A client whose every request opens a new connection (no keep-alive)."""
    return httpx.Client(
        base_url=url,
        headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        limits=httpx.Limits(max_keepalive_connections=0),
        timeout=30,
    )


def test_processes_share_sessions_metadata_and_metrics(
    server: str, platform: Platform, tenant: TenantInfo
) -> None:
    login = httpx.post(
        server + "/api/v1/auth/login",
        json={"email": admin_email_of(platform, tenant), "password": ADMIN_PASSWORD},
    )
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    with _fresh(server, token) as client:
        # A session made by one process is good in every process.
        for _ in range(12):
            assert client.get("/api/v1/me").status_code == 200
        # A field added through one process is known to all of them on their next request.
        added = client.post(
            "/api/v1/metadata/objects/account/fields",
            json={"name": "tier_x", "type": "text", "labels": {"en": "Tier", "zh-CN": "层级"}},
        )
        assert added.status_code in (200, 201), added.text
        for _ in range(12):
            fields = client.get("/api/v1/metadata/objects/account").json()["fields"]
            assert "tier_x" in {f["name"] for f in fields}
            created = client.post("/api/v1/records/account", json={"name": "多进程", "tier_x": "A"})
            assert created.status_code == 201, created.text
        # A scrape reaching any one process counts every process's requests.
        counted = []
        for _ in range(4):
            scrape = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            assert scrape.status_code == 200, scrape.text
            text = scrape.text
            counted.append(
                sum(
                    float(line.rsplit(" ", 1)[1])
                    for line in text.splitlines()
                    if line.startswith("keyi_http_requests_total{")
                    and 'route="/api/v1/records/{object_name}"' in line
                    and 'method="POST"' in line
                )
            )
        assert counted == [12.0] * 4
