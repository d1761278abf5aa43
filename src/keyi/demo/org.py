"""The demo company's access model: roles with data scopes, and a public pool (公海).

Without these every demo user has the default "everyone reads everything" permission, so the
demo would show nothing of what record access does. Created once (looked up by name, so a
top-up or a rerun after an interruption completes the setup without touching what an
administrator has changed since): a handful of statements per user, never per record — the
pooled accounts themselves are ordinary rows of the bulk path (see ``DemoGenerator``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keyi.platform.access.admin import set_role_permissions
from keyi.platform.access.model import ADMINISTERED_OBJECTS, Scope
from keyi.platform.context import Context
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService

ADMIN_ROLE = "系统管理员"
MANAGER_ROLE = "销售经理"
REP_ROLE = "销售代表"
POOL_NAME = "客户公海"
POOL_OBJECT = "account"


@dataclass(frozen=True)
class RoleSpec:
    name: str
    description: str
    read_scope: Scope
    edit_scope: Scope


ROLES = (
    RoleSpec(ADMIN_ROLE, "Administrators: every record of every object.", Scope.ALL, Scope.ALL),
    RoleSpec(
        MANAGER_ROLE,
        "Sales managers: records owned by anyone in their department and below.",
        Scope.DEPARTMENT,
        Scope.DEPARTMENT,
    ),
    RoleSpec(
        REP_ROLE,
        "Sales reps: their own records, plus those of departments they manage.",
        Scope.SUBORDINATES,
        Scope.SUBORDINATES,
    ),
)


@dataclass(frozen=True)
class DemoOrg:
    role_ids: dict[str, str]
    pool_id: str | None


def _by_name(ctx: Context, object_name: str, fields: list[str]) -> dict[str, dict[str, Any]]:
    page = run_query(ctx, object_name, QuerySpec(fields=["name", *fields], limit=500))
    return {r["name"]: r for r in page["records"]}


# The company's reference data: every role reads all of it (a rep quotes from the price book an
# administrator keeps) and changes only what it may edit in its own scope.
REFERENCE_DATA = (
    "product",
    "price_book",
    "price_book_entry",
    "exchange_rate",
    "queue",
    "queue_member",
)


# Set by managers for the people of their departments: a rep reads their own targets (owned by
# them) and changes none.
SET_BY_MANAGERS = ("sales_target",)


def _matrix(ctx: Context, spec: RoleSpec) -> dict[str, Any]:
    """Full rights within the role's scope on every business object of the tenant; reference
    data readable by everyone; targets read-only for reps."""
    objects: dict[str, Any] = {}
    for name in sorted(ctx.schema.objects):
        if name in ADMINISTERED_OBJECTS:
            continue  # organisation objects stay read-only for every role
        if name in SET_BY_MANAGERS and spec.name == REP_ROLE:
            objects[name] = {"read": True, "read_scope": Scope.OWN.value}
            continue
        read_scope = Scope.ALL if name in REFERENCE_DATA else spec.read_scope
        objects[name] = {
            "read": True,
            "create": True,
            "edit": True,
            "delete": True,
            "read_scope": read_scope.value,
            "edit_scope": spec.edit_scope.value,
        }
    return objects


def ensure_org(
    ctx: Context,
    users: Mapping[str, str],
    *,
    admin_email: str,
    manager_emails: frozenset[str],
    rep_emails: tuple[str, ...],
) -> DemoOrg:
    """Roles (assigned to users who have none yet) and the public pool with the reps in it.

    ``users`` maps e-mail to user id. Returns the role ids by name and the pool's id (None
    where the tenant has no pool object).
    """
    if ctx.schema.get("role") is None:
        return DemoOrg({}, None)
    svc = RecordsService(ctx)
    roles = {name: r["id"] for name, r in _by_name(ctx, "role", []).items()}
    for spec in ROLES:
        if spec.name not in roles:
            roles[spec.name] = svc.create_many(
                "role", [{"name": spec.name, "description": spec.description}]
            )[0]
            set_role_permissions(ctx, roles[spec.name], _matrix(ctx, spec))
    wanted = {admin_email: ADMIN_ROLE}
    wanted.update({email: MANAGER_ROLE for email in manager_emails})
    wanted.update({email: REP_ROLE for email in rep_emails if email not in manager_emails})
    current = run_query(
        ctx,
        "user",
        QuerySpec(
            fields=["email", "role"],
            filter={"field": "email", "op": "in", "value": sorted(wanted)},
            limit=500,
        ),
    )["records"]
    for user in current:
        if user.get("role") is None and user["email"] in users:
            svc.update("user", user["id"], {"role": roles[wanted[user["email"]]]})
    return DemoOrg(roles, _ensure_pool(ctx, svc, [users[e] for e in rep_emails if e in users]))


def _ensure_pool(ctx: Context, svc: RecordsService, member_ids: list[str]) -> str | None:
    account = ctx.schema.get(POOL_OBJECT)
    if ctx.schema.get("pool") is None or account is None or not account.definition.features.pool:
        return None
    pools = _by_name(ctx, "pool", [])
    if POOL_NAME in pools:
        pool_id = str(pools[POOL_NAME]["id"])
    else:
        pool_id = svc.create_many(
            "pool",
            [
                {
                    "name": POOL_NAME,
                    "object_name": POOL_OBJECT,
                    "claim_limit": 30,
                    "return_after_days": 30,
                    "description": "Unowned accounts any sales rep may claim; an account not "
                    "followed up for 30 days returns here.",
                }
            ],
        )[0]
    members = run_query(
        ctx,
        "pool_member",
        QuerySpec(
            fields=["user"], filter={"field": "pool", "op": "eq", "value": pool_id}, limit=500
        ),
    )["records"]
    have = {m["user"] for m in members}
    missing = [{"pool": pool_id, "user": uid} for uid in member_ids if uid not in have]
    if missing:
        svc.create_many("pool_member", missing)
    return pool_id
