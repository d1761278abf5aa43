"""One tenant per test module and backend: the contract suite seeds once and reads many times.

`Api` wraps a signed-in TestClient and parses answers with exact decimals; `World.record`
creates records of any object from its metadata (targets of required lookups first), so every
module can make valid data for every standard object and the custom ones.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login, new_tenant_name
from tests.contract.values import generate, loads, writable

PACKAGES = Path(__file__).resolve().parents[2] / "src" / "keyi" / "packages"
# Every object the standard packages define, read from their YAML so a new one is covered.
STANDARD_OBJECTS = sorted(
    yaml.safe_load(path.read_text(encoding="utf-8"))["name"]
    for path in PACKAGES.glob("*/objects/*.yaml")
)


class Api:
    """The HTTP API as the tests call it: paths under /api/v1, JSON read with exact decimals."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, "/api/v1" + path, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.text)
        return loads(response.text) if response.content else None

    def meta(self, object_name: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/metadata/objects/{object_name}"))

    def query_all(self, object_name: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Every page of a query (keyset cursors), in order."""
        records: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.ok("POST", f"/records/{object_name}/query", json={**body, "cursor": cursor})
            records += page["records"]
            cursor = page["next_cursor"]
            if cursor is None:
                return records


@dataclass
class World:
    """A tenant with a signed-in administrator and a pool of lookup targets per object."""

    platform: Platform
    tenant: TenantInfo
    api: Api
    refs: dict[str, list[str]] = field(default_factory=dict)
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    metas: dict[str, dict[str, Any]] = field(default_factory=dict)

    def meta(self, object_name: str) -> dict[str, Any]:
        if object_name not in self.metas:
            self.metas[object_name] = self.api.meta(object_name)
        return self.metas[object_name]

    def values(
        self, object_name: str, *, full: bool = True, seq: int | None = None
    ) -> dict[str, Any]:
        """Valid values for a new record: every writable field (`full`) or the required ones."""
        n = next(self.seq) if seq is None else seq
        values: dict[str, Any] = {}
        for f in self.meta(object_name)["fields"]:
            # A minimal record: required fields without a default (and unique ones, to test them).
            needed = (f["required"] and f["default"] is None) or f["unique"]
            if not writable(f) or not (full or needed):
                continue
            if f["type"] in ("lookup", "master_detail"):
                if not full and not f["required"]:
                    continue
                self.targets(f["target"])
            values.update(generate(object_name, f, n, self.refs))
        return values

    def targets(self, object_name: str, count: int = 2) -> list[str]:
        """Ids of `count` records of `object_name` that lookups may point at."""
        existing = self.refs.setdefault(object_name, [])
        while len(existing) < count:
            created = self.api.ok(
                "POST", f"/records/{object_name}", 201, json=self.values(object_name, full=False)
            )
            existing.append(created["id"])
        return existing


def open_world(platform: Platform) -> Iterator[World]:
    """A fresh tenant and a signed-in administrator client for one module."""
    tenant = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=f"{uuid.uuid4().hex[:8]}-admin@example.com",
        admin_password=ADMIN_PASSWORD,
        admin_name="管理员",
    )
    app = create_app(platform.settings, platform)
    try:
        with TestClient(app) as client:
            login(client, admin_email_of(platform, tenant))
            yield World(platform, tenant, Api(client))
    finally:
        platform.drop_tenant(tenant.name)


@pytest.fixture(scope="module")
def world(platform: Platform) -> Iterator[World]:
    yield from open_world(platform)
