"""SQL statements per API operation, counted on the real engine (both backends).

A budget is the most statements the tenant's transaction may run for one request; it fails
when a change adds a query to a hot path (an N+1, a second visibility check, a lookup per row).
Counted with SQLAlchemy's `before_cursor_execute` on the tenant's transaction only (on
PostgreSQL the connection that set the tenant's search_path, on SQLite the tenant's engine):
the session lookup on the control database is another part's budget. Lists are counted with
50 rows, so any per-row statement shows at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.integration.helpers import make_account

# The tenant transaction's statements per request, including BEGIN IMMEDIATE (SQLite) or
# SET LOCAL search_path (PostgreSQL). Lower a budget when a change saves statements.
# Measured on both backends when the budgets were set (create: meta state, user with its role's
# grants, auto-number counter, insert, audit, history, outbox, search index, read back; a list:
# meta state, user, the page, the titles of every referenced object in one statement).
BUDGETS = {
    "create": 10,
    "create_idempotent": 12,
    "get": 4,
    "update": 9,
    "delete": 9,
    "list_50": 5,
    "list_50_filtered_sorted": 5,
    "query_50": 5,
    "aggregate": 4,
    "aggregate_by_month": 4,
}


@dataclass
class Counter:
    platform: Platform
    tenant: TenantInfo
    statements: list[str] = field(default_factory=list)
    _tenant_connections: set[int] = field(default_factory=set)

    def listener(self, conn: sa.Connection, cursor: Any, statement: str, *args: Any) -> None:
        if self.platform.db.is_postgres:
            if statement.startswith("SET LOCAL search_path"):
                if self.tenant.location in statement:
                    self._tenant_connections.add(id(conn))
                else:
                    return
            if id(conn) not in self._tenant_connections:
                return
        self.statements.append(statement)

    @contextmanager
    def count(self) -> Iterator[list[str]]:
        engine = self.platform.db.engine_for(self.tenant.location)
        self.statements = []
        self._tenant_connections = set()
        sa.event.listen(engine, "before_cursor_execute", self.listener)
        try:
            yield self.statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", self.listener)


@pytest.fixture
def counter(platform: Platform, tenant: TenantInfo) -> Counter:
    return Counter(platform, tenant)


def within(name: str, statements: list[str]) -> None:
    listing = "\n".join(f"{i + 1}. {s.splitlines()[0][:160]}" for i, s in enumerate(statements))
    assert len(statements) <= BUDGETS[name], f"{name}: {len(statements)} statements\n{listing}"


def test_statement_budgets_per_operation(client: TestClient, counter: Counter) -> None:
    account = make_account(client, name="预算客户")
    rows = [
        {
            "name": f"商机{i}",
            "account": account["id"],
            "amount": f"{i}00.5",
            "close_date": f"2026-{i % 12 + 1:02d}-10",
            "stage": "proposal",
        }
        for i in range(50)
    ]
    assert (
        client.post("/api/v1/records/opportunity/bulk", json={"records": rows}).status_code == 201
    )
    client.get("/api/v1/records/opportunity", params={"limit": 50})  # warm caches

    def measure(name: str, call: Any, status: int = 200) -> None:
        with counter.count() as statements:
            response = call()
        assert response.status_code == status, response.text
        within(name, list(statements))

    measure(
        "create",
        lambda: client.post("/api/v1/records/account", json={"name": "新客户"}),
        201,
    )
    measure(
        "create_idempotent",
        lambda: client.post(
            "/api/v1/records/account", json={"name": "幂等"}, headers={"Idempotency-Key": "b1"}
        ),
        201,
    )
    measure("get", lambda: client.get(f"/api/v1/records/account/{account['id']}"))
    measure(
        "update",
        lambda: client.patch(f"/api/v1/records/account/{account['id']}", json={"city": "杭州"}),
    )
    measure("list_50", lambda: client.get("/api/v1/records/opportunity", params={"limit": 50}))
    measure(
        "list_50_filtered_sorted",
        lambda: client.get(
            "/api/v1/records/opportunity",
            params={"limit": 50, "f": "stage:eq:proposal", "sort": "-amount"},
        ),
    )
    measure(
        "query_50",
        lambda: client.post(
            "/api/v1/records/opportunity/query",
            json={"filter": {"field": "amount", "op": "gt", "value": 1}, "limit": 50},
        ),
    )
    measure(
        "aggregate",
        lambda: client.post(
            "/api/v1/records/opportunity/aggregate",
            json={
                "group_by": [{"field": "stage"}],
                "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
            },
        ),
    )
    measure(
        "aggregate_by_month",
        lambda: client.post(
            "/api/v1/records/opportunity/aggregate",
            json={"group_by": [{"field": "close_date", "bucket": "month"}]},
        ),
    )
    doomed = make_account(client, name="删除预算")
    measure("delete", lambda: client.delete(f"/api/v1/records/account/{doomed['id']}"), 204)
