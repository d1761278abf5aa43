"""The web app's API types (web/src/api/schema.gen.ts) are generated from the server's OpenAPI
document: `keyi openapi` prints the document an anonymous caller gets, and the committed types
must be what openapi-typescript makes of it today (`make api-types` regenerates them)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from keyi.api.app import create_app, static_openapi
from keyi.cli import main
from keyi.settings import Settings

WEB = Path(__file__).resolve().parents[2] / "web"
GENERATED = WEB / "src" / "api" / "schema.gen.ts"


def test_keyi_openapi_prints_the_document_anonymous_callers_get(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["openapi"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        served = client.get("/api/v1/openapi.json").json()
    assert printed == served
    # The metadata definitions the web app's object and field types come from.
    schemas = printed["components"]["schemas"]
    assert {"ObjectDef", "FieldDef", "FieldType", "LoginBody"} <= set(schemas)
    assert "formula" in schemas["FieldType"]["enum"]
    assert "post" in printed["paths"]["/api/v1/records/{object_name}/query"]


def test_committed_web_types_are_generated_from_the_current_openapi(tmp_path: Path) -> None:
    node = shutil.which("node")
    generator = WEB / "node_modules" / "openapi-typescript"
    assert node, "node is needed to check the web app's generated API types"
    if not generator.is_dir():
        pytest.fail("web/node_modules is missing: run `make install-web` first")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(static_openapi()), encoding="utf-8")
    checked = subprocess.run(
        [node, str(WEB / "scripts" / "gen-api.mjs"), "--check", "--input", str(document)],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, (
        f"{GENERATED.relative_to(WEB.parent)} is stale: run `make api-types` and commit it\n"
        + checked.stdout
        + checked.stderr
    )
