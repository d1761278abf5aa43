"""Shared fixtures: one platform per backend (SQLite always, PostgreSQL when configured).

Every integration test gets its own tenant, so tests never see each other's data; on PostgreSQL
each test worker also has its own control schema, so parallel workers never collide.
"""

from __future__ import annotations

import os

# Cheap argon2 parameters for the thousands of throw-away passwords the suite hashes (one
# administrator per test tenant, a sign-in per client); set before Keyi is imported, as the
# hasher is built at import (keyi.platform.hashing). Servers the suite starts as processes get
# an environment without KEYI_* variables, so they hash as production does.
os.environ.setdefault("KEYI_PASSWORD_HASHING", "fast")
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from keyi.settings import Settings

POSTGRES_URL = os.environ.get("KEYI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct-horse-battery"
TEST_LOGIN_LIMIT = 1_000_000


def pytest_sessionstart(session: pytest.Session) -> None:
    if POSTGRES_URL:
        try:
            engine = sa.create_engine(POSTGRES_URL)
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
        except Exception as exc:
            pytest.exit(
                f"KEYI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {exc}", returncode=3
            )


@pytest.fixture(scope="session", params=BACKENDS)
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"keyi-{backend}")
    # Sign-in rate limits are shared by every app on the platform (as by server processes),
    # and every TestClient comes from one address: tests of the limit set their own.
    limits: dict[str, Any] = {"login_attempts_per_minute": TEST_LOGIN_LIMIT}
    # The suite's mail servers listen on 127.0.0.1: the installation allows private addresses
    # for mailboxes (tests of the refusal make an installation without it).
    limits["mail_allow_private"] = True
    if backend == "postgresql":
        schema = f"keyi_test_{uuid.uuid4().hex[:10]}"
        settings = Settings(
            data_dir=data_dir, database_url=POSTGRES_URL, control_schema=schema, **limits
        )
    else:
        settings = Settings(data_dir=data_dir, **limits)
    instance = Platform(settings)
    instance.init_control()
    yield instance
    for tenant in instance.list_tenants():
        instance.drop_tenant(tenant.name)
    if backend == "postgresql":
        with instance.db.control.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{settings.control_schema}" CASCADE')
    instance.dispose()


@pytest.fixture
def backend(platform: Platform) -> str:
    return "postgresql" if platform.db.is_postgres else "sqlite"


def new_tenant_name() -> str:
    return "t" + uuid.uuid4().hex[:12]


# What a test tenant installs unless the test asks for more with
# `@pytest.mark.packages("core", "sales", "l2c")`: new companies get every default package, but
# most tests need only these two, and each package installed costs every test's setup time.
TEST_PACKAGES = ("core", "sales")


@pytest.fixture
def tenant(platform: Platform, request: pytest.FixtureRequest) -> Iterator[TenantInfo]:
    marker = request.node.get_closest_marker("packages")
    info = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=f"{uuid.uuid4().hex[:8]}-{ADMIN_EMAIL}",
        admin_password=ADMIN_PASSWORD,
        admin_name="管理员",
        packages=tuple(marker.args) if marker else TEST_PACKAGES,
    )
    yield info
    platform.drop_tenant(info.name)


@pytest.fixture
def app(platform: Platform, tmp_path: Path):  # type: ignore[no-untyped-def]
    return create_app(platform.settings, platform)


def admin_email_of(platform: Platform, tenant: TenantInfo) -> str:
    t = platform.t
    with platform.db.control.connect() as conn:
        return str(
            conn.execute(
                sa.select(t["identity"].c.email)
                .join(t["membership"], t["membership"].c.identity_id == t["identity"].c.id)
                .where(t["membership"].c.tenant_id == tenant.id)
                # The tenant's first user: its administrator (ids are time-ordered UUIDv7).
                .order_by(t["membership"].c.user_id)
                .limit(1)
            ).scalar_one()
        )


def login(
    client: TestClient, email: str, password: str = ADMIN_PASSWORD, tenant: str | None = None
) -> str:
    response = client.post(
        "/api/v1/auth/login", json={"email": email, "password": password, "tenant": tenant}
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    client.cookies.clear()
    return str(token)


@pytest.fixture
def client(app, platform: Platform, tenant: TenantInfo) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        login(test_client, admin_email_of(platform, tenant))
        yield test_client
