"""The load client of ``bench.http`` when `wrk <https://github.com/wg/wrk>`_ is installed
(Debian package ``wrk``): a C client whose CPU per request is a small fraction of the Python
client's, so on a two-core machine it leaves the cores to the server and PostgreSQL it measures.

The request script rotates the same list paths as :mod:`bench.http_client`, sends the session
token in an Authorization header and asks for gzip; its ``done`` callback prints the same JSON
line (requests, errors, requests/s, p50/p95/p99) that the Python client prints. The token is
written into a temporary script readable only by its owner and deleted after the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SCRIPT = """
local paths = %(paths)s
local token = %(token)s
local i = 0
local errors = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1],
    {["Authorization"] = "Bearer " .. token, ["Accept-Encoding"] = "gzip"})
end
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local ok = summary.requests - summary.errors.status
  io.write(string.format(
    '{"requests": %%d, "errors": %%d, "requests_per_second": %%.1f, '
    .. '"p50_ms": %%.2f, "p95_ms": %%.2f, "p99_ms": %%.2f, "seconds": %%.1f}\\n',
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    ok / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, seconds))
end
"""


def executable() -> str | None:
    return shutil.which("wrk")


def available() -> bool:
    return executable() is not None


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


def drive(url: str, token: str, paths: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """Run wrk with ``clients`` keep-alive connections for ``seconds`` and return its figures
    (a 2 s warm-up run first, unmeasured)."""
    wrk = executable()
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    lua = "{" + ", ".join(_lua_string(p) for p in paths) + "}"
    with tempfile.TemporaryDirectory(prefix="keyi-wrk-") as tmp:
        script = Path(tmp) / "list.lua"
        script.write_text(SCRIPT % {"paths": lua, "token": _lua_string(token)})
        os.chmod(script, 0o600)
        result: dict[str, Any] = {}
        for duration, measured in ((2, False), (seconds, True)):
            output = subprocess.run(  # noqa: S603 - wrk against our own local server
                [
                    wrk,
                    *("-t", "1", "-c", str(clients), "-d", f"{max(1, round(duration))}s"),
                    *("-s", str(script), "--timeout", "30s", url),
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=duration + 60,
            )
            if measured:
                result = json.loads(output.stdout.strip().splitlines()[-1])
    return {"clients": clients, "client": "wrk", **result}
