"""Typed request bodies at the HTTP edge: shared pieces, and pydantic errors as field errors.

Route modules declare their bodies as pydantic models, so the OpenAPI document says what each
route accepts and FastAPI refuses the wrong shape before a handler runs. A model checks the
shape (known keys, scalar types, required keys); what depends on a tenant's metadata — field
names, filter trees, record values — is only described here and checked by the platform, which
names the exact place of every problem (`filter.and.1.value`, `objects.account.fields.x`).
Where the platform checks a whole body itself and reports every problem at once (a role's
permission matrix), the route checks only that the body is an object and the document shows the
model's schema (`documented_body`): a model refusing first would hide the other problems.
Both kinds of refusal read alike: a 422 problem whose errors name the field with the
platform's codes (`required`, `unknown_field`, `invalid_boolean`, …).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema

from keyi.platform.fieldtypes import ALL_OPS


class StrictBody(BaseModel):
    """A request body that refuses keys it does not know (`unknown_field`)."""

    model_config = ConfigDict(extra="forbid")


# One field value of any object, as the generic record routes take it. The per-tenant document
# has each object's own schema (keyi.api.openapi); this is what all of them have in common.
FIELD_VALUE_SCHEMA: dict[str, Any] = {
    "description": "A field's value: text, number, true/false, date or date-time text, a "
    "record id, a list of options (multi-select), or null to clear it.",
    "anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "null"},
    ],
}
FieldValue = Annotated[Any, WithJsonSchema(FIELD_VALUE_SCHEMA)]
# The platform coerces each value by its field's type plug-in and names the field on refusal.
RecordValues = dict[str, FieldValue]

_CONDITION = {
    "type": "object",
    "properties": {
        "field": {"type": "string", "description": "A field or a path (`account.name`)."},
        "op": {"type": "string", "enum": sorted(ALL_OPS), "default": "eq"},
        "value": {"description": "Typed as the field; a list for `in` and `between`."},
    },
    "required": ["field"],
    "additionalProperties": False,
}
FILTER_SCHEMA: dict[str, Any] = {
    "description": "A condition, or `and`/`or` of filters, or `not` of one (at most 200 "
    "conditions, 16 levels deep).",
    "anyOf": [
        _CONDITION,
        {
            "type": "object",
            "properties": {"and": {"type": "array", "items": {"type": "object"}}},
            "required": ["and"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"or": {"type": "array", "items": {"type": "object"}}},
            "required": ["or"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"not": {"type": "object"}},
            "required": ["not"],
            "additionalProperties": False,
        },
        # No filter, as null is (keyi.platform.query.filters reads {} so): the fuzzer found
        # `{"filter": {}}` accepted where this schema said it was not.
        {"type": "object", "maxProperties": 0},
        {"type": "null"},
    ],
}
# Checked by keyi.platform.query.filters, which names the node of every problem.
Filter = Annotated[Any, WithJsonSchema(FILTER_SCHEMA)]

SORT_SCHEMA: dict[str, Any] = {
    "description": "Up to 5 sort keys: `field` / `-field`, or {field, direction}.",
    "type": "array",
    "maxItems": 5,
    "items": {
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "direction": {"type": "string", "enum": ["asc", "desc"]},
                },
                "required": ["field"],
            },
        ]
    },
}
# Checked by keyi.platform.query.listing.parse_sort (which names `sort.<i>.field`).
Sort = Annotated[Any, WithJsonSchema(SORT_SCHEMA)]


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` (nested models, enums) written in place."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                siblings = {k: v for k, v in node.items() if k != "$ref"}  # default, description
                return {**resolve(definitions[ref.removeprefix("#/$defs/")]), **siblings}
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` of a route that takes a plain object the platform checks in full: the
    document shows the model's schema."""
    schema = inline_schema(model)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def documented_changes(model: type[BaseModel], keys: Collection[str]) -> dict[str, Any]:
    """`openapi_extra` of a PATCH that takes some of the model's keys: the platform merges
    them into the current definition and validates the whole, so every key is optional and
    other keys are refused."""
    schema = inline_schema(model)
    properties = {k: v for k, v in schema.get("properties", {}).items() if k in keys}
    partial = {k: v for k, v in schema.items() if k != "required"}
    partial.update(properties=properties, additionalProperties=False)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": partial}}}}


# ------------------------------------------------------------------ refusals
# Pydantic's error types → the platform's field codes; others are `invalid_request`.
_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "bool_type": "invalid_boolean",
    "bool_parsing": "invalid_boolean",
    "int_type": "invalid_integer",
    "int_parsing": "invalid_integer",
    "int_from_float": "invalid_integer",
    "string_type": "invalid_text",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "literal_error": "invalid_option",
    "enum": "invalid_option",
}
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def field_error(error: Any) -> tuple[str, str, dict[str, Any]]:
    """(field path, code, message parameters) of one pydantic error."""
    loc = [str(p) for p in error.get("loc", ()) if p not in _LOCATIONS]
    code = _CODES.get(str(error.get("type")), "invalid_request")
    context = error.get("ctx") or {}
    params: dict[str, Any] = {}
    if code == "unknown_field":
        params["field"] = loc[-1] if loc else ""
    elif code == "too_long":
        params["max"] = context.get("max_length")
    elif code == "too_short":
        params["min"] = context.get("min_length")
    elif code == "invalid_option":
        params["value"] = str(error.get("input"))[:100]
    return ".".join(loc) or "body", code, params
