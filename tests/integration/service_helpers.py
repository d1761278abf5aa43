"""Cases, queues and members made through the API for the service tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.l2c_helpers import created, make, ok

SERVICE = ("core", "sales", "l2c", "service")
S = "/api/v1/service"
R = "/api/v1/records"


def make_case(client: TestClient, **values: Any) -> dict[str, Any]:
    values.setdefault("subject", "打印机卡纸")
    return make(client, "case", **values)


def get_case(client: TestClient, case_id: str) -> dict[str, Any]:
    return ok(client.get(f"{R}/case/{case_id}"))


def set_status(client: TestClient, case_id: str, status: str, **values: Any) -> Any:
    return client.patch(f"{R}/case/{case_id}", json={"status": status, **values})


def action(client: TestClient, case_id: str, name: str, **body: Any) -> Any:
    return client.post(f"{R}/case/{case_id}/{name}", json=body or None)


def reply(client: TestClient, case_id: str, body: str, visibility: str = "public") -> Any:
    return client.post(
        f"{S}/cases/{case_id}/messages", json={"body": body, "visibility": visibility}
    )


def make_queue(
    client: TestClient, name: str, assignment: str = "round_robin", **values: Any
) -> dict[str, Any]:
    return make(client, "queue", name=name, assignment=assignment, **values)


def add_to_queue(client: TestClient, queue_id: str, user_id: str, **values: Any) -> dict[str, Any]:
    return created(
        client.post(f"{R}/queue_member", json={"queue": queue_id, "user": user_id, **values})
    )


def me(client: TestClient) -> str:
    return str(client.get("/api/v1/me").json()["user"]["id"])


def backdate(platform: Platform, tenant: TenantInfo, case_id: str, **columns: Any) -> None:
    """Move a case's stored times into the past (what days of waiting would have done)."""
    with platform.context(tenant, Actor.system("test")) as ctx:
        cases = ctx.object("case").table
        ctx.conn.execute(sa.update(cases).where(cases.c.id == case_id).values(**columns))


def now(platform: Platform, tenant: TenantInfo) -> Any:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        return ctx.now()


@contextmanager
def with_smtp(platform: Platform, port: int) -> Iterator[Platform]:
    """The same databases, as an installation with an SMTP relay (the test's real server on
    `port`) and a public address for the links it mails."""
    settings = replace(
        platform.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="Keyi <crm@example.com>",
        public_url="https://crm.example.com",
    )
    configured = Platform(settings)
    try:
        yield configured
    finally:
        configured.dispose()
