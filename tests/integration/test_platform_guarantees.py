"""Guarantees of the write path that no single endpoint shows: atomicity, outbox, concurrency,
metadata seen across processes."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from keyi.platform.context import TenantInfo
from keyi.platform.errors import StaleVersion, ValidationFailed
from keyi.platform.metadata.model import FieldDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import history_table, outbox_table
from keyi.platform.tenancy import Platform

SYSTEM = Actor.system("test")


def counts(platform: Platform, tenant: TenantInfo) -> tuple[int, int, int]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        accounts = ctx.conn.execute(
            sa.select(sa.func.count()).select_from(ctx.object("account").table)
        ).scalar_one()
        outbox = ctx.conn.execute(sa.select(sa.func.count()).select_from(outbox_table)).scalar_one()
        history = ctx.conn.execute(
            sa.select(sa.func.count()).select_from(history_table)
        ).scalar_one()
    return accounts, outbox, history


def test_every_change_writes_history_and_outbox_in_its_transaction(
    platform: Platform, tenant: TenantInfo
) -> None:
    before = counts(platform, tenant)
    with platform.context(tenant, SYSTEM) as ctx:
        service = RecordsService(ctx)
        account = service.create("account", {"name": "Outbox Co"})
        service.update("account", account["id"], {"grade": "A"})
        service.delete("account", account["id"])
        service.restore("account", account["id"])
    after = counts(platform, tenant)
    assert after[0] == before[0] + 1
    assert after[1] == before[1] + 4 and after[2] == before[2] + 4
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        events = ctx.conn.execute(
            sa.select(outbox_table.c.event, outbox_table.c.payload)
            .where(outbox_table.c.record_id == account["id"])
            .order_by(outbox_table.c.id)
        ).all()
    assert [e.event for e in events] == [
        "record.created",
        "record.updated",
        "record.deleted",
        "record.restored",
    ]
    # Small events: ids, object and event type, plus the changed field names of an update;
    # consumers re-read the record for its values.
    assert [e.payload for e in events] == [{}, {"fields": ["grade"]}, {}, {}]


def test_a_creation_is_recorded_without_a_copy_of_its_values(
    platform: Platform, tenant: TenantInfo
) -> None:
    """History stores changes: a creation says who created the record and when, the record
    holds its values, and the first update records old → new for the fields it changed."""
    with platform.context(tenant, SYSTEM) as ctx:
        service = RecordsService(ctx)
        ids = service.create_many(
            "account", [{"name": "Hist Co", "phone": "010-1"}, {"name": "Hist Two"}]
        )
        service.update("account", ids[0], {"grade": "A"})
        stored = ctx.conn.execute(
            sa.select(history_table.c.record_id, history_table.c.operation, history_table.c.changes)
            .where(history_table.c.record_id.in_(ids))
            .order_by(history_table.c.id)
        ).all()
        entries = service.history("account", ids[0])
    assert [(r.record_id, r.operation, r.changes) for r in stored] == [
        (ids[0], "create", []),
        (ids[1], "create", []),
        (ids[0], "update", [{"field": "grade", "old": None, "new": "A"}]),
    ]
    assert [e["operation"] for e in entries] == ["update", "create"]
    assert entries[1]["changes"] == [] and entries[1]["at"] and entries[1]["by"] == SYSTEM.id


def test_a_failure_late_in_the_transaction_leaves_nothing(
    platform: Platform, tenant: TenantInfo
) -> None:
    before = counts(platform, tenant)
    with pytest.raises(ValidationFailed), platform.context(tenant, SYSTEM) as ctx:
        service = RecordsService(ctx)
        service.create("account", {"name": "First"})
        service.create("account", {"name": "Second", "grade": "nonsense"})
    assert counts(platform, tenant) == before


def test_metadata_change_rolled_back_with_its_ddl(platform: Platform, tenant: TenantInfo) -> None:
    with pytest.raises(RuntimeError), platform.context(tenant, SYSTEM) as ctx:
        MetadataService(ctx).add_field(
            "account", FieldDef(name="ephemeral", type="text", labels={"en": "E"})
        )
        raise RuntimeError("abort after DDL")
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert "ephemeral" not in ctx.object("account").fields
        columns = {c["name"] for c in sa.inspect(ctx.conn).get_columns("account")}
        assert "ephemeral" not in columns


def test_concurrent_edits_of_one_version_one_wins(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        account = RecordsService(ctx).create("account", {"name": "Contested"})
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def edit(grade: str) -> None:
        try:
            barrier.wait(timeout=10)
            with platform.context(tenant, SYSTEM) as ctx:
                outcomes.append(
                    RecordsService(ctx).update(
                        "account", account["id"], {"grade": grade}, expected_version=1
                    )
                )
        except StaleVersion as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=edit, args=(g,)) for g in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2
    assert sum(isinstance(o, StaleVersion) for o in outcomes) == 1
    winner = next(o for o in outcomes if isinstance(o, dict))
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        stored = RecordsService(ctx).get("account", account["id"])
    assert stored["grade"] == winner["grade"] and stored["version"] == 2


def test_auto_numbers_are_unique_under_concurrency(platform: Platform, tenant: TenantInfo) -> None:
    numbers: list[str] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        with platform.context(tenant, SYSTEM) as ctx:
            record = RecordsService(ctx).create("account", {"name": f"N{i}"})
        with lock:
            numbers.append(record["account_no"])

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(numbers) == 8 and len(set(numbers)) == 8


def test_metadata_change_seen_by_another_process(platform: Platform, tenant: TenantInfo) -> None:
    """A second Platform on the same databases stands in for another server process."""
    other = Platform(platform.settings)
    try:
        with other.context(tenant, SYSTEM, write=False) as ctx:
            assert "loyalty_level" not in ctx.object("account").fields  # cached now
        with platform.context(tenant, SYSTEM) as ctx:
            MetadataService(ctx).add_field(
                "account", FieldDef(name="loyalty_level", type="integer", labels={"en": "Loyalty"})
            )
        with other.context(tenant, SYSTEM) as ctx:
            assert "loyalty_level" in ctx.object("account").fields
            record = RecordsService(ctx).create("account", {"name": "L", "loyalty_level": 3})
            assert record["loyalty_level"] == 3
    finally:
        other.dispose()
