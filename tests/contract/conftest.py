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
from tests.contract.values import (
    AT_MOST_ONE_TRUE,
    COPIED,
    EXCLUSIVE,
    FRESH_TARGETS,
    LINKED_POOLS,
    MINIMAL_VALUES,
    ONE_OF,
    PREPARED_TARGETS,
    WITH_CHILDREN,
    generate,
    loads,
    writable,
)

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
    linked: set[tuple[str, str, str]] = field(default_factory=set)

    def meta(self, object_name: str) -> dict[str, Any]:
        if object_name not in self.metas:
            self.metas[object_name] = self.api.meta(object_name)
        return self.metas[object_name]

    def values(
        self,
        object_name: str,
        *,
        full: bool = True,
        seq: int | None = None,
        given: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Valid values for a new record: every writable field (`full`) or the required ones;
        `given` fixes some of them."""
        n = next(self.seq) if seq is None else seq
        self.link_pools(object_name)
        one_of = ONE_OF.get(object_name)
        values: dict[str, Any] = dict(given or {})
        for f in self.meta(object_name)["fields"]:
            # A minimal record: required fields without a default (and unique ones, to test them).
            needed = (f["required"] and f["default"] is None) or f["unique"] or f["name"] == one_of
            if not writable(f) or not (full or needed) or f["name"] in values:
                continue
            if f["name"] in EXCLUSIVE.get(object_name, ())[1:]:
                continue  # the record holds the first of its exclusive fields
            # A minimal record leaves optional lookups (a unique one included) empty.
            lookup = f["type"] in ("lookup", "master_detail")
            if lookup and not full and not (f["required"] or f["name"] == one_of):
                continue
            if (object_name, f["name"]) in AT_MOST_ONE_TRUE:
                values[f["name"]] = False
                continue
            values.update(self.generate(object_name, f, n))
        for (copier, name), (link, source) in COPIED.items():
            if copier == object_name and name in values and values.get(link):
                target = self.field_of(object_name, link)["target"]
                values[name] = self.api.ok("GET", f"/records/{target}/{values[link]}")[source]
        return values

    def field_of(self, object_name: str, name: str) -> dict[str, Any]:
        return next(f for f in self.meta(object_name)["fields"] if f["name"] == name)

    def generate(self, object_name: str, field: dict[str, Any], seq: int) -> dict[str, Any]:
        """A valid value of `field` for a record of `object_name` (`values.generate`), with
        the lookup targets it needs created first."""
        name = field["name"]
        if (object_name, name) in FRESH_TARGETS:
            target = self.create(field["target"])
            action = PREPARED_TARGETS.get((object_name, name))
            if action is not None:
                self.api.ok("POST", f"/records/{field['target']}/{target}/{action}", 200)
            return {name: target}
        self.link_pools(object_name)
        if field["type"] in ("lookup", "master_detail"):
            self.targets(field["target"])
        return generate(object_name, field, seq, self.refs)

    def changed(
        self, object_name: str, field: dict[str, Any], seq: int, avoid: list[Any]
    ) -> dict[str, Any]:
        """A value for an update of `field` that is none of `avoid` (what was sent, what the
        record holds): the next sequence number's, else, for a lookup whose pooled targets
        are all avoided, a new target."""
        name = field["name"]
        exclusive = EXCLUSIVE.get(object_name, ())
        cleared = {other: None for other in exclusive if name in exclusive and other != name}
        for n in (seq, seq + 1):
            update = self.generate(object_name, field, n)
            if update[name] not in avoid:
                return {**update, **cleared}
        if field["type"] in ("lookup", "master_detail"):
            target = field["target"]
            return {name: self.targets(target, len(self.targets(target)) + 1)[-1], **cleared}
        return {**update, **cleared}

    def create(self, object_name: str, given: dict[str, Any] | None = None) -> str:
        """The id of a new minimal record of `object_name`."""
        given = {**MINIMAL_VALUES.get(object_name, {}), **(given or {})}
        body = self.values(object_name, full=False, given=given)
        made = str(self.api.ok("POST", f"/records/{object_name}", 201, json=body)["id"])
        child = WITH_CHILDREN.get(object_name)
        if child is not None:
            child_object, link, values = child
            self.api.ok("POST", f"/records/{child_object}", 201, json={**values, link: made})
        return made

    def targets(self, object_name: str, count: int = 2) -> list[str]:
        """Ids of `count` records of `object_name` that lookups may point at."""
        existing = self.refs.setdefault(object_name, [])
        while len(existing) < count:
            existing.append(self.create(object_name))
        return existing

    def link_pools(self, object_name: str) -> None:
        """Create the linking records `object_name`'s values need (LINKED_POOLS)."""
        rule = LINKED_POOLS.get(object_name)
        if rule is None:
            return
        link, first, second = rule
        for a in self.targets(self.field_of(link, first)["target"]):
            for b in self.targets(self.field_of(link, second)["target"]):
                if (link, a, b) not in self.linked:
                    self.create(link, {first: a, second: b})
                    self.linked.add((link, a, b))


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
