"""The load client of ``bench.http``: a separate process, so its work is not the server's.

``python -m bench.http_client --url U --paths JSON --clients C --seconds S`` (the session token
in ``KEYI_BENCH_TOKEN``, kept off the command line) runs C concurrent
keep-alive connections, each asking for list pages back to back until S seconds have passed
(after an unmeasured warm-up), and prints one JSON line: requests, errors, requests/s, latency
percentiles. Bounded in count and time, and it only ever talks to the URL it is given (a local
server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

import httpx

MAX_REQUESTS = 1_000_000  # a hard stop whatever the duration


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def _worker(
    client: httpx.AsyncClient,
    paths: list[str],
    offset: int,
    until: float,
    measure_from: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    i = offset
    while True:
        started = time.perf_counter()
        if started >= until or len(latencies) >= MAX_REQUESTS:
            return
        response = await client.get(paths[i % len(paths)])
        await response.aread()
        elapsed = time.perf_counter() - started
        i += 1
        if started < measure_from:
            continue
        if response.status_code != 200:
            errors.append(response.status_code)
        else:
            latencies.append(elapsed)


async def run(
    *, url: str, token: str, paths: list[str], clients: int, seconds: float, warmup: float
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    latencies: list[float] = []
    errors: list[int] = []
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30
    ) as client:
        start = time.perf_counter()
        measure_from = start + warmup
        until = measure_from + seconds
        await asyncio.gather(
            *(
                _worker(client, paths, n * 7, until, measure_from, latencies, errors)
                for n in range(clients)
            )
        )
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(latencies),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(ordered, 0.5) * 1000, 2),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_client", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--paths", required=True, help="JSON list of request paths to rotate")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    args = parser.parse_args()
    result = asyncio.run(
        run(
            url=args.url,
            token=os.environ["KEYI_BENCH_TOKEN"],
            paths=json.loads(args.paths),
            clients=args.clients,
            seconds=args.seconds,
            warmup=args.warmup,
        )
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
