"""The custom objects of the contract suite: `gadget` holds a field of every type, `gadget_group`
is its master (master-detail) and sums it up (roll-ups).

The list of types is checked against the platform's registry (`test_every_field_type_is_covered`),
so a new field type fails the suite until it is added here with a value generator.
"""

from __future__ import annotations

from typing import Any

from tests.contract.conftest import World

OPTIONS = [
    {"value": v, "labels": {"en": v.title(), "zh-CN": zh}}
    for v, zh in (("gold", "金牌"), ("silver", "银牌"), ("bronze", "铜牌"))
]
CHANNELS = [{"value": v, "labels": {"en": v.title()}} for v in ("phone", "email", "onsite")]

GADGET_FIELDS: list[dict[str, Any]] = [
    {"name": "name", "type": "text", "required": True},
    {"name": "label", "type": "text", "max_length": 100},
    {"name": "code", "type": "text", "unique": True, "max_length": 20},
    {"name": "notes", "type": "long_text"},
    {"name": "units", "type": "integer"},
    {"name": "weight", "type": "decimal", "precision": 12, "scale": 3},
    {"name": "price", "type": "currency"},
    {"name": "discount", "type": "percent"},
    {"name": "active", "type": "boolean"},
    {"name": "starts_on", "type": "date"},
    {"name": "registered_at", "type": "datetime"},
    {"name": "contact_email", "type": "email"},
    {"name": "hotline", "type": "phone"},
    {"name": "site", "type": "url"},
    {"name": "tier", "type": "picklist", "options": OPTIONS},
    {"name": "channels", "type": "multi_picklist", "options": CHANNELS},
    {"name": "account", "type": "lookup", "target": "account"},
    {"name": "group", "type": "master_detail", "target": "gadget_group", "required": True},
    {"name": "serial", "type": "auto_number", "pattern": "GD-{YYYY}-{0000}"},
    {
        "name": "net_price",
        "type": "formula",
        "expression": "price * (1 - BLANKVALUE(discount, 0) / 100)",
        "return_type": "currency",
    },
    {
        "name": "double_units",
        "type": "formula",
        "expression": "units * 2",
        "return_type": "integer",
    },
    {"name": "many_units", "type": "formula", "expression": "units > 10", "return_type": "boolean"},
    {"name": "label_copy", "type": "formula", "expression": "label", "return_type": "text"},
    {
        "name": "week_later",
        "type": "formula",
        "expression": "ADDDAYS(starts_on, 7)",
        "return_type": "date",
    },
]
GROUP_ROLLUPS: list[dict[str, Any]] = [
    {"name": "item_count", "op": "count", "scale": 0},
    {"name": "weight_total", "op": "sum", "aggregate_field": "weight", "scale": 3},
    {"name": "weight_min", "op": "min", "aggregate_field": "weight", "scale": 3},
    {"name": "weight_max", "op": "max", "aggregate_field": "weight", "scale": 3},
]


def create_custom_objects(world: World) -> None:
    """Create gadget_group and gadget (every field type) through the metadata API."""
    api = world.api
    api.ok(
        "POST",
        "/metadata/objects",
        201,
        json={"name": "gadget_group", "labels": {"en": "Gadget group", "zh-CN": "器件组"}},
    )
    api.ok(
        "POST",
        "/metadata/objects",
        201,
        json={
            "name": "gadget",
            "labels": {"en": "Gadget", "zh-CN": "器件"},
            "features": {"owner": True, "history": True, "search": True},
        },
    )
    for spec in GADGET_FIELDS:
        if spec["name"] == "name":
            continue  # every new object has it
        body = {**spec, "labels": {"en": spec["name"].replace("_", " ").title()}}
        api.ok("POST", "/metadata/objects/gadget/fields", 201, json=body)
    for rollup in GROUP_ROLLUPS:
        body = {
            "name": rollup["name"],
            "type": "rollup",
            "labels": {"en": rollup["name"].replace("_", " ").title()},
            "scale": rollup["scale"],
            "rollup": {
                "child_object": "gadget",
                "child_field": "group",
                "op": rollup["op"],
                **(
                    {"aggregate_field": rollup["aggregate_field"]}
                    if "aggregate_field" in rollup
                    else {}
                ),
            },
        }
        api.ok("POST", "/metadata/objects/gadget_group/fields", 201, json=body)
    world.metas.clear()
