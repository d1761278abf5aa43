"""The platform's core contract and package-scoped hooks (both backends).

* A package's hooks run only for tenants that installed the package: a company without `sales`
  that defines its own `opportunity` object does not get the sales rules.
* Department paths (what record access reads) are kept by the platform, for every tenant.
* Definitions that break the contract — at a metadata change, a package install or the upgrade
  every server start runs — are refused with the object and field named.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages import install_resolved, load_package, register_all_hooks
from keyi.packages.upgrade import upgrade_all, upgrade_tenant
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.metadata import store
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.schema import package_table
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from tests.conftest import new_tenant_name

SYSTEM = Actor.system("test")

# A company's own "opportunity", shaped so the sales package's stage → probability rule would
# fill `probability` if it ran here.
OWN_OPPORTUNITY = {
    "name": "opportunity",
    "labels": {"en": "Deal", "zh-CN": "交易"},
    "fields": [
        {"name": "name", "type": "text", "labels": {"en": "Name"}, "required": True},
        {
            "name": "stage",
            "type": "picklist",
            "labels": {"en": "Stage"},
            "options": [{"value": "won", "labels": {"en": "Won"}, "probability": 100}],
        },
        {"name": "probability", "type": "percent", "labels": {"en": "Probability"}},
    ],
}


@pytest.fixture
def core_only(platform: Platform) -> Iterator[TenantInfo]:
    """A tenant with the core package only (no sales)."""
    info = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=f"{uuid.uuid4().hex[:8]}@core-only.example.com",
        admin_password="Kx9!core-only-pass",
        packages=("core",),
    )
    yield info
    platform.drop_tenant(info.name)


def _installed(ctx: Context) -> set[str]:
    return {str(n) for n in ctx.conn.execute(sa.select(package_table.c.name)).scalars()}


def _reload(ctx: Context) -> None:
    ctx.refresh_schema(store.load_compiled(ctx.conn))


def test_package_hooks_run_only_for_tenants_that_installed_the_package(
    platform: Platform, tenant: TenantInfo, core_only: TenantInfo
) -> None:
    register_all_hooks()  # as the server does: every package's hooks are in the registry
    with platform.context(tenant, SYSTEM) as ctx:
        assert {"core", "sales"} <= _installed(ctx)
        account = RecordsService(ctx).create("account", {"name": "有销售包的客户"})
        deal = RecordsService(ctx).create(
            "opportunity",
            {
                "name": "商机",
                "account": account["id"],
                "stage": "won",
                "close_date": "2026-12-31",
                "amount": "10",
            },
        )
        assert deal["probability"] is not None  # the sales hook ran

    with platform.context(core_only, SYSTEM) as ctx:
        assert _installed(ctx) == {"core"}
        MetadataService(ctx).create_object(ObjectDef.model_validate(OWN_OPPORTUNITY))
        _reload(ctx)
        own = RecordsService(ctx).create("opportunity", {"name": "自己的交易", "stage": "won"})
        assert own["probability"] is None  # the sales hook did not run
        # The core package's own hooks still run here: a user cannot report to themselves.
        users = RecordsService(ctx)
        boss = users.create("user", {"name": "老板", "email": "boss@core-only.example.com"})
        with pytest.raises(ValidationFailed) as refused:
            users.update("user", boss["id"], {"manager": boss["id"]})
        assert [(e.field, e.code) for e in refused.value.errors] == [
            ("manager", "circular_manager")
        ]


def test_the_platform_keeps_department_paths_for_every_tenant(
    platform: Platform, core_only: TenantInfo
) -> None:
    """Paths are the platform's: kept even where no package's hooks run (no `core` recorded)."""
    with platform.context(core_only, SYSTEM) as ctx:
        ctx.conn.execute(sa.delete(package_table))
        store.bump_version(ctx.conn)  # a new revision: the installed packages are read again
        _reload(ctx)
        records = RecordsService(ctx)
        head = records.create("department", {"name": "总部"})
        sales = records.create("department", {"name": "销售部", "parent": head["id"]})
        rep = records.create(
            "user",
            {"name": "销售", "email": "rep@core-only.example.com", "department": sales["id"]},
        )
        assert sales["path"] == f"/{head['id']}/{sales['id']}/"
        assert rep["department_path"] == sales["path"]
        # Moving a subtree moves its members' paths too.
        other = records.create("department", {"name": "华南"})
        records.update("department", sales["id"], {"parent": other["id"]})
        moved = records.get("user", rep["id"])
        assert moved["department_path"] == f"/{other['id']}/{sales['id']}/"
        # And a user who reports to themselves is no longer refused: that rule is the core
        # package's, which this tenant no longer lists.
        records.update("user", rep["id"], {"manager": rep["id"]})


def test_a_metadata_change_that_breaks_the_contract_is_refused(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    response = client.patch(
        "/api/v1/metadata/objects/department/fields/path", json={"name": "tree_path"}
    )
    assert response.status_code == 422, response.text
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["department.path"]["code"] == "core_contract"
    assert "text" in errors["department.path"]["message"]
    # Nothing changed: the field is still there and paths still work.
    with platform.context(tenant, SYSTEM) as ctx:
        assert ctx.object("department").fields.get("path") is not None
        with pytest.raises(ValidationFailed) as refused:
            MetadataService(ctx).update_field("user", "department", {"type": "text"})
        assert refused.value.errors  # a type change of a lookup is refused anyway
        with pytest.raises(ValidationFailed) as refused:
            MetadataService(ctx).update_field("user", "department_path", {"type": "long_text"})
        assert [(e.field, e.code) for e in refused.value.errors] == [
            ("user.department_path", "core_contract")
        ]


def _without_field(object_name: str, field_name: str) -> Any:
    core = load_package("core")
    objects = []
    for obj in core.objects:
        if obj.name == object_name:
            obj = obj.model_copy(
                update={"fields": tuple(f for f in obj.fields if f.name != field_name)}
            )
        objects.append(obj)
    return replace(core, objects=tuple(objects))


def test_a_package_that_breaks_the_contract_is_not_installed(platform: Platform) -> None:
    broken = _without_field("department", "path")
    name = new_tenant_name()
    with pytest.raises(ValidationFailed) as refused:
        platform.create_tenant(name, installer=lambda ctx: install_resolved(ctx, [broken]))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("department.path", "core_contract")
    ]
    assert name not in {t.name for t in platform.list_tenants()}


def test_the_upgrade_at_start_refuses_a_tenant_whose_metadata_broke_the_contract(
    platform: Platform, tenant: TenantInfo, caplog: pytest.LogCaptureFixture
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        # Damage the stored definitions behind the platform's back (a hand edit, a restore).
        department = ctx.object("department").definition
        store.save_definition(
            ctx.conn,
            department.model_copy(
                update={"fields": tuple(f for f in department.fields if f.name != "path")}
            ),
        )
        store.bump_version(ctx.conn)
    with pytest.raises(ValidationFailed) as refused:
        upgrade_tenant(platform, tenant)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("department.path", "core_contract")
    ]
    with caplog.at_level(logging.INFO, logger="keyi.upgrade"):
        ((_, result),) = upgrade_all(platform, [tenant])
    assert isinstance(result, ValidationFailed)
    assert f"tenant {tenant.name}: package upgrade failed" in [
        r.getMessage() for r in caplog.records
    ]
    assert "department.path: core_contract" in caplog.text
