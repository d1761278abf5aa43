"""The after-write hook point: it runs after every kind of write, once the roll-ups the write
feeds were recomputed, inside the write's transaction, and its own writes go the usual way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from keyi.platform.context import Context, TenantInfo
from keyi.platform.hooks import AfterWriteEvent, HookRegistry, registry
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform


@pytest.fixture
def after_write_hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookRegistry]:
    """The installation's registry with an empty after-write table for this test only."""
    monkeypatch.setattr(registry, "_after_write", defaultdict(list))
    yield registry


def test_after_write_runs_for_every_operation_after_rollups(
    platform: Platform, tenant: TenantInfo, after_write_hooks: HookRegistry
) -> None:
    seen: list[tuple[str, str, Any, Any, Decimal]] = []

    @after_write_hooks.after_write("opportunity")
    def remember(ctx: Context, event: AfterWriteEvent) -> None:
        # The parent's roll-up as stored now: already recomputed for this write.
        account = RecordsService(ctx.as_system()).get("account", event.value("account"))
        seen.append(
            (
                event.operation,
                event.record_id,
                (event.old or {}).get("amount"),
                (event.new or {}).get("amount"),
                Decimal(account["pipeline_amount"]),
            )
        )

    with platform.context(tenant, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        account = records.create("account", {"name": "华为技术有限公司"})
        created = records.create(
            "opportunity",
            {
                "name": "云平台",
                "account": account["id"],
                "amount": "100.50",
                "close_date": "2027-06-30",
            },
        )
        opp = created["id"]
        records.update("opportunity", opp, {"amount": "250.25"})
        records.update("opportunity", opp, {"amount": "250.25"})  # no change: no event
        records.delete("opportunity", opp)
        records.restore("opportunity", opp)

    assert [(op, rid) for op, rid, *_ in seen] == [
        ("create", opp),
        ("update", opp),
        ("delete", opp),
        ("restore", opp),
    ]
    assert seen[0][2:] == (None, Decimal("100.50"), Decimal("100.50"))
    assert seen[1][2:] == (Decimal("100.50"), Decimal("250.25"), Decimal("250.25"))
    assert seen[2][2:] == (Decimal("250.25"), None, Decimal("0"))
    assert seen[3][3:] == (Decimal("250.25"), Decimal("250.25"))


def test_after_write_writes_through_the_service_in_the_same_transaction(
    platform: Platform, tenant: TenantInfo, after_write_hooks: HookRegistry
) -> None:
    @after_write_hooks.after_write("opportunity")
    def note_on_account(ctx: Context, event: AfterWriteEvent) -> None:
        account = RecordsService(ctx.as_system()).get("account", event.value("account"))
        RecordsService(ctx).update(
            "account", account["id"], {"description": f"pipeline {account['pipeline_amount']}"}
        )

    with platform.context(tenant, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        account = records.create("account", {"name": "腾讯科技"})
        records.create_many(
            "opportunity",
            [
                {"name": n, "account": account["id"], "amount": a, "close_date": "2027-06-30"}
                for n, a in (("一", "10.00"), ("二", "5.25"))
            ],
        )
        account_id = account["id"]
    with platform.context(tenant, Actor.system("test")) as ctx:
        stored = RecordsService(ctx).get("account", account_id)
        history = RecordsService(ctx).history("account", account_id)
    # A batch is written (and summed) whole before its events run: both events see both
    # amounts, so the first sets the description and the second changes nothing.
    assert stored["description"] == "pipeline 15.25"
    assert sum(1 for e in history if e["operation"] == "update") == 1

    # A hook failing rolls the whole write back.
    @after_write_hooks.after_write("opportunity")
    def refuse(ctx: Context, event: AfterWriteEvent) -> None:
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError), platform.context(tenant, Actor.system("test")) as ctx:
        RecordsService(ctx).create(
            "opportunity",
            {"name": "三", "account": account_id, "amount": "1.00", "close_date": "2027-06-30"},
        )
    with platform.context(tenant, Actor.system("test")) as ctx:
        assert RecordsService(ctx).get("account", account_id)["description"] == "pipeline 15.25"


def test_after_write_hooks_of_a_package_run_only_where_it_is_installed(
    platform: Platform, tenant: TenantInfo, after_write_hooks: HookRegistry
) -> None:
    calls: list[str] = []
    after_write_hooks.package("not_installed").after_write("account")(
        lambda ctx, event: calls.append(event.record_id)
    )
    with platform.context(tenant, Actor.system("test")) as ctx:
        RecordsService(ctx).create("account", {"name": "小米"})
    assert calls == []
