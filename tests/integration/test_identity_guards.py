"""Guards around who may use a company: the last administrator cannot be removed by any path,
and another company's identity is never attached without its person accepting an invitation."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.errors import Conflict, KeyiError, ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.platform.users import UsersService
from keyi.provisioning import add_user, create_tenant
from tests.conftest import ADMIN_PASSWORD, new_tenant_name
from tests.integration.test_users import _accept, _invite, _login_status, _member, _token


def _me(client: TestClient) -> str:
    return str(client.get("/api/v1/me").json()["user"]["id"])


def _version(client: TestClient, user_id: str) -> int:
    return int(client.get(f"/api/v1/records/user/{user_id}").json()["version"])


def _active_admins(platform: Platform, tenant: TenantInfo) -> int:
    with platform.context(tenant, Actor.system("test")) as ctx:
        users = ctx.object("user").table
        return int(
            ctx.conn.execute(
                sa.select(sa.func.count()).where(
                    users.c.is_admin.is_(True),
                    users.c.is_active.is_(True),
                    users.c.deleted_at.is_(None),
                )
            ).scalar_one()
        )


# ------------------------------------------------------------------ the last administrator
@pytest.fixture
def two_admins(app: Any, client: TestClient) -> tuple[str, str]:
    """The signed-in administrator's user id and a second administrator's: the smallest
    company where removing an administrator is allowed once."""
    other_id, _, _ = _member(app, client, is_admin=True)
    return _me(client), other_id


def test_the_only_admin_cannot_delete_themselves_by_any_path(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    me = _me(client)
    single = client.delete(f"/api/v1/records/user/{me}", headers={"If-Match": "1"})
    assert single.status_code == 409 and single.json()["code"] == "cannot_delete_self"
    mass = client.post("/api/v1/records/user/mass-delete", json={"ids": [me]})
    assert mass.status_code == 409 and mass.json()["code"] == "cannot_delete_self"
    for values in ({"is_admin": False}, {"is_active": False}):
        updated = client.post(
            "/api/v1/records/user/mass-update", json={"ids": [me], "values": values}
        )
        assert updated.status_code == 422
        assert updated.json()["errors"][0]["code"] == "cannot_deactivate_self"
    # A system process (CLI, import, automation) deleting the last admin is refused too.
    with (
        platform.context(tenant, Actor.system("import")) as ctx,
        pytest.raises(Conflict) as raised,
    ):
        RecordsService(ctx).delete("user", me)
    assert raised.value.code == "last_admin"
    assert client.get("/api/v1/me").status_code == 200
    assert _active_admins(platform, tenant) == 1


def test_an_admin_cannot_delete_the_other_last_admin(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    me = _me(client)
    second_id, _, second = _member(app, client, is_admin=True)
    _, _, rep = _member(app, client)
    # Two admins: one may remove the other once...
    assert second.delete(f"/api/v1/records/user/{me}").status_code == 204
    assert _active_admins(platform, tenant) == 1
    # ...but the one left cannot be removed by anyone, one record or many at once.
    refused = second.delete(f"/api/v1/records/user/{second_id}")
    assert refused.status_code == 409 and refused.json()["code"] == "cannot_delete_self"
    with (
        platform.context(tenant, Actor.system("cli")) as ctx,
        pytest.raises(Conflict) as raised,
    ):
        RecordsService(ctx).delete("user", second_id)
    assert raised.value.code == "last_admin"
    assert rep.delete(f"/api/v1/records/user/{second_id}").status_code in (403, 404)
    assert _active_admins(platform, tenant) == 1


def test_mass_actions_cannot_remove_every_admin_at_once(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """Two other admins in one mass action: each is checked against the state the earlier
    ones left, so the second is refused and the whole action rolls back."""
    me = _me(client)
    a_id, _, _ = _member(app, client, is_admin=True)
    b_id, _, _ = _member(app, client, is_admin=True)
    # Demote me through the other admins' hands first, so only a and b are admins.
    with platform.context(tenant, Actor.system("test")) as ctx:
        RecordsService(ctx).update("user", me, {"is_admin": False})
    with pytest.raises(Conflict), platform.context(tenant, Actor.system("test")) as ctx:
        service = RecordsService(ctx)
        service.delete("user", a_id)
        service.delete("user", b_id)
    with pytest.raises(ValidationFailed), platform.context(tenant, Actor.system("t")) as ctx:
        service = RecordsService(ctx)
        service.update("user", a_id, {"is_active": False})
        service.update("user", b_id, {"is_admin": False})
    assert _active_admins(platform, tenant) == 2


def test_concurrent_removal_of_two_admins_leaves_one(
    two_admins: tuple[str, str], platform: Platform, tenant: TenantInfo
) -> None:
    """Two administrators removing each other at the same moment: one wins, one is refused."""
    me, other_id = two_admins
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(actor_id: str, target: str) -> None:
        barrier.wait()
        try:
            with platform.context(tenant, Actor(id=actor_id, name="x", is_admin=True)) as ctx:
                RecordsService(ctx).delete("user", target)
            outcomes.append("deleted")
        except KeyiError as exc:
            outcomes.append(exc.code)

    threads = [
        threading.Thread(target=remove, args=(me, other_id)),
        threading.Thread(target=remove, args=(other_id, me)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["deleted", "last_admin"]
    assert _active_admins(platform, tenant) == 1


def test_deactivate_route_and_record_patch_keep_an_admin(
    client: TestClient, two_admins: tuple[str, str], platform: Platform, tenant: TenantInfo
) -> None:
    me, second_id = two_admins
    assert client.post(f"/api/v1/users/{second_id}/deactivate").status_code == 200
    refused = client.patch(
        f"/api/v1/records/user/{me}",
        json={"is_admin": False},
        headers={"If-Match": str(_version(client, me))},
    )
    assert refused.status_code == 422
    with platform.context(tenant, Actor.system("cli")) as ctx, pytest.raises(Conflict) as raised:
        UsersService(platform).deactivate(ctx, me)
    assert raised.value.code == "last_admin"
    assert _active_admins(platform, tenant) == 1


# ------------------------------------------------------------------ attaching identities
def test_another_companys_identity_is_not_attached_by_invite_revoke_reactivate(
    app: Any, client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    other = create_tenant(
        platform, new_tenant_name(), admin_email="victim@example.com", admin_password=ADMIN_PASSWORD
    )
    try:
        invited = _invite(client, email="victim@example.com")
        user_id = invited["user"]["id"]
        assert client.delete(f"/api/v1/users/{user_id}/invitation").status_code == 204
        reactivated = client.post(f"/api/v1/users/{user_id}/reactivate")
        assert reactivated.status_code == 409
        assert reactivated.json()["code"] == "invitation_not_accepted"
        patched = client.patch(
            f"/api/v1/records/user/{user_id}",
            json={"is_active": True},
            headers={"If-Match": str(_version(client, user_id))},
        )
        assert patched.status_code == 409 and patched.json()["code"] == "invitation_not_accepted"
        mass = client.post(
            "/api/v1/records/user/mass-update",
            json={"ids": [user_id], "values": {"is_active": True}},
        )
        assert mass.status_code == 409
        # Nothing changed: the record is inactive and the identity signs in to its own company
        # only (with two active memberships it would be asked to choose).
        assert client.get(f"/api/v1/records/user/{user_id}").json()["is_active"] is False
        m = platform.t["membership"]
        with platform.db.control.connect() as conn:
            active = conn.execute(
                sa.select(m.c.active).where(m.c.tenant_id == tenant.id, m.c.user_id == user_id)
            ).scalar()
        assert not active
        with TestClient(app) as victim:
            answer = victim.post(
                "/api/v1/auth/login",
                json={"email": "victim@example.com", "password": ADMIN_PASSWORD},
            )
            assert answer.status_code == 200
            assert answer.json()["tenant"]["name"] == other.name
        # Once the person accepts a fresh invitation, deactivate → reactivate works as usual.
        again = client.post(f"/api/v1/users/{user_id}/reinvite").json()
        _accept(app, _token(again["accept_url"]), ADMIN_PASSWORD)
        assert client.post(f"/api/v1/users/{user_id}/deactivate").status_code == 200
        assert client.post(f"/api/v1/users/{user_id}/reactivate").status_code == 200
        assert _login_status(client, "victim@example.com", ADMIN_PASSWORD, tenant.name) == 200
    finally:
        platform.drop_tenant(other.name)


def test_the_tenants_own_users_still_reactivate(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """Users made for this tenant directly (CLI, tenant creation) never had an invitation."""
    user = add_user(
        platform, tenant, email="own.rep@example.com", name="Own", password=ADMIN_PASSWORD
    )
    assert client.post(f"/api/v1/users/{user['id']}/deactivate").status_code == 200
    assert client.post(f"/api/v1/users/{user['id']}/reactivate").status_code == 200
    assert _login_status(client, "own.rep@example.com", ADMIN_PASSWORD, tenant.name) == 200
