"""Package upgrades: a tenant created by an older release gets what the standard packages added
since (with its DDL), keeps what its administrator changed, and is told about conflicts."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from keyi.cli import main
from keyi.packages import (
    DEFAULT_PACKAGES,
    Package,
    install_resolved,
    load_package,
    resolve_order,
)
from keyi.packages.upgrade import Note, UpgradeReport, upgrade_all, upgrade_tenant
from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.metadata.model import FieldDef, FieldType, ObjectDef, PicklistOption
from keyi.platform.metadata.service import MetadataService
from keyi.platform.metadata.store import current_version
from keyi.platform.migrations import VERSION_TABLE
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import package_table
from keyi.platform.tenancy import Platform
from keyi.settings import Settings
from tests.conftest import new_tenant_name

SYSTEM = Actor.system("test")


def _account(package: Package) -> ObjectDef:
    return next(o for o in package.objects if o.name == "account")


def _with_account(package: Package, account: ObjectDef, *extra: ObjectDef) -> Package:
    objects = tuple(account if o.name == "account" else o for o in package.objects)
    return replace(package, objects=(*objects, *extra))


def older_sales() -> Package:
    """Sales as an earlier release shipped it: no website field, no 'energy' industry, no index
    on province, no revenue rule, other English labels, and an account type since dropped."""
    sales = load_package("sales")
    fields = []
    for f in _account(sales).fields:
        if f.name == "website":
            continue
        if f.name == "industry":
            f = f.model_copy(
                update={"options": tuple(o for o in f.options or () if o.value != "energy")}
            )
        elif f.name == "province":
            f = f.model_copy(update={"indexed": False})
        elif f.name == "city":
            f = f.model_copy(update={"labels": {"en": "Town", "zh-CN": "城市"}})
        elif f.name == "district":
            f = f.model_copy(update={"labels": {"en": "County", "zh-CN": "区县"}})
        elif f.name == "type":
            legacy = PicklistOption(value="legacy", labels={"en": "Legacy", "zh-CN": "旧类型"})
            f = f.model_copy(update={"options": (*(f.options or ()), legacy)})
        fields.append(f)
    account = _account(sales).model_copy(update={"fields": tuple(fields), "validation_rules": ()})
    return _with_account(sales, account)


def newer_sales() -> Package:
    """Sales as a later release ships it: today's, plus a contract object, a region field, a
    required field without a default, and a longer address (a structural change)."""
    sales = load_package("sales")
    account = _account(sales)
    added = (
        FieldDef(name="region", type=FieldType.TEXT, labels={"en": "Region"}, custom=False),
        FieldDef(
            name="credit_rating",
            type=FieldType.TEXT,
            labels={"en": "Credit rating"},
            required=True,
            custom=False,
        ),
    )
    fields = tuple(
        f.model_copy(update={"max_length": 500}) if f.name == "address" else f
        for f in account.fields
    )
    contract = ObjectDef(
        name="contract",
        labels={"en": "Contract", "zh-CN": "合同"},
        custom=False,
        package="sales",
        fields=(
            FieldDef(name="name", type=FieldType.TEXT, labels={"en": "Name"}, custom=False),
            FieldDef(
                name="account",
                type=FieldType.LOOKUP,
                target="account",
                labels={"en": "Account"},
                custom=False,
            ),
        ),
    )
    return _with_account(sales, account.model_copy(update={"fields": fields + added}), contract)


@pytest.fixture
def old_tenant(platform: Platform) -> Iterator[TenantInfo]:
    """A tenant installed from the older release."""
    older = [load_package("core"), older_sales()]
    info = platform.create_tenant(
        new_tenant_name(), installer=lambda ctx: install_resolved(ctx, older)
    )
    yield info
    platform.drop_tenant(info.name)


def _field(obj: ObjectDef, name: str) -> FieldDef:
    found = obj.field(name)
    assert found is not None, name
    return found


def _version(platform: Platform, tenant: TenantInfo) -> int:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        return current_version(ctx.conn)


def _lines(notes: list[Note]) -> set[str]:
    return {str(n) for n in notes}


def _targets(report: UpgradeReport) -> set[str]:
    return {f"{n.target} {n.text}" for n in report.changes}


@pytest.mark.packages(*DEFAULT_PACKAGES)
def test_new_tenant_records_its_packages(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        rows = {r.name: r.digest for r in ctx.conn.execute(sa.select(package_table))}
    assert rows == {name: load_package(name).digest() for name in DEFAULT_PACKAGES}
    report = upgrade_tenant(platform, tenant)
    assert report.changes == [] and report.conflicts == []
    # In dependency order (alphabetical among equals): marketing needs only sales.
    resolved = ", ".join(p.name for p in resolve_order(tuple(sorted(DEFAULT_PACKAGES))))
    assert report.summary().endswith(f"packages up to date ({resolved})")


def test_upgrade_installs_a_default_package_the_tenant_lacks(
    platform: Platform, tenant: TenantInfo
) -> None:
    """A company made before l2c existed (core and sales only) gets it from the upgrade, with
    its hooks working, and a second run finds nothing to do."""
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert ctx.schema.get("quote") is None
    dry = upgrade_tenant(platform, tenant, dry_run=True)
    assert "quote new object" in _targets(dry)
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert ctx.schema.get("quote") is None  # a dry run changes nothing
    report = upgrade_tenant(platform, tenant)
    assert {"product new object", "payment_plan new object", "order new object"} <= _targets(report)
    assert report.conflicts == []
    with platform.context(tenant, SYSTEM) as ctx:
        rows = {r.name: r.digest for r in ctx.conn.execute(sa.select(package_table))}
        assert rows["l2c"] == load_package("l2c").digest()
        records = RecordsService(ctx)
        account = records.create("account", {"name": "升级客户"})
        contract = records.create(
            "contract",
            {
                "name": "合同",
                "account": account["id"],
                "amount": "10.00",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            },
        )
        plan = records.create(
            "payment_plan",
            {"contract": contract["id"], "installment": 1, "due_date": "2099-01-01", "amount": 10},
        )
        assert plan["name"] == f"{contract['contract_no']} 第1期"  # the l2c hooks run
    assert upgrade_tenant(platform, tenant).changes == []


def test_upgrade_adds_what_is_new_and_keeps_admin_changes(
    platform: Platform, old_tenant: TenantInfo
) -> None:
    newer = [load_package("core"), newer_sales()]
    with platform.context(old_tenant, SYSTEM) as ctx:
        before = RecordsService(ctx).create(
            "account", {"name": "华为技术", "city": "深圳", "type": "legacy"}
        )
        service = MetadataService(ctx)
        # The administrator renames two labels and adds a field of their own.
        service.update_field("account", "district", {"labels": {"en": "Area", "zh-CN": "区县"}})
        service.update_field("account", "phone", {"labels": {"en": "Switchboard", "zh-CN": "总机"}})
        service.add_field(
            "account", FieldDef(name="region", type=FieldType.TEXT, labels={"en": "Our region"})
        )
    version = _version(platform, old_tenant)

    dry = upgrade_tenant(platform, old_tenant, dry_run=True, packages=newer)
    expected = {
        "contract new object",
        "account.website new field",
        "account.credit_rating new field",
        "account.province indexed updated",
        "account.city labels (en) updated",
        "account.industry=energy new picklist value",
        "account:revenue_not_negative new validation rule",
        "account:credit_code_valid new validation rule",
    }
    assert _targets(dry) == expected
    assert {(n.target, n.reason) for n in dry.conflicts} == {
        ("account.district", "customised"),  # the administrator's label wins
        ("account.region", "name_taken"),  # the administrator's own field stays
        ("account.address", "structural"),  # never retyped or resized
    }
    assert "would apply 8 change(s), 3 conflict(s)" in dry.summary()
    # A dry run changes nothing.
    assert _version(platform, old_tenant) == version
    with platform.context(old_tenant, SYSTEM, write=False) as ctx:
        assert ctx.object("account").definition.field("website") is None
        assert ctx.schema.get("contract") is None

    report = upgrade_tenant(platform, old_tenant, packages=newer)
    # The required field cannot appear on a table with rows: refused, reported, the rest applied.
    assert _targets(report) == expected - {"account.credit_rating new field"}
    refused = [n for n in report.conflicts if n.reason == "refused"]
    assert [n.target for n in refused] == ["account.credit_rating"]
    assert "existing records need a default" in str(refused[0])
    assert len(report.conflicts) == 4

    with platform.context(old_tenant, SYSTEM) as ctx:
        account = ctx.object("account").definition
        labels = {f.name: f.labels["en"] for f in account.fields}
        assert labels["city"] == "City"  # the package's new label: the tenant had the old one
        assert labels["district"] == "Area"  # relabelled by the administrator: kept
        assert labels["phone"] == "Switchboard"  # package unchanged there: kept
        assert labels["region"] == "Our region" and _field(account, "region").custom
        assert _field(account, "address").max_length == 300
        assert account.field("credit_rating") is None
        types = [o.value for o in _field(account, "type").options or ()]
        assert "legacy" in types  # values are never deleted
        industries = [o.value for o in _field(account, "industry").options or ()]
        assert industries.index("energy") == industries.index("education") + 1
        indexes = {i["name"] for i in sa.inspect(ctx.conn).get_indexes("account")}
        assert "ix_account_province" in indexes
        # The old record reads and writes with the new columns.
        records = RecordsService(ctx)
        assert records.get("account", before["id"])["type"] == "legacy"
        updated = records.update(
            "account",
            before["id"],
            {"website": "https://huawei.example", "industry": "energy"},
        )
        assert updated["website"] == "https://huawei.example" and updated["industry"] == "energy"
        contract = records.create("contract", {"name": "框架协议", "account": before["id"]})
        assert contract["account"] == before["id"]
        with pytest.raises(ValidationFailed):
            records.update("account", before["id"], {"annual_revenue": -1})
        actions = [
            (row.action, row.object, row.details.get("upgrade"))
            for row in ctx.conn.execute(sa.select(audit_table).order_by(audit_table.c.id))
        ]
        rows = {r.name: r.digest for r in ctx.conn.execute(sa.select(package_table))}
    assert ("metadata.field.create", "account", True) in actions
    assert ("metadata.object.create", "contract", True) in actions
    assert ("metadata.package.upgrade", None, None) in actions
    assert rows["sales"] == newer[1].digest()

    # Idempotent: the second run finds the baseline current and changes nothing.
    version = _version(platform, old_tenant)
    again = upgrade_tenant(platform, old_tenant, packages=newer)
    assert again.changes == [] and again.conflicts == []
    assert _version(platform, old_tenant) == version


def test_tenant_from_before_baselines(platform: Platform, old_tenant: TenantInfo) -> None:
    """Without a recorded baseline, additions still arrive; differences are only reported.

    Such a tenant also predates versioned migrations: adopting it creates `keyi_package`."""
    with platform.context(old_tenant, SYSTEM) as ctx:
        ctx.conn.execute(sa.text("DROP TABLE keyi_package"))
        ctx.conn.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))
    report = upgrade_tenant(platform, old_tenant)  # this release's packages
    assert {"account.website new field", "account.industry=energy new picklist value"} <= _targets(
        report
    )
    assert ("account.city", "no_baseline") in {(n.target, n.reason) for n in report.conflicts}
    with platform.context(old_tenant, SYSTEM, write=False) as ctx:
        account = ctx.object("account").definition
        assert account.field("website") is not None
        assert _field(account, "city").labels["en"] == "Town"
        assert {r.name for r in ctx.conn.execute(sa.select(package_table))} == set(DEFAULT_PACKAGES)
    assert upgrade_tenant(platform, old_tenant).changes == []


def test_one_failing_tenant_does_not_stop_the_others(
    platform: Platform, old_tenant: TenantInfo, tenant: TenantInfo, caplog: pytest.LogCaptureFixture
) -> None:
    platform.db.drop_namespace(tenant.location)  # a broken tenant
    platform.schemas.forget(tenant.location)
    with caplog.at_level(logging.INFO, logger="keyi.upgrade"):
        results = {info.name: r for info, r in upgrade_all(platform, [tenant, old_tenant])}
    assert isinstance(results[tenant.name], Exception)
    report = results[old_tenant.name]
    assert isinstance(report, UpgradeReport)
    assert "account.website: new field" in _lines(report.changes)
    messages = [r.getMessage() for r in caplog.records]
    assert f"tenant {tenant.name}: package upgrade failed" in messages
    assert any(m.startswith(f"tenant {old_tenant.name}: sales ") for m in messages)


def _cli(data_dir: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    result = CliRunner(env={**env, "KEYI_DATA_DIR": str(data_dir)}).invoke(main, list(args))
    return result.exit_code, result.output


def test_cli_tenant_upgrade(tmp_path: Path) -> None:
    platform = Platform(Settings(data_dir=tmp_path))
    platform.init_control()
    older = [load_package("core"), older_sales()]
    info = platform.create_tenant("acme-old", installer=lambda ctx: install_resolved(ctx, older))
    platform.dispose()

    code, out = _cli(tmp_path, "tenant", "upgrade", "acme-old", "--dry-run")
    assert code == 0, out
    assert "tenant acme-old: sales " in out and "would apply" in out
    assert "  + account.website: new field" in out
    assert "  + quote: new object" in out  # the l2c package, new in this release
    code, out = _cli(tmp_path, "tenant", "upgrade", "--all")
    assert code == 0, out
    assert "applied" in out and "  + account.website: new field" in out
    code, out = _cli(tmp_path, "tenant", "upgrade", "acme-old")
    assert code == 0 and "packages up to date (core, sales, l2c, marketing, service)" in out
    code, out = _cli(tmp_path, "tenant", "upgrade")
    assert code == 2 and "give a tenant NAME or --all" in out

    platform = Platform(Settings(data_dir=tmp_path))
    try:
        with platform.context(info, SYSTEM, write=False) as ctx:
            assert ctx.object("account").definition.field("website") is not None
    finally:
        platform.dispose()


def _indexes(platform: Platform, tenant: TenantInfo, table: str) -> set[str]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        schema = (
            ctx.conn.exec_driver_sql("SELECT current_schema()").scalar()
            if ctx.conn.dialect.name == "postgresql"
            else None
        )
        return {i["name"] for i in sa.inspect(ctx.conn).get_indexes(table, schema=schema)}


def test_upgrade_creates_indexes_a_release_added_to_existing_tables(
    platform: Platform, tenant: TenantInfo
) -> None:
    # A new tenant's tables carry the live-records index; one from before it has not.
    assert "ix_account_live" in _indexes(platform, tenant, "account")
    with platform.context(tenant, SYSTEM) as ctx:
        ctx.conn.exec_driver_sql("DROP INDEX ix_account_live")
        ctx.conn.exec_driver_sql("DROP INDEX ix_contact_live")
    assert "ix_account_live" not in _indexes(platform, tenant, "account")

    upgrade_tenant(platform, tenant, dry_run=True)  # a dry run changes nothing
    assert "ix_account_live" not in _indexes(platform, tenant, "account")
    upgrade_tenant(platform, tenant)
    assert "ix_account_live" in _indexes(platform, tenant, "account")
    assert "ix_contact_live" in _indexes(platform, tenant, "contact")
    upgrade_tenant(platform, tenant)  # and a second run finds nothing to do

    with platform.context(tenant, SYSTEM, write=False) as ctx:
        if ctx.conn.dialect.name == "sqlite":
            # A whole object's count of live records reads the partial index, not the table.
            plan = ctx.conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM contact WHERE contact.deleted_at IS NULL"
            ).all()
            assert [row[-1] for row in plan] == ["SCAN contact USING INDEX ix_contact_live"]


def sales_before_issue_11() -> Package:
    """Sales as shipped before issue 11: no credit-code rule on accounts, no help on the
    activity's time and contact fields."""
    sales = load_package("sales")
    objects = []
    for obj in sales.objects:
        if obj.name == "account":
            rules = tuple(r for r in obj.validation_rules if r.name != "credit_code_valid")
            obj = obj.model_copy(update={"validation_rules": rules})
        elif obj.name == "activity":
            fields = tuple(
                f.model_copy(update={"help": None}) if f.name in ("start_at", "contact") else f
                for f in obj.fields
            )
            obj = obj.model_copy(update={"fields": fields})
        objects.append(obj)
    return replace(sales, objects=tuple(objects))


def test_tenant_from_before_issue_11_gets_the_sales_changes(platform: Platform) -> None:
    older = [load_package("core"), sales_before_issue_11()]
    info = platform.create_tenant(
        new_tenant_name(), installer=lambda ctx: install_resolved(ctx, older)
    )
    try:
        with platform.context(info, SYSTEM) as ctx:
            assert [r.name for r in ctx.object("account").definition.validation_rules] == [
                "revenue_not_negative"
            ]
            # Accepted before the rule existed; stays readable and editable afterwards.
            legacy = RecordsService(ctx).create(
                "account", {"name": "旧数据", "credit_code": "914403001922038217"}
            )
        report = upgrade_tenant(platform, info)
        assert {
            "account:credit_code_valid new validation rule",
            "activity.start_at help (en) updated",
            "activity.start_at help (zh-CN) updated",
            "activity.contact help (en) updated",
            "activity.contact help (zh-CN) updated",
        } <= _targets(report)
        assert report.conflicts == []
        with platform.context(info, SYSTEM) as ctx:
            activity = ctx.object("activity").definition
            assert _field(activity, "start_at").help is not None
            assert _field(activity, "contact").help is not None
            records = RecordsService(ctx)
            with pytest.raises(ValidationFailed) as refused:
                records.create("account", {"name": "新数据", "credit_code": "914403001922038217"})
            assert [e.field for e in refused.value.errors] == ["credit_code"]
            assert records.create("account", {"name": "华为", "credit_code": "914403001922038216"})
            # Rules judge the whole record on every save: an old record with a bad code reads as
            # before, and its next edit asks for the code to be corrected.
            assert records.get("account", legacy["id"])["credit_code"] == "914403001922038217"
            with pytest.raises(ValidationFailed):
                records.update("account", legacy["id"], {"city": "深圳"})
            fixed = {"city": "北京", "credit_code": "91110108551385082Q"}
            assert records.update("account", legacy["id"], fixed)["city"] == "北京"
        assert upgrade_tenant(platform, info).changes == []
    finally:
        platform.drop_tenant(info.name)


def test_upgrade_brings_new_search_criteria_unless_the_tenant_set_its_own(
    platform: Platform, old_tenant: TenantInfo
) -> None:
    """A package that starts limiting what search finds (search_criteria) reaches a tenant
    that kept the shipped criteria; an administrator's own criteria stay."""
    criteria = {"field": "type", "op": "ne", "value": "legacy"}
    sales = older_sales()
    newer = [
        load_package("core"),
        _with_account(sales, _account(sales).model_copy(update={"search_criteria": criteria})),
    ]
    report = upgrade_tenant(platform, old_tenant, packages=newer)
    assert "account search_criteria updated" in _targets(report)
    with platform.context(old_tenant, SYSTEM, write=False) as ctx:
        assert ctx.object("account").definition.search_criteria == criteria

    other = platform.create_tenant(
        new_tenant_name(),
        installer=lambda ctx: install_resolved(ctx, [load_package("core"), older_sales()]),
    )
    try:
        mine = {"field": "name", "op": "ne", "value": "x"}
        with platform.context(other, SYSTEM) as ctx:
            MetadataService(ctx).update_object("account", {"search_criteria": mine})
        report = upgrade_tenant(platform, other, packages=newer)
        assert ("account", "customised") in {(n.target, n.reason) for n in report.conflicts}
        with platform.context(other, SYSTEM, write=False) as ctx:
            assert ctx.object("account").definition.search_criteria == mine
    finally:
        platform.drop_tenant(other.name)
