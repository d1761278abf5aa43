"""The benchmark tenant's organisation for measuring record access, built on the demo data.

Two people whose reads carry a real row predicate (the demo's sales users have no role, so
they read everything and the other operations measure no access filtering at all):

* **manager** — a new user heading a chain of ``CHAIN_DEPTH`` departments below the top sales
  department, with a role whose account and opportunity read scope is ``subordinates``. A few
  demo sales users are moved into the deepest levels, so what the manager sees is whatever
  those people own (and what is shared with them), found through the department tree.
* **restricted** — a demo sales representative with a role of scope ``own``, who also reads
  accounts through a sharing rule (criteria granted to their department) and through manual
  shares to them and to their department.

Everything is written through the platform (RecordsService, the access administration and the
metadata service), so department and user paths are maintained by the real hooks and the
schema version moves as it would for an administrator. Each step checks before it writes:
running it again on a reused tenant changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from keyi.demo.seed import email_domain
from keyi.platform.access import admin
from keyi.platform.access.tables import share_table
from keyi.platform.context import Context, TenantInfo
from keyi.platform.metadata.service import MetadataService
from keyi.platform.permissions import Actor
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user

SYSTEM = Actor.system("bench")
TOP_DEPARTMENT = "销售中心"  # the demo's top sales department
CHAIN_DEPTH = 12
CHAIN_NAME = "深层链路 L{level:02d}"
# Demo sales users moved into the deepest levels of the chain: (login, level).
MOVED = (("zhang.wei", CHAIN_DEPTH), ("chen.jing", CHAIN_DEPTH - 1), ("zhao.lei", CHAIN_DEPTH - 2))
MANAGER_LOGIN = "bench.manager"
MANAGER_NAME = "链路经理"
RESTRICTED_LOGIN = "sun.li"  # a 华北销售部 sales representative in the demo
SUBORDINATES_ROLE = "基准·下属范围"
OWN_ROLE = "基准·本人范围"
ACCESS_OBJECTS = ("account", "opportunity")
RULE_NAME = "bench_guangdong_grade_a"
RULE_GRADE = "A"
RULE_PROVINCE = "广东省"
# Manual shares, each to one principal: accounts nobody of that principal can see otherwise.
USER_SHARES = 20  # with the restricted user
DEPARTMENT_SHARES = 10  # with the restricted user's department
SUBORDINATE_SHARES = 10  # with the deepest moved user (so the manager reaches them too)


@dataclass(frozen=True)
class Persona:
    """A user whose reads are filtered, with what hand-written SQL needs to know about them."""

    key: str  # subordinates | own_scope
    login: str
    user_id: str
    name: str
    role_id: str
    # The user's department and its ancestors: shares and rules granted to any of them apply.
    department_ids: tuple[str, ...]
    managed_path: str | None  # the department subtree the user heads ("/<id>/.../")
    # Pools (公海) and teams the user belongs to, and the objects that have pools: a pool member
    # reads the unowned records of their pools, a team member what is shared with the team. A
    # tenant seeded with the demo's access model puts the sales representatives in its pool.
    pool_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    pooled_objects: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccessFixture:
    manager: Persona
    restricted: Persona
    chain: tuple[str, ...]  # department ids, level 1 first
    rule_criteria: dict[str, Any]


def rule_criteria() -> dict[str, Any]:
    return {
        "and": [
            {"field": "grade", "op": "eq", "value": RULE_GRADE},
            {"field": "province", "op": "eq", "value": RULE_PROVINCE},
        ]
    }


def ensure_access_fixture(
    platform: Platform, tenant: TenantInfo, *, roleless: tuple[str, ...] = ()
) -> AccessFixture:
    """Build (or find) the two personas; ``roleless`` are logins that must keep the role-less
    default of reading everything, because their raw SQL spells no row predicate (the measured
    sales user: a tenant seeded with the demo's access model gave them a role)."""
    domain = email_domain(tenant.name)
    with platform.context(tenant, SYSTEM) as ctx:
        chain = _ensure_chain(ctx)
        roles = {
            "subordinates": _ensure_role(ctx, SUBORDINATES_ROLE, "subordinates"),
            "own": _ensure_role(ctx, OWN_ROLE, "own"),
        }
        manager_id = _user_id(ctx, f"{MANAGER_LOGIN}@{domain}")
    if manager_id is None:
        manager_id = add_user(
            platform,
            tenant,
            email=f"{MANAGER_LOGIN}@{domain}",
            name=MANAGER_NAME,
            password=None,
            extra={"department": chain[0], "role": roles["subordinates"], "title": "区域总监"},
        )["id"]
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        _set(records, "user", manager_id, {"department": chain[0], "role": roles["subordinates"]})
        _set(records, "department", chain[0], {"manager": manager_id})
        moved = {}
        for login, level in MOVED:
            user_id = _required_user(ctx, f"{login}@{domain}")
            _set(records, "user", user_id, {"department": chain[level - 1]})
            moved[login] = user_id
        restricted_id = _required_user(ctx, f"{RESTRICTED_LOGIN}@{domain}")
        _set(records, "user", restricted_id, {"role": roles["own"]})
        restricted_department = records.get("user", restricted_id)["department"]
        for login in roleless:
            _set(records, "user", _required_user(ctx, f"{login}@{domain}"), {"role": None})
        _ensure_rule(ctx, restricted_department)
    with platform.context(tenant, SYSTEM) as ctx:
        deepest = moved[MOVED[0][0]]
        # Different stretches of the accounts, so no share duplicates another.
        _ensure_shares(ctx, "user", restricted_id, USER_SHARES, restricted_id, skip=0)
        _ensure_shares(
            ctx, "department", restricted_department, DEPARTMENT_SHARES, restricted_id, skip=40
        )
        _ensure_shares(ctx, "user", deepest, SUBORDINATE_SHARES, deepest, skip=80)
        manager = _persona(ctx, "subordinates", MANAGER_LOGIN, manager_id)
        restricted = _persona(ctx, "own_scope", RESTRICTED_LOGIN, restricted_id)
    return AccessFixture(manager, restricted, chain, rule_criteria())


# ---------------------------------------------------------------- steps
def _find(ctx: Context, object_name: str, field_name: str, value: Any) -> list[dict[str, Any]]:
    spec = QuerySpec(filter={"field": field_name, "op": "eq", "value": value}, limit=10)
    records: list[dict[str, Any]] = run_query(ctx, object_name, spec)["records"]
    return records


def _set(records: RecordsService, object_name: str, record_id: str, values: dict[str, Any]) -> None:
    """Update only what differs (an unchanged re-run writes no history)."""
    current = records.get(object_name, record_id)
    changes = {k: v for k, v in values.items() if current.get(k) != v}
    if changes:
        records.update(object_name, record_id, changes)


def _ensure_chain(ctx: Context) -> tuple[str, ...]:
    top = _find(ctx, "department", "name", TOP_DEPARTMENT)
    if not top:
        raise LookupError(f"the demo's department {TOP_DEPARTMENT!r} is missing")
    records = RecordsService(ctx)
    parent = top[0]["id"]
    chain = []
    for level in range(1, CHAIN_DEPTH + 1):
        name = CHAIN_NAME.format(level=level)
        found = _find(ctx, "department", "name", name)
        if found:
            department_id = found[0]["id"]
            _set(records, "department", department_id, {"parent": parent})
        else:
            department_id = records.create("department", {"name": name, "parent": parent})["id"]
        chain.append(department_id)
        parent = department_id
    return tuple(chain)


def _ensure_role(ctx: Context, name: str, scope: str) -> str:
    found = _find(ctx, "role", "name", name)
    role_id = found[0]["id"] if found else RecordsService(ctx).create("role", {"name": name})["id"]
    wanted = {
        obj: {
            "read": True,
            "create": True,
            "edit": True,
            "delete": False,
            "read_scope": scope,
            "edit_scope": "own",
            "fields": {},
        }
        for obj in ACCESS_OBJECTS
    }
    if admin.get_role_permissions(ctx, role_id)["objects"] != wanted:
        admin.set_role_permissions(ctx, role_id, wanted)
    return role_id


def _user_id(ctx: Context, email: str) -> str | None:
    found = _find(ctx, "user", "email", email)
    return found[0]["id"] if found else None


def _required_user(ctx: Context, email: str) -> str:
    user_id = _user_id(ctx, email)
    if user_id is None:
        raise LookupError(f"the demo's user {email} is missing")
    return user_id


def _ensure_rule(ctx: Context, department_id: str) -> None:
    """Accounts meeting the criteria are readable by everyone in the given department."""
    wanted = {
        "name": RULE_NAME,
        "criteria": rule_criteria(),
        "access": "read",
        "principal_type": "department",
        "principal_id": department_id,
        "active": True,
    }
    rules = [r.model_dump(mode="json") for r in ctx.object("account").definition.sharing_rules]
    if wanted in rules:
        return
    rules = [r for r in rules if r["name"] != RULE_NAME] + [wanted]
    MetadataService(ctx).update_object("account", {"sharing_rules": rules})


def _ensure_shares(
    ctx: Context, principal_type: str, principal_id: str, count: int, owner: str, *, skip: int
) -> None:
    """`count` manual read shares of accounts `owner` does not own and the sharing rule does
    not reach (by id, after the first `skip`), unless the principal has shares already."""
    t = share_table
    existing = ctx.conn.execute(
        sa.select(sa.func.count()).where(
            t.c.object == "account",
            t.c.principal_type == principal_type,
            t.c.principal_id == principal_id,
        )
    ).scalar_one()
    if existing:
        return
    accounts = ctx.object("account").table
    candidates = ctx.conn.execute(
        sa.select(accounts.c.id)
        .where(
            accounts.c.deleted_at.is_(None),
            accounts.c.owner_id != owner,
            sa.not_(sa.and_(accounts.c.grade == RULE_GRADE, accounts.c.province == RULE_PROVINCE)),
        )
        .order_by(accounts.c.id)
        .offset(skip)
        .limit(count)
    ).scalars()
    for record_id in candidates:
        admin.add_share(
            ctx,
            "account",
            str(record_id),
            {"principal_type": principal_type, "principal_id": principal_id, "access": "read"},
        )


def _persona(ctx: Context, key: str, login: str, user_id: str) -> Persona:
    user = RecordsService(ctx).get("user", user_id)
    departments = ctx.object("department").table
    managed = ctx.conn.execute(
        sa.select(departments.c.path)
        .where(departments.c.manager == user_id, departments.c.deleted_at.is_(None))
        .order_by(sa.func.length(departments.c.path))
    ).scalars()
    path = user.get("department_path") or ""
    memberships: dict[str, tuple[str, ...]] = {}
    for name, column in (("pool_member", "pool"), ("team_member", "team")):
        members = ctx.schema.get(name)
        if members is not None:
            m = members.table
            found = ctx.conn.execute(
                sa.select(m.c[column]).where(m.c.user == user_id, m.c.deleted_at.is_(None))
            ).scalars()
            memberships[name] = tuple(sorted(str(v) for v in found if v is not None))
    return Persona(
        key=key,
        login=login,
        user_id=user_id,
        name=user["name"],
        role_id=user["role"],
        department_ids=tuple(part for part in path.split("/") if part),
        managed_path=next(iter(managed), None),
        pool_ids=memberships.get("pool_member", ()),
        team_ids=memberships.get("team_member", ()),
        pooled_objects=tuple(
            sorted(o.name for o in ctx.schema.objects.values() if o.definition.features.pool)
        ),
    )
