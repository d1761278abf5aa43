"""Metadata validation: impossible definitions never reach the database."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from keyi.platform.metadata.model import FieldDef, ObjectDef

LABELS = {"en": "X", "zh-CN": "某"}


def make_field(**data: Any) -> FieldDef:
    return FieldDef.model_validate({"name": "f", "labels": LABELS, **data})


@pytest.mark.parametrize(
    "data",
    [
        {"type": "picklist"},
        {
            "type": "picklist",
            "options": [{"value": "a", "labels": LABELS}, {"value": "a", "labels": LABELS}],
        },
        {"type": "text", "options": [{"value": "a", "labels": LABELS}]},
        {"type": "lookup"},
        {"type": "formula", "return_type": "decimal"},
        {"type": "formula", "expression": "1", "return_type": "picklist"},
        {"type": "auto_number", "pattern": "NO-PATTERN"},
        {"type": "rollup"},
        {"type": "formula", "expression": "1", "return_type": "text", "required": True},
        {"type": "long_text", "unique": True},
        {"type": "text", "name": "Bad-Name"},
        {"type": "text", "labels": {}},
        {"type": "text", "labels": {"fr": "Nom"}},
        {"type": "nonsense"},
        {"type": "text", "surprise": 1},
    ],
)
def test_invalid_fields(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        make_field(**data)


def test_valid_field_kinds() -> None:
    assert make_field(type="auto_number", pattern="HT-{YYYY}-{0000}").computed
    assert not make_field(type="formula", expression="a + 1", return_type="decimal").stored
    rollup = make_field(
        type="rollup", rollup={"child_object": "o", "child_field": "p", "op": "count"}
    )
    assert rollup.computed and rollup.stored
    with pytest.raises(ValidationError):
        make_field(type="rollup", rollup={"child_object": "o", "child_field": "p", "op": "sum"})


def test_object_name_field_must_exist() -> None:
    with pytest.raises(ValidationError):
        ObjectDef.model_validate(
            {
                "name": "o",
                "labels": LABELS,
                "name_field": "title",
                "fields": [{"name": "name", "type": "text", "labels": LABELS}],
            }
        )
    with pytest.raises(ValidationError):
        ObjectDef.model_validate(
            {
                "name": "o",
                "labels": LABELS,
                "fields": [{"name": "name", "type": "text", "labels": LABELS}] * 2,
            }
        )
    obj = ObjectDef.model_validate(
        {
            "name": "o",
            "labels": LABELS,
            "fields": [{"name": "name", "type": "text", "labels": LABELS}],
        }
    )
    assert obj.field("name") is not None and obj.field("nope") is None


def test_rollup_filter_values_and_serialisation() -> None:
    """A filter's bare value is a one-value list; without a filter a roll-up serialises as it
    did before filters existed (package baselines and their digests do not move)."""
    from keyi.platform.metadata.model import RollupSpec

    plain = RollupSpec(child_object="line", child_field="quote", op="count")
    assert "filter" not in plain.model_dump(mode="json")
    assert "filter" not in plain.model_dump_json()
    spec = RollupSpec(
        child_object="expense",
        child_field="plan",
        op="sum",
        aggregate_field="amount",
        filter={"status": ["approved", "paid"], "billable": True},
    )
    assert spec.model_dump(mode="json")["filter"] == {
        "status": ["approved", "paid"],
        "billable": [True],
    }
    assert spec.filter_fields() == ("status", "billable")
    assert RollupSpec.model_validate(spec.model_dump(mode="json")) == spec
    for bad in ({}, {"status": []}):
        try:
            RollupSpec(child_object="e", child_field="p", op="count", filter=bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")
