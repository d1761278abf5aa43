"""Every route that takes a request body says in the OpenAPI document what the body is.

Checked on both documents: the generic one (anonymous callers) and the per-tenant one an
administrator gets, where each object's record routes carry that object's own schema. A body
described as a bare object (`{"type": "object"}`, `additionalProperties: true` without
properties) tells clients, generated types and the schema-driven fuzzer nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import admin_email_of, login
from tests.integration.helpers import create_warranty_object

BODY_METHODS = {"POST", "PUT", "PATCH"}
# Every route's body is typed; a route added without one must not be allowed here.
NOT_YET_TYPED: set[tuple[str, str]] = set()


def body_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every documented route whose handler takes a request body."""
    found = set()
    # Routers are included lazily: their routes as the app serves them, prefixes applied.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        declared = "requestBody" in (route.openapi_extra or {})
        if route.body_field is None and not declared:
            continue
        found.update((m, route.path_format) for m in route.methods & BODY_METHODS)
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def why_untyped(document: dict[str, Any], schema: dict[str, Any] | None) -> str | None:
    """Why a body schema says nothing about the body (None when it does)."""
    if not schema:
        return "no schema"
    schema = resolve(document, schema)
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        reasons = [why_untyped(document, v) for v in variants if v.get("type") != "null"]
        return next((r for r in reasons if r), None)
    if schema.get("type") == "array":
        # A list of typed objects (a vendor's push of several items) says what it holds.
        return why_untyped(document, schema.get("items"))
    if schema.get("type") != "object":
        return f"not an object: {schema}"
    if schema.get("properties"):
        return None
    extra = schema.get("additionalProperties", True)
    if isinstance(extra, dict) and extra:
        return None  # a typed map (field name → value)
    return f"a free-form object: {schema}"


def untyped_bodies(
    document: dict[str, Any], routes: set[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    problems = {}
    for method, path in sorted(routes):
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is None:
            problems[(method, path)] = "missing from the document"
            continue
        content = operation.get("requestBody", {}).get("content", {})
        # A file upload describes its multipart form instead of a JSON body.
        body = content.get("application/json") or content.get("multipart/form-data") or {}
        reason = why_untyped(document, body.get("schema"))
        if reason:
            problems[(method, path)] = reason
    return problems


def test_every_body_has_a_schema_in_the_generic_document(app: Any) -> None:  # type: ignore[no-untyped-def]
    routes = body_routes(app)
    assert len(routes) > 25  # the walk over the app found the routes
    with TestClient(app) as anonymous:
        document = anonymous.get("/api/v1/openapi.json").json()
    problems = untyped_bodies(document, routes - NOT_YET_TYPED)
    assert not problems, "\n".join(f"{m} {p}: {why}" for (m, p), why in problems.items())
    # The allow-list names only routes that exist and are still untyped.
    assert routes >= NOT_YET_TYPED
    assert set(untyped_bodies(document, NOT_YET_TYPED)) == NOT_YET_TYPED


def test_every_body_has_a_schema_in_the_tenant_document(
    app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    with TestClient(app) as client:
        login(client, admin_email_of(platform, tenant))
        create_warranty_object(client)
        document = client.get("/api/v1/openapi.json").json()
    problems = untyped_bodies(document, body_routes(app) - NOT_YET_TYPED)
    assert not problems, "\n".join(f"{m} {p}: {why}" for (m, p), why in problems.items())

    # Where a body is a record's values, each object's routes take that object's schema.
    schemas = document["components"]["schemas"]
    for name in ("account", "opportunity", "warranty"):
        writes = {
            ("post", f"/api/v1/records/{name}"): f"{name}_input",
            ("patch", f"/api/v1/records/{name}/{{id}}"): f"{name}_patch",
        }
        for (method, path), schema_name in writes.items():
            body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
            assert body["schema"] == {"$ref": f"#/components/schemas/{schema_name}"}
        bulk = document["paths"][f"/api/v1/records/{name}/bulk"]["post"]["requestBody"]
        records = bulk["content"]["application/json"]["schema"]["properties"]["records"]
        assert records["items"] == {"$ref": f"#/components/schemas/{name}_input"}
    warranty = schemas["warranty_input"]
    assert warranty["additionalProperties"] is False
    assert {"name", "serial_no", "price", "tier", "channels"} <= set(warranty["properties"])
    assert warranty["properties"]["tier"]["enum"]
    # An invitation is a user's values, save those the invitation sets itself.
    invite = document["paths"]["/api/v1/users/invite"]["post"]["requestBody"]
    user = resolve(document, invite["content"]["application/json"]["schema"])
    assert "email" in user["properties"] and "is_active" not in user["properties"]


def test_a_body_of_the_wrong_shape_names_each_field_with_the_platform_codes(
    client: TestClient,
) -> None:
    """Refused by the body models before anything runs, in the platform's own terms."""
    cases: list[tuple[str, str, dict[str, Any], set[tuple[str, str]]]] = [
        (
            "post",
            "/api/v1/views",
            {"object": "account", "name": "x" * 101, "shared": "yes", "colour": 1},
            {("name", "too_long"), ("shared", "invalid_boolean"), ("colour", "unknown_field")},
        ),
        ("post", "/api/v1/views", {"name": "v"}, {("object", "required")}),
        (
            "post",
            "/api/v1/records/account/query",
            {"limit": "50", "bogus": 1},
            {("limit", "invalid_integer"), ("bogus", "unknown_field")},
        ),
        (
            "post",
            "/api/v1/records/account/aggregate",
            {"aggregates": [{"op": "median"}], "group_by": [{"field": "industry", "by": 1}]},
            {("aggregates.0.op", "invalid_option"), ("group_by.0.by", "unknown_field")},
        ),
        ("post", "/api/v1/records/account/claim", {}, {("ids", "required")}),
        ("post", "/api/v1/records/account/return", {"ids": [7]}, {("ids.0", "invalid_text")}),
        ("post", "/api/v1/records/account/bulk", {"records": []}, {("records", "invalid_request")}),
    ]
    for method, path, body, expected in cases:
        response = client.request(method, path, json=body, headers={"Accept-Language": "en"})
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["code"] == "invalid_request"
        assert {(e["field"], e["code"]) for e in problem["errors"]} == expected, (path, body)
        assert all(e["message"] for e in problem["errors"])
    # Messages come from the platform's catalogue, translated like every other refusal.
    response = client.post(
        "/api/v1/views",
        json={"name": "v", "object": "account", "shared": 1},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.json()["errors"] == [
        {"field": "shared", "code": "invalid_boolean", "message": "必须是“是”或“否”。"}
    ]
