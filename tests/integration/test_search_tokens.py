"""Search tokens v2 (identifiers without their connectors), through the records API and the
upgrade of a tenant indexed by rules 1, on both databases.

Every spelling a user may type of an account's number, phone, credit code or e-mail must find
the account, while its index entry holds fewer tokens than rules 1 stored.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.context import TenantInfo
from keyi.platform.migrations import VERSION_TABLE
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.records import reindex as reindex_module
from keyi.platform.schema import search_table, system_metadata
from keyi.platform.search import documents
from keyi.platform.search.rules import STATE_TABLE_NAME, index_rules
from keyi.platform.search.storage import stored_table
from keyi.platform.search.tokenize import TOKEN_RULES
from keyi.platform.tenancy import Platform

SYSTEM = Actor.system("test")

ACCOUNT = {
    "name": "恒芯集团有限公司",
    "phone": "0579-22640621",
    "email": "contact@hengxingroup.com",
    "credit_code": "91330702123456788C",
}

SPELLINGS = [
    "{no}",  # KH-2026-000001 as numbered
    "{no_lower}",
    "{no_joined}",  # KH2026000001
    "{no_head}",  # kh-2026
    "{no_tail}",  # 2026-000001
    "{serial}",  # 000001
    "0579-22640621",
    "057922640621",
    "0579 22640621",
    "(0579) 2264-0621",
    "22640621",
    "91330702123456788C",
    "9133070212",
    "contact@hengxingroup.com",
    "hengxingroup.com",
    "恒芯 {no}",
]


def _spellings(number: str) -> list[str]:
    head, year, serial = number.split("-")
    values = {
        "no": number,
        "no_lower": number.lower(),
        "no_joined": number.replace("-", ""),
        "no_head": f"{head.lower()}-{year}",
        "no_tail": f"{year}-{serial}",
        "serial": serial,
    }
    return [s.format(**values) for s in SPELLINGS]


def _found(client: TestClient, q: str) -> set[str]:
    response = client.get("/api/v1/search", params={"q": q, "limit": 50})
    assert response.status_code == 200, response.text
    return {h["id"] for h in response.json()["hits"]}


def _tokens(conn: sa.Connection, record_id: str) -> set[str]:
    """The tokens the index holds for one record, on either storage."""
    table = stored_table(conn, search_table)
    if table is search_table:
        rows = conn.execute(sa.select(table.c.token).where(table.c.record_id == record_id))
        return {r[0] for r in rows}
    text = conn.execute(
        sa.select(sa.cast(table.c.document, sa.Text)).where(table.c.record_id == record_id)
    ).scalar_one()
    return {lexeme.split("'")[1] for lexeme in text.split(" ")}


RULES_1_IDENTIFIER_TOKENS = {"0579-22640621", "c"}
"""Rules-1 tokens of the fixed fields that rules 2 no longer stores (besides the number's)."""


def test_every_spelling_finds_the_account_through_the_api(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    created = client.post("/api/v1/records/account", json=ACCOUNT)
    assert created.status_code in (200, 201), created.text
    account: dict[str, Any] = created.json()
    other = client.post(
        "/api/v1/records/account", json={"name": "永锐汽车零部件", "phone": "010-48194524"}
    ).json()
    for q in _spellings(account["account_no"]):
        found = _found(client, q)
        assert account["id"] in found, q
        shared = q == _spellings(account["account_no"])[3]  # kh-2026: every number this year
        assert (other["id"] in found) == shared, q
    for q in ("KH-2026-999999", "0579-22640622", "h-2026"):
        assert account["id"] not in _found(client, q), q
    with platform.context(tenant, SYSTEM) as ctx:
        tokens = _tokens(ctx.conn, account["id"])
    number = account["account_no"].lower()
    assert number.replace("-", "") in tokens
    # Rules 1 also stored kh-2026-000001, 2026-000001, 0579-22640621 and the check letter "c".
    assert not {number, number.split("-", 1)[1]} & tokens
    assert not RULES_1_IDENTIFIER_TOKENS & tokens


def _rules_1_document(conn: sa.Connection, record_id: str, number: str) -> None:
    """Store the record's identifier tokens as rules 1 did (hyphenated spellings, no
    ``kh2026000001``), keeping its other tokens: the tenant as the previous release left it."""
    joined = number.lower().replace("-", "")
    tokens = (_tokens(conn, record_id) - {joined}) | {
        number.lower(),
        number.lower().split("-", 1)[1],
        "0579-22640621",
        "c",
    }
    table = stored_table(conn, search_table)
    conn.execute(table.delete().where(table.c.record_id == record_id))
    if table is search_table:
        conn.execute(
            table.insert(),
            [
                {"token": t, "object": "account", "record_id": record_id, "weight": 1}
                for t in tokens
            ],
        )
    else:
        text = documents.document_from_tokens(dict.fromkeys(tokens, 1))
        conn.execute(table.insert().values(object="account", record_id=record_id, document=text))


def _as_previous_release(
    platform: Platform, tenant: TenantInfo, record_id: str, number: str
) -> None:
    """No keyi_search_state, tenant chain at 0002, identifier tokens of rules 1."""
    with platform.db.tenant_transaction(tenant.location) as conn:
        _rules_1_document(conn, record_id, number)
        conn.execute(sa.text(f"DROP TABLE {STATE_TABLE_NAME}"))
        conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '0002'"))


def test_upgrade_rebuilds_an_index_of_rules_1_in_batches(
    platform: Platform, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reindex_module, "BATCH", 2)  # several batches, each its own transaction
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        account = records.create("account", ACCOUNT)
        others = [records.create("account", {"name": f"Northwind {i}"}) for i in range(4)]
        gone = records.create("account", {"name": "Gone Ltd", "phone": "0579-22640621"})
        records.delete("account", gone["id"])
        assert index_rules(ctx.conn, system_metadata) == TOKEN_RULES  # a new tenant's index
    number = account["account_no"]
    _as_previous_release(platform, tenant, account["id"], number)
    # Rules-2 queries miss the rules-1 spellings: why the index must be rebuilt.
    assert _search(platform, tenant, number) == set()

    upgrade_tenant(platform, tenant)

    with platform.context(tenant, SYSTEM) as ctx:
        assert index_rules(ctx.conn, system_metadata) == TOKEN_RULES
        tokens = _tokens(ctx.conn, account["id"])
        if platform.db.is_postgres:  # the swapped-in table carries the live names
            inspector = sa.inspect(ctx.conn)
            table = documents.DOCUMENT_TABLE_NAME
            assert inspector.get_pk_constraint(table)["name"] == f"pk_{table}"
            assert {i["name"] for i in inspector.get_indexes(table)} == {f"ix_{table}_document"}
    assert number.lower().replace("-", "") in tokens
    assert number.lower() not in tokens and not RULES_1_IDENTIFIER_TOKENS & tokens
    for q in _spellings(number):
        found = _search(platform, tenant, q)
        # kh-2026 is every number of the year; each other spelling is this account's alone.
        assert found == {account["id"]} or (q == _spellings(number)[3] and account["id"] in found)
    assert _search(platform, tenant, "northwind") == {o["id"] for o in others}
    # Idempotent: the next start finds the index current.
    with platform.db.tenant_transaction(tenant.location) as conn:
        before = _tokens(conn, account["id"])
    assert (
        reindex_module.refresh_search_tokens(
            lambda: platform.db.tenant_transaction(tenant.location),
            _load_compiled,
            label="test",
        )
        is None
    )
    with platform.db.tenant_transaction(tenant.location) as conn:
        assert _tokens(conn, account["id"]) == before


def test_refresh_catches_up_with_writes_made_while_it_ran(
    platform: Platform, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record changed, deleted or created between batches is indexed as it is at the end."""
    monkeypatch.setattr(reindex_module, "BATCH", 2)
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        accounts = [records.create("account", {"name": f"Contoso {i}"}) for i in range(6)]
    with platform.db.tenant_transaction(tenant.location) as conn:
        conn.execute(sa.text(f"UPDATE {STATE_TABLE_NAME} SET token_rules = 1"))
    first, last = (
        sorted(accounts, key=lambda a: a["id"])[0],
        sorted(accounts, key=lambda a: a["id"])[-1],
    )
    opened = 0
    added: dict[str, Any] = {}

    def transaction() -> Any:
        nonlocal opened
        opened += 1
        if opened == 4:  # after two batches: the first record was read already, the last not
            with platform.context(tenant, SYSTEM) as ctx:
                records = RecordsService(ctx)
                records.update("account", first["id"], {"name": "Fabrikam Renamed"})
                records.delete("account", last["id"])
                added.update(records.create("account", {"name": "Fabrikam New"}))
        return platform.db.tenant_transaction(tenant.location)

    assert reindex_module.refresh_search_tokens(transaction, _load_compiled, label="test")
    assert _search(platform, tenant, "fabrikam") == {first["id"], added["id"]}
    assert _search(platform, tenant, "contoso") == {
        a["id"] for a in accounts if a["id"] not in (first["id"], last["id"])
    }


def _load_compiled(conn: sa.Connection) -> Any:
    from keyi.platform.metadata.store import load_compiled

    return load_compiled(conn)


def _search(platform: Platform, tenant: TenantInfo, text: str) -> set[str]:
    from keyi.platform.query.search import search_records

    with platform.context(tenant, SYSTEM) as ctx:
        return {h["id"] for h in search_records(ctx, text, limit=50, objects=["account"])}
