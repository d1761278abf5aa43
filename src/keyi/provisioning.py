"""Tenants with their first administrator, and users with their sign-in identity.

The tenant's user record and the control database's identity are written by separate
transactions (they live in different databases); the identity is written last, so a failure
leaves at worst a user who cannot sign in yet, never a login that points at nothing.
"""

from __future__ import annotations

from typing import Any

from keyi.packages import DEFAULT_PACKAGES, install_packages
from keyi.platform.auth import AuthService
from keyi.platform.context import TenantInfo
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform


def create_tenant(
    platform: Platform,
    name: str,
    *,
    admin_email: str,
    admin_password: str,
    admin_name: str = "Administrator",
    label: str | None = None,
    packages: tuple[str, ...] = DEFAULT_PACKAGES,
    settings: dict[str, Any] | None = None,
) -> TenantInfo:
    auth = AuthService(platform)
    if len(admin_password) < 8:
        raise ValidationFailed([FieldError("admin_password", "too_short", {"min": 8})])
    tenant = platform.create_tenant(
        name, label=label, installer=lambda ctx: install_packages(ctx, packages), settings=settings
    )
    add_user(
        platform,
        tenant,
        email=admin_email,
        name=admin_name,
        password=admin_password,
        is_admin=True,
        auth=auth,
    )
    return tenant


def add_user(
    platform: Platform,
    tenant: TenantInfo,
    *,
    email: str,
    name: str,
    password: str | None,
    is_admin: bool = False,
    auth: AuthService | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    auth = auth or AuthService(platform)
    with platform.context(tenant, Actor.system("provisioning")) as ctx:
        user = RecordsService(ctx).create(
            "user", {"name": name, "email": email, "is_admin": is_admin, **(extra or {})}
        )
    with platform.db.control.begin() as conn:
        identity_id = auth.add_identity(conn, email, password)
        auth.add_membership(conn, identity_id, tenant.id, user["id"])
    return user
