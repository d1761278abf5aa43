"""The web app's files: gzip computed once and served as-is, identity when not accepted,
hashed assets cached for a year, index.html never cached, client routes fall back to it."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.api.assets import CompressedFiles
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
