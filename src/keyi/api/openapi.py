"""OpenAPI per tenant: the static routes plus a typed schema and paths for every object.

An anonymous caller gets the generic document; a signed-in caller gets their tenant's objects,
including custom ones, with field types, enums and required fields, so generated clients and
schemathesis see the real shapes.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from keyi.api.context import request_context
from keyi.platform.errors import KeyiError
from keyi.platform.fieldtypes import currency_column, impl_for
from keyi.platform.metadata.model import FieldType, ObjectDef
from keyi.platform.permissions import Operation
from keyi.platform.schema import CompiledObject
from keyi.platform.users import NOT_INVITABLE

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


# Every operation can answer these with a problem document; FastAPI's own 422 schema is replaced
# because the error handler answers problem+json, not FastAPI's default shape.
ERROR_RESPONSES = {
    "400": "Malformed request body",
    "401": "Not signed in",
    "403": "Not allowed",
    "404": "Not found",
    "409": "Conflict",
    "412": "Stale version",
    "422": "Invalid input",
    "429": "Too many requests",
}
# Operations that answer without a session (the login itself and operations probes).
PUBLIC_PATHS = frozenset(
    {
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/auth/login",
        # Forgotten password: the person is, by definition, not signed in.
        "/api/v1/auth/password/forgot",
        "/api/v1/auth/password/reset",
        # Single sign-on: the login page's buttons and the browser's redirects.
        "/api/v1/auth/sso/providers",
        "/api/v1/auth/sso/{tenant}/{provider}/start",
        "/api/v1/auth/sso/callback",
    }
)


def document_errors(document: dict[str, Any]) -> None:
    """Declare the problem+json error answers (and public operations) on every operation."""
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in document["paths"].items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                # An operation may also answer an error as a page (a public page answers a bad
                # link with a page): kept beside problem+json. FastAPI's own JSON 422 is not
                # what the error handler answers, so it goes.
                own = (responses.get(status) or {}).get("content") or {}
                pages = {kind: value for kind, value in own.items() if kind == "text/html"}
                responses[status] = {"description": description, "content": {**content, **pages}}
            if path in PUBLIC_PATHS:
                operation["security"] = []


def definition_schemas() -> dict[str, Any]:
    """Schemas of the platform's metadata definitions (object, field, layout, field types) as
    they are read back. The metadata endpoints answer these shapes (with a few per-reader
    extras), and the web app's types are generated from them instead of being written twice."""
    _, top = models_json_schema(
        [(ObjectDef, "serialization")], ref_template="#/components/schemas/{model}"
    )
    return dict(top["$defs"])


def base_document(app: FastAPI) -> dict[str, Any]:
    cached = getattr(app.state, "openapi_base", None)
    if cached is None:
        cached = get_openapi(
            title="Keyi API", version="1", routes=app.routes, description="Keyi CRM REST API"
        )
        schemas = cached.setdefault("components", {}).setdefault("schemas", {})
        # A route that takes a definition as its typed body has already put it there.
        for name, schema in definition_schemas().items():
            schemas.setdefault(name, schema)
        schemas["Problem"] = PROBLEM_SCHEMA
        cached["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "keyi_session"},
        }
        cached["security"] = [{"bearer": []}, {"cookie": []}]
        app.state.openapi_base = cached
    return copy.deepcopy(cached)


def record_schemas(obj: CompiledObject) -> tuple[dict[str, Any], dict[str, Any]]:
    """(record as returned, record as written) JSON schemas of one object."""
    read: dict[str, Any] = {}
    write: dict[str, Any] = {}
    required = []
    for f in obj.fields.values():
        schema = {
            **impl_for(f).schema_for(f),
            "nullable": True,
            "title": f.labels.get("en", f.name),
        }
        read[f.name] = schema
        if f.type == FieldType.CURRENCY:
            code = {"type": "string", "pattern": "^[A-Z]{3}$", "nullable": True}
            read[currency_column(f.name)] = code
            write[currency_column(f.name)] = code
        if f.writable or f.name == "owner_id":
            write[f.name] = {k: v for k, v in schema.items() if k != "readOnly"}
            if f.required:
                required.append(f.name)
    read["_display"] = {"type": "object", "additionalProperties": {"type": "string"}}
    return (
        {"type": "object", "properties": read},
        {
            "type": "object",
            "properties": write,
            "required": required,
            "additionalProperties": False,
        },
    )


def object_paths(obj: CompiledObject) -> dict[str, Any]:
    name = obj.name
    ref = {"$ref": f"#/components/schemas/{name}"}
    ref_in = {"$ref": f"#/components/schemas/{name}_input"}
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    errors = {
        "401": {"description": "Not signed in", "content": problem},
        "422": {"description": "Invalid input", "content": problem},
    }
    list_schema = {
        "type": "object",
        "properties": {
            "records": {"type": "array", "items": ref},
            "next_cursor": {"type": "string", "nullable": True},
        },
    }
    id_param = [
        {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
        }
    ]
    return {
        f"/api/v1/records/{name}": {
            "get": {
                "tags": [name],
                "summary": f"List {name}",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "sort", "in": "query", "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "A page",
                        "content": {"application/json": {"schema": list_schema}},
                    },
                    **errors,
                },
            },
            "post": {
                "tags": [name],
                "summary": f"Create {name}",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref_in}},
                },
                "responses": {
                    "201": {
                        "description": "Created",
                        "content": {"application/json": {"schema": ref}},
                    },
                    **errors,
                },
            },
        },
        f"/api/v1/records/{name}/bulk": {
            "post": {
                "tags": [name],
                "summary": f"Create up to 1000 {name} records at once",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "records": {
                                        "type": "array",
                                        "items": ref_in,
                                        "minItems": 1,
                                        "maxItems": 1000,
                                    }
                                },
                                "required": ["records"],
                                "additionalProperties": False,
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Created, all or none",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "ids": {
                                            "type": "array",
                                            "items": {"type": "string", "format": "uuid"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **errors,
                },
            }
        },
        f"/api/v1/records/{name}/{{id}}": {
            "get": {
                "tags": [name],
                "parameters": id_param,
                "responses": {
                    "200": {
                        "description": "The record",
                        "content": {"application/json": {"schema": ref}},
                    },
                    "404": {"description": "Not found", "content": problem},
                },
            },
            "patch": {
                "tags": [name],
                "parameters": id_param,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{name}_patch"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Updated",
                        "content": {"application/json": {"schema": ref}},
                    },
                    "412": {"description": "Stale version", "content": problem},
                    **errors,
                },
            },
            "delete": {
                "tags": [name],
                "parameters": id_param,
                "responses": {
                    "204": {"description": "Moved to the recycle bin"},
                    "404": {"description": "Not found", "content": problem},
                },
            },
        },
    }


def document_invitation(document: dict[str, Any]) -> None:
    """An invitation's body is a new user's values, save those the invitation sets itself."""
    user = document["components"]["schemas"]["user_input"]
    invite = {
        **user,
        "properties": {k: v for k, v in user["properties"].items() if k not in NOT_INVITABLE},
        "required": [k for k in user.get("required", []) if k not in NOT_INVITABLE],
    }
    document["components"]["schemas"]["user_invite"] = invite
    operation = document["paths"]["/api/v1/users/invite"]["post"]
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/user_invite"}}},
    }


def generic_openapi(app: FastAPI) -> dict[str, Any]:
    """The document without a tenant: the routes' own schemas (what anonymous callers get)."""
    document = base_document(app)
    document_errors(document)
    return document


def tenant_openapi(app: FastAPI, request: Request) -> dict[str, Any]:
    document = base_document(app)
    try:
        with request_context(request) as ctx:
            for obj in ctx.schema.objects.values():
                if not ctx.policy.can(obj, Operation.READ):
                    continue
                read, write = record_schemas(obj)
                document["components"]["schemas"][obj.name] = read
                document["components"]["schemas"][f"{obj.name}_input"] = write
                document["components"]["schemas"][f"{obj.name}_patch"] = {
                    k: v for k, v in write.items() if k != "required"
                }
                document["paths"].update(object_paths(obj))
            if "user_input" in document["components"]["schemas"]:
                document_invitation(document)
    except KeyiError:
        pass  # anonymous: the generic document
    document_errors(document)
    return document
