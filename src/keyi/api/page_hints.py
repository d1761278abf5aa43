"""index.html with what the URL's page needs first, so the browser asks for it all at once.

A single-page app's HTML is the same for every URL: the browser learns which page's code and
data it needs only after the app's entry has run, one round trip or more after the HTML. Keyi's
server knows the URL when it sends the HTML, so for a signed-in visitor it lists in `<head>`:

- the page's code: the chunks and stylesheets the web build recorded for it
  (`route-preloads.json`, written by web/build/vite-route-preloads.ts);
- a plain list's first page of records (`/o/<object>` without filter, sort or search): the very
  URL web/src/boot.ts fetches, all fields, so the browser's preload answers that fetch;
- a dashboard (`/dashboards/<id>`): the dashboard with its layout, which boot.ts asks for too,
  so its widgets' runs can start as soon as the page's code is in.

Measured on a cold first load of a 1M-account list: see docs/benchmarks.md. A hint is only a
hint: a wrong or missing one costs a request, never correctness, and nothing is hinted to a
visitor without a session cookie (the login page stays as small as it was).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROUTE_PRELOADS = "route-preloads.json"
PAGE_SIZE = 50  # web/src/lib/listQuery.ts PAGE_SIZE

# The pages src/boot.ts's pageModulesFor recognises; anything else gets only the shell.
_SIGNED_OUT = re.compile(r"^(login|accept-invite)(/|$)")
# Pages for people outside the company (the customer portal, a survey): they never use the
# internal session or metadata, so index.html's own preloads of those are left out as well —
# two needless 401s and a "preloaded but not used" warning on every customer's visit.
_PUBLIC = re.compile(r"^(portal|survey|f)(/|$)")
# Public pages other websites may show in a frame (a web form's embed snippet is an iframe).
_EMBEDDABLE = re.compile(r"^f/[^/]+/?$")
_INTERNAL_PRELOAD = re.compile(r'\s*<link rel="preload" href="/api/v1/[^"]*"[^>]*>')
_KANBAN = re.compile(r"^o/[^/]+/kanban/?$")
_LIST = re.compile(r"^o/([^/]+)/?$")
_RECORD = re.compile(r"^o/[^/]+/[^/]+/?$")
_DASHBOARD = re.compile(r"^dashboards/([^/]+)/?$")


def embeddable(path: str) -> bool:
    """Whether the page at `path` (without its leading slash) may be framed by any website."""
    return _EMBEDDABLE.match(path) is not None


def page_of(path: str) -> str | None:
    """The first page (a key of route-preloads.json) a client path opens, besides the shell."""
    if path in ("", "/"):
        return "home"
    if _KANBAN.match(path):
        return "kanban"
    if _LIST.match(path):
        return "list"
    if _RECORD.match(path):
        return "record"
    if _DASHBOARD.match(path):
        return "dashboard"
    return None


@dataclass
class PageHints:
    """The built index.html and route files, re-read when a rebuild changes them."""

    dist: Path
    _stamp: tuple[float, float] | None = None
    _html: str = ""
    _public_html: str = ""
    _routes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def _load(self) -> None:
        index, routes = self.dist / "index.html", self.dist / ROUTE_PRELOADS
        stamp = (index.stat().st_mtime, routes.stat().st_mtime if routes.is_file() else 0.0)
        if stamp == self._stamp:
            return
        self._html = index.read_text(encoding="utf-8")
        self._public_html = _INTERNAL_PRELOAD.sub("", self._html)
        self._routes = json.loads(routes.read_text(encoding="utf-8")) if routes.is_file() else {}
        self._stamp = stamp

    def render(self, path: str, query: str, *, signed_in: bool) -> str:
        """index.html for `path` (without its leading slash), with the page's hints in `<head>`."""
        self._load()
        if _PUBLIC.match(path):
            return self._public_html
        if not signed_in or _SIGNED_OUT.match(path):
            return self._html
        links: list[str] = []
        page = page_of(path)
        list_match = _LIST.match(path)
        if list_match and not query:
            url = f"/api/v1/records/{quote(list_match.group(1), safe='')}?limit={PAGE_SIZE}"
            links.append(f'<link rel="preload" href="{html.escape(url)}" as="fetch" crossorigin>')
        dashboard_match = _DASHBOARD.match(path)
        if dashboard_match:
            url = f"/api/v1/dashboards/{quote(dashboard_match.group(1), safe='')}"
            links.append(f'<link rel="preload" href="{html.escape(url)}" as="fetch" crossorigin>')
        for key in ("shell", page):
            files = self._routes.get(key, {}) if key else {}
            links += [self._link("stylesheet", css) for css in files.get("css", [])]
            links += [self._link("modulepreload", js) for js in files.get("js", [])]
        unique = [link for link in dict.fromkeys(links) if link]
        return self._html.replace("</head>", "".join(unique) + "</head>", 1)

    def _link(self, rel: str, file: str) -> str:
        """A link to a built file, or "" when the HTML already refers to it (the entry's own)."""
        href = f"/{file}"
        if f'"{href}"' in self._html:
            return ""
        return f'<link rel="{rel}" crossorigin href="{html.escape(href)}">'
