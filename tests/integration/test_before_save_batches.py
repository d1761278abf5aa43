"""Batch before-save hooks: one call with every event of a write (a create of many records, an
update as a batch of one), in registration order with the per-record hooks, only for tenants
that installed the hook's package; what they set is written and their errors are placed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

import pytest

from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.hooks import HookRegistry, WriteEvent, registry
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform


@pytest.fixture
def save_hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookRegistry]:
    """The installation's registry with an empty before-save table for this test only."""
    monkeypatch.setattr(registry, "_before_save", defaultdict(list))
    yield registry


def test_a_batch_hook_sees_the_whole_write_once(
    platform: Platform, tenant: TenantInfo, save_hooks: HookRegistry
) -> None:
    calls: list[tuple[str, list[str]]] = []

    @save_hooks.before_save_many("account")
    def batch(ctx: Context, events: Sequence[WriteEvent]) -> None:
        calls.append(("batch", [e.operation for e in events]))
        for i, event in enumerate(events):
            event.values["city"] = f"第{i}城"

    @save_hooks.before_save("account")
    def single(ctx: Context, event: WriteEvent) -> None:
        # Runs after the batch hook registered before it: sees what it set.
        calls.append(("single", [event.values.get("city") or ""]))

    # A package's batch hook runs only where the package is installed.
    save_hooks.package("not_installed").before_save_many("account")(
        lambda ctx, events: calls.append(("foreign", []))
    )

    with platform.context(tenant, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        ids = records.create_many("account", [{"name": f"公司{i}"} for i in range(3)])
        assert [records.get("account", i)["city"] for i in ids] == ["第0城", "第1城", "第2城"]
        assert calls == [
            ("batch", ["create"] * 3),
            ("single", ["第0城"]),
            ("single", ["第1城"]),
            ("single", ["第2城"]),
        ]
        calls.clear()
        records.update("account", ids[0], {"name": "改名"})
        assert calls == [("batch", ["update"]), ("single", ["第0城"])]


def test_errors_of_a_batch_hook_name_their_row(
    platform: Platform, tenant: TenantInfo, save_hooks: HookRegistry
) -> None:
    @save_hooks.before_save_many("account")
    def refuse_odd(ctx: Context, events: Sequence[WriteEvent]) -> None:
        for i, event in enumerate(events):
            if i % 2:
                event.errors.add("name", "invalid")

    with platform.context(tenant, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        with pytest.raises(ValidationFailed) as refused:
            records.create_many("account", [{"name": f"公司{i}"} for i in range(4)])
        assert [e.field for e in refused.value.errors] == ["1.name", "3.name"]
