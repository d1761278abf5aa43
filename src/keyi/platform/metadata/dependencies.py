"""What each computed field reads: the inputs of formulas, roll-ups and derived fields.

A formula's value is a function of the fields its expression names; a roll-up's value is a
function of its child object's link and summarised fields; a field the platform derives in its
hooks (a department's ``path`` spells its ancestors' ids) is a function of what the core
contract (keyi.platform.contract) or its package (keyi.platform.derivations) declares it
derived from. Access decisions need this graph: a
value computed from a field the reader may not see would show that field (`amount * 0 + amount`,
a sum over one child, a path naming the parent), so such a value is hidden too
(keyi.platform.access.masks).

The graph depends on the metadata alone, so it is computed once per compiled schema (one
metadata revision) and kept with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from keyi.platform import derivations
from keyi.platform.contract import derived_fields
from keyi.platform.expressions import ExpressionError, parse, references
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldType
from keyi.platform.schema import CompiledSchema

Input = tuple[str, str | None]
"""``(object, field)``: that field's value is read; ``(object, None)``: records of that object
are read (a lookup path through it, or a roll-up over it)."""

FieldKey = tuple[str, str]
"""``(object, field)`` of a computed field."""

_MEMO_KEY = "computed_inputs"


def formula_inputs(schema: CompiledSchema, object_name: str, expression: str) -> set[Input]:
    """Every field a formula's expression reads, hop by hop along its lookup paths.

    ``account.industry`` on an opportunity reads the opportunity's ``account`` field, account
    records, and the account's ``industry``. A path that does not resolve (metadata checks
    refuse those when they are saved) contributes the hops that do.
    """
    try:
        paths = references(parse(expression))
    except ExpressionError:
        return set()
    return path_inputs(schema, object_name, paths)


def path_inputs(schema: CompiledSchema, object_name: str, paths: Iterable[str]) -> set[Input]:
    """Every field read along reference paths (``parent.path``) from ``object_name``."""
    found: set[Input] = set()
    for path in paths:
        obj = schema.get(object_name)
        parts = path.split(".")
        for i, part in enumerate(parts):
            f = obj.fields.get(part) if obj is not None else None
            if obj is None or f is None:
                break
            found.add((obj.name, part))
            if i == len(parts) - 1:
                break
            obj = schema.get(f.target) if f.type in REFERENCE_TYPES and f.target else None
            if obj is not None:
                found.add((obj.name, None))
    return found


def computed_inputs(schema: CompiledSchema) -> Mapping[FieldKey, frozenset[Input]]:
    """Direct inputs of every formula, roll-up and derived field (memoised on the schema)."""
    cached = schema.memo.get(_MEMO_KEY)
    if cached is not None:
        return cached
    graph: dict[FieldKey, frozenset[Input]] = {}
    for obj in schema.objects.values():
        for f in obj.definition.fields:
            if f.type == FieldType.FORMULA and f.expression:
                graph[(obj.name, f.name)] = frozenset(
                    formula_inputs(schema, obj.name, f.expression)
                )
            elif f.type == FieldType.ROLLUP and f.rollup is not None:
                spec = f.rollup
                inputs: set[Input] = {
                    (spec.child_object, None),
                    (spec.child_object, spec.child_field),
                }
                if spec.aggregate_field:
                    inputs.add((spec.child_object, spec.aggregate_field))
                inputs.update((spec.child_object, name) for name in spec.filter_fields())
                graph[(obj.name, f.name)] = frozenset(inputs)
    for object_name, field_name, paths in (*derived_fields(), *derivations.declared()):
        derived = schema.get(object_name)
        if derived is not None and field_name in derived.fields:
            graph[(object_name, field_name)] = frozenset(path_inputs(schema, object_name, paths))
    schema.memo[_MEMO_KEY] = graph
    return graph
