"""The web app's files: gzip computed once and served as-is, identity when not accepted,
hashed assets cached for a year, index.html never cached, client routes fall back to it, with
the URL's page's code and first records hinted to a signed-in visitor."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.api.assets import CompressedFiles
from keyi.api.context import SESSION_COOKIE
from keyi.api.page_hints import page_of
from keyi.settings import Settings

BUNDLE = ("export const greeting = '你好 Keyi';\n" * 400).encode()


def _app(tmp_path: Path) -> tuple[TestClient, Path]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "index-abc123.js").write_bytes(BUNDLE)
    (dist / "assets" / "tiny-abc123.js").write_bytes(b"export {};")
    settings = Settings(data_dir=tmp_path / "data", web_dist=dist)
    return TestClient(create_app(settings)), dist


def test_assets_are_served_gzipped_from_one_compression(tmp_path: Path) -> None:
    client, dist = _app(tmp_path)
    with client:
        first = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
        again = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, br"})
        plain = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
        tiny = client.get("/assets/tiny-abc123.js", headers={"Accept-Encoding": "gzip"})
        # A rebuild (new modification time) is picked up, not served stale from the cache.
        (dist / "assets" / "index-abc123.js").write_bytes(BUNDLE + b"// rebuilt\n")
        stat = (dist / "assets" / "index-abc123.js").stat()
        os.utime(dist / "assets" / "index-abc123.js", (stat.st_atime, stat.st_mtime + 5))
        rebuilt = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    for response in (first, again):
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-type"].startswith(
            ("text/javascript", "application/javascript")
        )
        assert response.content == BUNDLE  # the client decodes it
        assert int(response.headers["content-length"]) < len(BUNDLE) / 10
    assert "content-encoding" not in plain.headers and plain.content == BUNDLE
    assert "content-encoding" not in tiny.headers and tiny.content == b"export {};"
    assert rebuilt.content.endswith(b"// rebuilt\n")


def test_index_is_never_cached_and_serves_client_routes(tmp_path: Path) -> None:
    client, _ = _app(tmp_path)
    with client:
        page = client.get("/o/account")
        missing_api = client.get("/api/v1/nothing-here")
    assert page.status_code == 200 and "id=root" in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert missing_api.status_code == 404


def test_each_file_version_is_compressed_once(tmp_path: Path) -> None:
    path = tmp_path / "bundle.js"
    path.write_bytes(BUNDLE)
    cache = CompressedFiles()
    assert gzip.decompress(cache.gzipped(path)) == BUNDLE
    assert cache.gzipped(path) is cache.gzipped(path)


ROUTES = {
    "shell": {"js": ["assets/Shell-1.js", "assets/index-abc123.js"], "css": []},
    "list": {"js": ["assets/ListPage-1.js", "assets/vendor-1.js"], "css": ["assets/List-1.css"]},
    "record": {"js": ["assets/RecordPage-1.js", "assets/vendor-1.js"], "css": []},
    "dashboard": {"js": ["assets/DashboardPage-1.js"], "css": ["assets/Dashboard-1.css"]},
}


def _hinted_app(tmp_path: Path) -> TestClient:
    client, dist = _app(tmp_path)
    (dist / "index.html").write_text(
        '<!doctype html><head><script type="module" src="/assets/index-abc123.js"></script>'
        "</head><div id=root></div>"
    )
    (dist / "route-preloads.json").write_text(json.dumps(ROUTES))
    return client


def _links(page: str) -> list[str]:
    return re.findall(r"<link [^>]*>", page)


def test_a_signed_in_list_url_gets_its_code_and_first_page_hinted(tmp_path: Path) -> None:
    client = _hinted_app(tmp_path)
    with client:
        client.cookies.set(SESSION_COOKIE, "any")
        page = client.get("/o/account")
    links = _links(page.text)
    assert links == [
        '<link rel="preload" href="/api/v1/records/account?limit=50" as="fetch" crossorigin>',
        '<link rel="modulepreload" crossorigin href="/assets/Shell-1.js">',
        '<link rel="stylesheet" crossorigin href="/assets/List-1.css">',
        '<link rel="modulepreload" crossorigin href="/assets/ListPage-1.js">',
        '<link rel="modulepreload" crossorigin href="/assets/vendor-1.js">',
    ]  # the entry, already a <script> of the page, is not repeated
    assert page.text.index("</head>") > page.text.index("ListPage-1.js")
    assert page.headers["vary"].startswith("Cookie")


def test_a_signed_in_dashboard_url_gets_its_code_and_the_dashboard_hinted(tmp_path: Path) -> None:
    client = _hinted_app(tmp_path)
    dashboard = "0193c0de-aaaa-7bbb-8ccc-000000000001"
    with client:
        signed_out = client.get(f"/dashboards/{dashboard}")
        client.cookies.set(SESSION_COOKIE, "any")
        page = client.get(f"/dashboards/{dashboard}")
        odd = client.get("/dashboards/a%22b")
    assert _links(signed_out.text) == []
    assert _links(page.text) == [
        f'<link rel="preload" href="/api/v1/dashboards/{dashboard}" as="fetch" crossorigin>',
        '<link rel="modulepreload" crossorigin href="/assets/Shell-1.js">',
        '<link rel="stylesheet" crossorigin href="/assets/Dashboard-1.css">',
        '<link rel="modulepreload" crossorigin href="/assets/DashboardPage-1.js">',
    ]
    # an id is URL-encoded into the hint, never markup
    assert 'href="/api/v1/dashboards/a%22b"' in odd.text


def test_hints_follow_the_page_and_leave_filtered_lists_and_signed_out_pages_alone(
    tmp_path: Path,
) -> None:
    client = _hinted_app(tmp_path)
    with client:
        signed_out = client.get("/o/account")
        client.cookies.set(SESSION_COOKIE, "any")
        login = client.get("/login")
        filtered = client.get("/o/account?sort=-name")
        record = client.get("/o/account/0193c0de-aaaa-7bbb-8ccc-000000000001")
        setup = client.get("/setup/objects")
        odd = client.get("/o/a%22b")
    assert _links(signed_out.text) == [] and _links(login.text) == []
    assert "api/v1/records" not in filtered.text and "ListPage-1.js" in filtered.text
    assert "RecordPage-1.js" in record.text and "ListPage-1.js" not in record.text
    assert "Shell-1.js" in setup.text and "Page-1.js" not in setup.text
    # an object name is URL-encoded into the hint, never markup
    assert 'href="/api/v1/records/a%22b?limit=50"' in odd.text


def test_pages_of_client_paths() -> None:
    assert page_of("") == "home"
    assert page_of("o/account") == page_of("o/account/") == "list"
    assert page_of("o/opportunity/kanban") == "kanban"
    assert page_of("dashboards/0193c0de") == page_of("dashboards/0193c0de/") == "dashboard"
    assert page_of("dashboards") is None
    assert page_of("o/account/0193c0de") == "record"
    assert page_of("setup/objects") is None


def test_customer_pages_get_no_internal_preloads(tmp_path: Path) -> None:
    """The portal and the survey page are for customers: neither the session and metadata
    preloads of index.html nor any internal page's code, signed in or not."""
    client, dist = _app(tmp_path)
    head = (
        '<link rel="preload" href="/api/v1/me" as="fetch" crossorigin />'
        '<link rel="preload" href="/api/v1/metadata/objects" as="fetch" crossorigin />'
    )
    (dist / "index.html").write_text(f"<!doctype html><head>{head}</head><div id=root></div>")
    with client:
        internal = client.get("/o/account")
        client.cookies.set(SESSION_COOKIE, "any")
        portal = client.get("/portal/acme/cases")
        survey = client.get("/survey/abc")
        form = client.get("/f/abc")
    assert "/api/v1/me" in internal.text
    for page in (portal, survey, form):
        assert page.status_code == 200 and "id=root" in page.text
        assert _links(page.text) == []


def test_only_a_web_forms_page_may_be_framed_by_other_websites(tmp_path: Path) -> None:
    """A web form's embed snippet is an iframe: its hosted page (/f/<key>) says any website may
    frame it (and gets no blanket X-Frame-Options: DENY); every other page, API answers
    included, still refuses to be framed."""
    client, _ = _app(tmp_path)
    with client:
        form = client.get("/f/abc")
        deeper = client.get("/f/abc/x")
        internal = client.get("/o/account")
        api = client.get("/api/v1/public/forms/abc")
    assert "frame-ancestors *" in form.headers["content-security-policy"]
    assert "x-frame-options" not in form.headers
    for page in (deeper, internal):
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
    assert api.headers["x-frame-options"] == "DENY"
