"""Create, read, update, conflict, delete, restore and history — over every standard object and
the custom object with every field type, through the HTTP API, on each backend.

Values come from the object's metadata (tests.contract.values), so the test follows the
objects as their packages define them instead of a hand-written copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from keyi.platform.fieldtypes import TYPES
from keyi.platform.metadata.model import FieldType
from keyi.platform.tenancy import Platform
from tests.contract.conftest import STANDARD_OBJECTS, World, open_world
from tests.contract.custom import GADGET_FIELDS, create_custom_objects
from tests.contract.reference import NUMERIC, csv_cell, csv_rows, kind_of
from tests.contract.values import UNCHANGED, answered, expected, writable

OBJECTS = [*STANDARD_OBJECTS, "gadget_group", "gadget"]

# One worker seeds this module once (pytest runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("contract-crud")


@pytest.fixture(scope="module")
def crud_world(platform: Platform) -> Iterator[World]:
    for world in open_world(platform):
        create_custom_objects(world)
        yield world


def test_every_field_type_is_covered() -> None:
    """The custom object holds every field type a user can add (system types aside)."""
    # JSON documents are package-defined (a segment's filter), not a type users add.
    system = {FieldType.ID, FieldType.VERSION, FieldType.OWNER, FieldType.JSON}
    covered = {FieldType(f["type"]) for f in GADGET_FIELDS} | {FieldType.ROLLUP}
    assert set(TYPES) - system <= covered, set(TYPES) - system - covered


def test_standard_objects_are_found() -> None:
    assert {"account", "contact", "lead", "opportunity", "activity", "user"} <= set(
        STANDARD_OBJECTS
    )


def _check_values(meta: dict[str, Any], record: dict[str, Any], sent: dict[str, Any]) -> None:
    fields = {f["name"]: f for f in meta["fields"]}
    for name, value in sent.items():
        if name in fields:
            want = expected(fields[name], value)
            assert answered(fields[name], record[name]) == want, (name, value, record[name])
        else:  # a currency code
            assert record[name] == value, (name, record[name])


def _check_export(
    world: World, object_name: str, meta: dict[str, Any], record: dict[str, Any]
) -> None:
    fields = [f for f in meta["fields"] if writable(f) or f["type"] in ("formula", "auto_number")]
    one = json.dumps({"field": "id", "op": "eq", "value": record["id"]})
    response = world.api.request(
        "GET",
        f"/records/{object_name}/export",
        params={"fields": ",".join(f["name"] for f in fields), "filter": one},
    )
    assert response.status_code == 200, response.text
    header, *rows = csv_rows(response.text)
    assert len(rows) == 1, rows
    cells = iter(rows[0])
    for f in fields:
        cell = next(cells)
        if kind_of(f) in NUMERIC and cell:
            assert Decimal(cell) == Decimal(str(record[f["name"]])), (f["name"], cell)
        else:
            assert cell == csv_cell(f, record), (f["name"], cell, record[f["name"]])
        if f["type"] == "currency":
            assert next(cells) == (record[f"{f['name']}_currency"] or "")
    assert next(cells, None) is None, header


def _history(world: World, object_name: str, record_id: str) -> list[dict[str, Any]]:
    return list(world.api.ok("GET", f"/records/{object_name}/{record_id}/history")["entries"])


@pytest.mark.parametrize("object_name", OBJECTS)
def test_crud_round_trip(crud_world: World, object_name: str) -> None:
    world, api = crud_world, crud_world.api
    meta = world.meta(object_name)
    sent = world.values(object_name)
    response = api.request("POST", f"/records/{object_name}", json=sent)
    assert response.status_code == 201, response.text
    created = api.ok("GET", f"/records/{object_name}/{response.json()['id']}")
    record_id, version = created["id"], created["version"]
    assert response.headers["ETag"].strip('"') == str(version) == "1"
    _check_values(meta, created, sent)

    # Each writable field changed on its own, with the version it was read at.
    changed: dict[str, Any] = {}
    fields = [
        f for f in meta["fields"] if writable(f) and (object_name, f["name"]) not in UNCHANGED
    ]
    assert fields, object_name
    current = created
    for f in fields:
        # A real change: neither what was sent nor what the record holds now (a hook may
        # have derived it from another field's change, as a payment plan's account).
        avoid = [sent.get(f["name"]), current[f["name"]]]
        if f["type"] == "boolean":
            avoid.append(created[f["name"]])
        update = world.changed(object_name, f, next(world.seq), avoid)
        patched = api.request(
            "PATCH",
            f"/records/{object_name}/{record_id}",
            json=update,
            headers={"If-Match": f'"{version}"'},
        )
        assert patched.status_code == 200, (f["name"], patched.text)
        after = api.ok("GET", f"/records/{object_name}/{record_id}")
        assert after["version"] == version + 1, (f["name"], update)
        _check_values(meta, after, update)
        version, current = after["version"], after
        # What this field's history entry must show (an update may also empty an exclusive
        # partner field: that is the partner's own value, not this entry's).
        changed[f["name"]] = update[f["name"]]
        sent.update(update)
    final = api.ok("GET", f"/records/{object_name}/{record_id}")
    _check_values(meta, final, sent)

    # The export shows the same values (as the screen shows them) for this record.
    _check_export(world, object_name, meta, final)

    # A stale version is refused (header or body) and changes nothing.
    first = fields[0]
    stale = world.generate(object_name, first, next(world.seq))
    for how in ({"headers": {"If-Match": '"1"'}}, {"json_version": 1}):
        body = {**stale, **({"version": 1} if "json_version" in how else {})}
        conflict = api.request(
            "PATCH", f"/records/{object_name}/{record_id}", json=body, headers=how.get("headers")
        )
        assert conflict.status_code == 412, conflict.text
        assert conflict.json()["current"] == version
    assert api.ok("GET", f"/records/{object_name}/{record_id}") == final

    # History: one update entry per change, naming the field with its old and new value.
    entries = _history(world, object_name, record_id)
    updates = [e for e in entries if e["operation"] == "update"]
    assert len(updates) == len(fields), [e["changes"] for e in updates]
    assert [e["operation"] for e in entries][-1] == "create"
    by_field = {f["name"]: f for f in meta["fields"]}
    for f, entry in zip(fields, reversed(updates), strict=True):
        names = {c["field"] for c in entry["changes"]}
        assert f["name"] in names, (f["name"], entry["changes"])
        change = next(c for c in entry["changes"] if c["field"] == f["name"])
        assert answered(by_field[f["name"]], change["new"]) == expected(f, changed[f["name"]]), (
            f["name"],
            change,
        )

    # Delete → recycle bin → restore: the same record back, history says so.
    api.ok("DELETE", f"/records/{object_name}/{record_id}", 204)
    assert api.request("GET", f"/records/{object_name}/{record_id}").status_code == 404
    bin_ids = [
        r["id"]
        for r in api.ok("GET", f"/records/{object_name}", params={"deleted": "true", "limit": 500})[
            "records"
        ]
    ]
    assert record_id in bin_ids
    live = api.ok("GET", f"/records/{object_name}", params={"limit": 500})["records"]
    assert record_id not in [r["id"] for r in live]
    api.ok("POST", f"/records/{object_name}/{record_id}/restore")
    restored = api.ok("GET", f"/records/{object_name}/{record_id}")
    _check_values(meta, restored, sent)
    operations = [e["operation"] for e in _history(world, object_name, record_id)]
    assert operations[:2] == ["restore", "delete"], operations
