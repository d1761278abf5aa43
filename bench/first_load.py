"""First load of a list page in a real browser: ``python -m bench.first_load --data-dir D``.

Starts ``keyi serve`` on an existing data directory (e.g. the benchmark's seeded SQLite data),
signs in through the API in a fresh browser context each run (so nothing is cached), then times
what a person waits for when they open the CRM: from the browser's navigation start to the
paint of the first rows of the accounts list, as the browser itself reports it (Element
Timing). Measured with Debian's Chromium driven by Playwright; `wall` is from the driver's
side: its navigation request until it has heard of the painted rows, including its own round
trips.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

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
      console.log('keyi-rows-painted ' + (entry.renderTime || entry.loadTime));
      observer.disconnect();
      return;
    }
  }
}).observe({ type: 'element', buffered: true });
"""
PAINTED_PREFIX = "keyi-rows-painted "


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("keyi serve exited")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1):  # noqa: S310 (http://127.0.0.1)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("keyi serve did not become ready")


def measure(data_dir: Path, tenant: str, email: str, password: str, runs: int) -> dict[str, float]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    env.update(KEYI_DATA_DIR=str(data_dir), KEYI_LOGIN_RATE_LIMIT="1000")
    server = subprocess.Popen(  # noqa: S603 (our own CLI)
        [sys.executable, "-m", "keyi.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cold: list[float] = []
    warm: list[float] = []
    wall: list[float] = []
    try:
        _wait_ready(url, server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            # One unmeasured run first: the server's process and the database's pages are then
            # as in a server that has been up a while (a first query after start reads a
            # 1M-row SQLite file from disk), and only the browser side starts cold.
            for run in range(runs + 1):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                login = context.request.post(
                    url + "/api/v1/auth/login",
                    data={"email": email, "password": password, "tenant": tenant},
                )
                assert login.ok, login.text()
                context.add_init_script(ROWS_PAINTED)
                page = context.new_page()
                for bucket in (cold, warm):  # first with an empty cache, then again
                    started = time.perf_counter()
                    with page.expect_console_message(
                        lambda m: m.text.startswith(PAINTED_PREFIX), timeout=30000
                    ) as painted:
                        page.goto(url + "/o/account", wait_until="commit")
                    elapsed = time.perf_counter() - started
                    # Let the page finish (its record count, asked for after the paint, is a
                    # whole-table query): the next load is timed against an idle server, not
                    # against this one's tail.
                    page.wait_for_load_state("networkidle")
                    if run == 0:
                        continue
                    if bucket is cold:
                        wall.append(elapsed)
                    bucket.append(float(painted.value.text.removeprefix(PAINTED_PREFIX)) / 1000)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "cold_p50_ms": round(statistics.median(cold) * 1000, 1),
        "cold_max_ms": round(max(cold) * 1000, 1),
        "warm_p50_ms": round(statistics.median(warm) * 1000, 1),
        "cold_wall_p50_ms": round(statistics.median(wall) * 1000, 1),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_load", description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True, help="a KEYI_DATA_DIR")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", default="keyi-demo")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(measure(args.data_dir, args.tenant, args.email, args.password, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
