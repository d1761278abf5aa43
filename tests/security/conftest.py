"""Module-scoped tenants for the security suites.

Building a tenant (packages, an administrator, a custom object with every field type) takes
seconds; the attack suites only read or roll back, so each module builds its tenants once per
backend and checks after every test that nothing was damaged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from tests.conftest import ADMIN_PASSWORD, login, new_tenant_name


@dataclass
class World:
    """One tenant with a signed-in administrator's client."""

    tenant: TenantInfo
    email: str
    client: TestClient
    token: str


@contextmanager
def open_world(platform: Platform, app: FastAPI, admin_name: str = "管理员") -> Iterator[World]:
    email = f"admin-{uuid.uuid4().hex[:8]}@security.example"
    tenant = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=email,
        admin_password=ADMIN_PASSWORD,
        admin_name=admin_name,
    )
    try:
        with TestClient(app) as client:
            token = login(client, email)
            yield World(tenant=tenant, email=email, client=client, token=token)
    finally:
        platform.drop_tenant(tenant.name)


def module_app(platform: Platform) -> FastAPI:
    return create_app(platform.settings, platform)
