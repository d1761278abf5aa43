"""Indexes over several fields (ObjectDef.indexes): declared by a package or the object API,
created at once and at a tenant's upgrade, and never left naming a field that is gone."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from keyi.packages import install_resolved, load_package
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.metadata.model import CompositeIndex, FieldDef, FieldType, ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.conftest import new_tenant_name

SYSTEM = Actor.system("test")
ACTIVITY_INDEX = "ix_activity_contact_due_date_ix"


def _indexes(platform: Platform, tenant: TenantInfo, table: str) -> dict[str, list[str]]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        schema = (
            ctx.conn.exec_driver_sql("SELECT current_schema()").scalar()
            if ctx.conn.dialect.name == "postgresql"
            else None
        )
        found = sa.inspect(ctx.conn).get_indexes(table, schema=schema)
        return {str(i["name"]): list(i["column_names"]) for i in found}


def test_the_sales_package_indexes_activities_by_contact_and_due_date(
    platform: Platform, tenant: TenantInfo
) -> None:
    assert _indexes(platform, tenant, "activity")[ACTIVITY_INDEX] == ["contact", "due_date"]


def test_an_upgrade_brings_a_package_index_to_an_older_tenant(platform: Platform) -> None:
    sales = load_package("sales")
    older = replace(
        sales,
        objects=tuple(
            o.model_copy(update={"indexes": ()}) if o.name == "activity" else o
            for o in sales.objects
        ),
    )
    info = platform.create_tenant(
        new_tenant_name(),
        installer=lambda ctx: install_resolved(ctx, [load_package("core"), older]),
    )
    try:
        assert ACTIVITY_INDEX not in _indexes(platform, info, "activity")
        upgrade_tenant(platform, info)
        assert _indexes(platform, info, "activity")[ACTIVITY_INDEX] == ["contact", "due_date"]
        with platform.context(info, SYSTEM, write=False) as ctx:
            declared = ctx.object("activity").definition.indexes
        assert declared == (CompositeIndex(fields=("contact", "due_date")),)
        assert upgrade_tenant(platform, info).changes == []  # nothing left to do
    finally:
        platform.drop_tenant(info.name)


def test_the_object_api_adds_and_drops_an_index_and_guards_its_fields(
    platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        service = MetadataService(ctx)
        service.create_custom_object(ObjectDef(name="gauge", labels={"en": "Gauge"}))
        for name, type_ in (("site", FieldType.TEXT), ("read_on", FieldType.DATE)):
            service.add_custom_field("gauge", FieldDef(name=name, type=type_, labels={"en": name}))
        with pytest.raises(ValidationFailed):  # a field the object does not have
            service.update_object("gauge", {"indexes": [{"fields": ["site", "nowhere"]}]})
        service.update_object("gauge", {"indexes": [{"fields": ["site", "read_on"]}]})
        RecordsService(ctx).create("gauge", {"name": "G", "site": "A", "read_on": "2026-12-01"})
    assert _indexes(platform, tenant, "gauge")["ix_gauge_site_read_on_ix"] == ["site", "read_on"]

    with platform.context(tenant, SYSTEM) as ctx:
        service = MetadataService(ctx)
        with pytest.raises(ValidationFailed) as deleting:
            service.delete_field("gauge", "site")
        assert [(e.field, e.code) for e in deleting.value.errors] == [("site", "in_use")]
        with pytest.raises(ValidationFailed) as renaming:
            service.update_field("gauge", "read_on", {"name": "measured_on"})
        assert ("name", "in_use") in [(e.field, e.code) for e in renaming.value.errors]

        service.update_object("gauge", {"indexes": []})
        service.delete_field("gauge", "site")  # no index names it any more
    assert "ix_gauge_site_read_on_ix" not in _indexes(platform, tenant, "gauge")
