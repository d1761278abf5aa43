"""Access over every standard object and the custom one: a field hidden from a role is absent
from get, list, query, export, aggregate, history and search; an own-scope reader sees only
their own records on every read path.

One restricted user ("rep") holds a role granting every object, each with one field hidden and,
where the object has owners, read scope `own`. Records are made by the administrator, some owned
by the rep, so every check has records on both sides. A master-detail child without owners
(a quote line, a case message) is granted scope `all`, yet the rep sees exactly the children of
masters they see: half of each such child's records hang on a master the rep owns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, login
from tests.contract.conftest import STANDARD_OBJECTS, Api, World, open_world
from tests.contract.custom import create_custom_objects
from tests.contract.values import PREPARED_TARGETS, SPECIAL, writable
from tests.integration.helpers import add_member, rights

OBJECTS = [*STANDARD_OBJECTS, "gadget"]
# Types a hidden field may have here, in order of preference (a searchable one tests search).
HIDEABLE = ("text", "phone", "email", "long_text", "integer", "lookup")
# For an object with no optional field of those types (an exchange rate, a price book entry):
# any writable field of these, required or not, since the rep only reads.
FALLBACK = (*HIDEABLE, "decimal", "currency", "percent", "date", "picklist", "boolean")

# One worker seeds this module once (pytest runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("contract-access_contract")


def master_of(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The master-detail field deciding an owner-less object's access, or None."""
    if meta["features"].get("owner"):
        return None
    return next((f for f in meta["fields"] if f["type"] == "master_detail"), None)


def hidden_field(meta: dict[str, Any]) -> dict[str, Any]:
    """The field hidden from the rep: optional and writable, preferably searchable; where no
    such field exists, a required one."""
    candidates = [
        f for f in meta["fields"] if writable(f) and not f["required"] and f["type"] in HIDEABLE
    ] or [f for f in meta["fields"] if writable(f) and f["type"] in FALLBACK]
    # The name field only where nothing else is optional (its title then reads as null).
    candidates.sort(
        key=lambda f: (
            f["name"] == meta["name_field"],
            not f["searchable"],
            FALLBACK.index(f["type"]),
        )
    )
    assert candidates, meta["name"]
    return candidates[0]


def secret(object_name: str, field: dict[str, Any], n: int) -> Any:
    """A value only the hidden field holds, distinctive enough to search for."""
    kind = field["type"]
    special = SPECIAL.get((object_name, field["name"]))
    if special is not None:
        return special(700 + n)
    if kind == "phone":
        return f"1397755{n:04d}"
    if kind == "email":
        return f"zqxsecret{n}@hidden.example"
    if kind in ("text", "long_text"):
        return f"zqxsecret{n}"[: field["max_length"] or 255]
    if kind == "integer":
        return 777_000 + n
    return None  # a lookup keeps its generated target


@dataclass
class Setup:
    world: World
    admin: Api
    rep: Api
    rep_id: str
    admin_id: str
    hidden: dict[str, dict[str, Any]]
    owned: dict[str, bool]
    masters: dict[str, dict[str, Any] | None]  # object → its master-detail field (owner-less)
    records: dict[str, dict[str, list[str]]]  # object → "rep"/"admin" → ids
    secrets: dict[str, dict[str, Any]]  # object → record id → hidden value


@pytest.fixture(scope="module")
def setup(platform: Platform) -> Iterator[Setup]:
    for world in open_world(platform):
        create_custom_objects(world)
        admin = world.api
        hidden = {o: hidden_field(world.meta(o)) for o in OBJECTS}
        owned = {o: bool(world.meta(o)["features"].get("owner")) for o in OBJECTS}
        masters = {o: master_of(world.meta(o)) for o in OBJECTS}
        permissions = {
            o: rights("own" if owned[o] else "all", fields={hidden[o]["name"]: "hidden"})
            for o in OBJECTS
        }
        rep_user = add_member(platform, world.tenant, "rep-contract@example.com", permissions)
        admin_id = admin.ok("GET", "/me")["user"]["id"]
        records: dict[str, dict[str, list[str]]] = {}
        secrets: dict[str, dict[str, Any]] = {}
        n = 0
        for o in OBJECTS:
            records[o] = {"rep": [], "admin": []}
            secrets[o] = {}
            for who in ("rep", "admin", "rep", "admin"):
                n += 1
                values = world.values(o)
                value = secret(o, hidden[o], n)
                if value is not None:
                    values[hidden[o]["name"]] = value
                if owned[o]:
                    values["owner_id"] = rep_user["id"] if who == "rep" else admin_id
                link = masters[o]
                ruled = link is not None and owned[link["target"]]
                if ruled and who == "rep":
                    values[link["name"]] = rep_master(world, o, link, rep_user["id"])
                created = admin.ok("POST", f"/records/{o}", 201, json=values)
                records[o][who if owned[o] or ruled else "admin"].append(created["id"])
                secrets[o][created["id"]] = created[hidden[o]["name"]]
            # A change of the hidden field, for the history check.
            first = (records[o]["rep"] or records[o]["admin"])[0]
            # (`changed`: an exclusive partner field is emptied, as a campaign member's lead
            # when its contact changes.)
            change = world.changed(o, hidden[o], n + 1000, [])
            changed = admin.ok("PATCH", f"/records/{o}/{first}", json=change)
            secrets[o][first] = changed[hidden[o]["name"]]
        app = create_app(platform.settings, platform)
        with TestClient(app) as client:
            login(client, "rep-contract@example.com", ADMIN_PASSWORD)
            yield Setup(
                world,
                admin,
                Api(client),
                rep_user["id"],
                admin_id,
                hidden,
                owned,
                masters,
                records,
                secrets,
            )


def rep_master(world: World, o: str, link: dict[str, Any], rep_id: str) -> str:
    """A new master record for a child of `o`, owned by the rep."""
    target = link["target"]
    made = world.create(target)
    action = PREPARED_TARGETS.get((o, link["name"]))
    if action is not None:
        world.api.ok("POST", f"/records/{target}/{made}/{action}", 200)
    world.api.ok("PATCH", f"/records/{target}/{made}", json={"owner_id": rep_id})
    return made


def visible_ids(s: Setup, o: str) -> set[str]:
    """What the rep may see: their own records where the object has owners, the children of
    masters they see where a master decides, else all."""
    if s.owned[o]:
        return set(s.records[o]["rep"]) | ids_of(
            s, o, {"field": "owner_id", "op": "eq", "value": s.rep_id}
        )
    return readable(s, o)


def readable(s: Setup, o: str) -> set[str]:
    """The live records of `o` the rep's role reaches, asked of the administrator: owned by
    the rep, children of masters the rep reads, or all."""
    meta = s.world.meta(o)
    if meta["features"].get("owner"):
        return ids_of(s, o, {"field": "owner_id", "op": "eq", "value": s.rep_id})
    link = master_of(meta)
    if link is None:
        return ids_of(s, o, None)
    masters = sorted(readable(s, link["target"]))
    return ids_of(s, o, {"field": link["name"], "op": "in", "value": masters or ["-"]})


def ids_of(s: Setup, o: str, criteria: dict[str, Any] | None) -> set[str]:
    body: dict[str, Any] = {"fields": ["id"], "limit": 500}
    if criteria is not None:
        body["filter"] = criteria
    return {r["id"] for r in s.admin.query_all(o, body)}


@pytest.mark.parametrize("object_name", OBJECTS)
def test_hidden_field_is_absent_from_every_read(setup: Setup, object_name: str) -> None:
    s, o = setup, object_name
    name = s.hidden[o]["name"]
    rep_ids = visible_ids(s, o)
    assert rep_ids, o
    some = sorted(rep_ids)[0]
    got = s.rep.ok("GET", f"/records/{o}/{some}")
    assert name not in got and name not in got.get("_display", {}), (o, name)
    listed = s.rep.ok("GET", f"/records/{o}", params={"limit": 500})["records"]
    assert listed and all(name not in r for r in listed)
    queried = s.rep.ok("POST", f"/records/{o}/query", json={"limit": 500})["records"]
    assert queried and all(name not in r for r in queried)
    assert all(f["name"] != name for f in s.rep.ok("GET", f"/metadata/objects/{o}")["fields"])
    # Naming it is refused as if it did not exist, on every path.
    refused = {
        "fields": s.rep.request("POST", f"/records/{o}/query", json={"fields": [name]}),
        "filter": s.rep.request(
            "POST",
            f"/records/{o}/query",
            json={"filter": {"field": name, "op": "is_null", "value": False}},
        ),
        "group_by": s.rep.request(
            "POST",
            f"/records/{o}/aggregate",
            json={"group_by": [{"field": name}], "aggregates": [{"op": "count"}]},
        ),
        "aggregate": s.rep.request(
            "POST",
            f"/records/{o}/aggregate",
            json={"aggregates": [{"op": "max", "field": name}]},
        ),
    }
    for path, response in refused.items():
        assert response.status_code == 422, (o, path, response.text)
    # Export: neither the column nor any hidden value.
    export = s.rep.request("GET", f"/records/{o}/export")
    assert export.status_code == 200
    header = next(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    labels = s.admin.ok("GET", f"/metadata/objects/{o}")["fields"]
    hidden_labels = {
        str(label) for f in labels if f["name"] == name for label in f["labels"].values()
    }
    assert not hidden_labels & set(header), (o, header)
    # A hidden lookup's id is another record's id, which may be listed in its own row; it
    # must not be in the row of the record that holds it, not even spelt inside a derived
    # value (a department's `path` names its parent's id).
    rows = {row[0]: row for row in csv.reader(io.StringIO(export.text.lstrip("\ufeff")))}
    for record_id, value in s.secrets[o].items():
        if not isinstance(value, str):
            continue
        if s.hidden[o]["type"] == "lookup":
            row = rows.get(record_id, [])
            assert row or record_id not in rep_ids, (o, record_id)
            assert not any(value in cell for cell in row), (o, record_id, row)
        else:
            assert value not in export.text, (o, record_id)
    # History: the change to the hidden field is left out.
    for record_id in rep_ids & set(s.secrets[o]):
        entries = s.rep.ok("GET", f"/records/{o}/{record_id}/history")["entries"]
        assert all(c["field"] != name for e in entries for c in e["changes"]), (o, entries)


def in_search(s: Setup, o: str, ids: set[str]) -> set[str]:
    """The records among ``ids`` global search may find: those meeting the object's
    ``search_criteria`` (a knowledge article once published), all without criteria."""
    criteria = s.world.meta(o).get("search_criteria")
    if criteria is None or not ids:
        return set(ids)
    body = {"filter": {"and": [{"field": "id", "op": "in", "value": sorted(ids)}, criteria]}}
    return {r["id"] for r in s.admin.query_all(o, {**body, "fields": ["id"]})}


@pytest.mark.parametrize("object_name", OBJECTS)
def test_search_never_matches_a_hidden_value(setup: Setup, object_name: str) -> None:
    s, o = setup, object_name
    field = s.hidden[o]
    if not (field["searchable"] and s.world.meta(o)["features"].get("search")):
        pytest.skip(f"{o}.{field['name']} is not searched")
    findable = in_search(s, o, set(s.secrets[o]))
    for record_id in visible_ids(s, o) & set(s.secrets[o]):
        value = s.secrets[o][record_id]
        if value is None:
            continue
        params = {"q": str(value), "objects": o, "limit": 50}
        admin_hits = {h["id"] for h in s.admin.ok("GET", "/search", params=params)["hits"]}
        # The search does find it by that value (unless the object's criteria leave it out).
        assert (record_id in admin_hits) == (record_id in findable), (o, value)
        rep_hits = {h["id"] for h in s.rep.ok("GET", "/search", params=params)["hits"]}
        assert record_id not in rep_hits, (o, value)
        quick = s.rep.ok("GET", f"/records/{o}", params={"q": str(value)})["records"]
        assert record_id not in {r["id"] for r in quick}


@pytest.mark.parametrize("object_name", OBJECTS)
def test_own_scope_reader_sees_only_own_records(setup: Setup, object_name: str) -> None:
    s, o = setup, object_name
    if not s.owned[o]:
        pytest.skip(f"{o} has no owners")
    # The representative's own records: those the suite made as them, and any a package made
    # for them on the way (a queue they created has its team, owned like the queue).
    owned_by_rep = {"field": "owner_id", "op": "eq", "value": s.rep_id}
    mine = set(s.records[o]["rep"]) | {
        r["id"] for r in s.admin.query_all(o, {"fields": ["id"], "filter": owned_by_rep})
    }
    theirs = set(s.records[o]["admin"])
    listed = {r["id"] for r in s.rep.query_all(o, {"fields": ["id"], "limit": 3})}
    assert listed == mine
    get_list = {r["id"] for r in s.rep.ok("GET", f"/records/{o}", params={"limit": 500})["records"]}
    assert get_list == mine
    for record_id in theirs:
        assert s.rep.request("GET", f"/records/{o}/{record_id}").status_code == 404
        assert s.rep.request("GET", f"/records/{o}/{record_id}/history").status_code == 404
    counted = s.rep.ok("POST", f"/records/{o}/aggregate", json={"aggregates": [{"op": "count"}]})
    assert counted["groups"][0]["values"]["count"] == len(mine)
    export = s.rep.request("GET", f"/records/{o}/export", params={"fields": "id"})
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert {row[0] for row in rows[1:]} == mine
    if s.world.meta(o)["features"].get("search"):
        title_field = s.world.meta(o)["name_field"]
        findable = in_search(s, o, theirs)
        for record_id in theirs:
            title = s.admin.ok("GET", f"/records/{o}/{record_id}")[title_field]
            params = {"q": title, "objects": o}
            found = {h["id"] for h in s.admin.ok("GET", "/search", params=params)["hits"]}
            assert (record_id in found) == (record_id in findable)
            hits = s.rep.ok("GET", "/search", params=params)["hits"]
            assert record_id not in {h["id"] for h in hits}


@pytest.mark.parametrize("object_name", OBJECTS)
def test_detail_reader_sees_the_children_of_masters_they_see(
    setup: Setup, object_name: str
) -> None:
    s, o = setup, object_name
    link = s.masters[o]
    if link is None:
        pytest.skip(f"{o} has owners or no master")
    mine = visible_ids(s, o)
    everything = {r["id"] for r in s.admin.query_all(o, {"fields": ["id"], "limit": 500})}
    if s.world.meta(link["target"])["features"].get("owner"):
        # Records on both sides: the rep's master's children and the administrator's.
        assert set(s.records[o]["rep"]) <= mine and set(s.records[o]["admin"]) <= everything - mine
    listed = {r["id"] for r in s.rep.query_all(o, {"fields": ["id"], "limit": 3})}
    assert listed == mine, o
    get_list = {r["id"] for r in s.rep.ok("GET", f"/records/{o}", params={"limit": 500})["records"]}
    assert get_list == mine, o
    for record_id in everything - mine:
        assert s.rep.request("GET", f"/records/{o}/{record_id}").status_code == 404
    counted = s.rep.ok("POST", f"/records/{o}/aggregate", json={"aggregates": [{"op": "count"}]})
    assert counted["groups"][0]["values"]["count"] == len(mine)
    export = s.rep.request("GET", f"/records/{o}/export", params={"fields": "id"})
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert {row[0] for row in rows[1:]} == mine
