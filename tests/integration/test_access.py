"""Record access by organisation, role scope, shares, sharing rules and field masks — checked
through every read path (get, list, search, aggregate, export, history) and write path."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.access import admin
from keyi.platform.access.subtree import orders_by_code_point
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, admin_email_of, login
from tests.integration.helpers import rights

SYSTEM = Actor.system("test")
PEOPLE = ("manager", "lead_east", "rep_east", "rep_north", "outsider")


@dataclass
class Org:
    tenant: TenantInfo
    users: dict[str, str]  # person -> user id
    departments: dict[str, str]
    roles: dict[str, str]
    accounts: dict[str, str]  # owner person -> account id
    emails: dict[str, str]


def build_org(platform: Platform, tenant: TenantInfo) -> Org:
    """总部 ⊃ {销售部 (manager) ⊃ {华东组 (lead_east), 华北组}, 财务部}."""
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        hq = records.create("department", {"name": "总部"})
        sales = records.create("department", {"name": "销售部", "parent": hq["id"]})
        east = records.create("department", {"name": "华东组", "parent": sales["id"]})
        north = records.create("department", {"name": "华北组", "parent": sales["id"]})
        finance = records.create("department", {"name": "财务部", "parent": hq["id"]})
        roles = {
            name: records.create("role", {"name": name})["id"]
            for name in ("own", "subordinates", "department", "all")
        }
    departments = {
        "hq": hq["id"],
        "sales": sales["id"],
        "east": east["id"],
        "north": north["id"],
        "finance": finance["id"],
    }
    placement = {
        "manager": "sales",
        "lead_east": "east",
        "rep_east": "east",
        "rep_north": "north",
        "outsider": "finance",
    }
    users, emails = {}, {}
    for person in PEOPLE:
        email = f"{person}@{tenant.name}.example"
        user = add_user(
            platform,
            tenant,
            email=email,
            name=person,
            password=ADMIN_PASSWORD,
            extra={"department": departments[placement[person]]},
        )
        users[person], emails[person] = user["id"], email
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        records.update("department", sales["id"], {"manager": users["manager"]})
        records.update("department", east["id"], {"manager": users["lead_east"]})
        accounts = {
            person: records.create(
                "account", {"name": f"{person}的客户", "owner_id": users[person], "grade": "B"}
            )["id"]
            for person in PEOPLE
        }
    return Org(tenant, users, departments, roles, accounts, emails)


def set_role(platform: Platform, org: Org, person: str, role: str | None) -> None:
    with platform.context(org.tenant, SYSTEM) as ctx:
        RecordsService(ctx).update(
            "user", org.users[person], {"role": org.roles[role] if role else None}
        )


def grant(platform: Platform, org: Org, role: str, objects: dict[str, Any]) -> None:
    with platform.context(org.tenant, SYSTEM) as ctx:
        admin.set_role_permissions(ctx, org.roles[role], objects)


@pytest.fixture
def org(platform: Platform, tenant: TenantInfo) -> Org:
    return build_org(platform, tenant)


@pytest.fixture
def clients(app, org: Org) -> Iterator[dict[str, TestClient]]:  # type: ignore[no-untyped-def]
    opened = {person: TestClient(app) for person in PEOPLE}
    for person, client in opened.items():
        client.__enter__()
        login(client, org.emails[person], tenant=org.tenant.name)
    yield opened
    for client in opened.values():
        client.__exit__(None, None, None)


# Which owners' accounts a person reaches under a scope (the model the policy must match).
SUBTREE = {
    "manager": {"manager", "lead_east", "rep_east", "rep_north"},
    "lead_east": {"lead_east", "rep_east"},
}
DEPARTMENT_MEMBERS = {
    "manager": {"manager", "lead_east", "rep_east", "rep_north"},
    "lead_east": {"lead_east", "rep_east"},
    "rep_east": {"lead_east", "rep_east"},
    "rep_north": {"rep_north"},
    "outsider": {"outsider"},
}


def reachable(person: str, scope: str, op: str) -> set[str]:
    if scope == "all":
        return set(PEOPLE)
    own = {person}
    if scope == "own":
        # The manager chain: for reading, managers see what their departments own.
        return own | SUBTREE.get(person, set()) if op == "read" else own
    if scope == "subordinates":
        return own | SUBTREE.get(person, set())
    return own | DEPARTMENT_MEMBERS[person]


def test_authorisation_matrix(platform: Platform, org: Org, clients: dict[str, TestClient]) -> None:
    """Every scope × operation × person × owner, through HTTP, against the model above."""
    for read_scope, edit_scope in itertools.product(
        ("own", "subordinates", "department", "all"), repeat=2
    ):
        role = read_scope
        grant(
            platform,
            org,
            role,
            {
                "account": {
                    "read": True,
                    "create": True,
                    "edit": True,
                    "delete": False,
                    "read_scope": read_scope,
                    "edit_scope": edit_scope,
                }
            },
        )
        for person in PEOPLE:
            set_role(platform, org, person, role)
        for person, client in clients.items():
            visible = reachable(person, read_scope, "read")
            editable = reachable(person, edit_scope, "edit") & visible
            listed = {
                r["id"]
                for r in client.get("/api/v1/records/account", params={"limit": 100}).json()[
                    "records"
                ]
            }
            assert listed == {org.accounts[o] for o in visible}, (read_scope, person)
            count = client.post("/api/v1/records/account/aggregate", json={}).json()["groups"][0][
                "values"
            ]["count"]
            assert count == len(visible)
            hits = {
                h["id"]
                for h in client.get("/api/v1/search", params={"q": "的客户", "limit": 50}).json()[
                    "hits"
                ]
            }
            assert hits == {org.accounts[o] for o in visible}
            for owner in PEOPLE:
                record_id = org.accounts[owner]
                got = client.get(f"/api/v1/records/account/{record_id}")
                assert got.status_code == (200 if owner in visible else 404), (
                    read_scope,
                    person,
                    owner,
                )
                patched = client.patch(
                    f"/api/v1/records/account/{record_id}",
                    json={
                        "grade": "A"
                        if got.status_code == 200 and got.json()["grade"] == "B"
                        else "B"
                    },
                )
                expected = 200 if owner in editable else 403 if owner in visible else 404
                assert patched.status_code == expected, (
                    read_scope,
                    edit_scope,
                    person,
                    owner,
                    patched.text,
                )
                # Delete is off for the object: refused for every id alike (no existence leak).
                assert client.delete(f"/api/v1/records/account/{record_id}").status_code == 403
    # Object permission off: nothing at all, whatever the scope.
    grant(platform, org, "all", {"contact": {"read": True}})
    assert clients["rep_east"].get("/api/v1/records/account").status_code == 403
    assert (
        clients["rep_east"].post("/api/v1/records/account", json={"name": "x"}).status_code == 403
    )
    assert clients["rep_east"].get("/api/v1/records/contact").status_code == 200


def test_shares_teams_and_sharing_rules(
    platform: Platform, org: Org, clients: dict[str, TestClient]
) -> None:
    grant(platform, org, "own", {"account": rights("own", delete=True)})
    for person in PEOPLE:
        set_role(platform, org, person, "own")
    rep_east, rep_north, outsider, manager = (
        clients[p] for p in ("rep_east", "rep_north", "outsider", "manager")
    )
    target = org.accounts["rep_east"]
    assert rep_north.get(f"/api/v1/records/account/{target}").status_code == 404
    # The owner shares with a colleague for reading: visible, not editable.
    share = rep_east.post(
        f"/api/v1/records/account/{target}/shares",
        json={"principal_type": "user", "principal_id": org.users["rep_north"], "access": "read"},
    )
    assert share.status_code == 201, share.text
    assert rep_north.get(f"/api/v1/records/account/{target}").status_code == 200
    assert (
        rep_north.patch(f"/api/v1/records/account/{target}", json={"grade": "A"}).status_code == 403
    )
    # ... then adds them to the record team with edit.
    rep_east.post(
        f"/api/v1/records/account/{target}/shares",
        json={
            "principal_type": "user",
            "principal_id": org.users["rep_north"],
            "access": "edit",
            "source": "team",
        },
    )
    assert (
        rep_north.patch(f"/api/v1/records/account/{target}", json={"grade": "A"}).status_code == 200
    )
    shares = rep_east.get(f"/api/v1/records/account/{target}/shares").json()["shares"]
    assert [(s["principal_name"], s["access"], s["source"]) for s in shares] == [
        ("rep_north", "edit", "team")
    ]
    # Someone who cannot edit cannot share.
    assert (
        outsider.post(
            f"/api/v1/records/account/{target}/shares",
            json={"principal_type": "user", "principal_id": org.users["outsider"]},
        ).status_code
        == 404
    )
    # A share to a department reaches its sub-departments; removing it takes access away.
    to_sales = manager.post(
        f"/api/v1/records/account/{org.accounts['outsider']}/shares",
        json={"principal_type": "department", "principal_id": org.departments["sales"]},
    )
    assert to_sales.status_code == 404  # the manager cannot see the outsider's account
    by_owner = outsider.post(
        f"/api/v1/records/account/{org.accounts['outsider']}/shares",
        json={"principal_type": "department", "principal_id": org.departments["sales"]},
    )
    assert by_owner.status_code == 201
    assert rep_north.get(f"/api/v1/records/account/{org.accounts['outsider']}").status_code == 200
    assert (
        outsider.delete(
            f"/api/v1/records/account/{org.accounts['outsider']}/shares/{by_owner.json()['id']}"
        ).status_code
        == 204
    )
    assert rep_north.get(f"/api/v1/records/account/{org.accounts['outsider']}").status_code == 404
    # A sharing rule: every A-grade account is readable by the "own" role.
    with TestClient(clients["manager"].app) as boss:
        login(boss, admin_email_of(platform, org.tenant))
        rule = {
            "name": "a_grade_to_reps",
            "criteria": {"field": "grade", "op": "eq", "value": "A"},
            "access": "read",
            "principal_type": "role",
            "principal_id": org.roles["own"],
        }
        assert (
            boss.patch(
                "/api/v1/metadata/objects/account", json={"sharing_rules": [rule]}
            ).status_code
            == 200
        )
        bad = {**rule, "name": "broken", "criteria": {"field": "nope", "op": "eq", "value": 1}}
        assert (
            boss.patch(
                "/api/v1/metadata/objects/account", json={"sharing_rules": [rule, bad]}
            ).status_code
            == 422
        )
        boss.patch(f"/api/v1/records/account/{org.accounts['outsider']}", json={"grade": "A"})
        assert (
            rep_north.get(f"/api/v1/records/account/{org.accounts['outsider']}").status_code == 200
        )
        assert (
            rep_north.patch(
                f"/api/v1/records/account/{org.accounts['outsider']}", json={"name": "x"}
            ).status_code
            == 403
        )
        # The explanation names each source of access.
        explained = boss.get(
            f"/api/v1/records/account/{org.accounts['outsider']}/access",
            params={"user": org.users["rep_north"]},
        ).json()
        read = explained["operations"]["read"]
        assert read["allowed"] is True and explained["operations"]["edit"]["allowed"] is False
        kinds = {(r["kind"], r["grants"]) for r in read["reasons"]}
        assert ("sharing_rule", True) in kinds and ("scope", False) in kinds
        team = boss.get(
            f"/api/v1/records/account/{target}/access", params={"user": org.users["rep_north"]}
        ).json()
        assert any(
            r["kind"] == "share" and r["source"] == "team" and r["grants"]
            for r in team["operations"]["edit"]["reasons"]
        )
    # Non-administrators may only ask about themselves.
    assert (
        rep_north.get(
            f"/api/v1/records/account/{target}/access", params={"user": org.users["rep_east"]}
        ).status_code
        == 403
    )
    assert (
        rep_north.get(
            f"/api/v1/records/account/{target}/access", params={"user": org.users["rep_north"]}
        ).status_code
        == 200
    )


def test_moving_a_department_moves_access(
    platform: Platform, org: Org, clients: dict[str, TestClient]
) -> None:
    grant(
        platform,
        org,
        "subordinates",
        {
            "account": {
                "read": True,
                "edit": True,
                "read_scope": "subordinates",
                "edit_scope": "subordinates",
            }
        },
    )
    set_role(platform, org, "manager", "subordinates")
    manager = clients["manager"]
    assert manager.get(f"/api/v1/records/account/{org.accounts['rep_north']}").status_code == 200
    with platform.context(org.tenant, SYSTEM) as ctx:
        RecordsService(ctx).update(
            "department", org.departments["north"], {"parent": org.departments["finance"]}
        )
    assert manager.get(f"/api/v1/records/account/{org.accounts['rep_north']}").status_code == 404
    with platform.context(org.tenant, SYSTEM) as ctx, pytest.raises(Exception, match="parent"):
        RecordsService(ctx).update(
            "department", org.departments["sales"], {"parent": org.departments["east"]}
        )


def test_a_department_with_sub_departments_or_members_is_not_deleted(
    platform: Platform, org: Org, client: TestClient
) -> None:
    """They would point at a binned department and stay inside its subtree for access."""
    sales = org.departments["sales"]
    refused = client.delete(f"/api/v1/records/department/{sales}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "department_not_empty"
    assert "2 sub-department(s) and 1 user(s)" in refused.json()["detail"]
    assert client.get(f"/api/v1/records/department/{sales}").status_code == 200
    # 财务部 still has a member; once they move, the empty department goes to the bin.
    finance = org.departments["finance"]
    assert client.delete(f"/api/v1/records/department/{finance}").status_code == 409
    with platform.context(org.tenant, SYSTEM) as ctx:
        RecordsService(ctx).update(
            "user", org.users["outsider"], {"department": org.departments["hq"]}
        )
    assert client.delete(f"/api/v1/records/department/{finance}").status_code == 204
    binned = client.get("/api/v1/records/department", params={"deleted": "true"}).json()["records"]
    assert [d["id"] for d in binned] == [finance]


def test_field_permissions_everywhere(
    platform: Platform, org: Org, clients: dict[str, TestClient]
) -> None:
    grant(
        platform,
        org,
        "all",
        {
            "account": rights(
                "all", fields={"annual_revenue": "hidden", "credit_code": "hidden", "grade": "read"}
            )
        },
    )
    set_role(platform, org, "rep_east", "all")
    rep = clients["rep_east"]
    record_id = org.accounts["rep_east"]
    with platform.context(org.tenant, SYSTEM) as ctx:
        RecordsService(ctx).update(
            "account", record_id, {"annual_revenue": 123456, "credit_code": "91310000MA1FL4XQ3A"}
        )
    got = rep.get(f"/api/v1/records/account/{record_id}").json()
    assert (
        "annual_revenue" not in got and "annual_revenue_currency" not in got and got["grade"] == "B"
    )
    listed = rep.get("/api/v1/records/account").json()["records"]
    assert all("annual_revenue" not in r for r in listed)
    assert (
        rep.post(
            "/api/v1/records/account/query",
            json={"filter": {"field": "annual_revenue", "op": "gt", "value": 0}},
        ).status_code
        == 422
    )
    assert (
        rep.post(
            "/api/v1/records/account/query", json={"sort": [{"field": "annual_revenue"}]}
        ).status_code
        == 422
    )
    assert (
        rep.post(
            "/api/v1/records/account/aggregate",
            json={"aggregates": [{"op": "sum", "field": "annual_revenue"}]},
        ).status_code
        == 422
    )
    assert rep.get("/api/v1/search", params={"q": "91310000MA1FL4XQ3K"}).json()["hits"] == []
    export = rep.get("/api/v1/records/account/export").content.decode()
    assert "年营业额" not in export and "Annual revenue" not in export
    history = rep.get(f"/api/v1/records/account/{record_id}/history").json()["entries"]
    assert all(
        c["field"] not in ("annual_revenue", "credit_code", "annual_revenue_currency")
        for e in history
        for c in e["changes"]
    )
    assert rep.get("/api/v1/metadata/objects/account").json()["fields"] and all(
        f["name"] != "annual_revenue"
        for f in rep.get("/api/v1/metadata/objects/account").json()["fields"]
    )
    written = rep.patch(
        f"/api/v1/records/account/{record_id}", json={"annual_revenue": 1, "grade": "A"}
    )
    assert written.status_code == 422
    assert {e["field"]: e["code"] for e in written.json()["errors"]} == {
        "annual_revenue": "unknown_field",
        "grade": "read_only",
    }
    with platform.context(org.tenant, SYSTEM) as ctx:
        stored = RecordsService(ctx).get("account", record_id)
    assert stored["annual_revenue"] == 123456 and stored["grade"] == "B"


def test_role_permission_matrix_validation(platform: Platform, org: Org, app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as boss:
        login(boss, admin_email_of(platform, org.tenant))
        role = org.roles["own"]
        bad = boss.put(
            f"/api/v1/roles/{role}/permissions",
            json={
                "objects": {
                    "account": {
                        "read": "yes",
                        "read_scope": "galaxy",
                        "fields": {"nope": "read", "name": "invisible"},
                    },
                    "ghost": {},
                }
            },
        )
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {
            "objects.account.read",
            "objects.account.read_scope",
            "objects.account.fields.nope",
            "objects.account.fields.name",
            "objects.ghost",
        }
        ok = boss.put(
            f"/api/v1/roles/{role}/permissions",
            json={"objects": {"account": {"read": True, "read_scope": "department"}}},
        )
        assert ok.status_code == 200
        assert ok.json()["objects"]["account"]["read_scope"] == "department"
        assert boss.get(f"/api/v1/roles/{role}/permissions").json() == ok.json()
    with TestClient(app) as rep:
        login(rep, org.emails["rep_east"], tenant=org.tenant.name)
        assert rep.get(f"/api/v1/roles/{org.roles['own']}/permissions").status_code == 403
        assert rep.post("/api/v1/records/department", json={"name": "rogue"}).status_code == 403


def _search(client: TestClient, q: str, limit: int, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/search", params={"q": q, "limit": limit, **params})
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["hits"]
    return hits


def test_search_ranks_among_visible_records_only(
    platform: Platform, org: Org, clients: dict[str, TestClient]
) -> None:
    """Access applies before ranking: 100 invisible hits that rank first (same score, earlier
    ids) must not crowd out the 30 a restricted user may see; list quick search agrees."""
    grant(
        platform,
        org,
        "own",
        {
            "account": {"read": True, "read_scope": "own"},
            "lead": {"read": True, "read_scope": "own"},
        },
    )
    set_role(platform, org, "rep_east", "own")
    with platform.context(org.tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        # Same score everywhere (the term in the name), so ties go by record id (time-ordered):
        # a hidden lead, a visible lead, 100 hidden accounts, then the 30 visible accounts.
        # The union over objects is ranked as one list.
        records.create("lead", {"name": "Xinghe other", "owner_id": org.users["rep_north"]})
        lead = records.create("lead", {"name": "Xinghe lead", "owner_id": org.users["rep_east"]})
        hidden = records.create_many(
            "account",
            [
                {"name": f"Xinghe hidden {i:03}", "owner_id": org.users["rep_north"]}
                for i in range(100)
            ],
        )
        visible = records.create_many(
            "account",
            [{"name": f"Xinghe mine {i:03}", "owner_id": org.users["rep_east"]} for i in range(30)],
        )
    rep = clients["rep_east"]
    hits = _search(rep, "xinghe", 20)
    assert len(hits) == 20
    assert [(h["object"], h["id"]) for h in hits] == [("lead", lead["id"])] + [
        ("account", i) for i in visible[:19]
    ]
    assert hits[1]["title"] == "Xinghe mine 000"
    assert {h["id"] for h in _search(rep, "xinghe", 50, objects="account")} == set(visible)
    # The administrator sees everything, ranked the same way.
    with TestClient(rep.app) as boss:
        login(boss, admin_email_of(platform, org.tenant))
        top = _search(boss, "xinghe", 20, objects="account")
        assert [h["id"] for h in top] == hidden[:20]
    # List quick search (`q`) carries the same access predicate.
    listed = rep.get("/api/v1/records/account", params={"q": "xinghe", "limit": 200}).json()
    assert {r["id"] for r in listed["records"]} == set(visible)
    queried = rep.post("/api/v1/records/account/query", json={"q": "xinghe hidden"}).json()
    assert queried["records"] == []


def test_search_hits_reveal_no_hidden_field(
    platform: Platform, org: Org, clients: dict[str, TestClient]
) -> None:
    """Matches in a hidden field are dropped before ranking, and a hidden name field leaves
    hits untitled: 100 records matching only in the hidden phone (ranking first) must not
    crowd out the 30 matching in the readable email."""
    grant(
        platform,
        org,
        "all",
        {
            "account": {
                "read": True,
                "read_scope": "all",
                "fields": {"phone": "hidden", "name": "hidden"},
            }
        },
    )
    set_role(platform, org, "rep_east", "all")
    with platform.context(org.tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        records.create_many(
            "account", [{"name": f"Alpha {i:03}", "phone": "139-1234-5678"} for i in range(100)]
        )
        by_email = records.create_many(
            "account",
            [
                {"name": f"Secret {i:03}", "email": f"x{i:03}.13912345678@example.com"}
                for i in range(30)
            ],
        )
    rep = clients["rep_east"]
    response = rep.get("/api/v1/search", params={"q": "13912345678", "limit": 20})
    hits = response.json()["hits"]
    assert [h["id"] for h in hits] == by_email[:20]
    assert all(h["title"] is None for h in hits)
    assert "Secret" not in response.text and "Alpha" not in response.text
    # A value only the hidden name holds finds nothing.
    assert _search(rep, "secret", 20) == []


def _set_path(platform: Platform, org: Org, person: str, path: str) -> None:
    """Overwrite a user's materialised department path (the hooks never write such a path)."""
    with platform.context(org.tenant, SYSTEM) as ctx:
        users = ctx.object("user").table
        ctx.conn.execute(
            users.update().where(users.c.id == org.users[person]).values(department_path=path)
        )


def _department_path(platform: Platform, org: Org, department: str) -> str:
    with platform.context(org.tenant, SYSTEM) as ctx:
        return str(RecordsService(ctx).get("department", org.departments[department])["path"])


def test_department_subtree_is_an_index_range_that_stops_at_its_path(
    platform: Platform, org: Org, clients: dict[str, TestClient]
) -> None:
    """`everyone below D` is `path >= D AND path < bound(D)` (so the path index serves it on
    both databases); a sibling whose path merely starts with the same characters is outside."""
    east = _department_path(platform, org, "east")
    assert east.endswith("/")
    # Paths sharing the string prefix of east's path without its final "/": a sibling id
    # that starts with east's id, and ids just past the range's upper bound.
    _set_path(platform, org, "rep_north", east[:-1] + "0/")
    _set_path(platform, org, "outsider", east[:-1] + "a/")
    with platform.context(org.tenant, SYSTEM) as ctx:
        assert orders_by_code_point(ctx.conn)
        stmt = ctx.policy._users_below((east,))  # what every subtree grant selects
        below = set(ctx.conn.execute(stmt).scalars())
        assert below == {org.users["lead_east"], org.users["rep_east"]}
        sql = str(stmt.compile(ctx.conn, compile_kwargs={"literal_binds": True}))
        assert " LIKE " not in sql.upper()
        if ctx.dialect == "postgresql":
            ctx.conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(r[0] for r in ctx.conn.exec_driver_sql("EXPLAIN " + sql))
        else:
            plan = "\n".join(
                str(r[-1]) for r in ctx.conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            )
        assert "ix_user_department_path" in plan, plan
    # Through the API: the head of east, scoped to subordinates, sees east's accounts only.
    grant(platform, org, "subordinates", {"account": {"read": True, "read_scope": "subordinates"}})
    set_role(platform, org, "lead_east", "subordinates")
    listed = clients["lead_east"].get("/api/v1/records/account").json()["records"]
    assert {r["id"] for r in listed} == {org.accounts["lead_east"], org.accounts["rep_east"]}
    # Moving east moves its members' paths, not those of the look-alike paths.
    with platform.context(org.tenant, SYSTEM) as ctx:
        RecordsService(ctx).update(
            "department", org.departments["east"], {"parent": org.departments["finance"]}
        )
        paths = {
            person: RecordsService(ctx).get("user", org.users[person])["department_path"]
            for person in ("rep_east", "rep_north", "outsider")
        }
    moved = _department_path(platform, org, "east")
    assert moved != east and paths["rep_east"] == moved
    assert paths["rep_north"] == east[:-1] + "0/" and paths["outsider"] == east[:-1] + "a/"
