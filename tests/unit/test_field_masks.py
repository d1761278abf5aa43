"""The masking rule on plain metadata: which computed fields a role's hidden inputs hide."""

from __future__ import annotations

from typing import Any

from keyi.platform.access.masks import field_masks, role_key
from keyi.platform.access.model import FieldAccess, ObjectPermission
from keyi.platform.metadata.dependencies import computed_inputs
from keyi.platform.metadata.model import FieldDef, ObjectDef
from keyi.platform.schema import CompiledObject, CompiledSchema, compile_schema


def _f(name: str, ftype: str, **extra: Any) -> FieldDef:
    return FieldDef.model_validate({"name": name, "type": ftype, "labels": {"en": name}, **extra})


def _object(name: str, *fields: FieldDef) -> ObjectDef:
    """An object titled by a `name` text field, then `fields`."""
    return ObjectDef(name=name, labels={"en": name.title()}, fields=(_f("name", "text"), *fields))


def _schema() -> CompiledSchema:
    account = _object(
        "account",
        _f("revenue", "decimal"),
        _f("staff", "integer"),
        _f("wan", "formula", expression="revenue / 10000", return_type="decimal"),
        _f("band", "formula", expression="IF(wan > 1, 'big', 'small')", return_type="text"),
        _f("staff2", "formula", expression="staff * 2", return_type="integer"),
        _f(
            "deal_total",
            "rollup",
            rollup={
                "child_object": "deal",
                "child_field": "account",
                "op": "sum",
                "aggregate_field": "amount",
            },
        ),
        _f(
            "deal_count",
            "rollup",
            rollup={"child_object": "deal", "child_field": "account", "op": "count"},
        ),
        _f(
            "note_count",
            "rollup",
            rollup={"child_object": "note", "child_field": "account", "op": "count"},
        ),
    )
    deal = _object(
        "deal",
        _f("amount", "decimal"),
        _f("account", "lookup", target="account"),
        _f("account_band", "formula", expression="account.band", return_type="text"),
        _f("account_staff", "formula", expression="account.staff", return_type="integer"),
        _f("owner_name", "formula", expression="account.name", return_type="text"),
    )
    note = _object("note", _f("account", "lookup", target="account"))
    return compile_schema(1, "r1", [account, deal, note], {})


def _grants(**objects: dict[str, Any]) -> dict[str, ObjectPermission]:
    return {name: ObjectPermission.from_json({"read": True, **p}) for name, p in objects.items()}


def _masks(schema: CompiledSchema, grants: dict[str, ObjectPermission]) -> dict[str, set[str]]:
    def permission_of(obj: CompiledObject) -> ObjectPermission:
        return grants.get(obj.name, ObjectPermission())

    return {k: set(v) for k, v in field_masks(schema, permission_of, role_key(grants)).items()}


def test_inputs_follow_lookup_paths_hop_by_hop() -> None:
    graph = computed_inputs(_schema())
    assert graph[("deal", "account_band")] == {
        ("deal", "account"),
        ("account", None),
        ("account", "band"),
    }
    assert graph[("account", "deal_total")] == {
        ("deal", None),
        ("deal", "account"),
        ("deal", "amount"),
    }


def test_hidden_inputs_hide_formulas_directly_nested_and_along_paths() -> None:
    grants = _grants(account={"fields": {"revenue": FieldAccess.HIDDEN.value}}, deal={}, note={})
    masks = _masks(_schema(), grants)
    assert masks == {
        "account": {"revenue", "wan", "band"},
        "deal": {"account_band"},  # through account.band → wan → revenue
    }


def test_rollups_over_hidden_fields_links_or_unreadable_children() -> None:
    schema = _schema()
    hidden_amount = _grants(account={}, deal={"fields": {"amount": "hidden"}}, note={})
    assert _masks(schema, hidden_amount) == {"account": {"deal_total"}, "deal": {"amount"}}
    hidden_link = _grants(account={}, deal={"fields": {"account": "hidden"}}, note={})
    assert _masks(schema, hidden_link) == {
        "account": {"deal_total", "deal_count"},
        # Every formula walking the hidden lookup is hidden as well.
        "deal": {"account", "account_band", "account_staff", "owner_name"},
    }
    no_notes = _grants(account={}, deal={})
    assert _masks(schema, no_notes) == {"account": {"note_count"}}


def test_paths_into_an_unreadable_object_are_hidden() -> None:
    masks = _masks(_schema(), _grants(deal={}, note={}))
    assert masks["deal"] == {"account_band", "account_staff", "owner_name"}


def test_masks_are_kept_per_revision_and_grants() -> None:
    schema = _schema()
    first = _grants(account={"fields": {"revenue": "hidden"}}, deal={}, note={})
    second = _grants(account={"fields": {"staff": "hidden"}}, deal={}, note={})
    assert role_key(first) != role_key(second)
    assert _masks(schema, first)["account"] == {"revenue", "wan", "band"}
    assert _masks(schema, second)["account"] == {"staff", "staff2"}
    assert _masks(schema, second)["deal"] == {"account_staff"}
    # Only the hidden fields and readable objects make the key: an edit grant shares masks.
    editing = _grants(account={"edit": True, "fields": {"revenue": "hidden"}}, deal={}, note={})
    assert role_key(editing) == role_key(first)
    assert role_key(None) != role_key({})


def _organisation() -> CompiledSchema:
    """The core contract's department and user, as the `core` package defines them."""
    department = _object(
        "department",
        _f("parent", "lookup", target="department"),
        _f("path", "text", read_only=True),
    )
    user = _object(
        "user",
        _f("department", "lookup", target="department"),
        _f("department_path", "text", read_only=True),
    )
    return compile_schema(1, "r1", [department, user], {})


def test_contract_derivations_are_inputs_like_a_formula_s() -> None:
    graph = computed_inputs(_organisation())
    assert graph[("department", "path")] == {
        ("department", "parent"),
        ("department", None),
        ("department", "path"),
    }
    assert graph[("user", "department_path")] == {
        ("user", "department"),
        ("department", None),
        ("department", "path"),
    }


def test_a_hidden_parent_hides_the_paths_that_spell_it() -> None:
    schema = _organisation()
    hidden_parent = _grants(department={"fields": {"parent": "hidden"}}, user={})
    assert _masks(schema, hidden_parent) == {
        "department": {"parent", "path"},
        "user": {"department_path"},
    }
    hidden_department = _grants(department={}, user={"fields": {"department": "hidden"}})
    assert _masks(schema, hidden_department) == {"user": {"department", "department_path"}}
    assert _masks(schema, _grants(department={}, user={})) == {}
