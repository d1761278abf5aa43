"""First paint of a dashboard in a real browser: ``python -m bench.dashboard_load --tenant T``.

Issue 14's budget: a dashboard of 6 widgets, opened cold, paints in under 1.5 s in Chromium.
This serves the benchmark's seeded data (``python -m bench --accounts N --backend B`` seeds
``bench/results/data``) with ``keyi serve`` like ``bench.first_load``, and makes sure, through
the API as the tenant's administrator, that a dashboard of six widgets exists (idempotently:
the reports and the dashboard are found by name and reused): opportunities by stage (bars), the
open pipeline (funnel), the won amount against a target (KPI), reps ranked by won amount (a
table), the amount by close month (line) and opportunities by forecast category (pie) — every
one over all the tenant's opportunities, the heaviest a report over them gets.

Each run opens the dashboard page in a fresh browser context (signed in, empty cache) and
times, as the browser reports it, from navigation start until every widget has painted its
content: each widget sets a performance mark (``keyi-widget-painted:<id>``) after the paint
that first showed its chart's first frame, its table (with the record names of its keys) or
its KPI card. `wall` is the driver's view of the same. The dashboard's run through the API
(what the page asks the server for its widgets) is timed too, to tell server from browser.

Widget answers are kept per report, filters and reader's access for the tenant's
``dashboard_answer_minutes`` (keyi.platform.analytics.kept), so the loads are measured twice:

- ``kept``: the answers stored (the unmeasured first load stores them): a cold browser reads
  six stored answers — what a reader gets whose answers someone with the same access (or the
  scheduler's refresh) computed in the last minutes;
- ``computed``: keeping turned off for the measurement (the setting 0, put back afterwards):
  every load runs the six reports, as a forced refresh or the first reader after expiry does.

Through the API: the six widgets kept (one request), and a forced refresh as the refresh button
sends it (six requests with ``refresh: true`` at once).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx

from bench.first_load import (
    PAINTED_PREFIX,
    SignIn,
    add_server_arguments,
    serve,
    server_of,
    time_loads,
)

NAME_PREFIX = "Bench: "
DASHBOARD_NAME = {"en": "Bench: dashboard first paint", "zh-CN": "基准：仪表盘首屏"}
# The marks the dashboard's widgets set (web/src/dashboards/WidgetCard.tsx, WIDGET_PAINTED).
WIDGET_MARK = "keyi-widget-painted:"
CSRF_COOKIE = "keyi_csrf"
CSRF_HEADER = "X-CSRF-Token"

# Each widget: its id, place on the 12-column grid (two rows of three, all in a 1440×900
# viewport), kind, and its report (name, definition, chart); extra widget keys beside.
WIDGETS: list[dict[str, Any]] = [
    {
        "id": "by_stage",
        "grid": (0, 0),
        "kind": "report",
        "report": {
            "name": {"en": "Opportunities by stage", "zh-CN": "商机按阶段"},
            "definition": {
                "type": "summary",
                "group_by": [{"field": "stage"}],
                "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
            },
            "chart": {"type": "bar", "x": "stage", "value": "sum_amount"},
        },
    },
    {
        "id": "funnel",
        "grid": (4, 0),
        "kind": "report",
        "report": {
            "name": {"en": "Open pipeline funnel", "zh-CN": "未关闭商机漏斗"},
            "definition": {
                "type": "summary",
                "filter": {"not": {"field": "stage", "op": "in", "value": ["won", "lost"]}},
                "group_by": [{"field": "stage"}],
                "aggregates": [{"op": "sum", "field": "amount"}],
            },
            "chart": {"type": "funnel", "x": "stage", "value": "sum_amount"},
        },
    },
    {
        "id": "won_kpi",
        "grid": (8, 0),
        "kind": "kpi",
        "extra": {"value": "sum_amount", "target": 100_000_000, "compare": "none"},
        "report": {
            "name": {"en": "Won amount", "zh-CN": "赢单金额"},
            "definition": {
                "type": "summary",
                "filter": {"field": "stage", "op": "eq", "value": "won"},
                "aggregates": [{"op": "sum", "field": "amount"}, {"op": "count"}],
            },
            "chart": {"type": "kpi", "value": "sum_amount"},
        },
    },
    {
        "id": "rep_ranking",
        "grid": (0, 5),
        "kind": "report",
        "extra": {"chart": {"type": "table"}},
        "report": {
            "name": {"en": "Won by rep", "zh-CN": "赢单按销售"},
            "definition": {
                "type": "summary",
                "filter": {"field": "stage", "op": "eq", "value": "won"},
                "group_by": [{"field": "owner_id"}],
                "aggregates": [{"op": "sum", "field": "amount"}, {"op": "count"}],
                "sort": [{"key": "sum_amount", "direction": "desc"}],
            },
            "chart": {"type": "bar", "x": "owner_id", "value": "sum_amount", "horizontal": True},
        },
    },
    {
        "id": "by_month",
        "grid": (4, 5),
        "kind": "report",
        "report": {
            "name": {"en": "Amount by close month", "zh-CN": "金额按成交月份"},
            "definition": {
                "type": "summary",
                "group_by": [{"field": "close_date", "bucket": "month"}],
                "aggregates": [{"op": "sum", "field": "amount"}],
            },
            "chart": {"type": "line", "x": "close_date", "value": "sum_amount"},
        },
    },
    {
        "id": "by_forecast",
        "grid": (8, 5),
        "kind": "report",
        "report": {
            "name": {"en": "Opportunities by forecast category", "zh-CN": "商机按预测类别"},
            "definition": {
                "type": "summary",
                "group_by": [{"field": "forecast_category"}],
                "aggregates": [{"op": "count"}],
            },
            "chart": {"type": "pie", "x": "forecast_category", "value": "count"},
        },
    },
]
WIDTH, HEIGHT = 4, 5


def observer(widget_ids: list[str]) -> str:
    """The page's observer: once every widget has set its mark, the last mark's time (ms since
    navigation start) and each widget's, on the console."""
    return f"""
(() => {{
  const prefix = {json.dumps(WIDGET_MARK)};
  const waiting = new Set({json.dumps(widget_ids)});
  const times = {{}};
  new PerformanceObserver((entries, observer) => {{
    for (const entry of entries.getEntries()) {{
      const id = entry.name.startsWith(prefix) ? entry.name.slice(prefix.length) : null;
      if (id === null || !waiting.delete(id)) continue;
      times[id] = Math.round(entry.startTime);
      if (waiting.size === 0) {{
        observer.disconnect();
        const last = Math.max(...Object.values(times));
        console.log({json.dumps(PAINTED_PREFIX)} + last + ' ' + JSON.stringify(times));
        return;
      }}
    }}
  }}).observe({{ type: 'mark', buffered: true }});
}})();
"""


class Api:
    """The tenant's API as ``who`` (signed in on ``client``, an HTTP client of the server),
    with the web app's session cookie and CSRF header."""

    def __init__(self, client: httpx.Client, who: SignIn) -> None:
        self.client = client
        self.call("POST", "/auth/login", json=who.login_body())

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        csrf = self.client.cookies.get(CSRF_COOKIE)
        if csrf and method != "GET":
            headers[CSRF_HEADER] = csrf
        response = self.client.request(method, "/api/v1" + path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None


def _named(items: list[dict[str, Any]], name: dict[str, str]) -> dict[str, Any] | None:
    return next((i for i in items if (i.get("name") or {}).get("en") == name["en"]), None)


def ensure_reports(api: Api) -> dict[str, str]:
    """The widgets' reports (the administrator's own, no folder), made once: widget id → id."""
    mine = api.call("GET", "/reports")["reports"]
    ids: dict[str, str] = {}
    for widget in WIDGETS:
        spec = widget["report"]
        name = {lang: NAME_PREFIX + text for lang, text in spec["name"].items()}
        found = _named(mine, name)
        if found is None:
            body = {
                "name": name,
                "definition": {"object": "opportunity", **spec["definition"]},
                "chart": spec["chart"],
            }
            found = api.call("POST", "/reports", json=body)
        ids[widget["id"]] = str(found["id"])
    return ids


def layout(report_ids: dict[str, str]) -> list[dict[str, Any]]:
    placed = []
    for widget in WIDGETS:
        x, y = widget["grid"]
        placed.append(
            {
                "id": widget["id"],
                "kind": widget["kind"],
                "x": x,
                "y": y,
                "w": WIDTH,
                "h": HEIGHT,
                "report_id": report_ids[widget["id"]],
                **widget.get("extra", {}),
            }
        )
    return placed


def ensure_dashboard(api: Api) -> str:
    """The benchmark's dashboard with the six widgets (its layout put back if changed)."""
    wanted = layout(ensure_reports(api))
    found = _named(api.call("GET", "/dashboards")["dashboards"], DASHBOARD_NAME)
    if found is None:
        body = {"name": DASHBOARD_NAME, "layout": wanted, "filters": {}}
        return str(api.call("POST", "/dashboards", json=body)["id"])
    dashboard = api.call("GET", f"/dashboards/{found['id']}")
    if dashboard["layout"] != wanted or dashboard["filters"]:
        api.call(
            "PATCH",
            f"/dashboards/{found['id']}",
            json={"layout": wanted, "filters": {}},
            headers={"If-Match": str(dashboard["version"])},
        )
    return str(found["id"])


def time_runs(api: Api, dashboard_id: str, runs: int = 5) -> dict[str, Any]:
    """The dashboard's run through the API (all six widgets, one request), after a first one:
    its server time, and every widget answering its numbers, not an error. With answers kept,
    the runs after the first read them (``cached`` says how many widgets did)."""
    first = api.call("POST", f"/dashboards/{dashboard_id}/run", json={})
    failed = {w["id"]: w["error"] for w in first["widgets"] if "error" in w}
    if failed:
        raise RuntimeError(f"widgets answer errors: {failed}")
    seconds = []
    cached = 0
    for _ in range(runs):
        started = time.perf_counter()
        found = api.call("POST", f"/dashboards/{dashboard_id}/run", json={})
        seconds.append(time.perf_counter() - started)
        cached += sum(1 for w in found["widgets"] if w.get("cached"))
    return {"p50_ms": round(statistics.median(seconds) * 1000, 1), "runs": runs, "cached": cached}


def time_refreshes(api: Api, dashboard_id: str, runs: int = 5) -> dict[str, Any]:
    """A forced refresh as the page's refresh button sends it: one request per widget, all at
    once, each computing its widget again; the wall time until the last answers."""
    ids = [w["id"] for w in WIDGETS]

    def one(widget_id: str) -> Any:
        body = {"widgets": [widget_id], "refresh": True}
        return api.call("POST", f"/dashboards/{dashboard_id}/run", json=body)

    seconds = []
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        for _ in range(runs):
            started = time.perf_counter()
            answers = list(pool.map(one, ids))
            seconds.append(time.perf_counter() - started)
            if any(w.get("cached") for a in answers for w in a["widgets"]):
                raise RuntimeError("a forced refresh answered a kept widget")
    return {
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "runs": runs,
    }


@contextmanager
def keeping(api: Api, minutes: int | None) -> Iterator[None]:
    """The tenant's dashboard_answer_minutes set to ``minutes`` inside the block (None: as it
    is), put back afterwards."""
    if minutes is None:
        yield
        return
    before = api.call("GET", "/analytics/settings")["dashboard_answer_minutes"]
    api.call("PUT", "/analytics/settings", json={"dashboard_answer_minutes": minutes})
    try:
        yield
    finally:
        api.call("PUT", "/analytics/settings", json={"dashboard_answer_minutes": before})


def _loads(url: str, dashboard_id: str, who: SignIn, runs: int) -> dict[str, Any]:
    ids = [w["id"] for w in WIDGETS]
    loads = time_loads(url, f"/dashboards/{dashboard_id}", who, runs, observer(ids))
    result = loads.summary()
    # Which widget painted last, and each widget's median paint, over the cold loads.
    per_widget = [json.loads(d) for d in loads.cold_details]
    result["cold_widgets_p50_ms"] = {
        i: round(statistics.median(times[i] for times in per_widget)) for i in ids
    }
    result["cold_last_widget"] = [max(times, key=times.__getitem__) for times in per_widget]
    return result


def measure(args: argparse.Namespace) -> dict[str, Any]:
    who = SignIn.of(args)
    modes = [m for m in args.modes.split(",") if m]
    found: dict[str, Any] = {"runs": args.runs}
    with serve(server_of(args)) as url, httpx.Client(base_url=url, timeout=600) as client:
        api = Api(client, who)
        found["dashboard"] = dashboard_id = ensure_dashboard(api)
        # Kept answers need keeping on (an earlier interrupted run may have left it off).
        with keeping(api, None if "kept" not in modes else args.minutes):
            if "kept" in modes:
                found["api_run_kept"] = time_runs(api, dashboard_id, args.runs)
                found["api_refresh"] = time_refreshes(api, dashboard_id, args.runs)
                found["kept"] = _loads(url, dashboard_id, who, args.runs)
        if "computed" in modes:
            with keeping(api, 0):
                found["api_run_computed"] = time_runs(api, dashboard_id, args.runs)
                found["computed"] = _loads(url, dashboard_id, who, args.runs)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard_load", description=__doc__)
    add_server_arguments(parser)
    parser.add_argument(
        "--modes",
        default="kept,computed",
        help="kept: loads reading kept answers (and the API's forced refresh); computed: "
        "loads with keeping off, every widget computed (comma-separated)",
    )
    parser.add_argument(
        "--minutes",
        type=int,
        default=15,
        help="dashboard_answer_minutes while measuring kept answers (put back afterwards)",
    )
    print(json.dumps(measure(parser.parse_args()), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
