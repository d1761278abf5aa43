"""MetadataService on its own (no HTTP): it authorises, audits and refreshes the schema itself,
so the CLI, a job or a package upgrade change metadata exactly as the admin API does."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.errors import Forbidden, ValidationFailed
from keyi.platform.metadata.model import FieldDef, FieldType, ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform


def _audited(platform: Platform, tenant: TenantInfo) -> list[tuple[str, str | None, str | None]]:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        rows = ctx.conn.execute(
            sa.select(audit_table.c.action, audit_table.c.object, audit_table.c.actor_name)
            .where(audit_table.c.action.startswith("metadata."))
            .order_by(audit_table.c.id)
        )
        return [tuple(r) for r in rows]


def test_a_user_who_may_not_manage_metadata_gets_no_service(
    platform: Platform, tenant: TenantInfo
) -> None:
    rep = Actor(id="0190aaaa-0000-7000-8000-000000000001", name="Rep", is_admin=False)
    with platform.context(tenant, rep) as ctx, pytest.raises(Forbidden):
        MetadataService(ctx)


def test_changes_are_seen_at_once_and_audited_in_the_same_transaction(
    platform: Platform, tenant: TenantInfo
) -> None:
    before = _audited(platform, tenant)
    with platform.context(tenant, Actor.system("cli")) as ctx:
        service = MetadataService(ctx)
        service.create_custom_object(
            ObjectDef(name="gadget", labels={"en": "Gadget"}, custom=False, package="sales")
        )
        service.add_custom_field(
            "gadget", FieldDef(name="weight", type=FieldType.DECIMAL, labels={"en": "Weight"})
        )
        # The context sees the new object and field without any reload by the caller.
        assert ctx.object("gadget").definition.custom is True
        assert ctx.object("gadget").definition.package is None
        record = RecordsService(ctx).create("gadget", {"name": "G-1", "weight": "1.5"})
        assert Decimal(str(record["weight"])) == Decimal("1.5")
        service.update_field("gadget", "weight", {"labels": {"en": "Mass"}})
        service.delete_field("gadget", "weight")
        assert "weight" not in ctx.object("gadget").fields
    assert _audited(platform, tenant)[len(before) :] == [
        ("metadata.object.create", "gadget", "cli"),
        ("metadata.field.create", "gadget", "cli"),
        ("metadata.field.update", "gadget", "cli"),
        ("metadata.field.delete", "gadget", "cli"),
    ]


def test_a_refused_change_leaves_no_audit_entry(platform: Platform, tenant: TenantInfo) -> None:
    before = _audited(platform, tenant)
    with pytest.raises(ValidationFailed), platform.context(tenant, Actor.system("cli")) as ctx:
        MetadataService(ctx).add_field(
            "account", FieldDef(name="name", type=FieldType.TEXT, labels={"en": "Again"})
        )
    assert _audited(platform, tenant) == before
