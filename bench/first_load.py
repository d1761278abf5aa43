"""First load of a list page in a real browser: ``python -m bench.first_load --tenant T``.

Starts ``keyi serve`` on an existing data directory (e.g. the benchmark's seeded SQLite data,
or its PostgreSQL tenant with ``--backend postgresql``), signs in through the API in a fresh
browser context each run (so nothing is cached), then times what a person waits for when they
open the CRM: from the browser's navigation start to the paint of the first rows of the
accounts list, as the browser itself reports it (Element Timing). Measured with Debian's
Chromium driven by Playwright; `wall` is from the driver's side: its navigation request until it
has heard of the painted rows, including its own round trips.

The server, the sign-in and the timed loads are shared with ``bench.dashboard_load``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, sync_playwright

from bench.environment import load_average, postgres_url
from bench.harness import RESULTS_DIR, Samples
from keyi.demo.seed import DEMO_PASSWORD, admin_email

CHROMIUM = "/usr/bin/chromium"

# In the page before any of its scripts: report the paint time of the first list row's title,
# as the browser gives it through Element Timing (the list page marks the rows' first cells
# elementtiming="list-row"), on the console. Waiting for a console message, the driver runs
# nothing in the page while it loads: Playwright's own injected script (what wait_for_function
# and evaluate need) took ~40-55 ms of the page's main thread, right when the app starts.
ROWS_PAINTED = """
new PerformanceObserver((entries, observer) => {
  for (const entry of entries.getEntries()) {
    if (entry.identifier === 'list-row') {
      console.log('keyi-painted ' + (entry.renderTime || entry.loadTime));
      observer.disconnect();
      return;
    }
  }
}).observe({ type: 'element', buffered: true });
"""
# What the page's observer writes on the console, followed by the paint time in milliseconds
# since navigation start.
PAINTED_PREFIX = "keyi-painted "


@dataclass(frozen=True)
class Server:
    """What ``keyi serve`` runs on: a data directory, and for PostgreSQL its URL and schema."""

    data_dir: Path
    database_url: str | None = None
    control_schema: str | None = None
    web_dist: Path | None = None  # another build of the web app (to compare two builds)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYI_", "PROMETHEUS_"))}
        # Every run signs in again: the default limit (per minute) would stop a long run.
        env.update(KEYI_DATA_DIR=str(self.data_dir), KEYI_LOGIN_RATE_LIMIT="1000")
        if self.database_url:
            env["KEYI_DATABASE_URL"] = self.database_url
        if self.control_schema:
            env["KEYI_CONTROL_SCHEMA"] = self.control_schema
        if self.web_dist:
            env["KEYI_WEB_DIST"] = str(self.web_dist)
        return env


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options naming the server's data and the user: as ``python -m bench`` seeds them."""
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the server's KEYI_DATA_DIR (default: the benchmark's, bench/results/data/<backend>)",
    )
    parser.add_argument(
        "--pg-schema",
        default="keyi_bench",
        help="PostgreSQL control schema (the benchmark's; the URL is KEYI_BENCH_POSTGRES_URL, "
        "else KEYI_TEST_POSTGRES_URL, else the local default)",
    )
    parser.add_argument(
        "--web-dist", type=Path, default=None, help="serve this build of the web app instead"
    )
    parser.add_argument("--tenant", required=True, help="e.g. bench1000000")
    parser.add_argument("--email", default=None, help="default: the tenant's demo administrator")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--runs", type=int, default=7)


def server_of(args: argparse.Namespace) -> Server:
    data_dir = args.data_dir or RESULTS_DIR / "data" / args.backend
    if args.backend == "postgresql":
        return Server(
            data_dir,
            database_url=postgres_url(),
            control_schema=args.pg_schema,
            web_dist=args.web_dist,
        )
    return Server(data_dir, web_dist=args.web_dist)


@dataclass(frozen=True)
class SignIn:
    tenant: str
    email: str
    password: str

    @classmethod
    def of(cls, args: argparse.Namespace) -> SignIn:
        return cls(args.tenant, args.email or admin_email(args.tenant), args.password)

    def login_body(self) -> dict[str, str]:
        return {"email": self.email, "password": self.password, "tenant": self.tenant}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    # Up to 10 minutes: a first start after seeding upgrades the tenant (at 1M, index builds).
    for _ in range(3000):
        if process.poll() is not None:
            raise RuntimeError("keyi serve exited")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1):  # noqa: S310 (http://127.0.0.1)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("keyi serve did not become ready")


@contextmanager
def serve(server: Server) -> Iterator[str]:
    """``keyi serve`` (one process, as the embedded default) on a free port; yields its URL."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own CLI)
        [sys.executable, "-m", "keyi.cli", "serve", "--port", str(port)],
        env=server.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def signed_in_context(browser: Browser, url: str, who: SignIn) -> BrowserContext:
    """A fresh context (empty cache, no cookies) with a session: the sign-in is not timed."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    login = context.request.post(url + "/api/v1/auth/login", data=who.login_body())
    assert login.ok, login.text()
    return context


@dataclass
class Loads:
    """Seconds per measured run: the browser's paint time, cold and warm, and the driver's wall
    time of the cold load."""

    cold: Samples = field(default_factory=Samples)
    warm: Samples = field(default_factory=Samples)
    wall: Samples = field(default_factory=Samples)
    # What the observer wrote after the time on each cold load (e.g. each widget's paint).
    cold_details: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "cold": self.cold.summary(),
            "warm": self.warm.summary(),
            "cold_wall": self.wall.summary(),
            "load_average": load_average(),
        }


def time_loads(url: str, path: str, who: SignIn, runs: int, observer: str) -> Loads:
    """Open ``path`` ``runs`` times, each in a fresh context (cold), then again in it (warm).

    ``observer`` is a script run in the page before the app's, which logs ``PAINTED_PREFIX``
    and the paint time (ms since navigation start) once what is timed is on screen, then
    optionally a space and details."""
    loads = Loads()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        # One unmeasured run first: the server's process and the database's pages are then
        # as in a server that has been up a while (a first query after start reads a
        # 1M-row SQLite file from disk), and only the browser side starts cold.
        for run in range(runs + 1):
            context = signed_in_context(browser, url, who)
            context.add_init_script(observer)
            page = context.new_page()
            for cold in (True, False):  # first with an empty cache, then again
                started = time.perf_counter()
                with page.expect_console_message(
                    lambda m: m.text.startswith(PAINTED_PREFIX), timeout=60000
                ) as painted:
                    page.goto(url + path, wait_until="commit")
                elapsed = time.perf_counter() - started
                # Let the page finish (a list's record count, asked for after the paint, is a
                # whole-table query): the next load is timed against an idle server, not
                # against this one's tail.
                page.wait_for_load_state("networkidle")
                if run == 0:
                    continue
                time_ms, _, details = painted.value.text.removeprefix(PAINTED_PREFIX).partition(" ")
                (loads.cold if cold else loads.warm).seconds.append(float(time_ms) / 1000)
                if cold:
                    loads.wall.seconds.append(elapsed)
                    loads.cold_details.append(details)
            context.close()
        browser.close()
    return loads


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_load", description=__doc__)
    add_server_arguments(parser)
    parser.add_argument("--path", default="/o/account", help="the list page to open")
    args = parser.parse_args()
    with serve(server_of(args)) as url:
        loads = time_loads(url, args.path, SignIn.of(args), args.runs, ROWS_PAINTED)
    print({"page": args.path, "runs": args.runs, **loads.summary()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
