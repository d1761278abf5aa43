"""A custom object with every field type, end to end through HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.helpers import WARRANTY_FIELDS, count, create_warranty_object, make_account


def test_custom_object_has_every_field_type(client: TestClient) -> None:
    obj = create_warranty_object(client)
    types = {f["name"]: f["type"] for f in obj["fields"]}
    for field in WARRANTY_FIELDS:
        assert types[field["name"]] == field["type"]
    # System fields are described too, read-only.
    system = {f["name"]: f for f in obj["fields"] if f["system"]}
    assert {
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "owner_id",
    } <= set(system)
    assert system["id"]["read_only"] is True
    listed = client.get("/api/v1/metadata/objects").json()["objects"]
    assert "warranty" in {o["name"] for o in listed}


def test_create_read_every_type(client: TestClient) -> None:
    create_warranty_object(client)
    account = make_account(client)
    response = client.post(
        "/api/v1/records/warranty",
        json={
            "name": "保修单 1",
            "serial_no": "SN-001",
            "notes": "多行\n文本",
            "units": "1,200",
            "weight": 12.3456,
            "price": 1000,
            "price_currency": "usd",
            "discount": 10,
            "starts_on": "2026-01-31",
            "registered_at": "2026-01-31T10:00:00+08:00",
            "contact_email": "Service@Example.COM",
            "hotline": "400-800-8888",
            "site": "example.com",
            "tier": "gold",
            "channels": ["email", "phone", "email"],
            "account": account["id"],
        },
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["etag"] == '"1"'
    assert record["units"] == 1200
    assert record["weight"] == 12.346
    assert record["price"] == 1000 and record["price_currency"] == "USD"
    assert record["net_price"] == 900
    assert record["active"] is True  # default
    assert record["starts_on"] == "2026-01-31"
    assert record["registered_at"] == "2026-01-31T02:00:00.000Z"
    assert record["contact_email"] == "service@example.com"
    assert record["site"] == "https://example.com"
    assert record["channels"] == ["phone", "email"]  # option order, no duplicates
    assert record["account"] == account["id"]
    assert record["_display"]["account"] == "华为技术有限公司"
    assert record["warranty_no"].startswith("WR-") and record["warranty_no"].endswith("-0001")
    assert record["version"] == 1 and record["owner_id"] == record["created_by"]
    fetched = client.get(f"/api/v1/records/warranty/{record['id']}").json()
    assert fetched == record


def test_bad_input_lists_every_error_and_writes_nothing(client: TestClient) -> None:
    create_warranty_object(client)
    before = count(client, "warranty")
    response = client.post(
        "/api/v1/records/warranty",
        headers={"Accept-Language": "zh-CN"},
        json={
            "units": "12.5",
            "tier": "platinum",
            "contact_email": "not-an-email",
            "starts_on": "31/01/2026",
            "account": "00000000-0000-0000-0000-000000000000",
            "warranty_no": "X",
            "bogus": 1,
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert errors == {
        "units": "invalid_integer",
        "tier": "invalid_option",
        "contact_email": "invalid_email",
        "starts_on": "invalid_date",
        "warranty_no": "read_only",
        "bogus": "unknown_field",
        "name": "required",
        "serial_no": "required",
        "account": "invalid_reference",
    }
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["name"] == "此字段为必填项。"
    assert count(client, "warranty") == before
    # A well-formed id of no record is refused too.
    response = client.post(
        "/api/v1/records/warranty",
        json={"name": "x", "serial_no": "S", "account": "00000000-0000-0000-0000-000000000000"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account"
    assert count(client, "warranty") == before


def test_unique_and_auto_number(client: TestClient) -> None:
    create_warranty_object(client)
    first = client.post("/api/v1/records/warranty", json={"name": "a", "serial_no": "S1"}).json()
    dup = client.post("/api/v1/records/warranty", json={"name": "b", "serial_no": "S1"})
    assert dup.status_code == 422
    assert dup.json()["errors"] == [
        {
            "field": "serial_no",
            "code": "not_unique",
            "message": "Another record already has this value.",
        }
    ]
    second = client.post("/api/v1/records/warranty", json={"name": "b", "serial_no": "S2"}).json()
    assert int(second["warranty_no"][-4:]) == int(first["warranty_no"][-4:]) + 1
    # A deleted record frees its unique value; restoring it then conflicts.
    assert client.delete(f"/api/v1/records/warranty/{first['id']}").status_code == 204
    reuse = client.post("/api/v1/records/warranty", json={"name": "c", "serial_no": "S1"})
    assert reuse.status_code == 201
    restore = client.post(f"/api/v1/records/warranty/{first['id']}/restore")
    assert restore.status_code == 409


def test_metadata_changes_rename_drop_picklist(client: TestClient) -> None:
    create_warranty_object(client)
    rec = client.post(
        "/api/v1/records/warranty",
        json={"name": "a", "serial_no": "S1", "tier": "gold", "units": 3},
    ).json()
    renamed = client.patch(
        "/api/v1/metadata/objects/warranty/fields/units",
        json={"name": "quantity", "labels": {"en": "Quantity", "zh-CN": "数量"}},
    )
    assert renamed.status_code == 200, renamed.text
    fetched = client.get(f"/api/v1/records/warranty/{rec['id']}").json()
    assert fetched["quantity"] == 3 and "units" not in fetched
    # Add a picklist value, then use it.
    options = [
        {"value": "gold", "labels": {"en": "Gold"}},
        {"value": "silver", "labels": {"en": "Silver"}},
        {"value": "bronze", "labels": {"en": "Bronze", "zh-CN": "铜牌"}},
    ]
    assert (
        client.patch(
            "/api/v1/metadata/objects/warranty/fields/tier", json={"options": options}
        ).status_code
        == 200
    )
    updated = client.patch(
        f"/api/v1/records/warranty/{rec['id']}",
        json={"tier": "bronze"},
        headers={"If-Match": '"1"'},
    )
    assert updated.status_code == 200, updated.text
    # A field used by a formula cannot be dropped; an unused one can.
    blocked = client.delete("/api/v1/metadata/objects/warranty/fields/price")
    assert blocked.status_code == 422 and blocked.json()["errors"][0]["code"] == "in_use"
    assert client.delete("/api/v1/metadata/objects/warranty/fields/site").status_code == 204
    assert "site" not in client.get(f"/api/v1/records/warranty/{rec['id']}").json()
    # Indexing a field later works on a populated table.
    assert (
        client.patch(
            "/api/v1/metadata/objects/warranty/fields/quantity", json={"indexed": True}
        ).status_code
        == 200
    )


def test_invalid_metadata_is_rejected_without_side_effects(client: TestClient) -> None:
    bad = client.post(
        "/api/v1/metadata/objects", json={"name": "Bad Name", "labels": {"en": "Bad"}}
    )
    assert bad.status_code == 422
    bad_target = client.post(
        "/api/v1/metadata/objects",
        json={
            "name": "thing",
            "labels": {"en": "Thing"},
            "fields": [
                {"name": "name", "type": "text", "labels": {"en": "Name"}},
                {"name": "ref", "type": "lookup", "target": "nowhere", "labels": {"en": "Ref"}},
            ],
        },
    )
    assert bad_target.status_code == 422
    assert client.get("/api/v1/metadata/objects/thing").status_code == 404
    create_warranty_object(client)
    bad_formula = client.post(
        "/api/v1/metadata/objects/warranty/fields",
        json={
            "name": "f",
            "type": "formula",
            "return_type": "decimal",
            "expression": "price * missing_field",
            "labels": {"en": "F"},
        },
    )
    assert bad_formula.status_code == 422
    assert "missing_field" in bad_formula.json()["errors"][0]["message"]
    fields = {f["name"] for f in client.get("/api/v1/metadata/objects/warranty").json()["fields"]}
    assert "f" not in fields
    taken = client.post(
        "/api/v1/metadata/objects", json={"name": "account", "labels": {"en": "Again"}}
    )
    assert taken.status_code == 422


def test_master_detail_cascade_and_rollup(client: TestClient) -> None:
    assert (
        client.post(
            "/api/v1/metadata/objects",
            json={"name": "project", "labels": {"en": "Project", "zh-CN": "项目"}},
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/metadata/objects", json={"name": "milestone", "labels": {"en": "Milestone"}}
        ).status_code
        == 201
    )
    md = client.post(
        "/api/v1/metadata/objects/milestone/fields",
        json={
            "name": "project",
            "type": "master_detail",
            "target": "project",
            "labels": {"en": "Project"},
            "required": True,
        },
    )
    assert md.status_code == 201, md.text
    assert (
        client.post(
            "/api/v1/metadata/objects/milestone/fields",
            json={"name": "cost", "type": "currency", "labels": {"en": "Cost"}},
        ).status_code
        == 201
    )
    for op, name in (("count", "milestones"), ("sum", "total_cost"), ("max", "max_cost")):
        spec = {"child_object": "milestone", "child_field": "project", "op": op}
        if op != "count":
            spec["aggregate_field"] = "cost"
        added = client.post(
            "/api/v1/metadata/objects/project/fields",
            json={"name": name, "type": "rollup", "labels": {"en": name}, "rollup": spec},
        )
        assert added.status_code == 201, added.text
    project = client.post("/api/v1/records/project", json={"name": "P"}).json()
    costs = [100, 250.5, 50]
    milestones = [
        client.post(
            "/api/v1/records/milestone", json={"name": f"M{i}", "project": project["id"], "cost": c}
        ).json()
        for i, c in enumerate(costs)
    ]
    fetched = client.get(f"/api/v1/records/project/{project['id']}").json()
    assert (
        fetched["milestones"] == 3
        and fetched["total_cost"] == 400.5
        and fetched["max_cost"] == 250.5
    )
    client.patch(f"/api/v1/records/milestone/{milestones[1]['id']}", json={"cost": 10})
    assert client.get(f"/api/v1/records/project/{project['id']}").json()["total_cost"] == 160
    # Deleting the master sends its details to the recycle bin; restoring brings them back.
    assert client.delete(f"/api/v1/records/project/{project['id']}").status_code == 204
    assert client.get(f"/api/v1/records/milestone/{milestones[0]['id']}").status_code == 404
    assert client.post(f"/api/v1/records/project/{project['id']}/restore").status_code == 200
    restored = client.get(f"/api/v1/records/project/{project['id']}").json()
    assert restored["milestones"] == 3
    assert client.get(f"/api/v1/records/milestone/{milestones[0]['id']}").status_code == 200


def test_validation_rule_added_at_runtime(client: TestClient) -> None:
    create_warranty_object(client)
    rules = [
        {
            "name": "units_positive",
            "condition": "units <= 0",
            "field": "units",
            "message": {"en": "Units must be positive.", "zh-CN": "数量必须大于零。"},
        }
    ]
    assert (
        client.patch(
            "/api/v1/metadata/objects/warranty", json={"validation_rules": rules}
        ).status_code
        == 200
    )
    bad = client.post(
        "/api/v1/records/warranty",
        json={"name": "a", "serial_no": "S", "units": 0},
        headers={"Accept-Language": "zh-CN"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "units", "code": "validation_rule", "message": "数量必须大于零。"}
    ]
    assert (
        client.post(
            "/api/v1/records/warranty", json={"name": "a", "serial_no": "S", "units": 2}
        ).status_code
        == 201
    )


def test_validation_rule_conditions_must_be_boolean(client: TestClient) -> None:
    """A condition that yields a number or text would never decide anything: refused when
    saved, at the rule's condition, like a type error; boolean ones (fields, lookups, REGEX,
    formulas returning true/false) are accepted."""
    create_warranty_object(client)

    def rule(condition: str) -> dict[str, Any]:
        return {"name": "r", "condition": condition, "message": {"en": "No."}}

    for condition, kind in (
        ("units + 1", "integer"),
        ("name", "text"),
        ("price * 2", "decimal"),
        ("IF(active, starts_on, NULL)", "date"),
        ("account.name", "text"),
        ("NULL", "null"),
    ):
        refused = client.patch(
            "/api/v1/metadata/objects/warranty",
            json={"validation_rules": [rule("units > 0"), rule(condition) | {"name": "bad"}]},
        )
        assert refused.status_code == 422, (condition, refused.text)
        assert refused.json()["errors"] == [
            {
                "field": "validation_rules.1.condition",
                "code": "not_boolean",
                "message": f"The condition must be true or false; this one gives {kind}.",
            }
        ], condition
    zh = client.patch(
        "/api/v1/metadata/objects/warranty",
        json={"validation_rules": [rule("name")]},
        headers={"Accept-Language": "zh-CN"},
    )
    assert zh.json()["errors"][0]["message"] == "条件的结果必须是真或假，此条件的结果是 text。"
    typo = client.patch(
        "/api/v1/metadata/objects/warranty", json={"validation_rules": [rule("name > 5")]}
    )
    assert [(e["field"], e["code"]) for e in typo.json()["errors"]] == [
        ("validation_rules.0.condition", "invalid_expression")
    ]
    for condition in (
        "active",
        "NOT active",
        "ISBLANK(account)",
        "account.name = 'Acme' AND units > 2",
        "REGEX(serial_no, '[A-Z]+')",
        "IF(units > 1, TRUE, NULL)",
        "owner_id = created_by",
    ):
        accepted = client.patch(
            "/api/v1/metadata/objects/warranty", json={"validation_rules": [rule(condition)]}
        )
        assert accepted.status_code == 200, (condition, accepted.text)
    # Creating an object checks its rules the same way.
    created = client.post(
        "/api/v1/metadata/objects",
        json={
            "name": "gadget",
            "labels": {"en": "Gadget"},
            "fields": [{"name": "name", "type": "text", "labels": {"en": "Name"}}],
            "validation_rules": [rule("LEN(name)")],
        },
    )
    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["field"].endswith("validation_rules.0.condition")
    assert created.json()["errors"][0]["code"] == "not_boolean"


def test_formula_types_are_checked_when_saved(client: TestClient) -> None:
    """A formula must type-check and give its declared return type: shown, sorted and
    filtered as that type, a mismatch would otherwise break or garble every read."""
    create_warranty_object(client)
    path = "/api/v1/metadata/objects/warranty/fields"

    def formula(expression: str, return_type: str, name: str = "calc") -> dict[str, Any]:
        return {
            "name": name,
            "type": "formula",
            "expression": expression,
            "return_type": return_type,
            "labels": {"en": "Calc"},
        }

    for expression, return_type, actual in (
        ('name & "-x"', "decimal", "text"),
        ("price * 2", "date", "decimal"),
        ("price / 2", "integer", "decimal"),  # FLOOR() says "drop the fraction" on purpose
        ("units > 2", "text", "boolean"),
        ("starts_on", "datetime", "date"),
        ("ADDDAYS(starts_on, units)", "currency", "date"),
    ):
        refused = client.post(path, json=formula(expression, return_type))
        assert refused.status_code == 422, (expression, refused.text)
        assert refused.json()["errors"] == [
            {
                "field": "expression",
                "code": "type_mismatch",
                "message": f"The formula gives {actual}, but its return type is {return_type}.",
            }
        ], expression
    zh = client.post(
        path, json=formula('name & "-x"', "decimal"), headers={"Accept-Language": "zh-CN"}
    )
    assert zh.json()["errors"][0]["message"] == "公式的结果是 text，与返回类型 decimal 不符。"
    # A type error is an invalid expression: it could never be computed.
    for expression in ("name + 1", 'UPPER(units) & "x"', "IF(active, 1, name)"):
        typo = client.post(path, json=formula(expression, "text"))
        assert [(e["field"], e["code"]) for e in typo.json()["errors"]] == [
            ("expression", "invalid_expression")
        ], (expression, typo.text)
    fields = {f["name"] for f in client.get("/api/v1/metadata/objects/warranty").json()["fields"]}
    assert "calc" not in fields
    for expression, return_type in (
        ("units * 2", "integer"),
        ("units * 2", "currency"),  # integers widen to the decimal types
        ("FLOOR(price / 2)", "integer"),
        ("price * (1 - BLANKVALUE(discount, 0) / 100)", "currency"),
        ('name & " / " & BLANKVALUE(account.name, "-")', "text"),
        ("ADDDAYS(starts_on, 30)", "date"),
        ("units > 2 AND active", "boolean"),
        ("IF(active, registered_at, NULL)", "datetime"),
        ("NULL", "percent"),
        ("net_price * 2", "decimal"),  # another formula, by its return type
    ):
        made = client.post(path, json=formula(expression, return_type))
        assert made.status_code == 201, (expression, made.text)
        assert client.delete(f"{path}/calc").status_code == 204
    # Changing a formula's return type may not break the formulas and rules that use it.
    assert client.post(path, json=formula("units * 2", "integer", name="double")).status_code == 201
    assert client.post(path, json=formula("double + 1", "integer", name="plus")).status_code == 201
    changed = client.patch(
        f"{path}/double", json={"expression": "TEXT(units)", "return_type": "text"}
    )
    assert changed.status_code == 422, changed.text
    assert [(e["field"], e["code"]) for e in changed.json()["errors"]] == [
        ("return_type", "in_use")
    ]
    assert "warranty.plus" in changed.json()["errors"][0]["message"]
    # And a change that does not type-check is refused like a new field.
    bad = client.patch(f"{path}/plus", json={"return_type": "date"})
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [
        ("expression", "type_mismatch")
    ]
    made = client.post("/api/v1/records/warranty", json={"name": "W", "serial_no": "S", "units": 3})
    assert made.status_code == 201, made.text
    assert (made.json()["double"], made.json()["plus"]) == (6, 7)
