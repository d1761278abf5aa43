"""Upgrade data steps: a tenant from before the duplicate-matching keys gets them filled in its
existing accounts and contacts, so lead conversion finds the old customers."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages import Package, install_resolved, load_package
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.context import Context, TenantInfo
from keyi.platform.dedupe import fill_missing_keys, normalise_mobile
from keyi.platform.hooks import UpgradeEvent, registry
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login, new_tenant_name

SYSTEM = Actor.system("test")
KEYS = {"account": "name_key", "contact": "mobile_key", "lead": "mobile_key"}


def sales_before_matching_keys() -> Package:
    """Sales as shipped before lead conversion matched duplicates: no account.name_key, no
    contact.mobile_key (nor lead.mobile_key, which web forms match returning visitors by)."""
    sales = load_package("sales")
    objects = tuple(
        obj.model_copy(update={"fields": tuple(f for f in obj.fields if f.name != KEYS[obj.name])})
        if obj.name in KEYS
        else obj
        for obj in sales.objects
    )
    return replace(sales, objects=objects)


def test_upgrade_fills_matching_keys_and_conversion_finds_old_customers(
    app: Any, platform: Platform
) -> None:
    older = [load_package("core"), sales_before_matching_keys()]
    info = platform.create_tenant(
        new_tenant_name(), installer=lambda ctx: install_resolved(ctx, older)
    )
    try:
        with platform.context(info, SYSTEM) as ctx:
            assert "name_key" not in ctx.object("account").fields
            assert "mobile_key" not in ctx.object("contact").fields
            records = RecordsService(ctx)
            old_account = records.create("account", {"name": "北京星河云帆科技有限公司"})
            other = records.create("account", {"name": "远山贸易有限公司"})
            old_contact = records.create(
                "contact", {"name": "李雷", "mobile": "139 0000 1111", "account": other["id"]}
            )
            records.create("contact", {"name": "韩梅梅"})  # no mobile: nothing to fill
            old_lead = records.create("lead", {"name": "王芳", "mobile": "+86 137-0000-2222"})
            gone = records.create("account", {"name": "回收站科技有限公司"})
            records.delete("account", gone["id"])

        report = upgrade_tenant(platform, info)
        assert report.conflicts == []
        filled = [str(n) for n in report.changes if n.target == "sales:fill_matching_keys"]
        assert filled == [
            "sales:fill_matching_keys: matching keys filled: 3 account(s), 1 contact(s), 1 lead(s)"
        ], "\n".join(report.lines())

        with platform.context(info, SYSTEM, write=False) as ctx:
            account = ctx.object("account").table
            keys = dict(ctx.conn.execute(sa.select(account.c.id, account.c.name_key)).all())
            assert keys[old_account["id"]] == "星河云帆科技"
            assert keys[gone["id"]] == "回收站科技"  # restoring it later still matches
            contact = ctx.object("contact").table
            assert ctx.conn.execute(
                sa.select(contact.c.mobile_key).where(contact.c.id == old_contact["id"])
            ).scalar_one() == normalise_mobile("13900001111")
            lead = ctx.object("lead").table
            assert ctx.conn.execute(
                sa.select(lead.c.mobile_key).where(lead.c.id == old_lead["id"])
            ).scalar_one() == normalise_mobile("13700002222")

        email = f"{uuid.uuid4().hex[:8]}-admin@example.com"
        add_user(platform, info, email=email, name="管理员", password=ADMIN_PASSWORD, is_admin=True)
        with TestClient(app) as client:
            login(client, email)
            lead = client.post(
                "/api/v1/records/lead",
                json={"name": "李雷", "company": "星河云帆科技", "mobile": "+86 139-0000-1111"},
            )
            assert lead.status_code == 201, lead.text
            response = client.get(f"/api/v1/records/lead/{lead.json()['id']}/conversion_matches")
            assert response.status_code == 200, response.text
            found = response.json()
            accounts = {a["id"]: a["reasons"] for a in found["accounts"]}
            contacts = {c["id"]: c["reasons"] for c in found["contacts"]}
            assert accounts[old_account["id"]] == ["company_name"]
            assert accounts[other["id"]] == ["mobile"]  # the known person's account
            assert contacts == {old_contact["id"]: ["mobile"]}

        # The step runs when the package moves: a second upgrade has nothing to do.
        assert upgrade_tenant(platform, info).changes == []
    finally:
        platform.drop_tenant(info.name)


def test_fill_missing_keys_in_batches_writes_only_the_key(
    platform: Platform, tenant: TenantInfo
) -> None:
    """Rows whose key is empty get it (batch after batch, by id), nothing else of the row
    changes, a source that normalises to nothing (a landline) is passed over, and a second run
    writes nothing."""
    mobiles = ["13900000001", "139 0000 0002", None, "010-6275 1234", "+86 139 0000 0005"]
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        made = [
            records.create("contact", {"name": f"联系人{i}", "mobile": m})
            for i, m in enumerate(mobiles)
        ]
        contact = ctx.object("contact").table
        ctx.conn.execute(sa.update(contact).values(mobile_key=None))
        before = {r["id"]: dict(r) for r in ctx.conn.execute(sa.select(contact)).mappings()}

        written = fill_missing_keys(
            ctx, "contact", source="mobile", key="mobile_key", normalise=normalise_mobile, batch=2
        )
        assert written == 3
        after = {r["id"]: dict(r) for r in ctx.conn.execute(sa.select(contact)).mappings()}
        for record, mobile in zip(made, mobiles, strict=True):
            row, old = after[record["id"]], before[record["id"]]
            assert row.pop("mobile_key") == normalise_mobile(mobile)
            assert row == {
                k: v for k, v in old.items() if k != "mobile_key"
            }  # version, updated_at, ... untouched
        assert (
            fill_missing_keys(
                ctx, "contact", source="mobile", key="mobile_key", normalise=normalise_mobile
            )
            == 0
        )
        # An object or field the tenant lacks is no error: nothing to fill.
        assert fill_missing_keys(ctx, "contact", source="fax", key="fax_key", normalise=str) == 0
        assert fill_missing_keys(ctx, "nothing", source="a", key="b", normalise=str) == 0


def test_after_upgrade_steps_belong_to_their_package() -> None:
    """Registration is per package and idempotent (a hooks module imported twice)."""
    load_package("sales")
    steps = registry.after_upgrade_steps("sales")
    assert [s.__name__ for s in steps] == ["fill_forecast_categories", "fill_matching_keys"]

    def step(ctx: Context, event: UpgradeEvent) -> str | None:
        return None

    hooks = registry.package("test-only-package")
    hooks.after_upgrade(step)
    hooks.after_upgrade(step)
    assert registry.after_upgrade_steps("test-only-package") == [step]
    assert registry.after_upgrade_steps("no-such-package") == []
